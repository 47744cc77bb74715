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
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from pydantic import BaseModel, ConfigDict, Field
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from agentscene.assets.base import AssetMatch, AssetNotFoundError, AssetServerError, Size3
from agentscene.assets.canonical import canonicalize
from agentscene.assets.safety import MeshLimits, load_mesh, read_capped, safe_child
from agentscene.categories import UNKNOWN_CATEGORY, match_category
from agentscene.fileio import atomic_write_bytes, atomic_write_json

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


class _Transient(Exception):
    """A failure worth retrying (5xx, transport error)."""


def _transient(e: BaseException) -> bool:
    return isinstance(e, _Transient | httpx.TransportError)


class Sam3DClient:
    """HTTP client for the /generate_geometries protocol with timeouts, retries and size caps."""

    def __init__(self, settings: Sam3DSettings, transport: httpx.BaseTransport | None = None):
        self.settings = settings
        timeout = httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout)
        self._http = httpx.Client(base_url=settings.url, timeout=timeout, transport=transport)

    def close(self) -> None:
        self._http.close()

    def _retrying(self) -> Retrying:
        s = self.settings
        return Retrying(stop=stop_after_attempt(s.attempts), reraise=True, retry=retry_if_exception(_transient),
                        wait=wait_exponential(multiplier=s.backoff, max=s.backoff_max))

    def _call(self, fn, what: str):
        try:
            return self._retrying()(fn)
        except (_Transient, httpx.HTTPError) as e:
            raise AssetServerError(f"{what} failed after {self.settings.attempts} attempt(s): {type(e).__name__}: {e}") from e

    def health(self) -> dict[str, Any]:
        def go() -> dict[str, Any]:
            r = self._http.get("/health")
            if r.status_code >= 500:
                raise _Transient(f"HTTP {r.status_code}")
            r.raise_for_status()
            return r.json()

        return self._call(go, f"health check of {self.settings.url}")

    def generate(self, requests: list[dict[str, Any]]) -> list[dict[str, Any] | str]:
        """Per request: the `data` dict on success or the error message (in request order)."""
        if not requests:
            raise ValueError("no requests")

        def go() -> list[dict[str, Any] | str]:
            results: dict[int, dict[str, Any] | str] = {}
            with self._http.stream("POST", "/generate_geometries", json=requests) as r:
                if r.status_code >= 500:
                    raise _Transient(f"HTTP {r.status_code}")
                if r.status_code >= 400:
                    r.read()
                    raise AssetServerError(f"server refused the request: HTTP {r.status_code}: {r.text[:300]}")
                for line in r.iter_lines():
                    if not line.strip():
                        continue
                    try:
                        item = json.loads(line)
                        index = int(item["index"])
                        status = item["status"]
                    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as e:
                        raise AssetServerError(f"malformed reply line {line[:200]!r}: {e}") from e
                    if not 0 <= index < len(requests):
                        raise AssetServerError(f"reply for request {index}, but only {len(requests)} were sent")
                    if status == "success" and isinstance(item.get("data"), dict):
                        results[index] = item["data"]
                    else:
                        results[index] = str(item.get("error") or f"status {status!r}")
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
            if not url.startswith("/"):
                raise AssetServerError(f"geometry_url must be a path on the server, got {url[:100]!r}")

            def go() -> bytes:
                with self._http.stream("GET", url) as r:
                    if r.status_code >= 500:
                        raise _Transient(f"HTTP {r.status_code}")
                    if r.status_code >= 400:
                        raise AssetServerError(f"GET {url}: HTTP {r.status_code}")
                    chunks, total = [], 0
                    for chunk in r.iter_bytes():
                        total += len(chunk)
                        if total > cap:
                            raise AssetServerError(f"GET {url}: reply exceeds the {cap}-byte cap")
                        chunks.append(chunk)
                    return b"".join(chunks)

            return self._call(go, f"GET {url}")
        path = data.get("geometry_path")
        if isinstance(path, str) and path and self.settings.shared_dir is not None:
            shared = Path(self.settings.shared_dir).resolve()
            p = Path(path)
            rel = p.resolve().relative_to(shared) if p.resolve().is_relative_to(shared) else None
            if rel is None:
                raise AssetServerError(f"geometry_path {path!r} is outside shared_dir {shared}")
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
            atomic_write_json(req_path, req)
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
            req = json.loads(req_path.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise AssetNotFoundError(f"{asset_id}: the recorded request {req_path} is corrupt: {e}") from e
        return self.generate(req, key)

    def generate(self, request: dict[str, Any], key: str | None = None) -> trimesh.Trimesh:
        """Ask the server for one mesh, check it, cache the GLB and return the canonical mesh."""
        key = key or request_key(request)
        [result] = self.client.generate([request])
        if isinstance(result, str):
            raise AssetServerError(f"the server could not generate {request.get('prompt', '')[:80]!r}: {result}")
        data = self.client.fetch(result)
        mesh = self._to_mesh(data, f"generated mesh for {request.get('prompt', '')[:60]!r}")
        atomic_write_bytes(self._paths(key)[1], data)  # only meshes that passed the checks are cached
        return mesh
