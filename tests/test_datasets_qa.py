"""3D QA pairs: answers checked against hand computations and an independent re-computation."""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import Point

from agentscene.datasets import QUESTIONS, SceneIndex, bearing_side, synthesize_qa
from agentscene.datasets.qa import FAMILIES, NEAR, SIDE_MARGIN_DEG
from agentscene.datasets.spatial import noun, plural, with_article
from agentscene.formats import load_scene
from agentscene.scene import Opening, Room, Scene, SceneObject

SCENES = sorted((Path(__file__).parent / "data" / "scenes").glob("*.json"))


def O(oid, category, size, pos, yaw=0.0, support="floor"):  # noqa: E743
    return SceneObject(id=oid, description=noun(category), category=category, size=size,
                       position=pos if len(pos) == 3 else (pos[0], 0.0, pos[1]), yaw=yaw, support=support)


def hand_scene() -> Scene:
    """6 x 4 m room, door in the z = 0 wall at x = 1 (opening into +z), window in the z = 4 wall at x = 3."""
    room = Room(room_type="bedroom", floor=[(0, 0), (6, 0), (6, 4), (0, 4)], height=2.6,
                openings=[Opening(kind="door", wall=0, offset=1.0, width=0.9, height=2.0),
                          Opening(kind="window", wall=2, offset=3.0, width=1.2, height=1.2, sill=0.9)])
    return Scene(room=room, objects=[
        O("bed_1", "bed", (1.6, 0.5, 2.0), (4.5, 2.9), 180),          # x 3.7..5.3, z 1.9..3.9
        O("desk_1", "desk", (1.2, 0.75, 0.6), (0.9, 3.65), 180),      # x 0.3..1.5, z 3.35..3.95
        O("chair_1", "chair", (0.5, 0.9, 0.5), (0.9, 2.9), 0),
        O("chair_2", "chair", (0.5, 0.9, 0.5), (2.5, 1.0), 0),
        O("chair_3", "chair", (0.5, 0.9, 0.5), (2.5, 2.0), 0),
        O("armchair_1", "armchair", (0.85, 0.95, 0.85), (5.5, 0.6), -90),
        O("rug_1", "rug", (2.0, 0.01, 1.4), (2.5, 1.5)),
        O("table_lamp_1", "table_lamp", (0.3, 0.4, 0.3), (1.3, 0.75, 3.7), 0, support="desk_1"),
    ])


def test_hand_computed_geometry():
    scene = hand_scene()
    ix = SceneIndex(scene)
    assert ix.gap(scene["bed_1"], scene["desk_1"]) == pytest.approx(2.2)
    door = ix.anchors_of("door")[0]
    assert (door.x, door.z, door.inward) == (pytest.approx(1.0), pytest.approx(0.0), (pytest.approx(0.0), pytest.approx(1.0)))
    window = ix.anchors_of("window")[0]
    assert (window.x, window.z, window.inward[1]) == (pytest.approx(3.0), pytest.approx(4.0), pytest.approx(-1.0))
    assert ix.feet["bed_1"].distance(Point(1.0, 0.0)) == pytest.approx(math.hypot(2.7, 1.9))
    # standing in the doorway looking at the bed (toward +x), +z is on the right: the desk is right of the bed
    assert bearing_side(1.0, 0.3, 4.5, 2.9, 0.9, 3.65) == "right"
    # facing the bed's front (it faces -z), the armchair (+x side) is on the viewer's left, chair_3 on the right
    assert bearing_side(4.5, 0.4, 4.5, 2.9, 5.5, 0.6) == "left"
    assert bearing_side(4.5, 0.4, 4.5, 2.9, 2.5, 2.0) == "right"
    assert bearing_side(0, 0, 0, 5, 0.1, 10) is None  # nearly straight ahead
    assert bearing_side(0, 0, 0, 5, 0.1, -10) is None  # nearly straight behind
    assert ix.names["chair_1"] == "the chair nearest the desk"
    assert ix.names["bed_1"] == "the bed" and "rug_1" in ix.names
    assert ix.wall_sides() == {"north": 0, "east": 1, "south": 2, "west": 3}


