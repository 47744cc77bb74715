"""Multi-view renders for training records: N cameras on a ring around the room plus the top view.

The cameras are the renderer package's (`ring_cameras`, `top_camera`), so K, R, t follow its
OpenCV convention: `p_cam = R @ p_world + t`, camera x right, y down, z forward; perspective
pixels `u = fx * x / z + cx`; the top view is orthographic with `u = fx * x + cx` (fx in pixels
per metre). A record's `geom` lists them in the order of its `images`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentscene.fileio import atomic_write_bytes

if TYPE_CHECKING:
    from agentscene.renderers import Camera, Renderer
    from agentscene.scene import Scene


def view_cameras(scene: Scene, views: int = 8, size: int = 448, *, top: bool = True) -> list[Camera]:
    """`views` ring cameras (ring_00 ...) and, if asked, the orthographic top camera last."""
    from agentscene.renderers import ring_cameras, top_camera

    cameras = ring_cameras(scene, views, size) if views > 0 else []
    if top:
        cameras.append(top_camera(scene, size))
    if not cameras:
        raise ValueError("no views: ask for at least one ring view or the top view")
    return cameras


def geom(cameras: list[Camera], digits: int = 6) -> dict[str, Any]:
    """Per-view camera parameters, aligned with a record's images."""

    def r(value: Any) -> Any:
        if isinstance(value, list):
            return [r(v) for v in value]
        return round(float(value), digits)

    return {
        "views": [c.name for c in cameras],
        "projection": [c.projection for c in cameras],
        "width": [c.width for c in cameras],
        "height": [c.height for c in cameras],
        "K": [r(c.K.tolist()) for c in cameras],
        "R": [r(c.R.tolist()) for c in cameras],
        "t": [r(c.t.tolist()) for c in cameras],
    }


def empty_geom() -> dict[str, Any]:
    return {"views": [], "projection": [], "width": [], "height": [], "K": [], "R": [], "t": []}


def render_views(scene: Scene, renderer: Renderer, directory: str | Path, relative_to: str | Path, *,
                 views: int = 8, size: int = 448, top: bool = True, overlays: bool = False, seed: int = 0
                 ) -> tuple[list[str], dict[str, Any]]:
    """Render the views, write one PNG each into `directory`; return (paths relative to
    `relative_to`, geom)."""
    import io

    cameras = view_cameras(scene, views, size, top=top)
    result = renderer.render(scene, views=cameras, size=size, overlays=overlays, seed=seed)
    out = Path(directory)
    base = Path(relative_to)
    paths = []
    for cam in cameras:
        buf = io.BytesIO()
        result.images[cam.name].save(buf, format="PNG", compress_level=3)
        path = atomic_write_bytes(out / f"{cam.name}.png", buf.getvalue(), within=out)
        paths.append(path.resolve().relative_to(base.resolve()).as_posix())
    return paths, geom([result.cameras[c.name] for c in cameras])
