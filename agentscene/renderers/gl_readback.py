"""Getting pixels to the host: pixel buffers in host memory (mapped once, fenced), reused host buffers, pending passes.

moderngl makes every buffer with `glBufferData(..., GL_STATIC_DRAW)`; a GPU driver keeps such a
buffer in device memory, and mapping it for reading goes through a slow path (about 1.2 GB/s
on an H200 host, most of a 64-scene batch). A buffer made with `glBufferStorage` and
CLIENT_STORAGE | MAP_READ | PERSISTENT | COHERENT lives in host memory: `glReadPixels` writes
into it by DMA, a fence says when it is done, and the host reads it as a numpy array without
mapping again. Needs GL 4.4 (or ARB_buffer_storage) and GL entry points from EGL; where either
is missing, `load` returns None and the caller keeps moderngl's own buffers.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from agentscene.renderers.base import RenderError
from agentscene.renderers.gl_context import GLFailure

GL_PIXEL_PACK_BUFFER = 0x88EB
GL_MAP_READ_BIT, GL_MAP_PERSISTENT_BIT, GL_MAP_COHERENT_BIT, GL_CLIENT_STORAGE_BIT = 0x1, 0x40, 0x80, 0x200
GL_SYNC_GPU_COMMANDS_COMPLETE, GL_SYNC_FLUSH_COMMANDS_BIT = 0x9117, 0x1
GL_ALREADY_SIGNALED, GL_TIMEOUT_EXPIRED, GL_CONDITION_SATISFIED, GL_WAIT_FAILED = 0x911A, 0x911B, 0x911C, 0x911D

#: Longest wait for one read-back before the device counts as failed (a hung GPU must not hang us).
FENCE_TIMEOUT_S = 20.0

_U, _I, _SIZE, _PTR = ctypes.c_uint, ctypes.c_int, ctypes.c_ssize_t, ctypes.c_void_p


@dataclass(frozen=True)
class GLFunctions:
    """The few GL entry points moderngl does not expose, bound for the current context's driver."""

    gen_buffers: Any
    delete_buffers: Any
    bind_buffer: Any
    buffer_storage: Any
    map_buffer_range: Any
    unmap_buffer: Any
    fence_sync: Any
    client_wait_sync: Any
    delete_sync: Any
    flush: Any


def load(ctx: Any) -> GLFunctions | None:
    """The entry points through eglGetProcAddress, or None where this path cannot work."""
    if ctx.version_code < 440 and "GL_ARB_buffer_storage" not in ctx.extensions:
        return None
    name = ctypes.util.find_library("EGL") or "libEGL.so.1"
    try:
        egl = ctypes.CDLL(name)
    except OSError:
        return None
    egl.eglGetProcAddress.restype = _PTR
    egl.eglGetProcAddress.argtypes = [ctypes.c_char_p]

    def bind(symbol: str, result: Any, *args: Any) -> Any:
        address = egl.eglGetProcAddress(symbol.encode())
        return ctypes.CFUNCTYPE(result, *args)(address) if address else None

    found = GLFunctions(
        gen_buffers=bind("glGenBuffers", None, _I, ctypes.POINTER(_U)),
        delete_buffers=bind("glDeleteBuffers", None, _I, ctypes.POINTER(_U)),
        bind_buffer=bind("glBindBuffer", None, _U, _U),
        buffer_storage=bind("glBufferStorage", None, _U, _SIZE, _PTR, _U),
        map_buffer_range=bind("glMapBufferRange", _PTR, _U, _SIZE, _SIZE, _U),
        unmap_buffer=bind("glUnmapBuffer", ctypes.c_ubyte, _U),
        fence_sync=bind("glFenceSync", _PTR, _U, _U),
        client_wait_sync=bind("glClientWaitSync", _U, _PTR, _U, ctypes.c_uint64),
        delete_sync=bind("glDeleteSync", None, _PTR),
        flush=bind("glFlush", None),
    )
    return None if any(f is None for f in vars(found).values()) else found


