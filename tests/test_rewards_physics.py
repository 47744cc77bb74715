"""Physics metrics against hand-computed cases, the fixture ground truth, and bad input."""

from __future__ import annotations

import math
import random

import fcl
import numpy as np
import pytest

from agentscene.formats import load_scene
from agentscene.rewards import EvalReport, Tolerances, evaluate, scene_geometry
from agentscene.rewards.collision import penetration

from .conftest import SCENE_DIR, fixture_manifest
from .test_rewards_common import box, box_mesh, door, provider_from, rect, rotate, scene

PITCH = 0.05


# -- collisions --------------------------------------------------------------------------

def test_two_cubes_overlapping_by_half_a_metre():
    s = scene([box("a_1", (1, 1, 1), (1.5, 0, 2)), box("b_1", (1, 1, 1), (2.0, 0, 2))])
    r = evaluate(s)
    assert r.n_colliding_pairs == 1 and r.collision_rate == 100.0
    p = r.colliding_pairs[0]
    assert (p.a, p.b) == ("a_1", "b_1")
    assert abs(p.volume - 0.5) <= 1 * 1 * PITCH  # one voxel layer of the 1 m x 1 m contact face
    assert p.volume == pytest.approx(0.5, abs=1e-9)  # boxes are exact
    assert p.depth == pytest.approx(0.5, abs=1e-9)
    assert p.direction == pytest.approx((1.0, 0.0, 0.0))
    assert r.pbl == pytest.approx(0.5) and not r.pbl_valid


def test_two_cube_meshes_overlapping_by_half_a_metre_within_one_voxel_layer():
    s = scene([box("a_1", (1, 1, 1), (1.5, 0, 2), category="crate"), box("b_1", (1, 1, 1), (2.0, 0, 2), category="crate")])
    r = evaluate(s, mesh_provider=provider_from({"crate": box_mesh}))
    assert r.n_colliding_pairs == 1
    assert abs(r.colliding_pairs[0].volume - 0.5) <= 1 * 1 * PITCH
    assert r.colliding_pairs[0].depth == pytest.approx(0.5, abs=1e-6)


@pytest.mark.parametrize("dx,dz,yaw", [(0.5, 0.0, 0.0), (0.9, 0.0, 0.0), (0.3, 0.2, 30.0), (0.1, 0.05, 0.0), (0.6, -0.4, 45.0)])
def test_box_depth_equals_fcl_box_box_depth(dx, dz, yaw):
    s = scene([box("a_1", (1, 1, 1), (2, 0, 2)), box("b_1", (1, 1, 1), (2 + dx, 0, 2 + dz), yaw)])
    geo = scene_geometry(s)
    a, b = geo.objects
    depth, _ = penetration(a, b)
    req = fcl.CollisionRequest(num_max_contacts=16, enable_contact=True)
    res = fcl.CollisionResult()
    assert fcl.collide(a.fcl_object(), b.fcl_object(), req, res)
    assert depth == pytest.approx(max(c.penetration_depth for c in res.contacts), abs=1e-6)


def test_rotated_overlap_volume_is_exact():
    # A 2 x 2 square and the same square turned 45 degrees about the same centre share a regular octagon.
    s = scene([box("a_1", (2, 1, 2), (2, 0, 2)), box("b_1", (2, 1, 2), (2, 0, 2), 45.0)])
    octagon = 8.0 * (math.sqrt(2) - 1.0)  # area of the octagon inscribed in a 2 x 2 square
    r = evaluate(s)
    assert r.colliding_pairs[0].volume == pytest.approx(octagon * 1.0, rel=1e-9)


def test_touching_objects_do_not_collide_and_thin_overlaps_only_count_in_pbl():
    s = scene([
        box("a_1", (1, 1, 1), (1.0, 0, 1)), box("b_1", (1, 1, 1), (2.0, 0, 1)),  # faces touch
        box("table_1", (1, 0.7, 1), (2.5, 0, 3)), box("rug_1", (2, 0.005, 2), (2.5, 0, 3)),  # a 5 mm rug under a table
        box("tv_stand_1", (1, 0.5, 0.4), (1, 0, 3)), box("tv_1", (0.8, 0.6, 0.1), (1, 0.5, 3), support="tv_stand_1"),
    ])
    r = evaluate(s)
    assert r.n_colliding_pairs == 0 and r.collision_rate == 0.0
    assert [(p.a, p.b) for p in r.minor_overlaps] == [("table_1", "rug_1")]
    assert r.minor_overlaps[0].volume == pytest.approx(1.0 * 0.005)
    assert r.pbl == pytest.approx(0.005) and r.pbl_valid


