"""The MCP server's parts without a transport: path confinement, sessions on disk, the tool runner."""

from __future__ import annotations

import json
import os
from pathlib import Path

import anyio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentscene.formats import load_scene
from agentscene.mcpserver import (
    MCPSettings,
    PathRefused,
    SessionStore,
    ToolRunner,
    all_tool_specs,
    confine,
)
from agentscene.mcpserver.session import turn_numbers
from agentscene.tools import tool_schemas

BEDROOM = Path(__file__).parent / "data" / "scenes" / "bedroom_basic.json"


def test_confine_accepts_inside_and_refuses_outside(tmp_path):
    root = tmp_path / "root"
    (root / "a").mkdir(parents=True)
    (root / "link_out").symlink_to(tmp_path)
    (root / "link_in").symlink_to(root / "a")
    assert confine(root, "a/b.json") == (root / "a" / "b.json").resolve()
    assert confine(root, "./a/../a/b.json") == (root / "a" / "b.json").resolve()
    assert confine(root, str(root / "x.json")) == (root / "x.json").resolve()
    assert confine(root, "link_in/c.json") == (root / "a" / "c.json").resolve()
    for bad in ("..", "../x", "a/../../x", "/etc/passwd", "link_out/x", "link_out", "~", "", "  ", "a\x00b", "y" * 1100):
        with pytest.raises(PathRefused):
            confine(root, bad)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["..", ".", "a", "b", "link_out", "link_in", "", "~", "/", "x.json"]), min_size=1, max_size=6))
def test_confine_never_returns_a_path_outside(tmp_path_factory, parts):
    root = tmp_path_factory.getbasetemp() / "confine_root"
    if not root.exists():
        (root / "a").mkdir(parents=True)
        (root / "link_out").symlink_to(root.parent)
        (root / "link_in").symlink_to(root / "a")
    raw = "/".join(parts)
    try:
        path = confine(root, raw)
    except PathRefused:
        return
    resolved_root = root.resolve()
    assert path == resolved_root or resolved_root in path.parents


def test_every_mcp_schema_is_the_shared_one_or_strict():
    shared = {s["function"]["name"]: s["function"]["parameters"] for s in tool_schemas()}
    specs = {spec.name: spec.input_schema() for spec in all_tool_specs()}
    assert {k: specs[k] for k in shared} == shared
    assert specs["render"]["properties"]["view"]["enum"] == ["top", "diagonal", "merged"]
    assert specs["export"]["required"] == ["format", "path"]


def _settings(tmp_path: Path, **kw) -> MCPSettings:
    return MCPSettings(workdir=tmp_path, **kw)


def test_sessions_resume_from_disk_and_prune_old_turns(tmp_path):
    s = _settings(tmp_path, scene=BEDROOM, history_turns=3)
    store = SessionStore(s)
    runner = ToolRunner(s)
    session = store.get("alpha")
    for x in (1.0, 1.5, 2.0, 2.5):
        out = anyio.run(runner.call, session, "move_object", {"object_id": "bed_1", "position": [x, 0.0, 1.5]})
        assert out.ok
    turns = turn_numbers(session.directory / "turns")
    assert turns == [2, 3, 4]  # turns 0 and 1 pruned, 3 kept
    last = json.loads((session.directory / "turns" / "turn_04.json").read_text())
    assert last["tool_calls"] == [{"name": "move_object", "arguments": {"object_id": "bed_1", "position": [2.5, 0.0, 1.5]}}]
    assert last["results"][0]["ok"] is True and last["scene"]["objects"][0]["position"] == [2.5, 0.0, 1.5]
    resumed = SessionStore(s).get("alpha")
    assert resumed.scene == session.scene
    assert not resumed.can_undo  # undo history lives in memory only
    nxt = anyio.run(runner.call, resumed, "move_object", {"object_id": "bed_1", "position": [3.0, 0.0, 1.5]})
    assert nxt.data["turn"] == 5
    runner.close()


def test_lru_eviction_keeps_state_on_disk(tmp_path):
    s = _settings(tmp_path, max_sessions_in_memory=2)
    store = SessionStore(s)
    runner = ToolRunner(s)
    for key in ("a", "b", "c"):
        out = anyio.run(runner.call, store.get(key), "add_object", {"description": f"{key} chair", "position": [1, 0, 1], "yaw": 0,
                                                                    "size": [0.5, 0.9, 0.5], "category": "chair", "support": None})
        assert out.ok
    assert len(list(store)) == 2
    again = store.get("a")  # evicted, reloaded from its autosave
    assert [o.description for o in again.scene.objects] == ["a chair"]
    with pytest.raises(ValueError):
        store.get("../escape")
    runner.close()


