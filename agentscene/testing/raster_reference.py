"""The raster backend's batch algorithms as they were before they were vectorised (issue 19), to test against.

Per-view arrays and label placement (`reference_layout`), one vertex array re-sorted by pass
(`reference_overlay_vertices`), and per-tile instance copies (`reference_pass_instances`): the
vectorised versions in `overlay_layout` and `gl_batch` must give the same arrays, value for value.
Helpers that did not change (grid, dashes, label sprites, fonts) are the production ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from agentscene.geometry import box_corners_many, rotation_matrices_y
from agentscene.meshes import object_matrices
from agentscene.renderers.gl_batch import IDENTITY_ROW, SPRITE_ATLAS
from agentscene.renderers.label_placement import (
    LABEL_OFFSETS,
    NEAR_CANDIDATES,
    _clamp_box,
    label_sprite,
)
from agentscene.renderers.overlay_layout import (
    BOX_EDGES,
    CEILING_SHADE,
    GRID_RGBA,
    TOP_EDGES,
    Layer,
    OverlayLayout,
    SceneArrays,
    _dashes,
    _grid_cached,
    _traits,
    font_size_for,
    line_width_for,
)
from agentscene.renderers.overlays import OverlaySettings, SpriteKey, sprite_size
from agentscene.scene_meshes import drawable_mesh

if TYPE_CHECKING:
    from agentscene.renderers.cameras import Camera
    from agentscene.scene import Scene

__all__ = ["reference_arrays", "reference_layout", "reference_overlay_vertices", "reference_pass_instances"]


def reference_arrays(scene: Any) -> SceneArrays:
    """`SceneArrays.of` as it was: one Python pass over the scene's objects."""
    objs = scene.objects
    n = len(objs)
    pos = np.array([o.position for o in objs], dtype=np.float64).reshape(n, 3)
    size = np.array([o.size for o in objs], dtype=np.float64).reshape(n, 3)
    yaw = np.array([o.yaw for o in objs], dtype=np.float64)
    traits = [_traits(o.category, o.support) for o in objs]
    colors = np.array([t[0] for t in traits], dtype=np.uint8).reshape(n, 3)
    ceiling = np.array([t[1] for t in traits], dtype=bool)
    wall = np.array([t[2] for t in traits], dtype=bool)
    return SceneArrays(tuple(o.id for o in objs), pos, size, yaw, colors, ceiling, wall)


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
    with np.errstate(divide="ignore", invalid="ignore"):
        xy = np.where(persp[:, None], pc[:, :2] / pc[:, 2:3], pc[:, :2])
    uv = xy * cams["f"][view] + cams["c"][view]
    uv[:, 0] += cams["skew"][view] * xy[:, 1]
    return uv


