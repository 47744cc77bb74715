"""compat="scene-eval": SceneEval's collision, out-of-bounds, navigability and opening clearance,
checked on scenes whose answers are known, and against our own definitions where they differ."""

from __future__ import annotations

import math

import numpy as np
import pytest
from shapely.geometry import Polygon

from agentscene.assets import get_backend, mesh_provider
from agentscene.rewards import evaluate, scene_geometry
from agentscene.rewards.scene_eval import _box_points, navigability_map
from agentscene.scene import Opening, Room, Scene, SceneObject


@pytest.fixture(scope="module")
def provider():
    return mesh_provider(get_backend("procedural", embedder=None))


def room(w: float = 5.0, d: float = 4.0, openings=()) -> Room:
    return Room(room_type="living_room", floor=((0, 0), (w, 0), (w, d), (0, d)), height=2.8, openings=tuple(openings))


def obj(oid: str, category: str, size, position, yaw: float = 0.0, support: str = "floor") -> SceneObject:
    return SceneObject(id=oid, category=category, description=category.replace("_", " "), size=size, position=position,
                       yaw=yaw, support=support)


def test_rugs_collide_in_scene_eval_but_are_minor_overlaps_for_us(provider):
    scene = Scene(room=room(), objects=(
        obj("rug_1", "rug", (2.0, 0.01, 1.4), (2.5, 0.0, 2.0)),
        obj("coffee_table_1", "coffee_table", (1.0, 0.42, 0.6), (2.5, 0.0, 2.0)),
        obj("desk_1", "desk", (1.4, 0.75, 0.7), (1.0, 0.0, 0.5)),
        obj("table_lamp_1", "table_lamp", (0.3, 0.5, 0.3), (0.7, 0.75, 0.5), support="desk_1"),  # touching only
        obj("chair_1", "chair", (0.5, 0.9, 0.5), (4.0, 0.0, 3.0)),
        obj("chair_2", "chair", (0.5, 0.9, 0.5), (4.2, 0.0, 3.1)),  # a real overlap
    ))
    report = evaluate(scene, compat="scene-eval", mesh_provider=provider)
    ours = evaluate(scene, mesh_provider=provider)
    se = report.scene_eval
    assert report.compat == "scene-eval"
    assert report.collision_rate == ours.collision_rate and report.colliding_pairs == ours.colliding_pairs  # ours stay on top
    assert set(se.colliding_pairs) == {("rug_1", "coffee_table_1"), ("chair_1", "chair_2")}
    assert {(p.a, p.b) for p in ours.colliding_pairs} == {("chair_1", "chair_2")}
    assert ("coffee_table_1", "rug_1") in {(p.a, p.b) for p in ours.minor_overlaps} | {(p.b, p.a) for p in ours.minor_overlaps}
    assert se.collision_rate == pytest.approx(100 * 4 / 6)
    assert report.headline()["se_collision_rate"] == se.collision_rate
    assert any("rugs" in d for d in se.differences)


def test_out_of_bounds_counts_samples_over_the_floor(provider):
    scene = Scene(room=room(), objects=(
        obj("wardrobe_1", "wardrobe", (1.2, 2.1, 0.6), (2.5, 0.0, 0.3)),  # flush against the wall: in bounds
        obj("sofa_1", "sofa", (2.0, 0.85, 0.9), (4.6, 0.0, 2.0), yaw=90),  # the depth crosses x = 5 by 0.05 m
        obj("plant_1", "plant", (0.4, 1.1, 0.4), (5.3, 0.0, 3.0)),  # wholly outside
        obj("lamp_1", "ceiling_lamp", (0.5, 0.4, 0.5), (2.5, 2.4, 2.0), support="ceiling"),
    ))
    se = evaluate(scene, compat="scene-eval", mesh_provider=provider).scene_eval
    by_id = {b.id: b for b in se.out_of_bounds}
    assert not by_id["wardrobe_1"].out_of_bound and by_id["wardrobe_1"].ratio_in_bound == 1.0
    assert by_id["sofa_1"].out_of_bound and 0.9 < by_id["sofa_1"].ratio_in_bound < 0.99
    assert by_id["plant_1"].out_of_bound and by_id["plant_1"].ratio_in_bound == 0.0
    assert not by_id["lamp_1"].out_of_bound
    assert by_id["wardrobe_1"].n_samples == max(int(1.2 * 2.1 * 0.6 * 5000), 1000)
    assert se.oob_rate == 50.0
    again = evaluate(scene, compat="scene-eval", mesh_provider=provider).scene_eval
    assert again == se  # seeded: the same samples every time


