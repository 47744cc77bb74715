"""Attack suite, asset servers and files: compression bombs, endless lines and bodies, dribbling
servers, redirects (items 12, 16), mesh files that are small on disk and huge in memory (item 13),
reads that never end and caches that never shrink (item 14)."""

from __future__ import annotations

import gzip
import io
import json
import os
import threading
import time
import tracemalloc
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from agentscene.assets import AssetError, AssetServerError, MeshLimits, Sam3DBackend, Sam3DSettings
from agentscene.limits import Limits

BOMB = 64 * 1024 * 1024  # decoded size of each bomb; the caps below are 1 MiB


_BOMBS: dict[tuple[str, int], bytes] = {}


def _gzip_bomb(n: int) -> bytes:
    if ("gzip", n) in _BOMBS:
        return _BOMBS["gzip", n]
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as f:
        block = b"\0" * (1 << 20)
        for _ in range(n // len(block)):
            f.write(block)
    return _BOMBS.setdefault(("gzip", n), out.getvalue())


def _zstd_bomb(n: int) -> bytes:
    zstandard = pytest.importorskip("zstandard")
    if ("zstd", n) not in _BOMBS:
        _BOMBS["zstd", n] = zstandard.ZstdCompressor(level=3).compress(b"\0" * n)
    return _BOMBS["zstd", n]


class _Evil(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    mode = "ok"

    def log_message(self, *args) -> None:
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        mode = self.server.mode  # type: ignore[attr-defined]
        ok_line = json.dumps({"index": 0, "status": "success", "data": {"geometry_url": "/g.glb"}}).encode() + b"\n"
        if mode == "gzip-reply":
            self._send(200, _gzip_bomb(BOMB), {"Content-Encoding": "gzip", "Content-Type": "application/x-ndjson"})
        elif mode == "zstd-reply":
            self._send(200, _zstd_bomb(BOMB), {"Content-Encoding": "zstd"})
        elif mode == "long-line":
            self._send(200, b"x" * (3 << 20))
        elif mode == "error-body":
            self._send(400, b"e" * (8 << 20))
        elif mode == "gzip-error-body":
            self._send(400, _gzip_bomb(BOMB), {"Content-Encoding": "gzip"})
        elif mode == "redirect":
            self._send(302, b"<html>moved</html>", {"Location": "http://127.0.0.1:1/elsewhere"})
        elif mode == "deep-line":
            self._send(200, b"[" * 10_000 + b"\n")
        elif mode == "dribble":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                for _ in range(400):
                    self.wfile.write(b"1\r\n \r\n")
                    self.wfile.flush()
                    time.sleep(0.02)
            except OSError:
                pass
        else:  # ok NDJSON pointing at a GLB that is a bomb or a redirect
            self._send(200, ok_line)

    def do_GET(self) -> None:
        mode = self.server.mode  # type: ignore[attr-defined]
        if mode == "glb-gzip":
            self._send(200, _gzip_bomb(BOMB), {"Content-Encoding": "gzip"})
        elif mode == "glb-redirect":
            self._send(302, b"<html>moved</html>", {"Location": "/elsewhere.glb"})
        elif mode == "glb-br":
            self._send(200, b"\x1b\x00\x00", {"Content-Encoding": "br"})
        else:
            self._send(404, b"")


@pytest.fixture(scope="module")
def evil_server():
    """One hostile server for the module (each test picks its behaviour through `mode`); starting and
    stopping one per test cost half a second each in shutdown polling."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Evil)
    server.handle_error = lambda *args: None  # clients hanging up on purpose are not errors here
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def evil(evil_server):
    evil_server.mode = "ok"  # type: ignore[attr-defined]
    return evil_server


def _backend(server, tmp_path, **http) -> Sam3DBackend:
    limits = Limits(http_reply_bytes=1 << 20, http_line_bytes=64 << 10, http_error_bytes=4 << 10, **http)
    settings = Sam3DSettings(url=f"http://127.0.0.1:{server.server_address[1]}", cache_dir=tmp_path / "cache",
                             attempts=1, read_timeout=5, http_limits=limits, limits=MeshLimits(max_file_bytes=1 << 20))
    return Sam3DBackend(settings)


@pytest.mark.parametrize("mode,match", [
    ("gzip-reply", "cap"), ("zstd-reply", "cap"), ("long-line", "line"), ("error-body", "HTTP 400"),
    ("gzip-error-body", "HTTP 400"), ("redirect", "redirected"), ("deep-line", "nested"),
    ("glb-gzip", "cap"), ("glb-redirect", "redirected"), ("glb-br", "encoded"),
])
def test_hostile_replies_are_bounded_errors(evil, tmp_path, mode, match):
    _gzip_bomb(BOMB)  # made before memory is traced: the server's own work is not the client's
    if mode == "zstd-reply":
        _zstd_bomb(BOMB)
    evil.mode = mode
    backend = _backend(evil, tmp_path)
    [m] = backend.find("chair")
    tracemalloc.start()
    try:
        with pytest.raises(AssetServerError, match=match) as info:
            backend.mesh(m.asset_id)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        backend.close()
    assert peak < 16 << 20, f"{mode}: peak {peak >> 20} MiB while refusing"
    assert len(str(info.value)) < 1000
    assert not list((tmp_path / "cache").glob("meshes/*.glb"))


def test_a_dribbling_server_meets_the_deadline(evil, tmp_path):
    evil.mode = "dribble"
    backend = _backend(evil, tmp_path, http_deadline_s=0.5)
    [m] = backend.find("chair")
    start = time.monotonic()
    with pytest.raises(AssetServerError, match="deadline"):
        backend.mesh(m.asset_id)
    assert time.monotonic() - start < 4
    backend.close()


# -- 13. mesh files ---------------------------------------------------------------------------------


def _glb_with_texture(side: int) -> bytes:
    """A one-triangle GLB whose PNG texture declares side x side pixels (the PNG itself is tiny)."""
    import struct
    import zlib as z

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", z.crc32(kind + data) & 0xFFFFFFFF)

    # only the header is ever read before the refusal, so the pixel data can stay one row
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", z.compress(b"\0" * (side * 3 + 1), 9)) + chunk(b"IEND", b""))
    import trimesh

    mesh = trimesh.Trimesh(vertices=[[0, 0, 0], [1, 0, 0], [0, 1, 0]], faces=[[0, 1, 2]], process=False)
    from PIL import Image

    mesh.visual = trimesh.visual.TextureVisuals(uv=[[0, 0], [1, 0], [0, 1]], image=Image.new("RGB", (4, 4)))
    glb = mesh.export(file_type="glb")
    return _swap_image(glb, png)


def _swap_image(glb: bytes, png: bytes) -> bytes:
    """Replace the GLB's one embedded image by `png` (rewriting the buffer view and lengths)."""
    import struct

    json_len = struct.unpack("<I", glb[12:16])[0]
    tree = json.loads(glb[20:20 + json_len])
    binary = glb[20 + json_len + 8:]
    view = tree["bufferViews"][tree["images"][0]["bufferView"]]
    start = view.get("byteOffset", 0)
    new_bin = binary[:start] + png + binary[start + view["byteLength"]:]
    delta = len(png) - view["byteLength"]
    view["byteLength"] = len(png)
    for other in tree["bufferViews"]:
        if other is not view and other.get("byteOffset", 0) > start:
            other["byteOffset"] += delta
    while len(new_bin) % 4:
        new_bin += b"\0"
    tree["buffers"][0]["byteLength"] = len(new_bin)
    text = json.dumps(tree).encode()
    while len(text) % 4:
        text += b" "
    body = struct.pack("<I", len(text)) + b"JSON" + text + struct.pack("<I", len(new_bin)) + b"BIN\0" + new_bin
    return b"glTF" + struct.pack("<II", 2, 12 + len(body)) + body


def _deep_chain_glb(depth: int) -> bytes:
    import struct

    tree = {"asset": {"version": "2.0"}, "scene": 0, "scenes": [{"nodes": [0]}],
            "nodes": [{"children": [i + 1]} if i + 1 < depth else {} for i in range(depth)]}
    text = json.dumps(tree).encode()
    while len(text) % 4:
        text += b" "
    body = struct.pack("<I", len(text)) + b"JSON" + text
    return b"glTF" + struct.pack("<II", 2, 12 + len(body)) + body


def _many_instances_glb(count: int) -> bytes:
    import trimesh

    box = trimesh.creation.box()
    scene = trimesh.Scene()
    scene.add_geometry(box, geom_name="box", node_name="n0")
    glb = scene.export(file_type="glb")
    import struct

    json_len = struct.unpack("<I", glb[12:16])[0]
    tree = json.loads(glb[20:20 + json_len])
    rest = glb[20 + json_len:]
    mesh_index = next(n["mesh"] for n in tree["nodes"] if "mesh" in n)
    tree["nodes"] = [{"mesh": mesh_index, "translation": [i * 0.0, 0, 0]} for i in range(count)]
    tree["scenes"] = [{"nodes": list(range(count))}]
    text = json.dumps(tree).encode()
    while len(text) % 4:
        text += b" "
    body = struct.pack("<I", len(text)) + b"JSON" + text + rest
    return b"glTF" + struct.pack("<II", 2, 12 + len(body)) + body


def _shared_children_glb(depth: int) -> bytes:
    """Few nodes, but every node lists the next one twice: 2**depth paths through the graph."""
    import struct

    import trimesh

    glb = trimesh.creation.box().export(file_type="glb")
    json_len = struct.unpack("<I", glb[12:16])[0]
    tree = json.loads(glb[20:20 + json_len])
    rest = glb[20 + json_len:]
    tree["nodes"] = [{"children": [i + 1, i + 1]} for i in range(depth)] + [{"mesh": 0}]
    tree["scenes"] = [{"nodes": [0]}]
    text = json.dumps(tree).encode()
    while len(text) % 4:
        text += b" "
    body = struct.pack("<I", len(text)) + b"JSON" + text + rest
    return b"glTF" + struct.pack("<II", 2, 12 + len(body)) + body


@pytest.mark.parametrize("make,match", [
    (lambda: _shared_children_glb(40), "multiply|instances|faces"),
    (lambda: _glb_with_texture(12000), "pixels"),
    (lambda: _deep_chain_glb(12_000), "nodes"),
    (lambda: _many_instances_glb(12_000), "nodes|instances|faces"),
])
def test_small_meshes_that_would_be_huge_are_refused_before_decoding(make, match):
    from agentscene.assets.safety import load_mesh

    data = make()
    assert len(data) < 16 << 20
    start = time.monotonic()
    with pytest.raises(AssetError, match=match):
        load_mesh(data, "glb", limits=MeshLimits())
    assert time.monotonic() - start < 10  # a sanity bound: before, these ran for minutes or took gigabytes


def test_obj_face_index_zero_is_refused_not_wrapped():
    from agentscene.assets.safety import load_mesh

    for faces in ("f 0 1 2\n", "f 1 2 0\n", "f 1/1 2/2 0/0\n"):
        data = ("v 0 0 0\nv 1 0 0\nv 0 1 0\n" + faces).encode()
        with pytest.raises(AssetError, match="index 0"):
            load_mesh(data, "obj", limits=MeshLimits())
    good = load_mesh(b"v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\nf 1 2 3\nf 1 2 4\n", "obj", limits=MeshLimits())
    assert len(good.faces) == 2


# -- 14. reads that never end -------------------------------------------------------------------------


def test_a_fifo_in_a_dataset_folder_does_not_hang_indexing(tmp_path):
    from agentscene.limits import InputLimitError, read_regular_file

    os.mkfifo(tmp_path / "model.obj")
    start = time.monotonic()
    with pytest.raises(InputLimitError, match="not a regular file"):
        read_regular_file(tmp_path / "model.obj", 1 << 20)
    with pytest.raises(InputLimitError, match="not a regular file"):
        read_regular_file("/dev/zero", 1 << 20)
    from typer.testing import CliRunner

    from agentscene.cli import app

    for name in ("model_info.json", "descriptions.json"):
        (tmp_path / "data").mkdir(exist_ok=True)
        target = tmp_path / "data" / name
        if not target.exists():
            os.mkfifo(target)
    result = CliRunner().invoke(app, ["assets", "index", str(tmp_path / "data"), "--kind", "3d-future", "--embedder", "hashing",
                                      "--index-dir", str(tmp_path / "index")])
    assert result.exit_code == 1 and "not a regular file" in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert time.monotonic() - start < 10


def test_the_asset_server_limits_bodies_and_evicts_glbs():
    pytest.importorskip("starlette")
    from starlette.testclient import TestClient

    from agentscene.assets.server import GeometryStore, create_app

    store = GeometryStore(capacity_bytes=1000)
    names = [store.put(bytes([i]) * 300) for i in range(10)]
    assert store.get(names[-1]) is not None and store.get(names[0]) is None
    assert store.size_bytes <= 1000
    client = TestClient(create_app(limits=Limits(request_body_bytes=10_000)))
    huge = client.post("/generate_geometries", content=b"[" + b'{"prompt": "chair"},' * 10_000 + b"{}]")
    assert huge.status_code == 413
    deep = client.post("/generate_geometries", content=b"[" * 5000 + b"]" * 5000)
    assert deep.status_code == 400 and "nested" in deep.json()["error"]
    assert client.post("/generate_geometries", json=[{"prompt": "chair"}]).status_code == 200
    np.testing.assert_equal(client.get("/health").status_code, 200)
