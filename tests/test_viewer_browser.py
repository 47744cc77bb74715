"""The viewer page in real headless Chromium (Debian's package), driven over the DevTools protocol.

Few and fast: one browser for the module; each test loads the page once.
"""

from __future__ import annotations

import io
import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

websocket = pytest.importorskip("websocket")  # websocket-client, in the dev extra
pytest.importorskip("starlette")

from PIL import Image, ImageStat  # noqa: E402

from agentscene.formats import load_scene, save_scene  # noqa: E402
from agentscene.mcpserver import MCPSettings, SessionStore, ToolRunner  # noqa: E402
from agentscene.tools import apply_tool  # noqa: E402
from agentscene.viewer.devtools import READY, Browser, find_chromium  # noqa: E402

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium package (scripts/install-dev.sh installs it)")

SCENES = Path(__file__).parent / "data" / "scenes"


@pytest.fixture(scope="module")
def browser():
    b = Browser()
    yield b
    b.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def view():
    procs = []

    def start(target: Path) -> str:
        port = _free_port()
        proc = subprocess.Popen([sys.executable, "-m", "agentscene", "view", str(target), "--port", str(port)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(proc)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    return f"http://127.0.0.1:{port}/"
            except OSError:
                assert proc.poll() is None, "the viewer exited"
                time.sleep(0.05)
        raise AssertionError("viewer did not start")

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(10)



def test_page_shows_the_scene_and_follows_an_edit_without_reload(tmp_path, browser, view):
    target = tmp_path / "living.json"
    shutil.copy(SCENES / "living_room_L.json", target)
    scene = load_scene(target)
    browser.goto(view(target))
    browser.wait_for(READY, timeout=20)
    assert browser.console_errors() == []
    state = browser.evaluate("JSON.stringify(window.__agentsceneViewer)")
    assert json.loads(state)["mode"] == "3d"  # WebGL through SwiftShader, not the 2D fallback
    assert browser.evaluate("document.getElementById('object-count').textContent") == str(len(scene.objects))
    labels = browser.evaluate("[...document.querySelectorAll('.label')].map(e => e.textContent).sort()")
    assert labels == sorted(scene.ids)

    shot = Image.open(io.BytesIO(browser.screenshot())).convert("RGB")
    canvas = shot.crop((0, 0, shot.width - 360, shot.height))  # the 3D stage, left of the side panel
    stat = ImageStat.Stat(canvas)
    assert max(stat.stddev) > 20, "the 3D view is blank"
    assert len(canvas.getcolors(maxcolors=1 << 20) or []) > 200

    browser.evaluate("window.__noReload = 'still here'")
    updates = browser.evaluate("window.__agentsceneViewer.updates")
    added = apply_tool(scene, "add_object", {"description": "tall floor lamp", "position": [1.0, 0.0, 5.0], "yaw": 0,
                                             "size": [0.4, 1.6, 0.4], "category": None, "support": None})
    assert added.ok
    written = time.monotonic()
    save_scene(added.scene, target)
    browser.wait_for(f"document.getElementById('object-count').textContent === '{len(scene.objects) + 1}'", timeout=5)
    latency = time.monotonic() - written
    assert latency < 1.5, f"the page took {latency:.2f} s to show the edit"
    assert browser.evaluate("window.__noReload") == "still here"
    assert browser.evaluate("window.__agentsceneViewer.updates") > updates
    labels = browser.evaluate("[...document.querySelectorAll('.label')].map(e => e.textContent).sort()")
    assert labels == sorted([*scene.ids, added.object_id])  # the old labels went with the old scene
    assert browser.console_errors() == []


def test_history_slider_replays_an_mcp_session(tmp_path, browser, view):
    settings = MCPSettings(workdir=tmp_path, scene=SCENES / "bedroom_basic.json")
    runner = ToolRunner(settings)
    session = SessionStore(settings).get("default")
    import anyio

    for object_id in ("desk_1", "office_chair_1"):
        assert anyio.run(runner.call, session, "remove_object", {"object_id": object_id}).ok
    runner.close()
    n_start = len(load_scene(SCENES / "bedroom_basic.json").objects)
    browser.goto(view(session.directory))
    browser.wait_for(READY, timeout=20)
    assert not browser.evaluate("document.getElementById('history').hidden")
    assert browser.evaluate("document.getElementById('turn-slider').max") == "2"
    assert browser.evaluate("document.getElementById('object-count').textContent") == str(n_start - 2)
    assert "remove_object" in browser.evaluate("document.getElementById('turn-calls').textContent")
    browser.evaluate("const s = document.getElementById('turn-slider'); s.value = '0'; s.dispatchEvent(new Event('input'))")
    browser.wait_for(f"document.getElementById('object-count').textContent === '{n_start}'", timeout=5)
    assert browser.evaluate("window.__agentsceneViewer.shownTurn") == 0
    assert browser.evaluate("document.querySelectorAll('.label').length") == n_start
    assert browser.evaluate("document.getElementById('follow').checked") is False
    assert browser.console_errors() == []


def test_view_screenshot_writes_the_drawn_page(tmp_path):
    from typer.testing import CliRunner

    from agentscene.cli import app

    out = tmp_path / "shot.png"
    result = CliRunner().invoke(app, ["view", str(SCENES / "living_room_L.json"), "--screenshot", str(out),
                                      "--window", "800x500"])
    assert result.exit_code == 0, result.output
    shot = Image.open(out).convert("RGB")
    assert shot.size == (800, 500)
    assert max(ImageStat.Stat(shot.crop((0, 0, 440, 500))).stddev) > 20, "the 3D view is blank"


def test_a_snapshot_page_finishes_loading_for_virtual_time_screenshots(tmp_path, view):
    # ?live=0 keeps no event stream open, so Chromium's --virtual-time-budget ends
    url = view(SCENES / "bedroom_basic.json") + "?live=0"
    out = tmp_path / "budget.png"
    profile = tmp_path / "profile"
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--enable-unsafe-swiftshader",
                    f"--user-data-dir={profile}", "--window-size=800,500", "--virtual-time-budget=4000",
                    f"--screenshot={out}", url], capture_output=True, timeout=90, check=True)
    assert max(ImageStat.Stat(Image.open(out).convert("RGB")).stddev) > 20
