"""Reward terms at their breakpoints, the format check, presets, score() and the term registry."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentscene.formats import load_scene
from agentscene.rewards import (
    RewardConfig,
    evaluate,
    format_score,
    get_term,
    piecewise,
    register_term,
    score,
    term_names,
    trajectory_reward,
)
from agentscene.rewards.terms import TERMS, TermContext
from agentscene.tools import Reply, apply_tool_calls, parse_reply

from .conftest import SCENE_DIR
from .test_rewards_common import box, scene

CFG = RewardConfig()


# SceneReVis' if/else formulas, transcribed from the issue, to check the curves against.
def their_collision(c):
    if c <= 20:
        return 1.0 - 0.5 * (c / 20.0)
    if c <= 45:
        return 0.5 - 0.5 * (c - 20) / 25.0
    return -1.0 * (c - 45) / 55.0


def their_oob(o):
    if o <= 10:
        return 1.0 - 0.5 * (o / 10.0)
    if o <= 30:
        return 0.5 - 0.5 * (o - 10) / 20.0
    return -1.0 * (o - 30) / 70.0


def their_penetration(d):
    if d == 0:
        return 1.0
    if d <= 0.1:
        return 1.0 - 0.5 * (d / 0.1)
    if d <= 0.3:
        return 0.5 - 0.5 * (d - 0.1) / 0.2
    if d <= 0.6:
        return -0.5 * (d - 0.3) / 0.3
    if d <= 1.0:
        return -0.5 - 0.5 * (d - 0.6) / 0.4
    return -1.0


def their_oob_volume(v):
    if v == 0:
        return 1.0
    if v <= 0.2:
        return 1.0 - 0.5 * (v / 0.2)
    if v <= 0.5:
        return 0.5 - 0.5 * (v - 0.2) / 0.3
    if v <= 1.0:
        return -0.5 * (v - 0.5) / 0.5
    if v <= 2.0:
        return -0.5 - 0.5 * (v - 1.0) / 1.0
    return -1.0


def their_support(r):
    if r == 0:
        return 1.0
    if r <= 10:
        return 1.0 - r / 10.0
    return -1.0 * (r - 10) / 90.0


def their_object_count(n):
    if n >= 15:
        return 1.0
    if n >= 5:
        return (n - 5) / 10.0
    if n >= 4:
        return -1.0 + (n - 4)
    return -1.0


@pytest.mark.parametrize("x,want", [(0, 1.0), (20, 0.5), (45, 0.0), (100, -1.0), (10, 0.75), (32.5, 0.25), (72.5, -0.5)])
def test_collision_curve_breakpoints(x, want):
    assert piecewise(x, CFG.collision_curve) == pytest.approx(want)


@pytest.mark.parametrize("x,want", [(0, 1.0), (10, 0.5), (30, 0.0), (100, -1.0), (5, 0.75), (20, 0.25), (65, -0.5)])
def test_oob_curve_breakpoints(x, want):
    assert piecewise(x, CFG.oob_curve) == pytest.approx(want)


@pytest.mark.parametrize("x,want", [(0, 1.0), (0.1, 0.5), (0.3, 0.0), (0.6, -0.5), (1.0, -1.0), (5.0, -1.0), (0.05, 0.75), (0.45, -0.25)])
def test_penetration_curve_breakpoints(x, want):
    assert piecewise(x, CFG.penetration_curve) == pytest.approx(want)


@pytest.mark.parametrize("x,want", [(0, 1.0), (0.2, 0.5), (0.5, 0.0), (1.0, -0.5), (2.0, -1.0), (9.0, -1.0), (0.1, 0.75), (1.5, -0.75)])
def test_oob_volume_curve_breakpoints(x, want):
    assert piecewise(x, CFG.oob_volume_curve) == pytest.approx(want)


@pytest.mark.parametrize("x,want", [(0, 1.0), (10, 0.0), (100, -1.0), (5, 0.5), (55, -0.5)])
def test_support_curve_breakpoints(x, want):
    assert piecewise(x, CFG.support_curve) == pytest.approx(want)


@pytest.mark.parametrize("n,want", [(0, -1.0), (3, -1.0), (4, -1.0), (5, 0.0), (10, 0.5), (15, 1.0), (40, 1.0)])
def test_object_count_curve_breakpoints(n, want):
    assert piecewise(n, CFG.object_count_curve) == pytest.approx(want)


@given(st.floats(0, 100))
def test_rate_curves_equal_scenerevis_formulas(x):
    assert piecewise(x, CFG.collision_curve) == pytest.approx(their_collision(x), abs=1e-12)
    assert piecewise(x, CFG.oob_curve) == pytest.approx(their_oob(x), abs=1e-12)
    assert piecewise(x, CFG.support_curve) == pytest.approx(their_support(x), abs=1e-12)


@given(st.floats(0, 5))
def test_amount_curves_equal_scenerevis_formulas(x):
    assert piecewise(x, CFG.penetration_curve) == pytest.approx(their_penetration(x), abs=1e-12)
    assert piecewise(x, CFG.oob_volume_curve) == pytest.approx(their_oob_volume(x), abs=1e-12)


@given(st.integers(0, 60))
def test_object_count_equals_scenerevis(n):
    assert piecewise(n, CFG.object_count_curve) == pytest.approx(their_object_count(n))


def test_piecewise_handles_infinity_and_nan():
    assert piecewise(math.inf, CFG.penetration_curve) == -1.0
    assert piecewise(-math.inf, CFG.penetration_curve) == 1.0


# -- format ------------------------------------------------------------------------------

BEDROOM = load_scene(SCENE_DIR / "bedroom_basic.json")
MOVE = '{"name": "move_object", "arguments": {"object_id": "desk_1", "position": [1.0, 0.0, 0.4]}}'


@pytest.mark.parametrize("text,want", [
    (f"<think>fix it</think><tool_calls>[{MOVE}]</tool_calls>", 1.0),
    (f"<tool_calls>[{MOVE}]</tool_calls>", -1.0),  # no <think>
    (f"<think>x</think><tool_calls>\n```json\n[{MOVE}]\n```\n</tool_calls>", -0.9),  # fenced JSON
    (f"<think>x</think><tool_calls>{MOVE}</tool_calls>", -1.0),  # an object, not a list
    (f"<think>x</think><TOOL_CALLS>[{MOVE}]</TOOL_CALLS>", -1.0),  # tags in another case
    (f"Sure! <think>x</think><tool_calls>[{MOVE}]</tool_calls> Done.", 1.0),  # prose around is fine
    ('<think>x</think><tool_calls>[{"name": "move_object", "arguments": {"object_id": "ghost_9", "position": [1, 0, 1]}}]</tool_calls>', 0.8),
    ('<think>x</think><tool_calls>[{"name": "fly_object", "arguments": {}}]</tool_calls>', 0.85),
    ('<think>x</think><tool_calls>[{"name": "move_object", "arguments": {"object_id": "desk_1"}}]</tool_calls>', 0.9),
    ('<think>x</think><tool_calls>[{"name": "fly", "arguments": {}}, {"name": "remove_object", "arguments": {"object_id": "nope"}}]</tool_calls>', 0.65),
    ("<think>x</think><tool_calls>[{\"name\": 1,]</tool_calls>", -0.9),  # invalid JSON
    ("just prose", -1.0),
    ("", -1.0),
])
def test_format_score(text, want):
    assert format_score(parse_reply(text), BEDROOM) == pytest.approx(want)
    reply = parse_reply(text)
    if isinstance(reply, Reply) and reply.tool_calls:  # the caller's own results of the calls give the same score
        assert format_score(reply, BEDROOM, results=apply_tool_calls(BEDROOM, reply.tool_calls).results) == pytest.approx(want)


def _create(floor, objects=()):
    import json

    verts = [[x, 0.0, z] for x, z in floor]
    data = {"room_type": "bedroom", "room_id": "r", "bounds_bottom": verts, "bounds_top": [[x, 2.8, z] for x, _, z in verts],
            "objects": list(objects)}
    return f"<create_scene>\n```json\n{json.dumps(data)}\n```\n</create_scene>"


@pytest.mark.parametrize("floor,objects,want", [
    ([(0, 0), (4, 0), (4, 4), (0, 4)], (), 1.0),
    ([(0, 0), (5, 0), (5, 3), (3, 3), (3, 5), (0, 5)], (), 0.5),
    ([(0, 0), (4, 0), (2, 3)], (), -1.0),  # 3 corners
    ([(0, 0), (7, 0), (7, 5), (0, 5)], (), -1.0),  # 35 m²
    ([(0, 0), (4, 0), (4, 4), (0, 4)], ({"desc": "bed", "size": [1, 1, 1], "pos": [1, 0, 1], "rot": [0, 0, 0, 1], "jid": "x"},), -1.0),
])
def test_first_turn_format(floor, objects, want):
    assert format_score(parse_reply(_create(floor, objects)), None) == want


def test_first_turn_with_think_is_wrong_and_none_reply_is_fine():
    assert format_score(parse_reply("<think>plan</think>" + _create([(0, 0), (4, 0), (4, 4), (0, 4)])), None) == -1.0
    assert format_score(None, BEDROOM) == 1.0
    with pytest.raises(TypeError):
        format_score("a raw string", BEDROOM)


# -- other terms -------------------------------------------------------------------------

def _ctx(s, **kw):
    return TermContext(scene=s, prev=kw.pop("prev", None), reply=None, report=kw.pop("report", None),
                       prev_report=kw.pop("prev_report", None), config=CFG, **kw)


def test_key_objects_term():
    fn = get_term("key_objects")
    assert fn(_ctx(BEDROOM, key_objects=("bed", "wardrobe", "nightstand"))) == 1.0
    assert fn(_ctx(BEDROOM, key_objects=("bed", "wardrobe", "tv"))) == 0.0  # 2 of 3
    assert fn(_ctx(BEDROOM, key_objects=("bed", "piano", "tv"))) == -1.0
    assert fn(_ctx(BEDROOM, key_objects=("bedside table",))) == 1.0  # a synonym of nightstand
    assert fn(_ctx(BEDROOM, key_objects=())) == 0.0


def test_improvement_term():
    fn = get_term("improvement")
    bad = scene([box("a_1", (1, 1, 1), (1.5, 0, 2)), box("b_1", (1, 1, 1), (2.0, 0, 2)), box("c_1", (1, 1, 1), (3, 0, 3.3))])
    good = bad.replace_object(bad["b_1"].model_copy(update={"position": (2.6, 0.0, 1.0)}))
    added = bad.with_objects([*bad.objects, box("d_1", (0.4, 0.4, 0.4), (0.5, 0, 3.5))])
    rb, rg, ra = evaluate(bad), evaluate(good), evaluate(added)
    assert fn(_ctx(good, prev=bad, report=rg, prev_report=rb)) == 1.0
    assert fn(_ctx(bad, prev=good, report=rb, prev_report=rg)) == -1.0
    assert fn(_ctx(bad, prev=bad, report=rb, prev_report=rb)) == -1.0  # no change
    assert fn(_ctx(added, prev=bad, report=ra, prev_report=rb)) == 1.0  # furniture added, no regression
    moved = good.replace_object(good["c_1"].model_copy(update={"position": (3.0, 0.0, 3.0)}))
    assert fn(_ctx(moved, prev=good, report=evaluate(moved), prev_report=rg)) == 0.0
    assert fn(_ctx(good)) is None


def test_size_proportion_term():
    from agentscene.categories import category_info

    fn = get_term("size_proportion")
    typical = scene([box(f"{c}_1", category_info(c).size, (2, 0, 2), category=c) for c in ("bed", "wardrobe", "nightstand")])
    assert fn(_ctx(typical)) == 1.0
    assert fn(_ctx(BEDROOM)) == 0.5  # one minor issue: the desk is 1.1 m wide, 0.79 x typical
    giant = typical.replace_object(typical["bed_1"].model_copy(update={"size": (5.0, 3.0, 6.0)}))
    assert fn(_ctx(giant)) == -1.0  # three critical dimensions
    two = typical.replace_object(typical["bed_1"].model_copy(update={"size": (5.0, 3.0, 2.1)}))
    assert fn(_ctx(two)) == -0.5
    tall = typical.replace_object(typical["bed_1"].model_copy(update={"size": (1.6, 1.4, 2.1)}))
    assert fn(_ctx(tall)) == 0.5  # one minor: height 1.4 x typical


def test_support_term_needs_the_floating_section():
    fn = get_term("support")
    s = scene([box("a_1", (1, 1, 1), (1, 0.3, 1))] + [box(f"b_{i}", (0.3, 0.3, 0.3), (0.5 + i * 0.4, 0, 3)) for i in range(9)])
    assert fn(_ctx(s, report=evaluate(s))) == pytest.approx(0.0)  # 1 of 10 floating
    assert fn(_ctx(s)) is None


# -- score -------------------------------------------------------------------------------

def test_presets_weights_sum_to_one():
    assert sum(RewardConfig().weights.values()) == pytest.approx(1.0)
    assert sum(RewardConfig.final_turn().weights.values()) == pytest.approx(1.0)
    assert RewardConfig.first_turn().weights == {"format": 1.0}
    assert RewardConfig().weights == {"format": 0.10, "collision": 0.10, "oob": 0.10, "penetration": 0.10,
                                      "oob_volume": 0.10, "improvement": 0.25, "key_objects": 0.25}


def test_score_intermediate_turn_by_hand():
    gym = load_scene(SCENE_DIR / "gym_overlaps.json")
    r = evaluate(gym)
    b = score(None, gym, None, key_objects=("treadmill", "weight bench"), report=r)
    # collision 50 % -> -(50-45)/55; penetration 0.25 m total -> 0.125; nothing out of bounds -> 1.
    want = {"format": 1.0, "collision": -5 / 55, "oob": 1.0, "penetration": 0.125, "oob_volume": 1.0,
            "improvement": 0.0, "key_objects": 1.0}
    for name, value in want.items():
        assert b[name].value == pytest.approx(value)
    assert b["improvement"].source == "missing"
    total = sum(RewardConfig().weights[k] * v for k, v in want.items())
    assert b.total == pytest.approx(total)
    assert b.values()["total"] == pytest.approx(total)


def test_score_judge_overrides_and_is_clamped():
    b = score(None, BEDROOM, judge={"improvement": 1.0, "key_objects": 7.0})
    assert b["improvement"].value == 1.0 and b["improvement"].source == "judge"
    assert b["key_objects"].value == 1.0
    with pytest.raises(ValueError, match="finite"):
        score(None, BEDROOM, judge={"key_objects": float("nan")})


def test_final_turn_fuse_and_object_floor():
    final = RewardConfig.final_turn()
    ok = score(BEDROOM, BEDROOM, None, config=final, key_objects=("bed",),
               judge={"rationality": 1, "requirement_match": 1, "scene_graph": 1})
    # size_proportion scores 0.5 (the desk), everything else 1.
    assert ok.total == pytest.approx(0.10 + 0.20 + 0.10 * 0.5 + 0.08 + 0.07 + 0.05 + 0.05 + 0.05 + 0.30)
    fused = score(BEDROOM, BEDROOM, None, config=final, key_objects=("piano", "tv"))
    assert fused["collision"].value == -1.0 and fused["collision"].source == "rule"
    assert fused["rationality"].value == -1.0 and any("fused" in n for n in fused.notes)
    tiny = scene([box("bed_1", (1.6, 1, 2), (2, 0, 1.5))])
    assert score(tiny, tiny, None, config=final, key_objects=("bed",)).total == -1.0


def test_physics_terms_are_minus_one_below_three_objects():
    two = scene([box("a_1", (0.5, 0.5, 0.5), (1, 0, 1)), box("b_1", (0.5, 0.5, 0.5), (3, 0, 3))])
    b = score(None, two)
    assert all(b[n].value == -1.0 and b[n].source == "rule" for n in ("collision", "oob", "penetration", "oob_volume"))


def test_custom_terms_and_registry():
    assert {"format", "collision", "oob", "penetration", "oob_volume", "improvement", "key_objects", "support",
            "object_count", "size_proportion", "judge", "rationality"} <= set(term_names())

    def few_chairs(ctx):
        return 1.0 if len(ctx.scene.by_category("office_chair")) <= 1 else -1.0

    with TERMS.scoped():
        register_term("few_chairs", few_chairs)
        with pytest.raises(ValueError, match="already registered"):
            register_term("few_chairs", few_chairs)
        register_term("few_chairs", few_chairs, replace=True)
        assert get_term("few_chairs") is few_chairs
        b = score(None, BEDROOM, config=RewardConfig(weights={"few_chairs": 2.0, "format": 1.0}))
        assert b.total == pytest.approx(3.0)
        with pytest.raises(KeyError, match="unknown reward term"):
            score(None, BEDROOM, config=RewardConfig(weights={"nope": 1.0}))
        register_term("nan_term", lambda ctx: float("nan"))
        with pytest.raises(ValueError, match="nan_term"):
            score(None, BEDROOM, config=RewardConfig(weights={"nan_term": 1.0}))
        with pytest.raises(ValueError):
            register_term("", few_chairs)
        with pytest.raises(TypeError):
            register_term("x_bad", 3)  # type: ignore[arg-type]
    assert "few_chairs" not in term_names() and "nan_term" not in term_names()


def test_config_validation():
    with pytest.raises(ValueError):
        RewardConfig(collision_curve=((10.0, 1.0), (0.0, 0.0)))
    with pytest.raises(ValueError):
        RewardConfig(weights={"format": float("inf")})


@pytest.mark.parametrize("turns,want", [([], -1.0), ([1.0], -1.0), ([1.0, 1.0], -1.0), ([0.0, 0.0, 1.0], 0.6),
                                        ([1.0, 0.5, -1.0, 0.5], 0.4 / 3 * 0.5 + 0.6 * 0.5)])
def test_trajectory_reward(turns, want):
    assert trajectory_reward(turns) == pytest.approx(want)