def test_chair_under_a_table_mesh_does_not_collide_but_its_box_would():
    from .test_rewards_common import table_mesh

    objs = [box("table_1", (1, 0.75, 1), (2, 0, 2), category="table"), box("stool_1", (0.4, 0.45, 0.4), (2.2, 0, 2.2))]
    assert evaluate(scene(objs)).n_colliding_pairs == 1  # the boxes interpenetrate
    r = evaluate(scene(objs), mesh_provider=provider_from({"table": table_mesh}))
    assert r.n_colliding_pairs == 0 and r.overlap_volume == 0.0  # the stool sits under the top, between the legs


def test_identical_duplicates_collide_fully():
    s = scene([box("chair_1", (0.5, 0.9, 0.5), (2, 0, 2)), box("chair_2", (0.5, 0.9, 0.5), (2, 0, 2))])
    r = evaluate(s)
    assert r.n_colliding_pairs == 1
    assert r.colliding_pairs[0].volume == pytest.approx(0.5 * 0.9 * 0.5)
    assert r.colliding_pairs[0].depth == pytest.approx(0.5)


def test_mesh_wholly_inside_another_counts_as_a_collision():
    s = scene([box("big_1", (2, 2, 2), (2, 0, 2), category="crate"), box("small_1", (0.4, 0.4, 0.4), (2, 0.8, 2), category="crate")])
    r = evaluate(s, mesh_provider=provider_from({"crate": box_mesh}))
    assert r.n_colliding_pairs == 1
    assert r.colliding_pairs[0].volume == pytest.approx(0.4 ** 3, rel=0.15)


# -- out of bounds -----------------------------------------------------------------------

def test_object_half_outside_the_east_wall():
    r = evaluate(scene([box("crate_1", (1, 1, 1), (4.0, 0, 2))]))
    assert r.oob_rate == 100.0 and r.n_oob_objects == 1
    o = r.out_of_bounds[0]
    assert o.oob and not o.wholly_outside
    assert o.volume == pytest.approx(0.5)
    # Outside: half the top, half the bottom, the east face and half of the north and south faces.
    assert o.outside_fraction == pytest.approx(3.0 / 6.0, abs=0.005)
    assert [(c.side, c.move) for c in o.crossings] == [("east", "-x")]
    assert o.crossings[0].distance == pytest.approx(0.5)
    assert r.pbl == pytest.approx(0.5)


def test_half_outside_mesh_object_within_one_voxel_layer():
    s = scene([box("crate_1", (1, 1, 1), (4.0, 0, 2), category="crate")])
    r = evaluate(s, mesh_provider=provider_from({"crate": box_mesh}))
    o = r.out_of_bounds[0]
    assert abs(o.volume - 0.5) <= 1 * 1 * PITCH
    assert o.outside_fraction == pytest.approx(0.5, abs=0.03)


def test_rotated_box_in_a_rotated_room():
    turn = 30.0
    floor = rotate(rect(4.0, 4.0), turn)
    inside_pos = rotate([(3.5, 2.0)], turn)[0]  # flush with the room's local +x wall
    half_pos = rotate([(4.0, 2.0)], turn)[0]  # half through it
    s = scene([box("flush_1", (1, 1, 1), inside_pos, turn), box("half_1", (1, 1, 1), half_pos, turn)], floor=floor)
    r = evaluate(s)
    assert [o.id for o in r.out_of_bounds if o.oob] == ["half_1"]
    half = next(o for o in r.out_of_bounds if o.id == "half_1")
    assert half.volume == pytest.approx(0.5, abs=1e-9)
    assert half.crossings[0].distance == pytest.approx(0.5, abs=1e-9)
    expected_inward = rotate([(-1.0, 0.0)], turn)[0]
    assert half.crossings[0].inward == pytest.approx(expected_inward, abs=1e-9)
    # The flush box's AABB pokes far outside the rotated room's walls; the polygon test is what counts.
    flush = scene_geometry(s).by_id["flush_1"]
    assert flush.aabb_max[0] > max(x for x, _ in floor) - 1.0
    assert "flush_1" not in {o.id for o in r.out_of_bounds}


