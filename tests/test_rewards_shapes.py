"""Per-asset shapes: occupancy rasterisation, surface samples, and exact vs sampled volumes."""

from __future__ import annotations

import math

import numpy as np
import pytest
import trimesh
from hypothesis import given, settings
from hypothesis import strategies as st

from agentscene.rewards import Tolerances, scene_geometry
from agentscene.rewards.collision import overlap_volume, penetration
from agentscene.rewards.shapes import build_shape, mesh_problem

from .test_rewards_common import box, box_mesh, provider_from, scene, table_mesh


def test_box_mesh_fills_the_unit_box():
    shape = build_shape(box_mesh(), grid=16)
    assert shape.occupancy.all() and shape.watertight
    assert shape.vertices.min(axis=0) == pytest.approx([-0.5, 0.0, -0.5])
    assert shape.vertices.max(axis=0) == pytest.approx([0.5, 1.0, 0.5])


def test_multi_part_table_is_the_union_of_its_parts():
    shape = build_shape(table_mesh(), grid=60)
    # top: 1 x 0.05 x 1 of a 1 x 0.75 x 1 box; legs: 4 x 0.05 x 0.7 x 0.05
    want = (1 * 0.05 * 1 + 4 * 0.05 * 0.7 * 0.05) / 0.75
    assert shape.fill_fraction == pytest.approx(want, rel=0.1)
    assert not shape.occupied(np.array([[0.0, 0.5, 0.0]]))[0]  # under the top, between the legs
    assert shape.occupied(np.array([[0.0, 0.98, 0.0]]))[0]  # in the top


def test_overlapping_parts_are_not_cancelled_by_parity():
    a = trimesh.creation.box(extents=(1, 1, 1))
    b = trimesh.creation.box(extents=(1, 1, 1))
    b.apply_translation((0.0, 0.5, 0.0))  # overlaps a in its upper half
    shape = build_shape(trimesh.util.concatenate([a, b]), grid=20)
    assert shape.occupancy.all()


def test_scene_input_and_problems():
    sc = trimesh.Scene([box_mesh(), table_mesh()])
    assert mesh_problem(sc) is None
    assert build_shape(sc, grid=8).occupancy.any()
    assert "not a trimesh" in mesh_problem(42)
    assert "flat" in mesh_problem(trimesh.Trimesh(vertices=[[0, 0, 0], [1, 0, 0], [1, 0, 1], [0, 0, 1]],
                                                  faces=[[0, 1, 2], [0, 2, 3], [0, 1, 3], [1, 2, 3]]))
    with pytest.raises(ValueError):
        build_shape(trimesh.Trimesh())


def test_surface_weights_follow_stretching():
    shape = build_shape(box_mesh(), grid=8, samples=600)
    # Stretched to 4 x 1 x 1: the four long faces (4 m² each) dominate the two 1 m² ends.
    w = shape.surface_weights(np.array([4.0, 1.0, 1.0]))
    ends = np.abs(shape.sample_normals[:, 0]) > 0.5
    assert w[ends].sum() / w.sum() == pytest.approx(2.0 / 18.0, rel=1e-6)


def test_sphere_volume_and_grid_setting():
    s = scene([box("ball_1", (1, 1, 1), (2, 0, 2), category="ball")])
    sphere = lambda: trimesh.creation.icosphere(subdivisions=3)  # noqa: E731
    coarse = scene_geometry(s, provider_from({"ball": sphere}), tolerances=Tolerances(mesh_grid=8))
    fine = scene_geometry(s, provider_from({"ball": sphere}), tolerances=Tolerances(mesh_grid=96))
    true = math.pi / 6
    assert abs(fine.by_id["ball_1"].volume - true) < abs(coarse.by_id["ball_1"].volume - true)
    assert fine.by_id["ball_1"].volume == pytest.approx(true, rel=0.02)


@settings(max_examples=40, deadline=None)
@given(st.floats(-1.2, 1.2), st.floats(-1.2, 1.2), st.floats(-180, 180), st.floats(0.2, 1.5), st.floats(0.2, 1.5))
def test_exact_and_sampled_overlap_agree_within_one_voxel_layer(dx, dz, yaw, w, d):
    objs = [box("a_1", (1.0, 1.0, 1.0), (2, 0, 2), category="crate"),
            box("b_1", (w, 0.8, d), (2 + dx, 0.1, 2 + dz), yaw, category="crate")]
    exact_geo = scene_geometry(scene(objs))
    mesh_geo = scene_geometry(scene(objs), provider_from({"crate": box_mesh}))
    pitch = 0.05
    exact = overlap_volume(*exact_geo.objects, pitch)
    sampled = overlap_volume(*mesh_geo.objects, pitch)
    a, b = exact_geo.objects
    inter = a.polygon().intersection(b.polygon())
    # one voxel layer over the overlap region: its footprint's rim times the height, plus its area
    layer = pitch * (inter.length * 0.8 + 2 * inter.area) if not inter.is_empty else 0.0
    assert abs(exact - sampled) <= layer + 1e-9
    assert exact == pytest.approx(overlap_volume(b, a, pitch))
    assert exact <= min(a.volume, b.volume) + 1e-9
    depth, direction = penetration(a, b)
    # For yaw-only boxes the five candidate axes are complete: depth > 0 exactly when they share volume.
    if exact > 1e-6:
        assert depth > 0
    if depth > 1e-6:
        assert exact > 0
    assert depth >= 0 and (depth == 0 or abs(np.linalg.norm(direction) - 1.0) < 1e-9)
