"""Untrusted mesh bytes: whatever arrives, the loader answers with a mesh or an AssetError."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import trimesh
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentscene.assets import AssetError, MeshLimits, UnsafeAssetError
from agentscene.assets.procedural import build_mesh
from agentscene.assets.safety import load_mesh

TYPES = ("glb", "obj", "ply", "stl", "off")


def _good() -> dict[str, bytes]:
    m = build_mesh("chair", seed=1)
    out = {}
    for t in TYPES:
        data = m.export(file_type=t)
        out[t] = data if isinstance(data, bytes) else data.encode()
    return out


GOOD = _good()


@pytest.mark.parametrize("file_type", TYPES)
def test_good_files_load_with_colours_where_the_format_has_them(file_type):
    m = load_mesh(GOOD[file_type], file_type, limits=MeshLimits())
    assert len(m.faces) == len(build_mesh("chair", seed=1).faces)
    assert np.isfinite(m.vertices).all()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(file_type=st.sampled_from(TYPES), data=st.data())
def test_mutated_files_never_escape_as_other_exceptions(file_type, data):
    raw = bytearray(GOOD[file_type])
    edits = data.draw(st.lists(st.tuples(st.integers(0, len(raw) - 1), st.integers(0, 255)), max_size=20))
    for pos, value in edits:
        raw[pos] = value
    cut = data.draw(st.integers(0, len(raw)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            m = load_mesh(bytes(raw[:cut] if data.draw(st.booleans()) else raw), file_type, limits=MeshLimits())
        except AssetError:
            return
    assert np.isfinite(m.vertices).all() and m.faces.max() < len(m.vertices)
    assert m.copy().visual.face_colors.shape == (len(m.faces), 4), "colours usable by renderers"


@settings(max_examples=100, deadline=None)
@given(file_type=st.sampled_from(TYPES), blob=st.binary(max_size=400))
def test_random_bytes_never_escape(file_type, blob):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            load_mesh(blob, file_type, limits=MeshLimits())
        except AssetError:
            pass


def test_instancing_bombs_are_capped_before_copying():
    box = trimesh.creation.box()
    scene = trimesh.Scene()
    for i in range(500):
        scene.add_geometry(box, geom_name="box", node_name=f"n{i}", transform=trimesh.transformations.translation_matrix((i, 0, 0)))
    data = scene.export(file_type="glb")
    assert len(data) < 200_000, "small file"
    with pytest.raises(UnsafeAssetError, match="6000 faces"):
        load_mesh(data, "glb", limits=MeshLimits(max_faces=5000))
    m = load_mesh(data, "glb", limits=MeshLimits())
    assert len(m.faces) == 6000


def test_plain_pbr_colours_and_textures_become_usable_colours():
    from PIL import Image
    from trimesh.visual.material import PBRMaterial

    box = trimesh.creation.box()
    box.visual = trimesh.visual.TextureVisuals(uv=np.full((8, 2), 0.5), material=PBRMaterial(baseColorFactor=[255, 0, 0, 255]))
    m = load_mesh(box.export(file_type="glb"), "glb", limits=MeshLimits())
    assert m.visual.kind == "face" and (m.visual.face_colors[:, :3] == (255, 0, 0)).all()
    box.visual = trimesh.visual.TextureVisuals(uv=np.full((8, 2), 0.5), image=Image.new("RGB", (4, 4), (0, 0, 250)))
    m = load_mesh(box.export(file_type="glb"), "glb", limits=MeshLimits())
    assert m.visual.kind == "vertex" and (m.visual.vertex_colors[:, :3] == (0, 0, 250)).all()
    assert m.copy().visual.face_colors.shape == (12, 4)
