"""ChatAgent: any ModelClient as a scene-editing agent, in native tool calling or the text protocol.

Native mode sends the strict tool schemas and reads `tool_calls`; results go back as `tool`
messages. Text mode sends no tools and parses SceneReVis tags with `parse_reply`; results go back
in the next user message. A reply with nothing to do is a `format_error` value fed back to the
model next turn, never an exception. Provider failures (`ModelClientError`) propagate to the loop.
"""

from __future__ import annotations

import json
import string
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from agentscene.agents.base import AgentAction, CreateOutcome, Observation
from agentscene.agents.client import Message, ModelClient
from agentscene.agents.messages import to_provider
from agentscene.formats import SceneFormatError, load_scene
from agentscene.tools import TOOLS, parse_reply, tool_schemas
from agentscene.tools.calls import ToolCall, ToolResult
from agentscene.tools.text_protocol import FormatError


def load_prompt(name: str, **values: Any) -> str:
    """A template from agentscene/prompts/ with `$name` placeholders filled in."""
    text = resources.files("agentscene").joinpath("prompts", name).read_text(encoding="utf-8")
    return string.Template(text).safe_substitute({k: str(v) for k, v in values.items()})


def _tool_list() -> str:
    lines = []
    for name, (model, description) in TOOLS.items():
        lines.append(f"- {name}({', '.join(model.model_fields)}): {description}")
    return "\n".join(lines)


class ChatAgentConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    mode: Literal["native", "text"] = "native"
    tool_choice: Literal["auto", "required"] = "auto"
    #: ask the model for a <create_scene> reply on turn 0 (text protocol models are trained on it)
    create_scene: bool = False
    #: send the renders of earlier turns too (costly); by default only the current render
    history_images: bool = False
    system_prompt: str | None = None


def _sanitised(call: ToolCall) -> ToolCall:
    """The call as it may be replayed to a provider: arguments that are not a JSON object become {}."""
    if isinstance(call.arguments, str) and call.arguments_dict() is None:
        return call.model_copy(update={"arguments": "{}"})
    return call


class ChatAgent:
    """Drives a ModelClient turn by turn; holds no conversation state of its own (the loop does)."""

    def __init__(self, client: ModelClient, config: ChatAgentConfig | None = None):
        self.client = client
        self.config = config or ChatAgentConfig()
        self.name = f"{client.kind}:{client.model}"
        self.native_tools = self.config.mode == "native"
        self._tools = tool_schemas() if self.native_tools else None
        if self.config.system_prompt is not None:
            self._system = self.config.system_prompt
        elif self.native_tools:
            self._system = load_prompt("system_native.md")
        else:
            self._system = load_prompt("system_text.md", tools=_tool_list())

    def system_message(self) -> Message:
        return {"role": "system", "content": self._system}

    def create_scene(self, prompt: str) -> CreateOutcome:
        if not self.config.create_scene:
            return CreateOutcome()
        user: Message = {"role": "user", "content": load_prompt("create_scene.md", prompt=prompt)}
        messages = [self.system_message(), user]
        response = self.client.complete(messages)
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
        history = [m for turn in observation.history for m in turn]
        messages = [self.system_message(), *history, observation.user_message]
        first_image = 0 if self.config.history_images else len(messages) - 1
        wire = to_provider(messages, vision=self.client.vision, base_dir=observation.base_dir, images_from_index=first_image)
        if self.native_tools:
            response = self.client.complete(wire, tools=self._tools, tool_choice=self.config.tool_choice)
        else:
            response = self.client.complete(wire)
        calls = list(response.tool_calls)
        notes = list(response.notes)
        think = None
        error = None
        content = response.content or ""
        if self.native_tools and not calls:
            # some models answer in the text protocol even when given tools: accept it, recorded
            parsed = parse_reply(content) if content.strip() else None
            if parsed is not None and not isinstance(parsed, FormatError) and parsed.tool_calls:
                calls = [c.model_copy(update={"id": c.id or f"call_{i + 1}"}) for i, c in enumerate(parsed.tool_calls)]
                think = parsed.think
                notes.append("the tool calls came as text, not as native tool calls")
            else:
                error = "the reply called no tool. Call tools to edit the scene, or terminate when it is finished."
        elif not self.native_tools:
            parsed = parse_reply(content)
            if isinstance(parsed, FormatError):
                error = parsed.message
            else:
                think = parsed.think
                calls = [c.model_copy(update={"id": c.id or f"tool_{i + 1}"}) for i, c in enumerate(parsed.tool_calls or [])]
                if not calls:
                    error = "the reply has no <tool_calls>. Edit the scene with tool calls, or call terminate."
                notes += [r.message for r in parsed.repairs]
        assistant: Message = {"role": "assistant", "content": content}
        if self.native_tools and response.tool_calls:
            assistant["tool_calls"] = [_sanitised(c).to_openai() for c in response.tool_calls]
        return AgentAction(calls=calls, messages=[assistant], reply=content or None, think=think, format_error=error,
                           usage=response.usage, latency_s=response.latency_s, notes=notes)

    def result_messages(self, action: AgentAction, results: list[ToolResult]) -> list[Message]:
        """Native mode: one `tool` message per call the provider made (each id answered once)."""
        if not self.native_tools or "tool_calls" not in action.messages[-1]:
            return []
        out: list[Message] = []
        by_id = {r.call_id: r for r in results if r.call_id}
        for call in action.messages[-1]["tool_calls"]:
            result = by_id.get(call["id"])
            text = result.to_message() if result is not None else "Error (invalid_call): this call was not applied"
            out.append({"role": "tool", "tool_call_id": call["id"], "content": text})
        return out

    def close(self) -> None:
        self.client.close()


def action_summary(action: AgentAction) -> dict[str, Any]:
    """A JSON-able record of the calls as the model sent them."""
    return {"calls": [json.loads(c.model_dump_json()) for c in action.calls]}
