"""The default-mode evaluation's fast paths against a straightforward reference.

`_reference_report` does everything the plain way: it analyses every mesh afresh (no memo on
the mesh), poses each object on its own, tests every pair whose boxes overlap with python-fcl
first (no box pre-test, no skipping fcl when volume is shared), and tests each object's
bounds and support one by one. `evaluate` must give the very same report, field for field,
on random scenes of boxes and meshes at any yaw, partly outside the room, and again when the
meshes' analyses come from the memo of an earlier evaluation.
"""

from __future__ import annotations

import numpy as np
import pytest
import trimesh
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentscene.formats import load_scene
from agentscene.rewards import Tolerances, evaluate
from agentscene.rewards.access import door_clearance, obstacles, walkable_ratio
from agentscene.rewards.bounds import object_bounds
from agentscene.rewards.collision import PairContact, mesh_penetration, penetration, shared_volume
from agentscene.rewards.geometry import ObjectGeometry, RoomGeometry, SceneGeometry
from agentscene.rewards.report import EvalReport, FloatingObject, physics_fields
from agentscene.rewards.shapes import ShapeCache, analyse, asset_key, build_shape, mesh_problem
from agentscene.scene import SceneObject

from .conftest import fixture_paths
from .test_rewards_common import box_mesh, door, rect, scene, table_mesh


def _lamp() -> trimesh.Trimesh:
    base = trimesh.creation.cylinder(radius=0.15, height=0.03, sections=16)
    base.apply_translation((0, 0.015, 0))
    pole = trimesh.creation.cylinder(radius=0.02, height=1.3, sections=8)
    pole.apply_translation((0, 0.68, 0))
    return trimesh.util.concatenate([base, pole])


def _flat() -> trimesh.Trimesh:  # unusable: evaluated as its box, with a warning
    return trimesh.Trimesh(vertices=[[0, 0, 0], [1, 0, 0], [1, 0, 1], [0, 0, 1]], faces=[[0, 1, 2], [0, 2, 3], [0, 1, 3], [1, 2, 3]])


MESHES = {"table": table_mesh, "crate": box_mesh, "lamp": _lamp, "plant": lambda: trimesh.creation.icosphere(1, 0.4),
          "sign": _flat}
CATEGORIES = ("object", *MESHES)


def _provider():
    """Meshes by category, the same object each time (as caching loaders hand them out)."""
    made: dict[str, trimesh.Trimesh] = {}

    def provide(obj: SceneObject):
        if obj.category not in MESHES:
            return None
        if obj.category not in made:
            made[obj.category] = MESHES[obj.category]()
        return made[obj.category]

    return provide


# -- the reference: the plain way, one object and one pair at a time -------------------------------

def _fcl_collide(a: ObjectGeometry, b: ObjectGeometry) -> bool:
    import fcl

    def obj(g: ObjectGeometry):
        sx, sy, sz = (float(v) for v in g.size)
        if g.shape is None:
            return fcl.CollisionObject(fcl.Box(sx, sy, sz), fcl.Transform(g.rotation, g.position + np.array([0.0, sy / 2, 0.0])))
        bvh = fcl.BVHModel()
        verts = g.shape.vertices * g.size
        bvh.beginModel(len(verts), len(g.shape.faces))
        bvh.addSubModel(verts, g.shape.faces)
        bvh.endModel()
        return fcl.CollisionObject(bvh, fcl.Transform(g.rotation, g.position))

    return bool(fcl.collide(obj(a), obj(b), fcl.CollisionRequest(), fcl.CollisionResult()))


def _reference_pair(a: ObjectGeometry, b: ObjectGeometry, tol: Tolerances) -> PairContact | None:
    if a.is_box and b.is_box:
        depth, direction = penetration(a, b)
        if depth <= 0.0:
            return None
        volume = shared_volume(a, b, tol.voxel_pitch)[0]
        volume = 0.0 if volume <= tol.volume_epsilon else volume
        return PairContact(a.id, b.id, depth, volume, tuple(float(v) for v in direction), True)
    contact = _fcl_collide(a, b)
    volume, shared, spacing = shared_volume(a, b, tol.voxel_pitch)
    volume = 0.0 if volume <= tol.volume_epsilon else volume
    contact = contact or volume > 0
    if not contact:
        return None
    depth, direction = mesh_penetration(a, b, shared, spacing)
    if depth <= 0.0 and volume == 0.0:
        return None
    return PairContact(a.id, b.id, depth, volume, tuple(float(v) for v in direction), contact)


