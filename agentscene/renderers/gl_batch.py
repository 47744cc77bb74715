"""Many scenes per GL call: instanced meshes, views packed into an atlas, asynchronous read-back.

Each asset's mesh (the unit box, a provider's mesh, a room's floor and walls) is uploaded once
per renderer and drawn instanced: an instance is (object matrix, tint, tile). Views of many
scenes are packed into tiles of one framebuffer (the atlas); one draw per asset covers every
tile of a pass, clip distances keep each instance inside its tile. Flat shading is done in
the vertex shader from the face normal (one fixed light, two-sided). Overlays are laid out per
pass (`overlay_layout`, while the pass before draws) and drawn as coloured triangles and
textured quads (text sprites from one atlas texture; `overlay_geometry` makes the vertices) on
the resolved image. Instance rows and tile data of every pass are gathered at once
(`pass_instances`, `tile_rects`). Pixels leave through a pixel buffer (`gl_readback`), read
while the next pass draws.

Memory on the device is bounded: the atlas (side S, `samples` MSAA) takes
S^2 * (8 * samples + 12) bytes (+ 8 S^2 with depth maps), the asset cache `asset_cache_mb`, the
sprite texture 16 MiB.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from agentscene import palette
from agentscene.meshes import object_matrices
from agentscene.renderers import gl_readback
from agentscene.renderers.base import RenderError
from agentscene.renderers.overlay_layout import SceneArrays, distinct
from agentscene.renderers.overlays import SpriteKey, sprite
from agentscene.renderers.shaders import OVERLAY_FS, OVERLAY_VS, SCENE_FS, SCENE_VS
from agentscene.renderers.view_parts import ViewRules
from agentscene.scene_meshes import StyleSettings, _unit_box_arrays, drawable_mesh, room_parts

if TYPE_CHECKING:
    from agentscene.meshes import MeshProvider
    from agentscene.renderers.cameras import Camera
    from agentscene.scene import Scene

AMBIENT, DIFFUSE = 0.5, 0.55  # flat shading: ambient + diffuse * |normal . light|
#: Direction toward the light of the flat shading (mostly from above).
LIGHT_DIRECTION = np.array([0.3, 1.0, 0.45]) / np.linalg.norm([0.3, 1.0, 0.45])


def face_normals(triangles: np.ndarray) -> np.ndarray:
    """Unit normals (T, 3) of triangles (T, 3, 3); degenerate triangles get +y."""
    n = np.cross(triangles[:, 1] - triangles[:, 0], triangles[:, 2] - triangles[:, 0]).astype(np.float64)
    length = np.linalg.norm(n, axis=1)
    bad = length < 1e-20
    n[bad] = (0.0, 1.0, 0.0)
    length[bad] = 1.0
    return n / length[:, None]

SPRITE_ATLAS = 2048  # side of the text-sprite texture (RGBA8: 16 MiB)
TILE_FLOATS = 20  # 5 texels of 4 floats per tile


@dataclass
class Job:
    """One scene to render: its cameras, what each shows, and its objects as arrays."""

    scene: Scene
    cameras: dict[str, Camera]
    rules: dict[str, ViewRules]
    arrays: SceneArrays
    mesh_provider: MeshProvider | None
    warnings: list[str]
    triangles: int = 0  # object triangles per view (room and cords not counted)
    room_json: str = ""  # the room as JSON: the key of its uploaded floor and walls


@dataclass
class Instances:
    """Instance rows of every object of a batch (jobs one after the other) and of the ceiling items' cords."""

    keys: list[Any]  # asset keys; "box" first
    rows: np.ndarray  # (N, 16) float32: 3x4 object matrix, tint, tile column (filled per pass)
    code: np.ndarray  # (N,) each object's asset: an index into keys
    ceiling: np.ndarray  # (N,) bool: hangs from the ceiling (left out of top views)
    start: np.ndarray  # (jobs,) each job's first row
    count: np.ndarray  # (jobs,) each job's objects
    cords: np.ndarray  # (C, 16) float32 rows of unit boxes (drawn with the "box" asset, not in top views)
    cord_start: np.ndarray  # (jobs,)
    cord_count: np.ndarray  # (jobs,)


