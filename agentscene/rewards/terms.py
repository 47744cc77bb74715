"""Reward terms: named functions of one turn, each scoring in [-1, 1], in a string registry.

A term is `fn(ctx: TermContext) -> float | None` (None: cannot be scored this turn, e.g. a
judge-only term without a judge score). `register_term("my_term", fn)` adds one; a
`RewardConfig` names the terms it uses and their weights. The built-in physics terms map a
metric through a piecewise-linear curve whose default breakpoints are SceneReVis' GRPO ones.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from agentscene.categories import UNKNOWN_CATEGORY, category_info, infer_category
from agentscene.formats import SceneFormatError, load_scene
from agentscene.registry import Registry
from agentscene.rewards.tolerances import Tolerances
from agentscene.tools import FormatError, Reply, apply_tool_calls

if TYPE_CHECKING:
    from agentscene.critics import Judgement
    from agentscene.rewards.report import EvalReport
    from agentscene.rewards.score import RewardConfig
    from agentscene.scene import Scene
    from agentscene.tools.calls import ToolResult


def piecewise(x: float, points: Sequence[tuple[float, float]]) -> float:
    """Linear interpolation through (x, y) breakpoints, constant beyond the first and last."""
    if not math.isfinite(x):
        return points[-1][1] if x > 0 else points[0][1]
    if x <= points[0][0]:
        return float(points[0][1])
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        if x <= x1:
            return float(y0 + (y1 - y0) * (x - x0) / (x1 - x0)) if x1 > x0 else float(y1)
    return float(points[-1][1])


@dataclass(frozen=True)
class TermContext:
    """Everything a term may look at for one turn."""

    scene: Scene
    prev: Scene | None
    reply: Any  # a text-protocol Reply, a FormatError, or None
    report: EvalReport | None
    prev_report: EvalReport | None
    config: RewardConfig
    key_objects: tuple[str, ...] = ()
    judge: Mapping[str, float] = field(default_factory=dict)
    #: the request, for the offline judge's requirement_match (None: the scene's metadata["prompt"])
    prompt: str | None = None
    tolerances: Tolerances | None = None
    #: the results of applying the reply's tool calls to `prev`, where the caller already did
    #: (an env step): the format term reads them instead of applying the calls again
    results: Sequence[ToolResult] | None = None

    @cached_property
    def judgement(self) -> Judgement:
        """The offline judge's verdict on this turn's scene (computed once, on first use)."""
        from agentscene.critics import judge

        return judge(self.scene, self.prompt, report=self.report, tolerances=self.tolerances)


TermFn = Callable[[TermContext], "float | None"]

TERMS: Registry[TermFn] = Registry("reward term", error=KeyError)


def register_term(name: str, fn: TermFn, *, replace: bool = False) -> None:
    """Add a reward term under `name` (refuses to overwrite one unless `replace=True`)."""
    if not callable(fn):
        raise TypeError(f"term {name!r} must be callable, got {type(fn).__name__}")
    TERMS.register(name, fn, replace=replace)


def get_term(name: str) -> TermFn:
    return TERMS.get(name)


def term_names() -> list[str]:
    return sorted(TERMS.names())


def _term(name: str):
    def deco(fn: TermFn) -> TermFn:
        register_term(name, fn)
        return fn

    return deco


# -- physics -----------------------------------------------------------------------------

@_term("collision")
def collision_term(ctx: TermContext) -> float | None:
    """Collision rate (% of objects) through the collision curve."""
    return None if ctx.report is None else piecewise(ctx.report.collision_rate, ctx.config.collision_curve)


@_term("oob")
def oob_term(ctx: TermContext) -> float | None:
    """Out-of-bounds rate (% of objects) through the OOB curve."""
    return None if ctx.report is None else piecewise(ctx.report.oob_rate, ctx.config.oob_curve)


@_term("penetration")
def penetration_term(ctx: TermContext) -> float | None:
    """Total penetration depth over colliding pairs (m), as SceneReVis sums it."""
    return None if ctx.report is None else piecewise(ctx.report.total_penetration_depth, ctx.config.penetration_curve)


@_term("oob_volume")
def oob_volume_term(ctx: TermContext) -> float | None:
    """Total volume outside the room (m³)."""
    return None if ctx.report is None else piecewise(ctx.report.oob_volume, ctx.config.oob_volume_curve)


@_term("support")
def support_term(ctx: TermContext) -> float | None:
    """Share of objects not resting on their support (%)."""
    r = ctx.report
    if r is None or r.floating is None:
        return None
    rate = 100.0 * len(r.floating) / r.n_objects if r.n_objects else 0.0
    return piecewise(rate, ctx.config.support_curve)


@_term("stability")
def stability_term(ctx: TermContext) -> float | None:
    """Share of simulated objects that stay put in MuJoCo (evaluate(stability=True)), as 2·ratio − 1.
    Off by default: give it a weight in RewardConfig.weights (needs agentscene[mujoco])."""
    r = ctx.report
    return None if r is None or r.stability is None else 2.0 * r.stability.stable_ratio - 1.0


@_term("object_count")
def object_count_term(ctx: TermContext) -> float | None:
    """Number of objects: < 4 -> -1, 5 -> 0, >= 15 -> 1."""
    return piecewise(float(len(ctx.scene.objects)), ctx.config.object_count_curve)


@_term("improvement")
def improvement_term(ctx: TermContext) -> float | None:
    """Did this turn improve the scene? 1 improved, 0 changed but not better, -1 unchanged or worse.

    SceneReVis asks a VLM judge (pass `judge={"improvement": ...}`); without one this
    deterministic stand-in compares the physics of the two scenes.
    """
    if ctx.prev is None or ctx.prev_report is None or ctx.report is None:
        return None
    if ctx.prev == ctx.scene:
        return -1.0
    before, after = ctx.prev_report, ctx.report
    eps = (ctx.tolerances or Tolerances()).pbl_change
    d_count = (before.n_colliding_pairs + before.n_oob_objects) - (after.n_colliding_pairs + after.n_oob_objects)
    d_pbl = before.pbl - after.pbl
    if d_count > 0 or (d_count == 0 and d_pbl > eps):
        return 1.0
    if d_count < 0 or d_pbl < -eps:
        return -1.0
    return 1.0 if after.n_objects > before.n_objects else 0.0


def object_matches(key: str, obj) -> bool:
    """Whether an object is an instance of a key object named in the prompt ("bed", "tv stand")."""
    k = key.strip().lower()
    if not k:
        return False
    cat = infer_category(k)
    if cat != "object" and cat == obj.category:
        return True
    return k.replace("_", " ") == obj.category.replace("_", " ") or k in obj.description.lower()


@_term("key_objects")
def key_objects_term(ctx: TermContext) -> float | None:
    """Share of the prompt's key objects present: all -> 1, more than half -> 0, else -1."""
    keys = [k for k in ctx.key_objects if k.strip()]
    if not keys:
        return 0.0
    found = sum(1 for k in keys if any(object_matches(k, o) for o in ctx.scene.objects))
    ratio = found / len(keys)
    return 1.0 if ratio >= 0.99 else (0.0 if ratio > 0.5 else -1.0)


