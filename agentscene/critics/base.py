"""The critic protocol: a critic scores a scene on SceneReVis' judge axes and says why.

`Critique` is what any critic returns: scores (0-10), feedback text, the offline judge's findings,
and an `error` instead of scores when a model's reply could not be read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from agentscene.agents.client import Usage
from agentscene.critics.judgement import Finding, judge_terms
from agentscene.critics.rules import RULES_BY_ID
from agentscene.scene import Scene

#: the axes a VLM critic scores (the offline judge adds requirement_match)
VLM_AXES = ("rationality", "spatial_layout", "accessibility")
#: SceneReVis' judge rule: rationality at most this with a room size out of range or too few objects
CAP = RULES_BY_ID["room_caps"].params["cap_to"]


class Critique(BaseModel):
    model_config = ConfigDict(frozen=True)

    source: str
    scores: dict[str, float] = Field(default_factory=dict)
    feedback: str = ""
    findings: list[Finding] = Field(default_factory=list)
    skipped: list[str] = Field(default_factory=list)
    error: str | None = None
    usage: Usage = Field(default_factory=Usage)

    def terms(self) -> dict[str, float]:
        """The final-turn judge terms (rationality, requirement_match, scene_graph) its scores fill."""
        return {} if self.error else judge_terms(self.scores)


@runtime_checkable
class Critic(Protocol):
    name: str

    def critique(self, scene: Scene, report: Any | None, prompt: str, image: Path | None) -> Critique: ...


def scene_facts(scene: Scene) -> dict[str, Any]:
    from agentscene.agents.planner.program import area_range

    x0, z0, x1, z1 = scene.room.bounds
    lo, hi = area_range(scene.room.room_type)
    area = scene.room.area
    return {
        "room_type": scene.room.room_type, "room_width": round(x1 - x0, 2), "room_depth": round(z1 - z0, 2),
        "room_area": round(area, 2), "area_min": lo, "area_max": hi, "area_ok": lo <= area <= hi,
        "object_count": len(scene.objects), "objects": ", ".join(o.description for o in scene.objects) or "(none)",
    }