def _project_segments(cams: dict[str, np.ndarray], view: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """World segments to pixel segments (K, 4), clipped at perspective cameras' near planes; and which survive."""
    pa, pb = _to_camera(cams, view, a), _to_camera(cams, view, b)
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


def reference_layout(
    views: list[tuple[Scene, Camera]],
    settings: OverlaySettings,
    *,
    overlays: bool = True,
    arrays: list[SceneArrays] | None = None,
) -> OverlayLayout:
    """Lay out the annotations of many views at once. With `overlays=False` only what a view
    needs to be read (ceiling items' outlines in the top view) is kept."""
    n_views = len(views)
    if arrays is None:
        cache: dict[int, SceneArrays] = {}
        arrays = [cache.setdefault(id(scene), reference_arrays(scene)) for scene, _ in views]
    cameras = [cam for _, cam in views]
    cams = _camera_arrays(cameras)
    sizes = [(c.width, c.height) for c in cameras]
    wh = np.array(sizes, dtype=np.float64)
    top_down = np.array([c.top_down for c in cameras], dtype=bool)
    font = [font_size_for(c, settings) for c in cameras]
    line_w = np.array([line_width_for(c) for c in cameras], dtype=np.float32)
    counts = np.array([len(a.ids) for a in arrays])
    obj_view = np.repeat(np.arange(n_views), counts)  # one row per (view, object)
    positions = np.concatenate([a.positions for a in arrays]) if counts.sum() else np.zeros((0, 3))
    sizes3 = np.concatenate([a.sizes for a in arrays]) if counts.sum() else np.zeros((0, 3))
    yaws = np.concatenate([a.yaws for a in arrays]) if counts.sum() else np.zeros(0)
    dark = (np.concatenate([a.colors for a in arrays]).astype(np.float64) * 0.55).astype(np.uint8) if counts.sum() else np.zeros((0, 3), np.uint8)
    ceiling = np.concatenate([a.ceiling for a in arrays]) if counts.sum() else np.zeros(0, bool)
    opaque = np.full((len(dark), 1), 255, np.uint8)
    obj_rgba = np.concatenate([dark, opaque], axis=1)
    layers: list[Layer] = []
    placed: list[list[tuple[float, float, float, float]]] = [[] for _ in range(n_views)]

    def add_segments(view, seg, rgba, width):
        if len(seg):
            layers.append(Layer("segments", view, seg.astype(np.float32, copy=False), rgba.astype(np.uint8, copy=False),
                                width.astype(np.float32, copy=False)))

    # grid (top views) and its labels
    if overlays and settings.grid and top_down.any():
        g_view, g_seg, s_view, s_xy, s_keys = [], [], [], [], []
        for v in np.nonzero(top_down)[0]:
            cam, scene = cameras[v], views[v][0]
            segs, labels = _grid_cached(tuple(scene.room.bounds), tuple(cam.K.ravel()), tuple(cam.R.ravel()), tuple(cam.t),
                                        (cam.width, cam.height), settings.grid_step, font[v])
            g_seg.append(segs)
            g_view.append(np.full(len(segs), v))
            for key, x, y, box in labels:
                s_view.append(v)
                s_xy.append((x, y))
                s_keys.append(key)
                placed[v].append(box)
        seg = np.concatenate(g_seg)
        add_segments(np.concatenate(g_view), seg, np.tile(np.array(GRID_RGBA, np.uint8), (len(seg), 1)), np.ones(len(seg)))
        if s_keys:
            layers.append(Layer("sprites", np.array(s_view), np.array(s_xy, np.float32), keys=s_keys))

    corners = box_corners_many(positions, sizes3, yaws) if len(positions) else np.zeros((0, 8, 3))
    # ceiling items in the top view: dashed outlines of their footprint, always drawn
    outline = ceiling & top_down[obj_view]
    if outline.any():
        rows = np.nonzero(outline)[0]
        a = corners[rows][:, TOP_EDGES[:, 0]].reshape(-1, 3)
        b = corners[rows][:, TOP_EDGES[:, 1]].reshape(-1, 3)
        view = np.repeat(obj_view[rows], len(TOP_EDGES))
        seg, keep = _project_segments(cams, view, a, b)
        dashes, src = _dashes(seg[keep])
        owner = np.repeat(rows, len(TOP_EDGES))[keep][src]
        deep = obj_rgba[owner].copy()  # darker than box outlines: drawn over whatever stands below
        deep[:, :3] = (deep[:, :3].astype(np.float64) * CEILING_SHADE).astype(np.uint8)
        add_segments(view[keep][src], dashes, deep, line_w[view[keep][src]] + 1)

    if overlays and settings.boxes and len(corners):
        rows = np.nonzero(~outline)[0]
        rows_top = rows[top_down[obj_view[rows]]]
        rows_side = rows[~top_down[obj_view[rows]]]
        for sel, edges in ((rows_top, BOX_EDGES[4:8]), (rows_side, BOX_EDGES)):
            if not len(sel):
                continue
            a = corners[sel][:, edges[:, 0]].reshape(-1, 3)
            b = corners[sel][:, edges[:, 1]].reshape(-1, 3)
            view = np.repeat(obj_view[sel], len(edges))
            owner = np.repeat(sel, len(edges))
            seg, keep = _project_segments(cams, view, a, b)
            add_segments(view[keep], seg[keep], obj_rgba[owner[keep]], line_w[view[keep]])

    if overlays and settings.arrows and len(positions):
        front = rotation_matrices_y(yaws)[:, :, 2]  # local +z in world: each object's front
        start = positions.copy()
        start[:, 1] += sizes3[:, 1]
        reach = sizes3[:, 2] / 2.0 + np.maximum(0.15, 0.25 * sizes3[:, 2])
        end = start + front * reach[:, None]
        seg, keep = _project_segments(cams, obj_view, start, end)
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
        c_keys, c_xy = [], []
        for v, cam in enumerate(cameras):
            key = SpriteKey("caption", f"{cam.name}: x right, z down" if top_down[v] else cam.name, font[v])
            w, h = sprite_size(key)
            c_keys.append(key)
            c_xy.append((2.0, 0.0))
            placed[v].append((2.0, 0.0, 2.0 + w, 0.0 + h))
        caption_layer = Layer("sprites", np.arange(n_views), np.array(c_xy, np.float32), keys=c_keys)
    else:
        caption_layer = None

    if overlays and settings.ids and len(positions):
        label_layers = _place_ids(cams, obj_view, positions, sizes3, [a.ids for a in arrays], obj_rgba, wh, font, placed, settings)
        layers.extend(label_layers)
    if caption_layer is not None:
        layers.append(caption_layer)
    return OverlayLayout(sizes, layers)


def _best_candidate(anchor: np.ndarray, w: np.ndarray, h: np.ndarray, wh: np.ndarray, others: np.ndarray,
                    offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each label: the first candidate box free of `others`, else the least-overlapping; and whether it was free."""
    cx = anchor[:, 0:1] + offsets[None, :, 0] * w
    cy = anchor[:, 1:2] + offsets[None, :, 1] * h
    x0, y0 = _clamp_box(cx - w / 2.0, cy - h / 2.0, w, h, wh[:, 0:1], wh[:, 1:2])
    x0, y0 = np.round(x0), np.round(y0)  # labels land on whole pixels: test the boxes as drawn
    cand = np.stack([x0, y0, x0 + w, y0 + h], axis=2)  # (L, C, 4)
    o = others[:, None, :, :]  # (L, 1, P, 4)
    ox = np.minimum(cand[..., None, 2], o[..., 2]) - np.maximum(cand[..., None, 0], o[..., 0])
    oy = np.minimum(cand[..., None, 3], o[..., 3]) - np.maximum(cand[..., None, 1], o[..., 1])
    area = (np.maximum(ox, 0.0) * np.maximum(oy, 0.0)).sum(axis=2)  # (L, C)
    free = area <= 1e-9
    any_free = free.any(axis=1)
    choice = np.where(any_free, free.argmax(axis=1), area.argmin(axis=1))
    return cand[np.arange(len(cand)), choice], any_free


def _place_ids(cams, obj_view, positions, sizes3, ids_per_view, obj_rgba, wh, font, placed, settings) -> list[Layer]:
    """Greedy, batched label placement: label k of every view at once, each against what its view placed before."""
    n_views = len(ids_per_view)
    tops = positions.copy()
    tops[:, 1] += sizes3[:, 1]
    pc = _to_camera(cams, obj_view, tops)
    uv = _pixels(cams, obj_view, pc)
    visible = (~cams["persp"][obj_view] | (pc[:, 2] > cams["near"][obj_view]))
    visible &= np.all(np.isfinite(uv), axis=1)
    visible &= (uv[:, 0] >= 0) & (uv[:, 1] >= 0) & (uv[:, 0] < wh[obj_view, 0]) & (uv[:, 1] < wh[obj_view, 1])
    rows = np.nonzero(visible)[0]
    if not len(rows):
        return []
    # rank of each visible label within its view; views keep at most max_labels
    view = obj_view[rows]
    order = np.argsort(view, kind="stable")
    rows, view = rows[order], view[order]
    first = np.searchsorted(view, np.arange(n_views))
    rank = np.arange(len(rows)) - first[view]
    keep = rank < settings.max_labels
    rows, view, rank = rows[keep], view[keep], rank[keep]
    n_rank = int(rank.max()) + 1
    flat_ids = [i for ids in ids_per_view for i in ids]
    labels = [label_sprite(flat_ids[r], font[v], r_, g_, b_)
              for r, v, (r_, g_, b_) in zip(rows.tolist(), view.tolist(), obj_rgba[rows, :3].tolist(), strict=True)]
    keys = [key for key, _ in labels]
    dims = np.array([size for _, size in labels], dtype=np.float64)

    # pre-placed boxes (grid labels, caption), padded per view
    n_pre = max((len(p) for p in placed), default=0)
    boxes = np.full((n_views, n_pre + n_rank, 4), -1.0)  # empty slots never overlap (zero size)
    boxes[..., 2:] = -1.0
    for v, p in enumerate(placed):
        if p:
            boxes[v, : len(p)] = p
    slot = np.full(n_views, n_pre)
    final = np.zeros((len(rows), 4))
    by_rank = [np.nonzero(rank == k)[0] for k in range(n_rank)]
    near_ring, far_ring = LABEL_OFFSETS[:NEAR_CANDIDATES], LABEL_OFFSETS[NEAR_CANDIDATES:]
    for k in range(n_rank):
        idx = by_rank[k]
        v = view[idx]
        w, h = dims[idx, 0:1], dims[idx, 1:2]
        a = uv[rows[idx]]
        others = boxes[v, : int(slot[v].max())]  # (L, P, 4): only the slots filled so far
        chosen, free = _best_candidate(a, w, h, wh[v], others, near_ring)
        if not free.all():  # the near ring is full for some: try the far ring, keep the least overlap
            retry = np.nonzero(~free)[0]
            far, far_free = _best_candidate(a[retry], w[retry], h[retry], wh[v[retry]], others[retry], far_ring)
            chosen[retry[far_free]] = far[far_free]
        final[idx] = chosen
        boxes[v, slot[v]] = chosen
        slot[v] += 1

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
    layers.append(Layer("sprites", view, xy, keys=keys))
    return layers


def _vertices(layers: list[Layer], tile_xy: np.ndarray, sprite_at: dict[SpriteKey, tuple[int, int, int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Every layer as triangles, in draw order: (V, 8) vertices (x, y in atlas pixels, u, v or -1 for
    solid colour, r, g, b, a) and the view each vertex belongs to."""
    chunks: list[np.ndarray] = []
    views: list[np.ndarray] = []
    for layer in layers:
        if not len(layer.view):
            continue
        off = tile_xy[layer.view].astype(np.float32, copy=False)
        if layer.kind == "segments":
            assert layer.rgba is not None and layer.width is not None
            p0, p1 = layer.xy[:, :2] + off, layer.xy[:, 2:] + off
            d = p1 - p0
            length = np.hypot(d[:, 0], d[:, 1])
            safe = np.where(length > 1e-6, length, 1.0)
            u = np.where((length > 1e-6)[:, None], d / safe[:, None], np.array([1.0, 0.0], np.float32))
            n = np.column_stack([-u[:, 1], u[:, 0]]) * (layer.width / 2.0)[:, None]
            ext = u * 0.5  # square caps of half a pixel, like Pillow's line ends
            a, b = p0 - ext, p1 + ext
            out = np.empty((len(a), 6, 8), np.float32)
            for c, corner in enumerate((a - n, b - n, b + n, a - n, b + n, a + n)):
                out[:, c, :2] = corner
            out[:, :, 2:4] = -1.0  # no texture: solid colour
            out[:, :, 4:] = (layer.rgba.astype(np.float32) / 255.0)[:, None, :]
            chunks.append(out.reshape(-1, 8))
            views.append(np.repeat(layer.view, 6))
        elif layer.kind == "triangles":
            assert layer.rgba is not None
            out = np.empty((len(layer.xy), 3, 8), np.float32)
            out[:, :, :2] = layer.xy + off[:, None, :]
            out[:, :, 2:4] = -1.0
            out[:, :, 4:] = (layer.rgba.astype(np.float32) / 255.0)[:, None, :]
            chunks.append(out.reshape(-1, 8))
            views.append(np.repeat(layer.view, 3))
        else:
            rects = np.array([sprite_at[k] for k in layer.keys], dtype=np.float32)  # x, y, w, h in the texture
            x0 = layer.xy + off
            x1 = x0 + rects[:, 2:]
            t0 = rects[:, :2] / SPRITE_ATLAS
            t1 = (rects[:, :2] + rects[:, 2:]) / SPRITE_ATLAS
            corners = [(x0, t0, (0, 0)), (x1, t1, (1, 0)), (x1, t1, (1, 1)), (x0, t0, (0, 0)), (x1, t1, (1, 1)), (x0, t0, (0, 1))]
            verts = []
            for _, _, (sx, sy) in corners:
                xy = np.column_stack([x1[:, 0] if sx else x0[:, 0], x1[:, 1] if sy else x0[:, 1]])
                uv = np.column_stack([t1[:, 0] if sx else t0[:, 0], t1[:, 1] if sy else t0[:, 1]])
                verts.append(np.concatenate([xy, uv, np.ones((len(xy), 4), np.float32)], axis=1))
            chunks.append(np.stack(verts, axis=1).reshape(-1, 8))
            views.append(np.repeat(layer.view, 6))
    if not chunks:
        return np.zeros((0, 8), np.float32), np.zeros(0, int)
    return np.concatenate(chunks).astype(np.float32, copy=False), np.concatenate(views)


def reference_overlay_vertices(layers: list[Layer], tile_xy: np.ndarray, sprite_at: dict[SpriteKey, tuple[int, int, int, int]],
                               pass_of: np.ndarray, n_passes: int) -> list[np.ndarray]:
    """Each pass' overlay vertices as `_render_many` cut them: one array for all layers, stably sorted by pass."""
    verts, vert_view = _vertices(layers, tile_xy, sprite_at)
    order = np.argsort(pass_of[vert_view], kind="stable")  # keeps layer order within a pass
    verts, vert_pass = verts[order], pass_of[vert_view][order]
    bounds = np.searchsorted(vert_pass, np.arange(n_passes + 1))
    return [verts[bounds[p] : bounds[p + 1]] for p in range(n_passes)]


def _object_instances(self: Any, job: Any) -> tuple[list[tuple[Any, np.ndarray]], np.ndarray, np.ndarray]:
    """Per job: [(asset key, rows)], the (N, 16) instance rows (tile column left 0) and the cord rows."""
    arr = job.arrays
    n = len(arr.ids)
    extents = np.ones((n, 3))
    bottoms = np.zeros((n, 3))
    tints = arr.colors.astype(np.float32) / 255.0
    keys: list[Any] = ["box"] * n
    self.box_asset()
    if job.mesh_provider is not None:
        for i, obj in enumerate(job.scene.objects):
            mesh = drawable_mesh(obj, job.mesh_provider, job.warnings)
            if mesh is None:
                continue
            key, asset = self.mesh_asset(mesh)
            keys[i] = key
            extents[i], bottoms[i] = asset.extent, asset.bottom
            if not asset.tinted:
                tints[i] = 1.0
    mats = object_matrices(arr.positions, arr.sizes, arr.yaws, extents, bottoms)
    rows = np.zeros((n, 16), np.float32)
    rows[:, :12] = mats.reshape(n, 12)
    rows[:, 12:15] = tints
    groups: dict[Any, list[int]] = {}
    for i, key in enumerate(keys):
        groups.setdefault(key, []).append(i)
    job.triangles = sum(self.assets[k].vertices // 3 * len(v) for k, v in groups.items())
    cords = np.zeros((0, 16), np.float32)
    if self.style.ceiling_cords and arr.ceiling.any():
        idx = np.nonzero(arr.ceiling)[0]
        top = arr.positions[idx, 1] + arr.sizes[idx, 1]
        length = job.scene.room.height - top
        ok = length > 1e-3
        idx, top, length = idx[ok], top[ok], length[ok]
        w = self.style.cord_width
        cords = np.zeros((len(idx), 16), np.float32)
        cords[:, 0], cords[:, 5], cords[:, 10] = w, length, w
        cords[:, 3], cords[:, 7], cords[:, 11] = arr.positions[idx, 0], top, arr.positions[idx, 2]
        cords[:, 12:15] = np.array(self.style.cord_color, np.float32) / 255.0
    return [(k, np.asarray(v)) for k, v in groups.items()], rows, cords


def reference_pass_instances(gl: Any, jobs: list[Any], tiles: list[Any], passes: list[list[tuple[int, int, int]]]) -> list[list[tuple[Any, np.ndarray]]]:
    """Per pass, (asset key, rows) in draw order as `draw_pass` made them: per tile, copies of each job's rows."""
    instances = [_object_instances(gl, job) for job in jobs]
    out = []
    for placements in passes:
        per_asset: dict[Any, list[np.ndarray]] = {}
        for k, (i, _, _) in enumerate(placements):
            tile = tiles[i]
            job = jobs[tile.job]
            groups, rows, cords = instances[tile.job]
            hidden = job.arrays.ceiling if tile.rules.top_down else None
            for key, idx in groups:
                sel = idx if hidden is None else idx[~hidden[idx]]
                if len(sel):
                    chunk = rows[sel].copy()
                    chunk[:, 15] = k
                    per_asset.setdefault(key, []).append(chunk)
            if not tile.rules.top_down and len(cords):
                chunk = cords.copy()
                chunk[:, 15] = k
                per_asset.setdefault("box", []).append(chunk)
            room_key, _ = gl.room_asset(job.scene, tile.rules.tall_walls, job.room_json)
            row = IDENTITY_ROW.copy()
            row[15] = k
            per_asset.setdefault(room_key, []).append(row[None])
        out.append([(key, np.concatenate(chunks)) for key, chunks in per_asset.items()])
    return out
