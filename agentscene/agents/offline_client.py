"""OfflineClient: the planner behind the ModelClient interface, so it runs the exact path a model does.

It reads the turn's user message the way a model would, but only its machine-readable parts
(<user_requirement>, the <current_scene> JSON, the <physics_issues> JSON), asks the Planner, and
answers with native tool calls (when given tools) or a text-protocol reply. No key, no network.
"""

from __future__ import annotations

import json
from typing import Any

from agentscene.agents.client import ChatResponse, Message, ProviderError, Usage
from agentscene.agents.messages import message_text, tag_json, tag_text
from agentscene.agents.planner.planner import Planner
from agentscene.agents.planner.space import Problems
from agentscene.formats import dump_scene, load_scene
from agentscene.tools import format_reply


def _issues(data: Any) -> Problems | None:
    if not isinstance(data, dict):
        return None
    pairs = []
    for p in data.get("colliding_pairs", []):
        if isinstance(p, (list, tuple)) and len(p) >= 2 and isinstance(p[0], str) and isinstance(p[1], str):
            pairs.append((p[0], p[1]))
    oob = [i for i in data.get("out_of_bounds", []) if isinstance(i, str)]
    floating = [i for i in data.get("floating", []) if isinstance(i, str)]
    return Problems(collisions=pairs, out_of_bounds=oob, floating=floating)


class OfflineClient:
    """A deterministic, network-free 'model' that furnishes rooms with the planner."""

    kind = "offline"
    vision = False

    def __init__(self, seed: int = 0, model: str = "planner"):
        self.seed = seed
        self.model = model
        self.planner = Planner(seed=seed)

    def complete(self, messages: list[Message], *, tools: list[dict[str, Any]] | None = None,
                 tool_choice: str | None = None, response_format: dict[str, Any] | None = None) -> ChatResponse:
        users = [m for m in messages if m.get("role") == "user"]
        if not users:
            raise ProviderError("the offline planner needs a user message")
        text = message_text(users[-1])
        prompt = tag_text(text, "user_requirement")
        if prompt is None:
            raise ProviderError("the offline planner needs a <user_requirement> in the user message")
        scene_data = tag_json(text, "current_scene")
        if scene_data is None:
            scene = self.planner.create_scene(prompt)
            content = format_reply(think=f"A {scene.room.room_type.replace('_', ' ')} of {scene.room.area:.1f} m².",
                                   create_scene=dump_scene(scene, "native"))
            return ChatResponse(content=content, finish_reason="stop", model=self.model, usage=Usage(calls=1, cost_usd=0.0))
        scene = load_scene(scene_data)
        step = self.planner.step(prompt, scene, _issues(tag_json(text, "physics_issues")))
        usage = Usage(calls=1, cost_usd=0.0)
        if tools:
            calls = [c.model_copy(update={"arguments": json.dumps(c.arguments) if isinstance(c.arguments, dict) else c.arguments})
                     for c in step.calls]
            return ChatResponse(content=step.think, tool_calls=calls, finish_reason="tool_calls", model=self.model, usage=usage)
        content = format_reply(think=step.think, conclusion=step.conclusion, tool_calls=step.calls)
        return ChatResponse(content=content, finish_reason="stop", model=self.model, usage=usage)

    def close(self) -> None:
        return None