def test_l_shaped_room_rejects_the_notch_that_its_bounding_box_accepts():
    floor = [(0, 0), (4, 0), (4, 2), (2, 2), (2, 4), (0, 4)]
    s = scene([
        box("in_notch_1", (0.5, 0.5, 0.5), (3.0, 0, 3.0)),  # inside the bounding box, outside the L
        box("in_arm_1", (0.5, 0.5, 0.5), (1.0, 0, 3.0)),
        box("corner_1", (1.0, 1.0, 1.0), (2.2, 0, 2.2)),  # straddles the reflex corner
    ], floor=floor)
    r = evaluate(s)
    by_id = {o.id: o for o in r.out_of_bounds}
    assert set(by_id) == {"in_notch_1", "corner_1"}
    assert by_id["in_notch_1"].wholly_outside and by_id["in_notch_1"].volume == pytest.approx(0.125)
    assert not by_id["corner_1"].wholly_outside
    assert by_id["corner_1"].volume == pytest.approx(0.7 * 0.7 * 1.0)
    assert {c.side for c in by_id["corner_1"].crossings} <= {"south", "east"}


def test_above_the_ceiling_and_below_the_floor():
    s = scene([box("shelf_1", (1, 3.0, 0.4), (2, 0, 2)), box("box_1", (0.5, 0.5, 0.5), (1, -0.2, 1))], height=2.6)
    r = evaluate(s)
    by_id = {o.id: o for o in r.out_of_bounds}
    assert by_id["shelf_1"].above_ceiling == pytest.approx(0.4)
    assert by_id["shelf_1"].volume == pytest.approx(1 * 0.4 * 0.4)
    assert by_id["box_1"].below_floor == pytest.approx(0.2)
    assert by_id["box_1"].volume == pytest.approx(0.5 * 0.5 * 0.2)


def test_wholly_outside_object():
    r = evaluate(scene([box("far_1", (1, 1, 1), (10.0, 0, 10.0))]))
    o = r.out_of_bounds[0]
    assert o.wholly_outside and o.outside_fraction == pytest.approx(1.0) and o.volume == pytest.approx(1.0)
    assert o.crossings and o.crossings[0].distance > 6.0


def test_object_flush_with_walls_is_inside():
    s = scene([box("wardrobe_1", (1.2, 2.2, 0.6), (0.6, 0, 0.3)), box("bed_1", (1.6, 1, 2), (3.2, 0, 3.0))])
    r = evaluate(s)
    assert r.out_of_bounds == [] and r.oob_rate == 0.0


# -- fixtures ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(fixture_manifest()))
def test_fixture_ground_truth(name):
    info = fixture_manifest()[name]
    s = load_scene(SCENE_DIR / name)
    r = evaluate(s)
    got = {tuple(sorted((p.a, p.b))): p.volume for p in r.colliding_pairs + r.minor_overlaps}
    want = {tuple(sorted(o["pair"])): o["volume_m3"] for o in info["overlaps"]}
    assert set(got) == set(want)
    for pair, volume in want.items():
        assert got[pair] == pytest.approx(volume, abs=6e-4, rel=0.02)
    flagged = {o.id: o for o in r.out_of_bounds if o.oob}
    assert set(flagged) == {o["id"] for o in info["outside"]}
    for o in info["outside"]:
        assert flagged[o["id"]].wholly_outside == o["wholly_outside"]
        assert flagged[o["id"]].above_ceiling == pytest.approx(o["above_ceiling_m"], abs=2e-3)
    assert r.n_objects == info["objects"]


# -- support, walking, doors -------------------------------------------------------------

def test_floating_objects():
    s = scene([
        box("desk_1", (1.2, 0.75, 0.6), (2, 0, 0.3)),
        box("lamp_1", (0.3, 0.4, 0.3), (2, 0.75, 0.3), support="desk_1"),  # on the desk
        box("lamp_2", (0.3, 0.4, 0.3), (2.3, 1.05, 0.3), support="desk_1"),  # 30 cm above it
        box("lamp_3", (0.3, 0.4, 0.3), (3.5, 0.75, 2.0), support="desk_1"),  # at desk height, elsewhere
        box("painting_1", (0.8, 0.6, 0.04), (2, 1.4, 0.02), support="wall"),
        box("painting_2", (0.8, 0.6, 0.04), (2, 1.4, 2.0), support="wall"),  # mid-room
        box("pendant_1", (0.4, 0.4, 0.4), (1, 2.4, 2), support="ceiling"),
        box("pendant_2", (0.4, 0.4, 0.4), (3, 1.5, 2), support="ceiling"),
        box("chair_1", (0.5, 0.9, 0.5), (1, 0.2, 3)),  # hovering 20 cm
        box("chair_2", (0.5, 0.9, 0.5), (3, 0.03, 3)),  # within 5 cm
    ])
    r = evaluate(s)
    assert [f.id for f in r.floating] == ["lamp_2", "lamp_3", "painting_2", "pendant_2", "chair_1"]
    by_id = {f.id: f for f in r.floating}
    assert by_id["lamp_2"].gap == pytest.approx(0.3)
    assert by_id["chair_1"].gap == pytest.approx(0.2)
    assert "not above desk_1" in by_id["lamp_3"].reason


