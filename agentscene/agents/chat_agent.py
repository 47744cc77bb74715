"""ChatAgent: any ModelClient as a scene-editing agent, in native tool calling or the text protocol.

The loop hands it the chat to send (laid out by agentscene.protocol); it sends it, with the
strict tool schemas in native mode, and reads the reply with the env's parser, so a reply means
the same thing here as in `SceneEnv`. A reply with nothing to do is a `format_error` value fed
back to the model next turn, never an exception. Provider failures (`ModelClientError`)
propagate to the loop.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from agentscene import protocol
from agentscene.agents.base import AgentAction, CreateOutcome, Observation, action_from_message
from agentscene.agents.client import Message, ModelClient
from agentscene.formats import SceneFormatError, load_scene
from agentscene.tools import parse_reply, tool_schemas
from agentscene.tools.text_protocol import FormatError


class ChatAgentConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    mode: Literal["native", "text"] = "native"
    tool_choice: Literal["auto", "required"] = "auto"
    #: ask the model for a <create_scene> reply on turn 0 (text protocol models are trained on it)
    create_scene: bool = False
    #: send the renders of earlier turns too (costly); by default only the current render
    history_images: bool = False
    system_prompt: str | None = None


class ChatAgent:
    """Drives a ModelClient turn by turn; holds no conversation state of its own (the loop does)."""

    def __init__(self, client: ModelClient, config: ChatAgentConfig | None = None):
        self.client = client
        self.config = config or ChatAgentConfig()
        self.name = f"{client.kind}:{client.model}"
        self.protocol: protocol.ReplyProtocol = "tools" if self.config.mode == "native" else "text"
        self._tools = tool_schemas() if self.protocol == "tools" else None

    def system_message(self) -> Message:
        return protocol.system_message(self.protocol, self.config.system_prompt)

    def create_scene(self, prompt: str) -> CreateOutcome:
        if not self.config.create_scene:
            return CreateOutcome()
        user = protocol.create_scene_message(prompt)
        response = self.client.complete([self.system_message(), user])
        assistant = response.assistant_message()
        record = [user, assistant]
        reply = parse_reply(response.content or "")
        if isinstance(reply, FormatError):
            return CreateOutcome(messages=record, usage=response.usage, error=f"create_scene reply unusable: {reply.message}")
        if reply.create_scene is None:
            return CreateOutcome(messages=record, usage=response.usage, error="the reply has no <create_scene> block")
        try:
            scene = load_scene(reply.create_scene)
        except SceneFormatError as e:
            return CreateOutcome(messages=record, usage=response.usage, error=f"the created scene is invalid: {e}")
        return CreateOutcome(scene=scene, messages=record, usage=response.usage)

    def act(self, observation: Observation) -> AgentAction:
        messages = observation.messages
        first_image = 0 if self.config.history_images else len(messages) - 1
        wire = protocol.to_provider(messages, vision=self.client.vision, base_dir=observation.base_dir,
                                    images_from_index=first_image)
        if self._tools is not None:
            response = self.client.complete(wire, tools=self._tools, tool_choice=self.config.tool_choice)
        else:
            response = self.client.complete(wire)
        content = response.content or ""
        native = protocol.with_call_ids(response.tool_calls) if self.protocol == "tools" else []
        assistant = protocol.assistant_message(content, native)
        action = action_from_message(assistant, self.protocol, usage=response.usage, latency_s=response.latency_s, notes=list(response.notes))
        if self.protocol == "tools" and not native and action.calls:
            # some models answer in the text protocol even when given tools: accepted, recorded
            action = action.model_copy(update={"notes": [*action.notes, "the tool calls came as text, not as native tool calls"]})
        return action

    def close(self) -> None:
        self.client.close()

