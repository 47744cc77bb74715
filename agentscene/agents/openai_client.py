"""The openai-compatible client: OpenRouter, a `vllm serve` server or OpenAI, through the `openai` SDK.

The SDK's own retries are switched off; tenacity retries 429, 5xx, timeouts, connection
errors and empty answers with exponential backoff (honouring Retry-After), then raises
`ProviderUnavailable`. The API key is read when the client is built, held as a SecretStr and
never logged or written anywhere.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from agentscene.agents.client import (
    ChatResponse,
    Message,
    ProviderError,
    ProviderUnavailable,
    Usage,
)
from agentscene.agents.providers import get_preset, resolve_api_key
from agentscene.run_dir import redact
from agentscene.tools.calls import ToolCall

log = logging.getLogger("agentscene.agents")

_TRANSIENT_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504, 520, 522, 524, 529})


class OpenAIClientSettings(BaseModel):
    """Everything that shapes the wire calls; the key is excluded from every dump."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: Literal["openrouter", "vllm", "openai"] = "openrouter"
    model: str | None = Field(default=None, description="model id; the provider's default when unset")
    base_url: str | None = Field(default=None, description="overrides the provider preset's URL")
    api_key: SecretStr | None = Field(default=None, exclude=True, repr=False)
    timeout_s: float = Field(default=120.0, gt=0)
    max_retries: int = Field(default=4, ge=0, le=20)
    retry_initial_s: float = Field(default=1.0, ge=0)
    retry_max_s: float = Field(default=30.0, ge=0)
    temperature: float | None = 0.2
    max_tokens: int | None = Field(default=4096, gt=0)
    seed: int | None = None
    parallel_tool_calls: bool | None = Field(default=True, description="None: do not send the field")
    vision: bool = True
    price_input_per_mtok: float | None = Field(default=None, ge=0, description="USD per million prompt tokens")
    price_output_per_mtok: float | None = Field(default=None, ge=0, description="USD per million completion tokens")


class _EmptyAnswer(Exception):
    """The provider answered 200 with no choice: retried like an outage."""


def _status_of(exc: BaseException) -> int | None:
    status = getattr(exc, "status_code", None)
    return status if isinstance(status, int) else None


def _is_transient(exc: BaseException) -> bool:
    import openai

    if isinstance(exc, (_EmptyAnswer, openai.APIConnectionError)):  # includes APITimeoutError
        return True
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in _TRANSIENT_STATUS or exc.status_code >= 500
    return False


def _retry_after(exc: BaseException | None) -> float:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return 0.0
    value = headers.get("retry-after")
    if value is None:
        return 0.0
    try:
        return max(0.0, float(value))
    except ValueError:
        return 0.0  # an HTTP date: fall back to the exponential wait


