"""Where the annotations go: every view of a batch laid out at once, with numpy, in pixels.

The layout is the one place that decides what an overlay shows (box outlines, facing
arrows, ids, the top view's grid, ceiling items as dashed outlines) and where labels sit.
Two painters draw it: the raster backend on the GPU (`gl_batch`), everything else with
Pillow (`overlays.paint`). Labels are placed greedily so that they do not overlap each other,
the grid labels or the caption (`label_placement`); a label moved off its object gets a leader
line back to it.
All views of a batch are processed together (arrays padded to the busiest view), so the
cost per view is a few numpy calls, not a Python loop over objects.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from agentscene import palette
from agentscene.categories import SURFACES
from agentscene.geometry import box_corners_many, rotation_matrices_y
from agentscene.renderers.cameras import Camera
from agentscene.renderers.label_placement import PlacedLabels, place_labels
from agentscene.renderers.overlays import OverlaySettings, SpriteKey, sprite_size
from agentscene.scene_meshes import is_ceiling_item, is_wall_item

if TYPE_CHECKING:
    from agentscene.scene import Scene

#: The 12 edges of a box as index pairs into SceneObject.box_corners() (y-major, then x, then z).
BOX_EDGES = np.array([
    (0, 1), (2, 3), (0, 2), (1, 3),  # bottom
    (4, 5), (6, 7), (4, 6), (5, 7),  # top
    (0, 4), (1, 5), (2, 6), (3, 7),  # verticals
])
TOP_EDGES = np.array([(4, 5), (5, 7), (7, 6), (6, 4)])  # the top face, in order around it

GRID_RGBA = (60, 60, 80, 70)
DASH_PX, GAP_PX = 6.0, 4.0
CEILING_SHADE = 0.55  # ceiling outlines: the overlay colour darkened once more


@lru_cache(maxsize=4096)
def _traits(category: str, support: str) -> tuple[tuple[int, int, int], bool, bool]:
    """(palette colour, hangs from the ceiling, hangs on a wall) of a category and support, looked up once."""
    from agentscene.scene import SceneObject

    if support not in SURFACES:  # rests on another object
        return palette.category_color(category), False, False
    probe = SceneObject(id="probe_1", description=category, category=category, size=(1.0, 1.0, 1.0), position=(0.0, 0.0, 0.0), support=support)
    return palette.category_color(category), is_ceiling_item(probe), is_wall_item(probe)


#: Objects whose rows a renderer keeps between calls (an env step re-renders mostly the same objects); past it the cache starts afresh.
OBJECT_CACHE = 1 << 14
_ROW = 12  # floats per object: position (3), size (3), yaw, colour (3), hangs from the ceiling, hangs on a wall


def _object_row(obj: Any) -> tuple[float, ...]:
    (r, g, b), ceiling, wall = _traits(obj.category, obj.support)
    p, s = obj.position, obj.size
    return (p[0], p[1], p[2], s[0], s[1], s[2], obj.yaw, r, g, b, float(ceiling), float(wall))


@dataclass(frozen=True, eq=False)
class SceneArrays:
    """A scene's objects as arrays (built once per scene, shared by its views)."""

    ids: tuple[str, ...]
    positions: np.ndarray  # (N, 3)
    sizes: np.ndarray  # (N, 3)
    yaws: np.ndarray  # (N,)
    colors: np.ndarray  # (N, 3) uint8, the palette colour (overlays use a darker shade)
    ceiling: np.ndarray  # (N,) bool
    wall: np.ndarray  # (N,) bool: hangs on a wall
    part_of: tuple[SceneArrays, int, int] | None = None  # (arrays of a whole batch, first row, end) when a slice of one

    @classmethod
    def of(cls, scene: Scene) -> SceneArrays:
        return cls.of_many([scene])[0]

    @classmethod
    def of_many(cls, scenes: Sequence[Scene], cache: dict[int, tuple[Any, tuple[float, ...]]] | None = None) -> list[SceneArrays]:
        """Every scene's arrays from one pass over all their objects.

        `cache` (id(object) -> (object, row), owned by the caller) keeps each SceneObject's row:
        scene edits keep the objects they do not touch, so an episode's next render reads only
        the moved ones. Entries hold their object, so an id is not reused while cached.
        """
        flat: list[float] = []
        ids: list[str] = []
        counts: list[int] = []
        for scene in scenes:
            objs = scene.objects
            counts.append(len(objs))
            for o in objs:
                ids.append(o.id)
                if cache is None:
                    flat.extend(_object_row(o))
                    continue
                hit = cache.get(id(o))
                if hit is None or hit[0] is not o:
                    hit = (o, _object_row(o))
                    cache[id(o)] = hit
                flat.extend(hit[1])
        if cache is not None and len(cache) > OBJECT_CACHE:
            cache.clear()
        m = np.array(flat, dtype=np.float64).reshape(-1, _ROW)
        pos, size = np.ascontiguousarray(m[:, 0:3]), np.ascontiguousarray(m[:, 3:6])
        yaw, colors = np.ascontiguousarray(m[:, 6]), m[:, 7:10].astype(np.uint8)
        ceiling, wall = m[:, 10] > 0.5, m[:, 11] > 0.5
        whole = cls(tuple(ids), pos, size, yaw, colors, ceiling, wall)
        out = []
        end = 0
        for n in counts:
            start, end = end, end + n
            out.append(cls(whole.ids[start:end], pos[start:end], size[start:end], yaw[start:end], colors[start:end],
                           ceiling[start:end], wall[start:end], (whole, start, end)))
        return out

    @classmethod
    def stack(cls, arrays: Sequence[SceneArrays]) -> SceneArrays:
        """Many scenes' arrays one after the other (views, no copies, when they are consecutive scenes of one `of_many` batch)."""
        parts = [a.part_of for a in arrays]
        if parts and parts[0] is not None:
            whole = parts[0][0]
            if all(p is not None and p[0] is whole and p[1] == q[2] for p, q in zip(parts[1:], parts, strict=False)):
                start, end = parts[0][1], parts[-1][2]  # type: ignore[index]
                if start == 0 and end == len(whole.ids):
                    return whole
                return cls(whole.ids[start:end], whole.positions[start:end], whole.sizes[start:end], whole.yaws[start:end],
                           whole.colors[start:end], whole.ceiling[start:end], whole.wall[start:end], (whole, start, end))
        if len(arrays) == 1:
            return arrays[0]
        if not arrays:
            return cls((), np.zeros((0, 3)), np.zeros((0, 3)), np.zeros(0), np.zeros((0, 3), np.uint8), np.zeros(0, bool), np.zeros(0, bool))
        return cls(tuple(i for a in arrays for i in a.ids), *(np.concatenate([getattr(a, f) for a in arrays])
                   for f in ("positions", "sizes", "yaws", "colors", "ceiling", "wall")))

    @property
    def tops(self) -> np.ndarray:
        out = self.positions.copy()
        out[:, 1] += self.sizes[:, 1]
        return out


