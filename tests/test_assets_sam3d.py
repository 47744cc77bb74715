"""SAM3D client against real HTTP servers on 127.0.0.1: the reference server and faulty ones."""

from __future__ import annotations

import asyncio
import json
import threading

import httpx
import numpy as np
import pytest
import trimesh
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from agentscene.assets import (
    AssetNotFoundError,
    AssetServerError,
    BrokenAssetError,
    MeshLimits,
    UnsafeAssetError,
    assign_assets,
    get_backend,
    mesh_provider,
)
from agentscene.assets.procedural import build_mesh
from agentscene.assets.sam3d import Sam3DBackend, Sam3DSettings, request_for, request_key
from agentscene.assets.server import create_app, serve_in_thread
from agentscene.scene import Room, Scene, SceneObject

GOOD_GLB = build_mesh("armchair", size=(0.8, 0.9, 0.8), seed=1).export(file_type="glb")


@pytest.fixture(scope="module")
def reference_url():
    app = create_app(get_backend("procedural", embedder="hashing", cache_dir=None))
    with serve_in_thread(app) as url:
        yield url


def make_backend(url, tmp_path, **kw) -> Sam3DBackend:
    kw.setdefault("attempts", 2)
    kw.setdefault("backoff", 0.0)
    kw.setdefault("read_timeout", 5.0)
    return get_backend("sam3d", url=url, cache_dir=tmp_path / "cache", **kw)  # type: ignore[return-value]


# -- the reference server ------------------------------------------------------------------------

def test_reference_server_protocol(reference_url):
    with httpx.Client(base_url=reference_url, timeout=10) as c:
        health = c.get("/health").json()
        assert health["status"] == "healthy" and health["backend"] == "procedural"
        for body, why in [({"prompt": "x"}, "list"), ([], "empty"), ([{"image_path": "a"}], "prompt"),
                          ([{"prompt": ""}], "prompt"), ([{"prompt": "x", "size": [1, 2]}], "size"),
                          ([{"prompt": "x", "size": [1, -2, 3]}], "size"), (["str"], "not an object"),
                          ([{"prompt": "x" * 3000}], "longer"), ([{"prompt": "x"}] * 65, "at most")]:
            r = c.post("/generate_geometries", json=body)
            assert r.status_code == 400 and why in r.json()["error"], body
        assert c.post("/generate_geometries", content=b"{not json").status_code == 400
        r = c.post("/generate_geometries", json=[{"prompt": "grey fabric sofa", "size": [2.0, 0.8, 0.9]},
                                                 {"prompt": "oak dining table", "image_path": "/nonexistent.png", "output_dir": "/etc"}])
        assert r.headers["content-type"].startswith("application/x-ndjson")
        lines = [json.loads(x) for x in r.text.splitlines() if x.strip()]
        assert [x["index"] for x in lines] == [0, 1] and all(x["status"] == "success" for x in lines)
        glb = c.get(lines[0]["data"]["geometry_url"])
        assert glb.status_code == 200 and glb.content[:4] == b"glTF"
        mesh = trimesh.load(trimesh.util.wrap_as_stream(glb.content), file_type="glb", force="mesh")
        assert np.allclose(mesh.extents, (2.0, 0.8, 0.9), atol=1e-4), "the size hint is honoured"
        for name in ("../../etc/passwd", "abc.glb", "%2e%2e%2fx.glb", "0" * 24 + ".obj"):
            assert c.get(f"/geometries/{name}").status_code == 404
        assert c.get("/health").json()["completed_requests"] >= 2


def test_store_dir_keeps_glbs_on_disk(tmp_path):
    app = create_app(get_backend("procedural", embedder="hashing", cache_dir=None), store_dir=tmp_path / "store")
    with serve_in_thread(app) as url, httpx.Client(base_url=url, timeout=10) as c:
        line = json.loads(c.post("/generate_geometries", json=[{"prompt": "floor lamp"}]).text.splitlines()[0])
        path = line["data"]["geometry_path"]
        assert path.startswith(str(tmp_path / "store")) and open(path, "rb").read(4) == b"glTF"


