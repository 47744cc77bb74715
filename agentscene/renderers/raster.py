"""The fast CPU renderer: flat-shaded triangles with a z-buffer through moderngl on a headless context.

OpenGL runs on Mesa's llvmpipe (a multithreaded CPU rasteriser) through EGL, so no GPU and no
display are needed; a GPU is used when the EGL driver offers one. Lighting is baked per face
on the CPU (one fixed light, two-sided), so both views share one vertex buffer and the
shaders only transform. Needs `pip install 'agentscene[raster]'` and the Debian packages
libegl1 and libgl1 (which pull in libegl-mesa0 and libgl1-mesa-dri).
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from agentscene.renderers import palette
from agentscene.renderers.base import RenderError, RendererUnavailableError, RenderResult
from agentscene.renderers.cameras import Camera, CameraSettings, scene_cameras
from agentscene.renderers.overlays import OverlaySettings, draw_overlays
from agentscene.renderers.scene_geometry import StyleSettings, build_scene_geometry, shade_flat

if TYPE_CHECKING:
    from agentscene.meshes import MeshProvider
    from agentscene.scene import Scene

_VERTEX_SHADER = """
#version 330
uniform mat4 clip_from_world;
in vec3 in_position;
in vec3 in_color;
out vec3 v_color;
void main() {
    gl_Position = clip_from_world * vec4(in_position, 1.0);
    v_color = in_color;
}
"""

_FRAGMENT_SHADER = """
#version 330
in vec3 v_color;
out vec4 frag_color;
void main() {
    frag_color = vec4(v_color, 1.0);
}
"""


class RasterSettings(BaseModel):
    """Settings of the raster backend (all optional)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    samples: int = Field(default=4, ge=0, le=16, description="MSAA samples per pixel; 0 turns anti-aliasing off")
    depth: bool = Field(default=False, description="also return a depth map per view (costs a few ms per view)")
    background: tuple[int, int, int] = palette.BACKGROUND
    gl_backend: str = Field(default="egl", description="moderngl standalone backend: egl (headless) or the platform default ('')")
    cameras: CameraSettings = CameraSettings()
    style: StyleSettings = StyleSettings()
    overlay: OverlaySettings = OverlaySettings()


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
        self._program: Any = None
        self._targets: dict[tuple[int, int], tuple[Any, Any]] = {}

    # -- GL plumbing ---------------------------------------------------------------------------

    def _context(self) -> Any:
        if self._ctx is not None:
            return self._ctx
        import moderngl

        kwargs = {"backend": self.settings.gl_backend} if self.settings.gl_backend else {}
        try:
            ctx = moderngl.create_standalone_context(require=330, **kwargs)
        except Exception as e:  # glcontext raises bare Exceptions; say what to install
            raise RenderError(
                f"could not create a headless OpenGL context ({self.settings.gl_backend or 'default'} backend): {e}. "
                "On Debian/Ubuntu install the Mesa EGL driver: apt-get install libegl1 libgl1 "
                "(they pull in libegl-mesa0 and libgl1-mesa-dri)"
            ) from e
        self._program = ctx.program(vertex_shader=_VERTEX_SHADER, fragment_shader=_FRAGMENT_SHADER)
        self._ctx = ctx
        return ctx

    def _target(self, width: int, height: int) -> tuple[Any, Any]:
        """(draw framebuffer, resolve framebuffer) for this image size, cached."""
        key = (width, height)
        if key not in self._targets:
            ctx = self._ctx
            samples = min(self.settings.samples, ctx.max_samples) if self.settings.samples > 1 else 0
            draw = ctx.framebuffer(
                [ctx.renderbuffer(key, samples=samples)], ctx.depth_renderbuffer(key, samples=samples)
            )
            resolve = None
            if samples:  # resolving only colour is faster when depth is not wanted
                depth = ctx.depth_renderbuffer(key) if self.settings.depth else None
                resolve = ctx.framebuffer([ctx.renderbuffer(key)], depth)
            self._targets[key] = (draw, resolve)
        return self._targets[key]

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
        from PIL import Image

        start = time.perf_counter()
        cameras = scene_cameras(scene, views, size, seed=seed, settings=self.settings.cameras)
        geometry = build_scene_geometry(scene, mesh_provider, self.settings.style)
        tris, colors = geometry.triangle_soup()
        lit = shade_flat(tris, colors)
        vertex_data = np.concatenate([tris, np.repeat(lit[:, None, :], 3, axis=1)], axis=2).astype(np.float32)

        ctx = self._context()
        import moderngl

        images: dict[str, Image.Image] = {}
        depth: dict[str, np.ndarray] = {}
        with ctx:
            vbo = ctx.buffer(vertex_data.tobytes()) if len(vertex_data) else None
            vao = ctx.vertex_array(self._program, [(vbo, "3f 3f", "in_position", "in_color")]) if vbo else None
            try:
                bg = tuple(c / 255.0 for c in self.settings.background)
                for name, cam in cameras.items():
                    draw, resolve = self._target(cam.width, cam.height)
                    draw.use()
                    ctx.enable(moderngl.DEPTH_TEST)
                    ctx.disable(moderngl.CULL_FACE)
                    draw.clear(*bg, 1.0, depth=1.0)
                    if vao is not None:
                        self._program["clip_from_world"].write(cam.clip_matrix().T.astype(np.float32).tobytes())
                        vao.render(moderngl.TRIANGLES)
                    source = draw
                    if resolve is not None:
                        ctx.copy_framebuffer(resolve, draw)
                        source = resolve
                    rgb = np.frombuffer(source.read(components=3, alignment=1), np.uint8)
                    images[name] = Image.fromarray(rgb.reshape(cam.height, cam.width, 3).copy(), "RGB")
                    if self.settings.depth:
                        d = np.frombuffer(source.read(components=1, attachment=-1, dtype="f4", alignment=1), np.float32)
                        depth[name] = cam.depth_from_ndc(d.reshape(cam.height, cam.width))
            finally:
                if vao is not None:
                    vao.release()
                if vbo is not None:
                    vbo.release()
        if overlays:
            images = {name: draw_overlays(im, cameras[name], scene, self.settings.overlay) for name, im in images.items()}
        return RenderResult(
            images=images,
            cameras=cameras,
            depth=depth,
            warnings=geometry.warnings,
            renderer=self.name,
            seconds=time.perf_counter() - start,
            info={"triangles": int(len(tris))},
        )

    def close(self) -> None:
        """Release the GL context and with it every buffer (a later render creates new ones)."""
        self._targets.clear()
        if self._ctx is not None:
            self._ctx.release()
        self._ctx = None
        self._program = None

    def __enter__(self) -> RasterRenderer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
