"""3D-FUTURE and Objaverse backends over small datasets in their real on-disk layouts."""

from __future__ import annotations

import gzip
import json
import math
import os

import numpy as np
import pytest
import trimesh

from agentscene.assets import (
    AssetNotFoundError,
    BrokenAssetError,
    MeshLimits,
    MissingExtraError,
    UnsafeAssetError,
    assign_assets,
    get_backend,
)
from agentscene.assets.canonical import canonicalize, frame_rotation
from agentscene.assets.future3d import obj_extents
from agentscene.assets.index import AssetIndexError
from agentscene.assets.objaverse import annotated_size
from agentscene.assets.procedural import build_mesh
from agentscene.assets.safety import check_asset_id, load_mesh, load_mesh_file, safe_child
from agentscene.assets.synthetic import SyntheticModel, write_future3d, write_objaverse
from agentscene.scene import NEED_RETRIEVAL, Asset, Room, Scene, SceneObject

MODELS = [
    SyntheticModel("0a1-oak-table", "Dining Table", (1.6, 0.75, 0.9), material="Oak", style="Nordic"),
    SyntheticModel("0a2-glass-table", "Dining Table", (2.4, 0.76, 1.0), material="Glass", style="Modern"),
    SyntheticModel("0b1-king-bed", "King-size Bed", (2.0, 1.1, 2.2), material="Cloth", texture_rgb=(200, 30, 30)),
    SyntheticModel("0b2-single-bed", "Single bed", (1.0, 0.9, 2.0), material="Cloth"),
    SyntheticModel("0c1-lounge", "Lounge Chair / Cafe Chair / Office Chair", (0.7, 0.9, 0.75), material="Leather"),
    SyntheticModel("0d1-pendant", "Pendant Lamp", (0.5, 0.6, 0.5), material="Metal"),
    SyntheticModel("0e1-wardrobe", "Wardrobe", (1.2, 2.1, 0.6), mesh="box"),
]


@pytest.fixture
def future(tmp_path):
    root = write_future3d(tmp_path / "3D-FUTURE-model", MODELS)
    info = json.loads((root / "model_info.json").read_text())
    # bad entries the scan must skip, each for its own reason
    info += [
        {"model_id": "../escape", "category": "Wardrobe"},
        {"model_id": "1-missing", "category": "Desk"},
        {"model_id": "1-nan", "category": "Desk"},
        {"model_id": "1-garbage", "category": "Desk"},
        "not a record",
        {"model_id": None, "category": "Desk"},
    ]
    (root / "1-nan").mkdir()
    (root / "1-nan" / "raw_model.obj").write_text("v 0 0 0\nv nan 1 1\nv 1 0 1\nf 1 2 3\n")
    (root / "1-garbage").mkdir()
    (root / "1-garbage" / "raw_model.obj").write_text("v a b c\nf x y z\n")
    (root / "model_info.json").write_text(json.dumps(info))
    return root


def backend_for(root, tmp_path, **kw):
    kw.setdefault("embedder", "hashing")
    kw.setdefault("progress", False)
    return get_backend("3d-future", root=root, index_dir=tmp_path / "index", **kw)


def test_scan_indexes_good_models_and_reports_bad_ones(future, tmp_path):
    b = backend_for(future, tmp_path)
    idx = b.index
    assert sorted(e.asset_id for e in idx.entries) == sorted(m.jid for m in MODELS)
    problems = " | ".join(idx.manifest["problems"])
    for why in ("../escape", "1-missing", "1-nan", "1-garbage", "not an object"):
        assert why in problems
    assert idx.manifest["skipped"] == 6
    e = idx.get("0a1-oak-table")
    assert e.category == "dining_table" and e.text == "Nordic Oak Dining Table"
    assert np.allclose(e.size, (1.6, 0.75, 0.9), atol=1e-6), "sizes come from the OBJ vertices"
    assert idx.get("0c1-lounge").category == "armchair"
    assert idx.get("0d1-pendant").category == "ceiling_lamp"
    assert (tmp_path / "index" / "embeddings.npy").is_file()


def test_find_uses_text_and_size(future, tmp_path):
    b = backend_for(future, tmp_path)
    assert b.find("oak dining table", size=(1.6, 0.75, 0.9), k=1)[0].asset_id == "0a1-oak-table"
    assert b.find("dining table", size=(2.4, 0.76, 1.0), k=1)[0].asset_id == "0a2-glass-table"
    assert b.find("bed", size=(1.0, 0.9, 2.0), k=1)[0].asset_id == "0b2-single-bed"
    assert b.find("bed", size=(2.0, 1.1, 2.2), k=1)[0].asset_id == "0b1-king-bed"
    assert len(b.find("dining table", category="object", k=3)) == 3, "'object' does not filter"
    beds = b.find("something", category="bed", k=5)
    assert {m.asset_id for m in beds} == {"0b1-king-bed", "0b2-single-bed"}
    m = b.find("pendant lamp", k=1)[0]
    assert (m.source, m.uri, m.category) == ("3d-future", "0d1-pendant/raw_model.obj", "ceiling_lamp")


