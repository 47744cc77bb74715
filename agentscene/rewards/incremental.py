"""Incremental evaluation for RL: after a tool call, recompute only what the edit touched.

`IncrementalEvaluator(scene).update(new_scene)` re-poses the objects that changed (found by
identity: frozen scenes share unchanged objects), re-tests only their pairs (AABB broad phase
against the others, then fcl) and their out-of-bounds state, and returns a quick EvalReport
(collision, out of bounds, PBL; the floating / walkable / door sections are None).
Results equal a full `evaluate` of the same scene. With `compat="scenerevis"` the kept state is
SceneReVis' (voxel blocks, contacts, samples): a moved object is re-placed, not re-voxelised.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from agentscene.rewards.bounds import ObjectBounds, object_bounds
from agentscene.rewards.collision import PairContact, candidates_for, pair_contact
from agentscene.rewards.evaluate import (
    all_bounds,
    all_pairs,
    check_compat,
    evaluate,
    geometry_for,
    geometry_warnings,
)
from agentscene.rewards.geometry import SceneGeometry
from agentscene.rewards.report import EvalReport, physics_fields
from agentscene.rewards.score import RewardConfig, score
from agentscene.rewards.tolerances import Tolerances

if TYPE_CHECKING:
    from agentscene.meshes import MeshProvider
    from agentscene.rewards.score import RewardBreakdown, RewardConfig
    from agentscene.scene import Scene
    from agentscene.tools.calls import ToolResult


def _key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


class IncrementalEvaluator:
    """Keeps pair and bounds results between edits of one episode's scene."""

    def __init__(self, scene: Scene, *, tolerances: Tolerances | None = None,
                 mesh_provider: MeshProvider | None = None, geometry: SceneGeometry | None = None,
                 compat: str | None = None):
        check_compat(compat)
        self.tolerances = tolerances or Tolerances()
        self.compat = compat
        self.geometry = geometry_for(scene, geometry, mesh_provider, self.tolerances)
        self._pairs: dict[tuple[str, str], PairContact] = {}
        self._bounds: dict[str, ObjectBounds] = {}
        self._compat_state: Any = None
        if compat == "scenerevis":
            from agentscene.rewards.scenerevis import ScenereVisState

            self._compat_state = ScenereVisState(self.geometry, self.tolerances)
            self.report = self._compat_state.report(full=False)
            return
        self._full_rebuild(self.geometry)
        self.report = self._make_report()

    @property
    def scene(self) -> Scene:
        return self.geometry.scene

    def _full_rebuild(self, geo: SceneGeometry) -> None:
        tol = self.tolerances
        self._pairs = {_key(p.a, p.b): p for p in all_pairs(geo, tol)}
        self._bounds = {b.id: b for b in all_bounds(geo, tol)}

    def _make_report(self) -> EvalReport:
        geo = self.geometry
        order = {g.id: k for k, g in enumerate(geo.objects)}
        fields = physics_fields(len(geo), self._pairs.values(), self._bounds.values(), self.tolerances, order)
        return EvalReport(**fields, warnings=geometry_warnings(geo))

    def update(self, scene: Scene) -> EvalReport:
        """The quick report of an edited scene, recomputing only the changed objects."""
        old = self.geometry
        geo = geometry_for(scene, old, None, self.tolerances)
        if geo is old:
            return self.report
        if self._compat_state is not None:
            self._compat_state.update(geo)
            self.geometry = geo
            self.report = self._compat_state.report(full=False)
            return self.report
        if geo.room is not old.room:
            self._full_rebuild(geo)
        else:
            touched = set(geo.changed) | set(geo.removed)
            if touched:
                self._pairs = {k: p for k, p in self._pairs.items() if k[0] not in touched and k[1] not in touched}
                for oid in touched:
                    self._bounds.pop(oid, None)
            index = {g.id: k for k, g in enumerate(geo.objects)}
            tol = self.tolerances
            for oid in geo.changed:
                k = index[oid]
                g = geo.objects[k]
                for j in candidates_for(k, geo.aabb_min, geo.aabb_max).tolist():
                    other = geo.objects[j]
                    key = _key(oid, other.id)
                    if key in self._pairs or (other.id in touched and j < k):
                        continue  # both changed: computed once, from the earlier object
                    a, b = (g, other) if k < j else (other, g)
                    p = pair_contact(a, b, tol)
                    if p is not None:
                        self._pairs[key] = p
                bounds = object_bounds(g, geo.room, tol)
                if bounds is not None:
                    self._bounds[oid] = bounds
        self.geometry = geo
        self.report = self._make_report()
        return self.report

    def step(self, scene: Scene, reply: Any = None, *, config: RewardConfig | None = None,
             key_objects: Sequence[str] = (), judge: Mapping[str, float] | None = None,
             results: Sequence[ToolResult] | None = None) -> tuple[EvalReport, RewardBreakdown]:
        """Update to `scene` and score the turn that produced it (prev = the scene before);
        `results`: those of applying the reply's calls to the scene before, if the caller has them."""
        cfg = config or RewardConfig()
        prev, prev_report = self.scene, self.report
        report = self.update(scene)
        if "support" in cfg.weights:  # the final turn also scores support: evaluate fully, same geometry
            report = evaluate(scene, self.geometry, tolerances=self.tolerances, compat=self.compat)
        reward = score(prev, scene, reply, config=cfg, key_objects=key_objects, report=report,
                       prev_report=prev_report, judge=judge, tolerances=self.tolerances, results=results)
        return report, reward
