"""Asset backends: where object meshes come from.

    from agentscene.assets import get_backend, assign_assets, mesh_provider

    backend = get_backend("procedural")              # default: offline, every category
    result = assign_assets(scene, backend)           # fills `asset`, reports fallbacks
    provider = mesh_provider(backend)                # (SceneObject) -> trimesh.Trimesh | None

Backends: "procedural", "3d-future" (local copy), "objaverse" (annotations + GLB cache),
"sam3d" (mesh-generation server). Each is a string in the registry; add your own with
`register_backend(name, factory)`.
"""

from __future__ import annotations

from typing import Any

from agentscene.assets.assign import Assignment, AssignResult, TriedAsset, assign_assets
from agentscene.assets.base import (
    AssetBackend,
    AssetError,
    AssetMatch,
    AssetNotFoundError,
    AssetServerError,
    BrokenAssetError,
    MissingExtraError,
    ObjectMeshBackend,
    UnsafeAssetError,
)
from agentscene.assets.classify import CategoryClassifier, CategoryGuess
from agentscene.assets.embedders import (
    Embedder,
    EmbedderSettings,
    HashingEmbedder,
    embedder_names,
    get_embedder,
    register_embedder,
)
from agentscene.assets.provider import CachedMeshProvider, mesh_provider, recorded_backend
from agentscene.assets.registry import DEFAULT_BACKEND, backend_names, get_backend, register_backend
from agentscene.assets.safety import MeshLimits
from agentscene.assets.scoring import ScoreSettings

_LAZY = {
    "ProceduralBackend": "agentscene.assets.procedural.backend",
    "ProceduralSettings": "agentscene.assets.procedural.backend",
    "Future3DBackend": "agentscene.assets.future3d",
    "Future3DSettings": "agentscene.assets.future3d",
    "ObjaverseBackend": "agentscene.assets.objaverse",
    "ObjaverseSettings": "agentscene.assets.objaverse",
    "Sam3DBackend": "agentscene.assets.sam3d",
    "Sam3DSettings": "agentscene.assets.sam3d",
    "Sam3DClient": "agentscene.assets.sam3d",
    "AssetIndex": "agentscene.assets.index",
    "create_app": "agentscene.assets.server",
    "serve_in_thread": "agentscene.assets.server",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'agentscene.assets' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


__all__ = [
    "DEFAULT_BACKEND", "AssetBackend", "AssetError", "AssetIndex", "AssetMatch", "AssetNotFoundError",
    "AssetServerError", "AssignResult", "Assignment", "BrokenAssetError", "CachedMeshProvider",
    "CategoryClassifier", "CategoryGuess", "Embedder", "EmbedderSettings", "Future3DBackend", "Future3DSettings",
    "HashingEmbedder", "MeshLimits", "MissingExtraError", "ObjaverseBackend", "ObjaverseSettings",
    "ObjectMeshBackend", "ProceduralBackend", "ProceduralSettings", "Sam3DBackend", "Sam3DClient", "Sam3DSettings",
    "ScoreSettings", "TriedAsset", "UnsafeAssetError", "assign_assets", "backend_names", "create_app",
    "embedder_names", "get_backend", "get_embedder", "mesh_provider", "recorded_backend", "register_backend", "register_embedder",
    "serve_in_thread",
]
