"""One `render_many` call spread over several processes: a host's cores feeding one GPU.

A single process draws 1,200-1,700 scenes a second on an H200 before its main thread (Python:
overlay layout and vertices, job preparation) is the limit, while the GPU has room for about
four such processes at `samples=0`. `RasterPool(processes=3)` cuts each large call into
contiguous chunks, renders the first in this process and sends the others to worker processes
(this interpreter, each with its own `RasterRenderer` and GL context, same settings). A worker copies its
pixels into a block of shared memory this process handed it (a file in /dev/shm, mapped by
both and unlinked once both have it open), and results here are views of that block: no copy on
this side. A block is reused once no result refers to it.

A worker that dies or stops answering (`render_timeout`) is a `RenderError` naming it, never a
hang; the next call starts a fresh one. Mesh providers go to workers by pickle; one that cannot
be pickled keeps the call in this process (with a warning on the results).
"""

from __future__ import annotations

import gc
import os
import pickle
import socket
import subprocess
import sys
import tempfile
import weakref
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Literal

import numpy as np

from agentscene.renderers.base import LazyImages, RenderError, RenderResult
from agentscene.renderers.raster import RasterRenderer, RasterSettings, seeds_for

#: Fewest scenes a chunk gets: below it the cost of a round trip to a worker is not worth it.
MIN_CHUNK = 8
#: A worker collects all its garbage after this many requests (young garbage after each).
FULL_COLLECT_EVERY = 50
#: Pixel blocks kept per worker (each as large as a chunk's pixels); results hold theirs alive.
KEEP_BLOCKS = 4


class _Block:
    """A shared pixel block: a file in /dev/shm mapped here (the file is unlinked once the worker has it)."""

    def __init__(self, nbytes: int):
        folder = "/dev/shm" if os.path.isdir("/dev/shm") else None
        fd, self.path = tempfile.mkstemp(prefix="agentscene-pixels-", dir=folder)
        try:
            os.ftruncate(fd, nbytes)
        finally:
            os.close(fd)
        self.nbytes = nbytes
        self.array = np.memmap(self.path, dtype=np.uint8, mode="r+", shape=(nbytes,))
        self.linked = True

    def unlink(self) -> None:
        if self.linked:
            os.unlink(self.path)
            self.linked = False

    def free(self) -> bool:
        """No result refers to this block (references left: this attribute and getrefcount's argument;
        every result view holds one more through its base)."""
        return sys.getrefcount(self.array) <= 2


class _Worker:
    """One worker process (this interpreter, `python -c`, so the caller's main module is not
    imported again as multiprocessing's spawn would) and its connection over a socket pair."""

    def __init__(self, settings: RasterSettings, start_timeout: float):
        ours, theirs = socket.socketpair()
        package_root = str(Path(__file__).resolve().parents[2])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH", "")) if p)}
        code = "import sys; from agentscene.renderers.raster_pool import _serve_fd; _serve_fd(int(sys.argv[1]))"
        self.process = subprocess.Popen([sys.executable, "-c", code, str(theirs.fileno())], pass_fds=(theirs.fileno(),), env=env,
                                        stdin=subprocess.DEVNULL)
        theirs.close()
        self.conn = Connection(ours.detach())
        self.blocks: list[_Block] = []
        self._finalizer = weakref.finalize(self, _stop_process, self.process, self.conn)
        self.conn.send(settings.model_dump(mode="json"))
        reply = self.receive(start_timeout, "start")
        if reply[0] != "ready":
            self.stop()
            raise RenderError(f"a raster worker process could not start: {reply[1]}")

    def alive(self) -> bool:
        return self.process.poll() is None

    def block(self, nbytes: int) -> _Block:
        for b in self.blocks:
            if b.nbytes >= nbytes and b.free():
                return b
        b = _Block(nbytes)
        self.blocks.append(b)
        if len(self.blocks) > KEEP_BLOCKS:
            self.blocks.pop(0)  # forgotten; alive while a result holds it (its file is unlinked already)
        return b

    def receive(self, timeout: float, what: str) -> tuple:
        if not self.conn.poll(timeout):
            self.stop()
            raise RenderError(f"a raster worker process did not {what} within {timeout:.0f} s; it was stopped")
        try:
            return self.conn.recv()
        except EOFError:
            self.process.wait(timeout=5)
            code = self.process.returncode
            self.stop()
            raise RenderError(f"a raster worker process died (exit code {code}) during {what}") from None

    def stop(self) -> None:
        if not self.conn.closed:
            try:
                self.conn.send(None)
            except OSError:
                pass  # it is gone already: nothing to tell it
            self.conn.close()
        self._finalizer()
        for b in self.blocks:
            b.unlink()
        self.blocks.clear()


