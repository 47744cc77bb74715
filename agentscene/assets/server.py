"""Reference mesh-generation server: the /generate_geometries protocol, answered by a backend.

`agentscene assets serve` runs it over the procedural backend, so the SAM3D client can be
exercised end to end (tests, CI) and asset work can move to another machine. Differences from
SceneSmith's server: text prompts are enough (images are optional and ignored), GLBs are kept
in the server's own store and served at ``geometry_url`` (the client's ``output_dir`` is never
written to), and an optional ``size`` [w, h, d] builds the mesh at that size.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from agentscene.assets.base import AssetBackend, AssetError, ObjectMeshBackend, require
from agentscene.fileio import atomic_write_bytes
from agentscene.limits import DEFAULT_LIMITS, InputLimitError, Limits, loads_json, read_regular_file
from agentscene.scene import Asset, SceneObject

MAX_BATCH = 64
MAX_PROMPT = 2000
_NAME = re.compile(r"^[0-9a-f]{24}\.glb$")


def _validate(body: Any) -> list[dict[str, Any]] | str:
    """The requests, or an error message for a 400 reply."""
    if not isinstance(body, list):
        return "expected a JSON list of requests"
    if not body:
        return "empty request list"
    if len(body) > MAX_BATCH:
        return f"at most {MAX_BATCH} requests per call"
    for i, req in enumerate(body):
        if not isinstance(req, dict):
            return f"request {i} is not an object"
        prompt = req.get("prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            return f"request {i}: prompt must be a non-empty string"
        if len(prompt) > MAX_PROMPT:
            return f"request {i}: prompt longer than {MAX_PROMPT} characters"
        size = req.get("size")
        if size is not None:
            if not (isinstance(size, list) and len(size) == 3 and all(isinstance(v, int | float) for v in size)
                    and all(0 < v <= 100 for v in size)):
                return f"request {i}: size must be [w, h, d] in metres (0 < v <= 100)"
    return body


class GeometryStore:
    """GLBs by content name: in a directory, or in memory up to `capacity_bytes` (least recently
    used first out, so a long-running server keeps bounded memory)."""

    def __init__(self, directory: Path | None = None, capacity_bytes: int = DEFAULT_LIMITS.glb_cache_bytes):
        self.directory = Path(directory) if directory is not None else None
        self.capacity_bytes = capacity_bytes
        self._mem: OrderedDict[str, bytes] = OrderedDict()
        self.size_bytes = 0
        self._lock = threading.Lock()
        if self.directory is not None:
            self.directory.mkdir(parents=True, exist_ok=True)

    def put(self, data: bytes) -> str:
        name = hashlib.sha256(data).hexdigest()[:24] + ".glb"
        if self.directory is not None:
            atomic_write_bytes(self.directory / name, data, within=self.directory)
            return name
        with self._lock:
            if name in self._mem:
                self._mem.move_to_end(name)
                return name
            self._mem[name] = data
            self.size_bytes += len(data)
            while self.size_bytes > self.capacity_bytes and len(self._mem) > 1:
                _, old = self._mem.popitem(last=False)
                self.size_bytes -= len(old)
        return name

    def get(self, name: str) -> bytes | None:
        if not _NAME.match(name):
            return None
        if self.directory is not None:
            try:
                return read_regular_file(self.directory / name, DEFAULT_LIMITS.mesh.max_file_bytes)
            except (OSError, InputLimitError):
                return None
        with self._lock:
            data = self._mem.get(name)
            if data is not None:
                self._mem.move_to_end(name)
            return data

    def path(self, name: str) -> str:
        return str(self.directory / name) if self.directory is not None else ""


def generate_glb(backend: AssetBackend, prompt: str, size: list[float] | None) -> bytes:
    """One GLB for a prompt: the backend's best match (built at `size` when it can)."""
    matches = backend.find(prompt, size=tuple(size) if size else None, k=1)  # type: ignore[arg-type]
    if not matches:
        raise AssetError(f"{backend.name} has no asset for {prompt[:80]!r}")
    if size is not None and isinstance(backend, ObjectMeshBackend):
        m = matches[0]
        obj = SceneObject(id="generated", description=prompt, category=m.category, size=tuple(size),
                          position=(0.0, 0.0, 0.0), asset=Asset(source=m.source, asset_id=m.asset_id))
        mesh = backend.object_mesh(obj)
    else:
        mesh = backend.mesh(matches[0].asset_id)
    return mesh.export(file_type="glb")


