"""compat="scenerevis" without remeshing gives exactly the voxels of SceneReVis' procedure.

The reference is agentscene.testing.scenerevis_reference: their steps transcribed with
trimesh (`mesh.voxelized(p).fill()`, floor placement, voxel set intersections). Voxel
counts must be equal, not close. Boxes and rooms are kept small so that trimesh is quick.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentscene.rewards import IncrementalEvaluator, Tolerances, evaluate, scene_geometry
from agentscene.rewards.scenerevis import ScenereVisState, scenerevis_rotated_mesh
from agentscene.rewards.voxels import (
    VoxelCache,
    VoxelLimitError,
    prism_voxels,
    room_mesh,
)
from agentscene.testing.scenerevis_reference import (
    reference_pbl,
    reference_room,
    reference_scenerevis,
    reference_voxels,
    trimesh_voxels,
)

from .test_rewards_common import box, rect, rotate, scene

PITCH = 0.05
LIMIT = 10 ** 8
RIGHT = (0.0, 90.0, 180.0, -90.0, 270.0, -180.0, 360.0)

# Lengths down to 1 cm, many on voxel boundaries (multiples of p/2), a few just off them.
lengths = st.one_of(st.integers(1, 16).map(lambda k: k * 0.025), st.floats(0.01, 0.45),
                    st.sampled_from([0.01, 0.0125, 0.049999, 0.050001, 0.0749]))
yaws = st.one_of(st.sampled_from(RIGHT), st.floats(-180.0, 180.0))


def dense(block) -> np.ndarray:
    return np.ones(block.shape, dtype=bool) if block.cells is None else block.cells


def assert_same(fast, ref) -> None:
    assert np.array_equal(fast.origin, ref.origin)
    assert fast.shape == ref.shape and fast.count == ref.count
    assert np.array_equal(dense(fast), dense(ref))
    assert np.array_equal(fast.translation, ref.translation)  # bit for bit: it decides their floor()


@given(size=st.tuples(lengths, lengths, lengths), yaw=yaws)
@settings(max_examples=40, deadline=None)
def test_box_voxels_equal_trimesh(size, yaw):
    obj = box("crate_1", size, (0.0, 0.0), yaw)
    mesh = scenerevis_rotated_mesh(obj, None)
    cache = VoxelCache(PITCH, limit=LIMIT)
    block, corners = cache.box(obj.size, obj.yaw)
    assert np.array_equal(corners, mesh.vertices)  # their corners, bit for bit
    assert_same(block, trimesh_voxels(mesh, PITCH))
    if yaw in RIGHT:
        assert cache.subdivided == 0  # right angles are a closed form


nice = st.sampled_from([0.25, 0.4, 0.5, 0.6, 0.75, 0.8, 1.0, 1.2, 1.5, 2.0])  # ratios that make isosceles pieces


@given(size=st.tuples(nice | st.floats(0.3, 2.2), nice | st.floats(0.05, 1.2), nice | st.floats(0.3, 2.2)),
       yaw=st.sampled_from([15.0, 30.0, 45.0, 135.0]) | st.floats(-180.0, 180.0))
@settings(max_examples=10, deadline=None)
def test_large_rotated_box_voxels_equal_trimesh(size, yaw):
    obj = box("sofa_1", size, (0.0, 0.0), yaw)
    cache = VoxelCache(PITCH, limit=LIMIT)
    assert_same(cache.box(obj.size, obj.yaw)[0], trimesh_voxels(scenerevis_rotated_mesh(obj, None), PITCH))


def test_box_voxel_inflation_matches_their_numbers():
    cache = VoxelCache(PITCH, limit=LIMIT)
    assert cache.box((1.0, 1.0, 1.0), 0.0)[0].count == 21 ** 3  # a 1 m cube is 21 voxels per axis
    assert cache.box((20.0, 0.001, 1.0), 90.0)[0].shape == (21, 1, 401)
    assert cache.subdivided == 0


corner = st.integers(-8, 8).map(lambda k: k * 0.025) | st.floats(-0.3, 0.3)
side = st.integers(2, 24).map(lambda k: k * 0.025) | st.floats(0.05, 0.6)


@given(x0=corner, z0=corner, w1=side, w2=side, d1=side, d2=side, turns=st.integers(0, 3),
       shape=st.sampled_from(["rect", "L"]),
       height=st.sampled_from([0.02, 0.05, 0.075, 0.1]) | st.floats(0.01, 0.3))
@settings(max_examples=15, deadline=None)
def test_axis_parallel_room_voxels_equal_trimesh(x0, z0, w1, w2, d1, d2, turns, shape, height):
    if shape == "rect":
        floor = rect(w1 + w2, d1 + d2, x0, z0)
    else:
        x1, x2, z1, z2 = x0 + w1, x0 + w1 + w2, z0 + d1, z0 + d1 + d2
        floor = [(x0, z0), (x2, z0), (x2, z1), (x1, z1), (x1, z2), (x0, z2)]
    floor = rotate(floor, 90.0 * turns) if turns else floor  # quarter turns keep walls on the axes
    floor = [(round(x, 12) + 0.0, round(z, 12) + 0.0) for x, z in floor]
    s = scene([], floor=floor, height=height)
    fast = prism_voxels(s.room.floor, s.room.height, PITCH, limit=LIMIT)
    assert fast is not None
    assert_same(fast, trimesh_voxels(room_mesh(s.room), PITCH))


# -- asset meshes and arbitrary triangles: the subdivision replay ---------------------------

def _asset_cases():
    """Every procedural category once, sizes and yaws cycling (right angles, near-axis, generic)."""
    from agentscene.assets.procedural.registry import builder_categories
    from agentscene.categories import category_info

    scales = (0.5, 0.8, 1.0)  # of the typical size, at most 1.1 m across (trimesh's reference is slow)
    turns = (0.0, 15.0, 90.0, 175.0, 45.0, -30.0, 180.0, 33.3, -90.0, 120.0, 5.0)
    cases = []
    for k, cat in enumerate(builder_categories()):
        size = np.asarray(category_info(cat).size, dtype=float) * scales[k % 3]
        size *= min(1.0, 1.1 / size.max())
        cases.append((cat, tuple(round(float(v), 3) for v in size), turns[k % len(turns)]))
    return cases


def test_every_procedural_asset_mesh_voxelises_exactly_as_trimesh():
    from agentscene.assets.procedural.registry import build_mesh

    cases = _asset_cases()
    assert len(cases) > 50
    rotated = [scenerevis_rotated_mesh(box(f"{cat}_1", size, (0, 0), yaw, category=cat), build_mesh(cat, size))
               for cat, size, yaw in cases]
    cache = VoxelCache(PITCH, limit=LIMIT)
    cache.prefetch(meshes=[((k,), m) for k, m in enumerate(rotated)])  # one batch, as a scene would
    assert cache.subdivided == len(cases)
    for k, m in enumerate(rotated):
        assert_same(cache.mesh((k,), m), trimesh_voxels(m, PITCH))


@pytest.mark.parametrize("kind", ["cone", "cylinder"])
@pytest.mark.parametrize(("size", "yaw"), [((0.4, 0.3, 0.4), 15.0), ((0.5, 0.5, 0.5), 15.0), ((0.4, 0.3, 0.4), 30.0),
                                           ((0.5, 0.5, 0.5), 30.0), ((0.3, 1.2, 0.3), 0.0)])
def test_fans_with_tied_diagonals_voxelise_exactly(kind, size, yaw):
    """Cone and cylinder fans are isosceles: trimesh's shorter-diagonal test is an exact tie
    that floating-point noise decides face by face (a translated pattern got these off by one)."""
    import trimesh

    raw = (trimesh.creation.cone(radius=0.2, height=0.3, sections=24) if kind == "cone"
           else trimesh.creation.cylinder(radius=0.2, height=0.5, sections=24))
    mesh = scenerevis_rotated_mesh(box("lamp_1", size, (0, 0), yaw), raw)
    assert_same(VoxelCache(PITCH, limit=LIMIT).mesh(("lamp",), mesh), trimesh_voxels(mesh, PITCH))


# coordinates: on half- and quarter-voxel ties, just off them, or anywhere
coordinate = st.one_of(st.integers(-12, 12).map(lambda k: k * PITCH / 4), st.floats(-0.3, 0.3),
                       st.integers(-12, 12).map(lambda k: k * PITCH / 2 + 1e-12))


@given(points=st.lists(st.tuples(coordinate, coordinate, coordinate), min_size=3, max_size=9),
       faces=st.lists(st.tuples(st.integers(0, 8), st.integers(0, 8), st.integers(0, 8)), min_size=1, max_size=8),
       yaw=st.sampled_from([0.0, 90.0, 30.0]) | st.floats(-180.0, 180.0))
@settings(max_examples=60, deadline=None)
def test_arbitrary_and_degenerate_meshes_voxelise_exactly(points, faces, yaw):
    """Triangle soups with repeated corners, collinear and zero-area faces, unused vertices and
    vertices on voxel ties: the hit set before filling and the filled block equal trimesh's."""
    import trimesh
    from trimesh.voxel.creation import voxelize_subdivide

    from agentscene.geometry import rotation_matrix_y
    from agentscene.rewards.subdivide import subdivision_hits
    from agentscene.rewards.voxels import subdivided_blocks

    v = np.asarray(points, dtype=float)
    if yaw:
        v = v @ rotation_matrix_y(yaw).T
    f = np.asarray([face for face in faces if max(face) < len(v)] or [(0, 1, 2)], dtype=np.int64)
    mesh = trimesh.Trimesh(v, f, process=False, validate=False)
    ((origin, hits),) = subdivision_hits([(v, f)], PITCH)
    ref = voxelize_subdivide(mesh, PITCH)
    assert np.array_equal(origin, np.round(np.asarray(ref.translation) / PITCH).astype(np.int64))
    assert np.array_equal(hits, np.asarray(ref.matrix, dtype=bool))
    assert_same(subdivided_blocks([(v, f)], PITCH, limit=LIMIT)[0], trimesh_voxels(mesh, PITCH))


