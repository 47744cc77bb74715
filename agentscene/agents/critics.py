"""Critics: SceneReVis' three judge scores (rationality, spatial layout, accessibility; 0-10).

`VLMCritic` asks any vision model through a ModelClient for strict JSON; `RuleCritic` derives the
same three scores offline from the physics report and the scene. Both return a `Critique` with
scores and feedback text; a judge reply that cannot be read is a Critique with `error`, not a crash.
Both cap rationality at 6 when the room's area is outside the expected range for its type or the
scene has fewer than 4 objects, as SceneReVis' judge prompt does.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agentscene.agents.client import ModelClient, Usage
from agentscene.agents.messages import image_data_url
from agentscene.agents.planner.program import area_range
from agentscene.limits import loads_json
from agentscene.scene import Scene

AXES = ("rationality", "spatial_layout", "accessibility")
#: fewer objects than this caps rationality (SceneReVis' judge rule)
MIN_OBJECTS = 4
CAP = 6.0


class Critique(BaseModel):
    model_config = ConfigDict(frozen=True)

    source: str
    scores: dict[str, float] = Field(default_factory=dict)
    feedback: str = ""
    error: str | None = None
    usage: Usage = Field(default_factory=Usage)

    @property
    def average(self) -> float | None:
        vals = [self.scores[a] for a in AXES if a in self.scores]
        return sum(vals) / len(vals) if vals else None


@runtime_checkable
class Critic(Protocol):
    name: str

    def critique(self, scene: Scene, report: Any | None, prompt: str, image: Path | None) -> Critique: ...


def scene_facts(scene: Scene) -> dict[str, Any]:
    x0, z0, x1, z1 = scene.room.bounds
    lo, hi = area_range(scene.room.room_type)
    area = scene.room.area
    return {
        "room_type": scene.room.room_type, "room_width": round(x1 - x0, 2), "room_depth": round(z1 - z0, 2),
        "room_area": round(area, 2), "area_min": lo, "area_max": hi, "area_ok": lo <= area <= hi,
        "object_count": len(scene.objects), "objects": ", ".join(o.description for o in scene.objects) or "(none)",
    }


def _caps(facts: dict[str, Any]) -> list[str]:
    out = []
    if not facts["area_ok"]:
        out.append(f"the room's {facts['room_area']:.1f} m² is outside the expected {facts['area_min']:g}-{facts['area_max']:g} m² "
                   f"for a {facts['room_type'].replace('_', ' ')}")
    if facts["object_count"] < MIN_OBJECTS:
        out.append(f"only {facts['object_count']} objects (at least {MIN_OBJECTS} expected)")
    return out


def _clamp(v: float) -> float:
    return round(max(0.0, min(10.0, v)), 2)


class RuleCritic:
    """The three judge axes computed from the physics report: deterministic and free."""

    name = "rule"

    def critique(self, scene: Scene, report: Any | None, prompt: str, image: Path | None = None) -> Critique:
        facts = scene_facts(scene)
        notes: list[str] = []
        n_pairs = report.n_colliding_pairs if report is not None else 0
        n_oob = report.n_oob_objects if report is not None else 0
        n_float = len(report.floating or []) if report is not None else 0

        rationality = 10.0 - min(6.0, 2.0 * n_pairs) - min(6.0, 2.0 * n_oob) - min(3.0, 1.0 * n_float)
        caps = _caps(facts)
        if caps:
            rationality = min(rationality, CAP)
            notes += [c[0].upper() + c[1:] + "." for c in caps]
        if n_pairs:
            notes.append(f"{n_pairs} colliding pair(s): separate them.")
        if n_oob:
            notes.append(f"{n_oob} object(s) stick out of the room: move them inside.")
        if n_float:
            notes.append(f"{n_float} object(s) float or sink: set them on their support.")

        layout = 10.0 - (3.0 if n_oob else 0.0) - min(4.5, 1.5 * n_pairs)
        floor = [o for o in scene.objects if o.support == "floor" and o.category not in ("rug", "yoga_mat")]
        area = max(scene.room.area, 1e-6)
        cover = sum(o.size[0] * o.size[2] for o in floor) / area
        if floor and cover > 0.55:
            layout -= 2.0
            notes.append(f"Furniture covers {cover:.0%} of the floor: the room is crammed.")
        elif cover < 0.12:
            layout -= 1.0
            notes.append("The room is sparsely furnished.")
        if len(floor) >= 3:
            cx, cz = scene.room.center
            quadrants = {(o.position[0] >= cx, o.position[2] >= cz) for o in floor}
            if len(quadrants) <= 1:
                layout -= 2.0
                notes.append("All furniture is piled in one part of the room.")

        access = 10.0
        walkable = getattr(report, "walkable_ratio", None) if report is not None else None
        if walkable is not None:
            access = 10.0 * min(1.0, max(0.0, (walkable - 0.3) / 0.6))
            if walkable < 0.8:
                notes.append(f"Only {walkable:.0%} of the free floor is reachable from the door.")
        blocked = [d for d in (getattr(report, "door_clearance", None) or []) if d.blocked]
        if blocked:
            access -= 2.0 * len(blocked)
            notes.append(f"{len(blocked)} door(s) blocked by {', '.join(sorted({b for d in blocked for b in d.blocking}))}.")
        scores = {"rationality": _clamp(rationality), "spatial_layout": _clamp(layout), "accessibility": _clamp(access)}
        return Critique(source=self.name, scores=scores, feedback=" ".join(notes) or "No problems found.")


class _JudgeReply(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rationality: float = Field(ge=0, le=10)
    spatial_layout: float = Field(ge=0, le=10)
    accessibility: float = Field(ge=0, le=10)
    feedback: str = Field(max_length=4000)


JUDGE_SCHEMA = {
    "type": "json_schema",
    "json_schema": {
        "name": "scene_critique",
        "strict": True,
        "schema": {
            "type": "object",
            "properties": {
                "rationality": {"type": "integer"}, "spatial_layout": {"type": "integer"},
                "accessibility": {"type": "integer"}, "feedback": {"type": "string"},
            },
            "required": ["rationality", "spatial_layout", "accessibility", "feedback"],
            "additionalProperties": False,
        },
    },
}


class VLMCritic:
    """A vision model as the judge: one call with the merged render and the scene facts."""

    name = "vlm"

    def __init__(self, client: ModelClient, *, use_response_format: bool = True):
        self.client = client
        self.use_response_format = use_response_format

    def messages(self, scene: Scene, prompt: str, image: Path) -> list[dict[str, Any]]:
        from agentscene.agents.chat_agent import load_prompt

        facts = scene_facts(scene)
        caps = _caps(facts)
        warnings = "".join(f"- WARNING: {c}; rationality can be at most {CAP:g}.\n" for c in caps)
        shown = {**facts, "area_min": f"{facts['area_min']:g}", "area_max": f"{facts['area_max']:g}"}
        text = load_prompt("critic_vlm.md", prompt=prompt, warnings=warnings, **shown)
        return [{"role": "user", "content": [
            {"type": "text", "text": text},
            {"type": "image_url", "image_url": {"url": image_data_url(image)}},
        ]}]

    def critique(self, scene: Scene, report: Any | None, prompt: str, image: Path | None) -> Critique:
        if image is None:
            raise ValueError("the VLM critic needs a render: choose a renderer (--renderer raster)")
        response = self.client.complete(self.messages(scene, prompt, image),
                                        response_format=JUDGE_SCHEMA if self.use_response_format else None)
        text = (response.content or "").strip()
        if text.startswith("```"):
            text = text.strip("`").removeprefix("json").strip()
        try:
            reply = _JudgeReply.model_validate(loads_json(text))
        except (ValueError, ValidationError) as e:  # invalid JSON, over a limit, or not the schema
            problem = str(e).splitlines()[0][:200]
            return Critique(source=self.name, error=f"the judge's reply is not the requested JSON: {problem}", usage=response.usage)
        scores = {a: float(getattr(reply, a)) for a in AXES}
        if any(not math.isfinite(v) for v in scores.values()):
            return Critique(source=self.name, error="the judge's scores are not finite", usage=response.usage)
        if _caps(scene_facts(scene)):
            scores["rationality"] = min(scores["rationality"], CAP)
        return Critique(source=self.name, scores=scores, feedback=reply.feedback.strip(), usage=response.usage)
