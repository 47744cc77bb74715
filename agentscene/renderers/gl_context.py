"""Headless OpenGL contexts for the raster backend: the GPU through EGL where there is one, else Mesa on the CPU.

EGL lists its devices (NVIDIA's driver where installed, Mesa's llvmpipe software device
otherwise); we open each in turn and read GL_RENDERER to tell a GPU from a software
rasteriser, so `device="auto"` takes a GPU when one works and the CPU otherwise, and
`device="gpu"` fails with a message that says why instead of quietly using the CPU.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from agentscene.renderers.base import RenderError

Device = Literal["auto", "cpu", "gpu"]

#: GL_RENDERER substrings of software rasterisers (Mesa llvmpipe/softpipe, SwiftShader, Microsoft's WARP).
SOFTWARE_RENDERERS = ("llvmpipe", "softpipe", "swiftshader", "software", "basic render")

#: EGL devices probed at most (a machine with more GPUs uses the first that works).
MAX_EGL_DEVICES = 16

_MESA_HINT = (
    "On Debian/Ubuntu install the Mesa EGL driver: apt-get install libegl1 libgl1 "
    "(they pull in libegl-mesa0 and libgl1-mesa-dri)"
)


class GLFailure(RenderError):
    """The GL driver reported an error during a render (a lost or broken device, out of memory)."""


@dataclass(frozen=True)
class GLDevice:
    """Which device a context runs on, as the driver names it."""

    kind: Literal["cpu", "gpu"]
    renderer: str  # GL_RENDERER, e.g. "NVIDIA H200/PCIe/SSE2" or "llvmpipe (LLVM 15.0.6, 256 bits)"
    vendor: str
    device_index: int | None  # EGL device index; None for a non-EGL backend
    max_size: int  # largest renderbuffer side the driver accepts

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "renderer": self.renderer, "vendor": self.vendor, "device_index": self.device_index, "max_size": self.max_size}


def device_kind(gl_renderer: str) -> Literal["cpu", "gpu"]:
    """'cpu' for a software rasteriser's GL_RENDERER string, else 'gpu'."""
    name = gl_renderer.lower()
    return "cpu" if any(s in name for s in SOFTWARE_RENDERERS) else "gpu"


def _describe(ctx: Any, index: int | None) -> GLDevice:
    info = ctx.info
    renderer = str(info.get("GL_RENDERER", "?"))
    return GLDevice(device_kind(renderer), renderer, str(info.get("GL_VENDOR", "?")), index, int(info.get("GL_MAX_RENDERBUFFER_SIZE", 4096)))


def create_context(device: Device = "auto", backend: str = "egl") -> tuple[Any, GLDevice]:
    """A standalone GL 3.3 context on the device asked for, and what it runs on.

    auto: the first EGL device that is a GPU, else the first software one. gpu: a GPU or a
    RenderError that lists what was found. cpu: a software rasteriser (Mesa llvmpipe).
    `backend` other than "egl" (e.g. "" for the platform default) opens one context and
    checks only that it matches `device`.
    """
    import moderngl

    if device not in ("auto", "cpu", "gpu"):
        raise ValueError(f"device must be auto, cpu or gpu, got {device!r}")
    if backend != "egl":
        kwargs = {"backend": backend} if backend else {}
        try:
            ctx = moderngl.create_standalone_context(require=330, **kwargs)
        except Exception as e:  # glcontext raises bare Exceptions
            raise RenderError(f"could not create a headless OpenGL context ({backend or 'default'} backend): {e}. {_MESA_HINT}") from e
        found = _describe(ctx, None)
        if device != "auto" and found.kind != device:
            ctx.release()
            raise RenderError(f"asked for device={device!r} but the {backend or 'default'} backend gave {found.renderer!r}")
        return ctx, found

    seen: list[str] = []
    fallback: tuple[Any, GLDevice] | None = None
    for index in range(MAX_EGL_DEVICES):
        try:
            ctx = moderngl.create_standalone_context(require=330, backend="egl", device_index=index)
        except Exception as e:  # noqa: BLE001 - glcontext raises bare Exceptions; the message is kept for the error
            text = str(e)
            if "requested device index" in text:  # past the last device: glcontext's own wording
                break
            seen.append(f"EGL device {index}: {text}")
            continue
        found = _describe(ctx, index)
        seen.append(f"EGL device {index}: {found.renderer}")
        if found.kind == device or (device == "auto" and found.kind == "gpu"):
            if fallback is not None:
                fallback[0].release()
            return ctx, found
        if device == "auto" and fallback is None:
            fallback = (ctx, found)
        else:
            ctx.release()
    if fallback is not None:
        return fallback
    listing = "; ".join(seen) or "no EGL devices"
    if device == "gpu":
        raise RenderError(
            f"device='gpu' but no EGL device is a GPU ({listing}). Install the NVIDIA driver's EGL library "
            "(libEGL_nvidia, found through /usr/share/glvnd/egl_vendor.d or __EGL_VENDOR_LIBRARY_FILENAMES) "
            "or use device='auto' or 'cpu'"
        )
    raise RenderError(f"could not create a headless OpenGL context on {device!r} ({listing}). {_MESA_HINT}")