def _expected(scene: Scene, ix: SceneIndex, pair) -> object:
    """Recompute an answer from the question's stated definition, independently of qa.py."""
    q = pair.question
    if pair.kind == "count":
        cats = pair.meta["categories"]
        if cats in (["door"], ["window"]):
            return sum(op.kind == cats[0] for op in scene.room.openings)
        return sum(o.category in cats for o in scene.objects)
    if pair.kind == "distance":
        named = [scene[t] for t in pair.targets]
        assert all(ix.names[o.id] in q for o in named)
        if pair.meta["metric"] in ("footprint_gap", "centre_to_centre"):
            a, b = named
        if pair.meta["metric"] == "footprint_gap":
            return round(a.footprint_polygon().distance(b.footprint_polygon()), 2)
        if pair.meta["metric"] == "centre_to_centre":
            return round(math.dist((a.position[0], a.position[2]), (b.position[0], b.position[2])), 2)
        (obj,) = named
        kind = "door" if "door" in pair.meta["metric"] else "window"
        (op,) = [op for op in scene.room.openings if op.kind == kind]
        (x0, z0), (x1, z1) = scene.room.wall(op.wall)
        t = op.offset / math.dist((x0, z0), (x1, z1))
        return round(obj.footprint_polygon().distance(Point(x0 + (x1 - x0) * t, z0 + (z1 - z0) * t)), 2)
    if pair.kind == "relation":
        vx, vz = pair.meta["viewer"]
        target = scene[pair.targets[0] if isinstance(pair.value, list) else pair.targets[1]]
        fx, fz = target.position[0] - vx, target.position[2] - vz

        def side(o):
            qx, qz = o.position[0] - vx, o.position[2] - vz
            cross, dot = fx * qz - fz * qx, fx * qx + fz * qz  # cross > 0: clockwise seen from above = right
            ang = math.degrees(math.atan2(cross, dot))
            if abs(ang) < SIDE_MARGIN_DEG or abs(ang) > 180 - SIDE_MARGIN_DEG:
                return None
            return "right" if ang > 0 else "left"

        if not isinstance(pair.value, list):
            return side(scene[pair.targets[0]])
        near = pair.meta["viewpoint"] == "facing_front"
        return sorted(o.id for o in scene.objects if o.id != target.id and o.size[1] > 0.05 and o.support not in ("wall", "ceiling", target.id)
                      and (not near or o.footprint_polygon().distance(target.footprint_polygon()) <= NEAR) and side(o) == pair.meta["side"])
    if pair.kind == "nearest":
        target = scene[pair.targets[0]]
        others = [o for o in scene.objects if o.id != target.id and o.size[1] > 0.05 and o.support != target.id and target.support != o.id]
        return min(others, key=lambda o: o.footprint_polygon().distance(target.footprint_polygon())).id
    if pair.kind == "size":
        return round(scene[pair.targets[0]].size["xyz".index(pair.meta["axis"])], 2)
    if pair.kind == "facing":
        yaw = scene[pair.targets[0]].yaw
        return {0: "south", 90: "east", 180: "north", -180: "north", -90: "west"}[int(round(yaw / 90.0)) * 90]
    if pair.kind == "room":
        return round(scene.room.area, 1)
    raise AssertionError(pair.kind)


@pytest.mark.parametrize("path", [None, *SCENES], ids=lambda p: "hand" if p is None else p.stem)
def test_every_answer_matches_an_independent_computation(path):
    scene = hand_scene() if path is None else load_scene(path)
    ix = SceneIndex(scene)
    pairs = synthesize_qa(scene, 60, random.Random(f"qa:{path}"))
    assert len(pairs) >= 10
    for pair in pairs:
        want = _expected(scene, ix, pair)
        if isinstance(want, float):
            assert pair.value == pytest.approx(want, abs=0.011), pair.question
        else:
            assert pair.value == want, (pair.question, pair.answer)
        assert pair.answer and pair.question.endswith("?")


