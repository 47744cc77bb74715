"""`compat="scenerevis"`: SceneReVis' evaluation code reproduced, quirks included.

For comparisons with published tables only; see /work/shared/SCENEREVIS_METRICS.md for
what their code computes. Differences that cannot be reproduced are listed in the report's
warnings: their random surface samples are seeded here (`Tolerances.seed`), their support
check asks an LLM for descriptions no keyword covers (the object's `support` field is used
instead), and the room is triangulated with earcut instead of the `triangle` package.

Field meanings in compat reports:
- `n_colliding_pairs` counts fcl *contacts* deeper than `contact_depth` (their "pairs");
  `colliding_pairs` lists the distinct object pairs with the deepest contact of each.
- `mean_penetration_depth` / `total_penetration_depth` are over contacts (libccd depths).
- out-of-bounds entries use myeval's numbers (share of 500 surface samples outside; volume
  = mesh volume × that share); `oob_volume` and `mean_oob_volume` are their totals.
- `overlap_volume` and `pbl` are voxel_eval's (0.05 m voxels, inflated by one layer).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from agentscene.rewards.access import door_clearance, obstacles, walkable_ratio
from agentscene.rewards.geometry import SceneGeometry, scene_geometry
from agentscene.rewards.report import EvalReport, FloatingObject, OutOfBounds, PairOverlap
from agentscene.rewards.tolerances import Tolerances

if TYPE_CHECKING:
    import trimesh

    from agentscene.meshes import MeshProvider
    from agentscene.scene import Room, Scene, SceneObject

_NOTES = [
    "compat=scenerevis: surface samples are seeded (theirs are not), so their runs vary around these numbers",
    "compat=scenerevis: the room is triangulated with earcut (theirs needs the 'triangle' package)",
]

# Their support classifier's keyword lists, checked in this order (substring matches).
_SUPPORT_KEYWORDS = (
    ("ceiling", ("chandelier", "pendant", "ceiling lamp", "ceiling light", "hanging light", "suspended light",
                 "drop light", "lantern")),
    ("wall", ("painting", "mirror", "wall lamp", "sconce", "picture", "artwork", "wall art", "frame", "wall shelf",
              "wall cabinet", "wall clock", "wall decor", "tapestry", "poster", "photograph")),
    ("surface", ("lamp", "vase", "book", "clock", "plant", "decor", "decoration", "sculpture", "figurine", "bowl",
                 "tray", "candle", "photo frame", "picture frame", "pot", "jar", "bottle", "box", "container",
                 "accessory", "ornament", "knick-knack", "display")),
    ("floor", ("chair", "sofa", "bed", "table", "desk", "cabinet", "shelf", "wardrobe", "dresser", "nightstand",
               "stool", "bench", "ottoman", "couch", "armchair", "bookcase", "sideboard", "credenza", "console",
               "stand", "cart", "rack")),
)
_SURFACE_KEYWORDS = ("table", "desk", "shelf", "cabinet", "counter", "nightstand", "bookcase", "stand", "dresser",
                     "sideboard", "console", "credenza", "buffet", "bar")


def scenerevis_rotated_mesh(obj: SceneObject, mesh: trimesh.Trimesh | None) -> trimesh.Trimesh:
    """Their placement up to the translation: scale by size / (extents + 1e-6), bottom centre
    to the origin, rotate. voxel_eval voxelises this; myeval then moves it to `position`."""
    import trimesh

    base = trimesh.creation.box(extents=obj.size) if mesh is None else mesh.copy()
    base.apply_scale(np.asarray(obj.size, dtype=float) / (base.extents + 1e-6))
    lo, hi = base.bounds
    base.apply_translation(-np.array([(lo[0] + hi[0]) / 2.0, lo[1], (lo[2] + hi[2]) / 2.0]))
    pose = np.eye(4)
    pose[:3, :3] = _rotation(obj)
    base.apply_transform(pose)
    return base


def _rotation(obj: SceneObject) -> np.ndarray:
    from agentscene.geometry import rotation_matrix_y

    return rotation_matrix_y(obj.yaw)


def _room_voxels(room: Room, pitch: float):
    import trimesh
    from shapely.geometry import Polygon

    prism = trimesh.creation.extrude_polygon(Polygon(room.floor), room.height)
    # extrude_polygon builds along +z from the x-y plane: turn (x, y=z_floor, z=h) into (x, h, z).
    swap = np.array([[1.0, 0, 0, 0], [0, 0, 1.0, 0], [0, 1.0, 0, 0], [0, 0, 0, 1.0]])
    prism.apply_transform(swap)
    trimesh.repair.fix_normals(prism)
    vox = prism.voxelized(pitch).fill()
    return vox.matrix, np.asarray(vox.translation, dtype=float)


def _object_voxels(obj: SceneObject, posed: trimesh.Trimesh, pitch: float):
    """Occupied voxel indices of the rotated (not yet translated) mesh and their grid shift."""
    vox = posed.voxelized(pitch).fill()
    shift = np.floor((np.asarray(obj.position, dtype=float) + np.asarray(vox.translation, dtype=float)) / pitch)
    return np.argwhere(vox.matrix), shift


def _keys(idx: np.ndarray) -> np.ndarray:
    base = np.int64(1 << 20)
    i = idx.astype(np.int64) + (1 << 19)
    return (i[:, 0] * base + i[:, 1]) * base + i[:, 2]


def _pbl(scene: Scene, rotated: list, pitch: float, eps: float):
    room_m, room_t = _room_voxels(scene.room, pitch)
    room_shift = -room_t / pitch
    vox = [_object_voxels(o, m, pitch) for o, m in zip(scene.objects, rotated, strict=True)]
    vol = pitch ** 3
    oob = []
    for idx, shift in vox:
        cells = idx + np.floor(room_shift + shift).astype(np.int64)
        ok = np.all((cells >= 0) & (cells < np.array(room_m.shape)), axis=1)
        inside = int(room_m[cells[ok, 0], cells[ok, 1], cells[ok, 2]].sum())
        oob.append(max(0.0, (len(idx) - inside) * vol))
    overlaps: dict[tuple[int, int], float] = {}
    keyed = [(_keys(idx), shift) for idx, shift in vox]
    for i in range(len(vox)):
        for j in range(i + 1, len(vox)):
            offset = np.floor(keyed[j][1] - keyed[i][1]).astype(np.int64)
            shifted = _keys(vox[j][0] + offset)
            shared = np.intersect1d(keyed[i][0], shifted, assume_unique=True).size * vol
            if shared > eps:
                overlaps[(i, j)] = shared
    return oob, overlaps


def _contacts(scene: Scene, meshes: list, tol: Tolerances):
    import trimesh

    manager = trimesh.collision.CollisionManager()
    for obj, mesh in zip(scene.objects, meshes, strict=True):
        manager.add_object(obj.id, mesh)
    if len(meshes) < 2:
        return []
    _, data = manager.in_collision_internal(return_data=True)
    centre = {o.id: np.asarray(m.bounds, dtype=float).mean(axis=0) for o, m in zip(scene.objects, meshes, strict=True)}
    out = []
    for c in data:
        if c.depth > tol.contact_depth:
            a, b = sorted(c.names)
            normal = np.asarray(c.normal, dtype=float)
            if float(np.dot(normal, centre[b] - centre[a])) < 0:  # the contact's names are unordered
                normal = -normal
            out.append((a, b, float(c.depth), normal))
    return out


def _support_type(obj: SceneObject) -> str:
    desc = obj.description.lower()
    for kind, words in _SUPPORT_KEYWORDS:
        if any(w in desc for w in words):
            return kind
    return obj.support if obj.support in ("floor", "wall", "ceiling") else "surface"


def scenerevis_unsupported(scene: Scene) -> list[FloatingObject]:
    """Their rule-based support check (room bounding box, unrotated boxes, 5 cm / 15 cm)."""
    xs = [p[0] for p in scene.room.floor]
    zs = [p[1] for p in scene.room.floor]
    ceiling = scene.room.height
    surfaces = []
    for o in scene.objects:
        w, h, d = o.size
        if any(k in o.description.lower() for k in _SURFACE_KEYWORDS) or (h < 1.2 and w * d > 0.2):
            x, _, z = o.position
            surfaces.append((o.top, (x - w / 2, x + w / 2, z - d / 2, z + d / 2)))
    out = []
    for o in scene.objects:
        kind = _support_type(o)
        x, y, z = o.position
        w, h, d = o.size
        ok = False
        if kind == "floor":
            ok = abs(y) < 0.05
        elif kind == "surface":
            for top, (x0, x1, z0, z1) in surfaces:
                if abs(y - top) < 0.05 and not (x + w / 2 < x0 or x - w / 2 > x1) and not (z + d / 2 < z0 or z - d / 2 > z1):
                    ok = True
                    break
        elif kind == "ceiling":
            ok = ceiling * 0.8 <= o.top <= ceiling + 0.05
        else:
            ok = min(abs(x - min(xs)), abs(x - max(xs)), abs(z - min(zs)), abs(z - max(zs))) < 0.15
        if not ok:
            out.append(FloatingObject(id=o.id, support=o.support, gap=float(y), reason=f"unsupported as a {kind} object (SceneReVis rule)"))
    return out


def evaluate_scenerevis(scene: Scene, *, tolerances: Tolerances, mesh_provider: MeshProvider | None = None,
                        geometry: SceneGeometry | None = None) -> EvalReport:
    """SceneReVis' myeval (collision, OOB), voxel_eval (PBL) and support check on one scene."""
    import shapely

    tol = tolerances
    geo = geometry.update(scene) if geometry is not None else scene_geometry(scene, mesh_provider, tolerances=tol)
    rotated = [scenerevis_rotated_mesh(o, geo.shapes.raw_mesh(o)) for o in scene.objects]
    meshes = []
    for o, r in zip(scene.objects, rotated, strict=True):
        m = r.copy()
        m.apply_translation(o.position)
        meshes.append(m)
    n = len(scene.objects)

    contacts = _contacts(scene, meshes, tol)
    named = {a for a, _, _, _ in contacts} | {b for _, b, _, _ in contacts}
    depths = [d for _, _, d, _ in contacts]

    oob_list, overlaps = _pbl(scene, rotated, tol.voxel_pitch, tol.volume_epsilon) if n else ([], {})
    ids = [o.id for o in scene.objects]
    pair_volume = {(ids[i], ids[j]): v for (i, j), v in overlaps.items()}
    best: dict[tuple[str, str], tuple[float, np.ndarray]] = {}
    for a, b, d, normal in contacts:
        if (a, b) not in best or d > best[(a, b)][0]:
            best[(a, b)] = (d, normal)
    colliding = [
        PairOverlap(a=a, b=b, depth=d, volume=pair_volume.get((a, b), pair_volume.get((b, a), 0.0)),
                    direction=tuple(float(v) for v in normal / (np.linalg.norm(normal) or 1.0)))
        for (a, b), (d, normal) in sorted(best.items(), key=lambda kv: -kv[1][0])
    ]

    floor_b = geo.room.buffered(0.001)
    outs = []
    for k, (o, m) in enumerate(zip(scene.objects, meshes, strict=True)):
        pts = m.sample(tol.compat_samples, seed=tol.seed + k)
        inside = shapely.contains_xy(floor_b, pts[:, 0], pts[:, 2])
        inside &= (pts[:, 1] >= -0.001) & (pts[:, 1] <= scene.room.height + 0.001)
        ratio = 1.0 - inside.sum() / len(inside)
        if ratio > tol.oob_surface_fraction:
            volume = m.volume if m.volume > 0 else float(np.prod(m.extents))
            outs.append(OutOfBounds(id=o.id, oob=True, outside_fraction=float(ratio), volume=float(volume * ratio),
                                    wholly_outside=bool(ratio >= 1.0),
                                    above_ceiling=max(0.0, o.top - scene.room.height), below_floor=max(0.0, -o.position[1])))
    sampled_total = sum(o.volume for o in outs)
    overlap_total = sum(overlaps.values())
    pbl = sum(oob_list) + overlap_total
    blocking = obstacles(geo, tol)
    return EvalReport(
        n_objects=n, compat="scenerevis",
        collision_rate=100.0 * len(named) / n if n else 0.0,
        n_colliding_pairs=len(contacts), colliding_pairs=colliding,
        mean_penetration_depth=sum(depths) / len(depths) if depths else 0.0,
        max_penetration_depth=max(depths) if depths else 0.0,
        total_penetration_depth=sum(depths),
        oob_rate=100.0 * len(outs) / n if n else 0.0, n_oob_objects=len(outs), out_of_bounds=outs,
        oob_volume=sampled_total, mean_oob_volume=sampled_total / len(outs) if outs else 0.0,
        overlap_volume=overlap_total, pbl=pbl, pbl_valid=pbl <= tol.pbl_valid,
        floating=scenerevis_unsupported(scene),
        walkable_ratio=walkable_ratio(geo, tol, blocking), door_clearance=door_clearance(geo, tol, blocking),
        warnings=[*_NOTES, *(f"{oid}: mesh not used ({why}); evaluated as its box" for oid, why in geo.problems.items())],
    )
