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

#: every name is imported on first use: `assets find` with a keyword hit needs the procedural backend
#: and its matcher, not assignment, the mesh providers or the scene model (about 0.1 s of a cold CLI)
_LAZY = {
    **dict.fromkeys(("Assignment", "AssignResult", "TriedAsset", "assign_assets"), "agentscene.assets.assign"),
    **dict.fromkeys(("AssetBackend", "AssetError", "AssetMatch", "AssetNotFoundError", "AssetServerError",
                     "BrokenAssetError", "MissingExtraError", "ObjectMeshBackend", "UnsafeAssetError"),
                    "agentscene.assets.base"),
    **dict.fromkeys(("CategoryClassifier", "CategoryGuess"), "agentscene.assets.classify"),
    **dict.fromkeys(("Embedder", "EmbedderSettings", "HashingEmbedder", "embedder_names", "get_embedder",
                     "register_embedder"), "agentscene.assets.embedders"),
    **dict.fromkeys(("CachedMeshProvider", "mesh_provider", "recorded_backend"), "agentscene.assets.provider"),
    **dict.fromkeys(("DEFAULT_BACKEND", "backend_names", "get_backend", "register_backend"),
                    "agentscene.assets.registry"),
    "MeshLimits": "agentscene.assets.safety",
    "ScoreSettings": "agentscene.assets.scoring",
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

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


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