@given(points=st.lists(st.tuples(coordinate, coordinate, coordinate), min_size=3, max_size=9),
       faces=st.lists(st.tuples(st.integers(0, 8), st.integers(0, 8), st.integers(0, 8)), min_size=1, max_size=8),
       yaw=st.sampled_from([0.0, 90.0, 30.0]) | st.floats(-180.0, 180.0))
@settings(max_examples=40, deadline=None)
def test_trimesh4_rule_replays_its_subdivision(points, faces, yaw):
    """SceneReVis ran trimesh 4.12.2, whose subdivision splits every face with a long edge
    1 -> 4 and keeps only vertices of faces: rule="regular" hits the cells of that vertex set
    (checked against trimesh 4.12.2 itself on 3,700 random meshes outside the test suite)."""
    from agentscene.geometry import rotation_matrix_y
    from agentscene.rewards.subdivide import subdivision_hits
    from agentscene.testing.scenerevis_reference import trimesh4_subdivided_vertices

    v = np.asarray(points, dtype=float) @ rotation_matrix_y(yaw).T
    f = np.asarray([face for face in faces if max(face) < len(v)] or [(0, 1, 2)], dtype=np.int64)
    ((origin, hits),) = subdivision_hits([(v, f)], PITCH, rule="regular")
    cells = np.round(trimesh4_subdivided_vertices(v, f, PITCH / 2.0) / PITCH).astype(np.int64)
    assert np.array_equal(origin, cells.min(axis=0))
    expected = np.zeros(tuple(cells.max(axis=0) - origin + 1), dtype=bool)
    expected[tuple((cells - origin).T)] = True
    assert np.array_equal(hits, expected)


