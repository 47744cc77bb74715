"""A live scene viewer in the browser: three.js (vendored, no CDN) on a small local ASGI app.

`agentscene view SCENE_OR_RUN_DIR` serves one scene file or run directory on 127.0.0.1 and
the page follows changes within a second (server-sent events). Needs starlette and uvicorn
(`pip install 'agentscene[viewer]'`).
"""

from __future__ import annotations

import errno
import socket
import time
from pathlib import Path

from agentscene.viewer.settings import ViewerSettings
from agentscene.viewer.source import ViewerTargetError, ViewTarget


def create_app(settings: ViewerSettings):
    """The ASGI app for these settings."""
    try:
        import starlette  # noqa: F401
    except ImportError:
        raise ImportError("the viewer needs starlette and uvicorn: pip install 'agentscene[viewer]'") from None
    from agentscene.viewer.app import create_app as _create

    return _create(settings)


class PortInUseError(OSError):
    """The viewer's port is taken; the message names a free one."""


def bind_port(host: str, port: int) -> socket.socket:
    """A listening socket on host:port, or PortInUseError naming a free port nearby (checked before any banner)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        if e.errno not in (errno.EADDRINUSE, errno.EACCES):
            raise
        free = free_port(host, port + 1)
        why = "is in use" if e.errno == errno.EADDRINUSE else "needs privileges"
        raise PortInUseError(f"port {port} on {host} {why}; {free} is free: pass --port {free}") from None
    sock.listen(128)
    sock.setblocking(False)
    return sock


def free_port(host: str, start: int) -> int:
    """The first port from `start` that can be bound on host (else one the system picks)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for port in [*range(max(start, 1024), min(start + 50, 65536)), 0]:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((host, port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise OSError(f"no free port on {host}")


def _url_host(host: str) -> str:
    """The host as written in a URL (IPv6 addresses in brackets)."""
    return f"[{host}]" if ":" in host else host


def _server(settings: ViewerSettings):
    try:
        import uvicorn
    except ImportError:
        raise ImportError("the viewer needs uvicorn: pip install 'agentscene[viewer]'") from None
    app = create_app(settings)
    # open pages hold an endless event stream: give them a moment, then stop (Ctrl-C must not hang)
    return uvicorn.Server(uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=1))


def run_viewer(settings: ViewerSettings, *, open_browser: bool = False) -> None:
    """Serve until interrupted, printing the page's address. A taken port is a PortInUseError before anything prints."""
    server = _server(settings)
    sock = bind_port(settings.host, settings.port)
    url = f"http://{_url_host(settings.host)}:{settings.port}/"
    print(f"agentscene viewer: {url} (showing {settings.target}; Ctrl-C to stop)", flush=True)
    if open_browser:
        import webbrowser

        webbrowser.open(url)
    server.run(sockets=[sock])


def screenshot(settings: ViewerSettings, out: str | Path, *, width: int = 1200, height: int = 800,
               timeout_s: float = 60.0) -> Path:
    """Serve the target on a free port, load the page in headless Chromium until the scene is drawn,
    and write a PNG of it to `out`. Needs Debian's chromium and websocket-client."""
    import threading

    from agentscene.fileio import atomic_write_bytes
    from agentscene.viewer.devtools import READY, Browser

    server = _server(settings)
    sock = bind_port(settings.host, 0)
    port = sock.getsockname()[1]
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    browser = None
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the viewer server did not start")
            time.sleep(0.02)
        browser = Browser(width=width, height=height)
        browser.set_viewport(width, height)
        browser.goto(f"http://{_url_host(settings.host)}:{port}/?live=0")
        browser.wait_for(READY, timeout=timeout_s)
        problem = browser.evaluate("window.__agentsceneViewer.problem")
        if problem:
            raise RuntimeError(f"the viewer could not show {settings.target}: {problem}")
        return atomic_write_bytes(Path(out), browser.screenshot())
    finally:
        if browser is not None:
            browser.close()
        server.should_exit = True
        thread.join(10)


__all__ = ["PortInUseError", "ViewTarget", "ViewerSettings", "ViewerTargetError", "bind_port", "create_app", "free_port",
           "run_viewer", "screenshot"]