def _reference_floating(geo: SceneGeometry, tol: Tolerances) -> list[FloatingObject]:
    out = []
    for g in geo.objects:
        support = g.obj.support
        if support == "floor":
            gap = g.bottom
            if abs(gap) > tol.support_tolerance:
                out.append(FloatingObject(id=g.id, support=support, gap=gap,
                                          reason=f"its bottom is {abs(gap):.2f} m {'above' if gap > 0 else 'below'} the floor"))
        elif support == "ceiling":
            gap = geo.room.height - g.top
            if abs(gap) > tol.support_tolerance:
                out.append(FloatingObject(id=g.id, support=support, gap=gap,
                                          reason=f"its top is {abs(gap):.2f} m {'below' if gap > 0 else 'above'} the ceiling"))
        elif support == "wall":
            gap = float(geo.room.floor.exterior.distance(g.polygon()))
            if gap > tol.wall_tolerance:
                out.append(FloatingObject(id=g.id, support=support, gap=gap, reason=f"it is {gap:.2f} m from the nearest wall"))
        else:
            base = geo.by_id[support]
            gap = g.bottom - base.top
            if abs(gap) > tol.support_tolerance:
                where = "above" if gap > 0 else "below"
                out.append(FloatingObject(id=g.id, support=support, gap=gap,
                                          reason=f"its bottom is {abs(gap):.2f} m {where} the top of {support}"))
            elif g.polygon().intersection(base.polygon()).area <= 1e-9:
                out.append(FloatingObject(id=g.id, support=support, gap=gap, reason=f"it is not above {support}"))
    return out


def _reference_report(s, provider, tol: Tolerances) -> EvalReport:
    shapes, problems = {}, {}
    for o in s.objects:
        key = asset_key(o)
        if key in shapes:
            continue
        mesh = provider(o) if provider else None
        why = None if mesh is None else mesh_problem(mesh)
        shapes[key] = None if mesh is None or why else build_shape(mesh, grid=tol.mesh_grid, samples=tol.surface_samples, seed=tol.seed)
        if why:
            problems[key] = why
    objects = [ObjectGeometry(o, shapes[asset_key(o)], {}) for o in s.objects]
    cache = ShapeCache(None)
    cache.problems.update(problems)
    geo = SceneGeometry(s, objects, cache, RoomGeometry(s.room), tuple(o.id for o in s.objects))
    pairs = []
    for i, a in enumerate(objects):
        for b in objects[i + 1:]:
            if np.all(a.aabb_min < b.aabb_max) and np.all(b.aabb_min < a.aabb_max):
                p = _reference_pair(a, b, tol)
                if p is not None:
                    pairs.append(p)
    bounds = [b for b in (object_bounds(g, geo.room, tol) for g in objects) if b is not None]
    order = {g.id: k for k, g in enumerate(objects)}
    blocking = obstacles(geo, tol)
    return EvalReport(
        **physics_fields(len(objects), pairs, bounds, tol, order),
        floating=_reference_floating(geo, tol),
        walkable_ratio=walkable_ratio(geo, tol, blocking),
        door_clearance=door_clearance(geo, tol, blocking),
        warnings=[f"{g.id}: mesh not used ({problems[g.key]}); evaluated as its box" for g in objects if g.key in problems],
    )


# -- random scenes ---------------------------------------------------------------------------------

@st.composite
def scenes(draw):
    w, d = draw(st.floats(2.0, 7.0)), draw(st.floats(2.0, 6.0))
    n = draw(st.integers(0, 14))
    objs = []
    for k in range(n):
        size = (draw(st.floats(0.02, 2.5)), draw(st.sampled_from([0.01, 0.04, 0.45, 0.9, 2.0])), draw(st.floats(0.02, 1.8)))
        x, z = draw(st.floats(-0.5, w + 0.5)), draw(st.floats(-0.5, d + 0.5))
        y = draw(st.sampled_from([0.0, 0.0, 0.45, 0.9, 2.3, -0.1]))
        yaw = draw(st.one_of(st.sampled_from([0.0, 90.0, 180.0, 270.0]), st.floats(0.0, 360.0, exclude_max=True)))
        support = draw(st.sampled_from(["floor", "wall", "ceiling", *[f"o{j}" for j in range(k)]]))
        category = draw(st.sampled_from(CATEGORIES))
        objs.append(SceneObject(id=f"o{k}", description=f"a {category}", category=category, size=size,
                                position=(x, y, z), yaw=yaw, support=support))
    floor = rect(w, d) if draw(st.booleans()) else [(0, 0), (w, 0), (w, d / 2), (w / 2, d / 2), (w / 2, d), (0, d)]
    walls = len(floor)
    openings = [door(draw(st.integers(0, walls - 1)), 0.5, width=draw(st.floats(0.4, 0.9))) for _ in range(draw(st.integers(0, 2)))]
    return scene(objs, floor=floor, openings=openings)


