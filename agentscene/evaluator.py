"""The loop's evaluator: the physics report of a scene, its headline metrics, the feedback text
for the model and the issues as JSON. The score a turn is compared by (rollback) is not here: it is
`rewards.score(...)` with the loop's `RewardConfig`, the one score everywhere.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from agentscene.meshes import MeshProvider
from agentscene.scene import Scene


class Evaluation(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    report: Any = Field(repr=False, exclude=True)
    metrics: dict[str, float]
    feedback: str
    #: machine-readable problems: {"colliding_pairs": [[a, b, depth]], "out_of_bounds": [...], "floating": [...]}
    issues: dict[str, Any]

    @property
    def clean(self) -> bool:
        return not (self.issues["colliding_pairs"] or self.issues["out_of_bounds"] or self.issues["floating"])


@runtime_checkable
class Evaluator(Protocol):
    def evaluate(self, scene: Scene) -> Evaluation: ...


class PhysicsEvaluator:
    """agentscene.rewards.evaluate with this run's tolerances and meshes."""

    def __init__(self, *, tolerances: Any = None, mesh_provider: MeshProvider | None = None, compat: str | None = None):
        self.tolerances = tolerances
        self.mesh_provider = mesh_provider
        self.compat = compat
        self._geometry: Any = None  # reused between turns: only edited objects are re-posed

    def evaluate(self, scene: Scene) -> Evaluation:
        from agentscene.rewards import evaluate, feedback_text, scene_geometry

        if self._geometry is None:
            self._geometry = scene_geometry(scene, self.mesh_provider, tolerances=self.tolerances)
        else:
            self._geometry = self._geometry.update(scene)
        # compat modes keep their caches (scenerevis: voxel blocks, the room) on the geometry too
        report = evaluate(scene, self._geometry, tolerances=self.tolerances, compat=self.compat,
                          mesh_provider=self.mesh_provider)
        from agentscene.protocol import physics_issues

        return Evaluation(report=report, metrics=report.headline(), feedback=feedback_text(report, scene),
                          issues=physics_issues(report))
