"""Apple RoomPlan import: a scanned `CapturedRoom` JSON export becomes a native Scene.

RoomPlan's Codable export (iOS 16/17) has top-level `walls`, `doors`, `windows`, `openings`,
`objects` (and `floors`, `sections`, `story`, `version`, ...). Each element carries
`dimensions` (simd_float3 as [x, y, z]), `transform` (simd_float4x4 as 16 floats, column
major, translation in [12:15]), `category` and `confidence` (Swift enums, encoded as
`{"storage": {}}` / `{"door": {"isOpen": false}}`; hand-written and third-party exports use
plain strings, so both are read), `identifier`, `parentIdentifier`, `story`.

The ARKit world frame is already ours (metres, y up, right handed), but its origin is where
the phone started: the floor sits at some negative y and the room at an arbitrary yaw. We
move the floor to y = 0 and, by default, turn the room so its walls are axis aligned with the
floor's bounding box at the origin; the applied matrix is kept in
`room.extra["roomplan"]["scene_from_capture"]`. Scans are imperfect, so problems that a
best effort can absorb (small wall gaps, tilted or unknown objects, NaN transforms) become
warnings in `scene.metadata["import_warnings"]`; only a file from which no room can be built
raises SceneFormatError.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agentscene.categories import category_info, match_category
from agentscene.formats.errors import SceneFormatError, describe_validation_error
from agentscene.formats.registry import Dialect, dialect_names, register_dialect
from agentscene.geometry import normalize_yaw, rotation_matrix_y, signed_area
from agentscene.scene import Opening, Room, Scene, SceneObject

#: RoomPlan object category -> (agentscene category, description).
OBJECT_CATEGORIES: dict[str, tuple[str, str]] = {
    "bathtub": ("bathtub", "bathtub"),
    "bed": ("bed", "bed"),
    "chair": ("chair", "chair"),
    "dishwasher": ("dishwasher", "dishwasher"),
    "fireplace": ("fireplace", "fireplace"),
    "oven": ("stove", "oven"),
    "refrigerator": ("fridge", "refrigerator"),
    "sink": ("sink", "sink"),
    "sofa": ("sofa", "sofa"),
    "stairs": ("object", "staircase"),  # no agentscene category; kept as a generic object
    "storage": ("cabinet", "storage cabinet"),
    "stove": ("stove", "stove"),
    "table": ("table", "table"),
    "television": ("tv", "television"),
    "toilet": ("toilet", "toilet"),
    "washerDryer": ("washing_machine", "washer-dryer"),
}

#: (RoomPlan category, attribute word) -> finer agentscene category (iOS 17 attributes).
ATTRIBUTE_CATEGORIES: dict[tuple[str, str], str] = {
    ("chair", "dining"): "dining_chair", ("chair", "swivel"): "office_chair", ("chair", "stool"): "stool",
    ("chair", "lounge"): "armchair", ("sofa", "lshaped"): "sectional_sofa", ("sofa", "singleseat"): "armchair",
    ("table", "coffee"): "coffee_table", ("table", "dining"): "dining_table", ("storage", "shelf"): "shelf",
}

SURFACE_KINDS = {"doors": "door", "windows": "window", "openings": "opening"}
_CONFIDENCE = {"low": 0, "medium": 1, "high": 2}


class RoomPlanSettings(BaseModel):
    """How forgiving the import is, and how the capture is placed in the scene frame."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    corner_tolerance: float = Field(0.15, ge=0, description="wall ends this close meet at a corner without a warning (m)")
    max_gap: float = Field(1.0, ge=0, description="larger gaps between walls are bridged with a warning up to this size (m)")
    tilt_tolerance_deg: float = Field(5.0, ge=0, le=90, description="objects tilted further from upright are rejected with a warning")
    align: bool = Field(True, description="turn the room so its walls are axis aligned, floor bounds at the origin")
    min_confidence: Literal["low", "medium", "high"] = "low"
    story: int | None = Field(None, description="story to import; None: the story most walls are on")
    room_type: str | None = Field(None, description="override the room type read from `sections`")
    default_height: float = Field(2.5, gt=0, description="room height when no wall says (m)")


