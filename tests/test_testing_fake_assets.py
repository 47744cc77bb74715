"""The shipped fake asset server speaks the real protocol to the real SAM3D client."""

from __future__ import annotations

import pytest

from agentscene.assets import get_backend
from agentscene.assets.base import AssetError
from agentscene.testing import FakeAssetServer


def _backend(url, tmp_path, **kw):
    return get_backend("sam3d", url=url, cache_dir=tmp_path / "cache", backoff=0.01, backoff_max=0.02, **kw)


def test_normal_answer_is_a_mesh(tmp_path):
    with FakeAssetServer() as server:
        backend = _backend(server.url, tmp_path)
        match = backend.find("oak dining table", size=(1.6, 0.75, 0.9))[0]
        mesh = backend.mesh(match.asset_id)
        assert len(mesh.faces) > 10
        assert server.requests >= 1


def test_injected_500s_are_retried_then_succeed(tmp_path):
    with FakeAssetServer() as server:
        server.fail("status_500", times=2)
        backend = _backend(server.url, tmp_path, attempts=3)
        mesh = backend.mesh(backend.find("armchair", size=(0.8, 0.9, 0.8))[0].asset_id)
        assert len(mesh.faces) > 10
        assert server.requests == 3


@pytest.mark.parametrize("fault", ["status_500", "broken_glb"])
def test_persistent_faults_are_asset_errors_not_crashes(tmp_path, fault):
    with FakeAssetServer() as server:
        server.fail(fault, times=5)
        backend = _backend(server.url, tmp_path, attempts=2)
        with pytest.raises(AssetError):
            backend.mesh(backend.find("bookshelf", size=(0.9, 1.9, 0.35))[0].asset_id)


def test_a_hanging_server_times_out(tmp_path):
    with FakeAssetServer(hang_seconds=3) as server:
        server.fail("hang")
        backend = _backend(server.url, tmp_path, attempts=1, read_timeout=0.3)
        with pytest.raises(AssetError):
            backend.mesh(backend.find("desk", size=(1.2, 0.75, 0.6))[0].asset_id)
