from __future__ import annotations

import json
import os

import jsonschema
import pytest

from agentscene.formats import SceneFormatError, detect_dialect, dump_scene, load_scene, save_scene
from agentscene.formats.native import scene_json_schema
from agentscene.scene import NEED_RETRIEVAL

from .conftest import fixture_manifest, fixture_paths

DIALECTS = ["native", "scenerevis", "scenerevis-grouped", "respace"]


def test_there_are_enough_fixtures():
    paths = fixture_paths()
    assert len(paths) >= 12
    counts = [fixture_manifest()[p.name]["objects"] for p in paths]
    assert min(counts) >= 3 and max(counts) >= 40
    shapes = {load_scene(p).room.floor.__len__() for p in paths}
    assert {4, 6, 8} <= shapes  # rectangles, L-shapes and U-shapes


@pytest.mark.parametrize("path", fixture_paths(), ids=lambda p: p.stem)
def test_dialect_is_detected_and_round_trip_is_exact(path):
    raw = json.loads(path.read_text())
    expected = fixture_manifest()[path.name]["dialect"]
    assert detect_dialect(raw) == expected
    scene = load_scene(path)
    assert dump_scene(scene, expected) == raw  # dialect -> native -> dialect


@pytest.mark.parametrize("path", fixture_paths(), ids=lambda p: p.stem)
@pytest.mark.parametrize("dialect", DIALECTS)
def test_native_round_trip_through_every_dialect(path, dialect):
    scene = load_scene(path)
    data = json.loads(json.dumps(dump_scene(scene, dialect)))  # through real JSON text
    assert load_scene(data, dialect=dialect) == scene  # native -> dialect -> native


def test_quaternions_become_degrees_and_back():
    scene = load_scene(fixture_paths()[0].parent / "bedroom_clockwise_scenerevis.json")
    wardrobe = scene.objects[3]
    assert wardrobe.yaw == pytest.approx(-90)
    assert scene.objects[4].yaw == pytest.approx(180)
    out = dump_scene(scene.replace_object(wardrobe.model_copy(update={"yaw": 90.0})), "scenerevis")
    assert out["objects"][3]["rot"] == pytest.approx([0, 0.7071067811865476, 0, 0.7071067811865476])
    # untouched objects keep their verbatim quaternions
    assert out["objects"][4]["rot"] == [0, 1, 0, 0]


def test_need_retrieval_and_jids_are_kept_in_asset():
    scene = load_scene(fixture_paths()[0].parent / "bedroom_clockwise_scenerevis.json")
    assert scene.objects[3].asset.asset_id == NEED_RETRIEVAL
    assert scene.objects[4].asset.source == "3d-future"
    plant = scene.objects[5]
    assert plant.asset.source == "objaverse" and plant.asset.asset_id.startswith("0f1e2d")
    assert plant.asset.retrieved_size == (0.5, 1.42, 0.48)
    # two nightstands share a jid; native ids stay unique and readable
    assert [o.id for o in scene.objects[1:3]] == ["nightstand_1", "nightstand_2"]


def test_clockwise_bounds_are_normalised_but_exported_verbatim():
    path = fixture_paths()[0].parent / "bedroom_clockwise_scenerevis.json"
    raw = json.loads(path.read_text())
    scene = load_scene(raw)
    from agentscene.geometry import signed_area

    assert signed_area(scene.room.floor) > 0
    assert dump_scene(scene, "scenerevis")["bounds_bottom"] == raw["bounds_bottom"]
    # once the room changes, the bounds are regenerated from the new floor
    bigger = scene.model_copy(update={"room": scene.room.model_copy(update={"height": 3.0})})
    assert dump_scene(bigger, "scenerevis")["bounds_top"][0][1] == 3.0


def test_floor_offset_is_removed_and_restored():
    raw = {
        "room_type": "bedroom",
        "bounds_top": [[0, 3.5, 0], [3, 3.5, 0], [3, 3.5, 3], [0, 3.5, 3]],
        "bounds_bottom": [[0, 0.5, 0], [3, 0.5, 0], [3, 0.5, 3], [0, 0.5, 3]],
        "objects": [{"desc": "bed", "size": [1, 1, 2], "pos": [1.5, 0.5, 1.5], "rot": [0, 0, 0, 1], "jid": "x"}],
    }
    scene = load_scene(raw)
    assert scene.room.height == 3.0
    assert scene.objects[0].position[1] == 0.0
    assert dump_scene(scene, "scenerevis") == raw


def test_grouped_scenes_keep_their_groups():
    raw = {
        "room_type": "living_room", "room_id": "r1",
        "room_envelope": {"bounds_top": [[0, 2.8, 0], [5, 2.8, 0], [5, 2.8, 4], [0, 2.8, 4]],
                          "bounds_bottom": [[0, 0, 0], [5, 0, 0], [5, 0, 4], [0, 0, 4]]},
        "groups": [
            {"group_name": "seating", "group_type": "functional_area", "description": "sofa area",
             "objects": [{"desc": "sofa", "size": [2, 0.8, 0.9], "pos": [2.5, 0, 3.5], "rot": [0, 1, 0, 0], "jid": "a"}]},
            {"group_name": "media", "group_type": "functional_area", "description": "tv",
             "objects": [{"desc": "tv stand", "size": [1.6, 0.5, 0.4], "pos": [2.5, 0, 0.2], "rot": [0, 0, 0, 1], "jid": "b"}]},
        ],
    }
    scene = load_scene(raw)
    assert [o.extra["group"] for o in scene.objects] == ["seating", "media"]
    assert dump_scene(scene, "scenerevis-grouped") == raw
    flat = dump_scene(scene, "scenerevis")
    assert [o["desc"] for o in flat["objects"]] == ["sofa", "tv stand"]
    assert "group" not in flat["objects"][0]


