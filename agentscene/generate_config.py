"""`GenerateConfig`: every setting of a generate run, and the one declaration of the generate CLI options.

Kept apart from `agentscene.generate` (which imports the loop, agents and renderers) so the CLI can
derive its options from these fields (description = help text) without importing a run's machinery.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from agentscene.limits import DEFAULT_LIMITS, first_unencodable
from agentscene.run_dir import check_name

if TYPE_CHECKING:
    from agentscene.loop import LoopConfig

#: settings that only a model agent uses; giving one implies agent "openai-compatible"
MODEL_SETTINGS = ("provider", "model", "base_url", "api_key")

#: GenerateConfig fields whose LoopConfig field is spelled differently (the rest share their names)
LOOP_FIELDS = {"turns": "max_turns"}


class GenerateConfig(BaseModel):
    """Every setting of a generate run (what spec_used.json records, minus the key)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    prompt: str = Field(max_length=DEFAULT_LIMITS.prompt_chars,
                        description="What to build, e.g. 'a cozy bedroom with two nightstands'.")
    name: str | None = Field(default=None, description="Run directory name under --out (default: from the prompt).")
    out: Path = Field(default=Path("outputs"), description="Parent directory of run directories.")
    #: unset: openai-compatible when a provider, model, base URL or key is given, else offline
    agent: Literal["offline", "openai-compatible"] = Field(
        default="offline", description="offline (no key, no network) or openai-compatible. Default: openai-compatible "
        "when --provider, --model, --base-url or --api-key is given, else offline.")
    #: unset: openrouter for the openai-compatible agent, None for the offline one
    provider: Literal["openrouter", "vllm", "openai"] | None = Field(
        default=None, description="openrouter, vllm or openai; implies --agent openai-compatible. Default: openrouter.")
    model: str | None = Field(default=None, description="Model id (default: the provider's; vllm: the served model); "
                              "implies --agent openai-compatible.")
    base_url: str | None = Field(default=None,
                                 description="Override the provider's base URL; implies --agent openai-compatible.")
    api_key: SecretStr | None = Field(default=None, exclude=True, repr=False,
                                      description="API key (default: OPENROUTER_API_KEY / OPENAI_API_KEY).")
    mode: Literal["native", "text"] = Field(default="native", description="native (tool calling) or text (SceneReVis tags).")
    renderer: Literal["raster", "blender", "none"] = Field(default="raster",
                                                          description="raster (fast, CPU), blender, or none (no images).")
    assets: Literal["procedural", "3d-future", "objaverse", "sam3d"] = Field(
        default="procedural", description="procedural, 3d-future, objaverse or sam3d.")
    #: settings of the asset backend, e.g. {"root": "/data/3D-FUTURE-model"} for 3d-future
    assets_settings: dict[str, str] = Field(default_factory=dict)
    turns: int = Field(default=5, ge=0, le=500, description="Most editing turns after the room is created.")
    physics_feedback: bool = Field(default=True, description="Tell the agent about collisions and out-of-bounds objects.")
    vlm_feedback: bool = Field(default=False,
                               description="A critic scores each turn's render; its feedback goes to the agent.")
    critic: Literal["auto", "rule", "vlm"] = Field(default="auto",
                                                  description="auto, rule (offline) or vlm (the agent's model as judge).")
    physics_optimization: bool = Field(default=False, description="Push objects apart and inside after each turn.")
    rollback: bool = Field(default=True, description="Undo a turn that makes the physics worse.")
    max_history_turns: int = Field(default=4, ge=0)
    render_size: int = Field(default=512, ge=64, le=4096)
    seed: int = Field(default=0, description="Seed: same seed + offline agent gives the same scene.")
    resume: bool = Field(default=False, description="Continue an interrupted run from its last completed turn.")
    timeout_s: float = Field(default=120.0, gt=0, description="Seconds before a model call times out.")
    max_retries: int = Field(default=4, ge=0, le=20, description="Retries of a failed model call (429, 5xx, timeouts).")
    retry_initial_s: float = Field(default=1.0, ge=0)

    @field_validator("prompt")
    @classmethod
    def _prompt(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("the prompt is empty: describe the room, e.g. 'a cozy bedroom with two nightstands'")
        return v

    @field_validator("prompt", mode="before")
    @classmethod
    def _encodable_prompt(cls, v: Any) -> Any:
        """A prompt from a command line with invalid UTF-8 holds lone surrogates: say so plainly."""
        if isinstance(v, str) and first_unencodable(v) >= 0:
            raise ValueError(f"the prompt holds an unpaired UTF-16 surrogate (invalid UTF-8) at character "
                             f"{first_unencodable(v)}; pass whole characters")
        return v

    @field_validator("name")
    @classmethod
    def _name(cls, v: str | None) -> str | None:
        return None if v is None else check_name(v)

    @model_validator(mode="before")
    @classmethod
    def _agent_from_model_settings(cls, data: Any) -> Any:
        """A provider, model, base URL or key means a model agent: it picks openai-compatible when no agent
        is named, and is refused beside an explicit offline agent (it would be silently ignored)."""
        if not isinstance(data, dict):
            return data
        given = [k for k in MODEL_SETTINGS if data.get(k) is not None]
        agent = data.get("agent")
        if agent is None:
            data = {**data, "agent": "openai-compatible" if given else "offline"}
        elif agent == "offline" and given:
            flags = ", ".join("--" + k.replace("_", "-") for k in given)
            raise ValueError(f"{flags} {'is' if len(given) == 1 else 'are'} for a model agent, but --agent is offline: drop --agent offline "
                             "(a provider or model picks --agent openai-compatible)")
        if data["agent"] == "openai-compatible" and data.get("provider") is None:
            data = {**data, "provider": "openrouter"}
        return data

    def loop_config(self) -> LoopConfig:
        """The loop's settings: every LoopConfig field this config has (by name, or as LOOP_FIELDS renames it)."""
        from agentscene.loop import LoopConfig

        names = {LOOP_FIELDS.get(f, f): f for f in type(self).model_fields}
        return LoopConfig(**{k: getattr(self, names[k]) for k in LoopConfig.model_fields if k in names})
