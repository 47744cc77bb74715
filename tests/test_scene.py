from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from agentscene.geometry import (
    TiltError,
    footprint_corners,
    normalize_yaw,
    quaternion_to_yaw,
    yaw_to_quaternion,
)
from agentscene.meshes import pose_matrix
from agentscene.scene import Room, Scene, SceneObject


def obj(id="chair_1", **kw):
    base = dict(id=id, description="a chair", category="chair", size=(0.5, 0.9, 0.5), position=(1.0, 0.0, 1.0))
    base.update(kw)
    return SceneObject(**base)


SQUARE = [(0, 0), (4, 0), (4, 3), (0, 3)]


def test_clockwise_floor_is_normalised_to_counter_clockwise():
    room = Room(floor=list(reversed(SQUARE)))
    assert room.floor == ((0.0, 0.0), (4.0, 0.0), (4.0, 3.0), (0.0, 3.0))  # the clockwise input, reversed
    # counter-clockwise means positive shoelace area
    from agentscene.geometry import signed_area

    assert signed_area(room.floor) > 0
    assert room.area == pytest.approx(12.0)


def test_closing_vertex_is_dropped():
    room = Room(floor=SQUARE + [SQUARE[0]])
    assert len(room.floor) == 4


@pytest.mark.parametrize(
    "floor, words",
    [
        ([(0, 0), (2, 2), (2, 0), (0, 1)], "not simple"),  # bow tie
        ([(0, 0), (1, 0)], "at least 3"),
        ([(0, 0), (1, 0), (2, 0)], "zero area"),
        ([(0, 0), (1, 0), (1, 0), (0, 1)], "same point"),
        ([(0, 0), (float("nan"), 0), (1, 1)], "finite"),
    ],
)
def test_bad_floors_are_errors(floor, words):
    with pytest.raises(ValidationError) as e:
        Room(floor=floor)
    assert words in str(e.value)


def test_l_shaped_room_area_and_bounds():
    room = Room(floor=[(0, 0), (7, 0), (7, 3.5), (3.5, 3.5), (3.5, 6), (0, 6)])
    assert room.area == pytest.approx(7 * 3.5 + 3.5 * 2.5)
    assert room.bounds == (0, 0, 7, 6)


@pytest.mark.parametrize(
    "field, value, words",
    [
        ("size", (0.5, 0.0, 0.5), "greater than 0"),
        ("size", (0.5, -1, 0.5), "greater than 0"),
        ("position", (1.0, float("inf"), 1.0), "finite"),
        ("position", (1e9, 0, 0), "within"),
        ("yaw", float("nan"), "finite"),
        ("id", "bad id with spaces", "ids are"),
        ("id", "", "ids are"),
    ],
)
def test_object_validation(field, value, words):
    with pytest.raises(ValidationError) as e:
        obj(**{field: value})
    assert words in str(e.value)


def test_unique_ids_and_support_references():
    room = Room(floor=SQUARE)
    with pytest.raises(ValidationError, match="duplicate id"):
        Scene(room=room, objects=[obj(), obj()])
    with pytest.raises(ValidationError, match="support"):
        Scene(room=room, objects=[obj(support="table_9")])
    ok = Scene(room=room, objects=[obj("table_1"), obj("lamp_1", support="table_1")])
    assert ok["lamp_1"].support == "table_1"


def test_frozen_and_edits_return_new_scenes(bedroom):
    with pytest.raises(ValidationError):
        bedroom.room = None  # type: ignore[misc]
    moved = bedroom.replace_object(bedroom["desk_1"].model_copy(update={"position": (1.0, 0.0, 0.3)}))
    assert moved is not bedroom
    assert bedroom["desk_1"].position == (0.9, 0.0, 0.3)
    assert moved["desk_1"].position == (1.0, 0.0, 0.3)


def test_lookup_helpers(bedroom):
    assert bedroom.get("bed_1").category == "bed"
    assert bedroom.get("nope") is None
    assert bedroom.index_of("wardrobe_1") == 3
    with pytest.raises(KeyError, match="ids: bed_1"):
        bedroom["sofa_1"]
    assert [o.id for o in bedroom.by_category("nightstand")] == ["nightstand_1", "nightstand_2"]
    assert bedroom.next_id("nightstand") == "nightstand_3"
    assert bedroom.next_id("sofa") == "sofa_1"
    assert bedroom.next_id("Office Chair") == "office_chair_2"


def test_footprint_of_rotated_object():
    o = obj(size=(2.0, 1.0, 1.0), position=(0.0, 0.0, 0.0), yaw=90)
    xs = sorted(round(p[0], 9) for p in o.footprint())
    zs = sorted(round(p[1], 9) for p in o.footprint())
    # rotated by 90 degrees, the 2 m width runs along z
    assert xs[0] == -0.5 and xs[-1] == 0.5
    assert zs[0] == -1.0 and zs[-1] == 1.0
    assert o.footprint_polygon().area == pytest.approx(2.0)
    corners = o.box_corners()
    assert corners.shape == (8, 3)
    assert corners[:, 1].max() == pytest.approx(1.0)


def test_front_direction_convention():
    # yaw 0 faces +z, yaw 90 faces +x: the front edge centre of a 1x1 box moves accordingly
    for yaw, (fx, fz) in [(0, (0, 1)), (90, (1, 0)), (180, (0, -1)), (-90, (-1, 0))]:
        o = obj(size=(1.0, 1.0, 1.0), position=(0.0, 0.0, 0.0), yaw=yaw)
        front = pose_matrix(o)[:3, :3] @ [0, 0, 1]
        assert front[0] == pytest.approx(fx, abs=1e-9) and front[2] == pytest.approx(fz, abs=1e-9)


@pytest.mark.parametrize("yaw", [0, 30, 90, 179.9, 180, -90, -179.5, 45.25])
def test_quaternion_yaw_round_trip(yaw):
    q = yaw_to_quaternion(yaw)
    assert quaternion_to_yaw(q) == pytest.approx(normalize_yaw(yaw), abs=1e-9)
    # the negated quaternion is the same rotation
    assert normalize_yaw(quaternion_to_yaw([-c for c in q]) - yaw) == pytest.approx(0, abs=1e-9)


def test_tilted_quaternion_is_refused():
    s = math.sin(math.radians(20) / 2)
    with pytest.raises(TiltError):
        quaternion_to_yaw([s, 0, 0, math.cos(math.radians(20) / 2)])
    with pytest.raises(ValueError):
        quaternion_to_yaw([0, 0, 0, 0])


def test_normalize_yaw_range():
    assert normalize_yaw(540) == 180
    assert normalize_yaw(-180) == 180
    assert normalize_yaw(-0.0) == 0.0 and math.copysign(1, normalize_yaw(-0.0)) == 1
    assert normalize_yaw(721) == pytest.approx(1)


def test_footprint_corners_are_ccw():
    from agentscene.geometry import signed_area

    for yaw in (0, 33, 90, 200, -45):
        assert signed_area(footprint_corners((1, 0, 2), (1.0, 1.0, 0.5), yaw)) > 0
