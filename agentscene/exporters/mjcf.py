"""MJCF for MuJoCo: one self-contained XML file (meshes inline), z up.

Each object is a body named by its id at its bottom centre, turned by its yaw about +z, holding
visual mesh geoms (one per colour; no contacts) and one collision box geom of its size (the
oriented box our physics uses). Bodies are static (welded to the world) by default; with
`dynamic=True` objects standing on the floor or on other objects get a free joint and a mass
from `density`, while wall- and ceiling-mounted ones stay fixed. The floor is a plane; the walls
are static boxes along each edge of the floor polygon, outside it.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np

from agentscene.exporters.base import atomic_target
from agentscene.exporters.parts import ExportScene, ObjectMesh, z_up
from agentscene.renderers.palette import FLOOR, WALL

WALL_THICKNESS = 0.1


def _num(values) -> str:
    return " ".join(f"{float(v):.6g}" for v in np.asarray(values, float).reshape(-1))


def _rgba(rgb, alpha: float = 1.0) -> str:
    return _num([c / 255.0 for c in rgb] + [alpha])


def _name(text: str) -> str:
    """MJCF names are free text, but keep them readable and free of XML-hostile characters."""
    return "".join(ch if ch.isalnum() or ch in "_-.:" else "_" for ch in text) or "_"


def _solid(vertices: np.ndarray) -> bool:
    """MuJoCo builds a convex hull of every mesh; a flat or degenerate point set has none."""
    if len(vertices) < 4:
        return False
    centred = vertices - vertices.mean(axis=0)
    return bool(np.linalg.matrix_rank(centred, tol=1e-6) == 3)


def _object_body(parent: ET.Element, asset: ET.Element, om: ObjectMesh, dynamic: bool, density: float, used: set[str]) -> None:
    obj = om.obj
    name = _name(obj.id)
    while name in used:
        name += "_"
    used.add(name)
    w, h, d = obj.size
    theta = math.radians(obj.yaw)
    body = ET.SubElement(parent, "body", name=name, pos=_num(z_up(np.asarray(obj.position))),
                         quat=_num([math.cos(theta / 2), 0.0, 0.0, math.sin(theta / 2)]))
    free = dynamic and obj.support not in ("wall", "ceiling")
    if free:
        ET.SubElement(body, "freejoint", name=f"{name}_free")
    local = z_up(om.vertices)  # the body frame: local x -> x, front (+z) -> -y, up (+y) -> z
    for k, (rgb, idx) in enumerate(om.color_groups(limit=8)):
        faces = om.faces[idx]
        used_v, inverse = np.unique(faces.reshape(-1), return_inverse=True)
        verts = local[used_v]
        geom = {"name": f"{name}_visual_{k}", "contype": "0", "conaffinity": "0", "group": "1", "density": "0",
                "rgba": _rgba(rgb)}
        if _solid(verts):
            mesh_name = f"{name}_mesh_{k}"
            ET.SubElement(asset, "mesh", name=mesh_name, vertex=_num(verts), face=" ".join(map(str, inverse)), inertia="shell")
            ET.SubElement(body, "geom", type="mesh", mesh=mesh_name, **geom)
        else:  # a flat piece (a picture, a rug top): draw its bounding box, a few millimetres thick
            lo, hi = verts.min(axis=0), verts.max(axis=0)
            ET.SubElement(body, "geom", type="box", pos=_num((lo + hi) / 2), size=_num(np.maximum((hi - lo) / 2, 0.002)), **geom)
    ET.SubElement(body, "geom", name=f"{name}_collision", type="box", size=_num([w / 2, d / 2, h / 2]), pos=_num([0, 0, h / 2]),
                  group="3", rgba=_rgba((128, 128, 128), 0.0), density=f"{density:g}" if free else "0")


def _walls(world: ET.Element, parts: ExportScene) -> None:
    room = parts.scene.room
    pts = z_up(np.array([[x, 0.0, z] for x, z in room.floor]))
    n = len(pts)
    for i in range(n):
        a, b = pts[i], pts[(i + 1) % n]
        edge = b - a
        length = float(np.linalg.norm(edge[:2]))
        if length < 1e-9:
            continue
        # counter-clockwise in (x, z) is clockwise in (x, -z): the outward normal is the edge turned left here
        normal = np.array([-edge[1], edge[0], 0.0]) / length
        centre = (a + b) / 2 + normal * WALL_THICKNESS / 2 + np.array([0, 0, room.height / 2])
        angle = math.atan2(edge[1], edge[0])
        ET.SubElement(world, "geom", name=f"wall_{i}", type="box", group="2", rgba=_rgba(WALL, 0.35),
                      size=_num([length / 2 + WALL_THICKNESS, WALL_THICKNESS / 2, room.height / 2]), pos=_num(centre),
                      quat=_num([math.cos(angle / 2), 0, 0, math.sin(angle / 2)]))


class MjcfExporter:
    name = "mjcf"
    suffix = ".xml"
    description = "MuJoCo MJCF: a body per object with mesh and collision box geoms, static by default"

    def export(self, parts: ExportScene, path: Path, *, dynamic: bool = False, density: float = 300.0, **settings: Any) -> Path:
        room = parts.scene.room
        root = ET.Element("mujoco", model=_name(room.room_type))
        ET.SubElement(root, "compiler", angle="radian", autolimits="true")
        ET.SubElement(root, "option", gravity="0 0 -9.81", timestep="0.002")
        visual = ET.SubElement(root, "visual")
        ET.SubElement(visual, "headlight", ambient="0.45 0.45 0.45", diffuse="0.5 0.5 0.5")
        asset = ET.SubElement(root, "asset")
        ET.SubElement(asset, "material", name="floor", rgba=_rgba(FLOOR))
        world = ET.SubElement(root, "worldbody")
        x0, z0, x1, z1 = room.bounds
        extent = max(x1 - x0, z1 - z0, 1.0)
        ET.SubElement(world, "light", name="sun", pos=_num([(x0 + x1) / 2, -(z0 + z1) / 2, room.height + 2.0]),
                      dir="0 0 -1", directional="true")
        ET.SubElement(world, "geom", name="floor", type="plane", material="floor",
                      size=_num([extent * 2, extent * 2, 0.1]), pos=_num([(x0 + x1) / 2, -(z0 + z1) / 2, 0.0]))
        _walls(world, parts)
        used: set[str] = {"floor"}
        for om in parts.objects:
            _object_body(world, asset, om, dynamic, density, used)
        ET.indent(root)
        with atomic_target(path) as tmp:
            ET.ElementTree(root).write(tmp, encoding="utf-8", xml_declaration=True)
        return path
