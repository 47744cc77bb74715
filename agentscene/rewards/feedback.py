"""`feedback_text(report, scene)`: the physics problems of a scene, written for a model.

Short, specific and actionable: which objects collide and by how much, which wall an object
crosses and which way to move it, what floats, which door is blocked. Long lists are cut to
`top_k` items per kind with a count of the rest.
"""

from __future__ import annotations

from agentscene.rewards.geometry import axis_label
from agentscene.rewards.report import EvalReport
from agentscene.scene import Scene


def _cm(m: float) -> str:
    return f"{m * 100:.0f} cm" if m < 1.0 else f"{m:.2f} m"


def _name(scene: Scene, oid: str) -> str:
    obj = scene.get(oid)
    if obj is None:
        return oid
    desc = obj.description.strip()
    if not desc:
        return oid
    return f"{oid} ({desc[:40] + '…' if len(desc) > 40 else desc})"


def _more(lines: list[str], total: int, top_k: int, what: str) -> None:
    if total > top_k:
        lines.append(f"- … and {total - top_k} more {what}.")


def feedback_text(report: EvalReport, scene: Scene, *, top_k: int = 5, min_walkable: float = 0.6) -> str:
    """A concise summary of the scene's physics problems, or a one-line all-clear.

    A walkable ratio below `min_walkable` is mentioned too.
    """
    lines: list[str] = []
    for p in report.colliding_pairs[:top_k]:
        dx, _, dz = p.direction
        move = axis_label(dx, dz) or ("+y" if p.direction[1] > 0 else "-y")
        back = axis_label(-dx, -dz) or ("-y" if p.direction[1] > 0 else "+y")
        lines.append(
            f"- Collision: {_name(scene, p.a)} and {_name(scene, p.b)} overlap by {_cm(p.depth)}"
            f" ({p.volume:.3f} m³). Move {p.b} {move} by at least {_cm(p.depth + 0.01)}, or {p.a} {back}."
        )
    _more(lines, len(report.colliding_pairs), top_k, "collisions")
    flagged = [o for o in report.out_of_bounds if o.oob]
    for o in flagged[:top_k]:
        parts = []
        if o.wholly_outside:
            parts.append("is entirely outside the room")
        for c in o.crossings[:2]:
            parts.append(f"crosses the {c.side} wall by {_cm(c.distance)} (move it {c.move} by at least {_cm(c.distance + 0.01)})")
        if o.above_ceiling > 0:
            parts.append(f"reaches {_cm(o.above_ceiling)} above the ceiling (lower it or reduce its height)")
        if o.below_floor > 0:
            parts.append(f"sinks {_cm(o.below_floor)} below the floor (raise it to y = 0)")
        if not parts:
            parts.append(f"has {o.outside_fraction:.0%} of its surface outside the room")
        lines.append(f"- Out of bounds: {_name(scene, o.id)} " + "; ".join(parts) + f" ({o.volume:.3f} m³ outside).")
    _more(lines, len(flagged), top_k, "objects out of bounds")
    floating = report.floating or []
    for f in floating[:top_k]:
        lines.append(f"- Not supported: {_name(scene, f.id)} should rest on {f.support}, but {f.reason}.")
    _more(lines, len(floating), top_k, "unsupported objects")
    for d in report.door_clearance or []:
        if d.blocked:
            who = ", ".join(d.blocking) if d.blocking else "an object"
            lines.append(f"- Door on wall {d.wall} is blocked by {who}: only {_cm(d.clearance)} free in front of it.")
    if report.walkable_ratio is not None and report.walkable_ratio < min_walkable and report.n_objects:
        lines.append(f"- Only {report.walkable_ratio:.0%} of the free floor can be reached from the door; open up a path.")
    stab = report.stability
    if stab is not None:
        for u in stab.unstable[:top_k]:
            lines.append(f"- Unstable: {u.feedback}.")
        _more(lines, len(stab.unstable), top_k, "unstable objects")
    if not lines:
        return "Physics check: no collisions, nothing out of bounds, every object supported."
    head = (f"Physics check: {report.n_colliding_pairs} collision(s), {report.n_oob_objects} object(s) out of bounds"
            f", PBL {report.pbl:.3f} m³ ({'valid' if report.pbl_valid else 'invalid'}).")
    return "\n".join([head, *lines])