def test_index_is_cached_and_rebuilt_when_stale(future, tmp_path, monkeypatch):
    backend_for(future, tmp_path).load_or_build()
    b2 = backend_for(future, tmp_path)
    monkeypatch.setattr(type(b2), "scan", lambda self: pytest.fail("a fresh index must be reused"))
    assert len(b2.index) == len(MODELS)
    monkeypatch.undo()
    info = json.loads((future / "model_info.json").read_text())
    (future / "model_info.json").write_text(json.dumps([r for r in info if isinstance(r, dict) and r.get("model_id") != "0e1-wardrobe"]))
    with pytest.raises(AssetIndexError, match="stale"):
        backend_for(future, tmp_path, rebuild="never").load_or_build()
    assert len(backend_for(future, tmp_path).index) == len(MODELS) - 1, "auto rebuilds a stale index"
    other = backend_for(future, tmp_path, embedder={"name": "hashing", "dim": 64})
    assert other.index.embeddings.shape[1] == 64, "a different embedder invalidates the index"
    with pytest.raises(AssetIndexError, match="no 3d-future index"):
        get_backend("3d-future", root=future, index_dir=tmp_path / "none", embedder="hashing", rebuild="never").load_or_build()


def test_progress_bar_build(future, tmp_path, capsys):
    b = backend_for(future, tmp_path, progress=True)
    assert len(b.build_index()) == len(MODELS)


def test_meshes_are_canonical_and_textures_become_colours(future, tmp_path):
    b = backend_for(future, tmp_path)
    m = b.mesh("0b1-king-bed")
    assert np.allclose(m.extents, (2.0, 1.1, 2.2), atol=1e-6)
    lo, hi = m.bounds
    assert lo[1] == pytest.approx(0.0) and (lo[0] + hi[0]) == pytest.approx(0.0) and (lo[2] + hi[2]) == pytest.approx(0.0)
    assert m.visual.kind == "vertex"
    assert np.all(m.visual.vertex_colors[:, :3] == (200, 30, 30)), "texture.png sampled into vertex colours"
    assert np.allclose(b.mesh("0e1-wardrobe").extents, (1.2, 2.1, 0.6))


def test_mesh_safety(future, tmp_path):
    b = backend_for(future, tmp_path)
    for bad in ("../escape", "a/b", "/etc/passwd", "..", ".hidden", "", "x" * 200):
        with pytest.raises(UnsafeAssetError):
            b.mesh(bad)
    with pytest.raises(AssetNotFoundError):
        b.mesh("1-missing")
    with pytest.raises(UnsafeAssetError, match="non-finite"):
        b.mesh("1-nan")
    with pytest.raises(BrokenAssetError):
        b.mesh("1-garbage")
    # a symlinked model folder that leads outside the dataset root
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "raw_model.obj").write_text("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n")
    os.symlink(outside, future / "2-link")
    with pytest.raises(UnsafeAssetError, match="outside the dataset root"):
        b.mesh("2-link")
    small = backend_for(future, tmp_path, limits=MeshLimits(max_file_bytes=200))
    with pytest.raises(UnsafeAssetError, match="byte cap"):
        small.mesh("0b1-king-bed")
    few = backend_for(future, tmp_path, limits=MeshLimits(max_faces=10))
    with pytest.raises(UnsafeAssetError, match="faces"):
        few.mesh("0b1-king-bed")


def test_obj_references_outside_the_model_folder_are_not_read(tmp_path):
    secret = tmp_path / "secret.mtl"
    secret.write_text("newmtl red\nKd 1 0 0\n")
    folder = tmp_path / "ds" / "m1"
    folder.mkdir(parents=True)
    reads = []
    import agentscene.assets.safety as safety

    real = safety.read_capped

    def spy(path, limits):
        reads.append(str(path))
        return real(path, limits)

    for ref in ("../../secret.mtl", str(secret)):
        (folder / "raw_model.obj").write_text(f"mtllib {ref}\nusemtl red\nv 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n")
        safety.read_capped = spy
        try:
            mesh = load_mesh_file(folder / "raw_model.obj", limits=MeshLimits())
        except UnsafeAssetError:
            mesh = None  # refusing the whole file is fine too
        finally:
            safety.read_capped = real
        assert not any("secret" in r for r in reads), "never read a file outside the sandbox"
        if mesh is not None:
            assert len(mesh.faces) == 1


