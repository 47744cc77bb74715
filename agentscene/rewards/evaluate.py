"""`evaluate(scene)`: every physics metric of a scene in one report.

The default metrics keep SceneReVis' meanings (collision at > 1 cm depth, out of bounds at
> 1 % of the surface, PBL valid at <= 0.1 m³) but are deterministic and geometrically exact
for boxes; `compat="scenerevis"` reproduces their code's numbers, quirks included.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agentscene.rewards.access import door_clearance, obstacles, walkable_ratio
from agentscene.rewards.bounds import ObjectBounds, all_object_bounds
from agentscene.rewards.collision import PairContact, candidate_pairs, pair_contact, separated_boxes
from agentscene.rewards.geometry import SceneGeometry, scene_geometry
from agentscene.rewards.report import EvalReport, physics_fields
from agentscene.rewards.scene_eval import scene_eval_metrics
from agentscene.rewards.stability import StabilitySettings, stability_report
from agentscene.rewards.support import floating_objects
from agentscene.rewards.tolerances import Tolerances
from agentscene.scene import Scene

if TYPE_CHECKING:
    from agentscene.meshes import MeshProvider
    from agentscene.rewards.stability import StabilitySettings

COMPAT_MODES = ("scenerevis", "scene-eval")


def check_compat(compat: str | None) -> None:
    if compat is not None and compat not in COMPAT_MODES:
        raise ValueError(f"unknown compat mode {compat!r}; choose None or one of {', '.join(COMPAT_MODES)}")


def geometry_for(scene: Scene, geometry: SceneGeometry | None, mesh_provider: MeshProvider | None,
                 tol: Tolerances) -> SceneGeometry:
    """The given geometry brought up to date with `scene`, or a fresh one."""
    if not isinstance(scene, Scene):
        raise TypeError(f"evaluate() needs an agentscene Scene, got {type(scene).__name__}; load files with agentscene.formats.load_scene")
    if geometry is None:
        return scene_geometry(scene, mesh_provider, tolerances=tol)
    return geometry.update(scene)


def all_pairs(geo: SceneGeometry, tol: Tolerances) -> list[PairContact]:
    """Contact results of every pair of objects that touch or overlap."""
    out = []
    pairs = candidate_pairs(geo.aabb_min, geo.aabb_max)
    apart = separated_boxes(geo.objects, pairs)
    for (i, j), skip in zip(pairs, apart.tolist(), strict=True):
        if skip:
            continue
        p = pair_contact(geo.objects[i], geo.objects[j], tol)
        if p is not None:
            out.append(p)
    return out


def all_bounds(geo: SceneGeometry, tol: Tolerances) -> list[ObjectBounds]:
    """Out-of-bounds results of every object that leaves the room, in scene order."""
    return all_object_bounds(geo.objects, geo.room, tol)


def geometry_warnings(geo: SceneGeometry) -> list[str]:
    return [f"{oid}: mesh not used ({why}); evaluated as its box" for oid, why in geo.problems.items()]


def evaluate(scene: Scene, geometry: SceneGeometry | None = None, *, tolerances: Tolerances | None = None,
             compat: str | None = None, mesh_provider: MeshProvider | None = None,
             stability: bool | StabilitySettings = False) -> EvalReport:
    """Collision, out-of-bounds, PBL, floating objects, walkable floor and door clearance.

    `geometry` (from `scene_geometry`) is reused and re-posed for edited objects;
    `mesh_provider` gives object meshes (None: oriented boxes); `compat="scenerevis"`
    reproduces SceneReVis' evaluation code for comparisons with published tables (its voxel
    sets and the room's are cached on the geometry, so pass `geometry` between calls);
    `compat="scene-eval"` keeps our metrics and adds SceneEval's as `report.scene_eval`;
    `stability=True` (or a StabilitySettings) settles the scene in MuJoCo: `report.stability`.
    """
    tol = tolerances or Tolerances()
    check_compat(compat)
    if compat == "scene-eval" or stability:
        return _with_sections(scene, geometry, tol, compat, mesh_provider, stability)
    geo = geometry_for(scene, geometry, mesh_provider, tol)
    if compat == "scenerevis":
        from agentscene.rewards.scenerevis import evaluate_scenerevis

        return evaluate_scenerevis(geo, tol)
    geo.polygons(geo.objects)  # every footprint polygon made in one shapely call, before the metrics ask one by one
    order = {g.id: k for k, g in enumerate(geo.objects)}
    fields = physics_fields(len(geo), all_pairs(geo, tol), all_bounds(geo, tol), tol, order)
    blocking = obstacles(geo, tol)
    return EvalReport(
        **fields,
        floating=floating_objects(geo, tol),
        walkable_ratio=walkable_ratio(geo, tol, blocking),
        door_clearance=door_clearance(geo, tol, blocking),
        warnings=geometry_warnings(geo),
    )


def _with_sections(scene: Scene, geometry: SceneGeometry | None, tol: Tolerances, compat: str | None,
                   mesh_provider: MeshProvider | None, stability: bool | StabilitySettings) -> EvalReport:
    """The report of `compat` (scene-eval: ours) plus the SceneEval and stability sections asked for."""
    geo = geometry_for(scene, geometry, mesh_provider, tol)
    report = evaluate(scene, geo, tolerances=tol, compat=None if compat == "scene-eval" else compat, mesh_provider=mesh_provider)
    update: dict = {}
    if compat == "scene-eval":
        update.update(compat="scene-eval", scene_eval=scene_eval_metrics(geo, tol))
    if stability:
        settings = stability if isinstance(stability, StabilitySettings) else None
        update["stability"] = stability_report(scene, mesh_provider=mesh_provider, settings=settings, tolerances=tol, geometry=geo)
    return report.model_copy(update=update)
