"""The Blender backend: the same geometry and cameras as the rasteriser, rendered by bpy.

bpy runs in a worker process (`blender_worker.py`, run as a script) that is started on the first render and
reused after, so a crash in Blender cannot take the caller down and renders stay warm.
Workbench (default) is fast; Cycles on the CPU with few samples and denoising is the quality
option. If the worker dies, that render raises BlenderWorkerError and the next render starts
a fresh worker. Needs `pip install 'agentscene[blender]'` (bpy 5.0) and Blender's Debian
libraries: libx11-6 libxrender1 libxfixes3 libxi6 libxkbcommon0 libsm6 libgl1 libegl1.
"""

from __future__ import annotations

import contextlib
import importlib.util
import itertools
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from agentscene import palette
from agentscene.renderers.base import RenderError, RendererUnavailableError, RenderResult
from agentscene.renderers.cameras import SENSOR_MM, Camera, CameraSettings, scene_cameras
from agentscene.renderers.overlays import OverlaySettings, draw_overlays
from agentscene.renderers.view_parts import build_scene_meshes
from agentscene.scene_meshes import SceneMeshes, StyleSettings

if TYPE_CHECKING:
    from agentscene.meshes import MeshProvider
    from agentscene.scene import Scene

#: The script the worker process runs.
WORKER_SCRIPT = Path(__file__).with_name("blender_worker.py")

#: Our world (y up) to Blender's (z up): (x, y, z) -> (x, -z, y), a proper rotation.
TO_BLENDER = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])


class BlenderWorkerError(RenderError):
    """The Blender worker process died, hung or could not start."""


