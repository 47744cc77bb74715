"""Shared cameras: conventions, framing, GL/Blender conversions, bad input. No GL or bpy needed."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentscene.renderers import (
    Camera,
    CameraSettings,
    diagonal_camera,
    ring_cameras,
    scene_cameras,
    top_camera,
)
from agentscene.renderers.blender import TO_BLENDER, blender_camera
from agentscene.scene import Room, Scene

from .conftest import SCENE_DIR


def _room(x0=0.0, z0=0.0, w=5.0, d=4.0, height=2.8) -> Room:
    return Room(floor=((x0, z0), (x0 + w, z0), (x0 + w, z0 + d), (x0, z0 + d)), height=height)


def test_top_view_axes_and_framing():
    room = _room(w=6.0, d=4.0)
    cam = top_camera(room, 500, margin=0.1)
    assert cam.projection == "orthographic"
    (u0, v0), (u1, v1), (ux, vx), (uz, vz) = cam.project(np.array([[0, 0, 0], [6, 0, 4], [1, 0, 0], [0, 0, 1]]))[0]
    # +x goes right, +z goes down, same scale on both axes
    assert ux > u0 and vx == pytest.approx(v0)
    assert vz > v0 and uz == pytest.approx(u0)
    assert ux - u0 == pytest.approx(vz - v0)
    # framed on the room: the larger side fills the image less a 10 % margin each side
    assert u1 - u0 == pytest.approx(500 / 1.2)
    assert (u0 + u1) / 2 == pytest.approx(250) and (v0 + v1) / 2 == pytest.approx(250)
    # height does not move a point in the top view, but it changes depth
    uv, depth = cam.project(np.array([[2, 0, 2], [2, 1.5, 2]]))
    assert np.allclose(uv[0], uv[1])
    assert depth[0] - depth[1] == pytest.approx(1.5)
    assert cam.forward == pytest.approx([0, -1, 0])


def test_top_view_ignores_objects_outside_the_room(bedroom):
    far = bedroom.objects[0].model_copy(update={"position": (40.0, 0.0, 40.0)})
    moved = bedroom.replace_object(far)
    assert np.allclose(top_camera(bedroom, 256).K, top_camera(moved, 256).K)
    assert np.allclose(top_camera(bedroom, 256).t, top_camera(moved, 256).t)


def test_diagonal_view_looks_from_above_a_corner_at_the_centre():
    room = _room(w=6.0, d=4.0)
    corners_seen = set()
    for seed in range(12):
        cam = diagonal_camera(room, 400, seed=seed)
        eye = cam.position
        assert eye[1] > room.height  # above the room
        horizontal = np.array([eye[0] - 3.0, eye[2] - 2.0])
        corner = cam.meta["corner"]
        corners_seen.add(corner)
        corner_dir = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]][corner], float)
        assert horizontal @ corner_dir > 0  # on the side of its corner
        # the room centre projects near the image centre, and the whole floor is in frame
        uv, depth = cam.project(np.array([[3.0, 0.5, 2.0]]))
        assert np.all(np.abs(uv[0] - 200) < 60)
        floor = np.array([[x, 0.0, z] for x, z in room.floor])
        uv, depth = cam.project(floor)
        assert np.all(depth > 0) and np.all((uv >= 0) & (uv <= 400))
        # a ~40 mm lens on a 36 mm sensor
        assert cam.K[0, 0] == pytest.approx(400 * 40 / 36)
    assert corners_seen == {0, 1, 2, 3}
    assert np.allclose(diagonal_camera(room, 400, seed=5).t, diagonal_camera(room, 400, seed=5).t)


def test_ring_cameras_surround_the_room():
    room = _room(x0=-2.0, z0=1.0, w=4.0, d=4.0)
    cams = ring_cameras(Scene(room=room), 8, 128)
    assert [c.name for c in cams] == [f"ring_{i:02d}" for i in range(8)]
    centre = np.array([0.0, 3.0])
    angles = []
    for cam in cams:
        eye = cam.position
        angles.append(math.degrees(math.atan2(eye[2] - centre[1], eye[0] - centre[0])) % 360)
        uv, depth = cam.project(np.array([[x, 0.0, z] for x, z in room.floor]))
        assert np.all(depth > 0) and np.all((uv >= 0) & (uv <= 128))
        assert cam.R @ cam.R.T == pytest.approx(np.eye(3))
    steps = np.diff(np.sort(angles))
    assert steps == pytest.approx([45.0] * 7, abs=1.0)
    with pytest.raises(ValueError):
        ring_cameras(room, 0, 128)


def _clip_to_pixels(cam: Camera, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    h = np.c_[points, np.ones(len(points))] @ cam.clip_matrix().T
    ndc = h[:, :3] / h[:, 3:]
    return np.c_[(ndc[:, 0] + 1) / 2 * cam.width, (ndc[:, 1] + 1) / 2 * cam.height], (ndc[:, 2] + 1) / 2


@pytest.mark.parametrize("view", ["top", "diagonal"])
def test_gl_clip_matrix_agrees_with_project_and_depth(view):
    scene = Scene(room=_room())
    cam = scene_cameras(scene, [view], 300, seed=3)[view]
    pts = np.random.default_rng(0).uniform([0, 0, 0], [5, 2.5, 4], size=(50, 3))
    uv, depth = cam.project(pts)
    uv_gl, window_depth = _clip_to_pixels(cam, pts)
    assert uv_gl == pytest.approx(uv, abs=1e-6)
    assert cam.depth_from_ndc(window_depth) == pytest.approx(depth, rel=1e-4)
    assert np.isinf(cam.depth_from_ndc(np.array([1.0]))).all()


def test_blender_camera_matches_opencv_convention():
    scene = Scene(room=_room())
    for cam in scene_cameras(scene, ["top", "diagonal"], 256, seed=1).values():
        spec = blender_camera(cam)
        M = np.array(spec["matrix_world"])
        pts = np.random.default_rng(1).uniform([0, 0, 0], [5, 2, 4], size=(20, 3))
        local = (np.c_[pts @ TO_BLENDER.T, np.ones(len(pts))] @ np.linalg.inv(M).T)[:, :3]
        opencv = cam.to_camera(pts)
        # Blender's camera: x right, y up, looking down -z
        assert local == pytest.approx(opencv * [1, -1, -1], abs=1e-9)
        if cam.projection == "orthographic":
            assert spec["type"] == "ORTHO" and spec["ortho_scale"] == pytest.approx(256 / cam.K[0, 0])
        else:
            assert spec["type"] == "PERSP" and spec["lens"] == pytest.approx(40.0)
        # Blender samples pixel centres at integer coordinates, ours at +0.5: a half-pixel shift
        assert spec["shift_x"] == pytest.approx(-0.5 / 256) and spec["shift_y"] == pytest.approx(0.5 / 256)


def test_camera_round_trips_through_json():
    cam = diagonal_camera(_room(), (320, 200), seed=2)
    again = Camera.from_dict(json.loads(json.dumps(cam.to_dict())))
    assert again.name == cam.name and (again.width, again.height) == (320, 200)
    for key in ("K", "R", "t"):
        assert getattr(again, key) == pytest.approx(getattr(cam, key))
    with pytest.raises(ValueError):
        cam.K[0, 0] = 1.0  # arrays are read-only


def test_bad_camera_input_is_refused_clearly():
    scene = Scene(room=_room())
    with pytest.raises(ValueError, match="unknown view 'side'"):
        scene_cameras(scene, ["top", "side"])
    with pytest.raises(ValueError, match="twice"):
        scene_cameras(scene, ["top", "top"])
    with pytest.raises(ValueError, match="no views"):
        scene_cameras(scene, [])
    with pytest.raises(ValueError, match="positive"):
        top_camera(scene, 0)
    with pytest.raises(ValueError, match="at most"):
        top_camera(scene, 10**6)
    with pytest.raises(ValueError, match="non-finite"):
        Camera("x", "perspective", 10, 10, np.eye(3) * np.nan, np.eye(3), np.zeros(3))
    with pytest.raises(ValueError, match="near < far"):
        Camera("x", "perspective", 10, 10, np.eye(3), np.eye(3), np.zeros(3), near=2.0, far=1.0)
    with pytest.raises(ValueError):
        CameraSettings(lens_mm=float("nan"))
    with pytest.raises(ValueError, match="merged"):
        scene_cameras(scene, [top_camera(scene, 64, name="merged")])
    assert list(scene_cameras(scene, "top")) == ["top"]  # a bare name is one view, not four letters
    # custom cameras pass through unchanged and keep their own size
    ring = ring_cameras(scene, 2, 64)
    assert list(scene_cameras(scene, ring, 512)) == ["ring_00", "ring_01"]


def test_fixture_rooms_fit_both_views():
    from agentscene import load_scene

    for path in sorted(SCENE_DIR.glob("*.json")):
        scene = load_scene(path)
        for cam in scene_cameras(scene, ["top", "diagonal"], 200, seed=7).values():
            uv, depth = cam.project(np.array([[x, 0.0, z] for x, z in scene.room.floor]))
            assert np.all(depth > 0), path.name
            assert np.all((uv >= 0) & (uv <= 200)), path.name


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    x0=st.floats(-50, 50), z0=st.floats(-50, 50), w=st.floats(0.5, 40), d=st.floats(0.5, 40),
    height=st.floats(1.0, 8.0), seed=st.integers(0, 2**31), size=st.integers(16, 1024),
)
def test_any_rectangular_room_is_framed(x0, z0, w, d, height, seed, size):
    scene = Scene(room=_room(x0, z0, w, d, height))
    floor = np.array([[x, 0.0, z] for x, z in scene.room.floor])
    for cam in scene_cameras(scene, ["top", "diagonal"], size, seed=seed).values():
        uv, depth = cam.project(floor)
        assert np.all(depth > cam.near)
        assert np.all((uv >= -1e-6) & (uv <= size + 1e-6))
        assert np.all(depth < cam.far)
