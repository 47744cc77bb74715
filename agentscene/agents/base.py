"""The Agent contract the loop (and `play` in SceneEnv) drives: create a scene, then act on each turn's observation.

An agent gets an `Observation`: the turn's parts as data (`view`: the scene object, the physics
issues, the tool results; what a program such as the offline planner reads) and the chat
messages to send (`messages`: what a model reads, laid out by agentscene.protocol). It answers
with an `AgentAction` whose assistant message goes in the log; `action_from_message` turns that
message into calls with the one parser the env uses, so an agent cannot read a reply differently
from the env.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from agentscene.agents.client import Message, Usage
from agentscene.protocol import ReplyProtocol, TurnObservation
from agentscene.scene import Scene
from agentscene.tools import Reply
from agentscene.tools.actions import parse_action
from agentscene.tools.calls import ToolCall


class Observation(BaseModel):
    """What an agent sees at the start of a turn."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    #: the turn's parts as data
    view: TurnObservation
    #: the chat to send: system message, the history window, this turn's user message (images as paths)
    messages: list[Message]
    #: where relative image paths in messages live
    base_dir: Path | None = None

    @property
    def prompt(self) -> str:
        return self.view.prompt

    @property
    def turn(self) -> int:
        return self.view.turn

    @property
    def max_turns(self) -> int:
        return self.view.max_turns

    @property
    def scene(self) -> Scene:
        return self.view.scene

    @property
    def physics_issues(self) -> dict[str, Any] | None:
        issues = self.view.physics_issues
        return None if issues is None else dict(issues)

    @property
    def user_message(self) -> Message:
        return self.messages[-1]


class AgentAction(BaseModel):
    """What an agent did in a turn: calls to apply, plus the record of how it got there."""

    model_config = ConfigDict(frozen=True)

    calls: list[ToolCall] = Field(default_factory=list)
    #: messages the agent produced this turn (the assistant message), as they go in the log
    messages: list[Message] = Field(default_factory=list)
    reply: str | None = None
    think: str | None = None
    #: why the reply could not be used (no calls, malformed protocol), fed back next turn
    format_error: str | None = None
    usage: Usage = Field(default_factory=Usage)
    latency_s: float = 0.0
    notes: list[str] = Field(default_factory=list)


def action_from_message(assistant: Message, reply_protocol: ReplyProtocol, *, usage: Usage | None = None,
                        latency_s: float = 0.0, notes: list[str] | None = None) -> AgentAction:
    """The action an assistant message stands for, read by the parser the env uses (`tools.actions.parse_action`)."""
    parsed = parse_action(assistant, reply_protocol)
    content = assistant.get("content")
    think = parsed.reply.think if isinstance(parsed.reply, Reply) else None
    extra = [r.message for r in parsed.reply.repairs] if isinstance(parsed.reply, Reply) else []
    return AgentAction(calls=list(parsed.calls), messages=[assistant], reply=content if isinstance(content, str) and content else None,
                       think=think or None, format_error=parsed.problem, usage=usage or Usage(), latency_s=latency_s,
                       notes=[*(notes or []), *extra])


class CreateOutcome(BaseModel):
    """Turn 0: the scene an agent created (None: the loop makes the task's empty room)."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    scene: Scene | None = None
    messages: list[Message] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    error: str | None = None


@runtime_checkable
class Agent(Protocol):
    name: str
    #: "tools": native tool calls, results come back as `tool` messages; "text": SceneReVis tags,
    #: results come back in the next user message
    protocol: ReplyProtocol

    def system_message(self) -> Message | None: ...

    def create_scene(self, prompt: str) -> CreateOutcome: ...

    def act(self, observation: Observation) -> AgentAction: ...

    def close(self) -> None: ...
