"""resolve() fixes collisions and wall crossings with small reported moves; feedback_text says what is wrong."""

from __future__ import annotations

import pytest

from agentscene.formats import load_scene
from agentscene.rewards import evaluate, feedback_text, resolve

from .conftest import SCENE_DIR
from .test_rewards_common import box, door, scene


@pytest.mark.parametrize("name", ["gym_overlaps.json", "duplicates_overlap.json", "bedroom_problems.json"])
def test_resolve_fixture_scenes(name):
    s = load_scene(SCENE_DIR / name)
    before = evaluate(s)
    res = resolve(s)
    assert res.resolved and res.report.n_colliding_pairs == 0 and res.report.n_oob_objects == 0
    assert res.scene.ids == s.ids  # nothing deleted or reordered
    moved = {m.id for m in res.moves}
    assert moved and moved <= set(s.ids)
    for m in res.moves:
        assert res.scene[m.id].position == m.after and s[m.id].position == m.before and m.reasons
    # minimal motion: no move is much longer than the deepest problem it fixed
    worst = max([p.depth for p in before.colliding_pairs] + [c.distance for o in before.out_of_bounds for c in o.crossings])
    assert max(m.distance for m in res.moves) <= worst + 0.05


def test_walls_first_and_corner_push():
    s = scene([box("cabinet_1", (1, 1, 0.6), (3.8, 0, 3.9))])  # through the east and south walls
    res = resolve(s)
    x, _, z = res.scene["cabinet_1"].position
    assert res.resolved
    assert x == pytest.approx(3.5 - 0.005, abs=0.006) and z == pytest.approx(3.7 - 0.005, abs=0.006)
    reasons = " ".join(res.moves[0].reasons)
    assert "east wall by 0.300" in reasons and "south wall by 0.200" in reasons
    assert res.moves[0].distance == pytest.approx((0.305 ** 2 + 0.205 ** 2) ** 0.5)


def test_fixed_objects_and_children_move_with_parents():
    s = scene([
        box("bed_1", (1.6, 0.5, 2.0), (2.0, 0, 2.0)),
        box("desk_1", (1.2, 0.75, 0.6), (2.0, 0, 3.1)),  # overlaps the bed by 0.2 m along z
        box("lamp_1", (0.3, 0.4, 0.3), (2.0, 0.75, 3.1), support="desk_1"),
    ])
    res = resolve(s, fixed=["desk_1"])
    assert res.resolved and res.scene["desk_1"] == s["desk_1"]
    assert res.scene["bed_1"].position[2] < 2.0
    res2 = resolve(s)
    delta_desk = res2.scene["desk_1"].position[2] - s["desk_1"].position[2]
    delta_lamp = res2.scene["lamp_1"].position[2] - s["lamp_1"].position[2]
    assert delta_desk == pytest.approx(delta_lamp) and delta_desk > 0.19


def test_rugs_are_left_under_furniture_and_sunk_children_are_lifted():
    s = scene([
        box("rug_1", (2, 0.03, 2), (2, 0, 2)),
        box("table_1", (1, 0.75, 1), (2, 0, 2)),
        box("vase_1", (0.2, 0.3, 0.2), (2, 0.6, 2), support="table_1"),  # 15 cm inside the table top
    ])
    res = resolve(s)
    assert res.scene["table_1"].position == s["table_1"].position
    assert res.scene["vase_1"].position[1] == pytest.approx(0.75)


def test_impossible_cases_are_reported_not_hidden():
    s = scene([box("wall_unit_1", (5.0, 1.0, 0.5), (2.0, 0, 2.0)), box("shelf_1", (1, 3.5, 0.4), (1, 0, 1))])
    res = resolve(s, max_iterations=10)
    assert not res.resolved and res.iterations <= 10
    assert {o.id for o in res.report.out_of_bounds} >= {"wall_unit_1", "shelf_1"}
    assert res.scene.ids == s.ids
    with pytest.raises(ValueError):
        resolve(s, max_iterations=-1)


def test_clean_scene_is_untouched():
    s = load_scene(SCENE_DIR / "bedroom_basic.json")
    res = resolve(s)
    assert res.resolved and res.moves == [] and res.iterations == 0 and res.scene == s


def test_feedback_text_names_objects_sides_and_directions():
    s = load_scene(SCENE_DIR / "bedroom_problems.json")
    text = feedback_text(evaluate(s), s)
    assert text.startswith("Physics check: 1 collision(s), 1 object(s) out of bounds")
    assert "bed_1 (king size bed with wooden frame) and nightstand_1" in text
    assert "wardrobe_1" in text and "east wall by 20 cm" in text and "move it -x" in text
    assert len(text) < 800


def test_feedback_text_all_clear_floating_doors_and_truncation():
    s = load_scene(SCENE_DIR / "bedroom_basic.json")
    assert feedback_text(evaluate(s), s).startswith("Physics check: no collisions")
    many = scene([box(f"crate_{i}", (1, 1, 1), (2, 0, 2)) for i in range(6)] +
                 [box("lamp_1", (0.3, 0.3, 0.3), (0.5, 1.0, 0.5))] +
                 [box("wardrobe_1", (1.2, 2, 0.6), (2.0, 0, 0.5))], openings=[door(0, 2.0)])
    text = feedback_text(evaluate(many), many, top_k=3)
    assert text.count("- Collision:") == 3 and "more collisions" in text
    assert "lamp_1" in text and "above the floor" in text
    assert "Door on wall 0 is blocked by" in text and "wardrobe_1" in text


def test_l_shaped_notch_takes_one_way_out():
    floor = [(0, 0), (4, 0), (4, 2), (2, 2), (2, 4), (0, 4)]
    s = scene([box("crate_1", (0.5, 0.5, 0.5), (3.0, 0, 3.0))], floor=floor)
    res = resolve(s)
    assert res.resolved and res.iterations == 1
    assert res.moves[0].distance == pytest.approx(1.255)  # straight out of the notch, not diagonally