PROVIDER = _provider()  # shared across examples: later examples take their analyses from the memo


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenes(), st.booleans())
def test_random_scenes_equal_the_reference(s, meshes):
    tol = Tolerances()
    provider = PROVIDER if meshes else None
    got = evaluate(s, tolerances=tol, mesh_provider=provider)
    assert got.model_dump() == _reference_report(s, provider, tol).model_dump()


@pytest.mark.parametrize("path", fixture_paths(), ids=lambda p: p.stem)
def test_fixture_scenes_with_meshes_equal_the_reference(path):
    tol = Tolerances()
    s = load_scene(path)
    kinds = sorted(MESHES)
    s = s.with_objects([o.model_copy(update={"category": kinds[k % len(kinds)]}) if k % 3 else o for k, o in enumerate(s.objects)])
    for provider in (None, PROVIDER):
        assert evaluate(s, tolerances=tol, mesh_provider=provider).model_dump() == _reference_report(s, provider, tol).model_dump()


def test_a_mesh_is_analysed_once_until_it_changes(monkeypatch):
    import agentscene.rewards.shapes as shapes_module

    built = []
    real = shapes_module.build_shape
    monkeypatch.setattr(shapes_module, "build_shape", lambda mesh, **kw: built.append(1) or real(mesh, **kw))
    mesh = table_mesh()
    s = scene([SceneObject(id="table_1", description="a table", category="table", size=(1.0, 0.75, 1.0), position=(2.0, 0.0, 2.0))])
    first = evaluate(s, mesh_provider=lambda o: mesh)
    second = evaluate(s, mesh_provider=lambda o: mesh)
    assert len(built) == 1 and first == second
    assert analyse(mesh) is analyse(mesh)  # the memo hands out the very same shape
    assert analyse(mesh, grid=16)[0].grid == 16  # other settings: their own analysis
    mesh.vertices[mesh.vertices[:, 1] > 0.7, 1] -= 0.35  # the table top sinks to mid height
    evaluate(s, mesh_provider=lambda o: mesh)
    assert len(built) == 3  # trimesh cleared the memo when the vertices changed


def test_bvhs_are_kept_per_size_and_bounded():
    shape = analyse(table_mesh())[0]
    first = shape.bvh((1.0, 0.75, 1.0))
    assert shape.bvh((1.0, 0.75, 1.0)) is first
    for k in range(100):
        shape.bvh((1.0 + k / 100, 0.75, 1.0))
    assert len(shape._bvhs) == 64


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.floats(-2, 2), st.floats(-1, 2), st.floats(-2, 2)), min_size=1, max_size=50), st.integers(4, 40))
def test_occupancy_lookup_equals_indexing_the_grid(points, grid):
    shape = analyse(table_mesh(), grid=grid)[0]
    unit = np.array(points)
    cell = np.floor((unit + [0.5, 0.0, 0.5]) * grid).astype(np.int64)
    want = [bool(np.all((c >= 0) & (c < grid)) and shape.occupancy[tuple(c)]) for c in cell]
    assert shape.occupied(unit).tolist() == want


def _big_overlap_scene(size: float):
    crates = [SceneObject(id=f"crate_{k}", description="a crate", category="crate", size=(size, 2.0, size),
                          position=(size / 2 + 0.3 * k, 0.0, size / 2 + 0.2 * k), yaw=10.0 * k) for k in range(2)]
    return scene(crates, floor=rect(size, size))  # the second crate pokes through two walls


def test_grid_slabs_give_the_same_report_as_one_grid(monkeypatch):
    import agentscene.rewards.bounds as bounds_module
    import agentscene.rewards.collision as collision_module

    s = _big_overlap_scene(3.0)
    whole = evaluate(s, mesh_provider=PROVIDER)
    assert whole.overlap_volume > 10.0 and whole.oob_volume > 0.5
    monkeypatch.setattr(collision_module, "GRID_SLAB", 500)
    monkeypatch.setattr(bounds_module, "GRID_SLAB", 500)
    assert evaluate(s, mesh_provider=PROVIDER) == whole


def test_a_huge_mesh_overlap_stays_within_bounded_memory():
    import tracemalloc

    s = _big_overlap_scene(8.0)  # 160 x 40 x 160 samples in the shared box, 1M points
    tracemalloc.start()
    report = evaluate(s, mesh_provider=PROVIDER)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert report.overlap_volume > 100.0
    assert peak < 90 * 2**20, peak / 2**20  # one grid of the whole overlap: 127 MiB