def test_compat_trimesh_4_voxelises_as_trimesh_4():
    """Tolerances(compat_trimesh="4") gives trimesh 4's blocks (SceneReVis' numbers) whatever
    trimesh is installed; "5" gives the installed trimesh 5's here."""
    import trimesh
    from scipy import ndimage

    from agentscene.testing.scenerevis_reference import trimesh4_subdivided_vertices

    mesh = scenerevis_rotated_mesh(box("lamp_1", (0.5, 0.5, 0.5), (0, 0), 15.0),
                                   trimesh.creation.cone(radius=0.2, height=0.3, sections=24))
    cells = np.round(trimesh4_subdivided_vertices(mesh.vertices, mesh.faces, PITCH / 2.0) / PITCH).astype(np.int64)
    origin = cells.min(axis=0)
    hits = np.zeros(tuple(cells.max(axis=0) - origin + 1), dtype=bool)
    hits[tuple((cells - origin).T)] = True
    four = VoxelCache(PITCH, limit=LIMIT, trimesh_version="4").mesh(("lamp",), mesh)
    assert np.array_equal(four.origin, origin) and np.array_equal(dense(four), ndimage.binary_fill_holes(hits))
    five = VoxelCache(PITCH, limit=LIMIT, trimesh_version="5").mesh(("lamp",), mesh)
    if int(trimesh.__version__.split(".")[0]) >= 5:
        assert_same(five, trimesh_voxels(mesh, PITCH))
        assert four.count != five.count  # this cone is one where the two subdivisions differ
    s = scene([box("lamp_1", (0.5, 0.5, 0.5), (1, 1), 15.0)])
    geo = scene_geometry(s, tolerances=Tolerances(compat_trimesh="4"))
    assert ScenereVisState(geo, Tolerances(compat_trimesh="4")).cache.voxels.rule == "regular"


