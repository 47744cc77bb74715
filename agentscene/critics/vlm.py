"""`VLMCritic`: a vision model as the judge, through any ModelClient, asked for strict JSON.

A reply that cannot be read is a Critique with `error`, not a crash. Rationality is capped at 6
when the room's area is outside the expected range for its type or the scene has fewer than 4
objects, as SceneReVis' judge prompt does (the offline judge applies the same caps).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agentscene.agents.client import ModelClient
from agentscene.critics.base import CAP, VLM_AXES, Critique, scene_facts
from agentscene.critics.judge import room_caps
from agentscene.limits import loads_json
from agentscene.protocol import image_data_url, load_prompt
from agentscene.scene import Scene


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
        facts = scene_facts(scene)
        caps = room_caps(scene)
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
        scores = {a: float(getattr(reply, a)) for a in VLM_AXES}
        if any(not math.isfinite(v) for v in scores.values()):
            return Critique(source=self.name, error="the judge's scores are not finite", usage=response.usage)
        if room_caps(scene):
            scores["rationality"] = min(scores["rationality"], CAP)
        return Critique(source=self.name, scores=scores, feedback=reply.feedback.strip(), usage=response.usage)
