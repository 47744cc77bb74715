"""The viewer's HTTP side, served by `agentscene view` under uvicorn on 127.0.0.1: API, confinement, live events."""

from __future__ import annotations

import json
import math
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from agentscene.formats import load_scene, save_scene  # noqa: E402
from agentscene.tools import apply_tool  # noqa: E402

SCENES = Path(__file__).parent / "data" / "scenes"
BEDROOM = SCENES / "bedroom_basic.json"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Viewer:
    def __init__(self, target: Path):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.TemporaryFile()  # not a pipe: nobody reads it while the test runs
        self.proc = subprocess.Popen([sys.executable, "-m", "agentscene", "view", str(target), "--port", str(self.port)],
                                     stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                assert self.proc.poll() is None, self._output()
                time.sleep(0.05)
        raise AssertionError("viewer did not start")

    def _output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def close(self):
        self.proc.terminate()
        self.proc.wait(10)
        self.log.close()


@pytest.fixture
def viewer_for():
    started = []

    def start(target: Path) -> Viewer:
        v = Viewer(target)
        started.append(v)
        return v

    yield start
    for v in started:
        v.close()


def _run_dir(root: Path) -> Path:
    run = root / "run"
    (run / "turns").mkdir(parents=True)
    (run / "renders").mkdir()
    scene = load_scene(BEDROOM)
    scenes = [scene]
    for x in (1.0, 2.0):
        scenes.append(apply_tool(scenes[-1], "move_object", {"object_id": "bed_1", "position": [x, 0.0, 1.5]}).scene)
    for i, s in enumerate(scenes):
        payload = {"turn": i, "tool_calls": [{"id": f"c{i}", "name": "move_object", "arguments": {"object_id": "bed_1"}}],
                   "results": [{"tool": "move_object", "ok": True, "message": f"moved {i}"}],
                   "metrics": {"collision_rate": 0.0, "score": float("nan")}, "scene": json.loads(json.dumps(s.model_dump(mode="json")))}
        (run / "turns" / f"turn_{i:02d}.json").write_text(json.dumps(payload))
    save_scene(scenes[-1], run / "scene.json")
    shutil.copy(Path(__file__).parent.parent / "agentscene" / "viewer" / "static" / "vendor" / "LICENSE-three.txt", run / "renders" / "turn_01_top.png")
    (run / "notes.txt").write_text("not for the page")
    return run


def test_scene_file_state_and_static_files(tmp_path, viewer_for):
    target = tmp_path / "room.json"
    shutil.copy(BEDROOM, target)
    v = viewer_for(target)
    with httpx.Client(base_url=v.url, timeout=10) as c:
        page = c.get("/")
        assert page.status_code == 200 and "/static/viewer.js" in page.text
        state = c.get("/api/state").json()
        assert state["kind"] == "scene" and state["n_objects"] == len(load_scene(BEDROOM).objects)
        assert state["scene"]["room"]["room_type"] == "bedroom" and state["turns"] == []
        assert state["report"]["available"] in (True, False)
        if state["report"]["available"]:
            assert state["report"]["headline"]["n_objects"] == state["n_objects"]
        bundle = c.get("/static/vendor/three-bundle.min.js")
        assert bundle.status_code == 200 and "javascript" in bundle.headers["content-type"]
        assert "OrbitControls" in bundle.text or len(bundle.content) > 500_000
        assert c.get("/static/viewer.js").status_code == 200


@pytest.fixture(scope="module")
def run_viewer(tmp_path_factory):
    v = Viewer(_run_dir(tmp_path_factory.mktemp("viewer-run")))
    yield v
    v.close()


@pytest.mark.parametrize("path", [
    "/static/../../../../etc/passwd", "/static/%2e%2e/%2e%2e/app.py", "/static/..%2fapp.py", "/room.json", "/api/file?path=/etc/passwd",
    "/api/render/1/..%2f..%2fnotes", "/api/render/1/../notes", "/api/turn/-1", "/api/turn/abc", "/notes.txt",
])
def test_nothing_outside_static_and_the_target_is_served(run_viewer, path):
    response = httpx.get(run_viewer.url + path, timeout=10)
    assert response.status_code in (400, 404), (path, response.status_code)
    assert "not for the page" not in response.text and "root:" not in response.text


def test_foreign_host_header_is_refused(run_viewer):
    v = run_viewer
    assert httpx.get(v.url + "/api/state", headers={"Host": "attacker.example"}, timeout=10).status_code == 400
    assert httpx.get(v.url + "/api/state", headers={"Host": f"localhost:{v.port}"}, timeout=10).status_code == 200


def test_run_directory_turns_and_renders(tmp_path, viewer_for):
    run = _run_dir(tmp_path)
    (run / "turns" / "turn_03.json").write_text("{ broken")
    v = viewer_for(run)
    with httpx.Client(base_url=v.url, timeout=10) as c:
        state = c.get("/api/state").json()
        assert state["kind"] == "run" and state["turns"] == [0, 1, 2, 3]
        assert state["scene"]["objects"][0]["position"] == [2.0, 0.0, 1.5]
        turn = c.get("/api/turn/1").json()
        assert turn["results"][0]["message"] == "moved 1" and turn["renders"] == ["top"]
        assert turn["scene"]["objects"][0]["position"] == [1.0, 0.0, 1.5]
        assert turn["metrics"]["score"] is None and not any(isinstance(x, float) and math.isnan(x) for x in turn["metrics"].values())
        broken = c.get("/api/turn/3")
        assert broken.status_code == 200 and "invalid JSON" in broken.json()["problem"]
        assert c.get("/api/turn/9").status_code == 404
        png = c.get("/api/render/1/top")
        assert png.status_code == 200 and png.headers["content-type"] == "image/png"
        assert c.get("/api/render/2/top").status_code == 404


def test_events_announce_a_change_within_a_second_and_bad_files_are_reported(tmp_path, viewer_for):
    target = tmp_path / "room.json"
    shutil.copy(BEDROOM, target)
    v = viewer_for(target)
    scene = load_scene(target)
    with httpx.Client(base_url=v.url, timeout=10) as c, c.stream("GET", "/api/events") as events:
        lines = events.iter_lines()

        def next_change() -> dict:
            for line in lines:
                if line.startswith("data:"):
                    return json.loads(line[5:])
            raise AssertionError("event stream ended")

        first = next_change()
        moved = apply_tool(scene, "move_object", {"object_id": "bed_1", "position": [1.0, 0.0, 1.0]}).scene
        written = time.monotonic()
        save_scene(moved, target)
        second = next_change()
        assert time.monotonic() - written < 1.0
        assert second["version"] != first["version"]
        assert c.get("/api/state").json()["scene"]["objects"][0]["position"] == [1.0, 0.0, 1.0]
        target.write_text('{"room": {"floor": [[0, 0]]}, "objects": []}')
        next_change()
        state = c.get("/api/state").json()
        assert state["problem"] and state["scene"] is None
        save_scene(scene, target)
        next_change()
        assert c.get("/api/state").json()["n_objects"] == len(scene.objects)


def test_view_refuses_missing_and_unrecognised_targets(tmp_path):
    missing = subprocess.run([sys.executable, "-m", "agentscene", "view", str(tmp_path / "nope.json")], capture_output=True, timeout=60)
    assert missing.returncode == 1 and b"does not exist" in missing.stderr
    (tmp_path / "sessions" / "default").mkdir(parents=True)
    workdir = subprocess.run([sys.executable, "-m", "agentscene", "view", str(tmp_path)], capture_output=True, timeout=60)
    assert workdir.returncode == 1 and b"MCP workdir" in workdir.stderr


def test_a_generate_run_directory_is_shown_turn_by_turn(tmp_path, viewer_for):
    """The viewer reads the run directory `agentscene generate` writes (offline agent, raster renders)."""
    made = subprocess.run([sys.executable, "-m", "agentscene", "generate", "a small bedroom with a desk", "--name", "run",
                           "--turns", "2", "--out", str(tmp_path)], capture_output=True, timeout=120)
    if made.returncode != 0:
        pytest.skip(f"agentscene generate is not usable here: {made.stderr.decode()[-300:]}")
    run = tmp_path / "run"
    v = viewer_for(run)
    with httpx.Client(base_url=v.url, timeout=10) as c:
        state = c.get("/api/state").json()
        final = json.loads((run / "scene.json").read_text())
        assert state["kind"] == "run" and state["scene"]["objects"] == final["objects"]
        assert state["turns"][0] == 0 and len(state["turns"]) >= 2
        for number in state["turns"]:
            turn = c.get(f"/api/turn/{number}").json()
            assert turn["problem"] is None and turn["scene"]["room"]["room_type"] == "bedroom"
            recorded = json.loads((run / "turns" / f"turn_{number:02d}.json").read_text())
            assert len(turn["tool_calls"]) == len(recorded["tool_calls"])
            for view in turn["renders"]:
                assert c.get(f"/api/render/{number}/{view}").content[:4] == b"\x89PNG"


def test_a_taken_port_is_one_line_naming_a_free_port_before_any_banner():
    from typer.testing import CliRunner

    from agentscene.cli import app

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = CliRunner().invoke(app, ["view", str(SCENES / "bedroom_basic.json"), "--port", str(port)])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "agentscene viewer:" not in result.output
    free = int(result.output.rsplit("--port ", 1)[1])
    assert f"port {port} on 127.0.0.1 is in use" in result.output and free != port
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", free))  # the port it names is really free
