"""A fake SAM3D-style asset server for users' tests: the real protocol, with faults on demand.

It is the reference server (`agentscene.assets.server`, procedural meshes, keywords only) on
127.0.0.1, behind a switch that makes the next requests fail the ways real servers do:

    with FakeAssetServer() as server:
        server.fail("status_500", times=2)        # then answers normally
        backend = get_backend("sam3d", url=server.url)
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import Literal

Fault = Literal["status_500", "status_429", "hang", "broken_glb"]


class FakeAssetServer:
    def __init__(self, hang_seconds: float = 30.0):
        self.hang_seconds = hang_seconds
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self.requests = 0
        self._stack: contextlib.ExitStack | None = None
        self.url = ""

    def fail(self, fault: Fault, times: int = 1) -> None:
        """Make the next `times` POSTs to /generate_geometries fail with `fault`."""
        with self._lock:
            self._faults.extend([fault] * times)

    def _next_fault(self) -> Fault | None:
        with self._lock:
            self.requests += 1
            return self._faults.pop(0) if self._faults else None

    def _app(self):
        from starlette.responses import JSONResponse, Response

        from agentscene.assets.registry import get_backend
        from agentscene.assets.server import create_app

        inner = create_app(get_backend("procedural", embedder=None))
        server = self

        async def app(scope, receive, send):
            if scope["type"] == "http" and scope["path"] == "/generate_geometries":
                fault = server._next_fault()
                if fault == "hang":
                    await asyncio.sleep(server.hang_seconds)
                    fault = "status_500"
                if fault in ("status_500", "status_429"):
                    code = 500 if fault == "status_500" else 429
                    await JSONResponse({"error": f"injected {fault}"}, status_code=code)(scope, receive, send)
                    return
                if fault == "broken_glb":
                    body = b'{"index": 0, "status": "success", "data": {"geometry_url": "/broken.glb"}}\n'
                    await Response(body, media_type="application/x-ndjson")(scope, receive, send)
                    return
            if scope["type"] == "http" and scope["path"] == "/broken.glb":
                await Response(b"glTF\x02\x00\x00\x00garbage", media_type="model/gltf-binary")(scope, receive, send)
                return
            await inner(scope, receive, send)

        return app

    def __enter__(self) -> FakeAssetServer:
        from agentscene.assets.server import serve_in_thread

        self._stack = contextlib.ExitStack()
        self.url = self._stack.enter_context(serve_in_thread(self._app()))
        return self

    def __exit__(self, *exc: object) -> None:
        if self._stack is not None:
            self._stack.close()
            self._stack = None