def test_walkable_ratio_empty_room_blocked_room_and_rugs():
    empty = evaluate(scene([], openings=[door(0, 2.0)]))
    assert empty.walkable_ratio == pytest.approx(1.0, abs=0.01)
    # A row of cabinets splits the room; the door opens into the southern half (wall 0 is z = 0).
    wall = [box(f"cabinet_{i}", (1.0, 1.0, 0.5), (0.5 + i, 0, 2.0)) for i in range(4)]
    split = evaluate(scene(wall, openings=[door(0, 2.0)]))
    free = 16.0 - 4 * 0.5
    assert split.walkable_ratio == pytest.approx((4.0 * 1.75) / free, abs=0.02)
    rug = evaluate(scene([box("rug_1", (3, 0.01, 3), (2, 0, 2))], openings=[door(0, 2.0)]))
    assert rug.walkable_ratio == pytest.approx(1.0, abs=0.01)


def test_door_clearance():
    blocked = evaluate(scene([box("wardrobe_1", (1.2, 2.0, 0.6), (2.0, 0, 0.5))], openings=[door(0, 2.0)]))
    d = blocked.door_clearance[0]
    assert d.blocked and d.blocking == ["wardrobe_1"] and d.clearance == pytest.approx(0.2)
    clear = evaluate(scene([box("rug_1", (2, 0.01, 2), (2, 0, 1)), box("sofa_1", (2, 0.8, 0.9), (2, 0, 3.4))],
                           openings=[door(0, 2.0)]))
    assert not clear.door_clearance[0].blocked and clear.door_clearance[0].clearance == pytest.approx(0.8)


# -- bad input ---------------------------------------------------------------------------

def test_empty_scene():
    r = evaluate(scene([]))
    assert (r.n_objects, r.collision_rate, r.oob_rate, r.pbl, r.pbl_valid) == (0, 0.0, 0.0, 0.0, True)
    assert r.floating == [] and r.ok


def test_paper_thin_and_tiny_objects():
    s = scene([
        box("poster_1", (1.0, 1e-6, 1.0), (2, 0.5, 2), support="floor"),
        box("crate_1", (1, 1, 1), (2, 0, 2)),
        box("dust_1", (1e-5, 1e-5, 1e-5), (2, 0.2, 2)),
        box("sheet_1", (1e-6, 1.0, 1.0), (3.99, 0, 2)),
    ])
    r = evaluate(s)
    assert all(math.isfinite(v) for v in r.headline().values())
    assert r.overlap_volume == pytest.approx(1e-6, abs=2e-6)
    assert {p.b for p in r.colliding_pairs} <= {"poster_1", "dust_1", "sheet_1", "crate_1"}


def test_five_hundred_objects():
    rng = random.Random(7)
    objs = [box(f"obj_{i}", (rng.uniform(0.2, 1.5), rng.uniform(0.1, 2.0), rng.uniform(0.2, 1.5)),
                (rng.uniform(-1, 21), rng.uniform(-0.1, 0.5), rng.uniform(-1, 21)), rng.uniform(-180, 180)) for i in range(500)]
    r = evaluate(scene(objs, floor=rect(20.0, 20.0)))
    assert r.n_objects == 500
    assert 0 < r.collision_rate <= 100 and 0 < r.oob_rate <= 100
    assert r.pbl == pytest.approx(r.oob_volume + r.overlap_volume)
    assert len(r.floating) > 0


