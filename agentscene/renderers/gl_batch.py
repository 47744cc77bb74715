"""Many scenes per GL call: instanced meshes, views packed into an atlas, asynchronous read-back.

Each asset's mesh (the unit box, a provider's mesh, a room's floor and walls) is uploaded once
per renderer and drawn instanced: an instance is (object matrix, tint, tile). Views of many
scenes are packed into tiles of one framebuffer (the atlas); one draw per asset covers every
tile of a pass, clip distances keep each instance inside its tile. Flat shading is done in
the vertex shader from the face normal (one fixed light, two-sided). Overlays are laid out for the whole batch (`overlay_layout`) and
drawn as coloured triangles and textured quads (text sprites from one atlas texture) on the
resolved image. Pixels leave through a pixel buffer, read while the next pass draws.

Memory on the device is bounded: the atlas (side S, `samples` MSAA) takes
S^2 * (8 * samples + 12) bytes (+ 8 S^2 with depth maps), the asset cache `asset_cache_mb`, the
sprite texture 16 MiB.
"""

from __future__ import annotations

import sys
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
from agentscene.renderers.overlay_layout import Layer, SceneArrays
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
        self.flip = 0
        self.notes: list[str] = []
        self.readback = ReadbackPool()
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

    def object_instances(self, job: Job) -> tuple[list[tuple[Any, np.ndarray]], np.ndarray, np.ndarray]:
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


def overlay_vertices(layers: list[Layer], tile_xy: np.ndarray, sprite_at: dict[SpriteKey, tuple[int, int, int, int]]) -> tuple[np.ndarray, np.ndarray]:
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


def _identity_row(tile: int) -> np.ndarray:
    return np.array([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 1, 1, 1, tile], np.float32)


class ReadbackPool:
    """Host buffers for read-back, reused once nothing else refers to them.

    Fresh memory costs a page fault per 4 KiB on first write (about half the read-back time of
    a 64 MiB atlas on an H200 host); results keep their buffer alive through their views, so a
    buffer is reused only when its reference count shows no views left.
    """

    def __init__(self, keep: int = 8):
        self.keep = keep
        self.buffers: list[np.ndarray] = []

    def take(self, nbytes: int) -> np.ndarray:
        for buf in self.buffers:
            # references: the list, the loop variable, getrefcount's argument
            if buf.size == nbytes and sys.getrefcount(buf) <= 3:
                buf.setflags(write=True)
                return buf
        buf = np.empty(nbytes, np.uint8)
        self.buffers.append(buf)
        if len(self.buffers) > self.keep:
            self.buffers.pop(0)  # forgotten here; alive as long as some result holds it
        return buf


class PassResult:
    """A drawn pass whose pixels are still on their way (read from the pixel buffer on `.pixels()`)."""

    def __init__(self, pbo: Any, width: int, height: int, placements: list[tuple[int, int, int]], depth: np.ndarray | None, pool: ReadbackPool,
                 channels: int = 4, data: np.ndarray | None = None, copier: ThreadPoolExecutor | None = None):
        self.copier = copier
        self.channels = channels
        self.pbo, self.width, self.height = pbo, width, height
        self.placements = placements
        self.depth = depth
        self.pool = pool
        self.data = data  # already read (direct read-back), else read from `pbo`

    def pixels(self) -> np.ndarray:
        """(H, W, channels): RGB, or RGBA (alpha unused) where 4-byte pixels are the driver's fast path."""
        data = self.data
        if data is None:
            data = self.pool.take((self.height + 1) * self.width * self.channels)
            nbytes = self.width * self.height * self.channels
            if isinstance(self.pbo, gl_readback.HostPixelBuffer):
                self.pbo.wait()
                gl_readback.copy_out(data, self.pbo.view[:nbytes], self.copier)
            else:
                self.pbo.read_into(data, size=nbytes)
        self.data = None
        data.setflags(write=False)
        return data[: self.height * self.width * self.channels].reshape(self.height, self.width, self.channels)


