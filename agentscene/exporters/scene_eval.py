"""SceneEval's input: an SSTK "scene state" JSON (format "sceneState", scene@1.0.2, arch@1.0.2), z up.

Architecture: a Floor element with the floor polygon and one Wall element per polygon edge (in
polygon order, so a wall's points run from floor[i] to floor[i+1]) with its doors and windows as
holes: box min/max = [distance along the wall from its first point, height above the floor].

Objects: `modelId` names the mesh file SceneEval loads, and `transform.data` (column-major 4x4)
takes that file's mesh, as stored (glTF: y up), to the z-up scene:

- 3D-FUTURE and Objaverse meshes (when the mesh provider loaded them from the dataset): SceneEval's
  prefixes ("3dfModel.<jid>", "objaverse.<uid>") and the dataset's own file; our canonicalisation
  (axes, scale, bottom centre; `assets.canonical.FILE_TO_CANONICAL`) is folded into the transform.
- everything else (procedural, SAM 3D, boxes): "agentscene.<category>-<digest>", a GLB we write
  holding the object's mesh already stretched to its size (y up, bottom centre at the origin), so
  the transform is a pure rotation and translation. Objects with identical meshes share an id.

`rotation` [x, y, z, w], `translation` and `scale` are the transform's exact decomposition. An
object standing on another names it as parent (`parentIndex`, `parentId`). Extra keys under
"agentscene" keep what SceneEval ignores.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from agentscene.assets.canonical import FILE_TO_CANONICAL
from agentscene.exporters.parts import Y_UP_TO_Z_UP, ExportScene, ObjectMesh, z_up
from agentscene.fileio import atomic_write_json
from agentscene.meshes import object_matrix

#: our asset sources -> SceneEval's asset id prefixes (configs/assets.yaml there)
MODEL_PREFIX = {"3d-future": "3dfModel", "objaverse": "objaverse"}
#: the prefix of meshes we write ourselves (register it in SceneEval: docs/exports.md)
OWN_PREFIX = "agentscene"
#: where the GLBs of our own model ids go, beside the scene files
MODELS_DIR = "agentscene-assets"
HOLE_TYPE = {"door": "Door", "opening": "Door", "window": "Window"}


@dataclass(frozen=True, eq=False)
class SceneEvalModel:
    """What `modelId` names: the file SceneEval loads and how its mesh maps to our object."""

    model_id: str
    matrix: np.ndarray  # 4x4: the file's mesh (as stored) -> our y-up world
    mesh: Any = None  # trimesh.Trimesh to write as <asset id>.glb (our own ids); None: the dataset's file


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in text).strip("_") or "object"


def model_for(om: ObjectMesh, mesh_provider: Any = None) -> SceneEvalModel:
    """The model id, file mesh and file-to-world matrix of one object (see the module docstring)."""
    obj = om.obj
    asset = obj.asset
    prefix = MODEL_PREFIX.get(asset.source) if asset is not None and asset.source else None
    if prefix is not None and mesh_provider is not None and not asset.asset_id.startswith("<"):
        mesh = mesh_provider(obj)
        if mesh is not None and FILE_TO_CANONICAL in mesh.metadata:  # loaded from the dataset's own file
            asset_id = asset.asset_id.split(":", 1)[1] if asset.asset_id.startswith(asset.source + ":") else asset.asset_id
            matrix = object_matrix(obj, mesh) @ np.asarray(mesh.metadata[FILE_TO_CANONICAL], float)
            return SceneEvalModel(f"{prefix}.{asset_id}", matrix)
    import trimesh

    vertices = np.asarray(om.vertices, float)
    faces = np.asarray(om.faces, np.int64)
    digest = hashlib.sha1(np.round(vertices, 6).astype(np.float64).tobytes() + faces.tobytes()
                          + np.asarray(om.face_colors, np.uint8).tobytes()).hexdigest()[:12]
    mesh = trimesh.Trimesh(vertices=vertices, faces=faces, face_colors=om.face_colors, process=False)
    return SceneEvalModel(f"{OWN_PREFIX}.{_slug(obj.category)}-{digest}", om.pose, mesh)


def model_id(obj: Any, mesh_provider: Any = None) -> str:
    """The `modelId` SceneEval reads for an object (its mesh built through `mesh_provider`)."""
    from agentscene.exporters.parts import object_mesh

    return model_for(object_mesh(obj, mesh_provider, []), mesh_provider).model_id


def _quaternion(r: np.ndarray) -> list[float]:
    """[x, y, z, w] of a proper rotation matrix (Shepperd's method, stable for every angle)."""
    t = np.trace(r)
    if t > 0:
        s = math.sqrt(t + 1.0) * 2
        q = [(r[2, 1] - r[1, 2]) / s, (r[0, 2] - r[2, 0]) / s, (r[1, 0] - r[0, 1]) / s, 0.25 * s]
    else:
        i = int(np.argmax(np.diag(r)))
        j, k = (i + 1) % 3, (i + 2) % 3
        s = math.sqrt(1.0 + r[i, i] - r[j, j] - r[k, k]) * 2
        q = [0.0, 0.0, 0.0, (r[k, j] - r[j, k]) / s]
        q[i] = 0.25 * s
        q[j] = (r[j, i] + r[i, j]) / s
        q[k] = (r[k, i] + r[i, k]) / s
    return [float(v) for v in q]


def transform(matrix: np.ndarray) -> dict[str, Any]:
    """The scene-state transform of a file-to-world matrix (our y-up world -> SceneEval's z up)."""
    c = np.eye(4)
    c[:3, :3] = Y_UP_TO_Z_UP
    m = c @ np.asarray(matrix, float)
    linear = m[:3, :3]
    scale = np.linalg.norm(linear, axis=0)
    rotation = linear / scale
    return {"rows": 4, "cols": 4, "data": [float(v) for v in m.T.reshape(-1)], "rotation": _quaternion(rotation),
            "translation": [float(v) for v in m[:3, 3]], "scale": [float(v) for v in scale]}


def _arch(scene: Any) -> dict[str, Any]:
    room = scene.room
    room_id = room.room_type
    floor = [[float(x), float(-z), 0.0] for x, z in room.floor]
    walls = []
    for i in range(len(room.floor)):
        holes = []
        for k, o in enumerate(op for op in room.openings if op.wall == i):
            holes.append({"id": f"{room_id}|wall{i}|hole{k}", "type": HOLE_TYPE[o.kind],
                          "box": {"min": [o.offset - o.width / 2, o.sill], "max": [o.offset + o.width / 2, o.sill + o.height]}})
        walls.append({"id": f"wall|{room_id}|{i}", "roomId": room_id, "type": "Wall", "height": float(room.height),
                      "depth": 0.1, "points": [floor[i], floor[(i + 1) % len(floor)]], "holes": holes})
    return {
        "version": "arch@1.0.2", "id": f"{room_id}-arch", "up": [0, 0, 1], "front": [0, 1, 0], "coords2d": [0, 1],
        "scaleToMeters": 1, "defaults": {"Wall": {"depth": 0.1, "extraHeight": 0.035}, "Floor": {"depth": 0.05},
                                         "Ceiling": {"depth": 0.05}},
        "elements": [{"id": f"{room_id}|floor", "roomId": room_id, "type": "Floor", "depth": 0.05, "points": floor}, *walls],
        "regions": [{"id": room_id, "type": room_id, "walls": list(range(1, len(walls) + 1))}],
    }


def scene_state(parts: ExportScene, mesh_provider: Any = None, *, scene_id: str | None = None,
                models: dict[str, Any] | None = None) -> dict[str, Any]:
    """The scene-state dict; the meshes of our own model ids are added to `models` (id -> trimesh)."""
    scene = parts.scene
    index = {obj.id: k for k, obj in enumerate(scene.objects)}
    objects = []
    for k, om in enumerate(parts.objects):
        obj = om.obj
        model = model_for(om, mesh_provider)
        if model.mesh is not None and models is not None:
            models.setdefault(model.model_id, model.mesh)
        parent = obj.support if obj.support in index else None
        objects.append({
            "id": obj.id, "index": k, "modelId": model.model_id,
            "parentId": parent or "", "parentIndex": index[parent] if parent else -1,
            "transform": transform(model.matrix),
            "agentscene": {"category": obj.category, "description": obj.description, "size": list(obj.size),
                           "position": list(obj.position), "yaw": obj.yaw, "support": obj.support,
                           "mesh_file": "dataset file" if model.mesh is None else f"{MODELS_DIR}/{model.model_id.split('.', 1)[1]}.glb",
                           "bottom_centre_z_up": [float(v) for v in z_up(np.asarray(obj.position))]},
        })
    sources = sorted({MODEL_PREFIX.get(o.asset.source, o.asset.source) for o in scene.objects if o.asset and o.asset.source})
    return {
        "format": "sceneState",
        "scene": {"version": "scene@1.0.2", "id": scene_id or scene.room.room_type, "up": [0, 0, 1], "front": [0, 1, 0],
                  "unit": 1.0, "assetSource": sources, "arch": _arch(scene), "object": objects,
                  "modifications": []},
        "selected": [],
        "agentscene": {"prompt": scene.metadata.get("prompt"), "room_type": scene.room.room_type},
    }


def write_models(models: dict[str, Any], folder: Path) -> list[Path]:
    """One GLB per own model id (`<folder>/<asset id>.glb`, skipped when present) plus models.json (id -> category)."""
    from agentscene.exporters.base import atomic_target

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for mid, mesh in models.items():
        path = folder / f"{mid.split('.', 1)[1]}.glb"
        if not path.exists():
            with atomic_target(path) as tmp:
                mesh.export(tmp, file_type="glb")
            written.append(path)
    index_path = folder / "models.json"
    index = {}
    if index_path.is_file():
        from agentscene.limits import read_json

        index = read_json(index_path)  # guarded: regular file, bounded size and depth
    index.update({mid.split(".", 1)[1]: mid.split(".", 1)[1].rsplit("-", 1)[0].replace("_", " ") for mid in models})
    atomic_write_json(index_path, dict(sorted(index.items())))
    return written


class SceneEvalExporter:
    name = "scene-eval"
    suffix = ".json"
    description = "SceneEval / SSTK scene state JSON (z up, asset ids with SceneEval's prefixes) plus the GLBs of our own ids"

    def export(self, parts: ExportScene, path: Path, *, mesh_provider: Any = None, models_dir: Path | None = None,
               **settings: Any) -> Path:
        """Write the scene state to `path` and our own meshes to `models_dir` (default: agentscene-assets beside it)."""
        models: dict[str, Any] = {}
        state = scene_state(parts, mesh_provider, scene_id=path.stem, models=models)
        out = atomic_write_json(path, state)
        write_models(models, Path(models_dir) if models_dir is not None else path.parent / MODELS_DIR)
        return out
