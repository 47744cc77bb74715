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

from agentscene.categories import SURFACES
from agentscene.geometry import rotation_matrix_y
from agentscene.rewards.access import door_clearance, obstacles, walkable_ratio
from agentscene.rewards.collision import candidate_pairs
from agentscene.rewards.geometry import ObjectGeometry, SceneGeometry
from agentscene.rewards.report import EvalReport, FloatingObject, OutOfBounds, PairOverlap
from agentscene.rewards.tolerances import Tolerances
from agentscene.rewards.voxels import VoxelBlock, VoxelCache, overlap_count

if TYPE_CHECKING:
    import trimesh

    from agentscene.scene import Scene, SceneObject

NOTES = [
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
    pose[:3, :3] = rotation_matrix_y(obj.yaw)
    base.apply_transform(pose)
    return base


def _support_type(obj: SceneObject) -> str:
    desc = obj.description.lower()
    for kind, words in _SUPPORT_KEYWORDS:
        if any(w in desc for w in words):
            return kind
    return obj.support if obj.support in SURFACES else "surface"


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




# -- the fast evaluation: per-object and per-pair results, kept between edits ---------------

#: fcl contacts asked for per pair (trimesh's CollisionManager asks for this many).
_MAX_CONTACTS = 100_000


class ScenereVisCache:
    """Everything compat mode derives per (asset, size, yaw) or per room, for one pitch."""

    def __init__(self, pitch: float, limit: int, trimesh_version: str = "installed"):
        self.voxels = VoxelCache(pitch, limit=limit, trimesh_version=trimesh_version)
        self._meshes: dict[tuple, trimesh.Trimesh] = {}
        self._fcl: dict[tuple, object] = {}

    def rotated_mesh(self, key: tuple, obj: SceneObject, raw, corners: np.ndarray | None) -> trimesh.Trimesh:
        """Their rotated (not yet moved) mesh: the box from its corners, or the asset mesh."""
        mesh = self._meshes.get(key)
        if mesh is None:
            if corners is not None:
                import trimesh

                mesh = trimesh.Trimesh(corners, self.voxels.box_template.faces, process=False)
            else:
                mesh = scenerevis_rotated_mesh(obj, raw)
            self._meshes[key] = mesh
        return mesh

    def fcl_geometry(self, key: tuple, vertices: np.ndarray, mesh_fn, raw=None):
        """fcl.Convex for convex meshes (every box), else a BVH: what trimesh hands to FCL."""
        geom = self._fcl.get(key)
        if geom is None:
            import fcl

            if key[0] == "box":
                faces = self.voxels.box_template.faces
                convex = True
            else:
                mesh = mesh_fn()
                faces = np.asarray(mesh.faces, dtype=np.int64)
                # trimesh's is_convex first asks for one closed body: topology, which the
                # rotation and scaling keep, so the asset's own (cached) answer settles most
                closed = raw is None or (raw.is_watertight and raw.body_count == 1)
                convex = bool(closed and mesh.is_convex)
            if convex:
                fs = np.concatenate((np.full((len(faces), 1), 3, dtype=np.int64), faces), axis=1)
                geom = fcl.Convex(vertices, len(fs), fs.flatten())
            else:
                geom = fcl.BVHModel()
                geom.beginModel(len(vertices), len(faces))
                geom.addSubModel(vertices, faces)
                geom.endModel()
            self._fcl[key] = geom
        return geom


def compat_cache(geo: SceneGeometry, tol: Tolerances) -> ScenereVisCache:
    """The geometry's compat cache for these tolerances (kept on its shape cache)."""
    key = ("scenerevis", tol.voxel_pitch, tol.voxel_limit, tol.compat_trimesh)
    cache = geo.shapes.derived.get(key)
    if cache is None:
        cache = geo.shapes.derived[key] = ScenereVisCache(tol.voxel_pitch, tol.voxel_limit, tol.compat_trimesh)
    return cache


class CompatObject:
    """One object as their two scripts see it: voxel block and placement, AABB, sampled OOB."""

    __slots__ = ("obj", "index", "key", "block", "at", "outside_voxels", "lo", "hi", "vertices", "sampled", "_fcl",
                 "rotated", "raw")

    def __init__(self, obj: SceneObject, index: int, key: tuple, block: VoxelBlock, at: np.ndarray,
                 outside_voxels: int, vertices: np.ndarray, mesh_fn, raw=None):
        self.obj, self.index, self.key, self.block, self.at = obj, index, key, block, at
        self.outside_voxels = outside_voxels
        pos = np.asarray(obj.position, dtype=float)
        self.vertices = vertices
        self.lo, self.hi = vertices.min(axis=0) + pos, vertices.max(axis=0) + pos
        self.sampled: OutOfBounds | None = None
        self._fcl = None
        self.rotated = mesh_fn  # () -> their rotated, not yet moved trimesh (built on first use)
        self.raw = raw  # the asset mesh (None for boxes)

    @property
    def id(self) -> str:
        return self.obj.id

    def fcl_object(self, cache: ScenereVisCache):
        if self._fcl is None:
            import fcl

            geom = cache.fcl_geometry(self.key, self.vertices, self.rotated, self.raw)
            self._fcl = fcl.CollisionObject(geom, fcl.Transform(np.eye(3), np.asarray(self.obj.position, dtype=float)))
        return self._fcl


class ScenereVisState:
    """voxel_eval's and myeval's per-object and per-pair results for one scene.

    Built once per scene (`evaluate(compat="scenerevis")`) or kept by the incremental
    evaluator, which re-places only the objects an edit touched.
    """

    def __init__(self, geo: SceneGeometry, tol: Tolerances):
        self.tol = tol
        self._build(geo)

    def _build(self, geo: SceneGeometry) -> None:
        self.cache = compat_cache(geo, self.tol)
        self.geometry = geo
        self.objects: dict[str, CompatObject] = {}
        self.pairs: dict[tuple[str, str], tuple[float, list[tuple[float, np.ndarray]]]] = {}
        self._set_room(geo)
        self._prefetch(geo.objects)
        for k, g in enumerate(geo.objects):
            self.objects[g.id] = self._place(g, k)
        self._pairs_of(list(self.objects))

    def _prefetch(self, objects: list[ObjectGeometry]) -> None:
        """Voxelise every box and mesh these objects need in one batch."""
        boxes, meshes = [], []
        for g in objects:
            raw = None if g.is_box else self.geometry.shapes.raw_mesh(g.obj)
            if raw is None:
                boxes.append((g.obj.size, g.obj.yaw))
            else:
                key = (g.key, tuple(g.obj.size), g.obj.yaw)
                meshes.append((key, self.cache.rotated_mesh(key, g.obj, raw, None)))
        self.cache.voxels.prefetch(boxes=boxes, meshes=meshes)

    def _set_room(self, geo: SceneGeometry) -> None:
        self.room_block = self.cache.voxels.room(geo.room.room)
        self.room_shift = -self.room_block.translation / self.tol.voxel_pitch
        self.floor_b = geo.room.buffered(self.tol.bounds_buffer)

    def _place(self, g: ObjectGeometry, index: int) -> CompatObject:
        obj = g.obj
        raw = None if g.is_box else self.geometry.shapes.raw_mesh(obj)
        pitch = self.tol.voxel_pitch
        if raw is None:
            block, corners = self.cache.voxels.box(obj.size, obj.yaw)
            key: tuple = ("box", tuple(obj.size), obj.yaw)
            vertices = corners
        else:
            key = (g.key, tuple(obj.size), obj.yaw)
            corners = None
            mesh = self.cache.rotated_mesh(key, obj, raw, None)
            block = self.cache.voxels.mesh(key, mesh)
            vertices = np.asarray(mesh.vertices, dtype=float)
        shift = np.floor((np.asarray(obj.position, dtype=float) + block.translation) / pitch)
        room_at = np.floor(self.room_shift + shift).astype(np.int64)
        inside = overlap_count(block, room_at, self.room_block, np.zeros(3, dtype=np.int64))
        c = CompatObject(obj, index, key, block, shift.astype(np.int64), block.count - inside, vertices,
                         lambda: self.cache.rotated_mesh(key, obj, raw, corners), raw)
        c.sampled = self._sampled_oob(c)
        return c

    def _sampled_oob(self, c: CompatObject) -> OutOfBounds | None:
        """myeval's OOB test: seeded surface samples, skipped when the AABB is inside the room."""
        import shapely

        tol, h, b = self.tol, self.geometry.room.height, self.tol.bounds_buffer
        if c.lo[1] >= -b and c.hi[1] <= h + b and shapely.contains_properly(
                self.floor_b, shapely.box(c.lo[0], c.lo[2], c.hi[0], c.hi[2])):
            return None  # every sample is inside
        import trimesh
        from trimesh.transformations import transform_points

        rotated = c.rotated()
        move = np.eye(4)
        move[:3, 3] = c.obj.position
        # what `copy().apply_translation(position)` gives, bit for bit, without copying caches
        m = trimesh.Trimesh(transform_points(rotated.vertices, move), rotated.faces, process=False)
        pts = trimesh.sample.sample_surface(m, tol.compat_samples, seed=tol.seed + c.index)[0]
        inside = shapely.contains_xy(self.floor_b, pts[:, 0], pts[:, 2])
        inside &= (pts[:, 1] >= -b) & (pts[:, 1] <= h + b)
        ratio = 1.0 - inside.sum() / len(inside)
        if ratio <= tol.oob_surface_fraction:
            return None
        o = c.obj
        volume = m.volume if m.volume > 0 else float(np.prod(m.extents))
        return OutOfBounds(id=o.id, oob=True, outside_fraction=float(ratio), volume=float(volume * ratio),
                           wholly_outside=bool(ratio >= 1.0), above_ceiling=max(0.0, o.top - h),
                           below_floor=max(0.0, -o.position[1]))

    def _pair(self, a: CompatObject, b: CompatObject, voxels: bool, contact: bool) -> None:
        import fcl

        tol = self.tol
        shared = overlap_count(a.block, a.at, b.block, b.at) * tol.voxel_pitch ** 3 if voxels else 0.0
        contacts = []
        if contact:
            request = fcl.CollisionRequest(num_max_contacts=_MAX_CONTACTS, enable_contact=True)
            result = fcl.CollisionResult()
            fcl.collide(a.fcl_object(self.cache), b.fcl_object(self.cache), request, result)
            first, second = sorted((a, b), key=lambda o: o.id)
            towards = (second.lo + second.hi) / 2.0 - (first.lo + first.hi) / 2.0
            for ct in result.contacts:
                if ct.penetration_depth > tol.contact_depth:
                    normal = np.asarray(ct.normal, dtype=float)
                    if float(np.dot(normal, towards)) < 0:  # the contact's order is fcl's, not the names'
                        normal = -normal
                    contacts.append((float(ct.penetration_depth), normal))
        if shared > tol.volume_epsilon or contacts:
            self.pairs[_key(a.id, b.id)] = (shared if shared > tol.volume_epsilon else 0.0, contacts)

    def _pairs_of(self, ids: list[str]) -> None:
        """Test every pair that involves one of `ids` (all pairs when ids are all objects)."""
        objs = list(self.objects.values())
        if len(objs) < 2:
            return
        at = np.array([o.at for o in objs], dtype=float)
        ends = at + np.array([o.block.shape for o in objs], dtype=float)
        lo = np.array([o.lo for o in objs])
        hi = np.array([o.hi for o in objs])
        index = {o.id: k for k, o in enumerate(objs)}
        wanted = {index[i] for i in ids}
        every = len(wanted) == len(objs)
        voxel_pairs = set(candidate_pairs(at, ends)) if every else _pairs_with(wanted, at, ends)
        contact_pairs = set(candidate_pairs(lo, hi)) if every else _pairs_with(wanted, lo, hi)
        for i, j in sorted(voxel_pairs | contact_pairs):
            self._pair(objs[i], objs[j], (i, j) in voxel_pairs, (i, j) in contact_pairs)

    def update(self, geo: SceneGeometry) -> None:
        """Bring the state up to `geo`: objects that are not the same (by identity or value)
        as the state's are re-placed and their pairs re-tested; the rest is kept."""
        if geo is self.geometry:
            return
        if not (geo.room.room is self.geometry.room.room or geo.room.room == self.geometry.room.room) \
                or geo.shapes is not self.geometry.shapes:
            self._build(geo)
            return
        self.geometry = geo
        self._set_room(geo)
        ids = {g.id for g in geo.objects}
        touched = {i for i in self.objects if i not in ids}
        objects = {}
        self._prefetch([g for g in geo.objects if g.id not in self.objects
                        or not (self.objects[g.id].obj is g.obj or self.objects[g.id].obj == g.obj)])
        for k, g in enumerate(geo.objects):
            prev = self.objects.get(g.id)
            if prev is None or not (prev.obj is g.obj or prev.obj == g.obj):
                touched.add(g.id)
                objects[g.id] = self._place(g, k)
            else:
                if prev.index != k:  # their sample seed follows the object's place in the list
                    prev.index = k
                    prev.sampled = self._sampled_oob(prev)
                objects[g.id] = prev
        self.objects = objects
        if touched:
            self.pairs = {k: v for k, v in self.pairs.items() if k[0] not in touched and k[1] not in touched}
            self._pairs_of([i for i in touched if i in objects])

    def report(self, *, full: bool) -> EvalReport:
        """Their numbers; `full` adds the support rule, walkable floor and door clearance."""
        tol, geo = self.tol, self.geometry
        n = len(geo.objects)
        contacts = [(a, b, d, normal) for (a, b), (_, cs) in sorted(self.pairs.items()) for d, normal in cs]
        named = {a for a, _, _, _ in contacts} | {b for _, b, _, _ in contacts}
        depths = [d for _, _, d, _ in contacts]
        best: dict[tuple[str, str], tuple[float, np.ndarray]] = {}
        for a, b, d, normal in contacts:
            if (a, b) not in best or d > best[(a, b)][0]:
                best[(a, b)] = (d, normal)
        colliding = [
            PairOverlap(a=a, b=b, depth=d, volume=self.pairs[(a, b)][0],
                        direction=tuple(float(v) for v in normal / (np.linalg.norm(normal) or 1.0)))
            for (a, b), (d, normal) in sorted(best.items(), key=lambda kv: -kv[1][0])
        ]
        outs = [c.sampled for c in (self.objects[g.id] for g in geo.objects) if c.sampled is not None]
        vol = tol.voxel_pitch ** 3
        oob_voxels = sum(max(0.0, c.outside_voxels * vol) for c in self.objects.values())
        overlap_total = sum(v for v, _ in self.pairs.values())
        pbl = oob_voxels + overlap_total
        sampled_total = sum(o.volume for o in outs)
        extra = {}
        if full:
            blocking = obstacles(geo, tol)
            extra = {"floating": scenerevis_unsupported(geo.scene), "walkable_ratio": walkable_ratio(geo, tol, blocking),
                     "door_clearance": door_clearance(geo, tol, blocking)}
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
            **extra,
            warnings=[*NOTES, *(f"{oid}: mesh not used ({why}); evaluated as its box" for oid, why in geo.problems.items())],
        )


def _key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def _pairs_with(wanted: set[int], lo: np.ndarray, hi: np.ndarray) -> set[tuple[int, int]]:
    """Index pairs (i < j) with positive-volume box overlap where i or j is in `wanted`."""
    out = set()
    for k in wanted:
        ok = np.all((lo < hi[k]) & (lo[k] < hi), axis=1)
        ok[k] = False
        for j in np.nonzero(ok)[0].tolist():
            out.add((k, j) if k < j else (j, k))
    return out


def scenerevis_state(geo: SceneGeometry, tol: Tolerances) -> ScenereVisState:
    """The compat state kept on the geometry's shape cache, brought up to `geo`: evaluating
    an edited scene with the previous scene's geometry re-places only the edited objects."""
    key = ("scenerevis-state", tol)
    state = geo.shapes.derived.get(key)
    if state is None:
        state = geo.shapes.derived[key] = ScenereVisState(geo, tol)
    else:
        state.update(geo)
    return state


def evaluate_scenerevis(geo: SceneGeometry, tol: Tolerances) -> EvalReport:
    """SceneReVis' myeval (collision, OOB), voxel_eval (PBL) and support check on one scene."""
    return scenerevis_state(geo, tol).report(full=True)