class RoomPlanWarning(BaseModel):
    """One thing the import had to guess, fix or drop."""

    model_config = ConfigDict(frozen=True)

    code: str
    where: str
    message: str


@dataclass(frozen=True)
class RoomPlanImport:
    scene: Scene
    warnings: list[RoomPlanWarning]


class _Skip(Exception):
    """Internal: one element cannot be used; becomes a warning."""


@dataclass
class _Element:
    where: str
    ident: str | None
    parent: str | None
    category: str
    payload: dict[str, Any]
    confidence: str | None
    dims: np.ndarray  # effective extents (scale folded in)
    rot: np.ndarray  # 3x3 orthonormal
    centre: np.ndarray  # world xyz
    story: int
    raw: dict[str, Any]


# -- detection --------------------------------------------------------------------------------


def _looks_like_element(value: Any) -> bool:
    return isinstance(value, dict) and "transform" in value and "dimensions" in value


def is_roomplan(data: dict[str, Any]) -> bool:
    """A CapturedRoom / CapturedStructure export: element lists of transform + dimensions."""
    if not isinstance(data, dict) or "room" in data or "bounds_bottom" in data:
        return False
    if isinstance(data.get("rooms"), list) and data["rooms"] and isinstance(data["rooms"][0], dict):
        return is_roomplan(data["rooms"][0])
    lists = [data.get(k) for k in ("walls", "doors", "windows", "openings", "objects", "floors")]
    elements = [e for lst in lists if isinstance(lst, list) for e in lst[:1]]
    return isinstance(data.get("walls"), list) and (not elements or any(_looks_like_element(e) for e in elements))


# -- element parsing --------------------------------------------------------------------------


def decode_enum(value: Any) -> tuple[str | None, dict[str, Any]]:
    """A Swift enum in either encoding: `"storage"` or `{"storage": {}}` -> ("storage", payload)."""
    if isinstance(value, str):
        return value, {}
    if isinstance(value, dict) and len(value) == 1:
        (name, payload), = value.items()
        return str(name), payload if isinstance(payload, dict) else {}
    return None, {}


def _numbers(value: Any, n: int, what: str) -> list[float]:
    if isinstance(value, dict) and n == 3 and set(value) >= {"x", "y", "z"}:
        value = [value["x"], value["y"], value["z"]]
    if not isinstance(value, list) or len(value) != n:
        raise _Skip(f"{what} must be a list of {n} numbers")
    out = []
    for v in value:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise _Skip(f"{what} holds a non-number {v!r}"[:120])
        if not math.isfinite(v):
            raise _Skip(f"{what} holds a non-finite value ({v})")
        if abs(v) > 1e6:
            raise _Skip(f"{what} holds {v:g}, far beyond any room")
        out.append(float(v))
    return out


def _is_affine(m: np.ndarray) -> bool:
    return bool(np.allclose(m[3], (0.0, 0.0, 0.0, 1.0), atol=1e-4))


def parse_transform(value: Any, warn) -> np.ndarray:
    """A 4x4 matrix from 16 column-major floats or a list of 4 columns; row-major is detected."""
    if isinstance(value, list) and len(value) == 4 and all(isinstance(c, list) for c in value):
        columns = [_numbers(c, 4, "a transform column") for c in value]
        m = np.array(columns, dtype=float).T
    else:
        m = np.array(_numbers(value, 16, "transform"), dtype=float).reshape(4, 4).T
    if not _is_affine(m):
        if _is_affine(m.T):
            warn("row_major_transform", "transform looks row-major; read it transposed")
            m = m.T
        else:
            raise _Skip("transform is not an affine 4x4 matrix (its last row is not 0, 0, 0, 1)")
    return m


