"""`agentscene eval --table scenerevis|scene-eval|scenesmith`: a batch in the layout of a project's paper table.

Rows are room types (as the scenes name them) plus the mean over all scenes; columns are the
metrics that project reports, each computed by the definition it uses (SceneReVis' through
`compat="scenerevis"`, SceneEval's through `compat="scene-eval"`, SceneSmith's stability through
the MuJoCo settle). Per-room values are means of per-scene values, except SceneSmith's stable
share, which pools objects (96 % of its objects stay put).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agentscene.rewards import EvalReport

#: what each table needs evaluate() to compute: (compat, stability)
TABLE_NEEDS = {"scenerevis": ("scenerevis", False), "scene-eval": ("scene-eval", False), "scenesmith": (None, True)}


@dataclass(frozen=True)
class Column:
    title: str
    value: Callable[[EvalReport], float | None]
    fmt: str = "{:.1f}"


def _mean(values: Sequence[float | None]) -> float | None:
    got = [v for v in values if v is not None]
    return sum(got) / len(got) if got else None


def _se(r: EvalReport):
    return r.scene_eval


COLUMNS: dict[str, list[Column]] = {
    "scenerevis": [
        Column("#obj", lambda r: float(r.n_objects)),
        Column("Col. rate (%) ↓", lambda r: r.collision_rate),
        Column("OOB rate (%) ↓", lambda r: r.oob_rate),
        Column("PBL (m³) ↓", lambda r: r.pbl, "{:.3f}"),
        Column("Valid (%) ↑", lambda r: 100.0 if r.pbl_valid else 0.0),
    ],
    "scene-eval": [
        Column("#obj", lambda r: float(r.n_objects)),
        Column("Col. ↓", lambda r: _se(r).collision_rate if _se(r) else None),
        Column("OOB ↓", lambda r: _se(r).oob_rate if _se(r) else None),
        Column("Nav. ↑", lambda r: 100.0 * _se(r).navigability if _se(r) else None),
        Column("Opn. ↑", lambda r: None if not _se(r) or _se(r).opening_clearance is None else 100.0 * _se(r).opening_clearance),
    ],
    "scenesmith": [
        Column("#obj", lambda r: float(r.n_objects)),
        Column("Stable (%) ↑", lambda r: None),  # pooled over objects: filled by paper_rows
        Column("Col. (%) ↓", lambda r: r.collision_rate),
        Column("OOB (%) ↓", lambda r: r.oob_rate),
    ],
}


def _pooled_stable(reports: Sequence[EvalReport]) -> float | None:
    stab = [r.stability for r in reports if r.stability is not None]
    n = sum(s.n_simulated for s in stab)
    return 100.0 * sum(s.n_stable for s in stab) / n if n else None


def paper_rows(kind: str, rows: Sequence[tuple[str, EvalReport]]) -> tuple[list[str], list[list[str]]]:
    """(header, rows of cells): one row per room type in first-seen order, then the mean."""
    columns = COLUMNS[kind]
    groups: dict[str, list[EvalReport]] = {}
    for room_type, report in rows:
        groups.setdefault(room_type, []).append(report)
    out = []
    for label, reports in [*groups.items(), ("mean", [r for _, r in rows])]:
        cells = [f"{label.replace('_', ' ')} ({len(reports)})"]
        for col in columns:
            value = _pooled_stable(reports) if col.title.startswith("Stable") else _mean([col.value(r) for r in reports])
            cells.append("-" if value is None else col.fmt.format(value))
        out.append(cells)
    return ["room type (scenes)", *(c.title for c in columns)], out


CAPTIONS = {
    "scenerevis": "SceneReVis' definitions (compat='scenerevis'): % of objects colliding / out of bounds, PBL (m³), "
                  "% of scenes with PBL <= 0.1 m³",
    "scene-eval": "SceneEval's no-LLM metrics (compat='scene-eval'), %: objects colliding, objects out of bounds, "
                  "navigability, openings clear",
    "scenesmith": "SceneSmith's stability: % of simulated objects that move <= 1 cm and turn <= 0.1 rad in 2 s (pooled); "
                  "our collision and out-of-bounds rates",
}


def paper_table(kind: str, rows: Sequence[tuple[str, EvalReport]]) -> str:
    """`paper_rows` as a Markdown pipe table (paste it next to the published one), caption below."""
    header, body = paper_rows(kind, rows)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join([":---"] + ["---:"] * (len(header) - 1)) + "|"]
    lines += ["| " + " | ".join(cells) + " |" for cells in body]
    return "\n".join([*lines, "", CAPTIONS[kind]])
