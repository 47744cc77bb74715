"""`score(prev, scene, reply)`: the weighted reward of one turn with every term visible.

The defaults reproduce SceneReVis' GRPO reward (script/RL/scene_editing_interaction.py,
trimesh physics mode):
- intermediate turns (`RewardConfig()`): format 0.10, collision 0.10, oob 0.10,
  penetration 0.10, oob_volume 0.10, improvement 0.25, key_objects 0.25;
- the final turn (`RewardConfig.final_turn()`): format 0.10; object layer key_objects 0.20,
  size_proportion 0.10; scene layer collision 0.08, oob 0.07, penetration 0.05, oob_volume
  0.05, support 0.05 and the judge's rationality, requirement_match, scene_graph 0.10 each
  (a critic's scores when given, else the offline judge's: agentscene.critics).
  If the object layer scores below 0 the scene layer is "fused" to -1, and fewer than 4
  objects make the whole reward -1;
- the first turn (`RewardConfig.first_turn()`): format only (room shape and size).
With fewer than 3 objects the physics terms are -1 (their rule). `trajectory_reward`
combines turn rewards as their verl reward function does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from agentscene.rewards.evaluate import evaluate
from agentscene.rewards.stability import stability_report
from agentscene.rewards.terms import TermContext, get_term

if TYPE_CHECKING:
    from agentscene.meshes import MeshProvider
    from agentscene.rewards.report import EvalReport
    from agentscene.rewards.tolerances import Tolerances
    from agentscene.scene import Scene
    from agentscene.tools.calls import ToolResult

Curve = tuple[tuple[float, float], ...]

PHYSICS_TERMS = ("collision", "oob", "penetration", "oob_volume")
_REPORT_TERMS = (*PHYSICS_TERMS, "support", "improvement", "stability")

INTERMEDIATE_WEIGHTS = {
    "format": 0.10, "collision": 0.10, "oob": 0.10, "penetration": 0.10, "oob_volume": 0.10,
    "improvement": 0.25, "key_objects": 0.25,
}
FINAL_WEIGHTS = {
    "format": 0.10, "key_objects": 0.20, "size_proportion": 0.10,
    "collision": 0.08, "oob": 0.07, "penetration": 0.05, "oob_volume": 0.05, "support": 0.05,
    "rationality": 0.10, "requirement_match": 0.10, "scene_graph": 0.10,
}


class RewardConfig(BaseModel):
    """Which terms make the reward, their weights, and the curves of the physics terms."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    weights: dict[str, float] = Field(default_factory=lambda: dict(INTERMEDIATE_WEIGHTS))
    collision_curve: Curve = ((0.0, 1.0), (20.0, 0.5), (45.0, 0.0), (100.0, -1.0))
    oob_curve: Curve = ((0.0, 1.0), (10.0, 0.5), (30.0, 0.0), (100.0, -1.0))
    penetration_curve: Curve = ((0.0, 1.0), (0.1, 0.5), (0.3, 0.0), (0.6, -0.5), (1.0, -1.0))
    oob_volume_curve: Curve = ((0.0, 1.0), (0.2, 0.5), (0.5, 0.0), (1.0, -0.5), (2.0, -1.0))
    support_curve: Curve = ((0.0, 1.0), (10.0, 0.0), (100.0, -1.0))
    object_count_curve: Curve = ((4.0, -1.0), (5.0, 0.0), (15.0, 1.0))
    physics_min_objects: int = Field(3, ge=0, description="below this many objects the physics terms score -1")
    min_objects: int | None = Field(None, ge=0, description="below this many objects the total is -1 (final turn: 4)")
    object_layer: tuple[str, ...] = ()
    scene_layer: tuple[str, ...] = ()
    fuse: bool = Field(False, description="a negative object layer sets every scene-layer term to -1")
    format_checks_calls: bool = Field(True, description="penalise calls that fail against the previous scene")
    offline_judge: bool = Field(True, description="fill the judge terms (rationality, requirement_match, scene_graph) with "
                                "agentscene.judge where no critic score is given; False leaves them missing")

    @field_validator("weights")
    @classmethod
    def _finite_weights(cls, v: dict[str, float]) -> dict[str, float]:
        import math

        for name, w in v.items():
            if not math.isfinite(w):
                raise ValueError(f"weight of {name!r} must be finite")
        return v

    @field_validator("collision_curve", "oob_curve", "penetration_curve", "oob_volume_curve",
                     "support_curve", "object_count_curve")
    @classmethod
    def _ascending(cls, v: Curve) -> Curve:
        if not v or any(b[0] < a[0] for a, b in zip(v, v[1:], strict=False)):
            raise ValueError("a curve needs at least one (x, y) point with ascending x")
        return v

    @classmethod
    def intermediate(cls, **overrides: Any) -> RewardConfig:
        """SceneReVis' intermediate-turn reward (the default)."""
        return cls(**overrides)

    @classmethod
    def final_turn(cls, **overrides: Any) -> RewardConfig:
        """SceneReVis' final-turn reward: layered, fused, with the object-count floor."""
        base = dict(
            weights=dict(FINAL_WEIGHTS), min_objects=4, fuse=True,
            object_layer=("key_objects", "size_proportion", "object_count"),
            scene_layer=(*PHYSICS_TERMS, "support", "rationality", "requirement_match", "scene_graph"),
        )
        return cls(**{**base, **overrides})

    @classmethod
    def first_turn(cls, **overrides: Any) -> RewardConfig:
        """SceneReVis' first turn: only the format of the empty room (shape and size)."""
        return cls(**{"weights": {"format": 1.0}, "physics_min_objects": 0, **overrides})


