"""A live scene viewer in the browser: three.js (vendored, no CDN) on a small local ASGI app.

`agentscene view SCENE_OR_RUN_DIR` serves one scene file or run directory on 127.0.0.1 and
the page follows changes within a second (server-sent events). Needs starlette and uvicorn
(`pip install 'agentscene[viewer]'`).
"""

from __future__ import annotations

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


def run_viewer(settings: ViewerSettings, *, open_browser: bool = False) -> None:
    """Serve until interrupted, printing the page's address."""
    try:
        import uvicorn
    except ImportError:
        raise ImportError("the viewer needs uvicorn: pip install 'agentscene[viewer]'") from None
    app = create_app(settings)
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    url = f"http://{host}:{settings.port}/"
    print(f"agentscene viewer: {url} (showing {settings.target}; Ctrl-C to stop)", flush=True)
    if open_browser:
        import webbrowser

        webbrowser.open(url)
    # open pages hold an endless event stream: give them a moment, then stop (Ctrl-C must not hang)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning", timeout_graceful_shutdown=1)


__all__ = ["ViewTarget", "ViewerSettings", "ViewerTargetError", "create_app", "run_viewer"]
