"""MJCF for MuJoCo: one self-contained XML file (meshes inline), z up.

Each object is a body named by its id at its bottom centre, turned by its yaw about +z, holding
visual mesh geoms (one per colour; no contacts, group 1) and collision geoms (group 3): the
convex hulls of its mesh's connected parts (`agentscene.exporters.convex`), boxes for flat parts.
Bodies are static (welded to the world) by default; with `dynamic=True` objects standing on the
floor or on other objects get a free joint, a mass from their category (`CategoryInfo.mass` at
the typical size, scaled by volume) spread over the parts by volume, and their category's
friction; wall- and ceiling-mounted ones stay fixed. The floor is a plane; the walls are static
boxes along each edge of the floor polygon, outside it, with gaps at doors and open doorways.
Every geom has a 1 mm contact margin, so resting contacts are found before they penetrate.
"""

from __future__ import annotations

import hashlib
import math
import xml.etree.ElementTree as ET
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from agentscene.categories import category_info
from agentscene.exporters.base import atomic_target
from agentscene.exporters.convex import ConvexPart, convex_parts
from agentscene.exporters.parts import ExportScene, ObjectMesh, z_up
from agentscene.palette import FLOOR, WALL

if TYPE_CHECKING:
    from agentscene.scene import Room, SceneObject

WALL_THICKNESS = 0.1
#: contact margin of every geom (m)
CONTACT_MARGIN = 0.001
#: friction of the floor and walls; MuJoCo takes the larger of two geoms', so objects' own values decide
SHELL_FRICTION = 0.3
_PASSABLE = ("door", "opening")
#: share of an object's mass put in the parts it stands on (within FOOT_BAND of its bottom), the rest spread
#: by volume: meshes are solid where real things are hollow (lamp shades, plant crowns), and things are
#: built to stand, so uniform density would make arc lamps and tall plants top-heavy
BALLAST_SHARE = 0.5
FOOT_BAND = 0.02
#: contact bits (contype, conaffinity): the shell (floor, walls) meets everything; a floor covering (rug) meets
#: the shell and only the objects that declare they rest on it (never another covering), so furniture standing
#: over a rug's edge and a mat overlapping a rug are not lifted by it
_SHELL_BITS, _OBJECT_BITS, _ON_COVERING_BITS, _COVERING_BITS = (3, 3), (1, 1), (3, 3), (2, 0)


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


def object_mass(obj: SceneObject) -> float:
    """kg: the category's typical mass scaled by the object's box volume over the typical one."""
    info = category_info(obj.category)
    typical = float(np.prod(info.size))
    return float(np.clip(info.mass * float(np.prod(obj.size)) / max(typical, 1e-6), 0.05, 5000.0))


def is_free(obj: SceneObject) -> bool:
    """Objects on the floor or on other objects move in a simulation; wall and ceiling items are fixed."""
    return obj.support not in ("wall", "ceiling")


def _visual_geoms(body: ET.Element, asset: ET.Element, om: ObjectMesh, name: str, local: np.ndarray) -> None:
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


def _part_masses(parts: list[ConvexPart], mass: float) -> list[float]:
    """Each part's mass: BALLAST_SHARE of `mass` over the feet by volume, the rest over all parts by volume."""
    if not parts:
        return []
    bottom = min(float(p.lo[2]) for p in parts)
    feet = [p.lo[2] <= bottom + FOOT_BAND for p in parts]
    total = sum(p.volume for p in parts) or 1.0
    foot_total = sum(p.volume for p, f in zip(parts, feet, strict=True) if f) or 1.0
    return [mass * ((1 - BALLAST_SHARE) * p.volume / total + (BALLAST_SHARE * p.volume / foot_total if f else 0.0))
            for p, f in zip(parts, feet, strict=True)]


def _convex_parts(local: np.ndarray, faces: np.ndarray, cache: dict | None, decompose: bool) -> list[ConvexPart]:
    if cache is None:
        return convex_parts(local, faces, decompose=decompose)
    key = ("mjcf-convex-parts", decompose, hashlib.blake2b(np.ascontiguousarray(local).tobytes() + np.ascontiguousarray(faces).tobytes(),
                                                digest_size=16).digest())
    if key not in cache:
        cache[key] = convex_parts(local, faces, decompose=decompose)
    return cache[key]