class OpenAICompatibleClient:
    """A ModelClient over any OpenAI-compatible chat-completions endpoint."""

    kind = "openai-compatible"

    def __init__(self, settings: OpenAIClientSettings):
        import openai

        preset = get_preset(settings.provider)
        key = resolve_api_key(preset, settings.api_key)
        if key is None and preset.key_required:
            envs = " or ".join(preset.key_envs)
            raise ProviderError(f"no API key for {preset.name}: set {envs} or pass --api-key")
        self.settings = settings
        self.preset = preset
        #: redacted from every error this client raises (the server may echo the key, encoded or not)
        self._secrets = [key.get_secret_value()] if key is not None else []
        self.base_url = (settings.base_url or preset.base_url).rstrip("/")
        self.vision = settings.vision
        self._sdk = openai.OpenAI(
            api_key=key.get_secret_value() if key is not None else "EMPTY",
            base_url=self.base_url,
            timeout=settings.timeout_s,
            max_retries=0,
            default_headers=preset.headers or None,
        )
        self.model = settings.model or preset.default_model or self._served_model()

    @classmethod
    def from_settings(cls, **settings: Any) -> OpenAICompatibleClient:
        return cls(OpenAIClientSettings(**settings))

    def _served_model(self) -> str:
        """The one model a `vllm serve` server hosts, asked from /v1/models."""
        models = self._with_retries(lambda: self._sdk.models.list())
        ids = [str(m.id)[:200] for m in models.data][:50]
        if len(ids) != 1:
            raise ProviderError(self._redact(f"{self.base_url} serves {len(ids)} models ({', '.join(ids) or 'none'}); pass --model"))
        return ids[0]

    # -- calls --------------------------------------------------------------------------------

    def _with_retries(self, fn):
        import openai
        from tenacity import (
            RetryError,
            Retrying,
            retry_if_exception,
            stop_after_attempt,
            wait_exponential,
        )

        backoff = wait_exponential(multiplier=self.settings.retry_initial_s, max=self.settings.retry_max_s)

        def wait(state) -> float:
            exc = state.outcome.exception() if state.outcome else None
            return min(max(backoff(state), _retry_after(exc)), max(self.settings.retry_max_s, 0.0))

        def before_sleep(state) -> None:
            exc = state.outcome.exception() if state.outcome else None
            log.warning("model call failed (%s); retry %d of %d", type(exc).__name__, state.attempt_number,
                        self.settings.max_retries)

        retrying = Retrying(
            stop=stop_after_attempt(self.settings.max_retries + 1),
            wait=wait,
            retry=retry_if_exception(_is_transient),
            before_sleep=before_sleep,
            reraise=False,
        )
        # Errors are raised `from None`: the SDK's exception (and so a traceback or a batch summary)
        # would carry the server's text, which may echo the key.
        try:
            return retrying(fn)
        except RetryError as e:
            last = e.last_attempt.exception()
            message = f"{self.base_url} kept failing after {self.settings.max_retries + 1} attempts: {_describe(last)}"
            raise ProviderUnavailable(self._redact(message)) from None
        except openai.APIStatusError as e:
            raise ProviderError(self._redact(f"{self.base_url} refused the request: {_describe(e)}")) from None
        except openai.OpenAIError as e:  # a reply the SDK could not read, and the like
            raise ProviderError(self._redact(f"{self.base_url} answered in a way the client cannot use: {_describe(e)}")) from None

    def _redact(self, text: str) -> str:
        return redact(text, self._secrets)

    def complete(
        self,
        messages: list[Message],
        *,
        tools: list[dict[str, Any]] | None = None,
        tool_choice: str | None = None,
        response_format: dict[str, Any] | None = None,
    ) -> ChatResponse:
        s = self.settings
        kwargs: dict[str, Any] = {"model": self.model, "messages": messages}
        if s.temperature is not None:
            kwargs["temperature"] = s.temperature
        if s.max_tokens is not None:
            kwargs["max_tokens"] = s.max_tokens
        if s.seed is not None:
            kwargs["seed"] = s.seed
        if tools:
            kwargs["tools"] = tools
            kwargs["tool_choice"] = tool_choice or "auto"
            if s.parallel_tool_calls is not None:
                kwargs["parallel_tool_calls"] = s.parallel_tool_calls
        if response_format is not None:
            kwargs["response_format"] = response_format
        if self.preset.extra_body and self.settings.base_url is None:
            kwargs["extra_body"] = dict(self.preset.extra_body)

        def call():
            response = self._sdk.chat.completions.create(**kwargs)
            if not getattr(response, "choices", None):
                raise _EmptyAnswer("the provider returned no choices")
            return response

        start = time.perf_counter()
        response = self._with_retries(call)
        return self._convert(response, time.perf_counter() - start)

    def _convert(self, response: Any, latency: float) -> ChatResponse:
        choice = response.choices[0]
        message = choice.message
        notes: list[str] = []
        calls: list[ToolCall] = []
        seen: set[str] = set()
        for i, tc in enumerate(getattr(message, "tool_calls", None) or []):
            fn = getattr(tc, "function", None)
            if fn is None:
                notes.append(f"tool call {i + 1} is of type {getattr(tc, 'type', '?')!r}, not a function call")
                continue
            call_id = tc.id if isinstance(tc.id, str) and tc.id and tc.id not in seen else None
            if call_id is None:
                call_id = f"call_{i + 1}"
                while call_id in seen:
                    call_id += "_"
                notes.append(f"tool call {i + 1} had a missing or repeated id; named it {call_id}")
            seen.add(call_id)
            args = fn.arguments if isinstance(fn.arguments, str) else ""
            calls.append(ToolCall(name=fn.name or "", arguments=args, id=call_id))
        return ChatResponse(
            content=message.content,
            tool_calls=calls,
            finish_reason=choice.finish_reason,
            model=getattr(response, "model", None) or self.model,
            usage=self._usage(getattr(response, "usage", None)),
            latency_s=latency,
            notes=notes,
        )

    def _usage(self, usage: Any) -> Usage:
        if usage is None:
            return Usage(calls=1)
        prompt = int(getattr(usage, "prompt_tokens", 0) or 0)
        completion = int(getattr(usage, "completion_tokens", 0) or 0)
        cost = getattr(usage, "cost", None)  # OpenRouter reports it when asked
        if not isinstance(cost, (int, float)):
            cost = None
            s = self.settings
            if s.price_input_per_mtok is not None and s.price_output_per_mtok is not None:
                cost = (prompt * s.price_input_per_mtok + completion * s.price_output_per_mtok) / 1e6
        total = int(getattr(usage, "total_tokens", 0) or prompt + completion)
        return Usage(prompt_tokens=prompt, completion_tokens=completion, total_tokens=total,
                     cost_usd=float(cost) if cost is not None else None, calls=1)

    def close(self) -> None:
        self._sdk.close()


def _describe(exc: BaseException | None) -> str:
    if exc is None:
        return "unknown error"
    status = _status_of(exc)
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"{type(exc).__name__}" + (f" {status}" if status else "") + f": {text[:300]}"
