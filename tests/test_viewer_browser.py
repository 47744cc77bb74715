"""The viewer page in real headless Chromium (Debian's package), driven over the DevTools protocol.

Few and fast: one browser for the module; each test loads the page once.
"""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

websocket = pytest.importorskip("websocket")  # websocket-client, in the dev extra
pytest.importorskip("starlette")

from PIL import Image, ImageStat  # noqa: E402

from agentscene.formats import load_scene, save_scene  # noqa: E402
from agentscene.mcpserver import MCPSettings, SessionStore, ToolRunner  # noqa: E402
from agentscene.tools import apply_tool  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium package (scripts/install-dev.sh installs it)")

SCENES = Path(__file__).parent / "data" / "scenes"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--enable-unsafe-swiftshader", "--remote-debugging-port=0", "--window-size=1200,800"]


class Browser:
    """Just enough of the DevTools protocol: navigate, evaluate, collect console errors, screenshot."""

    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="agentscene-chromium-")
        self.proc = subprocess.Popen([CHROMIUM, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        url = None
        deadline = time.monotonic() + 30
        while url is None and time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line and self.proc.poll() is not None:
                break
            m = re.search(r"DevTools listening on (ws://\S+)", line)
            url = m.group(1) if m else None
        assert url, "chromium did not start"
        self.ws = websocket.create_connection(url, timeout=30)
        self._id = 0
        self.events: list[dict] = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable", page=True)

    def call(self, method: str, page: bool = False, **params):
        self._id += 1
        message = {"id": self._id, "method": method, "params": params}
        if page:
            message["sessionId"] = self.session
        self.ws.send(json.dumps(message))
        while True:
            reply = json.loads(self.ws.recv())
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]
            self.events.append(reply)

    def goto(self, url: str) -> None:
        # leave the previous page first, so its last errors (its server stopped) are not counted against this one
        self.call("Page.navigate", page=True, url="about:blank")
        self.wait_for("document.readyState === 'complete' && location.href === 'about:blank'")
        self.events.clear()
        self.call("Page.navigate", page=True, url=url)

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", page=True, expression=expression, returnByValue=True, awaitPromise=True)
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.03)
        raise TimeoutError(f"{expression} stayed false for {timeout} s")

    def console_errors(self) -> list[str]:
        errors = []
        for event in self.events:
            method, p = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                errors.append(" ".join(str(a.get("value", a.get("description"))) for a in p.get("args", [])))
            elif method == "Runtime.exceptionThrown":
                errors.append(str(p["exceptionDetails"].get("exception", {}).get("description") or p["exceptionDetails"]["text"]))
            elif method == "Log.entryAdded" and p["entry"]["level"] == "error":
                errors.append(p["entry"]["text"])
        return errors

    def screenshot(self) -> Image.Image:
        data = self.call("Page.captureScreenshot", page=True, format="png")["data"]
        return Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB")

    def close(self) -> None:
        self.ws.close()
        self.proc.kill()
        self.proc.wait(10)
        shutil.rmtree(self.profile, ignore_errors=True)


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
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        procs.append(proc)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    return f"http://127.0.0.1:{port}/"
            except OSError:
                assert proc.poll() is None, proc.stderr.read().decode()
                time.sleep(0.05)
        raise AssertionError("viewer did not start")

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(10)


READY = "window.__agentsceneViewer && window.__agentsceneViewer.ready && window.__agentsceneViewer.frames > 2"


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

    shot = browser.screenshot()
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
    assert browser.evaluate(f"[...document.querySelectorAll('.label')].some(e => e.textContent === '{added.object_id}')")
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
    assert browser.evaluate("document.getElementById('follow').checked") is False
    assert browser.console_errors() == []