@pytest.mark.parametrize("turn", [30.0, 5.0, 137.0])
def test_slanted_room_voxelises_exactly(turn):
    floor = [(round(x, 12) + 0.0, round(z, 12) + 0.0) for x, z in rotate(rect(1.1, 0.7, -0.5, -0.3), turn)]
    s = scene([], floor=floor, height=0.35)
    cache = VoxelCache(PITCH, limit=LIMIT)
    assert_same(cache.room(s.room), trimesh_voxels(room_mesh(s.room), PITCH))
    assert cache.subdivided == 1


# -- whole scenes: every object's outside voxels and every pair's shared voxels ------------

ROOMS = {
    "rect": (rect(1.2, 0.9), 0.5),
    "half_voxel": (rect(1.025, 0.775, 0.025, 0.075), 0.425),
    "L": ([(0, 0), (1.2, 0), (1.2, 0.5), (0.6, 0.5), (0.6, 1.0), (0, 1.0)], 0.6),
    "U_collinear": ([(0, 0), (0.5, 0), (1.0, 0), (1, 1), (0.6, 1), (0.6, 0.4), (0.4, 0.4), (0.4, 1), (0, 1)], 0.4),
    "slanted": (rotate(rect(1.0, 0.8, -0.5, -0.4), 30.0), 0.5),  # through trimesh, cached
}
_room_cache: dict[str, tuple] = {}
_object_cache: dict[tuple, object] = {}
_voxel_cache: dict[int, tuple] = {}


def _voxels_once(mesh, pitch):
    """reference_voxels, once per cached rotated mesh."""
    if id(mesh) not in _voxel_cache:
        _voxel_cache[id(mesh)] = reference_voxels(mesh, pitch)
    return _voxel_cache[id(mesh)]

placed = st.tuples(
    st.tuples(lengths, st.sampled_from([0.01, 0.05, 0.3, 0.45]) | lengths, lengths),
    st.integers(-4, 52).map(lambda k: k * 0.025) | st.floats(-0.2, 1.4),  # x, often on voxel faces
    st.sampled_from([0.0, 0.0, 0.025, -0.02, 0.3]),  # y
    st.integers(-4, 44).map(lambda k: k * 0.025) | st.floats(-0.2, 1.1),  # z
    st.sampled_from([0.0, 90.0, 180.0, -90.0, 0.0, 30.0, 45.0]),
)


@given(room=st.sampled_from(sorted(ROOMS)), objects=st.lists(placed, min_size=1, max_size=5))
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_scene_voxel_counts_equal_their_procedure(room, objects):
    floor, height = ROOMS[room]
    s = scene([box(f"box_{k}", size, (x, y, z), yaw) for k, (size, x, y, z, yaw) in enumerate(objects)],
              floor=floor, height=height)
    assert_counts_equal_their_procedure(s, room, None)