@dataclass
class Layer:
    """One kind of primitive for every view, drawn in order after the layers before it."""

    kind: str  # "segments" | "triangles" | "sprites"
    view: np.ndarray  # (K,) int: which view of the batch each primitive belongs to
    xy: np.ndarray  # segments (K, 4) x0 y0 x1 y1; triangles (K, 3, 2); sprites (K, 2) top-left corner
    rgba: np.ndarray | None = None  # (K, 4) uint8 (segments, triangles)
    width: np.ndarray | None = None  # (K,) pixels (segments)
    keys: list[SpriteKey] = field(default_factory=list)  # sprites, one per primitive
    table: list[SpriteKey] = field(default_factory=list)  # sprites: the distinct keys, looked up once by painters
    index: np.ndarray | None = None  # sprites: (K,) where each primitive's key is in `table`

    @classmethod
    def sprites(cls, view: np.ndarray, xy: np.ndarray, table: list[SpriteKey], index: np.ndarray) -> Layer:
        return cls("sprites", view, xy, keys=[table[i] for i in index.tolist()], table=table, index=index)

    def key_table(self) -> tuple[list[SpriteKey], np.ndarray]:
        """(distinct keys, index of each primitive's key in them) of a sprites layer."""
        if self.index is not None:
            return self.table, self.index
        table = list(dict.fromkeys(self.keys))
        where = {k: i for i, k in enumerate(table)}
        return table, np.array([where[k] for k in self.keys], dtype=np.intp)

    def select(self, view: int) -> Layer:
        m = self.view == view
        keys = [k for k, keep in zip(self.keys, m, strict=True) if keep] if self.keys else []
        return Layer(self.kind, self.view[m], self.xy[m], None if self.rgba is None else self.rgba[m],
                     None if self.width is None else self.width[m], keys, self.table, None if self.index is None else self.index[m])