def test_safe_child_and_ids():
    with pytest.raises(UnsafeAssetError):
        safe_child("/data", "../x")
    with pytest.raises(UnsafeAssetError):
        safe_child("/data", "/abs")
    with pytest.raises(UnsafeAssetError):
        safe_child("/data", "C:\\windows")
    with pytest.raises(UnsafeAssetError):
        safe_child("/data", "a\\..\\..\\b")
    assert str(safe_child("/data", "a", "b.obj")).endswith("/data/a/b.obj")
    assert check_asset_id("6f1e-2b.x_y") == "6f1e-2b.x_y"
    for bad in ("a/b", "a..b", "-x", "", None, 5):
        with pytest.raises(UnsafeAssetError):
            check_asset_id(bad)


def test_load_mesh_rejects_bad_bytes():
    limits = MeshLimits()
    with pytest.raises(UnsafeAssetError, match="file type"):
        load_mesh(b"\x80\x04pickle", "pkl", limits=limits)
    with pytest.raises(BrokenAssetError):
        load_mesh(b"glTF garbage", "glb", limits=limits)
    with pytest.raises(BrokenAssetError):
        load_mesh(b"", "obj", limits=limits)
    flat = trimesh.Trimesh(vertices=[[0, 0, 0], [1, 0, 0], [2, 0, 0]], faces=[[0, 1, 2]], process=False)
    with pytest.raises(BrokenAssetError, match="degenerate"):
        load_mesh(flat.export(file_type="glb"), "glb", limits=limits)
    inf = trimesh.Trimesh(vertices=[[0, 0, 0], [1, 0, 0], [0, 1e309, 0]], faces=[[0, 1, 2]], process=False)
    with pytest.raises(UnsafeAssetError, match="non-finite"):
        load_mesh(inf.export(file_type="ply"), "ply", limits=limits)
    # a glTF whose buffer points at a file: no resolver is allowed to read it
    gltf = {"asset": {"version": "2.0"}, "buffers": [{"uri": "../../../etc/passwd", "byteLength": 36}],
            "bufferViews": [{"buffer": 0, "byteLength": 36}],
            "accessors": [{"bufferView": 0, "componentType": 5126, "count": 3, "type": "VEC3", "max": [1, 1, 1], "min": [0, 0, 0]}],
            "meshes": [{"primitives": [{"attributes": {"POSITION": 0}}]}], "nodes": [{"mesh": 0}], "scenes": [{"nodes": [0]}]}
    with pytest.raises((UnsafeAssetError, BrokenAssetError)):
        load_mesh(json.dumps(gltf).encode(), "gltf", limits=limits)


def test_obj_extents_reads_only_vertex_lines():
    assert obj_extents(b"# c\nv 0 0 0\nvn 0 1 0\nv 2 3 4 1 1 1\nf 1 2 3\n") == (2.0, 3.0, 4.0)
    with pytest.raises(BrokenAssetError):
        obj_extents(b"f 1 2 3\n")


def test_assign_falls_back_past_a_broken_best_match(future, tmp_path):
    # the best text match for "oak dining table" is broken: vertices only, no faces
    info = json.loads((future / "model_info.json").read_text())
    info.append({"model_id": "0a0-oak-table-broken", "category": "Dining Table", "style": "Nordic", "material": "Oak"})
    (future / "model_info.json").write_text(json.dumps(info))
    (future / "0a0-oak-table-broken").mkdir()
    (future / "0a0-oak-table-broken" / "raw_model.obj").write_text("v -0.81 0 -0.45\nv 0.81 0.75 0.45\n")
    b = backend_for(future, tmp_path)
    assert b.find("oak dining table", size=(1.62, 0.75, 0.9), k=1)[0].asset_id == "0a0-oak-table-broken"
    room = Room(floor=[(0, 0), (5, 0), (5, 5), (0, 5)])
    scene = Scene(room=room, objects=(
        SceneObject(id="table_1", description="oak dining table", category="dining_table", size=(1.62, 0.75, 0.9),
                    position=(2, 0, 2), asset=Asset(asset_id=NEED_RETRIEVAL)),
        SceneObject(id="bed_1", description="single bed", category="bed", size=(1.0, 0.9, 2.0), position=(4, 0, 3)),
        SceneObject(id="lamp_1", description="pendant lamp", category="ceiling_lamp", size=(0.5, 0.6, 0.5),
                    position=(2, 2, 2), support="ceiling", asset=Asset(source="3d-future", asset_id="0d1-pendant")),
    ))
    result = assign_assets(scene, b)
    t = result.assignments[0]
    assert t.status == "assigned" and t.asset_id == "0a1-oak-table" and t.fell_back
    assert t.tried[0].asset_id == "0a0-oak-table-broken" and "no triangle mesh" in t.tried[0].error
    assert result.scene["table_1"].asset.retrieved_size == pytest.approx((1.6, 0.75, 0.9), abs=1e-6)
    assert result.scene["table_1"].size == (1.62, 0.75, 0.9), "size stays authoritative"
    assert result.scene["bed_1"].asset.asset_id == "0b2-single-bed"
    assert result.assignments[2].status == "kept"
    assert len(result.fell_back) == 1 and not result.failed


