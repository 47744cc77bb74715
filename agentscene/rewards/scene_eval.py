"""SceneEval's four no-LLM metrics, as its code (3dlg-hcvc/SceneEval, metrics/*.py) defines them.

`evaluate(scene, compat="scene-eval")` adds this section beside our own metrics. The facts
below were read from SceneEval's public source; the code is ours (numpy, fcl, shapely, PIL,
scipy instead of trimesh scenes, Blender and OpenCV). Units: SceneEval's world is z up; we
convert ours (y up) with the exporters' rotation, so x stays x and SceneEval's y is our -z.

- **Collision** (CollisionMetric): every pair (i < j in scene order) whose triangle meshes
  intersect (fcl BVH-BVH, no depth threshold: touching counts, rugs count) is re-checked after
  moving j 5 mm away from the mean contact point (along centroid(j) - mean(contacts)); a pair
  still intersecting collides. Rate: % of objects in at least one colliding pair.
- **Out of bounds** (OutOfBoundMetric): max(5000 × box volume, 1000) points sampled on the
  object's surface are dropped straight down; an object is out of bounds when fewer than 99 %
  land on the floor polygon. No ceiling check, no buffer.
- **Navigability** (NavigabilityMetric): a 256 × 256 top-down map framed on the floor with a
  0.2 m margin; the floor eroded by the 0.2 m robot width; every object whose box centre is at
  most 2 m above the floor (rugs and wall pictures included) drawn as its rotated footprint box
  with a robot-width outline; the largest 8-connected free region over all free pixels.
- **Opening clearance** (OpeningClearanceMetric): for each door (depth = its width) and window
  (0.5 m) a box in front of it on the room side; objects whose oriented box reaches into it
  interfere, and their triangles within that depth are projected onto the opening at
  100 px/m. An opening side is occluded when any object interferes.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from agentscene.rewards.collision import candidate_pairs
from agentscene.rewards.geometry import UNIT_BOX

if TYPE_CHECKING:
    from agentscene.rewards.geometry import ObjectGeometry, SceneGeometry
    from agentscene.rewards.tolerances import Tolerances

#: SceneEval's configs/metrics.yaml defaults
MOVE_DISTANCE = 0.005
OOB_THRESHOLD = 0.99
OOB_SAMPLES_PER_M3 = 5000.0
OOB_MIN_SAMPLES = 1000
NAV_RESOLUTION = 256
NAV_ROBOT_WIDTH = 0.2
NAV_MARGIN = 0.2
NAV_HEIGHT = 2.0
OPENING_PX_PER_M = 100
WINDOW_DEPTH = 0.5

#: where its definitions differ from ours (printed with the metrics and in docs/rewards.md)
DIFFERENCES = (
    "collision: any intersection of the triangle meshes that survives a 5 mm pull-apart (ours: penetration deeper than 1 cm); "
    "rugs and other floor coverings under furniture collide (ours: minor overlaps); a mesh wholly inside another does not",
    "out of bounds: < 99 % of surface samples above the floor polygon, no ceiling and no 1 mm buffer (ours: > 1 % outside "
    "the room prism widened by 1 mm)",
    "navigability: largest connected free region / all free pixels on a 256-pixel map, 0.2 m robot, every object whose "
    "centre is below 2 m is an obstacle, rugs and wall items included, doors ignored (ours: free floor reachable from a "
    "door by a 0.3 m-radius disc, floor coverings and items above 1.9 m passable)",
    "opening clearance: any object box reaching into a box as deep as the door is wide (windows 0.5 m) occludes it "
    "(ours: free depth in front of doors only, blocked below 0.6 m)",
)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SceneEvalBounds(_Model):
    id: str
    n_samples: int
    ratio_in_bound: float
    out_of_bound: bool


class SceneEvalOpening(_Model):
    opening: int = Field(description="index into room.openings")
    kind: str = Field(description="door or window (open doorways count as doors)")
    wall: int
    occluded: bool = Field(description="an object reaches into the clearance box")
    total_occlusion: float = Field(description="share of the opening covered by the projected objects (0-1)")
    interfering: list[str] = Field(default_factory=list)
    object_occlusion: dict[str, float] = Field(default_factory=dict)


class SceneEvalReport(_Model):
    """SceneEval's collision, out-of-bounds, navigability and opening-clearance results."""

    n_objects: int
    collision_rate: float = Field(description="% of objects in collision (SceneEval: num_obj_in_collision / n)")
    colliding_pairs: list[tuple[str, str]] = Field(default_factory=list)
    oob_rate: float = Field(description="% of objects out of bounds")
    out_of_bounds: list[SceneEvalBounds] = Field(default_factory=list)
    navigability: float = Field(description="largest connected free region over all free pixels (0-1)")
    connected_components: int
    openings: list[SceneEvalOpening] = Field(default_factory=list)
    opening_clearance: float | None = Field(None, description="share of openings (doors and windows) not occluded; None without openings")
    differences: list[str] = Field(default_factory=lambda: list(DIFFERENCES))

    def headline(self) -> dict[str, float]:
        out = {"se_collision_rate": self.collision_rate, "se_oob_rate": self.oob_rate, "se_navigability": self.navigability}
        if self.opening_clearance is not None:
            out["se_opening_clearance"] = self.opening_clearance
        return out


