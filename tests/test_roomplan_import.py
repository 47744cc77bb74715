"""RoomPlan import on the three fixture captures: geometry, frames, openings, categories, encodings."""

from __future__ import annotations

import copy
import json
import math
import random
from pathlib import Path

import numpy as np
import pytest

from agentscene.formats import dialect_names, load_scene
from agentscene.formats import roomplan as rp
from agentscene.geometry import normalize_yaw, rotation_matrix_y

DATA = Path(__file__).parent / "data" / "roomplan"
CAPTURES = ["bedroom.json", "living_room_L.json", "kitchen.json"]
EXPECTED = json.loads((DATA / "expected.json").read_text())


def capture(name: str) -> dict:
    return json.loads((DATA / name).read_text())


def read(data: dict, **settings) -> rp.RoomPlanImport:
    return rp.read_roomplan(data, rp.RoomPlanSettings(**settings))


def world_xz(exp: dict, x: float, z: float) -> tuple[float, float]:
    """Where the generator put a point of its own frame in the ARKit world (x, z)."""
    p = rotation_matrix_y(exp["frame_yaw"]) @ np.array([x, 0.0, z]) + np.array(exp["origin"])
    return float(p[0]), float(p[2])


def walls_of(floor) -> list[tuple]:
    return [(floor[i], floor[(i + 1) % len(floor)]) for i in range(len(floor))]


def opening_point(room, op) -> tuple[float, float]:
    (x0, z0), (x1, z1) = room.wall(op.wall)
    length = math.hypot(x1 - x0, z1 - z0)
    return x0 + (x1 - x0) * op.offset / length, z0 + (z1 - z0) * op.offset / length


@pytest.mark.parametrize("name", CAPTURES)
def test_room_outline_matches_the_scanned_walls(name):
    exp = EXPECTED[name]
    room = read(capture(name)).scene.room
    assert room.room_type == exp["room_type"]
    assert room.area == pytest.approx(exp["area"], abs=0.01)
    assert len(room.floor) == exp["vertices"]
    assert room.height == pytest.approx(exp["height"], abs=1e-4)
    # aligned: every wall runs along x or z, and the floor's bounds start at the origin
    for (x0, z0), (x1, z1) in walls_of(room.floor):
        assert min(abs(x1 - x0), abs(z1 - z0)) < 1e-4
    x0, z0, _, _ = room.bounds
    assert (x0, z0) == (pytest.approx(0.0, abs=1e-6), pytest.approx(0.0, abs=1e-6))


@pytest.mark.parametrize("name", CAPTURES)
def test_objects_land_exactly_where_captured_without_alignment(name):
    """align=False keeps ARKit's x/z: each object sits at the generator's pose in the capture frame."""
    exp = EXPECTED[name]
    scene = read(capture(name), align=False).scene
    assert len(scene.objects) == len(exp["layout"])
    for obj, (x, y, z, yaw) in zip(scene.objects, exp["layout"], strict=True):
        wx, wz = world_xz(exp, x, z)
        assert obj.position[0] == pytest.approx(wx, abs=2e-3), obj.id
        assert obj.position[2] == pytest.approx(wz, abs=2e-3), obj.id
        assert obj.position[1] == pytest.approx(y, abs=2e-3), obj.id  # bottom, floor moved to y = 0
        assert abs(normalize_yaw(obj.yaw - (yaw + exp["frame_yaw"]))) < 0.05, obj.id
    assert scene.room.extra["roomplan"]["floor_y"] == pytest.approx(exp["origin"][1], abs=1e-4)


@pytest.mark.parametrize("name", CAPTURES)
def test_alignment_is_rigid_and_recorded(name):
    """The aligned scene is the capture turned about +y and shifted; the stored matrix says how."""
    exp = EXPECTED[name]
    result = read(capture(name))
    m = np.array(result.scene.room.extra["roomplan"]["scene_from_capture"])
    assert np.allclose(m[:3, :3] @ m[:3, :3].T, np.eye(3), atol=1e-6) and m[1, 1] == pytest.approx(1.0)
    turn = math.degrees(math.atan2(m[0, 2], m[0, 0]))
    for obj, (x, y, z, yaw) in zip(result.scene.objects, exp["layout"], strict=True):
        wx, wz = world_xz(exp, x, z)
        p = m @ np.array([wx, exp["origin"][1] + y, wz, 1.0])
        assert p[:3] == pytest.approx(obj.position, abs=2e-3), obj.id
        assert abs(normalize_yaw(obj.yaw - (yaw + exp["frame_yaw"] + turn))) < 0.05
    # the turn is the smallest one that squares the room with the axes
    assert abs(turn) <= 45.0 + 1e-6
    assert abs(normalize_yaw(exp["frame_yaw"] + turn)) % 90.0 == pytest.approx(0.0, abs=1e-3) or \
        abs(normalize_yaw(exp["frame_yaw"] + turn)) % 90.0 == pytest.approx(90.0, abs=1e-3)