def _collision_geoms(body: ET.Element, asset: ET.Element, om: ObjectMesh, name: str, local: np.ndarray, free: bool,
                     bits: tuple[int, int], cache: dict | None = None, decompose: bool = False) -> int:
    obj = om.obj
    parts = _convex_parts(local, om.faces, cache, decompose)
    masses = _part_masses(parts, object_mass(obj))
    friction = category_info(obj.category).friction
    for k, part in enumerate(parts):
        geom = {"name": f"{name}_collision_{k}", "group": "3", "rgba": _rgba((128, 128, 128), 0.0),
                "friction": _num([friction, 0.005, 0.0001]), "margin": f"{CONTACT_MARGIN:g}",
                "contype": str(bits[0]), "conaffinity": str(bits[1])}
        if free:
            geom["mass"] = f"{max(masses[k], 1e-4):.6g}"
        else:
            geom["density"] = "0"
        if part.box:
            ET.SubElement(body, "geom", type="box", pos=_num((part.lo + part.hi) / 2), size=_num((part.hi - part.lo) / 2), **geom)
        else:
            mesh_name = f"{name}_hull_{k}"
            ET.SubElement(asset, "mesh", name=mesh_name, vertex=_num(part.points), inertia="convex")
            ET.SubElement(body, "geom", type="mesh", mesh=mesh_name, **geom)
    return len(parts)


def object_body(parent: ET.Element, asset: ET.Element, om: ObjectMesh, name: str, *, free: bool, visual: bool = True,
                bits: tuple[int, int] = _OBJECT_BITS, cache: dict | None = None, decompose: bool = False) -> None:
    """One object's body: visual meshes (optional) and convex collision parts; `free` adds a free joint,
    `bits` its contact type and affinity."""
    obj = om.obj
    theta = math.radians(obj.yaw)
    body = ET.SubElement(parent, "body", name=name, pos=_num(z_up(np.asarray(obj.position))),
                         quat=_num([math.cos(theta / 2), 0.0, 0.0, math.sin(theta / 2)]))
    if free:
        ET.SubElement(body, "freejoint", name=f"{name}_free")
    local = z_up(om.vertices)  # the body frame: local x -> x, front (+z) -> -y, up (+y) -> z
    if visual:
        _visual_geoms(body, asset, om, name, local)
    _collision_geoms(body, asset, om, name, local, free, bits, cache, decompose)


def wall_segments(room: Room, i: int) -> list[tuple[float, float, float, float]]:
    """(t0, t1, z0, z1) pieces of wall i along its length (m from floor[i]) and height: full height
    except at doors and open doorways, which leave a gap below their lintel."""
    (x0, z0), (x1, z1) = room.floor[i], room.floor[(i + 1) % len(room.floor)]
    length = math.hypot(x1 - x0, z1 - z0)
    gaps = sorted((max(0.0, o.offset - o.width / 2), min(length, o.offset + o.width / 2), o.sill + o.height)
                  for o in room.openings if o.wall == i and o.kind in _PASSABLE)
    out = []
    t = -WALL_THICKNESS  # the wall runs past both corners, closing them
    for a, b, top in gaps:
        if a > t:
            out.append((t, a, 0.0, room.height))
        if top < room.height and b > a:
            out.append((a, b, top, room.height))
        t = max(t, b)
    out.append((t, length + WALL_THICKNESS, 0.0, room.height))
    return [s for s in out if s[1] - s[0] > 1e-6 and s[3] - s[2] > 1e-6]


def _walls(world: ET.Element, room: Room) -> None:
    pts = z_up(np.array([[x, 0.0, z] for x, z in room.floor]))
    n = len(pts)
    for i in range(n):
        a, b = pts[i], pts[(i + 1) % n]
        edge = b - a
        length = float(np.linalg.norm(edge[:2]))
        if length < 1e-9:
            continue
        along = edge / length
        # counter-clockwise in (x, z) is clockwise in (x, -z): the outward normal is the edge turned left here
        normal = np.array([-edge[1], edge[0], 0.0]) / length
        angle = math.atan2(edge[1], edge[0])
        for k, (t0, t1, h0, h1) in enumerate(wall_segments(room, i)):
            centre = a + along * (t0 + t1) / 2 + normal * WALL_THICKNESS / 2 + np.array([0, 0, (h0 + h1) / 2])
            ET.SubElement(world, "geom", name=f"wall_{i}" if k == 0 else f"wall_{i}_{k}", type="box", group="2",
                          rgba=_rgba(WALL, 0.35), size=_num([(t1 - t0) / 2, WALL_THICKNESS / 2, (h1 - h0) / 2]),
                          pos=_num(centre), quat=_num([math.cos(angle / 2), 0, 0, math.sin(angle / 2)]),
                          friction=_num([SHELL_FRICTION, 0.005, 0.0001]), margin=f"{CONTACT_MARGIN:g}",
                          contype=str(_SHELL_BITS[0]), conaffinity=str(_SHELL_BITS[1]))