def _stop_process(process: subprocess.Popen, conn: Connection) -> None:
    """Close our end (the worker then reads EOF and exits), wait for it, kill it if it does not."""
    if not conn.closed:
        conn.close()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def _serve_fd(fd: int) -> None:
    """A worker's entry point: serve the connection on socket `fd` until told to stop."""
    conn = Connection(fd)
    _serve(conn, conn.recv())


def _serve(conn: Any, settings: dict) -> None:
    """A worker's loop: render each chunk, copy its pixels into the block named, answer with the rest."""
    try:
        renderer = RasterRenderer(RasterSettings.model_validate(settings))
        renderer.device  # noqa: B018 - makes the GL context now: a worker without one fails at start, not mid-call
        conn.send(("ready", None))
    except Exception as e:  # noqa: BLE001 - reported to the parent, which raises it as a RenderError
        conn.send(("failed", f"{type(e).__name__}: {e}"))
        return
    # A worker only renders: its garbage is collected between requests (young objects after each,
    # everything every FULL_COLLECT_EVERY), never by a threshold in the middle of one, where a full
    # collection of the unpickled scenes stalls the caller's whole call.
    gc.freeze()
    gc.disable()
    served = 0
    mapped: dict[str, np.memmap] = {}
    copier = ThreadPoolExecutor(max_workers=renderer.settings.copy_threads, thread_name_prefix="agentscene-pool-copy")
    with renderer, copier:
        while True:
            try:
                request = conn.recv()
            except EOFError:
                return
            if request is None:
                return
            scenes, views, size, overlays, seeds, provider, path, nbytes = request
            try:
                if path not in mapped:
                    if len(mapped) >= 2 * KEEP_BLOCKS:
                        mapped.pop(next(iter(mapped)))
                    mapped[path] = np.memmap(path, dtype=np.uint8, mode="r+", shape=(nbytes,))
                block = mapped[path]
                results = renderer.render_many(scenes, views, size, overlays, seeds=seeds, mesh_provider=provider, output="numpy")
                metas, copies, at = [], [], 0
                for r in results:
                    shapes = {}
                    for name, px in r.pixels.items():
                        copies.append((block[at : at + px.size].reshape(px.shape), px))
                        shapes[name] = (at, px.shape)
                        at += px.size
                    metas.append((shapes, r.cameras, r.depth, r.warnings, r.seconds, r.info))
                for done in [copier.submit(np.copyto, dst, src) for dst, src in copies]:  # numpy copies without the GIL
                    done.result()
                conn.send(("ok", metas))
            except Exception as e:  # noqa: BLE001 - a scene's error goes back to the caller as a RenderError
                conn.send(("error", f"{type(e).__name__}: {e}"))
            served += 1
            gc.collect(2 if served % FULL_COLLECT_EVERY == 0 else 0)