def create_app(backend: AssetBackend | None = None, *, store_dir: Path | None = None, limits: Limits = DEFAULT_LIMITS):
    """A Starlette app speaking /generate_geometries, /health and /geometries/<name>.

    Request bodies are read up to `limits.request_body_bytes` (413 past it) and parsed with the
    guarded JSON reader; generated GLBs kept in memory are capped at `limits.glb_cache_bytes`."""
    require("starlette", "assets")
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response, StreamingResponse
    from starlette.routing import Route

    if backend is None:
        from agentscene.assets.registry import get_backend

        backend = get_backend("procedural")
    store = GeometryStore(store_dir, capacity_bytes=limits.glb_cache_bytes)
    stats = {"total_requests": 0, "completed_requests": 0, "failed_requests": 0}
    lock = threading.Lock()

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "healthy", "backend": backend.name, **stats})

    async def generate(request: Request) -> Response:
        cap = limits.request_body_bytes
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            return JSONResponse({"error": f"the body is over the {cap}-byte limit"}, status_code=413)
        chunks, total = [], 0
        async for chunk in request.stream():
            total += len(chunk)
            if total > cap:
                return JSONResponse({"error": f"the body is over the {cap}-byte limit"}, status_code=413)
            chunks.append(chunk)
        try:
            body = loads_json(b"".join(chunks), limits, what="the body")
        except json.JSONDecodeError:
            return JSONResponse({"error": "the body is not JSON"}, status_code=400)
        except InputLimitError as e:
            return JSONResponse({"error": str(e)}, status_code=400)
        reqs = _validate(body)
        if isinstance(reqs, str):
            return JSONResponse({"error": reqs}, status_code=400)

        def lines() -> Iterator[str]:
            for i, req in enumerate(reqs):
                with lock:
                    stats["total_requests"] += 1
                try:
                    name = store.put(generate_glb(backend, req["prompt"], req.get("size")))
                except AssetError as e:
                    with lock:
                        stats["failed_requests"] += 1
                    yield json.dumps({"index": i, "status": "error", "error": str(e)}) + "\n"
                    continue
                with lock:
                    stats["completed_requests"] += 1
                data = {"geometry_path": store.path(name), "geometry_url": f"/geometries/{name}"}
                yield json.dumps({"index": i, "status": "success", "data": data}) + "\n"

        return StreamingResponse(lines(), media_type="application/x-ndjson")

    async def geometry(request: Request) -> Response:
        data = store.get(request.path_params["name"])
        if data is None:
            return JSONResponse({"error": "no such geometry"}, status_code=404)
        return Response(data, media_type="model/gltf-binary")

    return Starlette(routes=[
        Route("/health", health, methods=["GET"]),
        Route("/generate_geometries", generate, methods=["POST"]),
        Route("/geometries/{name}", geometry, methods=["GET"]),
    ])


@contextlib.contextmanager
def serve_in_thread(app, host: str = "127.0.0.1", port: int = 0, timeout: float = 10.0) -> Iterator[str]:
    """Run an ASGI app with uvicorn in a background thread; yields its base URL (port 0 = any free)."""
    uvicorn = require("uvicorn", "assets")
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="agentscene-asset-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError(f"the server on {host}:{port} failed to start")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise TimeoutError(f"the server on {host}:{port} did not start within {timeout} s")
        time.sleep(0.01)
    bound = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://{host}:{bound}"
    finally:
        server.should_exit = True
        thread.join(timeout)