def test_navigability_map_draws_rotated_boxes_where_they_stand():
    bar = obj("bench_1", "bench", (2.4, 0.45, 0.3), (2.5, 0.0, 2.0), yaw=35.0)
    scene = Scene(room=room(), objects=(bar,))
    geo = scene_geometry(scene)
    floor = Polygon([(x, -z) for x, z in scene.room.floor])
    free, blocked, to_px = navigability_map(geo, floor, 0.0)
    # a point 1 m along the bench's own x axis (ours: yaw turns +x toward -z) is blocked, its mirror image is not
    a = math.radians(bar.yaw)
    along = np.array([math.cos(a), -math.sin(a)])  # (x, z)
    for sign in (-1, 1):
        x, z = np.array([2.5, 2.0]) + sign * along
        col, row = to_px(x, -z)
        assert blocked[row, col]
        mx, mz = np.array([2.5, 2.0]) + sign * np.array([along[0], -along[1]])
        col, row = to_px(mx, -mz)
        assert not blocked[row, col] and free[row, col]


def test_box_points_match_opencv_corner_order():
    # cv2.boxPoints(((10, 20), (8, 4), 0)) == [[6, 22], [6, 18], [14, 18], [14, 22]]
    assert np.allclose(_box_points(10, 20, 8, 4, 0.0), [[6, 22], [6, 18], [14, 18], [14, 22]])
    # (and at 90 degrees the width runs down the image)
    assert np.allclose(_box_points(10, 20, 8, 4, 90.0), [[8, 16], [12, 16], [12, 24], [8, 24]], atol=1e-5)


def test_a_partition_splits_the_walkable_map_and_rugs_block():
    wall = obj("shelf_1", "shelf", (0.3, 1.6, 4.0), (2.5, 0.0, 2.0))  # wall to wall
    se = evaluate(Scene(room=room(), objects=(wall,)), compat="scene-eval").scene_eval
    assert se.connected_components == 2 and 0.4 < se.navigability < 0.6
    empty = evaluate(Scene(room=room(), objects=()), compat="scene-eval").scene_eval
    assert empty.navigability == 1.0 and empty.connected_components == 1 and empty.collision_rate == 0.0
    rug = obj("rug_1", "rug", (0.6, 0.01, 4.0), (2.5, 0.0, 2.0))
    se_rug = evaluate(Scene(room=room(), objects=(rug,)), compat="scene-eval")
    assert se_rug.scene_eval.connected_components == 2  # SceneEval: a rug is an obstacle
    assert se_rug.walkable_ratio > 0.99  # ours: a floor covering is walked over (no door: the largest region counts)


def test_opening_clearance_doors_and_windows(provider):
    openings = (Opening(kind="door", wall=0, offset=1.0, width=0.9, height=2.1),
                Opening(kind="window", wall=2, offset=2.5, width=1.2, height=1.0, sill=1.0))
    blocked = Scene(room=room(openings=openings), objects=(
        obj("wardrobe_1", "wardrobe", (1.2, 2.1, 0.6), (1.0, 0.0, 0.6)),  # 0.3 m in front of the door
        obj("desk_1", "desk", (1.4, 0.75, 0.7), (2.5, 0.0, 3.6)),  # under the window sill
    ))
    se = evaluate(blocked, compat="scene-eval", mesh_provider=provider).scene_eval
    door, window = se.openings
    assert door.kind == "door" and door.occluded and door.interfering == ["wardrobe_1"] and door.total_occlusion > 0.5
    assert window.kind == "window" and not window.occluded and window.total_occlusion == 0.0
    assert se.opening_clearance == 0.5
    curtain = obj("curtain_1", "curtain", (1.6, 1.3, 0.1), (2.5, 0.9, 3.9), support="wall")
    se2 = evaluate(blocked.with_objects([*blocked.objects, curtain]), compat="scene-eval", mesh_provider=provider).scene_eval
    assert se2.openings[1].occluded and se2.openings[1].interfering == ["curtain_1"]
    assert 0.2 < se2.openings[1].object_occlusion["curtain_1"] < 1.0  # drawn-back panels cover part of it