def test_backend_end_to_end_with_disk_cache(reference_url, tmp_path):
    b = make_backend(reference_url, tmp_path)
    [m] = b.find("mustard velvet armchair", size=(0.85, 0.95, 0.85), k=3)
    assert m.asset_id.startswith("sam3d:") and m.category == "armchair" and m.source == "sam3d"
    assert b.find("mustard velvet armchair", size=(0.85, 0.95, 0.85))[0].asset_id == m.asset_id, "keyed by request"
    assert b.find("mustard velvet armchair", size=(0.8, 0.95, 0.85))[0].asset_id != m.asset_id
    assert b.find("x", k=0) == []
    mesh = b.mesh(m.asset_id)
    assert np.allclose(mesh.extents, (0.85, 0.95, 0.85), atol=1e-4)
    assert mesh.bounds[0][1] == pytest.approx(0.0, abs=1e-6)
    assert mesh.visual.kind in ("vertex", "face")
    key = m.asset_id.split(":")[1]
    assert (tmp_path / "cache" / "meshes" / f"{key}.glb").is_file()
    offline = make_backend("http://127.0.0.1:9", tmp_path, attempts=1, connect_timeout=0.2)
    assert np.allclose(offline.mesh(m.asset_id).vertices, mesh.vertices), "served from the cache, no server needed"
    with pytest.raises(AssetNotFoundError, match="no cached mesh"):
        offline.mesh("sam3d:" + "0" * 24)
    for bad in ("sam3d:../../x", "sam3d:XYZ", "procedural:bed:1", "", "sam3d:" + "a" * 25):
        with pytest.raises(AssetNotFoundError):
            offline.mesh(bad)


def test_health_and_request_keys(reference_url, tmp_path):
    b = make_backend(reference_url, tmp_path)
    assert b.client.health()["status"] == "healthy"
    s = Sam3DSettings()
    assert request_key(request_for("a", None, s)) == request_key(request_for("a", None, s))
    assert request_key(request_for("a", None, s)) != request_key(request_for("b", None, s))


# -- faulty servers ------------------------------------------------------------------------------

class Faulty:
    """A server whose /generate_geometries misbehaves in one chosen way; counts calls."""

    def __init__(self, mode: str, glb: bytes = GOOD_GLB, fail_first: int = 0):
        self.mode, self.glb, self.fail_first = mode, glb, fail_first
        self.calls = 0
        self.lock = threading.Lock()

    def app(self) -> Starlette:
        async def generate(request: Request) -> Response:
            with self.lock:
                self.calls += 1
                n = self.calls
            if self.mode == "slow":
                await asyncio.sleep(1.0)
            if self.mode == "500" or n <= self.fail_first:
                return JSONResponse({"error": "GPU on fire"}, status_code=500)
            if self.mode == "400":
                return JSONResponse({"error": "bad request"}, status_code=400)
            line = {"index": 0, "status": "success", "data": {"geometry_path": "", "geometry_url": "/g/x.glb"}}
            if self.mode == "malformed":
                return Response("this is not json\n", media_type="application/x-ndjson")
            if self.mode == "item-error":
                line = {"index": 0, "status": "error", "error": "segmentation found no object"}
            if self.mode == "absolute-url":
                line["data"]["geometry_url"] = "http://evil.example/x.glb"
            if self.mode == "wrong-index":
                line["index"] = 5
            if self.mode == "path":
                line["data"] = {"geometry_path": self.path}
            if self.mode == "truncated":
                return StreamingResponse(iter([]), media_type="application/x-ndjson")
            return StreamingResponse(iter([json.dumps(line) + "\n"]), media_type="application/x-ndjson")

        async def glb(request: Request) -> Response:
            return Response(self.glb, media_type="model/gltf-binary")

        return Starlette(routes=[Route("/generate_geometries", generate, methods=["POST"]),
                                 Route("/g/x.glb", glb, methods=["GET"])])


def serve_faulty(fault: Faulty):
    return serve_in_thread(fault.app())


def test_timeouts_are_retried_then_reported(tmp_path):
    fault = Faulty("slow")
    with serve_faulty(fault) as url:
        b = make_backend(url, tmp_path, read_timeout=0.2, attempts=2)
        [m] = b.find("chair")
        with pytest.raises(AssetServerError, match="2 attempt"):
            b.mesh(m.asset_id)
    assert fault.calls == 2


def test_server_errors_are_retried_with_backoff(tmp_path):
    fault = Faulty("ok", fail_first=2)
    with serve_faulty(fault) as url:
        b = make_backend(url, tmp_path, attempts=3, backoff=0.01)
        mesh = b.mesh(b.find("armchair")[0].asset_id)
    assert fault.calls == 3 and len(mesh.faces) > 0
    fault = Faulty("500")
    with serve_faulty(fault) as url:
        b = make_backend(url, tmp_path / "b", attempts=3, backoff=0.0)
        with pytest.raises(AssetServerError, match="HTTP 500"):
            b.mesh(b.find("armchair")[0].asset_id)
    assert fault.calls == 3


def test_client_errors_are_not_retried(tmp_path):
    fault = Faulty("400")
    with serve_faulty(fault) as url:
        b = make_backend(url, tmp_path, attempts=3)
        with pytest.raises(AssetServerError, match="refused"):
            b.mesh(b.find("armchair")[0].asset_id)
    assert fault.calls == 1