def draw_pass(gl: GLBatch, jobs: list[Job], instances: list[Any], tiles: list[Tile], placements: list[tuple[int, int, int]],
              overlay: np.ndarray) -> PassResult:
    """Draw the tiles of one pass into the atlas and start reading it back."""
    import moderngl

    ctx = gl.ctx
    width = max(x + tiles[i].camera.width for i, x, _ in placements)
    height = max(y + tiles[i].camera.height for i, _, y in placements)
    draw, resolve, pbos = gl.target(width, height)
    draw = draw or resolve
    pbo = pbos[gl.flip]
    gl.flip ^= 1
    tile_data = np.zeros((len(placements), 5, 4), np.float32)
    per_asset: dict[Any, list[np.ndarray]] = {}
    for k, (i, x, y) in enumerate(placements):
        tile = tiles[i]
        cam = tile.camera
        tile_data[k, :4] = cam.clip_matrix().T  # texel j = column j
        tile_data[k, 4] = (cam.width / width, cam.height / height, (2 * x + cam.width) / width - 1.0, (2 * y + cam.height) / height - 1.0)
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
        per_asset.setdefault(room_key, []).append(_identity_row(k)[None])
    if gl.tile_texture is None or gl.tile_texture.size[1] < len(placements):
        if gl.tile_texture is not None:
            gl.tile_texture.release()
        gl.tile_texture = ctx.texture((5, max(len(placements), 64)), 4, dtype="f4")
        gl.tile_texture.filter = (moderngl.NEAREST, moderngl.NEAREST)
    gl.tile_texture.write(tile_data.tobytes(), viewport=(0, 0, 5, len(placements)))
    gl.tile_texture.use(0)

    draw.use()
    ctx.viewport = (0, 0, width, height)
    ctx.disable(moderngl.BLEND | moderngl.CULL_FACE)
    ctx.enable(moderngl.DEPTH_TEST)
    for d in range(4):
        ctx.enable_direct(GL_CLIP_DISTANCE0 + d)
    draw.clear(*gl.background, 1.0, depth=1.0)
    for key, chunks in per_asset.items():
        asset = gl.assets[key]
        data = np.concatenate(chunks)
        if asset.instances.size < data.nbytes:
            asset.instances.orphan(max(data.nbytes, 2 * asset.instances.size))
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

    verts = overlay
    if len(verts):
        resolve.use()
        ctx.viewport = (0, 0, width, height)
        ctx.disable(moderngl.DEPTH_TEST)
        ctx.enable(moderngl.BLEND)
        ctx.blend_func = moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA
        gl.sprites.use(1)
        gl.overlay_program["target_size"].value = (float(width), float(height))
        nbytes = verts.nbytes
        if gl.overlay_vbo is None or gl.overlay_vbo.size < nbytes:
            if gl.overlay_vbo is not None:
                gl.overlay_vao.release()
                gl.overlay_vbo.release()
            gl.overlay_vbo = ctx.buffer(reserve=max(nbytes, 1 << 20))
            gl.overlay_vao = ctx.vertex_array(gl.overlay_program, [(gl.overlay_vbo, "2f 2f 4f", "in_xy", "in_uv", "in_rgba")])
        gl.overlay_vbo.write(np.ascontiguousarray(verts))
        gl.overlay_vao.render(moderngl.TRIANGLES, vertices=len(verts))
        ctx.disable(moderngl.BLEND)
    if gl.direct_read:
        # one spare row, so a PIL image of the last tile can map its rows at the atlas' stride
        data = gl.readback.take((height + 1) * width * gl.channels)
        resolve.read_into(data, viewport=(0, 0, width, height), components=gl.channels, alignment=1)
        return PassResult(None, width, height, placements, depth, gl.readback, gl.channels, data)
    if isinstance(pbo, gl_readback.HostPixelBuffer):
        pbo.read_from(resolve, (0, 0, width, height), gl.channels)
    else:
        resolve.read_into(pbo, viewport=(0, 0, width, height), components=gl.channels, alignment=1)
    return PassResult(pbo, width, height, placements, depth, gl.readback, gl.channels, copier=gl.copier)
