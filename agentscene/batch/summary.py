"""batch_summary.json: one row per selected prompt plus aggregate metrics, rewritten atomically
after every finished episode so a killed batch leaves an exact record of what is done.

A row's metrics come from the episode's own run directory (metrics.json and the last turn),
so rows of resumed, skipped-existing and freshly run episodes are computed the same way.
Aggregates are over finished episodes (status "ok") only.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agentscene.fileio import atomic_write_json
from agentscene.formats.errors import describe_validation_error
from agentscene.limits import read_json

SUMMARY_FILE = "batch_summary.json"
SCHEMA_VERSION = 1

#: ok: finished (terminated or max turns); stopped: the run ended early (provider down), resumable;
#: error: generate raised; crashed: the worker process died; skipped: not run (bad line, or kept
#: as found with --skip-existing); interrupted: the batch was stopped while it ran; running: handed
#: to a worker (after a kill: the episodes that were in flight); pending: not yet run.
Status = Literal["pending", "running", "ok", "stopped", "error", "crashed", "skipped", "interrupted"]
#: statuses a resumed batch runs again
UNFINISHED: frozenset[str] = frozenset({"pending", "running", "interrupted", "stopped", "error", "crashed"})
FAILED: frozenset[str] = frozenset({"stopped", "error", "crashed"})
#: the judge axes reported by the critics (agentscene.agents.critics.AXES)
AXES = ("rationality", "spatial_layout", "accessibility")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class EpisodeMetrics(BaseModel):
    """An episode's headline numbers, read from its run directory."""

    model_config = ConfigDict(extra="forbid")

    stop_reason: str
    finished: bool
    turns: int
    n_objects: int
    collision_rate: float
    oob_rate: float
    pbl: float
    pbl_valid: bool
    clean: bool
    #: the final scene's `rewards.score` with the run's RewardConfig (metrics.json "score"); None for older runs
    score: float | None = None
    #: the rule judge's final scores (metrics.json "judge")
    judge: dict[str, float] = Field(default_factory=dict)
    #: the per-turn critic's last scores when the run used --vlm-feedback; `critic_source` says which critic
    critic: dict[str, float] = Field(default_factory=dict)
    critic_source: str | None = None
    tokens: int = 0
    cost_usd: float | None = None
    episode_s: float | None = None


class EpisodeRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    index: int
    line: int
    prompt: str
    name: str
    status: Status = "pending"
    error: str | None = None
    traceback: str | None = None
    path: str | None = None
    wall_s: float | None = None
    attempts: int = 0
    finished_at: str | None = None
    worker: str | None = None
    metrics: EpisodeMetrics | None = None


class Aggregate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    n_selected: int = 0
    n_ok: int = 0
    n_failed: int = 0
    n_skipped: int = 0
    n_pending: int = 0
    mean_collision_rate: float | None = None
    mean_oob_rate: float | None = None
    pbl_valid_pct: float | None = None
    mean_pbl: float | None = None
    clean_pct: float | None = None
    mean_objects: float | None = None
    mean_turns: float | None = None
    #: mean of the episodes' `rewards.score` (the loop's RewardConfig)
    mean_score: float | None = None
    mean_episode_s: float | None = None
    total_tokens: int = 0
    total_cost_usd: float | None = None
    judge: dict[str, float] = Field(default_factory=dict)
    critic: dict[str, float] = Field(default_factory=dict)