class RasterPool:
    """`RasterRenderer` whose large `render_many` calls are split over `processes` processes.

    Same arguments and results as `RasterRenderer.render_many` (same pixels with MSAA; with
    `samples=0` a few edge pixels can differ, as between a batch and single renders). Calls of
    fewer than `2 * MIN_CHUNK` scenes, and `render`, stay in this process.
    """

    name = "raster"

    def __init__(self, settings: RasterSettings | None = None, *, processes: int = 2, start_timeout: float = 120.0,
                 render_timeout: float = 300.0, **fields: Any) -> None:
        if processes < 1:
            raise ValueError(f"processes must be at least 1, got {processes}")
        self.local = RasterRenderer(settings, **fields)
        self.settings = self.local.settings
        self.processes = processes
        self.start_timeout = start_timeout
        self.render_timeout = render_timeout
        self._workers: list[_Worker | None] = [None] * (processes - 1)
        self._picklable: dict[int, tuple[Any, bool]] = {}

    @property
    def device(self) -> Any:
        return self.local.device

    def render(self, scene: Any, **kwargs: Any) -> RenderResult:
        return self.local.render(scene, **kwargs)

    def render_many(self, scenes: Sequence[Any], views: Sequence[Any] = ("top", "diagonal"), size: int = 512, overlays: bool = True,
                    *, seeds: int | Sequence[int] = 0, mesh_provider: Any = None,
                    output: Literal["pil", "numpy"] = "pil") -> list[RenderResult]:
        """`RasterRenderer.render_many`, the scenes after the first chunk rendered by worker processes."""
        scenes = list(scenes)
        seed_list = seeds_for(scenes, seeds)
        n_chunks = min(self.processes, len(scenes) // MIN_CHUNK)
        note = None
        if n_chunks > 1 and not self._can_send(mesh_provider):
            n_chunks, note = 1, "the mesh provider cannot be pickled for worker processes: rendered in one process"
        if n_chunks <= 1:
            results = self.local.render_many(scenes, views, size, overlays, seeds=seed_list, mesh_provider=mesh_provider, output=output)
            return [_with_warning(r, note) for r in results] if note else results
        bounds = np.linspace(0, len(scenes), n_chunks + 1).round().astype(int).tolist()
        px_per_scene = sum(_view_pixels(v, size) for v in views) * 3
        sent: list[tuple[int, _Worker, _Block]] = []
        try:
            for k in range(1, n_chunks):
                worker = self._worker(k - 1)
                a, b = bounds[k], bounds[k + 1]
                block = worker.block(max(1, (b - a) * px_per_scene))
                try:
                    worker.conn.send((scenes[a:b], list(views), size, overlays, seed_list[a:b], mesh_provider, block.path, block.nbytes))
                except OSError as e:  # it died since the last call
                    worker.stop()
                    self._workers[k - 1] = None
                    raise RenderError(f"a raster worker process could not be reached ({e}); the next call starts a fresh one") from e
                sent.append((k - 1, worker, block))
            out = list(self.local.render_many(scenes[: bounds[1]], views, size, overlays, seeds=seed_list[: bounds[1]],
                                              mesh_provider=mesh_provider, output=output))
        finally:  # every answer to what was sent is read, even when this call failed: none is left for the next one
            replies: list[tuple] = []
            for index, worker, block in sent:
                try:
                    replies.append(worker.receive(self.render_timeout, "render"))
                except RenderError as e:
                    self._workers[index] = None
                    replies.append(("error", str(e)))
                block.unlink()  # both sides have it mapped: the memory lives while either does
        for (_, _, block), reply in zip(sent, replies, strict=True):
            if reply[0] != "ok":
                raise RenderError(f"a raster worker process failed: {reply[1]}")
            out.extend(_result(meta, block.array, output) for meta in reply[1])
        return out

    def _worker(self, index: int) -> _Worker:
        worker = self._workers[index]
        if worker is None or not worker.alive():
            worker = self._workers[index] = _Worker(self.settings, self.start_timeout)
        return worker

    def _can_send(self, provider: Any) -> bool:
        if provider is None:
            return True
        hit = self._picklable.get(id(provider))
        if hit is None or hit[0] is not provider:
            try:
                pickle.dumps(provider)
                ok = True
            except (pickle.PicklingError, TypeError, AttributeError):
                ok = False
            hit = self._picklable[id(provider)] = (provider, ok)
        return hit[1]

    def close(self) -> None:
        """Stop the workers and release this process's renderer."""
        for k, worker in enumerate(self._workers):
            if worker is not None:
                worker.stop()
                self._workers[k] = None
        self.local.close()

    def __enter__(self) -> RasterPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _view_pixels(view: Any, size: int) -> int:
    """Pixels of one view: a named view is size x size, a Camera its own."""
    return size * size if isinstance(view, str) else int(view.width) * int(view.height)


def _result(meta: tuple, block: np.ndarray, output: str) -> RenderResult:
    """A worker's result with its pixels as read-only views of the shared block."""
    shapes, cameras, depth, warnings, seconds, info = meta
    pixels = {}
    for name, (at, shape) in shapes.items():
        view = block[at : at + int(np.prod(shape))].reshape(shape)
        view = np.ndarray(view.shape, np.uint8, buffer=view)  # a plain array (not a memmap) over the same memory
        view.flags.writeable = False
        pixels[name] = view
    if output == "numpy":
        return RenderResult({}, cameras, depth, warnings, "raster", seconds, info, pixels=pixels)
    from PIL import Image

    images = LazyImages({name: (lambda p=p: Image.fromarray(p, "RGB")) for name, p in pixels.items()})
    return RenderResult(images, cameras, depth, warnings, "raster", seconds, info)


def _with_warning(result: RenderResult, note: str) -> RenderResult:
    from dataclasses import replace

    return replace(result, warnings=(*result.warnings, note))
