"""IncrementalEvaluator equals a full evaluation after any sequence of edits, and never reloads meshes."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentscene.formats import load_scene
from agentscene.rewards import IncrementalEvaluator, RewardConfig, evaluate, scene_geometry
from agentscene.tools import apply_tool

from .conftest import SCENE_DIR
from .test_rewards_common import box, box_mesh, provider_from, scene, table_mesh

GYM = load_scene(SCENE_DIR / "gym_overlaps.json")
PHYSICS = ("collision_rate", "n_colliding_pairs", "oob_rate", "n_oob_objects", "pbl", "pbl_valid",
           "total_penetration_depth", "max_penetration_depth", "colliding_pairs", "minor_overlaps", "out_of_bounds")


def same_physics(quick, full):
    for field in PHYSICS:
        a, b = getattr(quick, field), getattr(full, field)
        if isinstance(a, float):
            assert a == pytest.approx(b, abs=1e-9), field
        else:
            assert a == b, field


coords = st.floats(-1.0, 6.0, allow_nan=False)
edits = st.one_of(
    st.tuples(st.just("move_object"), st.integers(0, 50), coords, st.floats(0, 0.3), coords),
    st.tuples(st.just("rotate_object"), st.integers(0, 50), st.floats(-360, 360)),
    st.tuples(st.just("scale_object"), st.integers(0, 50), st.floats(0.05, 3), st.floats(0.05, 3), st.floats(0.05, 3)),
    st.tuples(st.just("add_object"), coords, coords, st.floats(0.1, 2)),
    st.tuples(st.just("remove_object"), st.integers(0, 50)),
)


def _apply(s, edit):
    name, *args = edit
    ids = s.ids
    if name == "add_object":
        x, z, w = args
        return apply_tool(s, name, {"description": "storage crate", "position": [x, 0, z], "yaw": 0, "size": [w, 0.5, w]}).scene
    if not ids:
        return s
    oid = ids[args[0] % len(ids)]
    if name == "move_object":
        return apply_tool(s, name, {"object_id": oid, "position": [args[1], args[2], args[3]]}).scene
    if name == "rotate_object":
        return apply_tool(s, name, {"object_id": oid, "yaw": args[1]}).scene
    if name == "scale_object":
        return apply_tool(s, name, {"object_id": oid, "size": list(args[1:])}).scene
    return apply_tool(s, name, {"object_id": oid}).scene


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(edits, min_size=1, max_size=8))
def test_incremental_equals_full_after_random_edits(seq):
    ev = IncrementalEvaluator(GYM)
    s = GYM
    for edit in seq:
        s = _apply(s, edit)
        quick = ev.update(s)
        same_physics(quick, evaluate(s))
    assert quick.floating is None and quick.walkable_ratio is None and quick.door_clearance is None


def test_unchanged_scene_returns_the_same_report_and_room_change_rebuilds():
    ev = IncrementalEvaluator(GYM)
    first = ev.report
    assert ev.update(GYM) is first
    bigger = GYM.model_copy(update={"room": GYM.room.model_copy(update={"height": 1.2})})
    same_physics(ev.update(bigger), evaluate(bigger))
    assert ev.report.n_oob_objects > first.n_oob_objects


def test_meshes_are_reposed_never_reloaded():
    provider = provider_from({"table": table_mesh, "crate": box_mesh})
    reference = provider_from({"table": table_mesh, "crate": box_mesh})
    s = scene([box("table_1", (1.2, 0.75, 0.8), (1, 0, 1), category="table"),
               box("table_2", (1.2, 0.75, 0.8), (3, 0, 1), category="table"),
               box("crate_1", (0.5, 0.5, 0.5), (2, 0, 3), category="crate")])
    ev = IncrementalEvaluator(s, mesh_provider=provider)
    loads = provider.calls["n"]
    assert loads == 2  # one load per asset, not per object
    for step in range(10):
        s = apply_tool(s, "move_object", {"object_id": "table_2", "position": [1.5 + 0.1 * step, 0, 1]}).scene
        s = apply_tool(s, "rotate_object", {"object_id": "crate_1", "yaw": 10.0 * step}).scene
        s = apply_tool(s, "scale_object", {"object_id": "table_1", "size": [1.0 + 0.05 * step, 0.75, 0.8]}).scene
        same_physics(ev.update(s), evaluate(s, mesh_provider=reference))
    assert provider.calls["n"] == 2
    s = apply_tool(s, "add_object", {"description": "pine table", "category": "table", "position": [2, 0, 2],
                                     "yaw": 0, "size": [1, 0.75, 1]}).scene
    ev.update(s)
    assert provider.calls["n"] == 3  # a new asset key (another description) is loaded once


def test_geometry_update_reuses_unchanged_objects():
    geo = scene_geometry(GYM)
    moved = apply_tool(GYM, "move_object", {"object_id": "treadmill_2", "position": [0.5, 0, 0.5]}).scene
    geo2 = geo.update(moved)
    assert geo2.changed == ("treadmill_2",)
    assert all(geo2.by_id[i] is geo.by_id[i] for i in GYM.ids if i != "treadmill_2")
    removed = apply_tool(moved, "remove_object", {"object_id": "treadmill_1"}).scene
    assert geo2.update(removed).removed == ("treadmill_1",)


def test_step_scores_the_turn():
    ev = IncrementalEvaluator(GYM)
    fixed = apply_tool(GYM, "move_object", {"object_id": "treadmill_2", "position": [-1.6, 0, -1.4]}).scene
    report, reward = ev.step(fixed, key_objects=("treadmill",))
    assert report.n_colliding_pairs == 1
    assert reward["improvement"].value == 1.0 and reward["key_objects"].value == 1.0
    _, again = ev.step(fixed)
    assert again["improvement"].value == -1.0  # no change
    _, final = ev.step(fixed, config=RewardConfig.final_turn())
    assert final["support"].source == "computed"  # the final turn needs the full report