class BlenderSettings(BaseModel):
    """Settings of the Blender backend (all optional)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    engine: Literal["workbench", "cycles"] = "workbench"
    samples: int = Field(default=16, ge=1, le=4096, description="Cycles samples per pixel")
    denoise: bool = Field(default=True, description="Cycles: OpenImageDenoise after sampling")
    antialiasing: Literal["OFF", "FXAA", "5", "8", "11", "16", "32"] = Field(default="8", description="Workbench samples")
    studio_light: str = Field(default="paint.sl", description="Workbench studio light; paint.sl keeps colours close to the palette")
    threads: int = Field(default=0, ge=0, le=1024, description="render threads; 0 = all cores")
    background: tuple[int, int, int] = palette.BACKGROUND
    python: str | None = Field(default=None, description="interpreter that runs the worker; default: this one")
    start_timeout: float = Field(default=120.0, gt=0, description="seconds to wait for bpy to load")
    render_timeout: float = Field(default=600.0, gt=0, description="seconds one render request may take")
    cameras: CameraSettings = CameraSettings()
    style: StyleSettings = StyleSettings()
    overlay: OverlaySettings = OverlaySettings()


def blender_camera(cam: Camera) -> dict[str, Any]:
    """A Camera as Blender camera-object parameters (z-up world matrix, lens, shift, ortho scale)."""
    w, h = cam.width, cam.height
    if abs(cam.K[0, 1]) > 1e-9 or abs(cam.K[0, 0] - cam.K[1, 1]) > 1e-6 * cam.K[0, 0]:
        raise ValueError(f"camera {cam.name!r}: Blender needs square pixels and no skew (fx == fy, s == 0)")
    largest = max(w, h)
    # Blender's camera looks down its local -z with +y up: OpenCV axes with y and z flipped.
    rotation = TO_BLENDER @ cam.R.T @ np.diag([1.0, -1.0, -1.0])
    matrix = np.eye(4)
    matrix[:3, :3] = rotation
    matrix[:3, 3] = TO_BLENDER @ cam.position
    fx, cx, cy = cam.K[0, 0], cam.K[0, 2], cam.K[1, 2]
    spec = {
        "name": cam.name,
        "width": w,
        "height": h,
        "matrix_world": matrix.tolist(),
        "sensor_fit": "HORIZONTAL" if w >= h else "VERTICAL",
        "sensor_width": SENSOR_MM,
        "shift_x": (w / 2.0 - cx - 0.5) / largest,
        "shift_y": (cy - h / 2.0 + 0.5) / largest,
        "clip_start": cam.near,
        "clip_end": cam.far,
    }
    if cam.projection == "orthographic":
        spec.update(type="ORTHO", ortho_scale=largest / fx)
    else:
        spec.update(type="PERSP", lens=fx * SENSOR_MM / largest)
    return spec


def write_geometry(geometry: SceneMeshes, path: Path) -> list[dict[str, str]]:
    """Save parts as one .npz in Blender coordinates with linear colours; returns the part list."""
    parts = geometry.parts
    vertices = [p.vertices @ TO_BLENDER.T for p in parts]
    v_off = np.cumsum([0] + [len(v) for v in vertices])
    f_off = np.cumsum([0] + [len(p.faces) for p in parts])
    empty_v, empty_f = np.zeros((0, 3)), np.zeros((0, 3))
    np.savez(
        path,
        vertices=np.concatenate(vertices or [empty_v]).astype(np.float32),
        faces=np.concatenate([p.faces for p in parts] or [empty_f]).astype(np.int32),
        colors=palette.srgb_to_linear(np.concatenate([p.face_colors for p in parts] or [empty_f]) / 255.0).astype(np.float32),
        vertex_offsets=v_off.astype(np.int64),
        face_offsets=f_off.astype(np.int64),
    )
    return [{"name": p.name, "kind": p.kind, "views": None if p.views is None else sorted(p.views)} for p in parts]


def _log_tail(path: Path, lines: int = 15) -> str:
    if not path.exists():
        return "(no log)"
    text = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    useful = [line for line in text if "EGL Error" not in line]  # harmless noise from headless bpy
    return "\n".join(useful[-lines:]) or "(empty log)"


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "stopped answering"
    if code < 0:
        try:
            return f"was killed by signal {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


def _stop(proc: subprocess.Popen[bytes], workdir: str) -> None:
    """Ask the worker to quit, then make sure; remove its scratch directory. Safe to call twice."""
    if proc.poll() is None:
        if proc.stdin is not None and not proc.stdin.closed:
            with contextlib.suppress(BrokenPipeError):  # it exited meanwhile; the wait below sees that
                proc.stdin.write(b'{"op": "quit"}\n')
                proc.stdin.flush()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
    for stream in (proc.stdin, proc.stdout):
        if stream is not None:
            stream.close()
    shutil.rmtree(workdir, ignore_errors=True)


class _Worker:
    """One running worker process and its pipe protocol."""

    def __init__(self, settings: BlenderSettings) -> None:
        self.settings = settings
        self.workdir = Path(tempfile.mkdtemp(prefix="agentscene-blender-"))
        self.log_path = self.workdir / "worker.log"
        python = settings.python or sys.executable
        # Run the worker as a script: it needs only the standard library, bpy and numpy, so
        # `python` may be another environment's interpreter (bpy wants numpy<2). -P keeps this
        # package's directory off sys.path, so module names here cannot shadow Blender's.
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [python, "-P", str(WORKER_SCRIPT)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                cwd=self.workdir,
            )
        self._finalizer = weakref.finalize(self, _stop, self.proc, str(self.workdir))
        self._buffer = b""
        self._counter = itertools.count()
        hello = self._read(settings.start_timeout, "starting")
        if not hello.get("ok"):
            self.stop()
            raise BlenderWorkerError(f"the Blender worker could not start: {hello.get('error')}")
        self.blender_version = hello.get("blender", "?")

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def scratch(self, suffix: str) -> Path:
        return self.workdir / f"r{next(self._counter):06d}{suffix}"

    def _died(self, doing: str) -> BlenderWorkerError:
        try:
            code = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            code = None
        message = (
            f"the Blender worker (pid {self.proc.pid}) {_describe_exit(code)} while {doing}; "
            f"the next render starts a new one. Last lines of its log:\n{_log_tail(self.log_path)}"
        )
        self.stop()
        return BlenderWorkerError(message)

    def _read(self, timeout: float, doing: str) -> dict[str, Any]:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.proc.kill()
                self.proc.wait(timeout=10)
                message = (
                    f"the Blender worker did not answer within {timeout:g} s while {doing}; it was stopped and "
                    f"the next render starts a new one. Last lines of its log:\n{_log_tail(self.log_path)}"
                )
                self.stop()
                raise BlenderWorkerError(message)
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                raise self._died(doing)
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    def request(self, message: dict[str, Any], timeout: float, doing: str) -> dict[str, Any]:
        if not self.alive():
            raise self._died(f"idle before {doing}")
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(json.dumps(message).encode("utf-8") + b"\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            raise self._died(doing) from None
        return self._read(timeout, doing)

    def stop(self) -> None:
        self._finalizer()


class BlenderRenderer:
    """Renders scenes with bpy in a reused worker process; `close()` stops the worker."""

    name = "blender"

    def __init__(self, settings: BlenderSettings | None = None, **fields: Any) -> None:
        if settings is not None and fields:
            raise TypeError("pass either settings=BlenderSettings(...) or keyword fields, not both")
        self.settings = settings or BlenderSettings(**fields)
        if self.settings.python is None and importlib.util.find_spec("bpy") is None:  # say so now
            raise RendererUnavailableError("the blender renderer needs bpy: pip install 'agentscene[blender]'")
        self._worker: _Worker | None = None

    @property
    def worker_pid(self) -> int | None:
        """The worker's process id, or None when no worker is running."""
        return self._worker.pid if self._worker is not None and self._worker.alive() else None

    def _ensure_worker(self) -> _Worker:
        if self._worker is not None and self._worker.alive():
            return self._worker
        if self._worker is not None:  # died since the last render: report it once, then restart
            dead, self._worker = self._worker, None
            raise dead._died("idle between renders")
        self._worker = _Worker(self.settings)
        return self._worker

    def _request(self, message: dict[str, Any], timeout: float, doing: str) -> dict[str, Any]:
        worker = self._ensure_worker()
        try:
            reply = worker.request(message, timeout, doing)
        except BlenderWorkerError:
            self._worker = None
            raise
        if not reply.get("ok"):
            raise RenderError(f"Blender failed while {doing}: {reply.get('error')}\n{reply.get('traceback', '')}".rstrip())
        return reply

    def render(
        self,
        scene: Scene,
        views: Sequence[str | Camera] = ("top", "diagonal"),
        size: int = 512,
        overlays: bool = True,
        *,
        seed: int = 0,
        mesh_provider: MeshProvider | None = None,
        save_blend: str | os.PathLike[str] | None = None,
    ) -> RenderResult:
        """Render each view; see the Renderer protocol. `save_blend` also writes the .blend file."""
        start = time.perf_counter()
        cameras = scene_cameras(scene, views, size, seed=seed, settings=self.settings.cameras)
        geometry = build_scene_meshes(scene, mesh_provider, self.settings.style, cameras)
        images, reply = self._build(geometry, cameras, render=True, save_blend=save_blend)
        # overlays=False still outlines ceiling items in the top view (they are not drawn there)
        images = {name: draw_overlays(im, cameras[name], scene, self.settings.overlay, overlays=overlays) for name, im in images.items()}
        return RenderResult(
            images=images,
            cameras=cameras,
            warnings=geometry.warnings,
            renderer=self.name,
            seconds=time.perf_counter() - start,
            info={"engine": self.settings.engine, "blender": reply.get("render_seconds"), "build_seconds": reply.get("build_seconds")},
        )

    def save_blend(self, scene: Scene, path: str | os.PathLike[str], views: Sequence[str | Camera] = ("top", "diagonal"),
                   size: int = 512, *, seed: int = 0, mesh_provider: MeshProvider | None = None) -> Path:
        """Write the scene Blender would render (meshes, colours, these views' cameras) as a .blend, rendering nothing."""
        cameras = scene_cameras(scene, views, size, seed=seed, settings=self.settings.cameras)
        geometry = build_scene_meshes(scene, mesh_provider, self.settings.style, cameras)
        self._build(geometry, cameras, render=False, save_blend=path)
        return Path(path).resolve()

    def _build(self, geometry: SceneMeshes, cameras: dict[str, Camera], *, render: bool,
               save_blend: str | os.PathLike[str] | None) -> tuple[dict[str, Any], dict[str, Any]]:
        """Have the worker build the scene, render each camera when `render`, and save the .blend when asked."""
        from PIL import Image

        worker = self._ensure_worker()
        geometry_path = worker.scratch(".npz")
        outputs = {name: str(worker.scratch(f"_{name}.png")) for name in cameras} if render else {}
        blend_tmp = None
        if save_blend is not None:
            target = Path(save_blend).resolve()
            target.parent.mkdir(parents=True, exist_ok=True)
            blend_tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp.blend")
        try:
            message = {
                "op": "render",
                "geometry": str(geometry_path),
                "parts": write_geometry(geometry, geometry_path),
                "cameras": [blender_camera(cam) for cam in cameras.values()],
                "outputs": outputs,
                "engine": self.settings.engine,
                "samples": self.settings.samples,
                "denoise": self.settings.denoise,
                "aa": self.settings.antialiasing,
                "studio_light": self.settings.studio_light,
                "threads": self.settings.threads,
                "background": palette.srgb_to_linear(np.array(self.settings.background) / 255.0).tolist(),
                "blend": str(blend_tmp) if blend_tmp else None,
            }
            doing = f"rendering {', '.join(cameras)}" if render else f"writing {Path(save_blend).name}"
            reply = self._request(message, self.settings.render_timeout, doing)
            images = {}
            for name, path in outputs.items():
                with Image.open(path) as im:
                    images[name] = im.convert("RGB")
            if blend_tmp is not None:
                os.replace(blend_tmp, Path(save_blend).resolve())
        finally:
            geometry_path.unlink(missing_ok=True)
            for path in outputs.values():
                Path(path).unlink(missing_ok=True)
            if blend_tmp is not None:
                blend_tmp.unlink(missing_ok=True)
        return images, reply

    def close(self) -> None:
        """Stop the worker (a later render starts a new one)."""
        if self._worker is not None:
            self._worker.stop()
            self._worker = None

    def __enter__(self) -> BlenderRenderer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