class TermScore(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    weight: float
    value: float = Field(description="the term's score, in [-1, 1] for built-in terms (0 when it could not be scored)")
    contribution: float = Field(description="weight × value")
    source: str = Field(description="computed | judge | missing | rule (set by a SceneReVis rule)")


class RewardBreakdown(BaseModel):
    """The reward of one turn: the total and every term that made it."""

    model_config = ConfigDict(frozen=True)

    total: float
    terms: list[TermScore]
    notes: list[str] = Field(default_factory=list)

    def values(self) -> dict[str, float]:
        """Term name -> value, plus 'total'."""
        return {**{t.name: t.value for t in self.terms}, "total": self.total}

    def __getitem__(self, name: str) -> TermScore:
        for t in self.terms:
            if t.name == name:
                return t
        raise KeyError(f"no term {name!r} in this breakdown; terms: {', '.join(t.name for t in self.terms)}")


def _needs_full_report(cfg: RewardConfig, report: EvalReport | None) -> bool:
    return report is None or ("support" in cfg.weights and report.floating is None)


def score(prev: Scene | None, scene: Scene, reply: Any = None, *, config: RewardConfig | None = None,
          key_objects: Sequence[str] = (), report: EvalReport | None = None,
          prev_report: EvalReport | None = None, judge: Mapping[str, float] | None = None,
          tolerances: Tolerances | None = None, mesh_provider: MeshProvider | None = None,
          prompt: str | None = None, results: Sequence[ToolResult] | None = None) -> RewardBreakdown:
    """The weighted reward of the turn that turned `prev` into `scene` with `reply`.

    `report` / `prev_report` are evaluated when missing and needed; `judge` maps term names to
    a critic's scores (clamped to [-1, 1]) and overrides the computed value of those terms
    (a VLM critic: `critique.terms()`). Judge terms without a critic score come from the offline
    judge (agentscene.judge), which reads `prompt` (default: the scene's metadata["prompt"]).
    `results`: the results of applying the reply's calls to `prev`, where the caller did (the
    format term then does not apply them again).
    """
    cfg = config or RewardConfig()
    judge = dict(judge or {})
    fns = {name: get_term(name) for name in cfg.weights}  # unknown names fail before any work
    wants_report = any(n in _REPORT_TERMS for n in cfg.weights)
    if wants_report and _needs_full_report(cfg, report):
        report = evaluate(scene, tolerances=tolerances, mesh_provider=mesh_provider)
    if "stability" in cfg.weights and "stability" not in judge and report is not None and report.stability is None:
        report = report.model_copy(update={"stability": stability_report(scene, mesh_provider=mesh_provider, tolerances=tolerances)})
    if "improvement" in cfg.weights and "improvement" not in judge and prev is not None and prev_report is None:
        prev_report = evaluate(prev, tolerances=tolerances, mesh_provider=mesh_provider)
    ctx = TermContext(scene=scene, prev=prev, reply=reply, report=report, prev_report=prev_report,
                      config=cfg, key_objects=tuple(key_objects), judge=judge, prompt=prompt, tolerances=tolerances,
                      results=results)
    values: dict[str, tuple[float, str]] = {}
    for name, fn in fns.items():
        if name in judge:
            values[name] = (max(-1.0, min(1.0, _finite(name, judge[name]))), "judge")
            continue
        v = fn(ctx)
        values[name] = (0.0, "missing") if v is None else (_finite(name, v), "computed")
    notes: list[str] = []
    n = len(scene.objects)
    if n < cfg.physics_min_objects:
        for name in PHYSICS_TERMS:
            if name in values:
                values[name] = (-1.0, "rule")
        notes.append(f"fewer than {cfg.physics_min_objects} objects: physics terms set to -1")
    if cfg.min_objects is not None and n < cfg.min_objects and "key_objects" in values:
        values["key_objects"] = (-1.0, "rule")
    if cfg.fuse and cfg.object_layer:
        layer = sum(cfg.weights.get(t, 0.0) * values[t][0] for t in cfg.object_layer if t in values)
        if layer < 0:
            for name in cfg.scene_layer:
                if name in values:
                    values[name] = (-1.0, "rule")
            notes.append(f"object layer scored {layer:.3f} < 0: scene-layer terms fused to -1")
    terms = [TermScore(name=k, weight=w, value=values[k][0], contribution=w * values[k][0], source=values[k][1])
             for k, w in cfg.weights.items()]
    total = sum(t.contribution for t in terms)
    if cfg.min_objects is not None and n < cfg.min_objects:
        total = -1.0
        notes.append(f"fewer than {cfg.min_objects} objects: total reward set to -1")
    return RewardBreakdown(total=total, terms=terms, notes=notes)


def _finite(name: str, v: float) -> float:
    import math

    v = float(v)
    if not math.isfinite(v):
        raise ValueError(f"reward term {name!r} scored {v}; scores must be finite")
    return v


def trajectory_reward(turn_rewards: Sequence[float], *, last_weight: float = 0.6, min_turns: int = 3,
                      too_short: float = -1.0) -> float:
    """One reward for a whole episode, as SceneReVis' verl reward function combines turns.

    Episodes shorter than `min_turns` get `too_short`; otherwise the last turn weighs
    `last_weight` and the others share the rest equally.
    """
    n = len(turn_rewards)
    if n < min_turns:
        return float(too_short)
    rest = (1.0 - last_weight) / (n - 1)
    return float(sum(rest * r for r in turn_rewards[:-1]) + last_weight * turn_rewards[-1])
