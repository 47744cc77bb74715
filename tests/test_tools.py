from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentscene import load_scene
from agentscene.tools import (
    ErrorCode,
    ToolCall,
    apply_tool,
    apply_tool_calls,
    tool_schemas,
)

SNAPSHOT = Path(__file__).parent / "data" / "tool_schemas.json"


def test_tool_schemas_match_the_snapshot():
    # Regenerate deliberately with: python -c "import json; from agentscene.tools import tool_schemas;
    # print(json.dumps(tool_schemas(), indent=2))" > tests/data/tool_schemas.json
    assert tool_schemas() == json.loads(SNAPSHOT.read_text())


def _keys(node) -> set[str]:
    if isinstance(node, dict):
        return set(node) | set().union(*(_keys(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_keys(v) for v in node)) if node else set()
    return set()


def test_tool_schemas_are_strict():
    schemas = tool_schemas()
    assert [s["function"]["name"] for s in schemas] == [
        "add_object", "move_object", "rotate_object", "scale_object", "replace_object", "remove_object", "terminate",
    ]
    for s in schemas:
        fn = s["function"]
        params = fn["parameters"]
        assert fn["strict"] is True
        assert params["additionalProperties"] is False
        assert sorted(params["required"]) == sorted(params["properties"])
        assert not {"$ref", "$defs", "title", "default", "maxLength"} & _keys(params)
    with pytest.raises(ValueError, match="unknown tools"):
        tool_schemas(["fly"])
    assert len(tool_schemas(["move_object"])) == 1


def test_add_object_picks_unique_ids_and_infers_category(bedroom):
    r = apply_tool(bedroom, "add_object", {"description": "another walnut bedside table", "position": [3.5, 0, 0.5],
                                           "yaw": 0, "size": [0.5, 0.55, 0.4]})
    assert r.ok and r.object_id == "nightstand_3"
    added = r.scene["nightstand_3"]
    assert added.category == "nightstand" and added.support == "floor" and added.asset is None
    r2 = apply_tool(r.scene, "add_object", {"description": "abstract painting", "position": [2, 1.2, 0.02], "yaw": 0,
                                            "size": [0.8, 0.6, 0.03], "category": "Wall Art", "support": None})
    assert r2.ok and r2.object_id == "wall_art_1" and r2.scene["wall_art_1"].support == "floor"
    r3 = apply_tool(r.scene, "add_object", {"description": "framed poster", "position": [2, 1.2, 0.02], "yaw": 0,
                                            "size": [0.8, 0.6, 0.03], "category": None, "support": None})
    assert r3.scene[r3.object_id].support == "wall"  # the category's default support
    lamp = apply_tool(bedroom, "add_object", {"description": "small lamp", "position": [0.45, 0.55, 3.4], "yaw": 0,
                                              "size": [0.25, 0.4, 0.25], "support": "nightstand_1"})
    assert lamp.ok and lamp.scene[lamp.object_id].support == "nightstand_1"
    bad_support = apply_tool(bedroom, "add_object", {"description": "lamp", "position": [1, 0, 1], "yaw": 0,
                                                     "size": [0.2, 0.4, 0.2], "support": "table_7"})
    assert bad_support.error == ErrorCode.UNKNOWN_OBJECT


def test_move_rotate_scale(bedroom):
    r = apply_tool(bedroom, "move_object", {"object_id": "desk_1", "position": [1.2, 0, 0.3]})
    assert r.ok and r.scene["desk_1"].position == (1.2, 0.0, 0.3)
    r = apply_tool(r.scene, "rotate_object", {"object_id": "desk_1", "yaw": 450})
    assert r.ok and r.scene["desk_1"].yaw == 90
    r = apply_tool(r.scene, "scale_object", {"object_id": "desk_1", "size": [1.2, 0.75, 0.6]})
    assert r.ok and r.scene["desk_1"].size == (1.2, 0.75, 0.6)
    assert bedroom["desk_1"].position == (0.9, 0.0, 0.3)  # the original is untouched


def test_replace_keeps_pose_and_size_but_drops_the_asset():
    scene = load_scene(Path(__file__).parent / "data" / "scenes" / "bedroom_clockwise_scenerevis.json")
    before = scene["bed_1"]
    r = apply_tool(scene, "replace_object", {"object_id": "bed_1", "description": "oak four-poster bed"})
    after = r.scene["bed_1"]
    assert r.ok and after.description == "oak four-poster bed" and after.category == "bed"
    assert (after.position, after.yaw, after.size) == (before.position, before.yaw, before.size)
    assert before.asset is not None and after.asset is None
    r = apply_tool(scene, "replace_object", {"object_id": "bench_1", "description": "velvet ottoman"})
    assert r.scene["bench_1"].category == "ottoman"  # id stays stable, category follows the description


def test_remove_reparents_objects_that_rested_on_it():
    scene = load_scene(Path(__file__).parent / "data" / "scenes" / "kids_room_stacked.json")
    r = apply_tool(scene, "remove_object", {"object_id": "nightstand_1"})
    assert r.ok and r.scene.get("nightstand_1") is None
    assert r.scene["table_lamp_1"].support == "floor"
    assert "table_lamp_1" in r.message
    # the edited scene is still a valid scene
    type(scene).model_validate(r.scene.model_dump())


def test_terminate(bedroom):
    r = apply_tool(bedroom, "terminate", {"reason": "all done"})
    assert r.ok and r.terminated and r.scene is bedroom and "all done" in r.message


@pytest.mark.parametrize(
    "name, args, code, words",
    [
        ("fly_object", {}, ErrorCode.UNKNOWN_TOOL, "the tools are add_object"),
        ("move_object", "{not json", ErrorCode.INVALID_JSON, "not valid JSON"),
        ("move_object", "[1, 2]", ErrorCode.INVALID_ARGUMENTS, "must be a JSON object"),
        ("move_object", {"object_id": "sofa_9", "position": [1, 0, 1]}, ErrorCode.UNKNOWN_OBJECT, "Objects in the scene: bed_1"),
        ("move_object", {"object_id": "bed_1"}, ErrorCode.INVALID_ARGUMENTS, "position: required field is missing"),
        ("move_object", {"object_id": "bed_1", "position": [1, 0]}, ErrorCode.INVALID_ARGUMENTS, "position"),
        ("move_object", {"object_id": "bed_1", "position": ["1", 0, 1]}, ErrorCode.INVALID_ARGUMENTS, "position[0]"),
        ("move_object", {"object_id": "bed_1", "position": [True, 0, 1]}, ErrorCode.INVALID_ARGUMENTS, "position[0]"),
        ("move_object", {"object_id": "bed_1", "position": [float("nan"), 0, 1]}, ErrorCode.INVALID_ARGUMENTS, "finite"),
        ("move_object", {"object_id": "bed_1", "position": [1e300, 0, 1]}, ErrorCode.INVALID_ARGUMENTS, "within"),
        ("move_object", {"object_id": "bed_1", "position": [1, 0, 1], "speed": 3}, ErrorCode.INVALID_ARGUMENTS, "speed: unknown field"),
        ("move_object", {"object_id": "bed_1", "position": [40, 0, 1]}, ErrorCode.OUTSIDE_ROOM, "wholly outside the room"),
        ("move_object", {"object_id": "bed_1", "position": [1, 5, 1]}, ErrorCode.OUTSIDE_ROOM, "ceiling"),
        ("move_object", {"object_id": "bed_1", "position": [1, -3, 1]}, ErrorCode.OUTSIDE_ROOM, "below the floor"),
        ("scale_object", {"object_id": "bed_1", "size": [1, 0, 1]}, ErrorCode.INVALID_ARGUMENTS, "greater than 0"),
        ("scale_object", {"object_id": "bed_1", "size": [1, 900, 1]}, ErrorCode.INVALID_ARGUMENTS, "at most"),
        ("rotate_object", {"object_id": "bed_1", "yaw": "90"}, ErrorCode.INVALID_ARGUMENTS, "yaw"),
        ("rotate_object", {"object_id": "", "yaw": 90}, ErrorCode.INVALID_ARGUMENTS, "object_id"),
        ("add_object", {"description": "  ", "position": [1, 0, 1], "yaw": 0, "size": [1, 1, 1]}, ErrorCode.INVALID_ARGUMENTS, "must not be empty"),
        ("remove_object", {"object_id": 7}, ErrorCode.INVALID_ARGUMENTS, "object_id"),
        ("terminate", {}, ErrorCode.INVALID_ARGUMENTS, "reason"),
        ("move_object", "x" * 200_000, ErrorCode.INVALID_ARGUMENTS, "limit"),
        (None, {}, ErrorCode.UNKNOWN_TOOL, "unknown tool"),
        ("move_object", 42, ErrorCode.INVALID_ARGUMENTS, "must be a JSON object"),
    ],
)
def test_model_mistakes_are_results_and_leave_the_scene_untouched(bedroom, name, args, code, words):
    before = bedroom.model_dump_json()
    r = apply_tool(bedroom, name, args)
    assert not r.ok and r.error == code, r.message
    assert words in r.message
    assert r.scene is bedroom and bedroom.model_dump_json() == before
    assert r.to_message().startswith(f"Error ({code.value})")


def test_partially_outside_is_allowed_the_evaluator_judges_it(bedroom):
    r = apply_tool(bedroom, "move_object", {"object_id": "wardrobe_1", "position": [4.1, 0, 1.9]})
    assert r.ok


def test_arguments_as_json_strings_and_openai_shapes(bedroom):
    calls = [
        {"id": "c1", "type": "function", "function": {"name": "move_object", "arguments": '{"object_id": "desk_1", "position": [1, 0, 0.3]}'}},
        {"name": "rotate_object", "arguments": {"object_id": "desk_1", "yaw": 10}},
        ToolCall(name="terminate", arguments='{"reason": "ok"}', id="c3"),
        {"name": "remove_object", "arguments": {"object_id": "desk_1"}},
    ]
    out = apply_tool_calls(bedroom, calls)
    assert [r.ok for r in out.results] == [True, True, True, False]
    assert out.results[0].call_id == "c1" and out.results[2].call_id == "c3"
    assert out.results[3].error == ErrorCode.AFTER_TERMINATE
    assert out.terminated and out.scene["desk_1"].yaw == 10 and out.scene.get("desk_1") is not None
    assert "4. remove_object: Error (after_terminate)" in out.feedback()


def test_failed_calls_do_not_stop_later_calls(bedroom):
    out = apply_tool_calls(bedroom, [
        {"name": "move_object", "arguments": {"object_id": "nope", "position": [1, 0, 1]}},
        "not a call",
        {"arguments": {}},
        {"name": "move_object", "arguments": {"object_id": "desk_1", "position": [1, 0, 0.3]}},
    ])
    assert [r.ok for r in out.results] == [False, False, False, True]
    assert out.results[1].error == ErrorCode.INVALID_CALL
    assert out.scene["desk_1"].position == (1.0, 0.0, 0.3)


def test_scenerevis_argument_names_are_translated():
    scene = load_scene(Path(__file__).parent / "data" / "scenes" / "bedroom_clockwise_scenerevis.json")
    jid = scene["bed_1"].asset.asset_id
    r = apply_tool(scene, "move_object", {"jid": jid, "new_position": [0, 0, -0.6]})
    assert r.ok and r.scene["bed_1"].position == (0.0, 0.0, -0.6)
    r = apply_tool(scene, "rotate_object", {"jid": "bed_1", "new_rotation": [0, 0.7071068, 0, 0.7071068]})
    assert r.ok and r.scene["bed_1"].yaw == pytest.approx(90)
    r = apply_tool(scene, "add_object", {"object_description": "floor lamp", "position": [1.5, 0, 1.4],
                                         "rotation": [0, 0, 0, 1], "size": [0.4, 1.6, 0.4], "group_name": "reading"})
    assert r.ok and r.object_id == "floor_lamp_1"
    r = apply_tool(scene, "replace_object", {"jid_to_replace": jid, "new_object_description": "bunk bed"})
    assert r.ok and r.scene["bed_1"].description == "bunk bed"
    r = apply_tool(scene, "scale_object", {"jid": "bed_1", "new_size": [1.8, 1.1, 2.2]})
    assert r.ok and r.scene["bed_1"].size == (1.8, 1.1, 2.2)


def test_ambiguous_jid_lists_the_candidates():
    scene = load_scene(Path(__file__).parent / "data" / "scenes" / "bedroom_clockwise_scenerevis.json")
    jid = scene["nightstand_1"].asset.asset_id
    assert scene["nightstand_2"].asset.asset_id == jid
    r = apply_tool(scene, "remove_object", {"jid": jid})
    assert r.error == ErrorCode.AMBIGUOUS_REFERENCE
    assert "nightstand_1" in r.message and "nightstand_2" in r.message
    r = apply_tool(scene, "remove_object", {"jid": "nightstand_2"})  # a native id disambiguates
    assert r.ok and [o.id for o in r.scene.by_category("nightstand")] == ["nightstand_1"]
    r = apply_tool(scene, "rotate_object", {"jid": "bed_1", "new_rotation": [0.5, 0, 0, 0.8]})
    assert r.error == ErrorCode.INVALID_ARGUMENTS and "tilts" in r.message


def test_too_many_objects(bedroom, monkeypatch):
    import agentscene.tools.apply as apply_mod

    monkeypatch.setattr(apply_mod, "MAX_OBJECTS", 6)
    r = apply_tool(bedroom, "add_object", {"description": "chair", "position": [2, 0, 2], "yaw": 0, "size": [0.5, 0.9, 0.5]})
    assert r.error == ErrorCode.TOO_MANY_OBJECTS


def test_results_serialise_without_the_scene(bedroom):
    r = apply_tool(bedroom, "move_object", {"object_id": "desk_1", "position": [1, 0, 0.3]})
    data = json.loads(r.model_dump_json())
    assert data["ok"] is True and "scene" not in data and data["object_id"] == "desk_1"