@_term("size_proportion")
def size_proportion_term(ctx: TermContext) -> float | None:
    """Object sizes against typical sizes of their category (a programmatic check, like theirs).

    A dimension below half or above twice the typical size is a critical issue; below 0.8x
    or above 1.3x a minor one (depth: critical only). Typical sizes come from
    agentscene.categories rather than SceneReVis' own table.
    """
    critical = minor = 0
    for o in ctx.scene.objects:
        if o.category == UNKNOWN_CATEGORY:
            continue
        typical = category_info(o.category).size
        for axis, (v, t) in enumerate(zip(o.size, typical, strict=True)):
            if v < 0.5 * t or v > 2.0 * t:
                critical += 1
            elif axis < 2 and (v < 0.8 * t or v > 1.3 * t):
                minor += 1
    if critical >= 3:
        return -1.0
    if critical == 2:
        return -0.5
    if critical == 1 or minor >= 3:
        return 0.0
    return 0.5 if minor >= 1 else 1.0


# -- format ------------------------------------------------------------------------------

#: Penalty per failing tool call (SceneReVis' format check), by tools.ErrorCode value.
CALL_PENALTIES = {
    "unknown_tool": 0.15, "invalid_call": 0.1, "invalid_json": 0.1, "invalid_arguments": 0.1,
    "unknown_object": 0.2, "ambiguous_reference": 0.2,
}


