"""Attack suite, sizes: floors with many vertices, scene files with many objects (items 10, 15).

Speed itself is measured in benchmarks/bench_formats.py; these tests check the caps and that
the fast paths give the same answers as the simple ones.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentscene.formats import SceneFormatError, dump_scene, load_scene
from agentscene.limits import DEFAULT_LIMITS, Limits
from agentscene.scene import IdAllocator, Room, Scene, SceneObject


def _circle(n: int, r: float = 4.0) -> list[list[float]]:
    return [[5 + r * math.cos(2 * math.pi * i / n), 5 + r * math.sin(2 * math.pi * i / n)] for i in range(n)]


@pytest.mark.parametrize("n", [DEFAULT_LIMITS.floor_vertices + 1, 5000])
def test_floors_over_the_vertex_cap_are_refused_at_load(n, tmp_path):
    data = {"schema_version": 1, "room": {"floor": _circle(n)}, "objects": []}
    with pytest.raises(SceneFormatError, match="floor_vertices") as info:
        load_scene(data)
    assert len(str(info.value)) < 1000
    path = tmp_path / "big.json"
    path.write_text(json.dumps(data))
    with pytest.raises(SceneFormatError, match="floor_vertices"):
        load_scene(path)
    for dialect in ("scenerevis", "respace"):  # the dialects build the same Room
        flat = {"room_type": "x", "bounds_bottom": [[x, 0, z] for x, z in _circle(n)],
                "bounds_top": [[x, 2.8, z] for x, z in _circle(n)], "objects": []}
        with pytest.raises(SceneFormatError, match="floor_vertices"):
            load_scene(flat, dialect=dialect)


def test_the_cap_is_a_setting():
    floor = _circle(DEFAULT_LIMITS.floor_vertices + 10)
    room = Room.model_validate({"floor": floor}, context={"limits": Limits(floor_vertices=5000)})
    assert len(room.floor) == len(floor)


@settings(max_examples=20, deadline=None)
@given(n=st.integers(65, 400), seed=st.integers(0, 2**16))
def test_tree_wall_crossings_match_the_dense_ones(n, seed):
    from agentscene.rewards.geometry import RoomGeometry

    rng = np.random.default_rng(seed)
    radius = 4 + rng.uniform(0, 0.5, n)  # a star-shaped, simple polygon
    angles = np.sort(rng.uniform(0, 2 * np.pi, n))
    angles = np.unique(np.round(angles, 6))
    floor = tuple((5 + float(r * math.cos(a)), 5 + float(r * math.sin(a))) for r, a in zip(radius[: len(angles)], angles, strict=True))
    room = RoomGeometry(Room(floor=floor))
    points = rng.uniform(-1, 11, (50, 2))
    fast = room.wall_crossings(points)
    seg, line = room.wall_distances(points)
    tied = seg <= seg.min(axis=1, keepdims=True) + 1e-9
    dense = np.where(tied & (line > 0), line, np.where(tied, seg, 0.0)).max(axis=0)
    expected = {i: float(d) for i, d in enumerate(dense) if d > 0}
    assert fast.keys() == expected.keys()
    for i, d in expected.items():
        assert fast[i] == pytest.approx(d, abs=1e-9)


def _next_id_naive(ids: list[str], category: str) -> str:
    """The rule `Scene.next_id` has always followed, written out directly."""
    import re

    prefix = (re.sub(r"[^A-Za-z0-9]+", "_", category.strip().lower()).strip("_")[:48] or "object") + "_"
    numbers = [int(i[len(prefix):]) for i in ids if i.startswith(prefix) and i[len(prefix):].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1}"


@settings(max_examples=100, deadline=None)
@given(ids=st.lists(st.from_regex(r"[a-c]{1,2}(_[a-c0-9]{1,3}){0,2}", fullmatch=True), max_size=30),
       category=st.sampled_from(["a", "b", "a b", "A_b", "c", "", "a_1"]))
def test_id_allocator_follows_next_id(ids, category):
    assert IdAllocator(ids).next_id(category) == _next_id_naive(ids, category)


def test_many_objects_round_trip_through_scenerevis():
    objects = tuple(SceneObject(id=f"chair_{i + 1}", description="chair", category="chair", size=(0.4, 0.8, 0.4),
                                position=(0.5 + (i % 60) * 0.5, 0.0, 0.5 + (i // 60) * 0.5)) for i in range(1200))
    scene = Scene(room=Room(floor=((0.0, 0.0), (31.0, 0.0), (31.0, 31.0), (0.0, 31.0))), objects=objects)
    for dialect in ("scenerevis", "scenerevis-grouped", "respace"):
        back = load_scene(dump_scene(scene, dialect))
        assert back.ids == scene.ids and back.objects[-1].position == scene.objects[-1].position
