"""Mesh providers for physics and renderers: `(SceneObject) -> trimesh.Trimesh | None`.

A provider asks its backend for the object's mesh in the canonical frame (not yet stretched:
agentscene.meshes.world_mesh does that). Loaded meshes are cached and handed out as copies,
so callers may transform them freely. A broken or missing asset never raises here: the
provider records why in `errors` and returns the fallback backend's mesh or None (the
oriented box).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from agentscene.assets.base import AssetBackend, AssetError, ObjectMeshBackend
from agentscene.scene import NEED_RETRIEVAL

if TYPE_CHECKING:
    import trimesh

    from agentscene.scene import Scene, SceneObject

log = logging.getLogger(__name__)


class CachedMeshProvider:
    """Callable mesh provider over one backend, with an optional fallback backend."""

    def __init__(self, backend: AssetBackend, *, fallback: AssetBackend | None = None, cache_size: int = 256):
        self.backend = backend
        self.fallback = fallback
        self.cache_size = cache_size
        self._cache: OrderedDict[tuple[str, str], trimesh.Trimesh | None] = OrderedDict()
        #: object id -> why its asset could not be used (latest failure per object)
        self.errors: dict[str, str] = {}

    def __call__(self, obj: SceneObject) -> trimesh.Trimesh | None:
        mesh = self._from(self.backend, obj)
        if mesh is None and self.fallback is not None:
            mesh = self._from(self.fallback, obj)
        return mesh

    def _from(self, backend: AssetBackend, obj: SceneObject) -> trimesh.Trimesh | None:
        if isinstance(backend, ObjectMeshBackend):  # builds from the object itself (procedural)
            try:
                return backend.object_mesh(obj)
            except AssetError as e:
                self._fail(obj.id, f"{backend.name}: {e}")
                return None
        asset = obj.asset
        if asset is None or asset.asset_id == NEED_RETRIEVAL or asset.source not in (None, backend.name):
            return None
        return self._cached(backend, asset.asset_id, obj.id)

    def _cached(self, backend: AssetBackend, asset_id: str, object_id: str) -> trimesh.Trimesh | None:
        key = (backend.name, asset_id)
        if key in self._cache:
            self._cache.move_to_end(key)
            hit = self._cache[key]
            if hit is None:
                self._fail(object_id, f"{backend.name}: asset {asset_id} failed to load earlier")
            return None if hit is None else hit.copy()
        try:
            mesh = backend.mesh(asset_id)
        except AssetError as e:
            self._fail(object_id, f"{backend.name}: {asset_id}: {e}")
            mesh = None
        self._cache[key] = mesh
        if len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return None if mesh is None else mesh.copy()

    def _fail(self, object_id: str, message: str) -> None:
        if self.errors.get(object_id) != message:
            log.warning("no mesh for %s: %s", object_id, message)
        self.errors[object_id] = message


def mesh_provider(backend: AssetBackend, *, fallback: AssetBackend | None = None, cache_size: int = 256) -> CachedMeshProvider:
    """A cached MeshProvider (see agentscene.meshes) over `backend`, trying `fallback` when the
    backend has no usable mesh for an object (e.g. 3d-future with procedural as fallback)."""
    return CachedMeshProvider(backend, fallback=fallback, cache_size=cache_size)


def recorded_backend(scene: Scene, run_spec: dict[str, Any] | None = None) -> tuple[str, dict[str, str]]:
    """The asset backend a scene's meshes came from, as (name, settings): its run's spec_used.json
    when it has one, else the one non-procedural source its objects record, else procedural.

    `agentscene render` and `export` default to this, so re-rendering a run looks like the run's own images."""
    config = (run_spec or {}).get("config") or {}
    if isinstance(config.get("assets"), str):
        settings = config.get("assets_settings") or {}
        return config["assets"], {str(k): str(v) for k, v in settings.items()} if isinstance(settings, dict) else {}
    sources = {o.asset.source for o in scene.objects if o.asset is not None and o.asset.source not in (None, "procedural")}
    return (sources.pop(), {}) if len(sources) == 1 else ("procedural", {})