@dataclass
class _Asset:
    vbo: Any
    vao: Any
    instances: Any  # per-asset instance buffer, rewritten each pass
    vertices: int
    nbytes: int
    extent: np.ndarray
    bottom: np.ndarray
    tinted: bool  # no colours of its own: instances give the colour
    ref: Any = None  # weakref to the provider's mesh (stale entries are rebuilt)


def _soup(vertices: np.ndarray, faces: np.ndarray, colors: np.ndarray | None) -> np.ndarray:
    """Non-indexed vertex data (3F, 9) float32: position, face normal, colour in [0, 1]."""
    tris = vertices[faces]
    normals = face_normals(tris)
    rgb = np.ones((len(faces), 3)) if colors is None else colors[:, :3].astype(np.float64) / 255.0
    data = np.concatenate([tris, np.repeat(normals[:, None, :], 3, axis=1), np.repeat(rgb[:, None, :], 3, axis=1)], axis=2)
    return np.ascontiguousarray(data.reshape(-1, 9), dtype=np.float32)


class _Packer:
    """Shelf packing of rectangles into a square."""

    def __init__(self, side: int):
        self.side = side
        self.reset()

    def reset(self) -> None:
        self.x = self.y = self.row = 0

    def add(self, w: int, h: int) -> tuple[int, int] | None:
        if w > self.side or h > self.side:
            return None
        if self.x + w > self.side:
            self.x, self.y, self.row = 0, self.y + self.row, 0
        if self.y + h > self.side:
            return None
        at = (self.x, self.y)
        self.x += w
        self.row = max(self.row, h)
        return at