# -- Objaverse ---------------------------------------------------------------------------------

def _marked_mesh(front_axis: str):
    """A box with a small red cube on its `front_axis` side: where the front is, visibly."""
    body = trimesh.creation.box(extents=(1.0, 1.0, 1.0))
    body.visual.face_colors = (200, 200, 200, 255)
    marker = trimesh.creation.box(extents=(0.2, 0.2, 0.2))
    marker.visual.face_colors = (255, 0, 0, 255)
    offset = {"+x": (0.6, 0, 0), "-x": (-0.6, 0, 0), "+z": (0, 0, 0.6), "-z": (0, 0, -0.6), "+y": (0, 0.6, 0)}[front_axis]
    marker.apply_translation(offset)
    return trimesh.util.concatenate([body, marker])


def _red_centre(mesh):
    red = np.all(mesh.visual.vertex_colors[:, :3] == (255, 0, 0), axis=1) if mesh.visual.kind == "vertex" else \
        np.isin(np.arange(len(mesh.vertices)), mesh.faces[np.all(mesh.visual.face_colors[:, :3] == (255, 0, 0), axis=1)])
    return mesh.vertices[red].mean(axis=0)


@pytest.fixture
def objaverse(tmp_path):
    records = {
        "aa11": {"uid": "aa11", "description": "a red leather armchair", "category": "armchair",
                 "thor_metadata": {"assetMetadata": {"boundingBox": {"min": {"x": -0.4, "y": 0, "z": -0.4}, "max": {"x": 0.4, "y": 0.9, "z": 0.4}}}}},
        "bb22": {"uid": "bb22", "description_auto": "wooden bookcase with five shelves", "category": "bookshelf",
                 "width": 90, "height": 190, "length": 35},
        "cc33": {"uid": "cc33", "description": "front marker box", "category": "box", "front": "+x", "scale": 2.0, "z_axis_scale": True},
        "dd44": {"uid": "dd44", "description": "turned marker box", "category": "box", "pose_z_rot_angle": -math.pi / 2},
        "ee55": {"uid": "ee55", "description": "annotated but no glb", "category": "vase", "size": [0.3, 0.5, 0.3]},
        "../x": {"uid": "../x", "description": "evil"},
    }
    meshes = {
        "aa11": build_mesh("armchair", size=(0.8, 0.9, 0.8), seed=1),
        "bb22": build_mesh("bookshelf", size=(0.9, 1.9, 0.35), seed=2),
        "cc33": _marked_mesh("+x"),
        "dd44": _marked_mesh("+x"),
    }
    ann, glbs = write_objaverse(tmp_path / "objathor", records, meshes)
    return ann, glbs


def objaverse_backend(objaverse, tmp_path, **kw):
    ann, glbs = objaverse
    return get_backend("objaverse", annotations=ann, glb_dir=glbs, index_dir=tmp_path / "oindex",
                       embedder="hashing", progress=False, **kw)


def test_objaverse_index_sizes_and_find(objaverse, tmp_path):
    b = objaverse_backend(objaverse, tmp_path)
    idx = b.index
    assert sorted(e.asset_id for e in idx.entries) == ["aa11", "bb22", "cc33", "dd44", "ee55"]
    assert "../x" in " ".join(idx.manifest["problems"])
    assert idx.get("aa11").size == pytest.approx((0.8, 0.9, 0.8))
    assert idx.get("bb22").size == pytest.approx((0.9, 1.9, 0.35)), "centimetre width/height/length"
    assert idx.get("ee55").size == (0.3, 0.5, 0.3)
    assert b.find("leather armchair", k=1)[0].asset_id == "aa11"
    assert b.find("bookcase", size=(0.9, 1.9, 0.35), k=1)[0].asset_id == "bb22"


