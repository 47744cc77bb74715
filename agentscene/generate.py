"""`generate(config) -> RunSummary`: one prompt to a finished run directory.

A plain function over a pydantic `GenerateConfig`, so the CLI, the batch runner (many episodes
in worker processes) and notebooks share it. It builds the agent, renderer, assets and evaluator
from the config's names, runs (or resumes) the episode and returns a summary. The API key is a
SecretStr read when the client is built; it is excluded from spec_used.json and redacted from
run.log.
"""

from __future__ import annotations

import logging
import platform
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from agentscene.agents.chat_agent import ChatAgent, ChatAgentConfig
from agentscene.agents.client import get_client
from agentscene.agents.critics import RuleCritic, VLMCritic
from agentscene.brief import Brief, parse_brief
from agentscene.generate_config import GenerateConfig
from agentscene.limits import read_json
from agentscene.loop import Episode, StopReason, TurnRecord, run_episode
from agentscene.run_dir import RunDirectory, redact, slugify

log = logging.getLogger("agentscene.generate")


class RunSummary(BaseModel):
    """What a run produced, for the CLI's closing table and the batch runner's rows."""

    name: str
    run_dir: Path
    prompt: str
    stop_reason: StopReason
    finished: bool
    error: str | None = None
    turns: int
    n_objects: int
    collision_rate: float
    oob_rate: float
    pbl: float
    clean: bool
    judge: dict[str, float] = Field(default_factory=dict)
    cost_usd: float | None = None
    tokens: int = 0
    wall_s: float
    paths: dict[str, str] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)