@pytest.mark.parametrize("name", CAPTURES)
def test_doors_windows_and_openings_keep_their_place(name):
    exp = EXPECTED[name]
    room = read(capture(name), align=False).scene.room
    kinds = {}
    for op in room.openings:
        kinds[op.kind] = kinds.get(op.kind, 0) + 1
    assert kinds == exp["openings"]
    for spec in exp["opening_specs"]:
        wx, wz = world_xz(exp, spec["x"], spec["z"])
        matches = [op for op in room.openings if op.kind == spec["kind"] and math.dist(opening_point(room, op), (wx, wz)) < 0.01]
        assert len(matches) == 1, spec
        op = matches[0]
        assert op.width == pytest.approx(spec["width"], abs=1e-3)
        assert op.height == pytest.approx(spec["height"], abs=1e-3)
        assert op.sill == pytest.approx(spec["sill"], abs=1e-3)
    info = room.extra["roomplan"]["openings"]
    assert all(i["identifier"] for i in info) and {i["kind"] for i in info} == set(exp["openings"])


@pytest.mark.parametrize("name", CAPTURES)
def test_categories_supports_and_provenance(name):
    exp = EXPECTED[name]
    result = read(capture(name))
    counts: dict[str, int] = {}
    for obj in result.scene.objects:
        counts[obj.category] = counts.get(obj.category, 0) + 1
        assert obj.extra["roomplan_id"] and obj.extra["roomplan_category"] in rp.OBJECT_CATEGORIES
        assert obj.extra["confidence"] in ("high", "medium")
    assert counts == exp["categories"]
    for obj_id, support in exp["supports"].items():
        assert result.scene[obj_id].support == support
    assert sorted({w.code for w in result.warnings}) == sorted(exp["warnings"])
    assert result.scene.metadata["import_warnings"] == [w.model_dump() for w in result.warnings]
    assert result.scene.metadata["source"] == "roomplan"


