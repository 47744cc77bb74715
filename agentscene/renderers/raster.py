"""The fast renderer: flat-shaded triangles with a z-buffer through moderngl on a headless EGL context.

OpenGL runs on an NVIDIA GPU through EGL where the driver is installed (`device="auto"`, the
default, or `"gpu"`), else on Mesa's llvmpipe, a multithreaded CPU rasteriser; no display is
needed. `render_many` draws many scenes per call (instanced meshes, views packed into an
atlas, asynchronous read-back, overlays drawn by GL); `render` is `render_many` of one. Needs
`pip install 'agentscene[raster]'` and the Debian packages libegl1 and libgl1 (which pull in
libegl-mesa0 and libgl1-mesa-dri).
"""

from __future__ import annotations

import importlib.util
import time
import warnings as pywarnings
from collections import OrderedDict
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from agentscene import palette
from agentscene.renderers.base import (
    LazyImages,
    RenderError,
    RendererUnavailableError,
    RenderResult,
)
from agentscene.renderers.cameras import Camera, CameraSettings, scene_cameras
from agentscene.renderers.gl_context import Device, GLDevice, GLFailure, create_context
from agentscene.renderers.overlay_layout import SceneArrays, layout_overlays
from agentscene.renderers.overlays import OverlaySettings
from agentscene.renderers.view_parts import ViewRules, view_rules, walls_holding_items
from agentscene.scene_meshes import StyleSettings

if TYPE_CHECKING:
    from agentscene.meshes import MeshProvider
    from agentscene.scene import Scene

#: MSAA samples when `RasterSettings.samples` is None. Both devices draw the same anti-aliased
#: pixels, so a model sees in deployment (generate, CPU) what it saw in training (GPU); on Mesa
#: llvmpipe 4x MSAA doubles the CPU time of a batch: pass samples=0 for CPU throughput.
GPU_SAMPLES, CPU_SAMPLES = 4, 4

Readback = Literal["auto", "direct", "pixel-buffer", "host-buffer"]

#: Cameras kept per renderer (keyed by room, views, size and seed): an episode renders one room many times.
CAMERA_CACHE = 256