@dataclass
class OverlayLayout:
    """Every view's annotations, in pixels of that view, as ordered layers."""

    sizes: list[tuple[int, int]]  # (width, height) per view
    layers: list[Layer]

    def view(self, index: int) -> list[Layer]:
        return [layer.select(index) for layer in self.layers]


# -- projection ----------------------------------------------------------------------------------


def _camera_arrays(cameras: list[Camera]) -> dict[str, np.ndarray]:
    return {
        "R": np.stack([c.R for c in cameras]),
        "t": np.stack([c.t for c in cameras]),
        "f": np.array([[c.K[0, 0], c.K[1, 1]] for c in cameras]),
        "c": np.array([[c.K[0, 2], c.K[1, 2]] for c in cameras]),
        "skew": np.array([c.K[0, 1] for c in cameras]),
        "persp": np.array([c.projection == "perspective" for c in cameras]),
        "near": np.array([c.near for c in cameras]),
    }


def _to_camera(cams: dict[str, np.ndarray], view: np.ndarray, points: np.ndarray) -> np.ndarray:
    return np.einsum("kij,kj->ki", cams["R"][view], points) + cams["t"][view]


def _pixels(cams: dict[str, np.ndarray], view: np.ndarray, pc: np.ndarray) -> np.ndarray:
    persp = cams["persp"][view]
    if not persp.any():
        xy = pc[:, :2]
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            xy = pc[:, :2] / pc[:, 2:3]
        if not persp.all():
            xy = np.where(persp[:, None], xy, pc[:, :2])
    uv = xy * cams["f"][view] + cams["c"][view]
    uv[:, 0] += cams["skew"][view] * xy[:, 1]
    return uv