def assert_counts_equal_their_procedure(s, room: str, provider) -> None:
    """Every object's outside voxels and every pair's shared voxels, fast path against the
    transcription (rooms and rotated objects cached across examples)."""
    tol = Tolerances()
    if room not in _room_cache:
        _room_cache[room] = reference_room(s, PITCH)
    rotated = []
    for o in s.objects:
        key = (o.category, o.size, o.yaw)
        if key not in _object_cache:
            _object_cache[key] = scenerevis_rotated_mesh(o, None if provider is None else provider(o))
        rotated.append(_object_cache[key])
    oob, overlaps = reference_pbl(s, rotated, PITCH, tol.volume_epsilon, room=_room_cache[room], voxels=_voxels_once)
    geo = scene_geometry(s, provider, tolerances=tol)
    assert not geo.problems
    state = ScenereVisState(geo, tol)
    assert [state.objects[o.id].outside_voxels * PITCH ** 3 for o in s.objects] == oob
    ids = [o.id for o in s.objects]
    assert {k: v for k, (v, _) in state.pairs.items() if v > 0} == {
        tuple(sorted((ids[i], ids[j]))): v for (i, j), v in overlaps.items()}


def _same_report(fast, ref) -> None:
    a, b = fast.model_dump(), ref.model_dump()
    assert a.keys() == b.keys()
    for k in a:
        if isinstance(a[k], float):
            assert a[k] == pytest.approx(b[k], rel=1e-9, abs=1e-12), k
        elif k == "colliding_pairs":
            assert [(p["a"], p["b"], p["volume"]) for p in a[k]] == [(p["a"], p["b"], p["volume"]) for p in b[k]]
            assert [p["depth"] for p in a[k]] == pytest.approx([p["depth"] for p in b[k]], abs=1e-9)
        else:
            assert a[k] == b[k], k


@pytest.mark.parametrize("room", ["rect", "L", "slanted"])
def test_full_report_equals_the_transcription(room):
    floor, height = ROOMS[room]
    s = scene([box("sofa_1", (0.5, 0.3, 0.3), (0.4, 0, 0.3)), box("table_1", (0.4, 0.2, 0.4), (0.6, 0, 0.35), 90.0),
               box("lamp_1", (0.1, 0.45, 0.1), (1.15, 0, 0.2), 30.0),  # through a wall
               box("rug_1", (0.6, 0.008, 0.5), (0.5, 0, 0.4)), box("shelf_1", (0.3, 0.7, 0.1), (0.2, 0, 0.85), 180.0)],
              floor=floor, height=height)
    tol = Tolerances()
    _same_report(evaluate(s, compat="scenerevis", tolerances=tol), reference_scenerevis(s, tolerances=tol))


def test_incremental_compat_equals_full_and_revoxelises_only_rotations():
    floor, height = ROOMS["L"]
    objs = [box(f"box_{k}", (0.3, 0.3, 0.2), (0.2 + 0.25 * k, 0, 0.3)) for k in range(4)]
    s = scene(objs, floor=floor, height=height)
    ev = IncrementalEvaluator(s, compat="scenerevis")
    cache = ev._compat_state.cache.voxels
    rng = np.random.default_rng(3)
    for step in range(12):
        o = s.objects[step % 4]
        moved = o.model_copy(update={"position": (float(rng.uniform(0, 1.2)), 0.0, float(rng.uniform(0, 1.0)))})
        s = s.replace_object(moved)
        report = ev.update(s)
        full = evaluate(s, compat="scenerevis")
        assert report.pbl == full.pbl and report.n_colliding_pairs == full.n_colliding_pairs
        assert report.out_of_bounds == full.out_of_bounds and report.floating is None
    assert cache.subdivided == 0  # moves never re-voxelise
    s = s.replace_object(s.objects[0].model_copy(update={"yaw": 30.0}))
    assert ev.update(s).pbl == evaluate(s, compat="scenerevis").pbl
    assert cache.subdivided == 1  # the rotated object alone
    # removing an object shifts the others' sample seeds; adding one through the wall samples it
    s = s.with_objects([*s.objects[1:], box("crate_9", (0.4, 0.3, 0.4), (1.15, 0, 0.2))])
    report, full = ev.update(s), evaluate(s, compat="scenerevis")
    assert report.out_of_bounds == full.out_of_bounds and "crate_9" in [o.id for o in full.out_of_bounds]
    assert report.pbl == full.pbl and report.colliding_pairs == full.colliding_pairs


