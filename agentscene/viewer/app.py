"""The viewer's ASGI app: the page, its vendored static files, and a read-only JSON API on one target.

Routes: `/` (the page), `/static/...` (files shipped in agentscene/viewer/static only),
`/api/state`, `/api/turn/{n}`, `/api/render/{n}/{view}` and `/api/events` (server-sent events:
one `change` event whenever the target's files change, found by polling their mtimes).
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from pathlib import Path
from typing import Any

import anyio

from agentscene.formats import SceneFormatError, dump_scene
from agentscene.scene import Scene
from agentscene.viewer.settings import ViewerSettings
from agentscene.viewer.source import ViewTarget, jsonable

STATIC_DIR = Path(__file__).parent / "static"
_LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


class PhysicsReports:
    """Physics reports from agentscene.rewards, cached by scene content; a clear reason when unavailable."""

    def __init__(self, capacity: int = 64):
        self._cache: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._capacity = capacity
        self._lock = anyio.Lock()

    async def report(self, scene: Scene, scene_json: dict[str, Any]) -> dict[str, Any]:
        key = hashlib.sha1(json.dumps(scene_json, sort_keys=True).encode()).hexdigest()
        async with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
            value = await anyio.to_thread.run_sync(physics_report, scene)
            self._cache[key] = value
            if len(self._cache) > self._capacity:
                self._cache.popitem(last=False)
            return value


def physics_report(scene: Scene) -> dict[str, Any]:
    from agentscene.rewards import evaluate, feedback_text

    report = evaluate(scene)
    return {"available": True, "headline": jsonable(report.headline()), "feedback": feedback_text(report, scene),
            "report": jsonable(report.model_dump(mode="json"))}


def create_app(settings: ViewerSettings) -> Any:
    """The Starlette app serving one scene file or run directory."""
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware
    from starlette.requests import Request
    from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    target = ViewTarget(settings.target)
    reports = PhysicsReports()
    listeners = {"count": 0}

    async def index(request: Request) -> Response:
        return FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-store"})

    async def state(request: Request) -> Response:
        version = target.version()
        body: dict[str, Any] = {"version": version, "kind": target.kind, "name": target.name,
                                "turns": [t.number for t in target.turns()], "scene": None, "problem": None}
        try:
            scene = await anyio.to_thread.run_sync(target.current_scene)
        except SceneFormatError as e:
            body["problem"] = str(e)
            return JSONResponse(body, headers={"Cache-Control": "no-store"})
        scene_json = dump_scene(scene, "native")
        body["scene"] = scene_json
        body["n_objects"] = len(scene.objects)
        body["report"] = await reports.report(scene, scene_json) if settings.physics else {"available": False, "reason": "physics report turned off"}
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    async def turn(request: Request) -> Response:
        number = request.path_params["number"]
        try:
            data = await anyio.to_thread.run_sync(target.read_turn, number)
        except KeyError:
            return JSONResponse({"problem": f"no turn {number}"}, status_code=404)
        scene = data.pop("scene_obj", None)
        if scene is not None and settings.physics:
            data["report"] = await reports.report(scene, data["scene"])
        return JSONResponse(jsonable(data), headers={"Cache-Control": "no-store"})

    async def render(request: Request) -> Response:
        path = target.render_path(request.path_params["number"], request.path_params["view"])
        if path is None:
            return JSONResponse({"problem": "no such render"}, status_code=404)
        return FileResponse(path, media_type="image/png", headers={"Cache-Control": "no-store"})

    async def events(request: Request) -> Response:
        if listeners["count"] >= settings.max_listeners:
            return JSONResponse({"problem": "too many open viewer pages"}, status_code=503)

        async def stream():
            listeners["count"] += 1
            try:
                last, quiet = None, 0.0
                yield "retry: 500\n\n"
                while True:
                    version = target.version()
                    if version != last:
                        last, quiet = version, 0.0
                        yield f"event: change\ndata: {json.dumps({'version': version})}\n\n"
                    elif quiet >= 15.0:
                        quiet = 0.0
                        yield ": keep-alive\n\n"
                    await anyio.sleep(settings.poll_interval)
                    quiet += settings.poll_interval
            finally:
                listeners["count"] -= 1

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    routes = [
        Route("/", index),
        Route("/api/state", state),
        Route("/api/turn/{number:int}", turn),
        Route("/api/render/{number:int}/{view:str}", render),
        Route("/api/events", events),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    middleware = []
    if settings.host in _LOOPBACK:
        # a page on another origin must not reach the viewer through DNS rebinding
        middleware.append(Middleware(TrustedHostMiddleware, allowed_hosts=["127.0.0.1", "localhost", "[::1]"]))
    return Starlette(routes=routes, middleware=middleware)