# -- geometry in SceneEval's frame -------------------------------------------------------------

def _world_mesh(g: ObjectGeometry) -> tuple[np.ndarray, np.ndarray]:
    """The object's triangle mesh in SceneEval's z-up world: (x, -z, y) of ours."""
    if g.shape is None:
        unit, faces = UNIT_BOX, _BOX_FACES
    else:
        unit, faces = g.shape.vertices, g.shape.faces
    world = (unit * g.size) @ g.rotation.T + g.position
    return np.column_stack([world[:, 0], -world[:, 2], world[:, 1]]), np.asarray(faces, np.int64)


# the unit box's 12 triangles (corner order of geometry.UNIT_BOX: x, then y, then z in {lo, hi})
_BOX_FACES = np.array([[0, 1, 3], [0, 3, 2], [4, 6, 7], [4, 7, 5], [0, 4, 5], [0, 5, 1],
                       [2, 3, 7], [2, 7, 6], [0, 2, 6], [0, 6, 4], [1, 5, 7], [1, 7, 3]])


def _fcl_mesh(g: ObjectGeometry):
    """A python-fcl object of the object's triangle mesh (boxes too: SceneEval collides meshes, never
    primitives), its BVH shared through the geometry's cache."""
    import fcl

    size = tuple(float(v) for v in g.size)
    key = ("scene-eval-bvh", g.key, *size)
    geom = g._fcl_cache.get(key)
    if geom is None:
        if g.shape is None:
            local, faces = UNIT_BOX * g.size, _BOX_FACES
        else:
            local, faces = g.shape.vertices * g.size, g.shape.faces
        geom = fcl.BVHModel()
        geom.beginModel(len(local), len(faces))
        geom.addSubModel(np.asarray(local, float), np.asarray(faces, np.int64))
        geom.endModel()
        g._fcl_cache[key] = geom
    return geom