def test_objaverse_meshes_are_canonicalised_from_annotations(objaverse, tmp_path):
    b = objaverse_backend(objaverse, tmp_path)
    arm = b.mesh("aa11")
    assert np.allclose(arm.extents, (0.8, 0.9, 0.8), atol=1e-6)
    front = b.mesh("cc33")  # annotated front +x: turned so the marker faces +z, scaled to 2 m tall
    centre = _red_centre(front)
    assert centre[2] > 0.6 and abs(centre[0]) < 0.05
    assert front.extents[1] == pytest.approx(2.0)
    assert front.bounds[0][1] == pytest.approx(0.0)
    turned = b.mesh("dd44")  # -90 degrees about up brings +x to +z
    c = _red_centre(turned)
    assert c[2] > 0.3 and abs(c[0]) < 0.05


def test_objaverse_missing_glbs_and_downloads(objaverse, tmp_path, monkeypatch):
    b = objaverse_backend(objaverse, tmp_path)
    with pytest.raises(AssetNotFoundError, match="download=True"):
        b.mesh("ee55")
    with pytest.raises(UnsafeAssetError):
        b.mesh("../x")
    import builtins

    real_import = builtins.__import__

    def no_objaverse(name, *a, **kw):
        if name == "objaverse":
            raise ImportError("No module named 'objaverse'")
        return real_import(name, *a, **kw)

    monkeypatch.setattr(builtins, "__import__", no_objaverse)
    with pytest.raises(MissingExtraError, match=r"agentscene\[objaverse\]"):
        objaverse_backend(objaverse, tmp_path, download=True).mesh("ee55")


def test_objaverse_object_paths_map_stays_inside_glb_dir(objaverse, tmp_path):
    ann, glbs = objaverse
    paths = tmp_path / "object-paths.json.gz"
    with gzip.open(paths, "wt") as fh:
        json.dump({"aa11": "aa/aa11.glb", "bb22": "../../../../etc/passwd"}, fh)
    b = get_backend("objaverse", annotations=ann, glb_dir=glbs, object_paths=paths, index_dir=tmp_path / "oi",
                    embedder="hashing", progress=False)
    assert len(b.mesh("aa11").faces) > 0
    with pytest.raises(UnsafeAssetError):
        b.mesh("bb22")


def test_objaverse_list_annotations_and_bad_files(tmp_path):
    ann = tmp_path / "ann.json"
    ann.write_text(json.dumps([{"uid": "u1", "description": "floor lamp", "size": [0.4, 1.6, 0.4]}, {"no": "uid"}]))
    b = get_backend("objaverse", annotations=ann, glb_dir=tmp_path, index_dir=tmp_path / "i", embedder="hashing", progress=False)
    assert [e.asset_id for e in b.index.entries] == ["u1"]
    bad = tmp_path / "bad.json.gz"
    bad.write_bytes(b"not gzip")
    with pytest.raises(BrokenAssetError):
        get_backend("objaverse", annotations=bad, glb_dir=tmp_path, index_dir=tmp_path / "j", embedder="hashing",
                    progress=False).load_or_build()


def test_annotated_size_hints():
    assert annotated_size({"objectOrientedBoundingBox": {}, "axisAlignedBoundingBox": {"sizeX": 1, "sizeY": 2, "sizeZ": 3}}) == (1, 2, 3)
    assert annotated_size({"bbox": {"min": [0, 0, 0], "max": [1, 2, 3]}}) == (1, 2, 3)
    assert annotated_size({"thor_metadata": {"assetMetadata": {"boundingBox": {"x": 1, "y": 2, "z": 3}}}}) == (1, 2, 3)
    assert annotated_size({"size": [1, "nan", 3]}) is None
    assert annotated_size({}) is None


def test_frame_rotation():
    assert np.allclose(frame_rotation("+y", "+z"), np.eye(3))
    r = frame_rotation("+z", "-y")  # a z-up mesh whose front faces -y (Blender convention)
    assert np.allclose(r @ [0, 0, 1], [0, 1, 0]) and np.allclose(r @ [0, -1, 0], [0, 0, 1])
    assert np.isclose(np.linalg.det(r), 1.0)
    with pytest.raises(ValueError):
        frame_rotation("+y", "-y")
    with pytest.raises(ValueError):
        frame_rotation("up", "+z")
    m = canonicalize(trimesh.creation.box(extents=(1, 2, 3)), up="+z", front="-y")
    assert np.allclose(m.extents, (1, 3, 2)) and m.bounds[0][1] == pytest.approx(0)
