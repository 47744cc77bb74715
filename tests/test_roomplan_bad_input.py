"""Malformed and partial RoomPlan files: a clear SceneFormatError or a best effort with warnings, never a traceback."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from agentscene.cli import app
from agentscene.formats import SceneFormatError, dump_scene, load_scene
from agentscene.formats import roomplan as rp
from agentscene.geometry import rotation_matrix_y

DATA = Path(__file__).parent / "data" / "roomplan"


def capture(name: str = "bedroom.json") -> dict:
    return json.loads((DATA / name).read_text())


def codes(result: rp.RoomPlanImport) -> set[str]:
    return {w.code for w in result.warnings}


def set_rotation(element: dict, r: np.ndarray) -> None:
    t = element["transform"]
    m = np.array(t, dtype=float).reshape(4, 4).T
    m[:3, :3] = r
    element["transform"] = [float(v) for v in m.T.reshape(-1)]


def tilt_x(deg: float) -> np.ndarray:
    a = math.radians(deg)
    return np.array([[1, 0, 0], [0, math.cos(a), -math.sin(a)], [0, math.sin(a), math.cos(a)]])


@pytest.mark.parametrize("data, message", [
    ([], "JSON object"),
    ({}, "no usable walls, floors or objects"),
    ({"walls": "abc"}, "`walls` must be a list"),
    ({"walls": [1, 2]}, "walls[0]: skipped: expected an object"),
    ({"rooms": []}, "holds no captured rooms"),
])
def test_unusable_files_raise_clear_errors(data, message):
    with pytest.raises(SceneFormatError) as e:
        rp.read_roomplan(data)
    assert message in str(e.value)


def test_objects_without_walls_or_floor():
    data = capture()
    del data["walls"], data["floors"]
    with pytest.raises(SceneFormatError) as e:
        rp.read_roomplan(data)
    assert "cannot rebuild the floor polygon" in str(e.value) and "0 usable wall(s)" in str(e.value)


@pytest.mark.parametrize("keep", [1, 2])
def test_one_or_two_walls_are_not_a_room(keep):
    data = capture()
    data["walls"] = data["walls"][:keep]
    del data["floors"]
    with pytest.raises(SceneFormatError) as e:
        rp.read_roomplan(data)
    assert "cannot rebuild the floor polygon" in str(e.value)


def test_single_wall_with_a_floor_surface_is_a_best_effort():
    data = capture()
    data["walls"] = data["walls"][:1]
    result = rp.read_roomplan(data)
    assert "floor_from_surface" in codes(result)
    assert result.scene.room.area == pytest.approx(3.6 * 4.2, abs=1e-3)


def test_nan_transform_skips_the_object_with_a_warning():
    data = capture()
    data["objects"][2]["transform"][13] = float("nan")
    result = rp.read_roomplan(data)
    assert len(result.scene.objects) == len(capture()["objects"]) - 1
    (w,) = [w for w in result.warnings if w.where == "objects[2]"]
    assert w.code == "element_skipped" and "non-finite" in w.message


def test_nan_wall_falls_back_to_the_floor_or_fails_clearly():
    data = capture()
    data["walls"][0]["transform"][12] = float("inf")
    result = rp.read_roomplan(data)  # three walls left: the outline cannot close, the floor surface can
    assert {"element_skipped", "floor_from_surface"} <= codes(result)
    del data["floors"]
    with pytest.raises(SceneFormatError) as e:
        rp.read_roomplan(data)
    text = str(e.value)
    assert "cannot rebuild the floor polygon" in text and "walls[0]: skipped" in text and "non-finite" in text


@pytest.mark.parametrize("field, value, fragment", [
    ("transform", list(range(15)), "list of 16 numbers"),
    ("transform", ["1"] * 16, "non-number"),
    ("transform", [1.0] * 16, "not an affine"),
    ("dimensions", [1.0, 2.0], "list of 3 numbers"),
    ("dimensions", [1.0, -2.0, 1.0], "negative"),
    ("dimensions", [True, 1.0, 1.0], "non-number"),
])
def test_bad_element_fields_are_skipped_with_the_reason(field, value, fragment):
    data = capture()
    data["objects"][0][field] = value
    result = rp.read_roomplan(data)
    (w,) = [w for w in result.warnings if w.where == "objects[0]"]
    assert fragment in w.message
    assert "bed" not in {o.category for o in result.scene.objects}


def test_missing_transform_and_non_object_elements():
    data = capture()
    del data["objects"][0]["transform"]
    data["objects"].append("a sofa")
    data["objects"].append(None)
    result = rp.read_roomplan(data)
    where = {w.where for w in result.warnings if w.code == "element_skipped"}
    assert {"objects[0]", f"objects[{len(data['objects']) - 2}]", f"objects[{len(data['objects']) - 1}]"} <= where


def test_unknown_and_malformed_categories_become_objects():
    data = capture()
    data["objects"][0]["category"] = {"quantumFlux": {}}
    data["objects"][1]["category"] = 42
    data["objects"][2]["category"] = {"a": {}, "b": {}}
    result = rp.read_roomplan(data)
    unknown = [w for w in result.warnings if w.code == "unknown_category"]
    assert len(unknown) == 3
    assert [o.category for o in result.scene.objects[:3]] == ["object"] * 3


def test_tilted_objects_are_rejected_small_tilts_kept():
    data = capture()
    set_rotation(data["objects"][0], rotation_matrix_y(30) @ tilt_x(25))
    set_rotation(data["objects"][1], rotation_matrix_y(30) @ tilt_x(3))
    result = rp.read_roomplan(data)
    (w,) = [w for w in result.warnings if w.code == "tilted_object"]
    assert w.where == "objects[0]" and "25.0 degrees" in w.message and "not imported" in w.message
    assert "bed" not in {o.category for o in result.scene.objects}
    strict = rp.read_roomplan(capture(), rp.RoomPlanSettings(tilt_tolerance_deg=0.1))
    assert len(strict.scene.objects) < len(result.scene.objects)  # the fixture's own sub-degree tilts


def test_mirrored_sheared_and_scaled_transforms():
    data = capture()
    set_rotation(data["objects"][0], np.diag([-1.0, 1.0, 1.0]))
    set_rotation(data["objects"][1], np.array([[1.0, 0.5, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]))
    set_rotation(data["objects"][2], np.diag([2.0, 1.0, 1.0]))
    result = rp.read_roomplan(data)
    msgs = {w.where: w.message for w in result.warnings}
    assert "mirrors" in msgs["objects[0]"] and "sheared" in msgs["objects[1]"]
    assert "folded into the dimensions" in msgs["objects[2]"]
    scaled = [o for o in result.scene.objects if o.extra.get("roomplan_id") == capture()["objects"][2]["identifier"]]
    assert scaled[0].size[0] == pytest.approx(2 * capture()["objects"][2]["dimensions"][0], abs=1e-5)


def test_far_away_objects_are_skipped_not_fatal():
    data = capture()
    data["objects"][3]["transform"][12] = 5.0e5  # past the scene model's 1 km limit
    data["objects"][4]["dimensions"][0] = 1.0e300
    result = rp.read_roomplan(data)
    skipped = {w.where: w.message for w in result.warnings if w.code == "element_skipped"}
    assert "position" in skipped["objects[3]"] and "far beyond any room" in skipped["objects[4]"]


def test_wall_gap_too_wide_to_bridge():
    data = capture("kitchen.json")
    del data["floors"]
    data["walls"][1]["transform"][12] += 2.5  # push one wall far out of line
    data["walls"][1]["transform"][14] += 2.5
    with pytest.raises(SceneFormatError) as e:
        rp.read_roomplan(data)
    assert "gaps over 1 m are not bridged" in str(e.value)


def test_moderate_gap_is_bridged_with_a_warning():
    data = capture("kitchen.json")
    del data["floors"]
    wall = data["walls"][0]
    wall["dimensions"][0] -= 0.9  # stop 45 cm short of each corner
    result = rp.read_roomplan(data)
    assert codes(result) & {"gap_closed", "gap_bridged"}
    assert result.scene.room.area == pytest.approx(3.2 * 4.0, abs=0.05)


def test_vanishing_window_is_dropped():
    """Found by the fuzz test: a denormal width used to round to 0 and fail the Opening model."""
    data = capture("living_room_L.json")
    data["windows"][0]["dimensions"][0] = 9.263110053819236e-257
    result = rp.read_roomplan(data)
    assert [w.where for w in result.warnings if w.code == "opening_degenerate"] == ["windows[0]"]
    assert sum(op.kind == "window" for op in result.scene.room.openings) == 1


def test_extra_interior_wall_is_ignored_with_a_warning():
    data = capture("kitchen.json")
    extra = copy.deepcopy(data["walls"][0])
    extra["identifier"] = "INTERIOR"
    extra["dimensions"][0] = 0.8
    t = extra["transform"]
    t[12], t[14] = sum(w["transform"][12] for w in data["walls"]) / 4, sum(w["transform"][14] for w in data["walls"]) / 4
    data["walls"].append(extra)
    result = rp.read_roomplan(data)
    assert "wall_unused" in codes(result)
    assert result.scene.room.area == pytest.approx(3.2 * 4.0, abs=0.01)


junk = st.one_of(
    st.none(), st.booleans(), st.integers(-10**9, 10**9), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8), st.lists(st.floats(allow_nan=True), max_size=17), st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value[:20]):
            yield from _paths(v, (*prefix, i))


BASE = capture("living_room_L.json")
PATHS = [p for p in _paths(BASE) if p]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(PATHS), junk), min_size=1, max_size=4))
def test_fuzzed_captures_import_or_fail_cleanly(mutations):
    data = copy.deepcopy(BASE)
    for path, value in mutations:
        target = data
        try:
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation replaced a parent
    try:
        result = rp.read_roomplan(data)
    except SceneFormatError as e:
        assert e.message
        return
    # whatever came out is a valid scene that survives a native round trip
    again = load_scene(json.loads(json.dumps(dump_scene(result.scene), allow_nan=False)))
    assert again == result.scene


runner = CliRunner()


def test_cli_imports_and_reports_warnings(tmp_path):
    out = tmp_path / "bedroom_scene.json"
    res = runner.invoke(app, ["data", "roomplan", str(DATA / "bedroom.json"), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "gap_closed" in res.output and "bedroom, 15.1 m²" in res.output
    assert load_scene(out).room.room_type == "bedroom"
    strict = runner.invoke(app, ["data", "roomplan", str(DATA / "bedroom.json"), "--out", str(out), "--strict"])
    assert strict.exit_code == 1
    grouped = runner.invoke(app, ["data", "roomplan", str(DATA / "kitchen.json"), "--out", str(out), "--to", "scenerevis"])
    assert grouped.exit_code == 0 and "bounds_bottom" in out.read_text()


def test_cli_bad_captures_fail_without_traceback(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"walls": [{"transform": [1, 2], "dimensions": [1, 2, 3]}]}')
    res = runner.invoke(app, ["data", "roomplan", str(bad), "--out", str(tmp_path / "o.json")])
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert "list of 16 numbers" in res.output
    broken = tmp_path / "broken.json"
    broken.write_text('{"walls": [')
    res = runner.invoke(app, ["data", "roomplan", str(broken)])
    assert res.exit_code == 1 and "invalid JSON" in res.output
    res = runner.invoke(app, ["data", "roomplan", str(DATA / "kitchen.json"), "--min-confidence", "sure", "--out", str(tmp_path / "o.json")])
    assert res.exit_code == 1 and "min_confidence" in res.output
    assert not (tmp_path / "o.json").exists()
