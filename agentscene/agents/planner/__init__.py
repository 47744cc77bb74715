"""The offline planner: brief -> room -> furniture layout by interior-design rules -> physics fixes."""

from agentscene.agents.planner.planner import ORIGIN, Planner, PlannerStep

__all__ = ["ORIGIN", "Planner", "PlannerStep"]
