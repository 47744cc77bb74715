"""SAM3D (or any mesh-generation server) behind the AssetBackend contract.

Protocol (the shape of SceneSmith's geometry generation server): ``POST /generate_geometries``
with a JSON list of requests ``{prompt, image_path, output_dir, backend, output_filename, ...}``;
the reply streams NDJSON lines ``{index, status: "success" | "error", data: {geometry_path,
geometry_url?}, error}``. A GLB is fetched from ``geometry_url`` (our reference server) or
read from ``geometry_path`` when it lies inside `shared_dir` (a SceneSmith server writing to a
shared disk). ``GET /health`` answers liveness.

Generation is expensive, so `find` only records the request (asset id = hash of the request)
and `mesh` generates on first use; GLBs are cached on disk by request. Transport errors,
timeouts and HTTP 5xx are retried with exponential backoff (tenacity); the reply is treated
as untrusted (size cap, face cap, finite vertices) and a broken GLB is never cached.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from pydantic import BaseModel, ConfigDict, Field
from tenacity import (
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential,
)

from agentscene.assets.base import AssetMatch, AssetNotFoundError, AssetServerError, Size3
from agentscene.assets.canonical import canonicalize
from agentscene.assets.safety import MeshLimits, load_mesh, read_capped, safe_child
from agentscene.categories import UNKNOWN_CATEGORY, match_category
from agentscene.fileio import atomic_write_bytes, atomic_write_json
from agentscene.limits import Limits, loads_json, read_json, shown

if TYPE_CHECKING:
    import trimesh

SOURCE = "sam3d"
_KEY = re.compile(r"^[0-9a-f]{24}$")


class Sam3DSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str = Field(default="http://127.0.0.1:7000", description="base URL of the generation server")
    generator: str = Field(default="sam3d", description="the request's `backend` field: sam3d, hunyuan3d, ...")
    cache_dir: Path = Field(default_factory=lambda: Path.home() / ".cache" / "agentscene" / "sam3d")
    shared_dir: Path | None = Field(default=None, description="sent as output_dir; geometry_path replies must lie inside it")
    image_path: str = Field(default="", description="reference image path for image-to-3D servers (sent as is)")
    connect_timeout: float = Field(default=5.0, gt=0)
    read_timeout: float = Field(default=600.0, gt=0, description="per read; generation can take minutes")
    attempts: int = Field(default=3, ge=1, description="tries per request (1 = no retry)")
    backoff: float = Field(default=1.0, ge=0, description="first retry delay in seconds, doubling")
    backoff_max: float = Field(default=30.0, ge=0)
    up: str = "+y"
    front: str = "+z"
    limits: MeshLimits = Field(default_factory=MeshLimits)
    http_limits: Limits = Field(default_factory=Limits, description="reply caps and the deadline per request (Limits.http_*)")


class _Transient(Exception):
    """A failure worth retrying (5xx, transport error)."""


def _transient(e: BaseException) -> bool:
    return isinstance(e, _Transient | httpx.TransportError)


class _IterReader:
    """A file-like `read(n)` over an iterator of byte chunks (for zstandard's bounded reader)."""

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks = chunks
        self._buffer = b""

    def read(self, n: int = -1) -> bytes:
        while n < 0 or len(self._buffer) < n:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        out, self._buffer = (self._buffer, b"") if n < 0 else (self._buffer[:n], self._buffer[n:])
        return out


def _inflate(raw: Iterator[bytes], encoding: str) -> Iterator[bytes]:
    """gzip / deflate decoding that never produces more than 64 KiB per step (a bomb stays bounded)."""
    d = zlib.decompressobj(wbits=47 if encoding != "deflate" else 15)  # 47: gzip or zlib header
    for chunk in raw:
        data = chunk
        while data:
            out = d.decompress(data, _STEP)
            if out:
                yield out
            data = d.unconsumed_tail
    tail = d.flush(_STEP)
    if tail:
        yield tail


_STEP = 1 << 16


def _decoded(r: httpx.Response, cap: int, deadline: float, what: str, truncate: bool = False) -> Iterator[bytes]:
    """The reply body decoded as it streams, refused (or cut, with `truncate`) past `cap` decoded
    bytes and past the request's overall `deadline` (a server dribbling bytes cannot hold us)."""

    def raw() -> Iterator[bytes]:
        for chunk in r.iter_raw():  # as received: a chunk size would wait for that many bytes
            if time.monotonic() > deadline:
                raise AssetServerError(f"{what}: the reply did not finish within the request deadline")
            yield chunk

    encoding = r.headers.get("content-encoding", "identity").strip().lower()
    broken: tuple[type[BaseException], ...] = (zlib.error,)
    if encoding in ("", "identity"):
        source: Iterator[bytes] = raw()
    elif encoding in ("gzip", "x-gzip", "deflate"):
        source = _inflate(raw(), encoding)
    elif encoding == "zstd":
        import zstandard

        source = zstandard.ZstdDecompressor().read_to_iter(_IterReader(raw()), read_size=_STEP, write_size=_STEP)
        broken = (zstandard.ZstdError,)
    else:
        raise AssetServerError(f"{what}: the reply is encoded as {encoding[:40]!r}, which this client does not accept")
    total = 0
    try:
        for chunk in source:
            total += len(chunk)
            if total > cap:
                if truncate:
                    yield chunk[: len(chunk) - (total - cap)]
                    return
                raise AssetServerError(f"{what}: the reply exceeds the {cap}-byte cap (decoded)")
            yield chunk
    except broken as e:
        raise AssetServerError(f"{what}: the reply's {encoding} encoding is broken: {e}") from None


def _lines(chunks: Iterator[bytes], cap: int, what: str) -> Iterator[bytes]:
    """NDJSON lines from decoded chunks; a line longer than `cap` bytes is refused."""
    buffer = b""
    for chunk in chunks:
        buffer += chunk
        while True:
            end = buffer.find(b"\n")
            if end < 0:
                break
            line, buffer = buffer[:end], buffer[end + 1:]
            if len(line) > cap:
                raise AssetServerError(f"{what}: a reply line is longer than the {cap}-byte cap")
            yield line
        if len(buffer) > cap:
            raise AssetServerError(f"{what}: a reply line is longer than the {cap}-byte cap")
    if buffer:
        yield buffer


class Sam3DClient:
    """HTTP client for the /generate_geometries protocol: timeouts, retries, a deadline per request,
    and caps on every decoded body, line and error message (Limits.http_*)."""

    def __init__(self, settings: Sam3DSettings, transport: httpx.BaseTransport | None = None):
        self.settings = settings
        timeout = httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout)
        self._http = httpx.Client(base_url=settings.url, timeout=timeout, transport=transport,
                                  headers={"Accept-Encoding": "gzip, deflate"}, follow_redirects=False)

    def close(self) -> None:
        self._http.close()

    def _retrying(self, deadline: float) -> Retrying:
        s = self.settings
        return Retrying(stop=stop_after_attempt(s.attempts) | stop_after_delay(max(0.0, deadline - time.monotonic())),
                        reraise=True, retry=retry_if_exception(_transient),
                        wait=wait_exponential(multiplier=s.backoff, max=s.backoff_max))

    def _call(self, fn, what: str):
        deadline = time.monotonic() + self.settings.http_limits.http_deadline_s
        try:
            return self._retrying(deadline)(lambda: fn(deadline))
        except (_Transient, httpx.HTTPError) as e:
            raise AssetServerError(f"{what} failed after {self.settings.attempts} attempt(s): {type(e).__name__}: {e}") from e

    def _check_status(self, r: httpx.Response, deadline: float, what: str) -> None:
        """5xx is retried; redirects and 4xx are errors that quote a capped piece of the body."""
        if r.status_code >= 500:
            raise _Transient(f"HTTP {r.status_code}")
        if 300 <= r.status_code < 400:
            target = r.headers.get("location", "")[:200]
            raise AssetServerError(f"{what}: the server redirected (HTTP {r.status_code} to {target!r}); "
                                   "point the client at the final URL")
        if r.status_code >= 400:
            cap = self.settings.http_limits.http_error_bytes
            body = b"".join(_decoded(r, cap, deadline, what, truncate=True))
            raise AssetServerError(f"server refused the request: HTTP {r.status_code}: "
                                   f"{body[:300].decode('utf-8', 'replace')}")

    def health(self) -> dict[str, Any]:
        limits = self.settings.http_limits

        def go(deadline: float) -> dict[str, Any]:
            with self._http.stream("GET", "/health") as r:
                self._check_status(r, deadline, "health check")
                body = b"".join(_decoded(r, limits.http_line_bytes, deadline, "health check"))
            try:
                value = loads_json(body, limits, what="the health reply")
            except ValueError as e:
                raise AssetServerError(f"health check: the reply is not JSON: {e}") from None
            if not isinstance(value, dict):
                raise AssetServerError("health check: the reply is not a JSON object")
            return value

        return self._call(go, f"health check of {self.settings.url}")

    def generate(self, requests: list[dict[str, Any]]) -> list[dict[str, Any] | str]:
        """Per request: the `data` dict on success or the error message (in request order)."""
        if not requests:
            raise ValueError("no requests")
        limits = self.settings.http_limits
        what = "POST /generate_geometries"

        def go(deadline: float) -> list[dict[str, Any] | str]:
            results: dict[int, dict[str, Any] | str] = {}
            with self._http.stream("POST", "/generate_geometries", json=requests) as r:
                self._check_status(r, deadline, what)
                for line in _lines(_decoded(r, limits.http_reply_bytes, deadline, what), limits.http_line_bytes, what):
                    if not line.strip():
                        continue
                    try:
                        item = loads_json(line, limits, what="a reply line")
                        index = int(item["index"])
                        status = item["status"]
                    except (KeyError, TypeError, ValueError) as e:
                        raise AssetServerError(f"malformed reply line {shown(line, 200)}: {e}") from None
                    if not 0 <= index < len(requests):
                        raise AssetServerError(f"reply for request {index}, but only {len(requests)} were sent")
                    if status == "success" and isinstance(item.get("data"), dict):
                        results[index] = item["data"]
                    else:
                        results[index] = shown(str(item.get("error") or f"status {status!r}"), 300)
            missing = [i for i in range(len(requests)) if i not in results]
            if missing:
                raise _Transient(f"the reply ended without results for requests {missing}")
            return [results[i] for i in range(len(requests))]

        return self._call(go, f"POST {self.settings.url}/generate_geometries")

    def fetch(self, data: dict[str, Any]) -> bytes:
        """The GLB bytes a success reply points at (URL on the server, or a path in shared_dir)."""
        cap = self.settings.limits.max_file_bytes
        url = data.get("geometry_url")
        if isinstance(url, str) and url:
            if not url.startswith("/") or url.startswith("//"):
                raise AssetServerError(f"geometry_url must be a path on the server, got {url[:100]!r}")

            def go(deadline: float) -> bytes:
                with self._http.stream("GET", url) as r:
                    self._check_status(r, deadline, f"GET {url[:100]}")
                    return b"".join(_decoded(r, cap, deadline, f"GET {url[:100]}"))

            return self._call(go, f"GET {url[:100]}")
        path = data.get("geometry_path")
        if isinstance(path, str) and path and self.settings.shared_dir is not None:
            shared = Path(self.settings.shared_dir).resolve()
            p = Path(path)
            rel = p.resolve().relative_to(shared) if p.resolve().is_relative_to(shared) else None
            if rel is None:
                raise AssetServerError(f"geometry_path {path[:200]!r} is outside shared_dir {shared}")
            return read_capped(safe_child(shared, str(rel)), self.settings.limits)
        raise AssetServerError("the reply has neither geometry_url nor a geometry_path inside shared_dir")


