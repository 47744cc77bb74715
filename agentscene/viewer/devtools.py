"""A minimal Chrome DevTools Protocol driver for the viewer page in headless Chromium.

Used by the viewer's browser tests and by benchmarks/bench_mcp.py; also handy for screenshots of
a scene from a script. Talks to Debian's `chromium` over its DevTools websocket (websocket-client),
with flags that keep it off the network and out of any existing profile.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--enable-unsafe-swiftshader", "--remote-debugging-port=0"]
#: True once the page has loaded its scene and drawn a few frames.
READY = "window.__agentsceneViewer && window.__agentsceneViewer.ready && window.__agentsceneViewer.frames > 2"


def find_chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


class Browser:
    """Just enough of the DevTools protocol: navigate, evaluate, collect console errors, screenshot."""

    def __init__(self, binary: str | None = None, width: int = 1200, height: int = 800):
        try:
            import websocket
        except ImportError:
            raise ImportError("driving Chromium needs websocket-client: pip install websocket-client") from None
        binary = binary or find_chromium()
        if binary is None:
            raise FileNotFoundError("no chromium binary on PATH (Debian: apt-get install chromium)")
        self.profile = tempfile.mkdtemp(prefix="agentscene-chromium-")
        self.ws = None
        self.proc = subprocess.Popen([binary, *FLAGS, f"--window-size={width},{height}", f"--user-data-dir={self.profile}", "about:blank"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = self._devtools_url()
        if url is None:
            self.close()
            raise RuntimeError("chromium did not start (it wrote no DevToolsActivePort file)")
        self.ws = websocket.create_connection(url, timeout=30)
        self._id = 0
        self.events: list[dict] = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable", page=True)

    def _devtools_url(self, timeout: float = 30.0) -> str | None:
        """Chromium writes its DevTools port and browser path to DevToolsActivePort in the profile."""
        marker = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            lines = marker.read_text().split() if marker.exists() else []
            if len(lines) >= 2:
                return f"ws://127.0.0.1:{lines[0]}{lines[1]}"
            time.sleep(0.05)
        return None

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

    def set_viewport(self, width: int, height: int) -> None:
        """Make the page exactly width x height CSS pixels (headless windows lose some height to browser chrome)."""
        self.call("Emulation.setDeviceMetricsOverride", page=True, width=width, height=height, deviceScaleFactor=1,
                  mobile=False)

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

    def screenshot(self) -> bytes:
        """The page as PNG bytes."""
        return base64.b64decode(self.call("Page.captureScreenshot", page=True, format="png")["data"])

    def close(self) -> None:
        if self.ws is not None:
            self.ws.close()
        self.proc.kill()
        self.proc.wait(10)
        shutil.rmtree(self.profile, ignore_errors=True)
