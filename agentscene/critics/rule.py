"""`RuleCritic`: the offline judge as a Critic, free and deterministic (agentscene.critics.judge)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agentscene.critics.base import Critique
from agentscene.critics.judge import judge
from agentscene.scene import Scene


class RuleCritic:
    """The four judge scores and findings from the rule table, with the physics report when given."""

    name = "rule"

    def __init__(self, tolerances: Any = None, top_k: int = 8):
        self.tolerances = tolerances
        self.top_k = top_k

    def critique(self, scene: Scene, report: Any | None, prompt: str, image: Path | None = None) -> Critique:
        j = judge(scene, prompt or None, report=report, tolerances=self.tolerances)
        return Critique(source=self.name, scores=j.scores, feedback=j.feedback_text(self.top_k, scores=False),
                        findings=j.findings, skipped=j.skipped)
