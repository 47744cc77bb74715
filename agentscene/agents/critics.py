"""Moved to agentscene.critics; this module re-exports the critics for existing imports."""

from agentscene.critics.base import CAP, VLM_AXES, Critic, Critique, scene_facts
from agentscene.critics.rule import RuleCritic
from agentscene.critics.vlm import JUDGE_SCHEMA, VLMCritic

AXES = VLM_AXES

__all__ = ["AXES", "CAP", "JUDGE_SCHEMA", "Critic", "Critique", "RuleCritic", "VLMCritic", "scene_facts"]
