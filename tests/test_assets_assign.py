"""assign_assets, mesh_provider and the backend registry, with the procedural backend and fakes."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from agentscene import dump_scene, load_scene
from agentscene.assets import (
    AssetBackend,
    AssetMatch,
    BrokenAssetError,
    UnsafeAssetError,
    assign_assets,
    backend_names,
    get_backend,
    mesh_provider,
    register_backend,
)
from agentscene.assets.registry import BACKENDS
from agentscene.meshes import world_mesh
from agentscene.scene import NEED_RETRIEVAL, Asset, Room, Scene, SceneObject

from .conftest import fixture_paths


@pytest.fixture(scope="module")
def procedural():
    return get_backend("procedural", embedder="hashing", cache_dir=None)


def room():
    return Room(floor=[(0, 0), (6, 0), (6, 6), (0, 6)])


def o(id, description, category="object", size=(1.0, 1.0, 1.0), asset=None):
    return SceneObject(id=id, description=description, category=category, size=size, position=(3, 0, 3), asset=asset)


class FakeBackend:
    """Offers fixed candidates; some of them fail to load in chosen ways."""

    name = "fake"

    def __init__(self, broken: dict[str, Exception] | None = None, ids=("a", "b", "c")):
        self.broken = broken or {}
        self.ids = ids
        self.mesh_calls: list[str] = []
        self.find_calls = 0

    def find(self, description, category=None, size=None, k=5):
        self.find_calls += 1
        return [AssetMatch(asset_id=i, source=self.name, score=1.0 - 0.1 * n, size=(1, 2, 3)) for n, i in enumerate(self.ids)][:k]

    def mesh(self, asset_id):
        self.mesh_calls.append(asset_id)
        if asset_id in self.broken:
            raise self.broken[asset_id]
        m = trimesh.creation.box(extents=(1.0, 2.0, 3.0))
        m.apply_translation((0, 1.0, 0))
        return m


def test_protocol_and_registry():
    assert {"procedural", "3d-future", "objaverse", "sam3d"} <= set(backend_names())
    assert isinstance(FakeBackend(), AssetBackend)
    assert isinstance(get_backend("procedural", embedder=None), AssetBackend)
    with pytest.raises(ValueError, match="unknown asset backend"):
        get_backend("nope")
    with BACKENDS.scoped():
        register_backend("fake-test", lambda **kw: FakeBackend(**kw))
        with pytest.raises(ValueError, match="already registered"):
            register_backend("fake-test", lambda **kw: FakeBackend())
        with pytest.raises(ValueError):
            register_backend("  ", lambda **kw: FakeBackend())
        assert get_backend("fake-test", ids=("z",)).find("x")[0].asset_id == "z"
    assert "fake-test" not in backend_names()
    with pytest.raises(FileNotFoundError):
        get_backend("3d-future", root="/nonexistent", embedder="hashing")
    with pytest.raises(ValueError):
        get_backend("sam3d", attempts=0)


@pytest.mark.parametrize("path", fixture_paths(), ids=lambda p: p.stem)
def test_procedural_assigns_every_fixture_scene(path, procedural):
    scene = load_scene(path)
    result = assign_assets(scene, procedural)
    assert len(result.assignments) == len(scene.objects)
    for before, after, rec in zip(scene.objects, result.scene.objects, result.assignments, strict=True):
        assert after.size == before.size and after.position == before.position, "size and pose untouched"
        if before.asset is not None and before.asset.asset_id != NEED_RETRIEVAL:
            assert rec.status == "kept" and after.asset == before.asset
        else:
            assert rec.status == "assigned" and after.asset.source == "procedural"
            assert after.asset.retrieved_size is not None and all(v > 0 for v in after.asset.retrieved_size)
            procedural.mesh(after.asset.asset_id)
    again = assign_assets(result.scene, procedural)
    assert again.scene == result.scene and all(a.status == "kept" for a in again.assignments)
    for dialect in ("native", "scenerevis"):
        dump_scene(result.scene, dialect)


def test_placeholders_are_filled_identical_objects_share_an_asset_and_overwrite(procedural):
    scene = Scene(room=room(), objects=(
        o("chair_1", "bentwood dining chair", "dining_chair", (0.45, 0.9, 0.5), Asset(asset_id=NEED_RETRIEVAL)),
        o("chair_2", "bentwood dining chair", "dining_chair", (0.45, 0.9, 0.5)),
        o("chair_3", "bentwood dining chair", "dining_chair", (0.5, 0.9, 0.5)),
        o("lamp_1", "lamp", "table_lamp", (0.3, 0.5, 0.3), Asset(source="3d-future", asset_id="abc")),
    ))
    r = assign_assets(scene, procedural)
    a1, a2 = r.scene["chair_1"].asset, r.scene["chair_2"].asset
    assert a1.asset_id == a2.asset_id and a1.asset_id.startswith("procedural:dining_chair:")
    assert r.scene["lamp_1"].asset.asset_id == "abc" and r.assignments[3].status == "kept"
    r2 = assign_assets(scene, procedural, overwrite=True)
    assert r2.scene["lamp_1"].asset.source == "procedural"
    assert "4/4 assigned" in r2.summary()


def test_broken_candidates_fall_back_and_are_reported():
    fake = FakeBackend(broken={"a": BrokenAssetError("bad GLB"), "b": UnsafeAssetError("too many faces")})
    scene = Scene(room=room(), objects=(o("x_1", "thing"), o("x_2", "thing")))
    r = assign_assets(scene, fake)
    rec = r.assignments[0]
    assert rec.status == "assigned" and rec.asset_id == "c" and rec.fell_back
    assert [(t.asset_id, t.error) for t in rec.tried] == [("a", "BrokenAssetError: bad GLB"), ("b", "UnsafeAssetError: too many faces")]
    assert r.scene["x_1"].asset.retrieved_size == pytest.approx((1.0, 2.0, 3.0))
    assert fake.find_calls == 1 and fake.mesh_calls == ["a", "b", "c"], "identical objects reuse the answer"
    assert r.assignments[1].object_id == "x_2" and r.assignments[1].asset_id == "c"
    assert len(r.fell_back) == 2


def test_all_candidates_broken_leaves_the_object_alone():
    fake = FakeBackend(broken={i: BrokenAssetError("nope") for i in "abc"})
    scene = Scene(room=room(), objects=(o("x_1", "thing", asset=Asset(asset_id=NEED_RETRIEVAL)),))
    r = assign_assets(scene, fake)
    assert r.assignments[0].status == "failed" and "all 3 candidates failed" in r.assignments[0].message
    assert r.scene == scene and r.failed
    empty = assign_assets(scene, FakeBackend(ids=()))
    assert empty.assignments[0].status == "failed" and "no candidates" in empty.assignments[0].message


def test_unverified_assignment_uses_index_sizes_and_bugs_still_raise():
    fake = FakeBackend(broken={"a": BrokenAssetError("never loaded")})
    scene = Scene(room=room(), objects=(o("x_1", "thing"),))
    r = assign_assets(scene, fake, verify=False)
    assert r.scene["x_1"].asset.asset_id == "a" and fake.mesh_calls == []
    assert r.scene["x_1"].asset.retrieved_size == (1, 2, 3)
    bug = FakeBackend(broken={"a": ZeroDivisionError("our bug")})
    with pytest.raises(ZeroDivisionError):
        assign_assets(scene, bug)


def test_absurd_mesh_extents_are_a_failed_candidate():
    class Huge(FakeBackend):
        def mesh(self, asset_id):
            if asset_id == "a":
                return trimesh.creation.box(extents=(5000.0, 1.0, 1.0))
            return super().mesh(asset_id)

    r = assign_assets(Scene(room=room(), objects=(o("x_1", "thing"),)), Huge())
    assert r.assignments[0].asset_id == "b" and "not usable" in r.assignments[0].tried[0].error


def test_mesh_provider_caches_copies_and_falls_back(procedural):
    fake = FakeBackend(broken={"b": BrokenAssetError("bad")})
    provider = mesh_provider(fake, fallback=procedural)
    x = o("x_1", "grey sofa", "sofa", (2.0, 0.8, 0.9), Asset(source="fake", asset_id="a"))
    m1 = provider(x)
    m1.apply_translation((10, 0, 0))
    m2 = provider(x)
    assert fake.mesh_calls == ["a"], "loaded once"
    assert m2.bounds[0][0] == pytest.approx(-0.5), "callers get copies"
    broken = x.model_copy(update={"id": "x_2", "asset": Asset(source="fake", asset_id="b")})
    fb = provider(broken)
    assert fb is not None and np.allclose(fb.extents, (2.0, 0.8, 0.9)), "procedural fallback at the object's size"
    assert "bad" in provider.errors["x_2"]
    provider(broken)
    assert fake.mesh_calls == ["a", "b"], "a failure is cached too"
    foreign = x.model_copy(update={"asset": Asset(source="objaverse", asset_id="zz")})
    assert mesh_provider(fake)(foreign) is None, "another backend's asset: no mesh, the box is used"
    assert mesh_provider(fake)(x.model_copy(update={"asset": Asset(asset_id=NEED_RETRIEVAL)})) is None


def test_procedural_provider_gives_every_fixture_object_a_mesh(procedural):
    provider = mesh_provider(procedural)
    for path in fixture_paths():
        for obj in load_scene(path).objects:
            mesh = provider(obj)
            assert mesh is not None and np.allclose(mesh.extents, obj.size, atol=1e-3)
            wm = world_mesh(obj, mesh)
            assert np.allclose(wm.extents[1], obj.size[1], atol=1e-3)
    assert not provider.errors
