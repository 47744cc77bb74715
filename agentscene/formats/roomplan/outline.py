"""The floor polygon from RoomPlan's wall segments, and the turn that squares it with the axes.

Walls come in any order and direction and rarely meet exactly: ends closer than the corner
tolerance meet at the intersection of the two wall lines (a warning when the gap is larger),
gaps up to `max_gap` are bridged with a straight edge (a warning), and anything wider means
the walls do not enclose a room (SceneFormatError, so the importer can try the scanned floor).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from agentscene.formats.errors import SceneFormatError
from agentscene.formats.roomplan.capture import Element, RoomPlanSettings, Skip, numbers
from agentscene.geometry import signed_area


@dataclass
class Segment:
    a: np.ndarray  # (x, z)
    b: np.ndarray
    where: str

    def reversed(self) -> Segment:
        return Segment(self.b, self.a, self.where)

    @property
    def direction(self) -> np.ndarray:
        d = self.b - self.a
        return d / max(float(np.linalg.norm(d)), 1e-12)


def wall_segment(w: Element, warn) -> Segment:
    if w.dims[0] < 1e-3:
        raise Skip("wall has zero length")
    if w.raw.get("curve") not in (None, {}):
        warn("curved_wall", "curved wall approximated by its chord")
    if abs(float(w.rot[1, 1])) < math.cos(math.radians(10)):
        warn("tilted_wall", "wall is not vertical; using its footprint")
    u = w.rot[[0, 2], 0]
    if np.linalg.norm(u) < 1e-6:
        raise Skip("wall's length axis points straight up")
    u = u / np.linalg.norm(u)
    c = w.centre[[0, 2]]
    half = w.dims[0] / 2.0
    return Segment(c - u * half, c + u * half, w.where)


def _line_intersection(p: np.ndarray, d: np.ndarray, q: np.ndarray, e: np.ndarray) -> np.ndarray | None:
    cross = d[0] * e[1] - d[1] * e[0]
    if abs(cross) < math.sin(math.radians(10)):
        return None
    t = ((q[0] - p[0]) * e[1] - (q[1] - p[1]) * e[0]) / cross
    return p + t * d


def _corner(s: Segment, t: Segment, st: RoomPlanSettings, warn) -> list[np.ndarray]:
    """Vertices joining the end of wall s to the start of wall t."""
    gap = float(np.linalg.norm(s.b - t.a))
    x = _line_intersection(s.b, s.direction, t.a, t.direction)
    if x is not None and max(np.linalg.norm(x - s.b), np.linalg.norm(x - t.a)) <= max(st.max_gap, st.corner_tolerance):
        if gap > st.corner_tolerance:
            warn("gap_closed", f"{gap:.2f} m gap between {s.where} and {t.where} closed by extending them to their corner")
        return [x]
    if gap <= st.corner_tolerance:
        return [(s.b + t.a) / 2.0]
    warn("gap_bridged", f"{gap:.2f} m gap between {s.where} and {t.where} bridged with a straight edge")
    return [s.b, t.a]


def chain(segments: list[Segment], st: RoomPlanSettings, warn) -> list[np.ndarray]:
    """Walk from the longest wall to the nearest free wall end until the loop closes."""
    todo = sorted(segments, key=lambda s: -float(np.linalg.norm(s.b - s.a)))
    first = todo.pop(0)
    chain = [first]
    while True:
        end = chain[-1].b
        close = float(np.linalg.norm(end - first.a))
        best, best_d = None, math.inf
        for k, seg in enumerate(todo):
            for cand in (seg, seg.reversed()):
                d = float(np.linalg.norm(end - cand.a))
                if d < best_d:
                    best, best_d = (k, cand), d
        if len(chain) >= 3 and close <= best_d and close <= st.max_gap:
            break
        if best is None or best_d > st.max_gap:
            names = ", ".join(s.where for s in chain)
            raise SceneFormatError(
                "the walls do not enclose a room",
                problems=[f"after {names} the nearest free wall end is "
                          + (f"{best_d:.2f} m away" if best else "missing")
                          + f" and the loop start {close:.2f} m away; gaps over {st.max_gap:g} m are not bridged"],
            )
        todo.pop(best[0])
        chain.append(best[1])
    for seg in todo:
        warn("wall_unused", f"{seg.where} is not part of the room outline; ignored")
    points: list[np.ndarray] = []
    for i, seg in enumerate(chain):
        points.extend(_corner(seg, chain[(i + 1) % len(chain)], st, warn))
    return points


def clean_polygon(points: list[np.ndarray]) -> list[tuple[float, float]]:
    """Drop repeated and collinear vertices; counter-clockwise."""
    pts = [p for i, p in enumerate(points) if np.linalg.norm(p - points[i - 1]) > 1e-4] if len(points) > 1 else points
    changed = True
    while changed and len(pts) > 3:
        changed = False
        for i in range(len(pts)):
            a, b, c = pts[i - 1], pts[i], pts[(i + 1) % len(pts)]
            u, v = b - a, c - b
            if abs(u[0] * v[1] - u[1] * v[0]) <= 1e-3 * np.linalg.norm(u) * np.linalg.norm(v) and float(u @ v) > 0:
                pts.pop(i)
                changed = True
                break
    out = [(float(p[0]), float(p[1])) for p in pts]
    if len(out) >= 3 and signed_area(out) < 0:
        out.reverse()
    return out


def floor_surface_polygon(floors: list[Element]) -> list[np.ndarray] | None:
    for f in floors:
        corners = f.raw.get("polygonCorners")
        if not isinstance(corners, list) or len(corners) < 3:
            corners = [[sx * f.dims[0] / 2, sy * f.dims[1] / 2, 0.0] for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1))]
        try:
            local = np.array([numbers(c, 3, "a polygon corner") for c in corners])
        except Skip:
            continue
        world = local @ f.rot.T + f.centre
        return [p for p in world[:, [0, 2]]]
    return None


def usable(polygon: list[tuple[float, float]]) -> bool:
    if len(polygon) < 3 or abs(signed_area(polygon)) < 0.5:
        return False
    from shapely.geometry import Polygon

    return bool(Polygon(polygon).is_valid)


def dominant_angle(polygon: list[tuple[float, float]]) -> float:
    """Yaw (degrees) that turns the longest wall directions onto the x / z axes."""
    s = c = 0.0
    for i in range(len(polygon)):
        (x0, z0), (x1, z1) = polygon[i], polygon[(i + 1) % len(polygon)]
        length = math.hypot(x1 - x0, z1 - z0)
        theta = math.atan2(x1 - x0, z1 - z0)
        s += length * math.sin(4 * theta)
        c += length * math.cos(4 * theta)
    return -math.degrees(math.atan2(s, c) / 4.0)
