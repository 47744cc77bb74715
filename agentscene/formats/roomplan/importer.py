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
from typing import Any

import numpy as np
from pydantic import ValidationError

from agentscene.categories import category_info, match_category
from agentscene.formats.errors import SceneFormatError, describe_validation_error
from agentscene.formats.roomplan.capture import (
    Element,
    RoomPlanSettings,
    RoomPlanWarning,
    Skip,
    decode_enum,
    read_elements,
)
from agentscene.formats.roomplan.outline import (
    Segment,
    chain,
    clean_polygon,
    dominant_angle,
    floor_surface_polygon,
    usable,
    wall_segment,
)
from agentscene.geometry import normalize_yaw, rotation_matrix_y, signed_area, yaw_facing
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


@dataclass(frozen=True)
class RoomPlanImport:
    scene: Scene
    warnings: list[RoomPlanWarning]


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


def _opening(e: Element, kind: str, floor: list[tuple[float, float]], frame: _Frame, warn) -> tuple[Opening, dict] | None:
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
    if width < 0.01 or height < 0.01:
        warn("opening_degenerate", f"{kind} is {width:.3g} m wide and {height:.3g} m high; dropped")
        return None
    sill = max(0.0, float(e.centre[1] - height / 2.0 - frame.floor_y))
    if kind == "door" and sill < 0.1:
        sill = 0.0
    try:
        op = Opening(kind=kind, wall=wall, offset=round(offset, 6), width=round(min(width, length), 6),
                     height=round(height, 6), sill=round(sill, 6))
    except ValidationError as err:
        warn("opening_degenerate", f"{kind} dropped: " + "; ".join(describe_validation_error(err, limit=3)))
        return None
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


def _object(e: Element, frame: _Frame, st: RoomPlanSettings, warn) -> dict[str, Any] | None:
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
    yaw = normalize_yaw(round(yaw_facing(float(front[0]), float(front[2])) + frame.yaw, 4))
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


class _Log:
    """Collects warnings; `at(where)` gives the `warn(code, message)` callback the helpers take."""

    def __init__(self) -> None:
        self.items: list[RoomPlanWarning] = []

    def add(self, code: str, where: str, message: str) -> None:
        self.items.append(RoomPlanWarning(code=code, where=where, message=message))

    def at(self, where: str):
        return lambda code, message: self.add(code, where, message)

    def failure(self, message: str, problems: list[str] | None = None) -> SceneFormatError:
        skipped = [f"{w.where}: {w.message}" for w in self.items if w.code in ("element_skipped", "other_story")]
        return SceneFormatError(message, problems=[*(problems or []), *skipped] or None)


def _outline(walls: list[Element], floors: list[Element], st: RoomPlanSettings, log: _Log) -> tuple[list, list[Segment]]:
    """The floor polygon (capture x, z) from the walls, else from the scanned floor surface."""
    segments = []
    for w in walls:
        try:
            segments.append(wall_segment(w, log.at(w.where)))
        except Skip as e:
            log.add("element_skipped", w.where, f"skipped: {e}")
    reason = [f"{len(segments)} usable wall(s); a room needs at least 3 walls that meet"]
    polygon: list[tuple[float, float]] = []
    if len(segments) >= 2:
        try:
            polygon = clean_polygon(chain(segments, st, log.at("walls")))
            if not usable(polygon):
                reason = ["the walls form an outline that crosses itself or encloses under 0.5 m²"]
        except SceneFormatError as e:
            reason = e.problems
    if usable(polygon):
        return polygon, segments
    fallback = floor_surface_polygon(floors)
    if fallback is None:
        raise log.failure("cannot rebuild the floor polygon from the walls and the capture has no floor", reason)
    log.add("floor_from_surface", "floors[0]", f"floor outline taken from the scanned floor surface, not the walls ({reason[0]})")
    polygon = clean_polygon(fallback)
    if not usable(polygon):
        raise log.failure("the scanned floor surface is not a usable outline either", reason)
    return polygon, segments