def _plain_enums(value):
    """The same capture as third-party exporters write it: enums as plain strings."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k in ("category", "confidence") and isinstance(v, dict) and len(v) == 1:
                out[k] = next(iter(v))
            else:
                out[k] = _plain_enums(v)
        return out
    if isinstance(value, list):
        return [_plain_enums(v) for v in value]
    return value


def _map_transforms(data: dict, fn) -> dict:
    data = copy.deepcopy(data)
    for key in ("walls", "doors", "windows", "openings", "objects", "floors"):
        for e in data.get(key, []):
            e["transform"] = fn(e["transform"])
    return data


def _same_scene(a, b) -> None:
    assert [p for p in a.room.floor] == [pytest.approx(p, abs=1e-6) for p in b.room.floor]
    assert [o.id for o in a.objects] == [o.id for o in b.objects]
    for oa, ob in zip(a.objects, b.objects, strict=True):
        assert oa.position == pytest.approx(ob.position, abs=1e-6)
        assert oa.yaw == pytest.approx(ob.yaw, abs=1e-6)
        assert oa.category == ob.category and oa.support == ob.support
    assert [o.model_dump() for o in a.room.openings] == [o.model_dump() for o in b.room.openings]


@pytest.mark.parametrize("name", CAPTURES)
def test_plain_string_enums_read_the_same(name):
    keyed = read(capture(name)).scene
    plain_data = _plain_enums(capture(name))
    assert isinstance(plain_data["objects"][0]["category"], str)
    _same_scene(read(plain_data).scene, keyed)


def test_transform_layouts_nested_columns_and_row_major():
    data = capture("living_room_L.json")
    reference = read(data).scene
    nested = _map_transforms(data, lambda t: [t[0:4], t[4:8], t[8:12], t[12:16]])
    _same_scene(read(nested).scene, reference)
    row_major = _map_transforms(data, lambda t: list(np.array(t).reshape(4, 4).T.reshape(-1)))
    result = read(row_major)
    _same_scene(result.scene, reference)
    assert "row_major_transform" in {w.code for w in result.warnings}


def test_wall_order_and_direction_do_not_matter():
    data = capture("living_room_L.json")
    reference = read(data).scene
    shuffled = copy.deepcopy(data)
    random.Random(3).shuffle(shuffled["walls"])
    for wall in shuffled["walls"][::2]:  # turn every other wall end for end: negate its x and z axes
        t = wall["transform"]
        wall["transform"] = [-t[0], t[1], -t[2], t[3], *t[4:8], -t[8], t[9], -t[10], t[11], *t[12:]]
    scene = read(shuffled).scene
    assert scene.room.area == pytest.approx(reference.room.area, abs=1e-6)
    assert sorted(scene.room.floor) == [pytest.approx(p, abs=1e-6) for p in sorted(reference.room.floor)]
    for a, b in zip(scene.objects, reference.objects, strict=True):
        assert a.position == pytest.approx(b.position, abs=1e-6)


def test_dialect_is_registered_and_detected():
    assert "roomplan" in dialect_names()
    for name in CAPTURES:
        assert rp.is_roomplan(capture(name))
        scene = load_scene(DATA / name)  # auto-detected
        assert scene.metadata["source"] == "roomplan"
    native = json.loads((DATA.parent / "scenes" / "bedroom_basic.json").read_text())
    assert not rp.is_roomplan(native)
    assert load_scene(DATA / "kitchen.json", dialect="roomplan").room.room_type == "kitchen"


def test_captured_structure_with_several_rooms_imports_the_first():
    data = {"rooms": [capture("kitchen.json"), capture("bedroom.json")]}
    assert rp.is_roomplan(data)
    result = read(data)
    assert result.scene.room.room_type == "kitchen"
    assert "several_rooms" in {w.code for w in result.warnings}


def test_story_filter_and_confidence_filter():
    data = capture("bedroom.json")
    data["objects"][0]["story"] = 1
    result = read(data)
    assert "bed" not in {o.category for o in result.scene.objects}
    assert any(w.code == "other_story" and w.where == "objects[0]" for w in result.warnings)
    full = read(capture("bedroom.json"))
    high = read(capture("bedroom.json"), min_confidence="high")
    medium = [o for o in full.scene.objects if o.extra["confidence"] == "medium"]
    assert medium, "the fixture has medium-confidence objects"
    assert len(high.scene.objects) == len(full.scene.objects) - len(medium)
    assert sum(w.code == "low_confidence" for w in high.warnings) == len(medium)


def test_category_mapping_and_attributes():
    assert rp.object_category("refrigerator") == ("fridge", "refrigerator", True)
    assert rp.object_category("washerDryer")[0] == "washing_machine"
    assert rp.object_category("stairs")[:2] == ("object", "staircase")
    assert rp.object_category("chair", ["ChairType.dining"])[0] == "dining_chair"
    assert rp.object_category("chair", {"ChairType": "swivel"})[0] == "office_chair"
    assert rp.object_category("sofa", [{"SofaType": "lShaped"}])[0] == "sectional_sofa"
    assert rp.object_category("table", ["coffee"])[0] == "coffee_table"
    assert rp.object_category("chair", ["ChairArmType.missing"])[0] == "chair"
    assert rp.object_category("piano") == ("piano", "piano", False)  # future categories: by keyword
    assert rp.object_category("floorLamp")[0] == "floor_lamp"
    assert rp.object_category("hotTub")[0] == "bathtub"
    assert rp.object_category("quantumFlux") == ("object", "quantum flux", False)
    from agentscene.categories import category_names

    known = set(category_names()) | {"object"}
    assert all(cat in known for cat, _ in rp.OBJECT_CATEGORIES.values())


def test_floor_surface_is_the_fallback_when_walls_are_missing():
    data = capture("kitchen.json")
    del data["walls"]
    data["doors"] = data["windows"] = []
    result = read(data)
    assert result.scene.room.area == pytest.approx(EXPECTED["kitchen.json"]["area"], abs=1e-3)
    assert "floor_from_surface" in {w.code for w in result.warnings}
    assert result.scene.room.height == rp.RoomPlanSettings().default_height


def test_decode_enum_both_encodings():
    assert rp.decode_enum("storage") == ("storage", {})
    assert rp.decode_enum({"door": {"isOpen": True}}) == ("door", {"isOpen": True})
    assert rp.decode_enum({"a": 1, "b": 2}) == (None, {})
    assert rp.decode_enum(None) == (None, {})
    assert rp.decode_enum({"wall": []}) == ("wall", {})