def _rotation(m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(orthonormal rotation, per-axis scale) of the upper 3x3; rejects shears and mirrors."""
    a = m[:3, :3]
    scale = np.linalg.norm(a, axis=0)
    if np.any(scale < 1e-6):
        raise _Skip("transform collapses an axis (zero scale)")
    r = a / scale
    if np.abs(r.T @ r - np.eye(3)).max() > 0.05:
        raise _Skip("transform is sheared, not a rotation")
    if np.linalg.det(r) < 0:
        raise _Skip("transform mirrors the element (negative determinant)")
    return r, scale


def _element(raw: Any, where: str, warnings: list[RoomPlanWarning]) -> _Element:
    if not isinstance(raw, dict):
        raise _Skip(f"expected an object, got {type(raw).__name__}")

    def warn(code: str, message: str) -> None:
        warnings.append(RoomPlanWarning(code=code, where=where, message=message))

    if "transform" not in raw or "dimensions" not in raw:
        raise _Skip("needs both `transform` and `dimensions`")
    m = parse_transform(raw["transform"], warn)
    rot, scale = _rotation(m)
    dims = np.array(_numbers(raw["dimensions"], 3, "dimensions"), dtype=float)
    if np.any(dims < 0):
        raise _Skip(f"dimensions must not be negative, got {dims.tolist()}")
    if not np.allclose(scale, 1.0, atol=0.01):
        warn("scaled_transform", f"transform scales by {np.round(scale, 3).tolist()}; folded into the dimensions")
    category, payload = decode_enum(raw.get("category"))
    confidence, _ = decode_enum(raw.get("confidence"))
    story = raw.get("story", 0)
    ident, parent = raw.get("identifier"), raw.get("parentIdentifier")
    return _Element(
        where=where, ident=ident if isinstance(ident, str) else None, parent=parent if isinstance(parent, str) else None,
        category=category or "", payload=payload, confidence=confidence, dims=dims * scale, rot=rot,
        centre=m[:3, 3].copy(), story=story if isinstance(story, int) and not isinstance(story, bool) else 0, raw=raw,
    )


def _elements(data: dict[str, Any], key: str, warnings: list[RoomPlanWarning]) -> list[_Element]:
    value = data.get(key, [])
    if value is None:
        return []
    if not isinstance(value, list):
        raise SceneFormatError(f"`{key}` must be a list of RoomPlan elements, got {type(value).__name__}")
    out = []
    for i, raw in enumerate(value):
        where = f"{key}[{i}]"
        try:
            out.append(_element(raw, where, warnings))
        except _Skip as e:
            warnings.append(RoomPlanWarning(code="element_skipped", where=where, message=f"skipped: {e}"))
    return out


# -- the floor polygon from wall segments ------------------------------------------------------


@dataclass
class _Segment:
    a: np.ndarray  # (x, z)
    b: np.ndarray
    where: str

    def reversed(self) -> _Segment:
        return _Segment(self.b, self.a, self.where)

    @property
    def direction(self) -> np.ndarray:
        d = self.b - self.a
        return d / max(float(np.linalg.norm(d)), 1e-12)


def _wall_segment(w: _Element, warn) -> _Segment:
    if w.dims[0] < 1e-3:
        raise _Skip("wall has zero length")
    if w.raw.get("curve") not in (None, {}):
        warn("curved_wall", "curved wall approximated by its chord")
    if abs(float(w.rot[1, 1])) < math.cos(math.radians(10)):
        warn("tilted_wall", "wall is not vertical; using its footprint")
    u = w.rot[[0, 2], 0]
    if np.linalg.norm(u) < 1e-6:
        raise _Skip("wall's length axis points straight up")
    u = u / np.linalg.norm(u)
    c = w.centre[[0, 2]]
    half = w.dims[0] / 2.0
    return _Segment(c - u * half, c + u * half, w.where)


def _line_intersection(p: np.ndarray, d: np.ndarray, q: np.ndarray, e: np.ndarray) -> np.ndarray | None:
    cross = d[0] * e[1] - d[1] * e[0]
    if abs(cross) < math.sin(math.radians(10)):
        return None
    t = ((q[0] - p[0]) * e[1] - (q[1] - p[1]) * e[0]) / cross
    return p + t * d


def _corner(s: _Segment, t: _Segment, st: RoomPlanSettings, warn) -> list[np.ndarray]:
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


def _chain(segments: list[_Segment], st: RoomPlanSettings, warn) -> list[np.ndarray]:
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


def _clean_polygon(points: list[np.ndarray]) -> list[tuple[float, float]]:
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


def _floor_surface_polygon(floors: list[_Element]) -> list[np.ndarray] | None:
    for f in floors:
        corners = f.raw.get("polygonCorners")
        if not isinstance(corners, list) or len(corners) < 3:
            corners = [[sx * f.dims[0] / 2, sy * f.dims[1] / 2, 0.0] for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1))]
        try:
            local = np.array([_numbers(c, 3, "a polygon corner") for c in corners])
        except _Skip:
            continue
        world = local @ f.rot.T + f.centre
        return [p for p in world[:, [0, 2]]]
    return None


def _usable(polygon: list[tuple[float, float]]) -> bool:
    if len(polygon) < 3 or abs(signed_area(polygon)) < 0.5:
        return False
    from shapely.geometry import Polygon

    return bool(Polygon(polygon).is_valid)


# -- placing the capture in the scene frame ---------------------------------------------------


def _dominant_angle(polygon: list[tuple[float, float]]) -> float:
    """Yaw (degrees) that turns the longest wall directions onto the x / z axes."""
    s = c = 0.0
    for i in range(len(polygon)):
        (x0, z0), (x1, z1) = polygon[i], polygon[(i + 1) % len(polygon)]
        length = math.hypot(x1 - x0, z1 - z0)
        theta = math.atan2(x1 - x0, z1 - z0)
        s += length * math.sin(4 * theta)
        c += length * math.cos(4 * theta)
    return -math.degrees(math.atan2(s, c) / 4.0)


@dataclass(frozen=True)
class _Frame:
    """scene = R_y(yaw) @ (capture - [0, floor_y, 0]) + [dx, 0, dz]."""

    yaw: float
    floor_y: float
    dx: float = 0.0
    dz: float = 0.0

    def xz(self, x: float, z: float) -> tuple[float, float]:
        r = rotation_matrix_y(self.yaw)
        return float(r[0, 0] * x + r[0, 2] * z + self.dx), float(r[2, 0] * x + r[2, 2] * z + self.dz)

    def matrix(self) -> list[list[float]]:
        m = np.eye(4)
        m[:3, :3] = rotation_matrix_y(self.yaw)
        m[:3, 3] = m[:3, :3] @ np.array([0.0, -self.floor_y, 0.0]) + np.array([self.dx, 0.0, self.dz])
        return [[round(float(v), 9) for v in row] for row in m]


# -- openings and objects ---------------------------------------------------------------------


def _opening(e: _Element, kind: str, floor: list[tuple[float, float]], frame: _Frame, warn) -> tuple[Opening, dict] | None:
    cx, cz = frame.xz(e.centre[0], e.centre[2])
    u = e.rot[[0, 2], 0]
    ux, uz = np.array(frame.xz(u[0], u[1])) - np.array(frame.xz(0.0, 0.0))
    best = None
    for i in range(len(floor)):
        (x0, z0), (x1, z1) = floor[i], floor[(i + 1) % len(floor)]
        dx, dz = x1 - x0, z1 - z0
        length = math.hypot(dx, dz)
        t = max(0.0, min(length, ((cx - x0) * dx + (cz - z0) * dz) / length))
        dist = math.hypot(x0 + dx * t / length - cx, z0 + dz * t / length - cz)
        parallel = abs(dx * ux + dz * uz) / (length * max(math.hypot(ux, uz), 1e-12))
        if parallel > math.cos(math.radians(20)) and (best is None or dist < best[0]):
            best = (dist, i, t, length)
    if best is None or best[0] > 0.5:
        warn("opening_off_wall", f"{kind} is not on any wall of the outline; dropped")
        return None
    _, wall, offset, length = best
    width, height = float(e.dims[0]), float(e.dims[1])
    if width <= 0 or height <= 0:
        warn("opening_degenerate", f"{kind} has zero width or height; dropped")
        return None
    sill = max(0.0, float(e.centre[1] - height / 2.0 - frame.floor_y))
    if kind == "door" and sill < 0.1:
        sill = 0.0
    op = Opening(kind=kind, wall=wall, offset=round(offset, 6), width=round(min(width, length), 6),
                 height=round(height, 6), sill=round(sill, 6))
    info = {"identifier": e.ident, "kind": kind, "wall": wall}
    if "isOpen" in e.payload:
        info["is_open"] = bool(e.payload["isOpen"])
    return op, info


def _attribute_words(raw: Any) -> list[str]:
    """Lower-case words from attributes in whatever shape an exporter wrote them."""
    words: list[str] = []
    stack = [raw]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            words.extend(w.lower() for w in re.findall(r"[A-Za-z][a-z]*|[A-Z]+(?![a-z])", v))
            words.append(re.sub(r"[^a-z]", "", v.lower().rsplit(".", 1)[-1]))
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return words


def object_category(rp_category: str, attributes: Any = None) -> tuple[str, str, bool]:
    """(agentscene category, description, known) for a RoomPlan object category."""
    if rp_category in OBJECT_CATEGORIES:
        category, description = OBJECT_CATEGORIES[rp_category]
        for word in _attribute_words(attributes):
            finer = ATTRIBUTE_CATEGORIES.get((rp_category, word))
            if finer:
                return finer, finer.replace("_", " "), True
        return category, description, True
    words = " ".join(re.findall(r"[A-Za-z][a-z]*", rp_category)).lower()
    return match_category(words) or "object", words or "object", False


def _object(e: _Element, frame: _Frame, st: RoomPlanSettings, warn) -> dict[str, Any] | None:
    up = e.rot[:, 1]
    tilt = math.degrees(math.acos(max(-1.0, min(1.0, float(up[1])))))
    if tilt > st.tilt_tolerance_deg:
        warn("tilted_object", f"{e.category or 'object'} is tilted {tilt:.1f} degrees from upright "
             f"(tolerance {st.tilt_tolerance_deg:g}); only yaw rotations are supported, so it was not imported")
        return None
    category, description, known = object_category(e.category, e.raw.get("attributes"))
    if not known:
        warn("unknown_category", f"unknown RoomPlan category {e.category!r}; imported as {category!r}")
    size = [max(round(float(v), 6), 0.01) for v in e.dims]
    if any(float(v) < 0.01 for v in e.dims):
        warn("thin_object", f"dimensions {np.round(e.dims, 4).tolist()} raised to at least 1 cm")
    front = e.rot[:, 2]
    yaw = normalize_yaw(round(math.degrees(math.atan2(front[0], front[2])) + frame.yaw, 4))
    x, z = (round(v, 6) for v in frame.xz(e.centre[0], e.centre[2]))
    bottom = float(e.centre[1] - size[1] / 2.0 - frame.floor_y)
    if bottom < -0.05:
        warn("below_floor", f"{category} reaches {-bottom:.2f} m below the floor; lifted onto it")
    bottom = max(bottom, 0.0) if bottom < 0.02 else round(bottom, 6)
    extra: dict[str, Any] = {"roomplan_category": e.category}
    for key, value in (("roomplan_id", e.ident), ("confidence", e.confidence), ("roomplan_parent", e.parent)):
        if value is not None:
            extra[key] = value
    if e.raw.get("attributes"):
        extra["attributes"] = e.raw["attributes"]
    return {"category": category, "description": description, "size": tuple(size),
            "position": (x, bottom, z), "yaw": yaw, "extra": extra}


def _assign_support(objects: list[SceneObject], floor: list[tuple[float, float]], warn) -> list[SceneObject]:
    """Objects above the floor rest on the object below them, hang on a wall, or float (warned)."""
    from shapely.geometry import Point, Polygon

    boundary = Polygon(floor).exterior
    foot = {o.id: o.footprint_polygon() for o in objects}
    out = []
    for o in objects:
        bottom, support = o.position[1], "floor"
        if bottom > 0.05:
            centre = Point(o.position[0], o.position[2])
            below = [p for p in objects if p is not o and abs(p.top - bottom) <= 0.05 and foot[p.id].contains(centre)]
            if below:
                support = max(below, key=lambda p: p.top).id
            elif category_info(o.category).support == "wall" or boundary.distance(foot[o.id]) <= 0.15:
                support = "wall"
            else:
                warn("floating_object", f"{o.id} floats {bottom:.2f} m above the floor with nothing below it")
        out.append(o.model_copy(update={"support": support}))
    return out


# -- the import -------------------------------------------------------------------------------


def _room_type(data: dict[str, Any], st: RoomPlanSettings, warn) -> str:
    if st.room_type:
        return st.room_type
    sections = data.get("sections")
    labels = []
    for s in sections if isinstance(sections, list) else []:
        label, _ = decode_enum(s.get("label") if isinstance(s, dict) else None)
        if label and label != "unidentified":
            labels.append(re.sub(r"(?<!^)(?=[A-Z])", "_", label).lower())
    if len(set(labels)) > 1:
        warn("several_sections", f"the capture has sections {sorted(set(labels))}; imported as one {labels[0]}")
    return labels[0] if labels else "room"


def read_roomplan(data: dict[str, Any], settings: RoomPlanSettings | None = None) -> RoomPlanImport:
    """Import a RoomPlan export; return the scene and every warning (also in scene.metadata)."""
    st = settings or RoomPlanSettings()
    warnings: list[RoomPlanWarning] = []
    if not isinstance(data, dict):
        raise SceneFormatError(f"a RoomPlan export is a JSON object, got {type(data).__name__}")
    if isinstance(data.get("rooms"), list):  # a CapturedStructure with rooms inside
        rooms = [r for r in data["rooms"] if isinstance(r, dict)]
        if not rooms:
            raise SceneFormatError("`rooms` holds no captured rooms")
        if len(rooms) > 1:
            warnings.append(RoomPlanWarning(code="several_rooms", where="rooms", message=f"{len(rooms)} rooms; imported rooms[0]"))
        data = rooms[0]

    def failure_with(message: str, problems: list[str] | None = None) -> SceneFormatError:
        skipped = [f"{w.where}: {w.message}" for w in warnings if w.code in ("element_skipped", "other_story")]
        return SceneFormatError(message, problems=[*(problems or []), *skipped] or None)

    def warner(where: str):
        return lambda code, message: warnings.append(RoomPlanWarning(code=code, where=where, message=message))

    walls = _elements(data, "walls", warnings)
    floors = _elements(data, "floors", warnings)
    surfaces = {key: _elements(data, key, warnings) for key in SURFACE_KINDS}
    objects = _elements(data, "objects", warnings)
    story = st.story
    if story is None:
        stories = [w.story for w in walls] or [0]
        story = max(set(stories), key=lambda s: (stories.count(s), -s))
    for group in (walls, floors, objects, *surfaces.values()):
        for e in [e for e in group if e.story != story]:
            warnings.append(RoomPlanWarning(code="other_story", where=e.where, message=f"on story {e.story}, not {story}; skipped"))
            group.remove(e)

    bottoms = [float(w.centre[1] - w.dims[1] / 2.0) for w in walls]
    if bottoms:
        floor_y = float(np.median(bottoms))
    elif floors:
        floor_y = float(floors[0].centre[1])
    elif objects:
        floor_y = min(float(o.centre[1] - o.dims[1] / 2.0) for o in objects)
    else:
        raise failure_with("the capture has no usable walls, floors or objects; nothing to import")
    heights = [float(w.dims[1]) for w in walls if w.dims[1] > 0.5]
    height = max(heights) if heights else st.default_height

    segments = []
    for w in walls:
        try:
            segments.append(_wall_segment(w, warner(w.where)))
        except _Skip as e:
            warnings.append(RoomPlanWarning(code="element_skipped", where=w.where, message=f"skipped: {e}"))
    points = None
    failure: SceneFormatError | None = None

    def reason_of(err: SceneFormatError | None) -> list[str]:
        return err.problems if err else [f"{len(segments)} usable wall(s); a room needs at least 3 walls that meet"]

    if len(segments) >= 2:
        try:
            points = _chain(segments, st, warner("walls"))
        except SceneFormatError as e:
            failure = e
    polygon = _clean_polygon(points) if points else []
    if points and not _usable(polygon):
        failure = SceneFormatError("bad outline", problems=["the walls form an outline that crosses itself or encloses under 0.5 m²"])
    if not _usable(polygon):
        fallback = _floor_surface_polygon(floors)
        if fallback is None:
            raise failure_with("cannot rebuild the floor polygon from the walls and the capture has no floor", reason_of(failure))
        warnings.append(RoomPlanWarning(code="floor_from_surface", where="floors[0]", message="floor outline taken from the scanned floor surface, not the walls"
                                        + (f" ({failure.problems[0]})" if failure else "")))
        polygon = _clean_polygon(fallback)
        if not _usable(polygon):
            raise failure_with("the scanned floor surface is not a usable outline either", reason_of(failure))

    frame = _Frame(yaw=_dominant_angle(polygon) if st.align else 0.0, floor_y=floor_y)
    floor = [frame.xz(x, z) for x, z in polygon]
    if st.align:
        x0, z0 = min(p[0] for p in floor), min(p[1] for p in floor)
        frame = _Frame(frame.yaw, floor_y, -x0, -z0)
        floor = [frame.xz(x, z) for x, z in polygon]
    floor = [(round(x, 6), round(z, 6)) for x, z in floor]
    if len(floor) >= 3 and signed_area(floor) < 0:
        floor.reverse()

    openings, opening_info = [], []
    for key, kind in SURFACE_KINDS.items():
        for e in surfaces[key]:
            made = _opening(e, kind, floor, frame, warner(e.where))
            if made:
                openings.append(made[0])
                opening_info.append({**made[1], "where": e.where})

    placed: list[SceneObject] = []
    counters: dict[str, int] = {}
    order = _CONFIDENCE[st.min_confidence]
    for e in objects:
        if e.confidence in _CONFIDENCE and _CONFIDENCE[e.confidence] < order:
            warnings.append(RoomPlanWarning(code="low_confidence", where=e.where, message=f"{e.category} has {e.confidence} confidence; skipped"))
            continue
        fields = _object(e, frame, st, warner(e.where))
        if fields is None:
            continue
        n = counters.get(fields["category"], 0) + 1
        try:
            placed.append(SceneObject(id=f"{fields['category']}_{n}", **fields))
        except ValidationError as err:
            problems = "; ".join(describe_validation_error(err, limit=3))
            warnings.append(RoomPlanWarning(code="element_skipped", where=e.where, message=f"skipped: {problems}"))
            continue
        counters[fields["category"]] = n
    placed = _assign_support(placed, floor, warner("objects"))

    capture = {k: data[k] for k in ("identifier", "version", "story") if k in data and isinstance(data[k], (str, int))}
    extra = {"roomplan": {"floor_y": round(floor_y, 6), "scene_from_capture": frame.matrix(),
                          "walls": [s.where for s in segments], "openings": opening_info, **capture}}
    try:
        room = Room(room_type=_room_type(data, st, warner("sections")), floor=floor, height=height, openings=openings, extra=extra)
        scene = Scene(room=room, objects=placed)
    except ValidationError as e:
        raise SceneFormatError("the imported room is not valid", problems=describe_validation_error(e)) from None
    metadata = {"source": "roomplan", "import_warnings": [w.model_dump() for w in warnings]}
    return RoomPlanImport(scene=scene.model_copy(update={"metadata": metadata}), warnings=warnings)


def load_roomplan(data: dict[str, Any]) -> Scene:
    """The dialect loader: default settings; warnings land in scene.metadata["import_warnings"]."""
    return read_roomplan(data).scene


DIALECT = Dialect("roomplan", is_roomplan, load_roomplan, None, "Apple RoomPlan CapturedRoom JSON export (import only)")

if DIALECT.name not in dialect_names():
    register_dialect(DIALECT)