def request_for(description: str, size: Size3 | None, settings: Sam3DSettings) -> dict[str, Any]:
    req: dict[str, Any] = {
        "prompt": description, "image_path": settings.image_path,
        "output_dir": str(settings.shared_dir) if settings.shared_dir else "", "backend": settings.generator,
    }
    if size is not None:
        req["size"] = [float(v) for v in size]  # a hint; SceneSmith servers ignore unknown fields
    return req


def request_key(request: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(request, sort_keys=True).encode("utf-8")).hexdigest()[:24]


class Sam3DBackend:
    name = SOURCE

    def __init__(self, settings: Sam3DSettings | None = None, transport: httpx.BaseTransport | None = None):
        self.settings = settings or Sam3DSettings()
        self.client = Sam3DClient(self.settings, transport=transport)
        self.cache_dir = Path(self.settings.cache_dir)

    @classmethod
    def from_settings(cls, **kwargs: Any) -> Sam3DBackend:
        settings = kwargs.pop("settings", None)
        return cls(settings if settings is not None else Sam3DSettings(**kwargs))

    def close(self) -> None:
        """Release the HTTP connection pool."""
        self.client.close()

    def _paths(self, key: str) -> tuple[Path, Path]:
        return self.cache_dir / "requests" / f"{key}.json", self.cache_dir / "meshes" / f"{key}.glb"

    def find(self, description: str, category: str | None = None, size: Size3 | None = None, k: int = 5) -> list[AssetMatch]:
        """One candidate: the mesh the server would generate for this description (and size hint)."""
        if k <= 0:
            return []
        req = request_for(description, size, self.settings)
        key = request_key(req)
        req_path, _ = self._paths(key)
        if not req_path.is_file():
            atomic_write_json(req_path, req, within=self.cache_dir)
        cat = category if category and category != UNKNOWN_CATEGORY else (match_category(description) or UNKNOWN_CATEGORY)
        return [AssetMatch(asset_id=f"{SOURCE}:{key}", source=SOURCE, score=1.0, category=cat,
                           size=tuple(size) if size is not None else None, description=description)]  # type: ignore[arg-type]

    def _key(self, asset_id: str) -> str:
        prefix, _, key = asset_id.partition(":") if isinstance(asset_id, str) else ("", "", "")
        if prefix != SOURCE or not _KEY.match(key):
            raise AssetNotFoundError(f"{asset_id!r} is not a sam3d asset id (sam3d:<24 hex digits>)")
        return key

    def _to_mesh(self, data: bytes, label: str) -> trimesh.Trimesh:
        mesh = load_mesh(data, "glb", limits=self.settings.limits, resolver_root=None, label=label)
        return canonicalize(mesh, up=self.settings.up, front=self.settings.front)

    def mesh(self, asset_id: str) -> trimesh.Trimesh:
        key = self._key(asset_id)
        req_path, glb_path = self._paths(key)
        if glb_path.is_file():
            return self._to_mesh(read_capped(glb_path, self.settings.limits), str(glb_path))
        if not req_path.is_file():
            raise AssetNotFoundError(f"{asset_id}: no cached mesh and no recorded request in {self.cache_dir}")
        try:
            req = read_json(req_path, max_bytes=1 << 20)
        except (OSError, ValueError) as e:
            raise AssetNotFoundError(f"{asset_id}: the recorded request {req_path} is corrupt: {e}") from None
        if not isinstance(req, dict):
            raise AssetNotFoundError(f"{asset_id}: the recorded request {req_path} is not a JSON object")
        return self.generate(req, key)

    def generate(self, request: dict[str, Any], key: str | None = None) -> trimesh.Trimesh:
        """Ask the server for one mesh, check it, cache the GLB and return the canonical mesh."""
        key = key or request_key(request)
        [result] = self.client.generate([request])
        if isinstance(result, str):
            raise AssetServerError(f"the server could not generate {request.get('prompt', '')[:80]!r}: {result}")
        data = self.client.fetch(result)
        mesh = self._to_mesh(data, f"generated mesh for {request.get('prompt', '')[:60]!r}")
        atomic_write_bytes(self._paths(key)[1], data, within=self.cache_dir)  # only meshes that passed the checks are cached
        return mesh
