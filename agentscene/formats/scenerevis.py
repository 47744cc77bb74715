"""SceneReVis scene JSON (flat and grouped) and ReSpace's flat JSON, both directions, lossless.

Flat: `room_type`, `room_id`, `bounds_top`, `bounds_bottom` ([x, y, z] polygons), `objects[]`
with `desc`, `size`, `pos` (bottom centre), `rot` (quaternion [x, y, z, w], yaw only), `jid`,
optional `asset_source`, `retrieved_size`, `uid`. Grouped: `room_envelope` {bounds_top,
bounds_bottom} and `groups[]` {group_name, group_type, description, objects}. ReSpace adds
`sampled_asset_jid`, `sampled_asset_desc`, `sampled_asset_size` and `uuid` to objects.

What the native model has no field for goes to `Room.extra` / `SceneObject.extra`. Native
fields the dialect lacks (`id`, `category`, `support`) are written only when they differ
from what import would derive, so both round trips (dialect → native → dialect and
native → dialect → native) give back what went in.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import ValidationError

from agentscene.categories import category_info, infer_category
from agentscene.formats.errors import SceneFormatError, describe_validation_error
from agentscene.geometry import (
    normalize_yaw,
    quaternion_to_yaw,
    signed_area,
    yaw_to_quaternion,
)
from agentscene.scene import Asset, IdAllocator, Room, Scene, SceneObject

DEFAULT_GROUP = "main_group"
_ROOM_KEYS = {"room_type", "room_id", "bounds_top", "bounds_bottom", "objects", "room_envelope", "groups",
              "openings", "metadata"}
_DEFAULT_GROUP_DEF = {"group_name": DEFAULT_GROUP, "group_type": "functional_area",
                      "description": "Main functional area containing all objects"}
_OBJ_KEYS = {"desc", "size", "pos", "rot", "jid", "uid", "asset_source", "retrieved_size", "id", "category", "support"}
_RESPACE_OBJ_KEYS = ("sampled_asset_jid", "sampled_asset_size", "sampled_asset_desc", "uuid")
#: dialect keys kept verbatim in `extra` when the native asset does not hold them
_PASSTHROUGH = ("jid", "uid", "asset_source", "retrieved_size", *_RESPACE_OBJ_KEYS)
#: bookkeeping keys in `extra` that are never written out as such
_INTERNAL = {"no_desc", "no_rot", "raw_rot", "asset_key", "size_key", "group"}


# -- detection -----------------------------------------------------------------------------


def _objects_of(data: dict[str, Any]) -> list[Any]:
    objs = data.get("objects")
    return objs if isinstance(objs, list) else []


def is_grouped(data: dict[str, Any]) -> bool:
    return isinstance(data.get("room_envelope"), dict) or isinstance(data.get("groups"), list)


def is_flat(data: dict[str, Any]) -> bool:
    return "bounds_bottom" in data and "room" not in data and not is_grouped(data)


def is_respace(data: dict[str, Any]) -> bool:
    return is_flat(data) and any(
        isinstance(o, dict) and _RESPACE_OBJ_KEYS & o.keys() for o in _objects_of(data)
    )


# -- import -------------------------------------------------------------------------------


def _fail(where: str, problem: str) -> SceneFormatError:
    return SceneFormatError(f"{where}: {problem}")


def _vec(value: Any, n: int, where: str) -> list[float]:
    if not isinstance(value, (list, tuple)) or len(value) != n:
        raise _fail(where, f"expected a list of {n} numbers, got {value!r}"[:200])
    out = []
    for i, v in enumerate(value):
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise _fail(f"{where}[{i}]", f"expected a number, got {v!r}"[:200])
        if not math.isfinite(v):
            raise _fail(f"{where}[{i}]", f"must be finite, got {v!r}")
        out.append(float(v))
    return out


def _polygon(value: Any, where: str) -> list[list[float]]:
    if not isinstance(value, list) or len(value) < 3:
        raise _fail(where, "expected a list of at least 3 [x, y, z] vertices")
    return [_vec(v, 3, f"{where}[{i}]") for i, v in enumerate(value)]


def _room_from(data: dict[str, Any], envelope: dict[str, Any], unknown: dict[str, Any]) -> tuple[Room, float]:
    if "bounds_bottom" not in envelope:
        raise _fail("bounds_bottom", "required field is missing")
    bottom = _polygon(envelope["bounds_bottom"], "bounds_bottom")
    floor_y = min(v[1] for v in bottom)
    top = _polygon(envelope["bounds_top"], "bounds_top") if "bounds_top" in envelope else None
    height = (max(v[1] for v in top) - floor_y) if top else 2.8
    floor = [(v[0], v[2]) for v in bottom]
    extra: dict[str, Any] = {}
    if "room_id" in data:
        extra["room_id"] = data["room_id"]
    if floor_y != 0.0:
        extra["floor_y"] = floor_y
    if top is None:
        extra["no_bounds_top"] = True
    if unknown:
        extra["unknown"] = unknown
    try:
        room = Room(room_type=str(data.get("room_type", "room")), floor=floor, height=height, extra=extra,
                    openings=data.get("openings", ()))
    except ValidationError as e:
        raise SceneFormatError("invalid room", problems=describe_validation_error(e)) from None
    # keep the verbatim bounds when regenerating them would not give the same lists back
    raw = {"bounds_bottom": envelope["bounds_bottom"]}
    if top is not None:
        raw["bounds_top"] = envelope["bounds_top"]
    if _bounds(room, floor_y) != raw:
        room = room.model_copy(update={"extra": {**room.extra, "raw_bounds": raw}})
    return room, floor_y


def _bounds(room: Room, floor_y: float) -> dict[str, Any]:
    top_y = floor_y + room.height
    return {
        "bounds_bottom": [[x, floor_y, z] for x, z in room.floor],
        "bounds_top": [[x, top_y, z] for x, z in room.floor],
    }


def _object_from(raw: Any, k: int, floor_y: float, taken: IdAllocator, respace: bool) -> SceneObject:
    where = f"objects[{k}]"
    if not isinstance(raw, dict):
        raise _fail(where, f"expected an object, got {type(raw).__name__}")
    extra = {key: val for key, val in raw.items() if key not in _OBJ_KEYS and key not in _RESPACE_OBJ_KEYS}
    desc = raw.get("desc")
    if desc is None:
        extra["no_desc"] = True
        desc = raw.get("sampled_asset_desc") or raw.get("jid") or "object"
    if not isinstance(desc, str):
        raise _fail(f"{where}.desc", f"expected text, got {desc!r}"[:200])
    if "size" not in raw:
        raise _fail(f"{where}.size", "required field is missing")
    size = _vec(raw["size"], 3, f"{where}.size")
    if "pos" not in raw:
        raise _fail(f"{where}.pos", "required field is missing")
    pos = _vec(raw["pos"], 3, f"{where}.pos")
    pos[1] -= floor_y
    yaw = 0.0
    if "rot" in raw:
        rot = _vec(raw["rot"], 4, f"{where}.rot")
        try:
            yaw = quaternion_to_yaw(rot)
        except ValueError as e:
            raise _fail(f"{where}.rot", str(e)) from None
        if _rot_out(yaw) != raw["rot"]:
            extra["raw_rot"] = raw["rot"]
    else:
        extra["no_rot"] = True

    asset = None
    default_jid, default_size = ("sampled_asset_jid", "sampled_asset_size") if respace else ("jid", "retrieved_size")
    jid_key = next((k for k in (default_jid, "jid", "uid") if raw.get(k) is not None), None)
    size_key = next((k for k in (default_size, "retrieved_size") if raw.get(k) is not None), None)
    if jid_key is not None:
        jid = raw[jid_key]
        if not isinstance(jid, str):
            raise _fail(f"{where}.{jid_key}", f"expected text, got {jid!r}"[:200])
        retrieved = _vec(raw[size_key], 3, f"{where}.{size_key}") if size_key else None
        source = raw.get("asset_source")
        if source is not None and not isinstance(source, str):
            raise _fail(f"{where}.asset_source", f"expected text, got {source!r}"[:200])
        asset = Asset(source=source, asset_id=jid, retrieved_size=tuple(retrieved) if retrieved else None)
        if jid_key != default_jid:
            extra["asset_key"] = jid_key
        if size_key is not None and size_key != default_size:
            extra["size_key"] = size_key
        used = {jid_key, size_key, "asset_source"}
    else:
        used = set()
    for key in _PASSTHROUGH:
        if key in raw and key not in used:
            extra[key] = raw[key]

    category = raw.get("category") or infer_category(desc)
    obj_id = raw.get("id") if isinstance(raw.get("id"), str) and raw["id"] not in taken else None
    obj_id = obj_id or taken.next_id(category)
    support = raw.get("support") or category_info(category).support
    try:
        return SceneObject(
            id=obj_id, description=desc, category=category, size=tuple(size), position=tuple(pos),
            yaw=yaw, asset=asset, support=support, extra=extra,
        )
    except ValidationError as e:
        raise SceneFormatError(f"invalid {where}", problems=[f"{where}.{p}" for p in describe_validation_error(e)]) from None


def _rot_out(yaw: float) -> list[float]:
    return list(yaw_to_quaternion(yaw))


def _load(data: dict[str, Any], *, grouped: bool, respace: bool) -> Scene:
    if not isinstance(data, dict):
        raise SceneFormatError(f"expected a JSON object, got {type(data).__name__}")
    unknown = {k: v for k, v in data.items() if k not in _ROOM_KEYS}
    envelope = data.get("room_envelope", {}) if grouped else data
    if grouped and not isinstance(envelope, dict):
        raise _fail("room_envelope", "expected an object with bounds_top and bounds_bottom")
    room, floor_y = _room_from(data, envelope, unknown)

    entries: list[tuple[Any, str | None]] = []
    if grouped:
        groups = data.get("groups", [])
        if not isinstance(groups, list):
            raise _fail("groups", "expected a list")
        group_defs = []
        for g, group in enumerate(groups):
            if not isinstance(group, dict):
                raise _fail(f"groups[{g}]", "expected an object")
            members = group.get("objects", [])
            if not isinstance(members, list):
                raise _fail(f"groups[{g}].objects", "expected a list")
            name = group.get("group_name", f"group_{g}")
            group_defs.append({k: v for k, v in group.items() if k != "objects"})
            entries.extend((m, str(name)) for m in members)
        if group_defs != [_DEFAULT_GROUP_DEF]:  # the one group we write for ungrouped scenes
            room = room.model_copy(update={"extra": {**room.extra, "groups": group_defs}})
        else:
            entries = [(m, None) for m, _ in entries]
    else:
        objs = data.get("objects", [])
        if not isinstance(objs, list):
            raise _fail("objects", "expected a list")
        entries = [(o, None) for o in objs]

    metadata = data.get("metadata", {})
    if not isinstance(metadata, dict):
        raise _fail("metadata", "expected an object")
    try:
        scene = Scene(room=room, metadata=metadata)
    except ValidationError as e:
        raise SceneFormatError("invalid scene", problems=describe_validation_error(e)) from None
    objects: list[SceneObject] = []
    taken = IdAllocator()  # ids are assigned in order from those assigned so far, in O(1) each
    for k, (raw, group) in enumerate(entries):
        obj = _object_from(raw, k, floor_y, taken, respace)
        if group is not None:
            obj = obj.model_copy(update={"extra": {**obj.extra, "group": group}})
        objects.append(obj)
        taken.add(obj.id)
    try:
        return scene.with_objects(objects)
    except ValidationError as e:
        raise SceneFormatError("invalid scene", problems=describe_validation_error(e)) from None


def load_flat(data: dict[str, Any]) -> Scene:
    return _load(data, grouped=False, respace=False)


def load_grouped(data: dict[str, Any]) -> Scene:
    return _load(data, grouped=True, respace=False)


def load_respace(data: dict[str, Any]) -> Scene:
    return _load(data, grouped=False, respace=True)


# -- export -------------------------------------------------------------------------------


def _room_out(scene: Scene) -> tuple[dict[str, Any], float]:
    room = scene.room
    floor_y = float(room.extra.get("floor_y", 0.0))
    out: dict[str, Any] = {"room_type": room.room_type}
    if "room_id" in room.extra:
        out["room_id"] = room.extra["room_id"]
    bounds = _bounds(room, floor_y)
    raw = room.extra.get("raw_bounds")
    if isinstance(raw, dict) and _raw_bounds_match(raw, room, floor_y):
        bounds = dict(raw)
    if room.extra.get("no_bounds_top") and room.height == 2.8:
        bounds.pop("bounds_top", None)
    out["bounds_top"] = bounds.get("bounds_top")
    out["bounds_bottom"] = bounds["bounds_bottom"]
    if out["bounds_top"] is None:
        del out["bounds_top"]
    if room.openings:
        out["openings"] = [op.model_dump(mode="json") for op in room.openings]
    if scene.metadata:
        out["metadata"] = scene.metadata
    out.update(room.extra.get("unknown", {}))
    return out, floor_y


def _raw_bounds_match(raw: dict[str, Any], room: Room, floor_y: float) -> bool:
    """Do the stored verbatim bounds still describe this room (it was not edited)?"""
    try:
        bottom = [(float(v[0]), float(v[2])) for v in raw["bounds_bottom"]]
        ys = [float(v[1]) for v in raw["bounds_bottom"]]
        tops = [float(v[1]) for v in raw.get("bounds_top", [])]
    except (KeyError, TypeError, IndexError, ValueError):
        return False
    if len(bottom) >= 2 and bottom[0] == bottom[-1]:
        bottom = bottom[:-1]
    if signed_area(bottom) < 0:
        bottom.reverse()
    height_ok = (not tops) or math.isclose(max(tops) - min(ys), room.height, abs_tol=1e-9)
    return bottom == list(room.floor) and math.isclose(min(ys), floor_y, abs_tol=1e-12) and height_ok


def _object_out(obj: SceneObject, derived_id: str, floor_y: float, respace: bool) -> dict[str, Any]:
    extra = obj.extra
    out: dict[str, Any] = {}
    if not extra.get("no_desc"):
        out["desc"] = obj.description
    out["size"] = list(obj.size)
    out["pos"] = [obj.position[0], obj.position[1] + floor_y, obj.position[2]]
    if not (extra.get("no_rot") and obj.yaw == 0.0):
        raw_rot = extra.get("raw_rot")
        if raw_rot is not None and _same_yaw(raw_rot, obj.yaw):
            out["rot"] = raw_rot
        else:
            out["rot"] = _rot_out(obj.yaw)
    default_jid, default_size = ("sampled_asset_jid", "sampled_asset_size") if respace else ("jid", "retrieved_size")
    if obj.asset is not None:
        key = extra.get("asset_key", default_jid)
        out[key] = obj.asset.asset_id
        if obj.asset.source is not None:
            out["asset_source"] = obj.asset.source
        if obj.asset.retrieved_size is not None:
            out[extra.get("size_key", default_size)] = list(obj.asset.retrieved_size)
    for key in _PASSTHROUGH:
        if key in extra and key not in out:
            out[key] = extra[key]
    if obj.id != derived_id:
        out["id"] = obj.id
    if obj.category != infer_category(obj.description):
        out["category"] = obj.category
    if obj.support != category_info(obj.category).support:
        out["support"] = obj.support
    out.update({k: v for k, v in extra.items() if k not in _INTERNAL and k not in _PASSTHROUGH})
    return out


def _same_yaw(raw_rot: Any, yaw: float) -> bool:
    try:
        return math.isclose(normalize_yaw(quaternion_to_yaw(raw_rot) - yaw), 0.0, abs_tol=1e-9)
    except (ValueError, TypeError):
        return False


def _objects_out(scene: Scene, floor_y: float, respace: bool) -> list[dict[str, Any]]:
    """Objects in dialect form, deriving ids exactly as import would, to know which to write."""
    taken = IdAllocator()
    out = []
    for obj in scene.objects:
        out.append(_object_out(obj, taken.next_id(obj.category), floor_y, respace))
        taken.add(obj.id)  # import assigns ids in order from what it has assigned so far
    return out


def dump_flat(scene: Scene) -> dict[str, Any]:
    out, floor_y = _room_out(scene)
    out["objects"] = _objects_out(scene, floor_y, respace=False)
    return out


def dump_respace(scene: Scene) -> dict[str, Any]:
    out, floor_y = _room_out(scene)
    out["objects"] = _objects_out(scene, floor_y, respace=True)
    return out


def dump_grouped(scene: Scene) -> dict[str, Any]:
    flat, floor_y = _room_out(scene)
    out: dict[str, Any] = {k: v for k, v in flat.items() if k not in ("bounds_top", "bounds_bottom")}
    envelope = {"bounds_top": flat.get("bounds_top"), "bounds_bottom": flat["bounds_bottom"]}
    if envelope["bounds_top"] is None:
        del envelope["bounds_top"]
    objects = _objects_out(scene, floor_y, respace=False)
    defs = [dict(g) for g in scene.room.extra.get("groups", []) if isinstance(g, dict)]
    names = [str(g.get("group_name")) for g in defs]
    members: dict[str, list[dict[str, Any]]] = {n: [] for n in names}
    for obj, data in zip(scene.objects, objects, strict=True):
        group = str(obj.extra.get("group", DEFAULT_GROUP))
        if group not in members:
            members[group] = []
            defs.append(dict(_DEFAULT_GROUP_DEF) if group == DEFAULT_GROUP else
                        {"group_name": group, "group_type": "functional_area", "description": ""})
        members[group].append(data)
    out["room_envelope"] = envelope
    out["groups"] = [{**g, "objects": members[str(g.get("group_name"))]} for g in defs]
    # keep key order close to SceneReVis files: room info, envelope, groups
    return {k: out[k] for k in ("room_type", "room_id") if k in out} | {
        k: v for k, v in out.items() if k not in ("room_type", "room_id")
    }