class BatchSummary(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schema_version: int = SCHEMA_VERSION
    prompts_file: str
    prompts_sha256: str
    out: str
    backend: str
    #: None: as many as the Ray cluster has CPUs
    workers: int | None
    indices: str
    continue_on_error: bool
    #: the shared generate settings (GenerateConfig without prompt, name, out and the key)
    config: dict[str, Any]
    started_at: str
    updated_at: str
    finished: bool = False
    wall_s: float = 0.0
    counts: dict[str, int] = Field(default_factory=dict)
    aggregate: Aggregate = Field(default_factory=Aggregate)
    episodes: list[EpisodeRow] = Field(default_factory=list)

    def row(self, index: int) -> EpisodeRow | None:
        return next((r for r in self.episodes if r.index == index), None)

    def refresh(self) -> BatchSummary:
        """Recompute counts and aggregates from the rows (in place; returns self)."""
        self.episodes.sort(key=lambda r: r.index)
        counts: dict[str, int] = {}
        for r in self.episodes:
            counts[r.status] = counts.get(r.status, 0) + 1
        self.counts = counts
        self.aggregate = aggregate(self.episodes)
        self.updated_at = now_iso()
        return self


def _mean(values: list[float]) -> float | None:
    values = [v for v in values if v is not None and math.isfinite(v)]
    return round(sum(values) / len(values), 4) if values else None


def _axis_means(dicts: list[dict[str, float]]) -> dict[str, float]:
    keys = sorted({k for d in dicts for k in d}, key=lambda k: (AXES.index(k) if k in AXES else len(AXES), k))
    out = {}
    for key in keys:
        m = _mean([d[key] for d in dicts if key in d])
        if m is not None:
            out[key] = m
    return out


def aggregate(rows: list[EpisodeRow]) -> Aggregate:
    """Means over finished episodes; rates are percentages of objects, validity a percentage of episodes."""
    done = [r.metrics for r in rows if r.status == "ok" and r.metrics is not None]
    costs = [m.cost_usd for m in done if m.cost_usd is not None]
    return Aggregate(
        n_selected=len(rows),
        n_ok=sum(r.status == "ok" for r in rows),
        n_failed=sum(r.status in FAILED for r in rows),
        n_skipped=sum(r.status == "skipped" for r in rows),
        n_pending=sum(r.status in ("pending", "running", "interrupted") for r in rows),
        mean_collision_rate=_mean([m.collision_rate for m in done]),
        mean_oob_rate=_mean([m.oob_rate for m in done]),
        pbl_valid_pct=_mean([100.0 if m.pbl_valid else 0.0 for m in done]),
        mean_pbl=_mean([m.pbl for m in done]),
        clean_pct=_mean([100.0 if m.clean else 0.0 for m in done]),
        mean_objects=_mean([float(m.n_objects) for m in done]),
        mean_turns=_mean([float(m.turns) for m in done]),
        mean_score=_mean([m.score for m in done if m.score is not None]),
        mean_episode_s=_mean([m.episode_s for m in done if m.episode_s is not None]),
        total_tokens=sum(m.tokens for m in done),
        total_cost_usd=round(sum(costs), 6) if costs else None,
        judge=_axis_means([m.judge for m in done if m.judge]),
        critic=_axis_means([m.critic for m in done if m.critic]),
    )


def _finite(value: Any, default: float = 0.0) -> float:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return default
    return f if math.isfinite(f) else default


def read_episode_metrics(run_dir: str | Path) -> EpisodeMetrics | None:
    """The metrics of a run directory from its metrics.json (None when it has none yet)."""
    root = Path(run_dir)
    path = root / "metrics.json"
    if not path.is_file():
        return None
    data = read_json(path, allow_nan=True)
    m = data.get("metrics") or {}
    judge = data.get("judge") or {}
    usage = data.get("usage") or {}
    critic, critic_source = _last_critique(root)
    pbl = _finite(m.get("pbl"))
    return EpisodeMetrics(
        stop_reason=str(data.get("stop_reason", "unknown")),
        finished=bool(data.get("finished", False)),
        turns=int(data.get("turns", 0)),
        n_objects=int(data.get("n_objects", 0)),
        collision_rate=_finite(m.get("collision_rate")),
        oob_rate=_finite(m.get("oob_rate")),
        pbl=pbl,
        pbl_valid=bool(m["pbl_valid"]) if "pbl_valid" in m else pbl <= 0.1,
        clean=bool(data.get("clean", False)),
        score=_finite(data["score"]) if data.get("score") is not None else None,
        judge={k: _finite(v) for k, v in (judge.get("scores") or {}).items()},
        critic=critic,
        critic_source=critic_source,
        tokens=int(usage.get("total_tokens") or 0),
        cost_usd=_finite(usage["cost_usd"]) if usage.get("cost_usd") is not None else None,
        episode_s=_finite(data["wall_s"]) if data.get("wall_s") is not None else None,
    )


def _last_critique(root: Path) -> tuple[dict[str, float], str | None]:
    """The last turn's critic scores (only present when the run used a per-turn critic)."""
    turns = sorted((root / "turns").glob("turn_*.json"))
    for path in reversed(turns):
        crit = read_json(path, allow_nan=True).get("critique")
        if crit and crit.get("scores") and not crit.get("error"):
            return {k: _finite(v) for k, v in crit["scores"].items()}, crit.get("source")
        if crit is not None:
            break
    return {}, None


def describe_workers(summary: BatchSummary) -> str:
    """'1 process', '4 processes', '8 ray workers', or every CPU of the Ray cluster (workers None)."""
    if summary.workers is None:
        return f"every CPU of the {summary.backend} cluster"
    noun, plural = ("process", "es") if summary.backend == "process" else (f"{summary.backend} worker", "s")
    return f"{summary.workers} {noun}{plural if summary.workers != 1 else ''}"


def summary_path(out: str | Path) -> Path:
    return Path(out) / SUMMARY_FILE


def write_summary(summary: BatchSummary, out: str | Path) -> Path:
    return atomic_write_json(summary_path(out), summary.model_dump(mode="json"))


def load_summary(out: str | Path) -> BatchSummary | None:
    """The batch summary in `out` (None when there is none); a damaged file is a ValueError."""
    path = summary_path(out)
    if not path.is_file():
        return None
    try:
        return BatchSummary.model_validate_json(path.read_bytes())
    except ValidationError as e:
        first = describe_validation_error(e, limit=1)[0]
        raise ValueError(f"{path} is not a batch summary this version can read ({first})") from None


def finished_scenes(out: str | Path) -> list[tuple[EpisodeRow, Path]]:
    """(row, scene.json) of every finished episode of the batch in `out`, in index order — what
    `agentscene eval --batch` evaluates. Raises ValueError when `out` holds no batch summary."""
    summary = load_summary(out)
    if summary is None:
        raise ValueError(f"{out} holds no {SUMMARY_FILE}: not a batch directory")
    rows = sorted((r for r in summary.episodes if r.status == "ok"), key=lambda r: r.index)
    return [(r, Path(out) / r.name / "scene.json") for r in rows if (Path(out) / r.name / "scene.json").is_file()]
