"""The one copy of the yaw / front / side maths (agentscene.geometry) that everything else calls."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentscene.geometry import (
    footprint_corners,
    front_vector,
    half_extent_along,
    local_to_world,
    right_vector,
    rotation_matrix_y,
    world_to_local,
    yaw_difference,
    yaw_facing,
)

angles = st.floats(-720, 720, allow_nan=False)
coords = st.floats(-50, 50, allow_nan=False)


def test_conventions():
    assert front_vector(0) == pytest.approx((0.0, 1.0))  # yaw 0 faces +z
    assert front_vector(90) == pytest.approx((1.0, 0.0))  # +z turns toward +x
    assert right_vector(0) == pytest.approx((1.0, 0.0))
    assert yaw_facing(-1.0, 0.0) == pytest.approx(-90.0) and yaw_facing(0.0, -1.0) == 180.0 and yaw_facing(0, 0) == 0.0
    assert yaw_difference(170, -170) == pytest.approx(20.0)
    assert half_extent_along((2.0, 1.0, 1.0), 90.0, 0.0, 1.0) == pytest.approx(1.0)  # turned: its width runs along z


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(angles, coords, coords, coords, coords)
def test_frames_agree_with_the_rotation_matrix(yaw, px, pz, lx, lz):
    x, z = local_to_world((px, 0.0, pz), yaw, lx, lz)
    r = rotation_matrix_y(yaw)
    assert (x, z) == pytest.approx((px + r[0, 0] * lx + r[0, 2] * lz, pz + r[2, 0] * lx + r[2, 2] * lz), abs=1e-9)
    assert world_to_local((px, 0.0, pz), yaw, x, z) == pytest.approx((lx, lz), abs=1e-6)
    fx, fz = front_vector(yaw)
    assert yaw_difference(yaw_facing(fx, fz), yaw) == pytest.approx(0.0, abs=1e-6)
    assert math.isclose(fx * right_vector(yaw)[0] + fz * right_vector(yaw)[1], 0.0, abs_tol=1e-12)


@settings(max_examples=100, deadline=None, derandomize=True, database=None)
@given(angles, st.floats(0.1, 5), st.floats(0.1, 5), angles)
def test_half_extent_matches_the_footprint(yaw, w, d, direction):
    dx, dz = front_vector(direction)
    corners = footprint_corners((0.0, 0.0, 0.0), (w, 1.0, d), yaw)
    assert half_extent_along((w, 1.0, d), yaw, dx, dz) == pytest.approx(max(x * dx + z * dz for x, z in corners), abs=1e-9)


@settings(max_examples=50, deadline=None, derandomize=True, database=None)
@given(st.lists(st.tuples(coords, coords), min_size=20, max_size=20))
def test_points_in_polygon_matches_the_scalar_test(points):
    import numpy as np

    from agentscene.geometry import point_in_polygon, points_in_polygon

    l_shape = [(0, 0), (6, 0), (6, 3), (3, 3), (3, 6), (0, 6)]
    xs, zs = np.array([p[0] for p in points]) / 5, np.array([p[1] for p in points]) / 5
    assert points_in_polygon(xs, zs, l_shape).tolist() == [point_in_polygon(x, z, l_shape) for x, z in zip(xs, zs, strict=True)]
