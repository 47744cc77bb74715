"""SceneEval's input: an SSTK "scene state" JSON (format "sceneState", scene@1.0.2, arch@1.0.2), z up.

Architecture: a Floor element with the floor polygon and one Wall element per polygon edge (in
polygon order, so a wall's points run from floor[i] to floor[i+1]) with its doors and windows as
holes: box min/max = [distance along the wall from its first point, height above the floor].
Objects: `modelId` is "<dataset prefix>.<asset id>" with SceneEval's prefixes for 3D-FUTURE
("3dfModel") and Objaverse ("objaverse"), "agentscene-<source>" for other backends and
"agentscene-box.<category>" for objects without an asset. `transform.data` is the column-major
4x4 taking the asset's mesh — in the asset backend's canonical frame (metres, y up, +z front,
bottom centre at the origin) — to the z-up scene, stretch included; `rotation` [x, y, z, w],
`translation` and `scale` are its exact decomposition. An object standing on another names it
as parent (`parentIndex`, `parentId`). Extra keys under "agentscene" keep what SceneEval ignores.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from agentscene.exporters.parts import Y_UP_TO_Z_UP, ExportScene, z_up
from agentscene.fileio import atomic_write_json
from agentscene.meshes import object_matrix

#: our asset sources -> SceneEval's asset id prefixes (configs/assets.yaml there)
MODEL_PREFIX = {"3d-future": "3dfModel", "objaverse": "objaverse"}
HOLE_TYPE = {"door": "Door", "opening": "Door", "window": "Window"}


def model_id(obj: Any) -> str:
    asset = obj.asset
    if asset is None or not asset.asset_id or asset.asset_id.startswith("<"):
        return f"agentscene-box.{obj.category}"
    source = asset.source or "unknown"
    prefix = MODEL_PREFIX.get(source, f"agentscene-{source}")
    asset_id = asset.asset_id.split(":", 1)[1] if asset.asset_id.startswith(source + ":") else asset.asset_id
    return f"{prefix}.{asset_id}"


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


def transform(obj: Any, mesh: Any) -> dict[str, Any]:
    """The scene-state transform of an object's (canonical) mesh; `mesh` None means the unit box."""
    c = np.eye(4)
    c[:3, :3] = Y_UP_TO_Z_UP
    m = c @ object_matrix(obj, mesh)
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


def scene_state(parts: ExportScene, mesh_provider: Any = None, *, scene_id: str | None = None) -> dict[str, Any]:
    scene = parts.scene
    index = {obj.id: k for k, obj in enumerate(scene.objects)}
    objects = []
    for k, obj in enumerate(scene.objects):
        mesh = mesh_provider(obj) if mesh_provider is not None else None
        parent = obj.support if obj.support in index else None
        objects.append({
            "id": obj.id, "index": k, "modelId": model_id(obj),
            "parentId": parent or "", "parentIndex": index[parent] if parent else -1,
            "transform": transform(obj, mesh),
            "agentscene": {"category": obj.category, "description": obj.description, "size": list(obj.size),
                           "position": list(obj.position), "yaw": obj.yaw, "support": obj.support,
                           "mesh_frame": "asset canonical frame" if mesh is not None else "unit box (1 m cube, bottom centre at origin)",
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


class SceneEvalExporter:
    name = "scene-eval"
    suffix = ".json"
    description = "SceneEval / SSTK scene state JSON (z up, asset ids with SceneEval's prefixes)"

    def export(self, parts: ExportScene, path: Path, *, mesh_provider: Any = None, **settings: Any) -> Path:
        return atomic_write_json(path, scene_state(parts, mesh_provider, scene_id=path.stem))