#: What SceneReVis' format check gives replies our lenient parser had to repair (None: no effect).
REPAIR_SCORES: dict[str, float | None] = {
    "text_outside_blocks": None,  # they ignore prose outside the tags too
    "fence_in_create_scene": None,  # they require that fence
    "fence_in_tool_calls": -0.9,  # their json.loads fails on the fence
    "unwrapped_tool_calls": -1.0,
    "single_call_object": -1.0,
    "calls_without_tags": -1.0,
    "tag_normalised": -1.0,
    "missing_close_tool_calls": -1.0,
}


def _first_turn_format(create_scene: dict, reply) -> float:
    """Turn 1: an empty room; 4 corners score 1, 6 or 8 score 0.5, others -1; over 30 m² is -1."""
    if reply.think is not None or reply.conclusion is not None:
        return -1.0
    try:
        scene = load_scene(create_scene)
    except SceneFormatError:
        return -1.0
    if scene.objects:
        return -1.0
    x0, z0, x1, z1 = scene.room.bounds
    if (x1 - x0) * (z1 - z0) > 30.0:
        return -1.0
    n = len(scene.room.floor)
    return 1.0 if n == 4 else (0.5 if n in (6, 8) else -1.0)


def format_score(reply: Any, prev: Scene | None, check_calls: bool = True, results: Sequence[ToolResult] | None = None) -> float:
    """SceneReVis' format reward of a parsed reply (None, a Reply or a FormatError); `results`:
    those of applying the reply's calls to `prev`, when the caller has them (else applied here)."""
    if reply is None:
        return 1.0  # native function calling: the provider guarantees the format
    if isinstance(reply, FormatError):
        return -0.9 if reply.code == "invalid_json" else -1.0
    if not isinstance(reply, Reply):
        raise TypeError(f"reply must be a Reply, a FormatError or None, got {type(reply).__name__}")
    if reply.create_scene is not None and reply.tool_calls is None:
        return _first_turn_format(reply.create_scene, reply)
    if reply.tool_calls is None or reply.think is None:
        return -1.0
    repaired = [s for s in (REPAIR_SCORES[r.code] for r in reply.repairs) if s is not None]
    if repaired:
        return min(repaired)
    if not reply.tool_calls:
        return -1.0
    penalty = 0.0
    if check_calls and prev is not None:
        for result in apply_tool_calls(prev, reply.tool_calls).results if results is None else results:
            if not result.ok and result.error is not None:
                penalty += CALL_PENALTIES.get(str(result.error), 0.0)
    return max(-1.0, 1.0 - min(penalty, 1.0))


@_term("format")
def format_term(ctx: TermContext) -> float | None:
    return format_score(ctx.reply, ctx.prev, ctx.config.format_checks_calls, ctx.results)


# -- judge slots -------------------------------------------------------------------------

def _judge_only(name: str) -> TermFn:
    def fn(ctx: TermContext) -> float | None:
        v = ctx.judge.get(name)
        return None if v is None else float(v)

    fn.__name__ = f"{name}_term"
    fn.__doc__ = f"Filled by a critic: judge[{name!r}] (None without one)."
    return fn


def _judge_or_offline(name: str) -> TermFn:
    def fn(ctx: TermContext) -> float | None:
        v = ctx.judge.get(name)
        if v is not None:
            return float(v)
        return ctx.judgement.terms().get(name) if ctx.config.offline_judge else None

    fn.__name__ = f"{name}_term"
    fn.__doc__ = (f"A critic's judge[{name!r}] when given, else the offline judge's {name} "
                  "(agentscene.critics.judge, 0-10 mapped to [-1, 1]); None with RewardConfig(offline_judge=False).")
    return fn


register_term("judge", _judge_only("judge"))
for _name in ("rationality", "requirement_match", "scene_graph"):
    register_term(_name, _judge_or_offline(_name))
