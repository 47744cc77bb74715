"""The offline planner as an agent: no key, no network, deterministic for a seed.

`OfflineAgent` is an `Agent` like any other: each turn it reads the observation's scene object
and physics issues (data, not text), asks the Planner, and answers with an assistant message in
the run's protocol (native tool calls, or a text-protocol reply), read back by the env's parser.
The loop, `agentscene generate --agent offline` and `SceneEnv` (`agentscene.env.play`) drive it
the same way, so it reaches the same scene in all of them.

`OfflineClient` puts the same planner behind the `ModelClient` interface for tests of the wire
path (a fake OpenAI server answering with it): it only sees text, so it reads the request and
the scene back from the protocol's tags.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from agentscene import protocol
from agentscene.agents.base import AgentAction, CreateOutcome, Observation, action_from_message
from agentscene.agents.client import ChatResponse, Message, ProviderError, Usage
from agentscene.agents.planner.planner import ORIGIN, Planner, PlannerStep
from agentscene.agents.planner.space import Problems
from agentscene.formats import dump_scene, load_scene
from agentscene.scene import Scene
from agentscene.tasks import empty_room, task_from_prompt
from agentscene.tools import format_reply


def problems_of(issues: Mapping[str, Any] | None) -> Problems | None:
    """The planner's view of the observation's physics issues."""
    if issues is None:
        return None
    pairs = [(p[0], p[1]) for p in issues.get("colliding_pairs", []) if isinstance(p, (list, tuple)) and len(p) >= 2]
    return Problems(collisions=pairs, out_of_bounds=list(issues.get("out_of_bounds", [])),
                    floating=list(issues.get("floating", [])))


def _json_calls(step: PlannerStep) -> list[Any]:
    return [c.model_copy(update={"arguments": json.dumps(c.arguments) if isinstance(c.arguments, dict) else c.arguments})
            for c in step.calls]


def step_message(step: PlannerStep, reply_protocol: str) -> Message:
    """A planner step as the assistant message of the protocol."""
    if reply_protocol == "tools":
        return protocol.assistant_message(step.think, protocol.with_call_ids(_json_calls(step)))
    return {"role": "assistant", "content": format_reply(think=step.think, conclusion=step.conclusion, tool_calls=step.calls)}


def room_reply(scene: Scene) -> str:
    """The text-protocol reply that creates `scene`'s empty room."""
    return format_reply(think=f"A {scene.room.room_type.replace('_', ' ')} of {scene.room.area:.1f} m².",
                        create_scene=dump_scene(scene, "native"))


class OfflineAgent:
    """The Planner as an agent: reads the observation's scene, answers in `protocol`."""

    def __init__(self, seed: int = 0, *, reply_protocol: protocol.ReplyProtocol = "tools", create_scene: bool = False):
        self.seed = seed
        self.protocol = protocol.check_protocol(reply_protocol)
        self.create = create_scene
        self.name = "offline:planner"
        self.planner = Planner(seed=seed)

    def system_message(self) -> Message:
        return protocol.system_message(self.protocol)

    def create_scene(self, prompt: str) -> CreateOutcome:
        """The task's empty room, as a <create_scene> reply when asked to create (text protocol), else left to the loop."""
        if not self.create:
            return CreateOutcome()
        scene = empty_room(task_from_prompt(prompt), self.seed)
        messages = [protocol.create_scene_message(prompt), {"role": "assistant", "content": room_reply(scene)}]
        return CreateOutcome(scene=scene, messages=messages, usage=Usage(calls=1, cost_usd=0.0))

    def act(self, observation: Observation) -> AgentAction:
        view = observation.view
        step = self.planner.step(view.prompt, view.scene, problems_of(view.physics_issues))
        return action_from_message(step_message(step, self.protocol), self.protocol, usage=Usage(calls=1, cost_usd=0.0))

    def close(self) -> None:
        return None


class OfflineClient:
    """The planner as a ModelClient (it sees only text): for tests of the model path over a wire."""

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
        text = protocol.message_text(users[-1])
        prompt = protocol.tagged_text(text, "user_requirement")
        if prompt is None:
            raise ProviderError("the offline planner needs a <user_requirement> in the user message")
        usage = Usage(calls=1, cost_usd=0.0)
        scene_data = protocol.tagged_json(text, "current_scene")
        if scene_data is None:
            scene = empty_room(task_from_prompt(prompt), self.seed)
            return ChatResponse(content=room_reply(scene), finish_reason="stop", model=self.model, usage=usage)
        scene = load_scene(scene_data)
        # the prompt's scene JSON carries no metadata: mark the room as the planner's so it is furnished in full
        scene = scene.model_copy(update={"metadata": {**scene.metadata, "origin": ORIGIN}})
        step = self.planner.step(prompt, scene)
        if tools:
            return ChatResponse(content=step.think, tool_calls=protocol.with_call_ids(_json_calls(step)),
                                finish_reason="tool_calls", model=self.model, usage=usage)
        return ChatResponse(content=step_message(step, "text")["content"], finish_reason="stop", model=self.model, usage=usage)

    def close(self) -> None:
        return None