def body_names(parts: ExportScene) -> dict[str, str]:
    """object id -> its MJCF body name (readable, unique)."""
    used: set[str] = {"world", "floor"}
    out = {}
    for om in parts.objects:
        name = _name(om.obj.id)
        while name in used:
            name += "_"
        used.add(name)
        out[om.obj.id] = name
    return out


def floor_coverings(parts: ExportScene, covering_height: float) -> set[str]:
    """Ids of rugs and mats: on the floor and no taller than `covering_height`."""
    return {om.obj.id for om in parts.objects
            if om.obj.support == "floor" and om.obj.position[1] <= covering_height and om.obj.size[1] <= covering_height}


def mjcf_root(parts: ExportScene, *, dynamic: bool = False, visual: bool = True, fixed: Collection[str] = (),
              timestep: float = 0.002, covering_height: float = 0.05, solver_iterations: int | None = None,
              cache: dict | None = None, decompose: bool = False) -> ET.Element:
    """The MJCF tree of the scene. `fixed`: object ids welded in place even when `dynamic`;
    objects no taller than `covering_height` lying on the floor are floor coverings (see _COVERING_BITS);
    `solver_iterations` caps MuJoCo's constraint solver (default: MuJoCo's); `cache` (any dict kept
    between calls) memoises each mesh's convex parts; `decompose` splits large one-piece meshes with
    V-HACD (see agentscene.exporters.convex)."""
    room = parts.scene.room
    root = ET.Element("mujoco", model=_name(room.room_type))
    ET.SubElement(root, "compiler", angle="radian", autolimits="true")
    option = ET.SubElement(root, "option", gravity="0 0 -9.81", timestep=f"{timestep:g}", integrator="implicitfast")
    if solver_iterations is not None:
        option.set("iterations", str(solver_iterations))
        option.set("ls_iterations", str(max(solver_iterations // 2, 5)))
    vis = ET.SubElement(root, "visual")
    ET.SubElement(vis, "headlight", ambient="0.45 0.45 0.45", diffuse="0.5 0.5 0.5")
    asset = ET.SubElement(root, "asset")
    ET.SubElement(asset, "material", name="floor", rgba=_rgba(FLOOR))
    world = ET.SubElement(root, "worldbody")
    x0, z0, x1, z1 = room.bounds
    extent = max(x1 - x0, z1 - z0, 1.0)
    ET.SubElement(world, "light", name="sun", pos=_num([(x0 + x1) / 2, -(z0 + z1) / 2, room.height + 2.0]),
                  dir="0 0 -1", directional="true")
    ET.SubElement(world, "geom", name="floor", type="plane", material="floor",
                  size=_num([extent * 2, extent * 2, 0.1]), pos=_num([(x0 + x1) / 2, -(z0 + z1) / 2, 0.0]),
                  friction=_num([SHELL_FRICTION, 0.005, 0.0001]), margin=f"{CONTACT_MARGIN:g}",
                  contype=str(_SHELL_BITS[0]), conaffinity=str(_SHELL_BITS[1]))
    _walls(world, room)
    names = body_names(parts)
    fixed = set(fixed)
    coverings = floor_coverings(parts, covering_height)
    for om in parts.objects:
        free = dynamic and is_free(om.obj) and om.obj.id not in fixed
        bits = _COVERING_BITS if om.obj.id in coverings else (
            _ON_COVERING_BITS if om.obj.support in coverings else _OBJECT_BITS)
        object_body(world, asset, om, names[om.obj.id], free=free, visual=visual, bits=bits, cache=cache,
                    decompose=decompose)
    return root


class MjcfExporter:
    name = "mjcf"
    suffix = ".xml"
    description = "MuJoCo MJCF: a body per object with mesh and convex collision geoms, static by default"

    def export(self, parts: ExportScene, path: Path, *, dynamic: bool = False, decompose: bool = False,
               **settings: Any) -> Path:
        root = mjcf_root(parts, dynamic=dynamic, decompose=decompose)
        ET.indent(root)
        with atomic_target(path) as tmp:
            ET.ElementTree(root).write(tmp, encoding="utf-8", xml_declaration=True)
        return path