class RunExistsError(FileExistsError):
    """The named run directory exists and --resume was not given."""


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in ("agentscene", "openai", "numpy", "trimesh", "shapely", "pydantic", "moderngl", "python-fcl"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def resolve_run_dir(config: GenerateConfig) -> RunDirectory:
    """outputs/<name>: the given name, else the prompt's slug (with -2, -3 … when taken and not resuming)."""
    if config.name is not None:
        rd = RunDirectory(config.out / config.name)
        if rd.exists() and any(rd.root.iterdir()) and not config.resume:
            raise RunExistsError(f"{rd.root} already exists: pass --resume to continue it, or choose another --name")
        if config.resume and not rd.exists():
            raise FileNotFoundError(f"nothing to resume: {rd.root} does not exist")
        return rd
    base = slugify(config.prompt)
    if config.resume:
        rd = RunDirectory(config.out / base)
        if not rd.exists():
            raise FileNotFoundError(f"nothing to resume: {rd.root} does not exist (pass --name)")
        return rd
    k = 1
    while True:
        name = base if k == 1 else f"{base}-{k}"
        rd = RunDirectory(config.out / name)
        if not rd.exists() or not any(rd.root.iterdir()):
            return rd
        k += 1


_RESUME_KEYS = ("prompt", "agent", "provider", "model", "mode", "seed", "assets")


def _check_resume(rd: RunDirectory, spec: dict[str, Any]) -> None:
    old = rd.read_spec()
    if old is None:
        return
    before, now = old.get("config", {}), spec["config"]
    keys = [k for k in _RESUME_KEYS if not (k in ("provider", "model") and before.get("agent") == now.get("agent") == "offline")]
    diffs = [k for k in keys if before.get(k) != now.get(k)]
    if diffs:
        was = ", ".join(f"{k}={old['config'].get(k)!r}" for k in diffs)
        raise ValueError(f"cannot resume {rd.root}: its run used different {', '.join(diffs)} ({was})")


def build_agent(config: GenerateConfig):
    if config.agent == "offline":
        # the planner loads only when asked for
        from agentscene.agents.offline_client import OfflineAgent

        reply_protocol = "tools" if config.mode == "native" else "text"
        return OfflineAgent(config.seed, reply_protocol=reply_protocol, create_scene=config.mode == "text")
    client = get_client("openai-compatible", provider=config.provider, model=config.model, base_url=config.base_url,
                        api_key=config.api_key, timeout_s=config.timeout_s, max_retries=config.max_retries,
                        retry_initial_s=config.retry_initial_s, seed=config.seed)
    return ChatAgent(client, ChatAgentConfig(mode=config.mode))


def build_critic(config: GenerateConfig, agent: Any):
    kind = config.critic
    if kind == "auto":
        kind = "vlm" if config.agent != "offline" else "rule"
    if kind == "vlm":
        if config.agent == "offline":
            raise ValueError("--critic vlm needs a model: use --agent openai-compatible (the offline agent has no vision)")
        if config.renderer == "none":
            raise ValueError("--critic vlm needs renders: choose --renderer raster or blender")
        return VLMCritic(agent.client)
    return RuleCritic()


def build_assets(config: GenerateConfig) -> Any:
    from pydantic import ValidationError

    from agentscene.assets import get_backend
    from agentscene.formats.errors import describe_validation_error

    try:
        return get_backend(config.assets, **config.assets_settings)
    except ValidationError as e:
        problems = "; ".join(describe_validation_error(e))
        raise ValueError(f"asset backend {config.assets!r} needs settings ({problems}); "
                         "pass them with --assets-option KEY=VALUE") from None


def generate(config: GenerateConfig, *, on_turn: Callable[[TurnRecord], None] | None = None,
             on_start: Callable[[RunDirectory], None] | None = None,
             on_brief: Callable[[Brief], None] | None = None) -> RunSummary:
    """Run or resume one generate episode and write its run directory. Raises on bad settings.

    The prompt's reading (`Brief`) is handed to `on_brief` before the first turn, written to
    spec_used.json and metrics.json, and what it asked for but did not get is in the summary's notes.
    """
    brief = parse_brief(config.prompt)
    rd = resolve_run_dir(config)
    secrets = [config.api_key.get_secret_value()] if config.api_key else []
    notes: list[str] = []
    agent = build_agent(config)
    secrets += [s for s in (_client_key(agent),) if s]
    critic = build_critic(config, agent) if config.vlm_feedback else None
    spec = {
        "config": config.model_dump(mode="json"),
        "loop": config.loop_config().model_dump(mode="json"),
        "agent": agent.name,
        "model": agent.client.model if hasattr(agent, "client") else "planner",
        "versions": _versions(),
        "brief": brief.to_record(),
    }
    if config.resume:
        _check_resume(rd, spec)
    renderer = None
    try:
        assets = build_assets(config)  # bad backend settings fail before anything is written
        if config.renderer != "none":
            from agentscene.renderers import get_renderer

            renderer = get_renderer(config.renderer)
        rd.create()
        with rd.logging_to_file(secrets):
            spec["notes"] = notes
            rd.write_json("spec_used.json", spec)
            if on_start is not None:
                on_start(rd)
            if on_brief is not None:
                on_brief(brief)
            episode = run_episode(config.prompt, agent, renderer, assets, None, config.loop_config(),
                                  critic=critic, run_dir=rd, on_turn=on_turn, secrets=secrets)
    finally:
        if renderer is not None:
            renderer.close()
        agent.close()
    notes += brief_notes(brief, episode.scene)
    _record_brief(rd, brief, notes)
    return summarise(episode, rd, notes, secrets)


def brief_notes(brief: Brief, scene: Any) -> list[str]:
    """What the reading could not use and what the scene lacks of what the brief asked for."""
    notes = [f"prompt: {w}" for w in brief.warnings]
    if brief.unread:
        notes.append("not understood: " + "; ".join(brief.unread[:8]))
    notes += [f"planner: {n}" for n in scene.metadata.get("planner_notes", [])]
    have: dict[str, int] = {}
    for obj in scene.objects:
        have[obj.category] = have.get(obj.category, 0) + 1
    short = [f"{n} {c.replace('_', ' ')} (placed {have.get(c, 0)})" for c, n in brief.counts().items() if have.get(c, 0) < n]
    if short:
        notes.append("asked for but not placed: " + ", ".join(short))
    extra = [c.replace("_", " ") for c in brief.excluded if have.get(c)]
    if extra:
        notes.append("excluded but present: " + ", ".join(extra))
    return notes


def _record_brief(rd: RunDirectory, brief: Brief, notes: list[str]) -> None:
    """Add the reading and its notes to metrics.json (written by the loop)."""

    path = rd.root / "metrics.json"
    if not path.is_file():
        return
    data = read_json(path, allow_nan=True)
    data["brief"] = brief.to_record()
    data["brief_notes"] = notes
    rd.write_json("metrics.json", data)


def _client_key(agent: Any) -> str | None:
    sdk = getattr(getattr(agent, "client", None), "_sdk", None)
    key = getattr(sdk, "api_key", None)
    return key if isinstance(key, str) and key and key != "EMPTY" else None


def summarise(episode: Episode, rd: RunDirectory, notes: list[str], secrets: list[str] = ()) -> RunSummary:
    m = episode.evaluation.metrics
    paths = {name: str(path) for name, path in rd.paths().items() if path.exists()}
    last = episode.turns[-1]
    if "merged" in last.renders:
        paths["render"] = str(rd.root / last.renders["merged"])
    judge = dict(episode.critique.scores) if episode.critique else {}
    return RunSummary(
        name=rd.root.name, run_dir=rd.root, prompt=episode.prompt, stop_reason=episode.stop_reason,
        finished=episode.finished, error=redact(episode.error, secrets) if episode.error else None,
        turns=len(episode.turns) - 1, n_objects=len(episode.scene.objects), collision_rate=m.get("collision_rate", 0.0),
        oob_rate=m.get("oob_rate", 0.0), pbl=m.get("pbl", 0.0), clean=episode.evaluation.clean, judge=judge,
        cost_usd=episode.usage.cost_usd, tokens=episode.usage.total_tokens, wall_s=round(episode.wall_s, 3),
        paths=paths, notes=notes,
    )
