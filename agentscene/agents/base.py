"""The Agent contract the loop drives: create a scene, then act on an observation each turn."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from agentscene.agents.client import Message, Usage
from agentscene.scene import Scene
from agentscene.tools.calls import ToolCall, ToolResult


class Observation(BaseModel):
    """What an agent sees at the start of a turn."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    prompt: str
    turn: int
    max_turns: int
    scene: Scene
    #: the user message the loop built for this turn (images as paths)
    user_message: Message
    #: earlier turns' messages, oldest first, already cut to the history window
    history: list[list[Message]] = Field(default_factory=list)
    #: where relative image paths in messages live
    base_dir: Path | None = None
    physics_issues: dict[str, Any] | None = None


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


class CreateOutcome(BaseModel):
    """Turn 0: the scene an agent created (None: let the loop make an empty room)."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    scene: Scene | None = None
    messages: list[Message] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    error: str | None = None


@runtime_checkable
class Agent(Protocol):
    name: str
    #: True: tool results go back as `tool` messages; False: in the next user message
    native_tools: bool

    def system_message(self) -> Message | None: ...

    def create_scene(self, prompt: str) -> CreateOutcome: ...

    def act(self, observation: Observation) -> AgentAction: ...

    def result_messages(self, action: AgentAction, results: list[ToolResult]) -> list[Message]: ...

    def close(self) -> None: ...