def test_respace_fields():
    path = fixture_paths()[0].parent / "dining_room_rotated.json"
    raw = json.loads(path.read_text())
    scene = load_scene(raw)
    first = raw["objects"][0]
    assert scene.objects[0].asset.asset_id == first["sampled_asset_jid"]
    assert list(scene.objects[0].asset.retrieved_size) == first["sampled_asset_size"]
    as_scenerevis = dump_scene(scene, "scenerevis")
    assert as_scenerevis["objects"][0]["jid"] == first["sampled_asset_jid"]
    assert as_scenerevis["objects"][0]["retrieved_size"] == first["sampled_asset_size"]


def test_unknown_keys_survive_round_trips():
    raw = {
        "room_type": "bedroom", "extra_top": {"a": 1},
        "bounds_top": [[0, 2.8, 0], [3, 2.8, 0], [3, 2.8, 3], [0, 2.8, 3]],
        "bounds_bottom": [[0, 0, 0], [3, 0, 0], [3, 0, 3], [0, 0, 3]],
        "objects": [{"desc": "chair", "size": [0.5, 0.9, 0.5], "pos": [1, 0, 1], "rot": [0, 0, 0, 1], "color": "red"}],
    }
    scene = load_scene(raw)
    assert scene.objects[0].extra["color"] == "red"
    assert dump_scene(scene, "scenerevis") == raw
    assert dump_scene(load_scene(dump_scene(scene)), "scenerevis") == raw


def test_save_is_atomic_and_loads_back(tmp_path, bedroom):
    target = tmp_path / "out" / "scene.json"
    save_scene(bedroom, target)
    assert json.loads(target.read_text())["schema_version"] == 1
    assert load_scene(target) == bedroom
    # a failing dump leaves the previous file intact and no temp files behind
    bad = bedroom.model_copy(update={"metadata": {"x": object()}})
    with pytest.raises(ValueError):
        save_scene(bad, target)
    assert load_scene(target) == bedroom
    assert os.listdir(target.parent) == ["scene.json"]


def test_json_schema_accepts_every_fixture_in_native_form():
    schema = scene_json_schema()
    validator = jsonschema.Draft202012Validator(schema)
    for path in fixture_paths():
        errors = list(validator.iter_errors(dump_scene(load_scene(path))))
        assert not errors, (path.name, errors[:1])
    assert list(validator.iter_errors({"room": {"floor": "nope"}}))


@pytest.mark.parametrize(
    "mutate, words",
    [
        (lambda d: d["objects"][0].__setitem__("size", [1, -2, 1]), "objects[0].size[1]"),
        (lambda d: d["objects"][0].__setitem__("size", [1, 2]), "objects[0].size"),
        (lambda d: d["objects"][0].__setitem__("pos", [1, "x", 1]), "objects[0].pos[1]"),
        (lambda d: d["objects"][0].__setitem__("rot", [0.5, 0, 0, 0.8]), "tilts"),
        (lambda d: d["objects"][0].pop("pos"), "objects[0].pos: required"),
        (lambda d: d.__setitem__("bounds_bottom", [[0, 0, 0], [2, 0, 2], [2, 0, 0], [0, 0, 1]]), "not simple"),
        (lambda d: d.__setitem__("objects", {"a": 1}), "objects: expected a list"),
        (lambda d: d["objects"].append(7), "objects[1]: expected an object"),
    ],
)
def test_invalid_dialect_files_name_the_field(mutate, words):
    raw = {
        "room_type": "bedroom",
        "bounds_top": [[0, 2.8, 0], [3, 2.8, 0], [3, 2.8, 3], [0, 2.8, 3]],
        "bounds_bottom": [[0, 0, 0], [3, 0, 0], [3, 0, 3], [0, 0, 3]],
        "objects": [{"desc": "chair", "size": [0.5, 0.9, 0.5], "pos": [1, 0, 1], "rot": [0, 0, 0, 1]}],
    }
    mutate(raw)
    with pytest.raises(SceneFormatError) as e:
        load_scene(raw)
    assert words in str(e.value)


@pytest.mark.parametrize(
    "content, words",
    [
        (b"{not json", "invalid JSON at line 1"),
        (b"[1, 2]", "expected a JSON object"),
        (b"\xff\xfe\x00", "not UTF-8"),
        (b'{"hello": 1}', "cannot tell the scene format"),
        (b'{"schema_version": 99, "room": {}}', "newer agentscene"),
        (b'{"schema_version": 1, "room": {"floor": [[0,0],[1,0],[1,1]]}, "objects": [{"id": "a"}]}', "objects[0].description: required"),
    ],
)
def test_invalid_files_give_clear_errors(tmp_path, content, words):
    p = tmp_path / "bad.json"
    p.write_bytes(content)
    with pytest.raises(SceneFormatError) as e:
        load_scene(p)
    assert words in str(e.value)
    assert str(p) in str(e.value)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(SceneFormatError, match="file not found"):
        load_scene(tmp_path / "nope.json")
    with pytest.raises(SceneFormatError, match="directory"):
        load_scene(tmp_path)


def test_explicit_dialect_and_unknown_dialect(bedroom):
    data = dump_scene(bedroom, "scenerevis")
    assert load_scene(data, dialect="flat") == bedroom
    with pytest.raises(ValueError, match="unknown dialect"):
        load_scene(data, dialect="fbx")


def test_saved_files_are_world_readable(tmp_path, bedroom):
    target = tmp_path / "scene.json"
    save_scene(bedroom, target)
    assert target.stat().st_mode & 0o777 == 0o644
    os.chmod(target, 0o600)
    save_scene(bedroom, target)
    assert target.stat().st_mode & 0o777 == 0o600  # an existing file keeps its mode
