"""The ModelClient contract: one chat-completions call, whatever answers it.

A client turns OpenAI-style chat messages (plus optional strict tool schemas) into a
`ChatResponse`: the assistant's text, its tool calls, token usage and cost. The agent above it
never sees an SDK object, so a scripted model, the offline planner and a real provider are
interchangeable. Clients are built by name from a registry (`get_client`).

Errors: `ProviderUnavailable` means the provider could not be reached or kept failing past the
retries (the loop stops cleanly and the run can be resumed); `ProviderError` is any other
refusal (bad key, unknown model, a 400). Both are values the loop records, never swallowed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from agentscene.protocol import assistant_message
from agentscene.protocol.chat import Message as Message  # the one definition lives in the protocol
from agentscene.registry import Registry
from agentscene.tools.calls import ToolCall


class Usage(BaseModel):
    """Tokens and money one call (or a whole run) cost."""

    model_config = ConfigDict(frozen=True)

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    cost_usd: float | None = None
    calls: int = 0

    def __add__(self, other: Usage) -> Usage:
        if self.cost_usd is None and other.cost_usd is None:
            cost = None
        else:
            cost = (self.cost_usd or 0.0) + (other.cost_usd or 0.0)
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            total_tokens=self.total_tokens + other.total_tokens,
            cost_usd=cost,
            calls=self.calls + other.calls,
        )


class ChatResponse(BaseModel):
    """What one chat call returned, provider-neutral."""

    model_config = ConfigDict(frozen=True)

    content: str | None = None
    tool_calls: list[ToolCall] = Field(default_factory=list)
    finish_reason: str | None = None
    model: str = ""
    usage: Usage = Field(default_factory=Usage)
    latency_s: float = 0.0
    #: things the client had to repair in the provider's answer (e.g. a missing call id)
    notes: list[str] = Field(default_factory=list)

    def assistant_message(self) -> Message:
        """The assistant message to append to the conversation."""
        return assistant_message(self.content, self.tool_calls)


class ModelClientError(Exception):
    """A model call that produced no usable answer."""


class ProviderUnavailable(ModelClientError):
    """Unreachable, rate limited or failing past every retry: the run can resume later."""


class ProviderError(ModelClientError):
    """The provider refused the request (auth, unknown model, bad request): fix the settings."""


@runtime_checkable
class ModelClient(Protocol):
    """Anything that answers OpenAI-style chat messages."""

    #: registry name of the backend, e.g. "openai-compatible"
    kind: str
    #: the model this client talks to
    model: str
    #: whether image parts are understood (otherwise the agent sends a text note instead)
    vision: bool

    def complete(
        self,
        messages: list[Message],
        *,
        tools: list[dict[str, Any]] | None = None,
        tool_choice: str | None = None,
        response_format: dict[str, Any] | None = None,
    ) -> ChatResponse: ...

    def close(self) -> None: ...


ClientFactory = Callable[..., ModelClient]
CLIENTS: Registry[ClientFactory] = Registry("model client")


def register_client(name: str, factory: ClientFactory, *, replace: bool = False) -> None:
    """Make `get_client(name, **settings)` build clients with `factory(**settings)`."""
    CLIENTS.register(name, factory, replace=replace)


def client_names() -> list[str]:
    return sorted(CLIENTS.names())


def get_client(name: str, **settings: Any) -> ModelClient:
    """Build a model client by registry name: offline, openai-compatible, scripted, ..."""
    return CLIENTS.get(name)(**settings)


def _offline(**settings: Any) -> ModelClient:
    from agentscene.agents.offline_client import OfflineClient

    return OfflineClient(**settings)


def _openai_compatible(**settings: Any) -> ModelClient:
    from agentscene.agents.openai_client import OpenAICompatibleClient

    return OpenAICompatibleClient.from_settings(**settings)


def _scripted(**settings: Any) -> ModelClient:
    # a test double: production code resolves it only when asked for by name
    from agentscene.testing.scripted import ScriptedModel

    return ScriptedModel(**settings)


CLIENTS.register("offline", _offline)
CLIENTS.register("openai-compatible", _openai_compatible)
CLIENTS.register("scripted", _scripted)