def test_hand_scene_answers_in_words():
    scene = hand_scene()
    pairs = {p.question: p for seed in range(6) for p in synthesize_qa(scene, 80, random.Random(seed))}
    chairs = [p for q, p in pairs.items() if q.startswith("How many chairs are there in the room")]
    assert chairs and chairs[0].value == 4 and chairs[0].meta["categories"] == list(FAMILIES["chairs"])
    bed_desk = pairs.get("How far apart are the bed and the desk, edge to edge?") or pairs.get("How far apart are the desk and the bed, edge to edge?")
    assert bed_desk is not None and bed_desk.value == pytest.approx(2.2) and bed_desk.answer == "2.20 m"
    bed_door = pairs.get("How far is the bed from the door?")
    assert bed_door is not None and bed_door.value == pytest.approx(3.30)
    left_of_bed = pairs.get("Facing the front of the bed, what is on its left, within 2 m of it?")
    assert left_of_bed is not None and left_of_bed.value == ["armchair_1"] and left_of_bed.answer == "an armchair"
    assert pairs["Which compass direction does the bed face (north is -z, east is +x)?"].value == "north"
    absent = [p for q, p in pairs.items() if p.kind == "count" and p.value == 0]
    assert absent, "questions about missing categories are part of the mix"


def test_all_kinds_are_asked_and_unknown_kinds_refused():
    scene = hand_scene()
    kinds = {p.meta.get("viewpoint", p.kind) for seed in range(3) for p in synthesize_qa(scene, 80, random.Random(seed))}
    assert {"count", "distance", "door", "facing_front", "nearest", "size", "facing", "room"} <= kinds
    with pytest.raises(ValueError, match="unknown question kinds"):
        synthesize_qa(scene, 1, random.Random(0), kinds=["telepathy"])
    assert set(QUESTIONS) >= {"count", "distance", "left_of", "nearest"}


def test_empty_room_asks_only_what_it_can():
    room = Room(floor=[(0, 0), (3, 0), (3, 3), (0, 3)])
    pairs = synthesize_qa(Scene(room=room), 20, random.Random(0))
    assert pairs and {p.kind for p in pairs} <= {"count", "room"}
    assert all(p.value == 0 for p in pairs if p.kind == "count")


def test_wording_helpers():
    assert plural("shelf") == "shelves" and plural("dining_chair") == "dining chairs" and plural("bench") == "benches"
    assert plural("tv") == "TVs" and plural("toy_box") == "toy boxes" and plural("ceiling_lamp") == "ceiling lamps"
    assert with_article("oak desk") == "an oak desk" and with_article("sofa") == "a sofa"


@given(st.floats(-5, 5), st.floats(-5, 5), st.floats(0, 360), st.floats(0.5, 5), st.floats(11, 169))
def test_bearing_side_is_a_mirror_and_rotation_invariant(vx, vz, heading, dist, offset):
    """A point `offset` degrees clockwise (seen from above, +y toward the viewer) of the line of sight is right."""
    h = math.radians(heading)
    tx, tz = vx + math.sin(h) * 3, vz + math.cos(h) * 3
    # turning clockwise seen from above (looking down -y) in the x-z plane decreases the yaw angle atan2(x, z)
    a = h - math.radians(offset)
    b = h + math.radians(offset)
    right = bearing_side(vx, vz, tx, tz, vx + math.sin(a) * dist, vz + math.cos(a) * dist)
    left = bearing_side(vx, vz, tx, tz, vx + math.sin(b) * dist, vz + math.cos(b) * dist)
    assert {right, left} == {"left", "right"} and right != left