def _project_segments(cams: dict[str, np.ndarray], view: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """World segments to pixel segments (K, 4), clipped at perspective cameras' near planes; and which survive."""
    return _clip_segments(cams, view, _to_camera(cams, view, a), _to_camera(cams, view, b))


def _clip_segments(cams: dict[str, np.ndarray], view: np.ndarray, pa: np.ndarray, pb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Camera-space segments to pixel segments (K, 4), clipped at perspective cameras' near planes; and which survive."""
    near = cams["near"][view]
    persp = cams["persp"][view]
    za, zb = pa[:, 2], pb[:, 2]
    keep = ~persp | (np.maximum(za, zb) > near)
    with np.errstate(divide="ignore", invalid="ignore"):
        clip_a = persp & (za < near) & keep
        clip_b = persp & (zb < near) & keep
        ta = np.where(clip_a, (near - za) / (zb - za), 0.0)
        tb = np.where(clip_b, (near - zb) / (za - zb), 0.0)
    pa = pa + (pb - pa) * ta[:, None]
    pb = pb + (pa - pb) * tb[:, None]
    seg = np.concatenate([_pixels(cams, view, pa), _pixels(cams, view, pb)], axis=1)
    keep &= np.all(np.isfinite(seg), axis=1) & (np.abs(seg).max(axis=1) < 1e6)
    return seg, keep


def _box_edges(cams: dict[str, np.ndarray], view: np.ndarray, corners: np.ndarray, rgba: np.ndarray,
               edges: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pixel segments (float32) of `edges` of boxes (`corners`: (n, 8, 3) world, one view per box), each
    corner projected once; with each segment's view and colour (segments that do not survive left out)."""
    used, local = np.unique(edges, return_inverse=True)  # the corners these edges join
    corner_view = np.repeat(view, len(used))
    pc = _to_camera(cams, corner_view, corners[:, used].reshape(-1, 3))
    uv = _pixels(cams, corner_view, pc)
    seg, keep = _edge_segments(cams, view, pc.reshape(len(view), len(used), 3), uv.reshape(len(view), len(used), 2),
                               local.reshape(edges.shape), np.float32)
    view = np.repeat(view, len(edges))
    rgba = np.repeat(rgba, len(edges), axis=0)
    if keep.all():
        return view, seg, rgba
    return view[keep], seg[keep], rgba[keep]


_PAIR = {4: np.uint64, 8: np.complex128}  # a unit as large as two floats of 4 or 8 bytes (copied, never computed with)


def _edge_segments(cams: dict[str, np.ndarray], view: np.ndarray, pc: np.ndarray, uv: np.ndarray, edges: np.ndarray,
                   dtype: type = np.float64) -> tuple[np.ndarray, np.ndarray]:
    """`_clip_segments` of `edges` (E, 2) between points already projected, one view per row (pc: camera
    space (n, c, 3), uv: pixels (n, c, 2)): pixel segments (n * E, 4) and which survive. Only edges that
    cross a perspective camera's near plane are clipped again; the others join their end points' pixels."""
    n, n_edges = len(pc), len(edges)
    e0, e1 = edges[:, 0], edges[:, 1]
    # each point's (u, v) moved as one unit of twice the float's size: numpy gathers those quickly
    points = np.ascontiguousarray(uv, dtype=dtype).view(_PAIR[np.dtype(dtype).itemsize])[..., 0]  # (n, c)
    seg = np.empty((n, n_edges, 2), points.dtype)
    seg[..., 0] = points[:, e0]
    seg[..., 1] = points[:, e1]
    seg = seg.view(dtype).reshape(-1, 4)
    size = np.abs(uv)
    ok = (size[..., 0] < 1e6) & (size[..., 1] < 1e6)  # finite (NaN compares false) and not absurdly far
    keep = (ok[:, e0] & ok[:, e1]).reshape(-1)
    persp = cams["persp"][view]
    if persp.any():
        near = cams["near"][view][:, None]
        z = pc[..., 2]
        ahead, behind = z > near, z < near
        edge_persp = np.repeat(persp, n_edges)
        seen = ~edge_persp | (ahead[:, e0] | ahead[:, e1]).reshape(-1)
        keep &= seen
        crossing = np.nonzero(edge_persp & seen & (behind[:, e0] | behind[:, e1]).reshape(-1))[0]
        if len(crossing):
            row, edge = crossing // n_edges, crossing % n_edges
            seg[crossing], keep[crossing] = _clip_segments(cams, view[row], pc[row, e0[edge]], pc[row, e1[edge]])
    return seg, keep


# -- pieces -----------------------------------------------------------------------------------------


def _dashes(seg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split pixel segments (K, 4) into dashes; returns the dashes and the index of the segment each came from."""
    d = seg[:, 2:] - seg[:, :2]
    length = np.hypot(d[:, 0], d[:, 1])
    count = np.maximum(np.ceil(length / (DASH_PX + GAP_PX)), 1).astype(int)
    src = np.repeat(np.arange(len(seg)), count)
    k = np.arange(len(src)) - np.repeat(np.cumsum(count) - count, count)
    with np.errstate(divide="ignore", invalid="ignore"):
        unit = np.where(length[:, None] > 0, d / length[:, None], 0.0)[src]
    s0 = k * (DASH_PX + GAP_PX)
    s1 = np.minimum(s0 + DASH_PX, length[src])
    start = seg[src, :2]
    return np.concatenate([start + unit * s0[:, None], start + unit * s1[:, None]], axis=1), src


@lru_cache(maxsize=64)
def _grid_cached(bounds: tuple[float, float, float, float], k: tuple[float, ...], r: tuple[float, ...], t: tuple[float, ...],
                 size: tuple[int, int], step: float, font_size: int) -> tuple[np.ndarray, list[tuple[SpriteKey, int, int, tuple[float, float, float, float]]]]:
    """Grid line segments (pixels) and label placements of a top view; cached: the room rarely changes."""
    cam = Camera("grid", "orthographic", size[0], size[1], np.array(k).reshape(3, 3), np.array(r).reshape(3, 3), np.array(t))
    scale = float(cam.K[0, 0])
    x0, z0, x1, z1 = bounds
    line_step = _grid_step_for(scale, step, 6.0)
    label_step = _grid_step_for(scale, line_step, 34.0)
    xs = np.arange(math.ceil(x0 / line_step - 1e-9) * line_step, x1 + 1e-9, line_step)
    zs = np.arange(math.ceil(z0 / line_step - 1e-9) * line_step, z1 + 1e-9, line_step)
    n_x, n_z = len(xs), len(zs)
    ends = np.concatenate([
        np.column_stack([xs, np.zeros(n_x), np.full(n_x, z0)]), np.column_stack([xs, np.zeros(n_x), np.full(n_x, z1)]),
        np.column_stack([np.full(n_z, x0), np.zeros(n_z), zs]), np.column_stack([np.full(n_z, x1), np.zeros(n_z), zs]),
    ])
    uv = cam.project(ends)[0]
    x_far, x_near = uv[:n_x], uv[n_x : 2 * n_x]
    z_left, z_right = uv[2 * n_x : 2 * n_x + n_z], uv[2 * n_x + n_z :]
    segments = np.concatenate([np.concatenate([x_far, x_near], axis=1), np.concatenate([z_left, z_right], axis=1)])
    wanted: list[tuple[SpriteKey, float, float]] = []
    for x, b in zip(xs, x_near, strict=True):
        if abs(x / label_step - round(x / label_step)) < 1e-6:
            key = SpriteKey("plain", f"x={_fmt(x)}", font_size)
            w, _ = sprite_size(key)
            wanted.append((key, b[0] - w / 2.0, b[1] + 3))
    for z, a in zip(zs, z_left, strict=True):
        if abs(z / label_step - round(z / label_step)) < 1e-6:
            key = SpriteKey("plain", f"z={_fmt(z)}", font_size)
            w, h = sprite_size(key)
            wanted.append((key, a[0] - w - 4, a[1] - h / 2.0))
    labels: list[tuple[SpriteKey, int, int, tuple[float, float, float, float]]] = []
    for key, x, y in wanted:  # kept inside the image; a z label that would cover an x label is left out
        w, h = sprite_size(key)
        x, y = min(max(x, 0.0), size[0] - w), min(max(y, 0.0), size[1] - h)
        box = (x, y, x + w, y + h)
        if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for *_, b in labels):
            continue
        labels.append((key, round(x), round(y), box))
    return segments, labels


def _grid_step_for(scale: float, step: float, min_px: float) -> float:
    """The smallest multiple of `step` (x1, 2, 5, 10, ...) whose spacing is at least `min_px` pixels."""
    for mult in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000):
        if step * mult * scale >= min_px:
            return step * mult
    return step * 1000


def _fmt(v: float) -> str:
    return f"{v:g}" if abs(v - round(v)) > 1e-9 else str(int(round(v)))


def font_size_for(camera: Camera, settings: OverlaySettings) -> int:
    return settings.font_size or max(9, round(min(camera.width, camera.height) / 42))


def line_width_for(camera: Camera) -> int:
    return max(1, round(min(camera.width, camera.height) / 256))


# -- the layout ---------------------------------------------------------------------------------------


def distinct(items: Sequence[Any]) -> tuple[list[Any], np.ndarray]:
    """The distinct items (by identity) in order of first appearance, and where each item is among them."""
    where: dict[int, int] = {}
    first: list[Any] = []
    index = []
    for item in items:
        k = where.get(id(item))
        if k is None:
            k = where[id(item)] = len(first)
            first.append(item)
        index.append(k)
    return first, np.array(index, dtype=np.intp)


def layout_overlays(
    views: list[tuple[Scene, Camera]],
    settings: OverlaySettings,
    *,
    overlays: bool = True,
    arrays: list[SceneArrays] | None = None,
) -> OverlayLayout:
    """Lay out the annotations of many views at once. With `overlays=False` only what a view
    needs to be read (ceiling items' outlines in the top view) is kept.

    Views that share a scene (`arrays`, or the scene object) share its per-object work, and
    views that share a Camera object its per-camera work (grid, caption, fonts).
    """
    n_views = len(views)
    if arrays is None:
        scenes, view_scene = distinct([scene for scene, _ in views])
        scene_arrays = SceneArrays.of_many(scenes)
    else:
        scene_arrays, view_scene = distinct(arrays)
    cameras = [cam for _, cam in views]
    distinct_cams, view_cam = distinct(cameras)
    cams = {k: v[view_cam] for k, v in _camera_arrays(distinct_cams).items()}
    sizes = [(c.width, c.height) for c in cameras]
    wh = np.array(sizes, dtype=np.float64)
    cam_top = np.array([c.top_down for c in distinct_cams], dtype=bool)
    cam_font = [font_size_for(c, settings) for c in distinct_cams]
    top_down = cam_top[view_cam]
    font = [cam_font[c] for c in view_cam.tolist()]
    line_w = np.array([line_width_for(c) for c in distinct_cams], dtype=np.float32)[view_cam]

    # per object of the distinct scenes, then one row per (view, object) gathered from them
    scene_counts = np.array([len(a.ids) for a in scene_arrays], dtype=np.intp)
    counts = scene_counts[view_scene]
    n_rows = int(counts.sum())
    obj_view = np.repeat(np.arange(n_views), counts)
    obj_src = np.repeat((np.cumsum(scene_counts) - scene_counts)[view_scene] - (np.cumsum(counts) - counts), counts) + np.arange(n_rows)
    every = SceneArrays.stack(scene_arrays)
    if n_rows:
        positions, sizes3, yaws = every.positions, every.sizes, every.yaws
        dark = (every.colors.astype(np.float64) * 0.55).astype(np.uint8)
        ceiling = every.ceiling[obj_src]
        corners = box_corners_many(positions, sizes3, yaws)
        tops = positions.copy()
        tops[:, 1] += sizes3[:, 1]
    else:
        positions = sizes3 = tops = np.zeros((0, 3))
        yaws = np.zeros(0)
        dark = np.zeros((0, 3), np.uint8)
        ceiling = np.zeros(0, bool)
        corners = np.zeros((0, 8, 3))
    obj_rgba = np.concatenate([dark, np.full((len(dark), 1), 255, np.uint8)], axis=1)[obj_src]
    layers: list[Layer] = []
    placed: list[list[np.ndarray]] = [[] for _ in range(n_views)]  # boxes labels must avoid, per view

    def add_segments(view, seg, rgba, width):
        if len(seg):
            layers.append(Layer("segments", view, seg.astype(np.float32, copy=False), rgba.astype(np.uint8, copy=False),
                                width.astype(np.float32, copy=False)))

    # grid (top views) and its labels, once per camera and room
    if overlays and settings.grid and top_down.any():
        grids: dict[tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
        table: list[SpriteKey] = []
        g_seg, g_view, s_view, s_xy, s_index = [], [], [], [], []
        for v in np.nonzero(top_down)[0].tolist():
            room = views[v][0].room
            grid = grids.get((view_cam[v], id(room)))
            if grid is None:
                cam = cameras[v]
                segs, labels = _grid_cached(tuple(room.bounds), tuple(cam.K.ravel()), tuple(cam.R.ravel()), tuple(cam.t),
                                            (cam.width, cam.height), settings.grid_step, font[v])
                index = np.arange(len(table), len(table) + len(labels))
                table.extend(key for key, *_ in labels)
                xy = np.array([(x, y) for _, x, y, _ in labels], np.float32).reshape(-1, 2)
                boxes = np.array([box for *_, box in labels], np.float64).reshape(-1, 4)
                grid = grids[(view_cam[v], id(room))] = (segs, xy, boxes, index)
            segs, xy, boxes, index = grid
            g_seg.append(segs)
            g_view.append(np.full(len(segs), v))
            s_view.append(np.full(len(xy), v))
            s_xy.append(xy)
            s_index.append(index)
            placed[v].append(boxes)
        seg = np.concatenate(g_seg)
        add_segments(np.concatenate(g_view), seg, np.tile(np.array(GRID_RGBA, np.uint8), (len(seg), 1)), np.ones(len(seg)))
        if table:
            layers.append(Layer.sprites(np.concatenate(s_view), np.concatenate(s_xy), table, np.concatenate(s_index)))

    # ceiling items in the top view: dashed outlines of their footprint, always drawn
    outline = ceiling & top_down[obj_view]
    if outline.any():
        rows = np.nonzero(outline)[0]
        c = corners[obj_src[rows]]
        a = c[:, TOP_EDGES[:, 0]].reshape(-1, 3)
        b = c[:, TOP_EDGES[:, 1]].reshape(-1, 3)
        view = np.repeat(obj_view[rows], len(TOP_EDGES))
        seg, keep = _project_segments(cams, view, a, b)
        dashes, src = _dashes(seg[keep])
        owner = np.repeat(rows, len(TOP_EDGES))[keep][src]
        deep = obj_rgba[owner].copy()  # darker than box outlines: drawn over whatever stands below
        deep[:, :3] = (deep[:, :3].astype(np.float64) * CEILING_SHADE).astype(np.uint8)
        add_segments(view[keep][src], dashes, deep, line_w[view[keep][src]] + 1)

    if overlays and settings.boxes and n_rows:
        rows = np.nonzero(~outline)[0]
        rows_top = rows[top_down[obj_view[rows]]]
        rows_side = rows[~top_down[obj_view[rows]]]
        for sel, edges in ((rows_top, BOX_EDGES[4:8]), (rows_side, BOX_EDGES)):
            if len(sel):
                view, seg, rgba = _box_edges(cams, obj_view[sel], corners[obj_src[sel]], obj_rgba[sel], edges)
                add_segments(view, seg, rgba, line_w[view])

    wants_arrows = overlays and settings.arrows and n_rows
    wants_ids = overlays and settings.ids and n_rows
    if wants_arrows or wants_ids:  # both start at the middle of each object's top
        pc_top = _to_camera(cams, obj_view, tops[obj_src])
        uv_top = _pixels(cams, obj_view, pc_top)

    if wants_arrows:
        front = rotation_matrices_y(yaws)[:, :, 2]  # local +z in world: each object's front
        reach = sizes3[:, 2] / 2.0 + np.maximum(0.15, 0.25 * sizes3[:, 2])
        pc_end = _to_camera(cams, obj_view, (tops + front * reach[:, None])[obj_src])
        seg, keep = _edge_segments(cams, obj_view, np.stack([pc_top, pc_end], axis=1),
                                   np.stack([uv_top, _pixels(cams, obj_view, pc_end)], axis=1), np.array([[0, 1]]))
        d = seg[:, 2:] - seg[:, :2]
        length = np.hypot(d[:, 0], d[:, 1])
        keep &= length >= 2.0
        seg, d, length, view = seg[keep], d[keep], length[keep], obj_view[keep]
        width = line_w[view] + 1
        add_segments(view, seg, obj_rgba[keep], width)
        if len(seg):
            u = d / length[:, None]
            head = np.minimum(12.0, np.maximum(5.0, 0.35 * length)) * (1 + width / 4)
            tip = seg[:, 2:]
            back = tip - head[:, None] * u
            perp = np.column_stack([-u[:, 1], u[:, 0]]) * (0.5 * head)[:, None]
            tris = np.stack([tip, back - perp, back + perp], axis=1)
            layers.append(Layer("triangles", view, tris.astype(np.float32), obj_rgba[keep]))

    # caption, then ids
    if overlays and settings.caption:
        c_table = []
        for c, cam in enumerate(distinct_cams):
            key = SpriteKey("caption", f"{cam.name}: x right, z down" if cam_top[c] else cam.name, cam_font[c])
            w, h = sprite_size(key)
            c_table.append(key)
            box = np.array([[2.0, 0.0, 2.0 + w, 0.0 + h]])
            for v in np.nonzero(view_cam == c)[0].tolist():
                placed[v].append(box)
        caption_layer = Layer.sprites(np.arange(n_views), np.tile(np.array([2.0, 0.0], np.float32), (n_views, 1)), c_table, view_cam)
    else:
        caption_layer = None

    if wants_ids:
        labels = place_labels(cams, obj_view, obj_src, pc_top, uv_top, every.ids, obj_rgba, wh, font, placed, settings)
        if labels is not None:
            layers.extend(_label_layers(labels, uv_top, obj_rgba))
    if caption_layer is not None:
        layers.append(caption_layer)
    return OverlayLayout(sizes, layers)


def _label_layers(labels: PlacedLabels, uv: np.ndarray, obj_rgba: np.ndarray) -> list[Layer]:
    """The placed labels as layers: leader lines (and a dot on the object) for labels moved off their anchor, then the sprites."""
    rows, view, final, table, inverse = labels.rows, labels.view, labels.boxes, labels.table, labels.index
    # leader lines for labels moved off their anchor
    anchor = uv[rows]
    nearest = np.column_stack([np.clip(anchor[:, 0], final[:, 0], final[:, 2]), np.clip(anchor[:, 1], final[:, 1], final[:, 3])])
    away = np.hypot(*(anchor - nearest).T) > 1.5
    layers: list[Layer] = []
    if away.any():
        seg = np.concatenate([anchor[away], nearest[away]], axis=1)
        rgba = obj_rgba[rows[away]]
        layers.append(Layer("segments", view[away], seg.astype(np.float32), rgba, np.ones(int(away.sum()), np.float32)))
        dot = np.array([[-2.0, -2.0], [2.0, -2.0], [2.0, 2.0], [-2.0, 2.0]])
        quads = anchor[away][:, None, :] + dot[None]
        tris = np.concatenate([quads[:, [0, 1, 2]], quads[:, [0, 2, 3]]])
        layers.append(Layer("triangles", np.tile(view[away], 2), tris.astype(np.float32), np.tile(rgba, (2, 1))))
    xy = np.round(final[:, :2]).astype(np.float32)
    layers.append(Layer.sprites(view, xy, table, inverse))
    return layers


__all__ = ["BOX_EDGES", "Layer", "OverlayLayout", "SceneArrays", "distinct", "layout_overlays"]