def _place_objects(objects: list[Element], floor: list, frame: _Frame, st: RoomPlanSettings, log: _Log) -> list[SceneObject]:
    placed: list[SceneObject] = []
    counters: dict[str, int] = {}
    for e in objects:
        if e.confidence in _CONFIDENCE and _CONFIDENCE[e.confidence] < _CONFIDENCE[st.min_confidence]:
            log.add("low_confidence", e.where, f"{e.category} has {e.confidence} confidence; skipped")
            continue
        fields = _object(e, frame, st, log.at(e.where))
        if fields is None:
            continue
        n = counters.get(fields["category"], 0) + 1
        try:
            placed.append(SceneObject(id=f"{fields['category']}_{n}", **fields))
        except ValidationError as err:
            log.add("element_skipped", e.where, "skipped: " + "; ".join(describe_validation_error(err, limit=3)))
            continue
        counters[fields["category"]] = n
    return _assign_support(placed, floor, log.at("objects"))


def read_roomplan(data: dict[str, Any], settings: RoomPlanSettings | None = None) -> RoomPlanImport:
    """Import a RoomPlan export; return the scene and every warning (also in scene.metadata)."""
    st = settings or RoomPlanSettings()
    log = _Log()
    if not isinstance(data, dict):
        raise SceneFormatError(f"a RoomPlan export is a JSON object, got {type(data).__name__}")
    if isinstance(data.get("rooms"), list):  # a CapturedStructure with rooms inside
        rooms = [r for r in data["rooms"] if isinstance(r, dict)]
        if not rooms:
            raise SceneFormatError("`rooms` holds no captured rooms")
        if len(rooms) > 1:
            log.add("several_rooms", "rooms", f"{len(rooms)} rooms; imported rooms[0]")
        data = rooms[0]

    walls, floors, objects = (read_elements(data, key, log.items) for key in ("walls", "floors", "objects"))
    surfaces = {key: read_elements(data, key, log.items) for key in SURFACE_KINDS}
    story = st.story
    if story is None:
        stories = [w.story for w in walls] or [0]
        story = max(set(stories), key=lambda s: (stories.count(s), -s))
    for group in (walls, floors, objects, *surfaces.values()):
        for e in [e for e in group if e.story != story]:
            log.add("other_story", e.where, f"on story {e.story}, not {story}; skipped")
            group.remove(e)

    if walls:
        floor_y = float(np.median([w.centre[1] - w.dims[1] / 2.0 for w in walls]))
    elif floors:
        floor_y = float(floors[0].centre[1])
    elif objects:
        floor_y = min(float(o.centre[1] - o.dims[1] / 2.0) for o in objects)
    else:
        raise log.failure("the capture has no usable walls, floors or objects; nothing to import")
    heights = [float(w.dims[1]) for w in walls if w.dims[1] > 0.5]
    polygon, segments = _outline(walls, floors, st, log)

    frame = _Frame(yaw=dominant_angle(polygon) if st.align else 0.0, floor_y=floor_y)
    if st.align:
        turned = [frame.xz(x, z) for x, z in polygon]
        frame = _Frame(frame.yaw, floor_y, -min(p[0] for p in turned), -min(p[1] for p in turned))
    floor = [(round(x, 6), round(z, 6)) for x, z in (frame.xz(x, z) for x, z in polygon)]
    if signed_area(floor) < 0:
        floor.reverse()

    openings, opening_info = [], []
    for key, kind in SURFACE_KINDS.items():
        for e in surfaces[key]:
            made = _opening(e, kind, floor, frame, log.at(e.where))
            if made:
                openings.append(made[0])
                opening_info.append({**made[1], "where": e.where})
    placed = _place_objects(objects, floor, frame, st, log)

    capture = {k: data[k] for k in ("identifier", "version", "story") if k in data and isinstance(data[k], (str, int))}
    extra = {"roomplan": {"floor_y": round(floor_y, 6), "scene_from_capture": frame.matrix(),
                          "walls": [s.where for s in segments], "openings": opening_info, **capture}}
    try:
        room = Room(room_type=_room_type(data, st, log.at("sections")), floor=floor,
                    height=max(heights) if heights else st.default_height, openings=openings, extra=extra)
        scene = Scene(room=room, objects=placed, metadata={"source": "roomplan", "import_warnings": []})
    except ValidationError as e:
        raise log.failure("the imported room is not valid", describe_validation_error(e)) from None
    metadata = {"source": "roomplan", "import_warnings": [w.model_dump() for w in log.items]}
    return RoomPlanImport(scene=scene.model_copy(update={"metadata": metadata}), warnings=list(log.items))
