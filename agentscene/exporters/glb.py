"""glTF binary (.glb) through trimesh: one node per object (named by its id, posed by its transform,
with category, description and size in the node's extras) holding one primitive per colour with a
PBR base colour, plus the floor and walls. glTF is y-up with +z forward, like our scenes, so
coordinates go in unchanged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from agentscene.exporters.base import atomic_target
from agentscene.exporters.parts import ExportScene


def _primitive(vertices: np.ndarray, faces: np.ndarray, rgb: tuple[int, int, int], name: str):
    import trimesh
    from trimesh.visual.material import PBRMaterial

    used, inverse = np.unique(faces.reshape(-1), return_inverse=True)
    mesh = trimesh.Trimesh(vertices=vertices[used], faces=inverse.reshape(-1, 3), process=False)
    material = PBRMaterial(name=name, baseColorFactor=[*rgb, 255], metallicFactor=0.0, roughnessFactor=0.8, doubleSided=True)
    mesh.visual = trimesh.visual.TextureVisuals(material=material)
    return mesh


class GlbExporter:
    name = "glb"
    suffix = ".glb"
    description = "glTF binary with meshes, colours and one node per object (trimesh)"

    def export(self, parts: ExportScene, path: Path, **settings: Any) -> Path:
        import trimesh

        scene = trimesh.Scene(base_frame="world")
        extras: dict[str, dict[str, Any]] = {}
        for part in parts.room:
            colors, inverse = np.unique(part.face_colors, axis=0, return_inverse=True)
            for k, rgb in enumerate(colors):
                faces = part.faces[inverse.reshape(-1) == k]
                scene.add_geometry(_primitive(part.vertices, faces, tuple(int(c) for c in rgb), f"{part.name}_{k}"),
                                   node_name=f"{part.name}#{k}", geom_name=f"{part.name}#{k}")
        for om in parts.objects:
            obj = om.obj
            scene.graph.update(frame_from="world", frame_to=obj.id, matrix=om.pose)
            for k, (rgb, idx) in enumerate(om.color_groups()):
                scene.add_geometry(_primitive(om.vertices, om.faces[idx], rgb, f"{obj.id}_{k}"),
                                   node_name=f"{obj.id}#{k}", geom_name=f"{obj.id}#{k}", parent_node_name=obj.id)
            extras[obj.id] = {"agentscene_id": obj.id, "category": obj.category, "description": obj.description,
                              "size": list(obj.size), "support": obj.support}

        def add_extras(tree: dict[str, Any]) -> None:
            for node in tree.get("nodes", []):
                if node.get("name") in extras:
                    node["extras"] = extras[node["name"]]
            tree.setdefault("asset", {})["generator"] = "agentscene export"

        with atomic_target(path) as tmp:
            data = scene.export(file_type="glb", tree_postprocessor=add_extras)
            tmp.write_bytes(data)
        return path