def _centroid(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """trimesh's Trimesh.centroid: triangle centroids weighted by area."""
    tri = vertices[faces]
    area = np.linalg.norm(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1)
    centres = tri.mean(axis=1)
    total = area.sum()
    return (centres * area[:, None]).sum(axis=0) / total if total > 0 else vertices.mean(axis=0)


# -- metrics ---------------------------------------------------------------------------------

class _Meshes:
    """Each object's z-up triangle mesh, built the first time a metric needs it."""

    def __init__(self, geo: SceneGeometry):
        self.objects = geo.objects
        self._made: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def __getitem__(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        if k not in self._made:
            self._made[k] = _world_mesh(self.objects[k])
        return self._made[k]


def _collisions(geo: SceneGeometry, meshes: _Meshes) -> list[tuple[str, str]]:
    """Pairs that intersect and still intersect after the 5 mm pull-apart (in our y-up frame: a
    rotation changes nothing here)."""
    import fcl

    objs = geo.objects
    if len(objs) < 2:
        return []
    eps = 1e-6  # touching counts in SceneEval; our broad phase wants positive overlap
    out = []
    made: dict[int, object] = {}

    def collision_object(k: int):
        if k not in made:
            made[k] = fcl.CollisionObject(_fcl_mesh(objs[k]), fcl.Transform(objs[k].rotation, objs[k].position))
        return made[k]

    for i, j in sorted(candidate_pairs(geo.aabb_min - eps, geo.aabb_max + eps)):
        request = fcl.CollisionRequest(num_max_contacts=100000, enable_contact=True)
        result = fcl.CollisionResult()
        if fcl.collide(collision_object(i), collision_object(j), request, result) == 0:
            continue
        v, f = meshes[j]
        zup = np.array([c.pos for c in result.contacts]) if result.contacts else v.mean(axis=0, keepdims=True)
        if result.contacts:  # contacts are in our frame; SceneEval's meshes are z up
            zup = np.column_stack([zup[:, 0], -zup[:, 2], zup[:, 1]])
        direction = _centroid(v, f) - zup.mean(axis=0)
        norm = float(np.linalg.norm(direction))
        direction = direction / norm if norm > 1e-12 else np.array([0.0, 0.0, 1.0])
        step = np.array([direction[0], direction[2], -direction[1]]) * MOVE_DISTANCE  # back to y up
        g = objs[j]
        moved = fcl.CollisionObject(_fcl_mesh(g), fcl.Transform(g.rotation, g.position + step))
        if fcl.collide(collision_object(i), moved, fcl.CollisionRequest(), fcl.CollisionResult()) > 0:
            out.append((objs[i].id, g.id))
    return out


def _surface_samples(vertices: np.ndarray, faces: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    tri = vertices[faces]
    area = np.linalg.norm(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1)
    if area.sum() <= 0:
        return vertices[rng.integers(len(vertices), size=count)]
    pick = np.searchsorted(np.cumsum(area), rng.random(count) * area.sum(), side="right").clip(0, len(faces) - 1)
    u, v = rng.random(count), rng.random(count)
    flip = u + v > 1
    u[flip], v[flip] = 1 - u[flip], 1 - v[flip]
    t = tri[pick]
    return t[:, 0] + u[:, None] * (t[:, 1] - t[:, 0]) + v[:, None] * (t[:, 2] - t[:, 0])


def _bounds(geo: SceneGeometry, meshes, floor_xy, seed: int) -> list[SceneEvalBounds]:
    """Points on the floor polygon's edge land on it (a ray down the face of a wardrobe against a wall).
    An object whose footprint hull lies inside the floor has every sample inside: it is not sampled.
    Each object's samples come from its own generator (seed, object index), so results do not
    depend on which other objects needed sampling."""
    import shapely
    from shapely.geometry import Polygon

    floor_xy = floor_xy.buffer(1e-7, join_style="mitre")
    shapely.prepare(floor_xy)
    out = []
    for k, g in enumerate(geo.objects):
        count = int(max(float(np.prod(g.size)) * OOB_SAMPLES_PER_M3, OOB_MIN_SAMPLES))
        footprint = Polygon([(x, -z) for x, z in g.footprint])
        if floor_xy.contains(footprint):
            ratio = 1.0
        else:
            pts = _surface_samples(*meshes[k], count, np.random.default_rng([seed, k]))
            ratio = float(shapely.contains_xy(floor_xy, pts[:, 0], pts[:, 1]).mean())
        out.append(SceneEvalBounds(id=g.id, n_samples=count, ratio_in_bound=ratio, out_of_bound=ratio < OOB_THRESHOLD))
    return out


def _box_points(cx: float, cy: float, w: float, h: float, angle_deg: float) -> np.ndarray:
    """OpenCV's RotatedRect.points (cv2.boxPoints), corner for corner."""
    a = math.radians(angle_deg)
    b, s = math.cos(a) * 0.5, math.sin(a) * 0.5
    p0 = (cx - s * h - b * w, cy + b * h - s * w)
    p1 = (cx + s * h - b * w, cy - b * h - s * w)
    return np.array([p0, p1, (2 * cx - p0[0], 2 * cy - p0[1]), (2 * cx - p1[0], 2 * cy - p1[1])], np.float32)


def _fill(mask_size: int, polygon: np.ndarray) -> np.ndarray:
    from PIL import Image, ImageDraw

    img = Image.new("1", (mask_size, mask_size), 0)
    ImageDraw.Draw(img).polygon([(int(x), int(y)) for x, y in polygon], fill=1, outline=1)
    return np.asarray(img, dtype=bool)


def navigability_map(geo: SceneGeometry, floor_xy, floor_z: float):
    """(free pixels, object pixels, scene (x, y) -> pixel) of SceneEval's top-down map; rows go
    down the image (SceneEval's -y), columns along x."""
    from scipy import ndimage

    res, half = NAV_RESOLUTION, NAV_RESOLUTION // 2
    x0, y0, x1, y1 = floor_xy.bounds
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    pts = np.asarray(floor_xy.exterior.coords)[:-1] - (cx, cy)
    scale = float(np.abs(pts).max()) + NAV_MARGIN

    def to_img(x: float, y: float) -> tuple[int, int]:
        """SceneEval's _scene_to_image_coordinates of a point relative to the floor's centre."""
        return int(x / scale * half) + half, int(-y / scale * half) + half

    floor = _fill(res, np.array([to_img(x, y) for x, y in pts]))
    robot = int(NAV_ROBOT_WIDTH / scale * half)
    if robot > 0:
        floor = ndimage.binary_erosion(floor, structure=np.ones((robot, robot), bool), border_value=1)
    blocked = np.zeros_like(floor)
    for g in geo.objects:
        if (g.position[1] + g.size[1] / 2) - floor_z > NAV_HEIGHT:
            continue
        c = g.position + g.rotation @ np.array([0.0, g.size[1] / 2, 0.0])
        px, py = to_img(c[0] - cx, -c[2] - cy)
        size = (int(g.size[0] / scale * half), int(g.size[2] / scale * half))
        # Blender's rotation_euler.z of the object is our yaw; SceneEval passes -degrees(z) to cv2.boxPoints
        blocked |= _fill(res, _box_points(px, py, size[0], size[1], -float(g.obj.yaw)).astype(int))
    if robot > 1 and blocked.any():  # the robot-width outline of every box: one dilation of their union
        r = robot / 2
        yy, xx = np.mgrid[-int(r):int(r) + 1, -int(r):int(r) + 1]
        blocked = ndimage.binary_dilation(blocked, structure=xx * xx + yy * yy <= r * r)

    def scene_to_pixel(x: float, y: float) -> tuple[int, int]:
        return to_img(x - cx, y - cy)

    return floor & ~blocked, blocked, scene_to_pixel


def _navigability(geo: SceneGeometry, floor_xy, floor_z: float) -> tuple[float, int]:
    from scipy import ndimage

    free, _, _ = navigability_map(geo, floor_xy, floor_z)
    labels, n = ndimage.label(free, structure=np.ones((3, 3), bool))
    if n == 0:
        return 0.0, 0
    counts = np.bincount(labels.ravel())[1:]
    return float(counts.max() / counts.sum()), int(n)


def _openings(geo: SceneGeometry, meshes) -> list[SceneEvalOpening]:
    from PIL import Image, ImageDraw

    room = geo.room
    out = []
    for k, op in enumerate(room.room.openings):
        wall = room.walls[op.wall]
        (ax, az), (bx, bz) = wall.start, wall.end
        length = wall.length
        along = np.array([(bx - ax) / length, (bz - az) / length])
        inward = -np.array(wall.normal)
        is_door = op.kind != "window"
        depth = op.width if is_door else WINDOW_DEPTH
        # opening frame in our (x, z) plane + height: u along the wall, n into the room, h up
        centre = np.array([ax, az]) + along * op.offset
        hu, hh = op.width / 2, op.height / 2
        hc = op.sill + hh
        interfering, maps = [], {}
        width_px = int(math.ceil(op.width * OPENING_PX_PER_M))
        height_px = int(math.ceil(op.height * OPENING_PX_PER_M))
        for k, g in enumerate(geo.objects):
            if not _box_overlap(g, centre, along, inward, hu, depth, op.sill, op.sill + op.height):
                continue
            v, f = meshes[k]
            interfering.append(g.id)
            ours = np.column_stack([v[:, 0], -v[:, 1]])  # back to our (x, z)
            rel = ours - centre
            u = rel @ along
            n = rel @ inward
            h = v[:, 2] - hc
            tri_n = n[f]
            keep = (tri_n.min(axis=1) <= depth) & (tri_n.max(axis=1) >= 0)
            if not keep.any():
                continue
            img = Image.new("L", (max(width_px, 1), max(height_px, 1)), 0)
            draw = ImageDraw.Draw(img)
            ix = ((u + hu) * OPENING_PX_PER_M).astype(np.int32)
            iy = ((hh - h) * OPENING_PX_PER_M).astype(np.int32)
            for a, b, c in f[keep]:
                draw.polygon([(int(ix[a]), int(iy[a])), (int(ix[b]), int(iy[b])), (int(ix[c]), int(iy[c]))], fill=255, outline=255)
            maps[g.id] = np.asarray(img) > 0
        total = 0.0
        per = {}
        if maps:
            union = np.zeros_like(next(iter(maps.values())))
            for oid, m in maps.items():
                per[oid] = float(m.mean())
                union |= m
            total = float(union.mean())
        out.append(SceneEvalOpening(opening=k, kind="door" if is_door else "window", wall=op.wall, occluded=bool(maps),
                                    total_occlusion=total, interfering=interfering, object_occlusion=per))
    return out


def _box_overlap(g: ObjectGeometry, centre: np.ndarray, along: np.ndarray, inward: np.ndarray, half_u: float,
                 depth: float, h0: float, h1: float) -> bool:
    """Whether the object's oriented box meets the clearance box (separating axes in the floor plane,
    intervals in height); SceneEval tests random points of the object's box instead."""
    if g.position[1] > h1 or g.position[1] + g.size[1] < h0:
        return False
    c, s = g.rotation[0, 0], g.rotation[0, 2]
    ox, oz = np.array([c, -s]), np.array([s, c])  # the object's local x and z axes in (x, z)
    w, d = g.size[0] / 2, g.size[2] / 2
    obj_c = np.array([g.position[0], g.position[2]])
    box_c = centre + inward * depth / 2
    axes = (along, inward, ox, oz)
    for axis in axes:
        r_obj = w * abs(ox @ axis) + d * abs(oz @ axis)
        r_box = half_u * abs(along @ axis) + depth / 2 * abs(inward @ axis)
        if abs((obj_c - box_c) @ axis) > r_obj + r_box + 1e-6:
            return False
    return True


def scene_eval_metrics(geo: SceneGeometry, tol: Tolerances) -> SceneEvalReport:
    """SceneEval's no-LLM metrics of posed geometry (see the module docstring)."""
    from shapely.geometry import Polygon

    ids = [g.id for g in geo.objects]
    n = len(ids)
    meshes = _Meshes(geo)
    floor_xy = Polygon([(x, -z) for x, z in geo.room.room.floor])
    pairs = _collisions(geo, meshes)
    colliding = {x for p in pairs for x in p}
    bounds = _bounds(geo, meshes, floor_xy, tol.seed)
    floor_z = float(geo.aabb_min[:, 1].min()) if n else 0.0  # SceneEval's floor: the lowest point of any object
    nav, components = _navigability(geo, floor_xy, floor_z)
    openings = _openings(geo, meshes)
    return SceneEvalReport(
        n_objects=n, collision_rate=100.0 * len(colliding) / n if n else 0.0, colliding_pairs=pairs,
        oob_rate=100.0 * sum(b.out_of_bound for b in bounds) / n if n else 0.0, out_of_bounds=bounds,
        navigability=nav, connected_components=components, openings=openings,
        opening_clearance=(sum(not o.occluded for o in openings) / len(openings)) if openings else None,
    )