@pytest.mark.parametrize("bad", ["flat", "empty", "nan", "not_a_mesh", "out_of_range"])
def test_degenerate_meshes_fall_back_to_boxes_with_a_warning(bad):
    import trimesh

    def make():
        if bad == "flat":
            return trimesh.Trimesh(vertices=[[0, 0, 0], [1, 0, 0], [1, 0, 1], [0, 0, 1]], faces=[[0, 1, 2], [0, 2, 3]])
        if bad == "empty":
            return trimesh.Trimesh()
        if bad == "nan":
            m = trimesh.creation.box()
            m.vertices[0] = [np.nan, 0, 0]
            return m
        if bad == "out_of_range":
            return trimesh.Trimesh(vertices=np.eye(3).tolist() + [[1, 1, 1]], faces=[[0, 1, 9], [1, 2, 3], [0, 2, 3], [0, 1, 3]], process=False, validate=False)
        return "a mesh"

    s = scene([box("crate_1", (1, 1, 1), (1.5, 0, 2), category="crate"), box("crate_2", (1, 1, 1), (2.0, 0, 2), category="crate")])
    r = evaluate(s, mesh_provider=provider_from({"crate": make}))
    assert r.colliding_pairs[0].volume == pytest.approx(0.5)  # evaluated as boxes
    assert len(r.warnings) == 2 and all("mesh not used" in w for w in r.warnings)


def test_open_and_huge_meshes_give_defined_volumes():
    import trimesh

    def open_box():
        m = trimesh.creation.box()
        return trimesh.Trimesh(vertices=m.vertices, faces=m.faces[:-2])  # top face missing

    def dense_sphere():
        return trimesh.creation.icosphere(subdivisions=5)  # 20,480 faces

    s = scene([box("open_1", (1, 1, 1), (1.5, 0, 2), category="open"), box("ball_1", (1, 1, 1), (2.0, 0, 2), category="ball")])
    r = evaluate(s, mesh_provider=provider_from({"open": open_box, "ball": dense_sphere}))
    assert r.colliding_pairs and 0.0 < r.colliding_pairs[0].volume < 0.5
    geo = scene_geometry(s, provider_from({"ball": dense_sphere}))
    assert geo.by_id["ball_1"].volume == pytest.approx(math.pi / 6, rel=0.03)  # a unit-diameter ball


def test_wrong_types_and_modes():
    with pytest.raises(TypeError, match="Scene"):
        evaluate({"room": {}})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="compat"):
        evaluate(scene([]), compat="respace")


# -- report ------------------------------------------------------------------------------

def test_report_is_json_serialisable_and_deterministic():
    s = load_scene(SCENE_DIR / "bedroom_problems.json")
    r = evaluate(s)
    again = EvalReport.model_validate_json(r.model_dump_json())
    assert again == r == evaluate(s)
    head = r.headline()
    assert set(head) >= {"collision_rate", "oob_rate", "pbl", "pbl_valid", "walkable_ratio", "mean_penetration_depth"}
    assert all(isinstance(v, float) for v in head.values())


def test_tolerances_change_the_verdicts():
    s = scene([box("a_1", (1, 1, 1), (1.5, 0, 2)), box("b_1", (1, 1, 1), (2.48, 0, 2))])  # 2 cm deep
    assert evaluate(s).n_colliding_pairs == 1
    assert evaluate(s, tolerances=Tolerances(contact_depth=0.05)).n_colliding_pairs == 0
    assert evaluate(s, tolerances=Tolerances(pbl_valid=0.05)).pbl_valid
    with pytest.raises(ValueError):
        Tolerances(voxel_pitch=0)


def test_mesh_depth_is_the_thickness_of_the_real_overlap_not_of_the_hulls():
    from .test_rewards_common import table_mesh

    # A post under the middle of a table whose top it pierces by 2 cm: the hulls overlap by
    # 55 cm sideways, the meshes only 2 cm vertically.
    s = scene([box("table_1", (1, 0.75, 1), (2, 0, 2), category="table"), box("post_1", (0.1, 0.72, 0.1), (2, 0, 2))])
    boxes = evaluate(s).colliding_pairs[0]
    assert boxes.depth == pytest.approx(0.55)
    r = evaluate(s, mesh_provider=provider_from({"table": table_mesh}))
    p = r.colliding_pairs[0]
    # Mesh depths and volumes resolve to the sampling grid (at most one voxel pitch).
    assert p.depth == pytest.approx(0.02, abs=PITCH) and p.direction == pytest.approx((0.0, -1.0, 0.0))
    assert p.volume <= 0.1 * 0.1 * PITCH
