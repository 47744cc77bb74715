"""The offline planner: prompt -> room -> furniture layout by interior-design rules -> physics fixes."""

from agentscene.agents.planner.planner import ORIGIN, Planner, PlannerStep
from agentscene.agents.planner.prompt import PromptSpec, RequestedObject, parse_prompt

__all__ = ["ORIGIN", "Planner", "PlannerStep", "PromptSpec", "RequestedObject", "parse_prompt"]
