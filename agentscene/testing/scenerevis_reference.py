"""The slow reference for compat="scenerevis": SceneReVis' procedure transcribed with trimesh.

myeval: all world meshes in one trimesh CollisionManager (contacts deeper than 1 cm), 500
seeded surface samples per object against the 1 mm-buffered room prism. voxel_eval: every
rotated mesh and the room prism through `mesh.voxelized(p).fill()`, each object placed at
`floor((pos + translation) / p)`, then at `floor(-room_translation / p + shift)` in the room.
Unlike their code each object is voxelised once rather than once per pair (same numbers).

`agentscene.rewards.scenerevis` computes the same report without remeshing; tests and
benchmarks/bench_eval.py compare the two. This takes seconds per scene: keep scenes small.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from agentscene.rewards.access import door_clearance, obstacles, walkable_ratio
from agentscene.rewards.geometry import scene_geometry
from agentscene.rewards.report import EvalReport, OutOfBounds, PairOverlap
from agentscene.rewards.scenerevis import NOTES, scenerevis_rotated_mesh, scenerevis_unsupported
from agentscene.rewards.voxels import VoxelBlock, room_mesh

if TYPE_CHECKING:
    from agentscene.meshes import MeshProvider
    from agentscene.rewards.tolerances import Tolerances
    from agentscene.scene import Scene


def trimesh_voxels(mesh, pitch: float) -> VoxelBlock:
    """`mesh.voxelized(pitch).fill()` as a VoxelBlock (what voxel_eval computes)."""
    vox = mesh.voxelized(pitch).fill()
    translation = np.asarray(vox.translation, dtype=float)
    origin = np.round(translation / pitch).astype(np.int64)
    return VoxelBlock.make(origin, np.asarray(vox.matrix, dtype=bool), pitch, translation=translation)


def trimesh4_subdivided_vertices(vertices, faces, max_edge: float, max_iter: int = 10) -> np.ndarray:
    """trimesh 4's `subdivide_to_size` (SceneReVis ran trimesh 4.12.2), transcribed whole: every
    face with an edge longer than `max_edge` is split 1 -> 4 at its edge midpoints `(a + b) / 2`;
    the result holds the vertices of the faces that were short enough, no others."""
    v = np.asarray(vertices, dtype=np.float64)
    tri = v[np.asarray(faces, dtype=np.int64).reshape(-1, 3)]
    done = []
    for i in range(max_iter + 1):
        d = tri[:, [1, 2, 0]] - tri
        long = ((d ** 2).sum(axis=2) ** 0.5 > max_edge).any(axis=1)
        done.append(tri[~long].reshape(-1, 3))
        if not long.any():
            return np.concatenate(done)
        if i >= max_iter:
            raise ValueError("max_iter exceeded!")
        t = tri[long]
        m = (t + t[:, [1, 2, 0]]) / 2.0
        tri = np.concatenate([np.stack(c, axis=1) for c in (
            (t[:, 0], m[:, 0], m[:, 2]), (m[:, 0], t[:, 1], m[:, 1]), (m[:, 2], m[:, 1], t[:, 2]), (m[:, 0], m[:, 1], m[:, 2]))])
    raise AssertionError("unreachable")


def reference_voxels(mesh, pitch: float) -> tuple[np.ndarray, np.ndarray]:
    """(occupied local indices, translation) of `mesh.voxelized(pitch).fill()`."""
    vox = mesh.voxelized(pitch).fill()
    return np.argwhere(vox.matrix), np.asarray(vox.translation, dtype=float)


def reference_room(scene: Scene, pitch: float) -> tuple[np.ndarray, np.ndarray]:
    """(filled matrix, translation) of voxel_eval's room prism."""
    room_vox = room_mesh(scene.room).voxelized(pitch).fill()
    return np.asarray(room_vox.matrix, dtype=bool), np.asarray(room_vox.translation, dtype=float)


def reference_pbl(scene: Scene, rotated: list, pitch: float, eps: float,
                  room: tuple[np.ndarray, np.ndarray] | None = None,
                  voxels=reference_voxels) -> tuple[list[float], dict[tuple[int, int], float]]:
    """voxel_eval: per-object outside volume and per-pair shared volume (m³). `room` reuses a
    `reference_room` result and `voxels` may memoise `reference_voxels` (tests voxelise each
    room and each rotated mesh once for many scenes)."""
    vol = pitch ** 3
    room_m, room_t = room if room is not None else reference_room(scene, pitch)
    room_shift = -room_t / pitch
    cells_world = []
    oob = []
    for obj, mesh in zip(scene.objects, rotated, strict=True):
        idx, translation = voxels(mesh, pitch)
        shift = np.floor((np.asarray(obj.position, dtype=float) + translation) / pitch)
        cells = idx + np.floor(room_shift + shift).astype(np.int64)
        ok = np.all((cells >= 0) & (cells < np.array(room_m.shape)), axis=1)
        inside = int(room_m[cells[ok, 0], cells[ok, 1], cells[ok, 2]].sum())
        oob.append(max(0.0, (len(idx) - inside) * vol))
        cells_world.append({tuple(c) for c in (idx + shift.astype(np.int64)).tolist()})
    overlaps: dict[tuple[int, int], float] = {}
    for i in range(len(cells_world)):
        for j in range(i + 1, len(cells_world)):
            shared = len(cells_world[i] & cells_world[j]) * vol
            if shared > eps:
                overlaps[(i, j)] = shared
    return oob, overlaps


def reference_contacts(scene: Scene, meshes: list, tol: Tolerances) -> list[tuple[str, str, float, np.ndarray]]:
    """myeval: contacts deeper than `contact_depth` from one CollisionManager of world meshes."""
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
            if float(np.dot(normal, centre[b] - centre[a])) < 0:
                normal = -normal
            out.append((a, b, float(c.depth), normal))
    return out


def reference_scenerevis(scene: Scene, *, tolerances: Tolerances, mesh_provider: MeshProvider | None = None) -> EvalReport:
    """SceneReVis' myeval (collision, OOB), voxel_eval (PBL) and support check, the slow way."""
    import shapely

    tol = tolerances
    geo = scene_geometry(scene, mesh_provider, tolerances=tol)
    rotated = [scenerevis_rotated_mesh(o, geo.shapes.raw_mesh(o)) for o in scene.objects]
    meshes = []
    for o, r in zip(scene.objects, rotated, strict=True):
        m = r.copy()
        m.apply_translation(o.position)
        meshes.append(m)
    n = len(scene.objects)
    contacts = reference_contacts(scene, meshes, tol)
    named = {a for a, _, _, _ in contacts} | {b for _, b, _, _ in contacts}
    depths = [d for _, _, d, _ in contacts]
    oob_list, overlaps = reference_pbl(scene, rotated, tol.voxel_pitch, tol.volume_epsilon) if n else ([], {})
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
    floor_b = geo.room.buffered(tol.bounds_buffer)
    outs = []
    for k, (o, m) in enumerate(zip(scene.objects, meshes, strict=True)):
        pts = m.sample(tol.compat_samples, seed=tol.seed + k)
        inside = shapely.contains_xy(floor_b, pts[:, 0], pts[:, 2])
        inside &= (pts[:, 1] >= -tol.bounds_buffer) & (pts[:, 1] <= scene.room.height + tol.bounds_buffer)
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
        warnings=[*NOTES, *(f"{oid}: mesh not used ({why}); evaluated as its box" for oid, why in geo.problems.items())],
    )