def test_huge_and_tiny_objects_many_objects_and_big_rooms_stay_bounded():
    big = scene([box("dust_1", (0.001, 0.001, 0.001), (5, 0.5, 5)), box("hall_1", (20, 0.5, 20), (15.8, 0, 15.8), 90.0)]
                + [box(f"chair_{k}", (0.4, 0.8, 0.4), (1 + (k % 25), 0, 1 + (k // 25) * 1.5)) for k in range(500)],
                floor=rect(31.6, 31.6), height=2.8)  # 1000 m²
    r = evaluate(big, compat="scenerevis")
    assert r.n_objects == 502 and r.pbl > 0
    with pytest.raises(VoxelLimitError, match="voxel_limit"):
        evaluate(big, compat="scenerevis", tolerances=Tolerances(voxel_limit=1_000_000))
    rotated = scene([box("runway_1", (30, 0.2, 0.5), (2, 0, 2), 30.0)], floor=rect(4, 4))
    with pytest.raises(VoxelLimitError, match="voxel_eval fails here too"):
        evaluate(rotated, compat="scenerevis")
    block = scene([box("stage_1", (18, 18, 18), (2, 0, 2), 30.0)], floor=rect(4, 4))
    with pytest.raises(VoxelLimitError, match="SUBDIVIDE_BUDGET"):  # refused before any work
        evaluate(block, compat="scenerevis")


# -- whole scenes with procedural meshes ---------------------------------------------------

MESH_SIZES = {"chair": (0.3, 0.45, 0.3), "table": (0.5, 0.4, 0.35), "floor_lamp": (0.2, 0.5, 0.2),
              "plant": (0.25, 0.4, 0.25), "sofa": (0.6, 0.3, 0.3), "vase": (0.15, 0.25, 0.15)}
_raw_meshes: dict[str, object] = {}


def _mesh_provider(obj):
    from agentscene.assets.procedural.registry import build_mesh

    if obj.category not in MESH_SIZES:
        return None
    if obj.category not in _raw_meshes:
        _raw_meshes[obj.category] = build_mesh(obj.category, MESH_SIZES[obj.category])
    return _raw_meshes[obj.category]


placed_mesh = st.tuples(
    st.sampled_from(sorted(MESH_SIZES)),
    st.integers(-4, 52).map(lambda k: k * 0.025) | st.floats(-0.2, 1.4),
    st.integers(-4, 44).map(lambda k: k * 0.025) | st.floats(-0.2, 1.1),
    st.sampled_from([0.0, 90.0, 180.0, 15.0, 175.0, 45.0]),
)


@given(room=st.sampled_from(sorted(ROOMS)), objects=st.lists(placed_mesh, min_size=1, max_size=5))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_mesh_scene_voxel_counts_equal_their_procedure(room, objects):
    floor, height = ROOMS[room]
    s = scene([box(f"{cat}_{k}", MESH_SIZES[cat], (x, 0.0, z), yaw, category=cat)
               for k, (cat, x, z, yaw) in enumerate(objects)], floor=floor, height=height)
    assert_counts_equal_their_procedure(s, room, _mesh_provider)


def test_full_mesh_report_equals_the_transcription():
    floor, height = ROOMS["L"]
    s = scene([box("sofa_1", MESH_SIZES["sofa"], (0.4, 0, 0.3), 175.0, category="sofa"),
               box("table_1", MESH_SIZES["table"], (0.55, 0, 0.4), 15.0, category="table"),
               box("floor_lamp_1", MESH_SIZES["floor_lamp"], (1.15, 0, 0.2), 0.0, category="floor_lamp"),  # through a wall
               box("plant_1", MESH_SIZES["plant"], (0.3, 0, 0.8), 45.0, category="plant")],
              floor=floor, height=height)
    tol = Tolerances()
    _same_report(evaluate(s, compat="scenerevis", tolerances=tol, mesh_provider=_mesh_provider),
                 reference_scenerevis(s, tolerances=tol, mesh_provider=_mesh_provider))
