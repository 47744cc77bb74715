"""How to reach a provider (base URL, where its key lives), separate from which model to ask."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr


@dataclass(frozen=True)
class ProviderPreset:
    name: str
    base_url: str
    #: environment variables holding the API key, tried in order
    key_envs: tuple[str, ...]
    #: False when the server accepts any key (a local `vllm serve`)
    key_required: bool
    default_model: str | None
    #: request fields this provider understands beyond the OpenAI ones
    extra_body: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


PRESETS: dict[str, ProviderPreset] = {
    "openrouter": ProviderPreset(
        name="openrouter",
        base_url="https://openrouter.ai/api/v1",
        key_envs=("OPENROUTER_API_KEY",),
        key_required=True,
        default_model="openai/gpt-4o-mini",
        # ask OpenRouter to report the cost of each call in `usage.cost`
        extra_body={"usage": {"include": True}},
        headers={"X-Title": "agentscene"},
    ),
    "openai": ProviderPreset(
        name="openai",
        base_url="https://api.openai.com/v1",
        key_envs=("OPENAI_API_KEY",),
        key_required=True,
        default_model="gpt-4o-mini",
    ),
    "vllm": ProviderPreset(
        name="vllm",
        base_url="http://127.0.0.1:8000/v1",
        key_envs=("VLLM_API_KEY",),
        key_required=False,
        default_model=None,  # asked from the server's /v1/models
    ),
}


def provider_names() -> list[str]:
    return list(PRESETS)


def get_preset(name: str) -> ProviderPreset:
    preset = PRESETS.get(name)
    if preset is None:
        raise ValueError(f"unknown provider {name!r}; known: {', '.join(PRESETS)}")
    return preset


def resolve_api_key(preset: ProviderPreset, explicit: SecretStr | str | None) -> SecretStr | None:
    """The key from the flag, else from the preset's environment variables (read now, not at import)."""
    if isinstance(explicit, SecretStr):
        explicit = explicit.get_secret_value()
    if explicit:
        return SecretStr(explicit)
    for env in preset.key_envs:
        value = os.environ.get(env)
        if value:
            return SecretStr(value)
    return None
