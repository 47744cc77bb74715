"""Physics evaluation and reward terms.

- `evaluate(scene) -> EvalReport`: collision, out of bounds, PBL, floating objects, walkable
  floor and door clearance; `compat="scenerevis"` reproduces SceneReVis' numbers,
  `compat="scene-eval"` adds SceneEval's, `stability=True` settles the scene in MuJoCo.
- `feedback_text(report, scene)`: the problems, written for a model.
- `score(prev, scene, reply) -> RewardBreakdown` with `RewardConfig` and a term registry
  (`register_term`, `get_term`); defaults reproduce SceneReVis' GRPO reward.
- `IncrementalEvaluator`: per-tool-call updates for RL; `resolve(scene)`: auto-correction.
"""

from agentscene.rewards.evaluate import COMPAT_MODES, evaluate
from agentscene.rewards.feedback import feedback_text
from agentscene.rewards.geometry import ObjectGeometry, RoomGeometry, SceneGeometry, scene_geometry
from agentscene.rewards.incremental import IncrementalEvaluator
from agentscene.rewards.report import (
    DoorClearance,
    EvalReport,
    FloatingObject,
    OutOfBounds,
    PairOverlap,
    WallCrossing,
)
from agentscene.rewards.resolve import Move, ResolveResult, resolve
from agentscene.rewards.scene_eval import SceneEvalReport
from agentscene.rewards.score import (
    RewardBreakdown,
    RewardConfig,
    TermScore,
    score,
    trajectory_reward,
)
from agentscene.rewards.shapes import AssetShape, ShapeCache
from agentscene.rewards.stability import StabilityReport, StabilitySettings, UnstableObject
from agentscene.rewards.terms import (
    TermContext,
    format_score,
    get_term,
    piecewise,
    register_term,
    term_names,
)
from agentscene.rewards.tolerances import Tolerances

__all__ = [
    "COMPAT_MODES", "AssetShape", "DoorClearance", "EvalReport", "FloatingObject", "IncrementalEvaluator",
    "Move", "ObjectGeometry", "OutOfBounds", "PairOverlap", "ResolveResult", "RewardBreakdown", "RewardConfig",
    "RoomGeometry", "SceneEvalReport", "SceneGeometry", "ShapeCache", "StabilityReport", "StabilitySettings",
    "UnstableObject", "TermContext", "TermScore", "Tolerances", "WallCrossing",
    "evaluate", "feedback_text", "format_score", "get_term", "piecewise", "register_term", "resolve", "scene_geometry",
    "score", "term_names", "trajectory_reward",
]
