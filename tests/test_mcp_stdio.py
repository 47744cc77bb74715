"""The MCP server over stdio, driven by the real `mcp` client in a subprocess: every tool, errors, restarts."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import anyio
import pytest

mcp = pytest.importorskip("mcp")
from mcp import Client, StdioServerParameters  # noqa: E402

from agentscene.formats import load_scene  # noqa: E402
from agentscene.tools import tool_schemas  # noqa: E402

SCENES = Path(__file__).parent / "data" / "scenes"


def _importable(module: str, name: str) -> bool:
    try:
        return hasattr(__import__(module, fromlist=[name]), name)
    except ImportError:
        return False


HAVE_PHYSICS = _importable("agentscene.rewards", "evaluate")
HAVE_RENDERER = _importable("agentscene.renderers", "get_renderer")
BEDROOM = SCENES / "bedroom_basic.json"


def params(workdir: Path, *extra: str) -> StdioServerParameters:
    return StdioServerParameters(
        command=sys.executable, args=["-m", "agentscene", "mcp", "--workdir", str(workdir), *extra],
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def run(fn, *args):
    return anyio.run(fn, *args)


def text(result) -> str:
    return "\n".join(c.text for c in result.content if c.type == "text")


def test_tools_listed_with_the_shared_schemas(tmp_path):
    async def go():
        async with Client(params(tmp_path)) as client:
            listed = {t.name: t for t in (await client.list_tools()).tools}
            resources = (await client.list_resources()).resources
            return listed, resources

    listed, resources = run(go)
    shared = {s["function"]["name"]: s["function"] for s in tool_schemas()}
    for name, fn in shared.items():
        assert listed[name].input_schema == fn["parameters"], name
        assert listed[name].description == fn["description"]
    assert set(listed) == set(shared) | {"new_scene", "load_scene", "get_scene", "evaluate", "render", "export", "undo"}
    for tool in listed.values():  # every extra tool is strict too: closed objects, every property required
        assert tool.input_schema["additionalProperties"] is False
        assert set(tool.input_schema["required"]) == set(tool.input_schema.get("properties", {}))
    assert [str(r.uri) for r in resources] == ["scene://current"]
    assert listed["get_scene"].annotations.read_only_hint is True


def test_every_tool_over_stdio(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "office.json").write_text((SCENES / "office_open.json").read_text())

    async def go():
        out = {}
        async with Client(params(tmp_path, "--scene", str(BEDROOM))) as client:
            call = client.call_tool
            out["get"] = await call("get_scene", {})
            out["add"] = await call("add_object", {"description": "small oak side table", "position": [3.0, 0.0, 0.5],
                                                   "yaw": 0, "size": [0.5, 0.5, 0.5], "category": None, "support": None})
            out["move"] = await call("move_object", {"object_id": "side_table_1", "position": [3.2, 0.0, 0.6]})
            out["rotate"] = await call("rotate_object", {"object_id": "side_table_1", "yaw": 450})
            out["scale"] = await call("scale_object", {"object_id": "side_table_1", "size": [0.6, 0.5, 0.6]})
            out["replace"] = await call("replace_object", {"object_id": "side_table_1", "description": "round glass side table"})
            out["remove"] = await call("remove_object", {"object_id": "desk_1"})
            out["terminate"] = await call("terminate", {"reason": "done"})
            out["resource"] = await client.read_resource("scene://current")
            out["export"] = await call("export", {"format": "respace", "path": "out/room.json"})
            out["export_default"] = await call("export", {"format": "scenerevis", "path": None})
            out["undo"] = await call("undo", {})
            out["after_undo"] = await call("get_scene", {})
            out["new"] = await call("new_scene", {"room_type": "office", "floor": [[0, 0], [3, 0], [3, 2], [1, 2], [1, 4], [0, 4]], "height": 2.6})
            out["load"] = await call("load_scene", {"path": "in/office.json"})
            out["evaluate"] = await call("evaluate", {})
            out["render"] = await call("render", {"view": "top"})
        return out

    out = run(go)
    assert [o["id"] for o in out["get"].structured_content["objects"]] == load_scene(BEDROOM).ids
    assert not out["add"].is_error and out["add"].structured_content["object_id"] == "side_table_1"
    for key in ("move", "rotate", "scale", "replace", "remove", "terminate"):
        assert not out[key].is_error, (key, text(out[key]))
    assert out["terminate"].structured_content["terminated"] is True
    assert "Rotated side_table_1 to yaw 90" in text(out["rotate"])
    current = json.loads(out["resource"].contents[0].text)
    table = next(o for o in current["objects"] if o["id"] == "side_table_1")
    assert table["position"] == [3.2, 0.0, 0.6] and table["size"] == [0.6, 0.5, 0.6] and table["yaw"] == 90
    assert "desk_1" not in [o["id"] for o in current["objects"]]
    exported = json.loads((tmp_path / "out" / "room.json").read_text())
    assert len(exported["objects"]) == len(current["objects"])
    assert out["export_default"].structured_content["path"] == "exports/scene_scenerevis.json"
    assert (tmp_path / "exports" / "scene_scenerevis.json").is_file()
    # undo takes back the last change (remove desk_1); exports and terminate change nothing
    assert "desk_1" in [o["id"] for o in out["after_undo"].structured_content["objects"]]
    assert not out["new"].is_error and "6 walls" in text(out["new"])
    assert not out["load"].is_error and "office" in text(out["load"])
    for key, available in (("evaluate", HAVE_PHYSICS), ("render", HAVE_RENDERER)):
        result = out[key]
        if available:
            assert not result.is_error, text(result)
        else:  # the physics / renderer packages are not in this installation
            assert result.is_error and "not_available" in text(result)
    if not out["render"].is_error:
        image = next(c for c in out["render"].content if c.type == "image")
        assert image.mime_type == "image/png" and base64.b64decode(image.data)[:8] == b"\x89PNG\r\n\x1a\n"
    if not out["evaluate"].is_error:
        assert "collision_rate" in out["evaluate"].structured_content["headline"]
        assert text(out["evaluate"]).startswith("Physics check")


BAD_CALLS = [
    ("move_object", {"object_id": "bed_1"}, "invalid_arguments"),
    ("move_object", {"object_id": "bed_1", "position": [1, 0]}, "invalid_arguments"),
    ("move_object", {"object_id": "bed_1", "position": ["a", 0, 0]}, "invalid_arguments"),
    ("move_object", {"object_id": "bed_1", "position": [1e308 * 10, 0, 0]}, "invalid_arguments"),
    ("move_object", {"object_id": "ghost_9", "position": [1, 0, 1]}, "unknown_object"),
    ("move_object", {"object_id": "bed_1", "position": [50, 0, 50]}, "outside_room"),
    ("add_object", {"description": "x", "position": [1, 0, 1], "yaw": 0, "size": [0, 1, 1], "category": None, "support": None}, "invalid_arguments"),
    ("rotate_object", {"object_id": "bed_1", "yaw": "north"}, "invalid_arguments"),
    ("remove_object", {"object_id": "bed_1", "extra": True}, "invalid_arguments"),
    ("fly_object", {}, "unknown_tool"),
    ("new_scene", {"room_type": "bedroom", "floor": [[0, 0], [1, 1], [0, 1], [1, 0]], "height": 2.5}, "invalid_arguments"),
    ("new_scene", {"room_type": "bedroom", "floor": [[0, 0], [1, 0]], "height": 2.5}, "invalid_arguments"),
    ("new_scene", {"room_type": "", "floor": [[0, 0], [1, 0], [1, 1]], "height": -1}, "invalid_arguments"),
    ("render", {"view": "sideways"}, "invalid_arguments"),
    ("export", {"format": "docx", "path": None}, "unknown_format"),
    ("undo", {"steps": 2}, "invalid_arguments"),
    ("load_scene", {"path": "missing.json"}, "not_found"),
    ("load_scene", {}, "invalid_arguments"),
]


def test_bad_arguments_are_error_results_and_the_session_goes_on(tmp_path):
    async def go():
        async with Client(params(tmp_path, "--scene", str(BEDROOM))) as client:
            results = [await client.call_tool(name, args) for name, args, _ in BAD_CALLS]
            after = await client.call_tool("get_scene", {})
            undo = await client.call_tool("undo", {})
            return results, after, undo

    results, after, undo = run(go)
    for (name, _, code), result in zip(BAD_CALLS, results, strict=True):
        assert result.is_error, (name, text(result))
        assert result.structured_content["error"] == code, (name, text(result))
        assert text(result).startswith(f"Error ({code}):")
    assert after.structured_content["objects"] == json.loads((tmp_path / "sessions/default/scene.json").read_text())["objects"]
    assert [o["id"] for o in after.structured_content["objects"]] == load_scene(BEDROOM).ids  # nothing changed
    assert undo.is_error and undo.structured_content["error"] == "nothing_to_undo"


def test_paths_are_confined_to_the_workdir(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    outside = tmp_path / "secret.json"
    outside.write_text(BEDROOM.read_text())
    (work / "escape.json").symlink_to(outside)
    (work / "escape_dir").symlink_to(tmp_path)
    (work / "inside.json").write_text(BEDROOM.read_text())
    (work / "alias.json").symlink_to(work / "inside.json")  # a link that stays inside is fine

    async def go():
        async with Client(params(work)) as client:
            bad = {}
            for raw in ("../secret.json", str(outside), "escape.json", "escape_dir/secret.json", "/etc/passwd", "~/x.json",
                        "a/../../secret.json", "\x00.json", "", "x" * 2000):
                bad[raw] = await client.call_tool("load_scene", {"path": raw})
            for raw in ("../out.json", str(tmp_path / "out.json"), "escape_dir/out.json"):
                bad["export " + raw] = await client.call_tool("export", {"format": "native", "path": raw})
            good = await client.call_tool("load_scene", {"path": "alias.json"})
            return bad, good

    bad, good = run(go)
    for raw, result in bad.items():
        assert result.is_error, raw
        assert result.structured_content["error"] in ("path_refused", "invalid_arguments"), (raw, text(result))
    assert not (tmp_path / "out.json").exists()
    assert not good.is_error, text(good)


def test_huge_scenes_are_refused_clearly(tmp_path):
    scene = json.loads(BEDROOM.read_text())
    template = scene["objects"][0]
    many = [{**template, "id": f"box_{i}", "position": [1.0, 0.0, 1.0]} for i in range(1001)]
    (tmp_path / "many.json").write_text(json.dumps({**scene, "objects": many}))
    (tmp_path / "big.json").write_text(json.dumps({**scene, "metadata": {"pad": "x" * (9 * 1024 * 1024)}}))
    (tmp_path / "broken.json").write_text('{"room": ')

    async def go():
        async with Client(params(tmp_path)) as client:
            return [await client.call_tool("load_scene", {"path": p}) for p in ("many.json", "big.json", "broken.json")]

    many_r, big_r, broken_r = run(go)
    assert many_r.is_error and "1000-object limit" in text(many_r)
    assert big_r.is_error and "byte limit" in text(big_r)
    assert broken_r.is_error and broken_r.structured_content["error"] == "invalid_scene"


def test_killed_server_restarts_and_reloads_the_saved_scene(tmp_path):
    async def edit():
        async with Client(params(tmp_path, "--scene", str(BEDROOM))) as client:
            await client.call_tool("move_object", {"object_id": "bed_1", "position": [1.5, 0.0, 1.5]})
            await client.call_tool("remove_object", {"object_id": "desk_1"})

    run(edit)
    # now a server that dies hard in the middle of a session
    proc = subprocess.Popen([sys.executable, "-m", "agentscene", "mcp", "--workdir", str(tmp_path), "--scene", str(BEDROOM)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        init = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
        proc.stdin.write((json.dumps(init) + "\n").encode())
        proc.stdin.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
        move = {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                "params": {"name": "move_object", "arguments": {"object_id": "wardrobe_1", "position": [0.5, 0.0, 3.0]}}}
        proc.stdin.write((json.dumps(move) + "\n").encode())
        proc.stdin.flush()
        assert json.loads(proc.stdout.readline())["id"] == 1
        reply = json.loads(proc.stdout.readline())
        assert reply["id"] == 2 and reply["result"]["isError"] is False
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)

    async def reread():
        async with Client(params(tmp_path, "--scene", str(BEDROOM))) as client:
            return (await client.call_tool("get_scene", {})).structured_content

    scene = run(reread)
    objects = {o["id"]: o for o in scene["objects"]}
    assert "desk_1" not in objects
    assert objects["bed_1"]["position"] == [1.5, 0.0, 1.5]
    assert objects["wardrobe_1"]["position"] == [0.5, 0.0, 3.0]
    turns = sorted((tmp_path / "sessions" / "default" / "turns").glob("turn_*.json"))
    assert [json.loads(t.read_text())["tool_calls"][0]["name"] for t in turns] == ["start", "move_object", "remove_object", "move_object"]


def test_two_stdio_servers_on_one_session_are_refused_and_named_sessions_are_separate(tmp_path):
    async def go():
        async with Client(params(tmp_path)) as first:
            await first.call_tool("new_scene", {"room_type": "kitchen", "floor": [[0, 0], [3, 0], [3, 3], [0, 3]], "height": 2.5})
            second = subprocess.run([sys.executable, "-m", "agentscene", "mcp", "--workdir", str(tmp_path)],
                                    input=b"", capture_output=True, timeout=60)
            async with Client(params(tmp_path, "--session", "other")) as other:
                other_scene = (await other.call_tool("get_scene", {})).structured_content
            mine = (await first.call_tool("get_scene", {})).structured_content
            return second, other_scene, mine

    second, other_scene, mine = run(go)
    assert second.returncode == 1 and b"in use by another agentscene mcp server" in second.stderr
    assert mine["room"]["room_type"] == "kitchen"
    assert other_scene["room"]["room_type"] == "room"  # the default empty room, not the kitchen