class GLBatch:
    """The GL side of the raster backend: one context, its programs, caches and targets."""

    def __init__(self, ctx: Any, *, samples: int, depth: bool, background: tuple[int, int, int],
                 atlas_size: int, asset_cache_mb: int, style: StyleSettings, readback: str = "pixel-buffer",
                 copy_threads: int = 1):
        import moderngl

        self.ctx = ctx
        self.samples = min(samples, ctx.max_samples) if samples > 1 else 0
        self.depth = depth
        self.background = tuple(c / 255.0 for c in background)
        self.max_size = int(ctx.info.get("GL_MAX_RENDERBUFFER_SIZE", 4096))
        self.atlas_size = min(atlas_size, self.max_size)
        self.asset_budget = asset_cache_mb * 1024 * 1024
        self.style = style
        self.scene_program = ctx.program(vertex_shader=SCENE_VS, fragment_shader=SCENE_FS)
        self.scene_program["light"].value = tuple(float(v) for v in LIGHT_DIRECTION)
        self.scene_program["shade"].value = (AMBIENT, DIFFUSE)
        self.scene_program["tiles"].value = 0
        self.overlay_program = ctx.program(vertex_shader=OVERLAY_VS, fragment_shader=OVERLAY_FS)
        self.overlay_program["sprites"].value = 1
        self.overlay_program["tiles"].value = 0
        self.assets: OrderedDict[Any, _Asset] = OrderedDict()
        self.asset_bytes = 0
        self.sprites = ctx.texture((SPRITE_ATLAS, SPRITE_ATLAS), 4)
        self.sprites.filter = (moderngl.NEAREST, moderngl.NEAREST)
        self.sprite_at: dict[SpriteKey, tuple[int, int, int, int]] = {}
        self.packer = _Packer(SPRITE_ATLAS)
        self.targets: dict[tuple[int, int], tuple[Any, Any, Any]] = {}
        self.tile_texture: Any = None
        self.overlay_vbo: Any = None
        self.overlay_vao: Any = None
        self.overlay_host = np.empty(0, np.float32)  # overlay vertices on the host, reused between calls (no page faults)
        self.flip = 0
        self.notes: list[str] = []
        self.readback = gl_readback.ReadbackPool()
        # on the CPU (llvmpipe) a pixel buffer is host memory too: reading straight into ours saves a
        # copy, and 4-byte pixels are its fast path; a GPU packs RGB in its copy engine, a quarter less to move
        self.direct_read = readback == "direct"
        self.host_gl = gl_readback.load(ctx) if readback == "host-buffer" else None  # None: moderngl's buffers
        if readback == "host-buffer" and self.host_gl is None:
            self.notes.append("host-memory pixel buffers need GL 4.4 and EGL; reading through moderngl's buffers")
        self.copier = ThreadPoolExecutor(max_workers=copy_threads, thread_name_prefix="agentscene-readback") \
            if self.host_gl is not None and copy_threads > 1 else None
        self.channels = 4 if self.direct_read else 3

    def close(self) -> None:
        """Stop the copy threads (the GL objects go with the context)."""
        if self.copier is not None:
            self.copier.shutdown(wait=True)
            self.copier = None

    # -- assets ------------------------------------------------------------------------------------

    def _upload(self, key: Any, data: np.ndarray, extent: np.ndarray, bottom: np.ndarray, tinted: bool, ref: Any = None) -> _Asset:
        ctx = self.ctx
        vbo = ctx.buffer(data.tobytes())
        instances = ctx.buffer(reserve=64 * 16)
        vao = ctx.vertex_array(self.scene_program, [
            (vbo, "3f 3f 3f", "in_position", "in_normal", "in_color"),
            (instances, "4f 4f 4f 4f/i", "in_m0", "in_m1", "in_m2", "in_tint"),
        ])
        asset = _Asset(vbo, vao, instances, len(data), data.nbytes, extent, bottom, tinted, ref)
        self.assets[key] = asset
        self.asset_bytes += data.nbytes
        while self.asset_bytes > self.asset_budget and len(self.assets) > 1:
            old_key, old = next(iter(self.assets.items()))
            if old_key == key:
                break
            self._drop(old_key, old)
        return asset

    def _drop(self, key: Any, asset: _Asset) -> None:
        del self.assets[key]
        self.asset_bytes -= asset.nbytes
        for obj in (asset.vao, asset.vbo, asset.instances):
            obj.release()

    def _asset(self, key: Any) -> _Asset | None:
        asset = self.assets.get(key)
        if asset is not None:
            if asset.ref is not None and asset.ref() is None:  # the mesh it came from is gone: id() may be reused
                self._drop(key, asset)
                return None
            self.assets.move_to_end(key)
        return asset

    def box_asset(self) -> _Asset:
        asset = self._asset("box")
        if asset is None:
            v, f = _unit_box_arrays()
            asset = self._upload("box", _soup(v, f, None), np.ones(3), np.zeros(3), True)
        return asset

    def mesh_asset(self, mesh: Any) -> tuple[Any, _Asset]:
        key = ("mesh", id(mesh))
        asset = self._asset(key)
        if asset is not None and asset.ref() is not mesh:
            self._drop(key, asset)
            asset = None
        if asset is None:
            lo, hi = mesh.bounds
            colors = palette.mesh_face_colors(mesh)
            if colors is not None and len(colors) != len(mesh.faces):
                colors = None
            data = _soup(np.asarray(mesh.vertices, float), np.asarray(mesh.faces, np.int64), colors)
            bottom = np.array([(lo[0] + hi[0]) / 2.0, lo[1], (lo[2] + hi[2]) / 2.0])
            asset = self._upload(key, data, hi - lo, bottom, colors is None, weakref.ref(mesh))
        return key, asset

    def room_asset(self, scene: Scene, tall: frozenset[int], room_json: str | None = None) -> tuple[Any, _Asset]:
        key = ("room", room_json or scene.room.model_dump_json(), self.style, tall)
        asset = self._asset(key)
        if asset is None:
            parts = room_parts(scene.room, self.style, tall)
            data = np.concatenate([_soup(p.vertices, p.faces, p.face_colors) for p in parts])
            asset = self._upload(key, data, np.ones(3), np.zeros(3), False)
        return key, asset

    # -- instances ---------------------------------------------------------------------------------

    def object_instances(self, jobs: list[Job]) -> Instances:
        """Every job's objects (and ceiling cords) as instance rows, in one set of arrays."""
        n_jobs = len(jobs)
        counts = np.array([len(job.arrays.ids) for job in jobs], dtype=np.intp)
        n = int(counts.sum())
        start = np.cumsum(counts) - counts
        job_of = np.repeat(np.arange(n_jobs), counts)
        every = SceneArrays.stack([job.arrays for job in jobs])
        positions, sizes, yaws, colors, ceiling = every.positions, every.sizes, every.yaws, every.colors, every.ceiling
        extents = np.ones((n, 3))
        bottoms = np.zeros((n, 3))
        tints = colors.astype(np.float32) / 255.0
        keys: list[Any] = ["box"]
        code = np.zeros(n, np.intp)  # index into keys
        self.box_asset()
        for j, job in enumerate(jobs):
            if job.mesh_provider is None:
                continue
            for i, obj in enumerate(job.scene.objects, start=int(start[j])):
                mesh = drawable_mesh(obj, job.mesh_provider, job.warnings)
                if mesh is None:
                    continue
                key, asset = self.mesh_asset(mesh)
                if key not in keys:
                    keys.append(key)
                code[i] = keys.index(key)
                extents[i], bottoms[i] = asset.extent, asset.bottom
                if not asset.tinted:
                    tints[i] = 1.0
        mats = object_matrices(positions, sizes, yaws, extents, bottoms)
        rows = np.zeros((n, 16), np.float32)
        rows[:, :12] = mats.reshape(n, 12)
        rows[:, 12:15] = tints
        triangles = np.array([self.assets[k].vertices // 3 for k in keys], dtype=np.int64)[code]
        for job, t in zip(jobs, np.bincount(job_of, weights=triangles, minlength=n_jobs).tolist(), strict=True):
            job.triangles = int(t)
        cords = np.zeros((0, 16), np.float32)
        cord_job = np.zeros(0, np.intp)
        if self.style.ceiling_cords and ceiling.any():
            idx = np.nonzero(ceiling)[0]
            top = positions[idx, 1] + sizes[idx, 1]
            length = np.array([job.scene.room.height for job in jobs])[job_of[idx]] - top
            ok = length > 1e-3
            idx, top, length = idx[ok], top[ok], length[ok]
            w = self.style.cord_width
            cords = np.zeros((len(idx), 16), np.float32)
            cords[:, 0], cords[:, 5], cords[:, 10] = w, length, w
            cords[:, 3], cords[:, 7], cords[:, 11] = positions[idx, 0], top, positions[idx, 2]
            cords[:, 12:15] = np.array(self.style.cord_color, np.float32) / 255.0
            cord_job = job_of[idx]
        cord_counts = np.bincount(cord_job, minlength=n_jobs)
        return Instances(keys, rows, code, ceiling, start, counts, cords, np.cumsum(cord_counts) - cord_counts, cord_counts)

    # -- targets -------------------------------------------------------------------------------------

    def target(self, width: int, height: int) -> tuple[Any, Any, Any]:
        """(draw framebuffer, resolved framebuffer, pixel buffer) for an atlas of this size, cached."""
        key = (width, height)
        if key not in self.targets:
            if len(self.targets) >= 4:  # a few sizes at most: release the oldest
                draw, resolve, pbos = self.targets.pop(next(iter(self.targets)))
                for obj in (draw, resolve, *pbos):
                    if obj is not None:
                        obj.release()  # a host buffer's fence has been waited on: its pass was collected
            ctx = self.ctx
            resolve = ctx.framebuffer([ctx.renderbuffer(key)], ctx.depth_renderbuffer(key) if self.depth or not self.samples else None)
            if self.samples:
                draw = ctx.framebuffer([ctx.renderbuffer(key, samples=self.samples)], ctx.depth_renderbuffer(key, samples=self.samples))
            else:  # no MSAA: draw straight into the target read back (no resolve copy)
                draw = None
            # two pixel buffers: one is read while the next pass draws into the other
            nbytes = width * height * 4
            if self.host_gl is not None:
                pbos = (gl_readback.HostPixelBuffer(ctx, self.host_gl, nbytes), gl_readback.HostPixelBuffer(ctx, self.host_gl, nbytes))
            else:
                pbos = (ctx.buffer(reserve=nbytes), ctx.buffer(reserve=nbytes))
            self.targets[key] = (draw, resolve, pbos)
        return self.targets[key]

    def ensure_sprites(self, keys: set[SpriteKey]) -> None:
        missing = [k for k in keys if k not in self.sprite_at]
        if not missing:
            return
        for attempt in range(2):
            placed: list[tuple[SpriteKey, tuple[int, int]]] = []
            full = False
            for key in missing:
                image = sprite(key)
                at = self.packer.add(image.width, image.height)
                if at is None:
                    full = True
                    break
                placed.append((key, at))
            if not full:
                for key, (x, y) in placed:
                    image = sprite(key)
                    self.sprites.write(image.tobytes(), viewport=(x, y, image.width, image.height))
                    self.sprite_at[key] = (x, y, image.width, image.height)
                return
            if attempt == 0:  # start the texture afresh with only what this batch needs
                self.packer.reset()
                self.sprite_at.clear()
                missing = list(keys)
        raise RenderError(f"the {len(keys)} text labels of this batch do not fit one {SPRITE_ATLAS}x{SPRITE_ATLAS} texture; render fewer scenes per call or lower overlay.max_labels")


def pack_tiles(sizes: list[tuple[int, int]], side: int) -> list[list[tuple[int, int, int]]]:
    """Tiles (index, x, y) grouped into passes; a tile never spans two passes."""
    passes: list[list[tuple[int, int, int]]] = []
    packer = _Packer(side)
    current: list[tuple[int, int, int]] = []
    for i, (w, h) in enumerate(sizes):
        at = packer.add(w, h)
        if at is None:
            passes.append(current)
            packer.reset()
            current = []
            at = packer.add(w, h)
            if at is None:
                raise RenderError(f"a {w}x{h} view is larger than the {side}x{side} atlas")
        current.append((i, *at))
    if current:
        passes.append(current)
    return passes




# -- passes ----------------------------------------------------------------------------------------------

GL_CLIP_DISTANCE0 = 0x3000


@dataclass
class Tile:
    job: int
    camera: Camera
    rules: ViewRules


IDENTITY_ROW = np.array([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 1, 1, 1, 0], np.float32)  # a room instance (tile column 0)


def _ranges(starts: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Concatenated ranges [start, start + count): the indices, and which range each came from."""
    total = int(counts.sum())
    which = np.repeat(np.arange(len(counts)), counts)
    return np.repeat(starts - (np.cumsum(counts) - counts), counts) + np.arange(total), which


def pass_instances(gl: GLBatch, jobs: list[Job], inst: Instances, tiles: list[Tile],
                   passes: list[list[tuple[int, int, int]]]) -> list[list[tuple[Any, np.ndarray]]]:
    """For each pass: (asset key, instance rows) per asset, in draw order (tile column: the tile's place in its pass).

    Within a pass, assets are drawn in the order they first appear going through its tiles (each
    tile: its objects, its cords, its room), and each asset's rows follow the same order, so the
    pixels do not depend on how the rows are gathered (all passes are gathered at once).
    """
    order = [i for placements in passes for i, _, _ in placements]
    tile_pass = np.repeat(np.arange(len(passes)), [len(p) for p in passes])
    tile_col = np.concatenate([np.arange(len(p)) for p in passes])
    n_tiles = len(order)
    tile_job = np.array([tiles[i].job for i in order], dtype=np.intp)
    top = np.array([tiles[i].rules.top_down for i in order], dtype=bool)
    obj, obj_tile = _ranges(inst.start[tile_job], inst.count[tile_job])
    shown = ~(top[obj_tile] & inst.ceiling[obj])
    obj, obj_tile = obj[shown], obj_tile[shown]
    cord_tiles = np.nonzero(~top)[0]
    cord, cord_tile = _ranges(inst.cord_start[tile_job[cord_tiles]], inst.cord_count[tile_job[cord_tiles]])
    cord_tile = cord_tiles[cord_tile]
    keys = list(inst.keys)
    room_code = np.zeros(n_tiles, np.intp)
    where: dict[tuple[str, frozenset[int]], int] = {}
    for k, i in enumerate(order):
        job, tall = jobs[tiles[i].job], tiles[i].rules.tall_walls
        c = where.get((job.room_json, tall))
        if c is None:
            room_key, _ = gl.room_asset(job.scene, tall, job.room_json)
            c = where[(job.room_json, tall)] = len(keys)
            keys.append(room_key)
        room_code[k] = c
    # every instance: its source row, tile and asset, in tile order (objects, then cords, then the room)
    source = np.concatenate([inst.rows, inst.cords, IDENTITY_ROW[None]])
    src = np.concatenate([obj, len(inst.rows) + cord, np.full(n_tiles, len(inst.rows) + len(inst.cords))])
    tile_of = np.concatenate([obj_tile, cord_tile, np.arange(n_tiles)])
    code = np.concatenate([inst.code[obj], np.zeros(len(cord), np.intp), room_code])
    kind = np.concatenate([np.zeros(len(obj), np.intp), np.ones(len(cord), np.intp), np.full(n_tiles, 2)])
    seq = np.argsort(tile_of * 3 + kind, kind="stable")
    src, tile_of, code = src[seq], tile_of[seq], code[seq]
    group = tile_pass[tile_of] * len(keys) + code  # (pass, asset)
    present, first = np.unique(group, return_index=True)
    first_at = np.empty(int(present.max()) + 1, np.intp)
    first_at[present] = first
    seq = np.argsort(first_at[group], kind="stable")  # by pass, then asset by first appearance, rows in tile order
    rows = source[src[seq]]
    rows[:, 15] = tile_col[tile_of[seq]]
    group = group[seq]
    bounds = (np.flatnonzero(np.diff(group)) + 1).tolist()
    out: list[list[tuple[Any, np.ndarray]]] = [[] for _ in passes]
    for lo, hi in zip([0, *bounds], [*bounds, len(group)], strict=True):
        p, c = divmod(int(group[lo]), len(keys))
        out[p].append((keys[c], rows[lo:hi]))
    return out


def tile_rects(tiles: list[Tile], passes: list[list[tuple[int, int, int]]]) -> np.ndarray:
    """(tiles, 5, 4) float32: each tile's clip-from-world matrix (4 texels, column j in texel j) and where
    its view lies in its pass' atlas in NDC (scale x, y, offset x, y)."""
    cams, which = distinct([t.camera for t in tiles])
    out = np.zeros((len(tiles), 5, 4), np.float32)
    out[:, :4] = np.stack([cam.clip_matrix().T for cam in cams])[which]
    w = np.array([c.width for c in cams], np.float64)[which]
    h = np.array([c.height for c in cams], np.float64)[which]
    for placements in passes:
        index, xs, ys = (np.array(v, dtype=np.intp) for v in zip(*placements, strict=True))
        width, height = int((xs + w[index]).max()), int((ys + h[index]).max())
        out[index, 4] = np.column_stack([w[index] / width, h[index] / height, (2 * xs + w[index]) / width - 1.0, (2 * ys + h[index]) / height - 1.0])
    return out


def draw_pass(gl: GLBatch, tiles: list[Tile], placements: list[tuple[int, int, int]], instances: list[tuple[Any, np.ndarray]],
              overlay: list[np.ndarray], tile_data: np.ndarray) -> gl_readback.PassResult:
    """Draw the tiles of one pass into the atlas and start reading it back.

    `instances`: (asset key, rows) in draw order (`pass_instances`); `overlay`: vertex chunks in draw
    order; `tile_data`: `tile_rects` of the pass' tiles."""
    import moderngl

    ctx = gl.ctx
    width = max(x + tiles[i].camera.width for i, x, _ in placements)
    height = max(y + tiles[i].camera.height for i, _, y in placements)
    draw, resolve, pbos = gl.target(width, height)
    draw = draw or resolve
    pbo = pbos[gl.flip]
    gl.flip ^= 1
    if gl.tile_texture is None or gl.tile_texture.size[1] < len(placements):
        if gl.tile_texture is not None:
            gl.tile_texture.release()
        gl.tile_texture = ctx.texture((5, max(len(placements), 64)), 4, dtype="f4")
        gl.tile_texture.filter = (moderngl.NEAREST, moderngl.NEAREST)
    gl.tile_texture.write(np.ascontiguousarray(tile_data), viewport=(0, 0, 5, len(placements)))
    gl.tile_texture.use(0)

    draw.use()
    ctx.viewport = (0, 0, width, height)
    ctx.disable(moderngl.BLEND | moderngl.CULL_FACE)
    ctx.enable(moderngl.DEPTH_TEST)
    for d in range(4):
        ctx.enable_direct(GL_CLIP_DISTANCE0 + d)
    draw.clear(*gl.background, 1.0, depth=1.0)
    for key, data in instances:
        asset = gl.assets[key]
        # fresh storage each pass (orphaning): the previous pass may still be drawing from the old one
        asset.instances.orphan(max(data.nbytes, asset.instances.size))
        asset.instances.write(data)
        asset.vao.render(moderngl.TRIANGLES, vertices=asset.vertices, instances=len(data))
    for d in range(4):
        ctx.disable_direct(GL_CLIP_DISTANCE0 + d)
    if draw is not resolve:
        ctx.copy_framebuffer(resolve, draw)
    depth = None
    if gl.depth:
        raw = resolve.read(viewport=(0, 0, width, height), components=1, attachment=-1, dtype="f4", alignment=1)
        depth = np.frombuffer(raw, np.float32).reshape(height, width)

    n_verts = sum(len(chunk) for chunk in overlay)
    if n_verts:
        resolve.use()
        ctx.viewport = (0, 0, width, height)
        ctx.disable(moderngl.DEPTH_TEST)
        ctx.enable(moderngl.BLEND)
        ctx.blend_func = moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA
        gl.sprites.use(1)
        gl.overlay_program["target_size"].value = (float(width), float(height))
        nbytes = n_verts * 32
        if gl.overlay_vbo is None or gl.overlay_vbo.size < nbytes:
            if gl.overlay_vbo is not None:
                gl.overlay_vao.release()
                gl.overlay_vbo.release()
            gl.overlay_vbo = ctx.buffer(reserve=max(nbytes, 1 << 20))
            gl.overlay_vao = ctx.vertex_array(gl.overlay_program, [(gl.overlay_vbo, "2f 2f 4f", "in_xy", "in_uv", "in_rgba")])
        gl.overlay_vbo.orphan(gl.overlay_vbo.size)  # the previous pass may still be drawing from it
        at = 0
        for chunk in overlay:  # the layers' vertices in draw order, copied once, into the buffer
            gl.overlay_vbo.write(chunk, offset=at)
            at += chunk.nbytes
        for d in range(4):  # solid primitives are clipped to their tile
            ctx.enable_direct(GL_CLIP_DISTANCE0 + d)
        gl.overlay_vao.render(moderngl.TRIANGLES, vertices=n_verts)
        for d in range(4):
            ctx.disable_direct(GL_CLIP_DISTANCE0 + d)
        ctx.disable(moderngl.BLEND)
    if gl.direct_read:
        # one spare row, so a PIL image of the last tile can map its rows at the atlas' stride
        data = gl.readback.take((height + 1) * width * gl.channels)
        resolve.read_into(data, viewport=(0, 0, width, height), components=gl.channels, alignment=1)
        return gl_readback.PassResult(None, width, height, placements, depth, gl.readback, gl.channels, data)
    if isinstance(pbo, gl_readback.HostPixelBuffer):
        pbo.read_from(resolve, (0, 0, width, height), gl.channels)
    else:
        resolve.read_into(pbo, viewport=(0, 0, width, height), components=gl.channels, alignment=1)
    return gl_readback.PassResult(pbo, width, height, placements, depth, gl.readback, gl.channels, copier=gl.copier)
