"""Attack suite, data loss: exports over session files, unencodable text, writes over special files.

Each test tries several instances of one class of attack (issue 15, items 1-3).
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import anyio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentscene.fileio import UnsafePathError, atomic_write_bytes, atomic_write_json, resolve_target
from agentscene.formats import SceneFormatError, load_scene, save_scene
from agentscene.mcpserver import MCPSettings, SessionStore, ToolRunner, all_tool_specs
from agentscene.run_dir import RunDirectory
from agentscene.scene import Room, Scene
from agentscene.tools import apply_tool

ROOM = Room(floor=((0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0)))
SCENE = Scene(room=ROOM)

# -- 1. MCP export never writes over a session's own files ----------------------------------------


@pytest.mark.parametrize("target", [
    "sessions/default/scene.json", "sessions/default/.lock", "sessions/default/turns/turn_00.json",
    "sessions/other/scene.json", "sessions/../sessions/default/scene.json", "./sessions/x.json",
    "sessions", "SESSIONS_LINK/default/scene.json",
])
def test_export_refuses_session_files(tmp_path, target):
    settings_ = MCPSettings(workdir=tmp_path)
    (tmp_path / "SESSIONS_LINK").symlink_to(tmp_path / "sessions")
    store = SessionStore(settings_)
    store.lock("default")
    session = store.get("default")
    before = {p: p.read_bytes() for p in (tmp_path / "sessions").rglob("*") if p.is_file()}
    runner = ToolRunner(settings_)
    try:
        out = anyio.run(runner.call, session, "export", {"format": "native", "path": target})
    finally:
        runner.close()
        store.close()
    assert not out.ok and out.error == "path_refused", out.text
    after = {p: p.read_bytes() for p in (tmp_path / "sessions").rglob("*") if p.is_file()}
    assert after == before
    # the session still resumes from its own files
    assert SessionStore(settings_).get("default").scene.room == session.scene.room


def test_export_still_writes_elsewhere_and_is_not_read_only(tmp_path):
    settings_ = MCPSettings(workdir=tmp_path)
    store = SessionStore(settings_)
    runner = ToolRunner(settings_)
    try:
        out = anyio.run(runner.call, store.get("default"), "export", {"format": "native", "path": "out/sessions.json"})
    finally:
        runner.close()
    assert out.ok and (tmp_path / "out" / "sessions.json").is_file()
    spec = {s.name: s for s in all_tool_specs()}["export"]
    assert spec.read_only is False and spec.destructive is True


# -- 2. unencodable text is refused where it enters, and never loses a file ----------------------

SURROGATES = ["lamp \ud83d", "\udc00", "a\udfffb", "\ud800\ud800", "x" * 100 + "\udbff"]


@pytest.mark.parametrize("text", SURROGATES)
def test_tool_arguments_with_lone_surrogates_are_refused(text):
    for name, args in [
        ("add_object", {"description": text, "position": [1, 0, 1], "yaw": 0, "size": [1, 1, 1]}),
        ("add_object", {"description": "lamp", "position": [1, 0, 1], "yaw": 0, "size": [1, 1, 1], "category": text}),
        ("add_object", {"description": "lamp", "position": [1, 0, 1], "yaw": 0, "size": [1, 1, 1], "support": text}),
        ("terminate", {"reason": text}),
    ]:
        for shape in (args, json.dumps(args)):  # a dict from an SDK, and the JSON string a provider sends
            result = apply_tool(SCENE, name, shape)
            assert not result.ok and result.error == "invalid_arguments", (name, result.message)
            assert "surrogate" in result.message
            result.message.encode("utf-8")  # the message itself can be written and sent


@pytest.mark.parametrize("text", SURROGATES)
def test_scene_files_with_lone_surrogates_are_refused(tmp_path, text):
    base = json.loads(json.dumps(SCENE.model_dump(mode="json")))
    for mutate in (
        lambda d: d["room"].__setitem__("room_type", text),
        lambda d: d["metadata"].__setitem__("prompt", text),
        lambda d: d["metadata"].__setitem__(text, 1),
        lambda d: d["room"]["extra"].__setitem__("note", [text]),
        lambda d: d.__setitem__("objects", [{"id": "a", "description": text, "size": [1, 1, 1], "position": [1, 0, 1]}]),
    ):
        data = json.loads(json.dumps(base))
        mutate(data)
        path = tmp_path / "s.json"
        path.write_text(json.dumps(data))  # ensure_ascii: the surrogate is a \\u escape in the file
        with pytest.raises(SceneFormatError, match="surrogate"):
            load_scene(path)
        with pytest.raises(SceneFormatError, match="surrogate"):
            load_scene(data)


def test_a_raw_reply_with_a_surrogate_is_repaired_in_run_files_not_lost(tmp_path, caplog):
    run = RunDirectory(tmp_path / "run").create()
    run.write_conversation([{"role": "assistant", "content": "half an emoji \ud83d"}])
    text = (tmp_path / "run" / "conversation.jsonl").read_text("utf-8")
    assert "\ufffd" in text and "replaced" in caplog.text


# -- 3. writes replace regular files only ------------------------------------------------------


def test_writes_go_through_symlinks_and_keep_them(tmp_path):
    real = tmp_path / "real.json"
    real.write_text("old")
    os.chmod(real, 0o640)
    link = tmp_path / "link.json"
    link.symlink_to(real)
    chain = tmp_path / "chain.json"
    chain.symlink_to(link)
    save_scene(SCENE, chain)
    assert chain.is_symlink() and link.is_symlink()
    assert load_scene(real) == SCENE
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    dangling = tmp_path / "dangling.json"
    dangling.symlink_to(tmp_path / "new" / "target.json")
    atomic_write_json(dangling, {"a": 1})
    assert dangling.is_symlink() and json.loads((tmp_path / "new" / "target.json").read_text()) == {"a": 1}


def test_special_files_are_refused(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    (tmp_path / "dir").mkdir()
    (tmp_path / "file").write_text("x")
    link_to_fifo = tmp_path / "lf"
    link_to_fifo.symlink_to(fifo)
    for target in (fifo, link_to_fifo, tmp_path / "dir", Path("/dev/null"), tmp_path / "file" / "below.json"):
        with pytest.raises(UnsafePathError):
            atomic_write_bytes(target, b"data")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert Path("/dev/null").is_char_device()
    assert not list(tmp_path.glob(".*.tmp"))  # nothing left behind


def test_writes_inside_a_folder_never_leave_it(tmp_path):
    folder = tmp_path / "run"
    (folder / "turns").mkdir(parents=True)
    outside = tmp_path / "secret.txt"
    outside.write_text("keep me")
    (folder / "metrics.json").symlink_to(outside)
    (folder / "turns" / "turn_00.json").symlink_to(outside)
    (folder / "renders").symlink_to(tmp_path)
    run = RunDirectory(folder)
    with pytest.raises(UnsafePathError):
        run.write_json("metrics.json", {"a": 1})
    with pytest.raises(UnsafePathError):
        run.write_turn({"turn": 0})
    with pytest.raises(UnsafePathError):
        atomic_write_bytes(folder / "renders" / "x.png", b"", within=folder)
    with pytest.raises(UnsafePathError):
        atomic_write_bytes(folder / ".." / "escape.txt", b"", within=folder)
    assert outside.read_text() == "keep me" and not (tmp_path / "escape.txt").exists()
    # a link that stays inside the folder is fine
    (folder / "inner.json").write_text("{}")
    (folder / "alias.json").symlink_to(folder / "inner.json")
    run.write_json("alias.json", {"b": 2})
    assert json.loads((folder / "inner.json").read_text()) == {"b": 2}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["..", ".", "a", "link_out", "link_in", "fifo", "f"]), min_size=1, max_size=5))
def test_resolve_target_never_leaves_the_folder(tmp_path_factory, parts):
    root = tmp_path_factory.getbasetemp() / "write_root"
    if not root.exists():
        (root / "a").mkdir(parents=True)
        (root / "link_out").symlink_to(root.parent)
        (root / "link_in").symlink_to(root / "a")
        os.mkfifo(root / "fifo")
        (root / "f").write_text("")
    try:
        real = resolve_target(root.joinpath(*parts), within=root)
    except UnsafePathError:
        return
    base = root.resolve()
    assert real == base or base in real.parents
    assert not real.exists() or real.is_file()


def test_reports_never_pull_in_files_from_outside_the_run(tmp_path):
    from PIL import Image

    from agentscene.report.data import RunData, TurnData

    run = tmp_path / "run"
    (run / "renders").mkdir(parents=True)
    outside = tmp_path / "private.png"
    Image.new("RGB", (4, 4)).save(outside)
    Image.new("RGB", (4, 4)).save(run / "renders" / "turn_00_top.png")
    (run / "renders" / "turn_01_top.png").symlink_to(outside)
    os.mkfifo(run / "renders" / "turn_02_top.png")
    data = RunData(root=run)
    assert data.render_path(TurnData(turn=0, n_objects=0), "top") == (run / "renders" / "turn_00_top.png").resolve()
    for turn, renders in ((1, {}), (2, {}), (0, {"top": "../private.png"}), (0, {"top": str(outside)})):
        assert data.render_path(TurnData(turn=turn, n_objects=0, renders=renders), "top") is None