def test_undo_walks_back_through_new_and_loaded_scenes(tmp_path):
    (tmp_path / "bedroom.json").write_text(BEDROOM.read_text())
    s = _settings(tmp_path, undo_depth=2)
    runner = ToolRunner(s)
    session = SessionStore(s).get("u")
    start = session.scene

    async def go():
        loaded = await runner.call(session, "load_scene", {"path": "bedroom.json"})
        new = await runner.call(session, "new_scene", {"room_type": "hall", "floor": [[0, 0], [2, 0], [2, 6], [0, 6]], "height": 3.0})
        moved = await runner.call(session, "new_scene", {"room_type": "hall", "floor": [[0, 0], [2, 0], [2, 7], [0, 7]], "height": 3.0})
        first = await runner.call(session, "undo", {})
        second = await runner.call(session, "undo", {})
        third = await runner.call(session, "undo", {})  # depth 2: the oldest step has fallen off
        return loaded, new, moved, first, second, third

    loaded, new, moved, first, second, third = anyio.run(go)
    assert loaded.ok and new.ok and moved.ok and first.ok and second.ok
    assert session.scene == load_scene(BEDROOM)
    assert session.scene != start
    assert not third.ok and third.error == "nothing_to_undo"
    runner.close()


def test_evaluate_and_render_are_results_whether_or_not_their_packages_landed(tmp_path):
    s = _settings(tmp_path, scene=BEDROOM)
    runner = ToolRunner(s)
    session = SessionStore(s).get("e")
    evaluated = anyio.run(runner.call, session, "evaluate", {})
    rendered = anyio.run(runner.call, session, "render", {"view": "merged"})
    runner.close()
    assert evaluated.ok, evaluated.text
    assert evaluated.data["headline"]["n_objects"] == len(session.scene.objects)
    assert rendered.ok or rendered.error == "not_available", rendered.text  # a renderer's extra may be missing
    if rendered.ok:
        assert rendered.image_png.startswith(b"\x89PNG") and rendered.data["width"] > rendered.data["height"]


def test_settings_refuse_nonsense(tmp_path):
    from pydantic import ValidationError

    for bad in ({"session": "../x"}, {"port": 70000}, {"transport": "carrier-pigeon"}, {"undo_depth": 0}):
        with pytest.raises(ValidationError):
            MCPSettings(workdir=tmp_path, **bad)
    assert os.path.isabs(str(MCPSettings(workdir=tmp_path).workdir))


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
_names = st.sampled_from(["new_scene", "load_scene", "get_scene", "undo", "export", "render", "move_object", "add_object", "nope"])
_fields = st.sampled_from(["room_type", "floor", "height", "path", "format", "view", "object_id", "position", "size", "yaw", "description"])


@settings(max_examples=300, deadline=None)
@given(name=_names, arguments=st.one_of(_json, st.dictionaries(_fields, _json, max_size=4)))
def test_no_argument_a_client_can_send_raises(tmp_path_factory, name, arguments):
    workdir = tmp_path_factory.getbasetemp() / "fuzz_workdir"
    s = _settings(workdir)
    runner = ToolRunner(s)
    session = SessionStore(s).get("fuzz")
    out = anyio.run(runner.call, session, name, arguments)
    runner.close()
    assert out.ok or (out.error and out.text.startswith(f"Error ({out.error})"))
    if not out.ok:
        assert out.data == {"ok": False, "error": out.error, "message": out.text.split(": ", 1)[1]}


def test_export_writes_meshes_through_the_exporters(tmp_path):
    import trimesh

    (tmp_path / "bedroom.json").write_text(BEDROOM.read_text())
    s = _settings(tmp_path)
    runner = ToolRunner(s)
    session = SessionStore(s).get("x")

    async def go():
        await runner.call(session, "load_scene", {"path": "bedroom.json"})
        glb = await runner.call(session, "export", {"format": "glb", "path": None})
        mjcf = await runner.call(session, "export", {"format": "mjcf", "path": "out/room.xml"})
        escape = await runner.call(session, "export", {"format": "glb", "path": "../room.glb"})
        return glb, mjcf, escape

    glb, mjcf, escape = anyio.run(go)
    assert glb.ok and (tmp_path / "exports" / "scene_glb.glb").is_file()
    loaded = trimesh.load(tmp_path / "exports" / "scene_glb.glb")
    assert len(loaded.geometry) >= len(load_scene(BEDROOM).objects)
    assert mjcf.ok and "<mujoco" in (tmp_path / "out" / "room.xml").read_text()
    assert not escape.ok and escape.error == "path_refused"
    runner.close()
