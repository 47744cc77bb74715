"""`resolve(scene)`: physics auto-correction with small, reported moves; nothing is deleted.

Each round, walls first: an object that crosses walls is pushed back along the inward normal
of the wall it crosses farthest, by that distance plus a 5 mm margin (one wall per round, so
in an L-shaped room's notch it takes the shorter way out, and at a convex corner it moves
along each wall once), one poking through the floor is
raised, one through the ceiling lowered when it does not stand on the floor. Then each
colliding pair is separated along the floor by the smaller of its horizontal separating
translations, moving the smaller object (never one listed in `fixed`). Objects resting on a
moved object move with it. Floor coverings (rugs, mats no thicker than `flat_height`) are
never pushed apart from furniture standing on them. Rounds repeat on the incrementally
updated evaluation until nothing collides or crosses a wall, or `max_iterations` is reached.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from agentscene.rewards.collision import penetration
from agentscene.rewards.evaluate import evaluate
from agentscene.rewards.incremental import IncrementalEvaluator
from agentscene.rewards.report import EvalReport
from agentscene.rewards.tolerances import Tolerances
from agentscene.scene import Scene

if TYPE_CHECKING:
    from agentscene.meshes import MeshProvider
    from agentscene.rewards.geometry import ObjectGeometry

MARGIN = 0.005


class Move(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    before: tuple[float, float, float]
    after: tuple[float, float, float]
    distance: float = Field(description="length of the move (m)")
    reasons: list[str] = Field(default_factory=list)


class ResolveResult(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    scene: Scene
    moves: list[Move]
    report: EvalReport = Field(description="full evaluation of the resolved scene (what remains)")
    iterations: int
    resolved: bool = Field(description="no collision and nothing out of bounds remains")


def _remaining(report: EvalReport) -> bool:
    return bool(report.colliding_pairs) or any(o.oob for o in report.out_of_bounds)


def _wall_push(o, g: ObjectGeometry, room_height: float) -> tuple[np.ndarray, str | None]:
    d = np.zeros(3)
    reasons = []
    if o.crossings:  # the farthest crossing first; a corner's second wall is handled next round
        c = o.crossings[0]
        d[0] += c.inward[0] * (c.distance + MARGIN)
        d[2] += c.inward[1] * (c.distance + MARGIN)
        reasons.append(f"crossed the {c.side} wall by {c.distance:.3f} m")
    if o.below_floor > 0:
        d[1] += o.below_floor
        reasons.append(f"was {o.below_floor:.3f} m below the floor")
    elif o.above_ceiling > 0 and g.obj.support != "floor" and g.top - g.bottom <= room_height:
        d[1] -= o.above_ceiling
        reasons.append(f"was {o.above_ceiling:.3f} m above the ceiling")
    return d, ("; ".join(reasons) or None)


def _is_flat(g: ObjectGeometry, tol: Tolerances) -> bool:
    return g.top - g.bottom <= tol.flat_height and g.bottom <= tol.flat_height


def _round_moves(report: EvalReport, geo, tol: Tolerances, fixed: set[str],
                 why: dict[str, list[str]]) -> dict[str, np.ndarray]:
    """The moves of one round: wall pushes first, then one object of each colliding pair."""
    deltas: dict[str, np.ndarray] = {}

    def push(oid: str, d: np.ndarray, reason: str) -> None:
        if oid in fixed or not np.any(d):
            return
        deltas[oid] = deltas.get(oid, np.zeros(3)) + d
        reasons = why.setdefault(oid, [])
        if reason not in reasons:
            reasons.append(reason)

    for o in report.out_of_bounds:
        d, reason = _wall_push(o, geo.by_id[o.id], geo.room.height)
        if reason:
            push(o.id, d, reason)
    for p in report.colliding_pairs:
        if p.a in deltas or p.b in deltas:
            continue  # already moving this round; re-test after the move
        ga, gb = geo.by_id[p.a], geo.by_id[p.b]
        if _is_flat(ga, tol) or _is_flat(gb, tol):
            continue
        if ga.obj.support == gb.id or gb.obj.support == ga.id:
            child, parent = (ga, gb) if ga.obj.support == gb.id else (gb, ga)
            push(child.id, np.array([0.0, parent.top - child.bottom, 0.0]), f"sank into {parent.id}")
            continue
        depth, direction = penetration(ga, gb, horizontal=True)
        if depth <= 0:
            continue
        mover, sign, other = (gb, 1.0, ga) if gb.volume <= ga.volume else (ga, -1.0, gb)
        if mover.id in fixed:
            mover, sign, other = (other, -sign, mover)
        push(mover.id, sign * direction * (depth + MARGIN), f"collided with {other.id} ({depth:.3f} m)")
    # Objects resting on a moved object move with it (one level per round; deeper stacks follow next round).
    for g in geo.objects:
        if g.obj.support in deltas and g.id not in deltas and g.id not in fixed:
            deltas[g.id] = deltas[g.obj.support].copy()
            why.setdefault(g.id, []).append(f"moved with {g.obj.support}")
    return deltas


def resolve(scene: Scene, *, tolerances: Tolerances | None = None, max_iterations: int = 50,
            mesh_provider: MeshProvider | None = None, fixed: Sequence[str] = ()) -> ResolveResult:
    """Push colliding objects apart and pull out-of-bounds ones inside, reporting every move."""
    tol = tolerances or Tolerances()
    if max_iterations < 0:
        raise ValueError("max_iterations must be >= 0")
    fixed_ids = set(fixed)
    ev = IncrementalEvaluator(scene, tolerances=tol, mesh_provider=mesh_provider)
    start = {o.id: o.position for o in scene.objects}
    why: dict[str, list[str]] = {}
    current = scene
    iterations = 0
    while iterations < max_iterations and _remaining(ev.report):
        iterations += 1
        deltas = _round_moves(ev.report, ev.geometry, tol, fixed_ids, why)
        if not deltas:
            break
        for oid, d in deltas.items():
            obj = current[oid]
            pos = tuple(float(v) for v in np.asarray(obj.position) + d)
            current = current.replace_object(obj.model_copy(update={"position": pos}))
        ev.update(current)
    moves = []
    for obj in current.objects:
        before = start.get(obj.id)
        if before is not None and tuple(before) != tuple(obj.position):
            dist = float(np.linalg.norm(np.subtract(obj.position, before)))
            moves.append(Move(id=obj.id, before=before, after=obj.position, distance=dist, reasons=why.get(obj.id, [])))
    report = evaluate(current, ev.geometry, tolerances=tol)
    return ResolveResult(scene=current, moves=moves, report=report, iterations=iterations, resolved=not _remaining(report))
