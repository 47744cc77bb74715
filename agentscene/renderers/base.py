"""The Renderer protocol, what a render returns, and the errors a backend raises.

A renderer turns a Scene into one RGB image per view plus the cameras that made them, so a
caller (an agent loop, an RL environment, a dataset builder) can predict where any 3D point
lands. Backends differ in speed and looks, never in framing: they all use `cameras.py`.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from agentscene.fileio import atomic_write_bytes
from agentscene.renderers.cameras import Camera

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from PIL import Image

    from agentscene.meshes import MeshProvider
    from agentscene.scene import Scene

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


class RenderError(RuntimeError):
    """A backend failed to produce an image (the message says why and what to try)."""


class RendererUnavailableError(ImportError):
    """A backend's optional dependency is missing; the message names the install command."""


@runtime_checkable
class Renderer(Protocol):
    """Anything that renders scenes: `render` returns a RenderResult; `close` frees workers and contexts."""

    def render(
        self,
        scene: Scene,
        views: Sequence[str | Camera] = ("top", "diagonal"),
        size: int = 512,
        overlays: bool = True,
        *,
        seed: int = 0,
        mesh_provider: MeshProvider | None = None,
    ) -> RenderResult: ...

    def close(self) -> None: ...


def merge_side_by_side(images: Sequence[Image.Image], background: tuple[int, int, int] = (255, 255, 255)) -> Image.Image:
    """Views left to right in order, top-aligned, on one canvas (the SceneReVis dual view)."""
    from PIL import Image

    if not images:
        raise ValueError("nothing to merge")
    width = sum(im.width for im in images)
    height = max(im.height for im in images)
    canvas = Image.new("RGB", (width, height), background)
    x = 0
    for im in images:
        canvas.paste(im.convert("RGB"), (x, 0))
        x += im.width
    return canvas


class LazyImages(Mapping[str, "Image.Image"]):
    """Views made on first access: a batch renderer returns many images, a caller may want one (or the merged one)."""

    def __init__(self, factories: dict[str, Callable[[], Image.Image]]):
        self._factories = factories
        self._made: dict[str, Image.Image] = {}

    def __getitem__(self, name: str) -> Image.Image:
        if name not in self._made:
            self._made[name] = self._factories[name]()
        return self._made[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._factories)

    def __len__(self) -> int:
        return len(self._factories)


def _png_bytes(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG", compress_level=3)
    return buf.getvalue()


@dataclass
class RenderResult:
    """Images per view (RGB, PIL), the cameras that made them, optional depth, and notes."""

    images: Mapping[str, Image.Image]  # a dict, or LazyImages from batch renders
    cameras: dict[str, Camera]
    depth: dict[str, np.ndarray] = field(default_factory=dict)  # metres along the view axis; inf = nothing drawn
    warnings: tuple[str, ...] = ()
    renderer: str = ""
    seconds: float = 0.0
    info: dict[str, Any] = field(default_factory=dict)
    pixels: dict[str, np.ndarray] = field(default_factory=dict)  # (H, W, 3) uint8 per view, when rendered with output="numpy"
    merged_factory: Callable[[], Image.Image] | None = field(default=None, repr=False)  # a backend's faster way to the merged image
    merged_region: np.ndarray | None = field(default=None, repr=False)  # output="numpy": the merged image as a view, when a backend has one

    @cached_property
    def merged(self) -> Image.Image:
        """All views side by side, in render order."""
        if self.merged_factory is not None:
            return self.merged_factory()
        if not self.images and self.pixels:
            from PIL import Image

            return merge_side_by_side([Image.fromarray(np.ascontiguousarray(p), "RGB") for p in self.pixels.values()])
        return merge_side_by_side(list(self.images.values()))

    def merged_array(self, *, view: bool = False) -> np.ndarray:
        """All views side by side as one (H, sum W, 3) uint8 array (white where a shorter view leaves room).

        `view=True`: the backend's read-only view of its own buffer where it has one (no copy), else a copy.
        """
        if view and self.merged_region is not None:
            return self.merged_region
        views = list(self.arrays().values())
        height = max(v.shape[0] for v in views)
        out = np.full((height, sum(v.shape[1] for v in views), 3), 255, np.uint8)
        x = 0
        for v in views:
            out[: v.shape[0], x : x + v.shape[1]] = v
            x += v.shape[1]
        return out

    def arrays(self) -> dict[str, np.ndarray]:
        """Each view as an (H, W, 3) uint8 array."""
        if self.pixels:
            return dict(self.pixels)
        return {name: np.asarray(im.convert("RGB")) for name, im in self.images.items()}

    def cameras_json(self) -> dict[str, Any]:
        return {name: cam.to_dict() for name, cam in self.cameras.items()}

    def save(self, directory: str | Path, prefix: str = "render") -> dict[str, Path]:
        """Write `<prefix>_<view>.png` for each view and `<prefix>_merged.png`; returns the paths by name."""
        if not _SAFE_NAME.match(prefix):
            raise ValueError(f"prefix {prefix!r} must be a plain file name stem (letters, digits, '_', '-', '.')")
        out = Path(directory)
        paths: dict[str, Path] = {}
        items = [*self.images.items(), ("merged", self.merged)]
        for name, image in items:
            if not _SAFE_NAME.match(name):
                raise ValueError(f"view name {name!r} cannot be used in a file name")
            paths[name] = atomic_write_bytes(out / f"{prefix}_{name}.png", _png_bytes(image), within=out)
        return paths