@pytest.mark.parametrize("mode,error,match", [
    ("malformed", AssetServerError, "malformed reply"),
    ("item-error", AssetServerError, "segmentation found no object"),
    ("absolute-url", AssetServerError, "must be a path on the server"),
    ("wrong-index", AssetServerError, "only 1 were sent"),
    ("truncated", AssetServerError, "without results"),
])
def test_bad_replies_are_errors_not_crashes(tmp_path, mode, error, match):
    with serve_faulty(Faulty(mode)) as url:
        b = make_backend(url, tmp_path, attempts=2)
        with pytest.raises(error, match=match):
            b.mesh(b.find("armchair")[0].asset_id)
    assert not list((tmp_path / "cache").glob("meshes/*.glb")), "nothing cached"


def test_broken_huge_and_non_finite_glbs_are_rejected_and_not_cached(tmp_path):
    with serve_faulty(Faulty("ok", glb=b"glTF\x02\x00\x00\x00garbage")) as url:
        b = make_backend(url, tmp_path)
        with pytest.raises(BrokenAssetError):
            b.mesh(b.find("armchair")[0].asset_id)
    with serve_faulty(Faulty("ok")) as url:
        b = make_backend(url, tmp_path, limits=MeshLimits(max_file_bytes=1000))
        with pytest.raises(AssetServerError, match="exceeds"):
            b.mesh(b.find("armchair")[0].asset_id)
        b = make_backend(url, tmp_path, limits=MeshLimits(max_faces=10))
        with pytest.raises(UnsafeAssetError, match="faces"):
            b.mesh(b.find("armchair")[0].asset_id)
    nan = trimesh.Trimesh(vertices=[[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]], faces=[[0, 1, 2], [0, 1, 3]], process=False)
    data = bytearray(nan.export(file_type="glb"))
    pos = data.find(np.array([1.0], np.float32).tobytes())
    data[pos:pos + 4] = np.array([np.nan], np.float32).tobytes()
    with serve_faulty(Faulty("ok", glb=bytes(data))) as url:
        b = make_backend(url, tmp_path)
        with pytest.raises(UnsafeAssetError, match="non-finite"):
            b.mesh(b.find("armchair")[0].asset_id)
    assert not list((tmp_path / "cache").glob("meshes/*.glb"))


def test_geometry_path_replies_must_stay_in_the_shared_dir(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "ok.glb").write_bytes(GOOD_GLB)
    (tmp_path / "outside.glb").write_bytes(GOOD_GLB)
    for path, ok in [(str(shared / "ok.glb"), True), (str(tmp_path / "outside.glb"), False),
                     (str(shared / ".." / "outside.glb"), False)]:
        fault = Faulty("path")
        fault.path = path
        with serve_faulty(fault) as url:
            b = make_backend(url, tmp_path / path.replace("/", "_")[-30:], shared_dir=shared)
            aid = b.find("armchair")[0].asset_id
            if ok:
                assert len(b.mesh(aid).faces) > 0
            else:
                with pytest.raises(AssetServerError, match="outside shared_dir"):
                    b.mesh(aid)
    fault = Faulty("path")
    fault.path = str(shared / "ok.glb")
    with serve_faulty(fault) as url:
        b = make_backend(url, tmp_path / "noshared")
        with pytest.raises(AssetServerError, match="neither geometry_url"):
            b.mesh(b.find("armchair")[0].asset_id)


def test_unreachable_server(tmp_path):
    b = make_backend("http://127.0.0.1:9", tmp_path, attempts=2, connect_timeout=0.2)
    with pytest.raises(AssetServerError, match="ConnectError"):
        b.mesh(b.find("armchair")[0].asset_id)
    with pytest.raises(AssetServerError):
        b.client.health()


def test_a_failing_server_never_breaks_a_scene(tmp_path):
    scene = Scene(room=Room(floor=[(0, 0), (4, 0), (4, 4), (0, 4)]), objects=(
        SceneObject(id="armchair_1", description="mustard velvet armchair", category="armchair",
                    size=(0.85, 0.95, 0.85), position=(1, 0, 1)),
    ))
    with serve_faulty(Faulty("ok", glb=b"broken")) as url:
        b = make_backend(url, tmp_path)
        result = assign_assets(scene, b)
        assert result.assignments[0].status == "failed"
        assert "BrokenAssetError" in result.assignments[0].tried[0].error
        assert result.scene == scene, "the object is left as it was"
        provider = mesh_provider(b, fallback=get_backend("procedural", embedder="hashing", cache_dir=None))
        obj = scene.objects[0].model_copy(update={"asset": None})
        assert provider(obj) is not None, "no sam3d asset: the procedural fallback answers"
        from agentscene.scene import Asset

        obj = obj.model_copy(update={"asset": Asset(source="sam3d", asset_id=b.find(obj.description)[0].asset_id)})
        mesh = provider(obj)
        assert mesh is not None and "armchair_1" in provider.errors and "sam3d" in provider.errors["armchair_1"]
