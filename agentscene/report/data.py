"""Reading a run directory for a report: settings, final metrics and every completed turn.

Reports read what the loop wrote (spec_used.json, metrics.json, turns/turn_XX.json, renders/),
so a report can be made of a finished, stopped or still-running run. A file that is missing is
left out of the page; a file that is not valid JSON is a ReportError naming it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from agentscene.limits import read_json as guarded_read_json
from agentscene.scene_inputs import is_run_dir


class ReportError(ValueError):
    """The path is not a run or batch directory, or one of its files cannot be read."""


class TurnData(BaseModel):
    turn: int
    n_objects: int
    metrics: dict[str, float] = Field(default_factory=dict)
    score: float = 0.0
    tool_calls: list[dict[str, Any]] = Field(default_factory=list)
    results: list[dict[str, Any]] = Field(default_factory=list)
    rolled_back: bool = False
    rejected_metrics: dict[str, float] | None = None
    terminated: bool = False
    think: str | None = None
    reply: str | None = None
    format_error: str | None = None
    physics_feedback: str = ""
    critique: dict[str, Any] | None = None
    renders: dict[str, str] = Field(default_factory=dict)
    seconds: float | None = None

    @property
    def errors(self) -> int:
        return sum(1 for r in self.results if not r.get("ok", False)) + (1 if self.format_error else 0)


class RunData(BaseModel):
    root: Path
    spec: dict[str, Any] = Field(default_factory=dict)
    metrics: dict[str, Any] = Field(default_factory=dict)
    turns: list[TurnData] = Field(default_factory=list)

    @property
    def prompt(self) -> str:
        return str(self.spec.get("config", {}).get("prompt") or self.root.name)

    def render_path(self, turn: TurnData | None, view: str) -> Path | None:
        """The turn's render for a view (merged, top, diagonal), from its record or the file naming convention."""
        if turn is None:
            return None
        rel = turn.renders.get(view)
        path = self.root / str(rel) if rel else self.root / "renders" / f"turn_{turn.turn:02d}_{view}.png"
        try:  # only a regular file inside the run directory: a turn record or link cannot pull in other files
            real = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return None
        return real if real.is_file() and real.is_relative_to(self.root.resolve()) else None


def read_json(path: Path) -> Any:
    try:
        return guarded_read_json(path, allow_nan=True)  # regular files only; size, depth and digits bounded
    except ValueError as e:
        raise ReportError(f"{path} is not valid JSON: {e}") from None
    except OSError as e:
        raise ReportError(f"cannot read {path}: {e.strerror or e}") from None


def _turn(data: dict[str, Any], path: Path) -> TurnData:
    if not isinstance(data, dict) or not isinstance(data.get("turn"), int):
        raise ReportError(f"{path} is not a turn record (no integer 'turn')")
    scene = data.get("scene") or {}
    objects = scene.get("objects") if isinstance(scene, dict) else None
    metrics = {k: float(v) for k, v in (data.get("metrics") or {}).items() if isinstance(v, int | float)}
    return TurnData(
        turn=data["turn"], n_objects=len(objects) if isinstance(objects, list) else int(metrics.get("n_objects", 0)),
        metrics=metrics, score=float(data.get("score") or 0.0), tool_calls=list(data.get("tool_calls") or []),
        results=list(data.get("results") or []), rolled_back=bool(data.get("rolled_back")),
        rejected_metrics=data.get("rejected_metrics"), terminated=bool(data.get("terminated")), think=data.get("think"),
        reply=data.get("reply"), format_error=data.get("format_error"), physics_feedback=data.get("physics_feedback") or "",
        critique=data.get("critique"), renders=dict(data.get("renders") or {}),
        seconds=(data.get("timings") or {}).get("total_s"),
    )


def load_run(root: str | Path) -> RunData:
    """Everything a run report shows. Raises ReportError when `root` is not a run directory."""
    root = Path(root)
    if not is_run_dir(root):
        raise ReportError(f"{root} is not a run directory (no turns/ or metrics.json)")
    spec = read_json(root / "spec_used.json") if (root / "spec_used.json").is_file() else {}
    metrics = read_json(root / "metrics.json") if (root / "metrics.json").is_file() else {}
    turns = []
    for path in sorted((root / "turns").glob("turn_*.json")) if (root / "turns").is_dir() else []:
        turns.append(_turn(read_json(path), path))
    turns.sort(key=lambda t: t.turn)
    return RunData(root=root, spec=spec if isinstance(spec, dict) else {}, metrics=metrics if isinstance(metrics, dict) else {},
                   turns=turns)