class HostPixelBuffer:
    """One pixel-pack buffer in host memory, mapped for its whole life; `view` is its bytes."""

    def __init__(self, ctx: Any, gl: GLFunctions, nbytes: int):
        self.gl = gl
        self.nbytes = nbytes
        glo = _U(0)
        gl.gen_buffers(1, ctypes.byref(glo))
        self.glo = glo.value
        flags = GL_MAP_READ_BIT | GL_MAP_PERSISTENT_BIT | GL_MAP_COHERENT_BIT
        gl.bind_buffer(GL_PIXEL_PACK_BUFFER, self.glo)
        gl.buffer_storage(GL_PIXEL_PACK_BUFFER, nbytes, None, flags | GL_CLIENT_STORAGE_BIT)
        address = gl.map_buffer_range(GL_PIXEL_PACK_BUFFER, 0, nbytes, flags)
        gl.bind_buffer(GL_PIXEL_PACK_BUFFER, 0)
        self.mapped = bool(address)
        if not address:
            self._delete()
            raise RenderError(f"the GL driver could not map a {nbytes / 2**20:.0f} MiB read-back buffer in host memory")
        self.buffer = ctx.external_buffer(self.glo, nbytes)  # what moderngl's read_into writes to
        self.view = np.ctypeslib.as_array((ctypes.c_uint8 * nbytes).from_address(address))
        self.fence: Any = None

    def read_from(self, framebuffer: Any, viewport: tuple[int, int, int, int], components: int) -> None:
        """Start copying the framebuffer's pixels here; `wait` before reading `view`."""
        framebuffer.read_into(self.buffer, viewport=viewport, components=components, alignment=1)
        self.fence = self.gl.fence_sync(GL_SYNC_GPU_COMMANDS_COMPLETE, 0)
        self.gl.flush()  # the device starts on this pass while the host prepares the next

    def wait(self) -> None:
        """Block until the last `read_from` has landed (or raise after FENCE_TIMEOUT_S)."""
        if self.fence is None:
            return
        fence, self.fence = self.fence, None
        try:
            status = self.gl.client_wait_sync(fence, GL_SYNC_FLUSH_COMMANDS_BIT, int(FENCE_TIMEOUT_S * 1e9))
        finally:
            self.gl.delete_sync(fence)
        if status not in (GL_ALREADY_SIGNALED, GL_CONDITION_SATISFIED):
            what = "timed out" if status == GL_TIMEOUT_EXPIRED else "failed"
            raise ReadbackError(f"reading pixels back {what} (glClientWaitSync returned {status:#x} after at most {FENCE_TIMEOUT_S:.0f} s)")

    def release(self) -> None:
        """Unmap and delete (the context must be current); the `view` must not be used after."""
        self.view = None  # type: ignore[assignment]
        self.buffer = None
        self._delete()

    def _delete(self) -> None:
        if self.mapped:
            self.gl.bind_buffer(GL_PIXEL_PACK_BUFFER, self.glo)
            self.gl.unmap_buffer(GL_PIXEL_PACK_BUFFER)
            self.gl.bind_buffer(GL_PIXEL_PACK_BUFFER, 0)
            self.mapped = False
        glo = _U(self.glo)
        self.gl.delete_buffers(1, ctypes.byref(glo))


#: Bytes per piece when copying a mapped buffer out in parallel (numpy releases the GIL while it copies).
COPY_CHUNK = 8 << 20


def copy_out(dst: np.ndarray, src: np.ndarray, pool: ThreadPoolExecutor | None) -> None:
    """dst[:] = src, in pieces on `pool`'s threads when there is one: one core copies about 6 GB/s out
    of mapped memory, which for a 64-scene batch is 16 ms; the host has more cores than that."""
    n = len(src)
    dst = dst[:n]
    if pool is None or n <= COPY_CHUNK:
        np.copyto(dst, src)
        return
    starts = range(0, n, COPY_CHUNK)
    for future in [pool.submit(np.copyto, dst[a : a + COPY_CHUNK], src[a : a + COPY_CHUNK]) for a in starts]:
        future.result()


class ReadbackError(GLFailure):
    """A read-back did not complete: the device hung or was lost."""


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
            if isinstance(self.pbo, HostPixelBuffer):
                self.pbo.wait()
                copy_out(data, self.pbo.view[:nbytes], self.copier)
            else:
                self.pbo.read_into(data, size=nbytes)
        self.data = None
        data.setflags(write=False)
        return data[: self.height * self.width * self.channels].reshape(self.height, self.width, self.channels)