class RasterSettings(BaseModel):
    """Settings of the raster backend (all optional)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    samples: int | None = Field(default=None, ge=0, le=16, description=(
        "MSAA samples per pixel; 0 turns anti-aliasing off (about 2x faster on the CPU, jagged edges); "
        "None: 4 (see docs/rendering.md)"))
    depth: bool = Field(default=False, description="also return a depth map per view (costs a synchronous read)")
    background: tuple[int, int, int] = palette.BACKGROUND
    device: Device = Field(default="auto", description="auto: a GPU through EGL when one works, else the CPU; gpu: a GPU or an error; cpu: Mesa llvmpipe")
    gpu_fallback: bool = Field(default=True, description="device=auto: if the GPU fails mid-run, redo that call on the CPU (with a warning) and stay there")
    readback: Readback = Field(default="auto", description=(
        "how pixels reach the host: direct (glReadPixels into our memory; the CPU's fast path), pixel-buffer "
        "(moderngl buffers, read while the next pass draws), host-buffer (pixel buffers in host memory, mapped once; "
        "a GPU's fast path, needs GL 4.4); auto: direct on the CPU, host-buffer on a GPU where it works"))
    copy_threads: int = Field(default=4, ge=1, le=64, description="threads that copy host-buffer pixels out in parallel (host-buffer read-back only)")
    gl_backend: str = Field(default="egl", description="moderngl standalone backend: egl (headless) or the platform default ('')")
    atlas_size: int | None = Field(default=None, ge=256, le=32768, description="side of the framebuffer views are packed into; None: 4096 on a GPU, 2048 on the CPU")
    asset_cache_mb: int = Field(default=256, ge=1, le=65536, description="device memory for uploaded meshes; least recently used are dropped past it")
    memory_limit_mb: int = Field(default=2048, ge=16, description="device memory the atlas may take; larger views get fewer MSAA samples, then an error")
    cameras: CameraSettings = CameraSettings()
    style: StyleSettings = StyleSettings()
    overlay: OverlaySettings = OverlaySettings()


def seeds_for(scenes: Sequence[Any], seeds: int | Sequence[int]) -> list[int]:
    """One seed per scene: `seeds` repeated, or checked to be one per scene."""
    out = [int(seeds)] * len(scenes) if isinstance(seeds, int | np.integer) else [int(s) for s in seeds]
    if len(out) != len(scenes):
        raise ValueError(f"got {len(out)} seeds for {len(scenes)} scenes")
    return out


def atlas_bytes(side: int, samples: int, depth: bool) -> int:
    """Device memory of one atlas: MSAA colour + depth, resolved colour (+ depth), two pixel buffers."""
    return side * side * (8 * max(samples, 1) + 4 + 8 + (4 if depth else 0))


class RasterRenderer:
    """Renders scenes with moderngl; one GL context per renderer, created on first use, reused after."""

    name = "raster"

    def __init__(self, settings: RasterSettings | None = None, **fields: Any) -> None:
        if settings is not None and fields:
            raise TypeError("pass either settings=RasterSettings(...) or keyword fields, not both")
        self.settings = settings or RasterSettings(**fields)
        if importlib.util.find_spec("moderngl") is None:  # say so now, not at the first render
            raise RendererUnavailableError("the raster renderer needs moderngl: pip install 'agentscene[raster]'")
        self._ctx: Any = None
        self._gl: Any = None
        self._device: GLDevice | None = None
        self._forced_cpu = False
        self._cameras: OrderedDict[Any, dict[str, Camera]] = OrderedDict()
        self._rooms: dict[int, tuple[Any, str]] = {}  # id(room) -> (room, its JSON); entries hold their room, so ids are not reused
        self._object_rows: dict[int, Any] = {}  # SceneArrays.of_many's cache: objects rendered before
        self._notes: list[str] = []

    # -- GL plumbing ---------------------------------------------------------------------------

    @property
    def device(self) -> GLDevice:
        """The device the renderer draws on (creates the context if needed)."""
        self._context()
        assert self._device is not None
        return self._device

    def _context(self) -> Any:
        if self._gl is not None:
            return self._gl
        from agentscene.renderers.gl_batch import GLBatch

        s = self.settings
        device = "cpu" if self._forced_cpu else s.device
        ctx, found = create_context(device, s.gl_backend)
        side = s.atlas_size or (4096 if found.kind == "gpu" else 2048)
        side = min(side, found.max_size)
        wanted = s.samples if s.samples is not None else (CPU_SAMPLES if found.kind == "cpu" else GPU_SAMPLES)
        samples = wanted
        while samples > 1 and atlas_bytes(side, samples, s.depth) > s.memory_limit_mb * 2**20:
            samples //= 2
        while side > 256 and atlas_bytes(side, samples, s.depth) > s.memory_limit_mb * 2**20:
            side //= 2
        if samples < wanted and wanted > 1:
            self._notes.append(f"MSAA lowered from {wanted} to {samples} samples to keep the atlas within memory_limit_mb={s.memory_limit_mb}")
        try:
            self._gl = GLBatch(ctx, samples=samples, depth=s.depth, background=s.background, atlas_size=side,
                               asset_cache_mb=s.asset_cache_mb, style=s.style, readback=self._readback(found),
                               copy_threads=s.copy_threads)
        except Exception:
            ctx.release()
            raise
        self._notes.extend(self._gl.notes)
        self._ctx, self._device = ctx, found
        return self._gl

    def _readback(self, found: GLDevice) -> str:
        wanted = self.settings.readback
        if wanted == "auto":
            return "direct" if found.kind == "cpu" else "host-buffer"
        return wanted

    def _atlas_side(self, tiles: list[Any]) -> int:
        """The atlas side for this call: the default, grown for larger views within the GL and memory limits."""
        gl, s = self._gl, self.settings
        largest = max(max(t.camera.width, t.camera.height) for t in tiles)
        side = max(gl.atlas_size, largest)
        limit = s.memory_limit_mb * 2**20
        if largest > gl.max_size or atlas_bytes(side, gl.samples, s.depth) > limit:
            raise RenderError(
                f"a {largest}-pixel view does not fit this device: its GL limit is {gl.max_size} pixels a side and "
                f"memory_limit_mb={s.memory_limit_mb} allows atlases up to {gl.atlas_size if atlas_bytes(gl.atlas_size, gl.samples, s.depth) <= limit else 0} "
                f"at {gl.samples} MSAA samples ({atlas_bytes(side, gl.samples, s.depth) / 2**20:.0f} MiB needed); "
                "raise memory_limit_mb, lower samples, or render a smaller image"
            )
        return side

    def _room_json(self, room: Any) -> str:
        """The room as JSON (the key of its cameras and uploaded floor and walls), kept per Room object."""
        hit = self._rooms.get(id(room))
        if hit is None or hit[0] is not room:
            hit = self._rooms[id(room)] = (room, room.model_dump_json())
            if len(self._rooms) > CAMERA_CACHE:
                self._rooms.pop(next(iter(self._rooms)))
        return hit[1]

    def _scene_cameras(self, scene: Scene, room_json: str, views: Sequence[str | Camera], size: int, seed: int) -> dict[str, Camera]:
        if any(not isinstance(v, str) for v in views) or isinstance(views, str):
            return scene_cameras(scene, views, size, seed=seed, settings=self.settings.cameras)
        key = (room_json, tuple(views), size if isinstance(size, int) else tuple(size), seed)
        cams = self._cameras.get(key)
        if cams is None:
            cams = scene_cameras(scene, views, size, seed=seed, settings=self.settings.cameras)
            self._cameras[key] = cams
            if len(self._cameras) > CAMERA_CACHE:
                self._cameras.popitem(last=False)
        else:
            self._cameras.move_to_end(key)
        return cams

    # -- public --------------------------------------------------------------------------------

    def render(
        self,
        scene: Scene,
        views: Sequence[str | Camera] = ("top", "diagonal"),
        size: int = 512,
        overlays: bool = True,
        *,
        seed: int = 0,
        mesh_provider: MeshProvider | None = None,
    ) -> RenderResult:
        """Render each view; see the Renderer protocol."""
        return self.render_many([scene], views, size, overlays, seeds=seed, mesh_provider=mesh_provider)[0]

    def render_many(
        self,
        scenes: Sequence[Scene],
        views: Sequence[str | Camera] = ("top", "diagonal"),
        size: int = 512,
        overlays: bool = True,
        *,
        seeds: int | Sequence[int] = 0,
        mesh_provider: MeshProvider | None = None,
        output: Literal["pil", "numpy"] = "pil",
    ) -> list[RenderResult]:
        """Render many scenes in few GL passes; one RenderResult per scene, in order.

        `seeds`: one for all scenes or one per scene. `output="numpy"`: results carry
        `pixels` (views into the read-back buffer, no PIL conversion) and no `images`.
        """
        scenes = list(scenes)
        seed_list = seeds_for(scenes, seeds)
        if output not in ("pil", "numpy"):
            raise ValueError(f"output must be 'pil' or 'numpy', got {output!r}")
        if not scenes:
            return []
        try:
            return self._render_many(scenes, views, size, overlays, seed_list, mesh_provider, output)
        except RenderError as e:
            if not self._gpu_failed(e):
                raise
        note = f"the GPU ({self._device.renderer if self._device else '?'}) failed; rendering on the CPU from now on"
        pywarnings.warn(note, RuntimeWarning, stacklevel=2)
        self.close()
        self._forced_cpu = True
        self._notes.append(note)
        return self._render_many(scenes, views, size, overlays, seed_list, mesh_provider, output)

    def _gpu_failed(self, error: RenderError) -> bool:
        return isinstance(error, GLFailure) and self.settings.device == "auto" and self.settings.gpu_fallback \
            and self._device is not None and self._device.kind == "gpu" and not self._forced_cpu

    def _render_many(self, scenes, views, size, overlays, seeds, mesh_provider, output) -> list[RenderResult]:
        from agentscene.renderers.gl_batch import (
            Job,
            Tile,
            draw_pass,
            pack_tiles,
            pass_instances,
            tile_rects,
        )
        from agentscene.renderers.overlay_geometry import overlay_floats, overlay_vertices

        start = time.perf_counter()
        gl = self._context()
        jobs: list[Job] = []
        tiles: list[Tile] = []
        style = self.settings.style
        plain: dict[int, dict[str, ViewRules]] = {}  # id(cameras) -> their rules for scenes without wall items
        for j, (scene, seed, arrays) in enumerate(zip(scenes, seeds, SceneArrays.of_many(scenes, self._object_rows), strict=True)):
            room_json = self._room_json(scene.room)
            cams = self._scene_cameras(scene, room_json, views, size, seed)
            if arrays.wall.any():
                holding = walls_holding_items(scene)
                rules = {name: view_rules(scene, cam, style, holding) for name, cam in cams.items()}
            else:  # no wall items: the rules depend on the cameras alone (a batch of one room shares them)
                rules = plain.get(id(cams)) or plain.setdefault(id(cams), {name: view_rules(scene, cam, style, frozenset()) for name, cam in cams.items()})
            jobs.append(Job(scene, cams, rules, arrays, mesh_provider, [], room_json=room_json))
            tiles.extend(Tile(j, cam, rules[name]) for name, cam in cams.items())
        passes = pack_tiles([(t.camera.width, t.camera.height) for t in tiles], self._atlas_side(tiles))
        import moderngl

        pixels: list[Any] = [None] * len(tiles)  # (atlas, x, y) per tile
        depths: list[np.ndarray | None] = [None] * len(tiles)
        try:
            with self._ctx:
                instances = pass_instances(gl, jobs, gl.object_instances(jobs), tiles, passes)
                rects = tile_rects(tiles, passes)
                pending = None
                for p, placements in enumerate(passes):
                    # each pass is laid out while the one before draws (views are laid out independently)
                    index = [i for i, _, _ in placements]
                    layout = layout_overlays([(jobs[tiles[i].job].scene, tiles[i].camera) for i in index], self.settings.overlay,
                                             overlays=overlays, arrays=[jobs[tiles[i].job].arrays for i in index])
                    gl.ensure_sprites({k for layer in layout.layers if layer.kind == "sprites" for k in layer.key_table()[0]})
                    tile_xy = np.array([(x, y) for _, x, y in placements], np.float32).reshape(-1, 2)
                    floats = overlay_floats(layout.layers)
                    if len(gl.overlay_host) < floats:
                        gl.overlay_host = np.empty(floats, np.float32)
                    overlay = overlay_vertices(layout.layers, tile_xy, gl.sprite_at, gl.overlay_host, self.settings.overlay.engine)
                    result = draw_pass(gl, tiles, placements, instances[p], overlay, rects[index])
                    if pending is not None:
                        self._collect(pending, tiles, pixels, depths)
                    pending = result
                if pending is not None:
                    self._collect(pending, tiles, pixels, depths)
        except moderngl.Error as e:
            raise GLFailure(f"OpenGL failed on {self._device.renderer if self._device else '?'}: {e}") from e
        return self._results(jobs, tiles, pixels, depths, output, time.perf_counter() - start)

    @staticmethod
    def _collect(pending, tiles, pixels, depths) -> None:
        atlas = pending.pixels()
        for i, x, y in pending.placements:
            cam = tiles[i].camera
            pixels[i] = (atlas, x, y)
            if pending.depth is not None:
                depths[i] = cam.depth_from_ndc(pending.depth[y : y + cam.height, x : x + cam.width].copy())

    @staticmethod
    def _image(atlas: np.ndarray, x: int, y: int, width: int, height: int) -> Any:
        """A PIL RGB image of one atlas region, decoded straight from the read-back buffer (one pass, no copies)."""
        from PIL import Image

        channels = atlas.shape[2]
        stride = atlas.shape[1] * channels
        view = memoryview(atlas.base if atlas.base is not None else atlas).cast("B")[y * stride + x * channels :]
        return Image.frombytes("RGB", (width, height), view, "raw", "RGBX" if channels == 4 else "RGB", stride, 1)

    def _results(self, jobs, tiles, pixels, depths, output, seconds) -> list[RenderResult]:
        results = []
        by_job: list[list[int]] = [[] for _ in jobs]
        for i, t in enumerate(tiles):
            by_job[t.job].append(i)
        info_device = self._device.as_dict() if self._device else {}
        for j, job in enumerate(jobs):
            names = list(job.cameras)
            idx = by_job[j]
            depth = {names[k]: depths[i] for k, i in enumerate(idx) if depths[i] is not None}
            info = {"device": info_device, "batch": len(jobs), "seconds_batch": seconds, "triangles": job.triangles}
            warnings = tuple(job.warnings) + tuple(self._notes)
            cams = [job.cameras[n] for n in names]
            atlas, x0, y0 = pixels[idx[0]]
            side_by_side = all(pixels[i][0] is atlas and pixels[i][2] == y0 for i in idx) and len({c.height for c in cams}) == 1 \
                and all(pixels[a][1] + c.width == pixels[b][1] for a, b, c in zip(idx, idx[1:], cams, strict=False))
            width = sum(c.width for c in cams)
            if output == "numpy":
                px = {n: pixels[i][0][pixels[i][2] : pixels[i][2] + c.height, pixels[i][1] : pixels[i][1] + c.width, :3]
                      for n, c, i in zip(names, cams, idx, strict=True)}
                result = RenderResult({}, job.cameras, depth, warnings, self.name, seconds / len(jobs), info, pixels=px)
                if side_by_side:  # the merged image is one region of the atlas: a view, no copy
                    result.merged_region = atlas[y0 : y0 + cams[0].height, x0 : x0 + width, :3]
                results.append(result)
                continue
            images = LazyImages({n: partial(self._image, *pixels[i], c.width, c.height) for n, c, i in zip(names, cams, idx, strict=True)})
            result = RenderResult(images, job.cameras, depth, warnings, self.name, seconds / len(jobs), info)
            if side_by_side:  # the views lie next to each other in the atlas: the merged image is one region of it
                result.merged_factory = partial(self._image, atlas, x0, y0, width, cams[0].height)
            results.append(result)
        return results

    def close(self) -> None:
        """Release the GL context and with it every buffer (a later render creates new ones)."""
        if self._gl is not None:
            self._gl.close()
        if self._ctx is not None:
            self._ctx.release()
        self._ctx = None
        self._gl = None
        self._device = None

    def __enter__(self) -> RasterRenderer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
