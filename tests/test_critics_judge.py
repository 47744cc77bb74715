"""The offline judge: each rule on a clean room and its broken copies, the reward terms it fills,
the request it matches, and that no valid scene makes it raise."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from agentscene import Judgement, judge, load_scene
from agentscene.categories import category_names
from agentscene.critics import (
    RULES,
    RequiredRelation,
    Requirements,
    RuleCritic,
    judge_terms,
    requirements_from_prompt,
)
from agentscene.critics.checks import CHECKS
from agentscene.rewards import RewardConfig, evaluate, score
from agentscene.scene import Opening, Room, Scene, SceneObject

from .conftest import SCENE_DIR, fixture_paths

PROMPT = "a cozy bedroom with two nightstands"


def obj(oid: str, category: str, size, position, yaw=0.0, support="floor") -> SceneObject:
    return SceneObject(id=oid, description=category.replace("_", " "), category=category, size=tuple(size),
                       position=tuple(position), yaw=yaw, support=support)


def sensible_bedroom() -> Scene:
    """A hand-made sensible bedroom: 5 x 4 m, door on the south wall, bed against the north wall."""
    room = Room(room_type="bedroom", floor=((0, 0), (5, 0), (5, 4), (0, 4)), height=2.7,
                openings=(Opening(kind="door", wall=0, offset=4.2, width=0.9, height=2.1),
                          Opening(kind="window", wall=1, offset=2.0, width=1.4, height=1.2, sill=0.9)))
    objects = [
        obj("bed_1", "bed", (1.6, 1.0, 2.1), (2.0, 0.0, 2.95), yaw=180.0),
        obj("nightstand_1", "nightstand", (0.5, 0.55, 0.4), (0.9, 0.0, 3.79), yaw=180.0),
        obj("nightstand_2", "nightstand", (0.5, 0.55, 0.4), (3.1, 0.0, 3.79), yaw=180.0),
        obj("table_lamp_1", "table_lamp", (0.3, 0.5, 0.3), (0.9, 0.55, 3.79), yaw=180.0, support="nightstand_1"),
        obj("wardrobe_1", "wardrobe", (1.2, 2.1, 0.6), (0.3, 0.0, 1.2), yaw=90.0),
        obj("desk_1", "desk", (1.2, 0.75, 0.6), (4.69, 0.0, 2.0), yaw=-90.0),
        obj("office_chair_1", "office_chair", (0.6, 1.0, 0.6), (3.95, 0.0, 2.0), yaw=90.0),
        obj("rug_1", "rug", (2.0, 0.01, 1.4), (2.0, 0.0, 2.0)),
        obj("painting_1", "painting", (0.9, 0.6, 0.04), (2.0, 1.4, 3.98), yaw=180.0, support="wall"),
        obj("ceiling_lamp_1", "ceiling_lamp", (0.6, 0.4, 0.6), (2.5, 2.3, 2.0), support="ceiling"),
    ]
    return Scene(room=room, objects=tuple(objects), metadata={"prompt": PROMPT})


@pytest.fixture(scope="module")
def bedroom() -> Scene:
    return sensible_bedroom()


def edit(scene: Scene, oid: str, **update) -> Scene:
    return scene.replace_object(scene[oid].model_copy(update=update))


def rules_of(j: Judgement) -> set[str]:
    return {f.rule for f in j.findings}


def test_a_sensible_room_has_no_findings(bedroom):
    j = judge(bedroom)
    assert j.findings == [], j.feedback_text()
    assert j.scores == {"rationality": 10.0, "spatial_layout": 10.0, "accessibility": 10.0, "requirement_match": 10.0}
    assert j.terms() == {"rationality": 1.0, "requirement_match": 1.0, "scene_graph": 1.0}


@pytest.mark.parametrize(("name", "update", "rule", "words", "who"), [
    ("bed_1", {"yaw": 0.0}, "back_to_wall", "turn it round (yaw 180)", "bed_1"),
    ("wardrobe_1", {"position": (1.5, 0.0, 1.2)}, "back_to_wall", "move it to (0.31, 1.20) with yaw 90", "wardrobe_1"),
    ("nightstand_1", {"position": (4.0, 0.0, 0.5)}, "nightstand_by_bed", "beside the head", "nightstand_1"),
    ("office_chair_1", {"yaw": -90.0}, "chair_at_table", "rotate it to yaw 90", "office_chair_1"),
    ("office_chair_1", {"position": (1.5, 0.0, 0.5)}, "desk_chair", "add a desk chair", "desk_1"),
    ("table_lamp_1", {"position": (2.5, 1.2, 1.0), "support": "floor"}, "lamp_support", "floats 1.20 m above the floor", "table_lamp_1"),
    ("painting_1", {"position": (2.0, 0.1, 3.98)}, "wall_mount", "set its bottom to y =", "painting_1"),
    ("painting_1", {"position": (2.0, 1.4, 2.0)}, "wall_mount", "not hung on a wall", "painting_1"),
    ("rug_1", {"position": (2.5, 0.0, 0.71)}, "rug_under_group", "move it under", "rug_1"),
    ("desk_1", {"position": (3.6, 0.0, 0.31), "yaw": 0.0}, "door_clearance", "block the door", "desk_1"),
    ("wardrobe_1", {"position": (4.69, 0.0, 1.2), "yaw": -90.0}, "opening_blocked", "covers the window on wall 1", "wardrobe_1"),
    ("painting_1", {"position": (4.98, 1.4, 2.0), "yaw": -90.0}, "opening_blocked", "covers the window on wall 1", "painting_1"),
])
def test_each_rule_finds_its_broken_relation(bedroom, name, update, rule, words, who):
    broken = edit(bedroom, name, **update)
    j = judge(broken)
    hits = [f for f in j.findings if f.rule == rule]
    assert hits, j.feedback_text()
    assert any(words in f.message for f in hits), [f.message for f in hits]
    assert any(who in f.objects for f in hits)
    axis = hits[0].axis
    assert j.scores[axis] < 10.0


def test_front_clearance_and_reachability():
    room = Room(room_type="bedroom", floor=((0, 0), (4, 0), (4, 4), (0, 4)),
                openings=(Opening(kind="door", wall=0, offset=0.6, width=0.9, height=2.1),))
    wardrobe = obj("wardrobe_1", "wardrobe", (1.2, 2.1, 0.6), (2.0, 0.0, 3.7), yaw=180.0)
    blocker = obj("dresser_1", "dresser", (1.0, 0.85, 0.5), (2.0, 0.0, 3.0), yaw=0.0)
    j = judge(Scene(room=room, objects=(wardrobe, blocker)))
    front = [f for f in j.findings if f.rule == "front_clearance" and f.objects[0] == "wardrobe_1"]
    assert front and "dresser_1" in front[0].message
    # a bed walled off by a row of cabinets cannot be reached from the door
    bed = obj("bed_1", "bed", (1.4, 1.0, 2.0), (2.0, 0.0, 2.95), yaw=180.0)
    wall_of = tuple(obj(f"cabinet_{i}", "cabinet", (1.0, 0.9, 0.45), (0.5 + i, 0.0, 1.6)) for i in range(4))
    j = judge(Scene(room=room, objects=(bed, *wall_of)))
    assert any(f.rule == "reachable" and f.objects == ("bed_1",) for f in j.findings)
    assert j.scores["accessibility"] < 8.0


def test_seats_face_the_focal_point():
    room = Room(room_type="living_room", floor=((0, 0), (5, 0), (5, 4), (0, 4)),
                openings=(Opening(kind="door", wall=0, offset=4.3, width=0.9, height=2.1),))
    sofa = obj("sofa_1", "sofa", (2.0, 0.85, 0.9), (2.5, 0.0, 3.5), yaw=180.0)
    table = obj("coffee_table_1", "coffee_table", (1.0, 0.4, 0.6), (2.5, 0.0, 2.4))
    stand = obj("tv_stand_1", "tv_stand", (1.6, 0.5, 0.45), (2.5, 0.0, 0.23))
    good = Scene(room=room, objects=(sofa, table, stand))
    assert "seat_faces_focal" not in rules_of(judge(good))
    bad = judge(edit(good, "sofa_1", yaw=90.0))
    hit = [f for f in bad.findings if f.rule == "seat_faces_focal"]
    assert hit and "rotate it to yaw" in hit[0].message
    tv = obj("tv_1", "tv", (1.2, 0.7, 0.08), (2.5, 0.5, 0.23), support="tv_stand_1")
    assert "screen_faces_seats" not in rules_of(judge(good.with_objects([*good.objects, tv])))
    turned = judge(good.with_objects([*good.objects, tv.model_copy(update={"yaw": 180.0})]))
    assert any(f.rule == "screen_faces_seats" and "rotate it to yaw 0" in f.message for f in turned.findings)


def test_physics_report_counts_when_given():
    scene = load_scene(SCENE_DIR / "bedroom_problems.json")
    without = judge(scene)
    with_physics = judge(scene, report=evaluate(scene))
    assert {"collision", "out_of_room"} <= rules_of(with_physics)
    assert not {"collision", "out_of_room"} & rules_of(without)
    assert any("physics" in s for s in without.skipped)
    assert with_physics.scores["rationality"] <= without.scores["rationality"]


def test_room_caps_follow_scenereivs_judge():
    scene = load_scene(SCENE_DIR / "bathroom_small.json")  # 3 objects
    j = judge(scene)
    assert j.scores["rationality"] <= 6.0
    assert any(f.rule == "room_caps" and "3 objects" in f.message for f in j.findings)


# -- the request ------------------------------------------------------------------------------

def test_requested_objects_and_counts(bedroom):
    assert judge(bedroom, "a bedroom with two nightstands and a desk").scores["requirement_match"] == 10.0
    j = judge(bedroom, "a bedroom with three nightstands, a sofa and no desk")
    msgs = " | ".join(f.message for f in j.findings if f.axis == "requirement_match")
    assert "asks for 3 nightstand, the scene has 2: add 1 more" in msgs
    assert "asks for 1 sofa, the scene has 0: add one" in msgs
    assert "rules out desk, but desk_1 is there" in msgs
    assert j.scores["requirement_match"] < 5.0


def test_requested_relations(bedroom):
    def req(*relations):
        return Requirements(prompt="x", relations=tuple(RequiredRelation(subject=s, relation=r, target=t) for s, r, t in relations))

    holds = req(("nightstand", "either_side", "bed"), ("office_chair", "facing", "desk"), ("table_lamp", "on", "nightstand"),
                ("desk", "against_wall", None), ("nightstand", "beside", "bed"), ("desk", "by_window", None),
                ("office_chair", "at", "desk"), ("rug", "under", "bed"), ("painting", "above", "bed"), ("painting", "on_wall", None),
                ("wardrobe", "against_wall", None))
    j = judge(bedroom, requirements=holds)
    assert j.scores["requirement_match"] == 10.0, j.feedback_text()
    fails = req(("bed", "by_window", None), ("office_chair", "facing", "bed"), ("sofa", "facing", "bed"),
                ("desk", "in_corner", None), ("bed", "under", "rug"))
    j = judge(bedroom, requirements=fails)
    found = [f for f in j.findings if f.rule == "requested_relation"]
    assert len(found) == 5 and j.scores["requirement_match"] == 0.0, j.feedback_text()
    assert any("there is no sofa: add one" in f.message for f in found)
    assert any("asks for a bed by the window, which does not hold: place the bed by the window" in f.message for f in found)
    unknown = judge(bedroom, requirements=req(("bed", "levitating_over", "rug")))
    assert unknown.scores["requirement_match"] == 10.0 and any("levitating_over" in s for s in unknown.skipped)


def test_requirements_adapter_reads_the_brief():
    r = requirements_from_prompt("a small bedroom with two oak nightstands either side of the bed, a desk under the window and no tv")
    assert r.room_type == "bedroom" and "tv" in r.excluded
    stands = next(o for o in r.objects if o.category == "nightstand")
    assert (stands.count, stands.explicit_count) == (2, True)
    assert RequiredRelation(subject="nightstand", relation="either_side", target="bed") in r.relations
    assert RequiredRelation(subject="desk", relation="by_window") in r.relations
    assert requirements_from_prompt("x" * 100_000) == Requirements(prompt="x" * 100_000)  # refused by the parser: nothing to match


def test_requested_relations_from_the_prompt(bedroom):
    assert judge(bedroom, "a bedroom with a bed flanked by two nightstands and a desk under the window").scores["requirement_match"] == 10.0
    j = judge(bedroom, "a bedroom with a bed under the window and an office chair facing the wardrobe")
    assert j.scores["requirement_match"] < 10.0 and any(f.rule == "requested_relation" for f in j.findings)


def test_only_what_is_named(bedroom):
    bare = bedroom.with_objects([o for o in bedroom.objects if o.category != "wardrobe"])
    assert "essentials" in rules_of(judge(bare, "a bedroom with a bed"))
    only = judge(bare, "a bedroom with only a bed and two nightstands")
    assert "essentials" not in rules_of(only) and any("only what it names" in s for s in only.skipped)


def test_out_of_place_unless_asked(bedroom):
    toilet = obj("toilet_1", "toilet", (0.4, 0.8, 0.7), (4.7, 0.0, 0.8), yaw=-90.0)
    scene = bedroom.with_objects([*bedroom.objects, toilet])
    assert "out_of_place" in rules_of(judge(scene))
    assert "out_of_place" not in rules_of(judge(scene, "a bedroom with a toilet"))


# -- the reward -------------------------------------------------------------------------------

def _final(scene: Scene, **kw) -> float:
    return score(None, scene, None, config=RewardConfig.final_turn(**kw), key_objects=("bed", "nightstand")).total


def test_final_turn_reward_tells_a_sensible_room_from_an_absurd_one(bedroom):
    clean = _final(bedroom)
    assert _final(bedroom, offline_judge=False) == pytest.approx(0.70)
    assert clean > 0.9
    broken = {
        "bed faces a wall": edit(bedroom, "bed_1", yaw=0.0),
        "chair turned away": edit(bedroom, "office_chair_1", yaw=-90.0),
        "nightstands across the room": edit(edit(bedroom, "nightstand_1", position=(4.7, 0.0, 0.8)),
                                            "nightstand_2", position=(4.7, 0.0, 3.3)),
    }
    for name, scene in broken.items():
        assert _final(scene) <= clean - 0.05, name


def test_a_critic_score_takes_precedence(bedroom):
    broken = edit(bedroom, "bed_1", yaw=0.0)
    b = score(None, broken, None, config=RewardConfig.final_turn(), judge={"rationality": 1.0, "scene_graph": 1.0})
    assert b["rationality"].source == "judge" and b["rationality"].value == 1.0
    assert b["requirement_match"].source == "computed"  # the VLM critic does not score it: the offline judge does
    vlm = judge_terms({"rationality": 8.0, "spatial_layout": 6.0, "accessibility": 9.0})
    assert vlm == {"rationality": pytest.approx(0.6), "scene_graph": pytest.approx(0.2)}


def test_rule_critic_is_the_judge(bedroom):
    c = RuleCritic().critique(edit(bedroom, "bed_1", yaw=0.0), None, PROMPT)
    assert c.scores["rationality"] < 10 and any(f.rule == "back_to_wall" for f in c.findings)
    assert "bed_1" in c.feedback and c.terms()["rationality"] < 1.0


def test_every_rule_has_a_check_and_every_category_a_family():
    assert {r.id for r in RULES} - {"room_caps"} == set(CHECKS)
    from agentscene.categories import category_info

    assert all(category_info(c).family for c in category_names())
    assert all(category_info(c).mount_height for c in category_names() if category_info(c).support == "wall")


# -- bad input --------------------------------------------------------------------------------

@pytest.mark.parametrize("path", fixture_paths(), ids=lambda p: p.stem)
def test_every_fixture_is_judged(path):
    scene = load_scene(path)
    j = judge(scene, "a room", report=evaluate(scene))
    ids = set(scene.ids)
    assert all(set(f.objects) <= ids for f in j.findings)
    assert all(0.0 <= v <= 10.0 for v in j.scores.values())
    json.dumps(j.model_dump(mode="json"))


CATEGORIES = [*category_names(), "object", "spaceship"]


@st.composite
def rooms(draw) -> Room:
    kind = draw(st.sampled_from(["rect", "L", "rotated", "triangle", "huge"]))
    w, d = draw(st.floats(0.5, 12)), draw(st.floats(0.5, 12))
    if kind == "rect":
        floor = [(0, 0), (w, 0), (w, d), (0, d)]
    elif kind == "L":
        floor = [(0, 0), (w, 0), (w, d / 2), (w / 2, d / 2), (w / 2, d), (0, d)]
    elif kind == "rotated":
        a = math.radians(draw(st.floats(0, 360)))
        floor = [(x * math.cos(a) - z * math.sin(a), x * math.sin(a) + z * math.cos(a)) for x, z in [(0, 0), (w, 0), (w, d), (0, d)]]
    elif kind == "triangle":
        floor = [(0, 0), (w, 0), (w / 3, d)]
    else:
        floor = [(0, 0), (w * 50, 0), (w * 50, d * 50), (0, d * 50)]
    openings = []
    for _ in range(draw(st.integers(0, 3))):
        wall = draw(st.integers(0, len(floor) - 1))
        (x0, z0), (x1, z1) = floor[wall], floor[(wall + 1) % len(floor)]
        length = math.hypot(x1 - x0, z1 - z0)
        openings.append(Opening(kind=draw(st.sampled_from(["door", "window", "opening"])), wall=wall,
                                offset=draw(st.floats(0, 1)) * length, width=draw(st.floats(0.1, 3)), height=2.0,
                                sill=draw(st.floats(0, 1.5))))
    room_type = draw(st.sampled_from(["bedroom", "living_room", "kitchen", "office", "gym", "attic"]))
    try:
        return Room(room_type=room_type, floor=tuple(floor), openings=tuple(openings))
    except ValueError:
        assume(False)
        raise


@st.composite
def scenes(draw) -> Scene:
    room = draw(rooms())
    x0, z0, x1, z1 = room.bounds
    n = draw(st.integers(0, 20))
    objects = []
    for i in range(n):
        cat = draw(st.sampled_from(CATEGORIES))
        support = draw(st.sampled_from(["floor", "wall", "ceiling", *(o.id for o in objects[-2:])]))
        objects.append(SceneObject(
            id=f"o_{i}", description=cat, category=cat,
            size=tuple(draw(st.floats(0.01, 4)) for _ in range(3)),
            position=(draw(st.floats(x0 - 2, x1 + 2)), draw(st.floats(-1, 4)), draw(st.floats(z0 - 2, z1 + 2))),
            yaw=draw(st.floats(-360, 360)), support=support))
    return Scene(room=room, objects=tuple(objects))


@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(scenes(), st.one_of(st.sampled_from([None, "", "a bedroom with 3 beds facing the window", "no chairs", "ü" * 50,
                                             "two sofas either side of the fireplace, a rug under the table, a lamp in the corner"]),
                          st.text(max_size=80)))
def test_judge_never_raises(scene, prompt):
    j = judge(scene, prompt)
    assert set(j.scores) == {"rationality", "spatial_layout", "accessibility", "requirement_match"}
    assert all(0.0 <= v <= 10.0 for v in j.scores.values())
    assert all(-1.0 <= v <= 1.0 for v in j.terms().values())
    assert all(set(f.objects) <= set(scene.ids) for f in j.findings)


def test_empty_and_crowded_rooms(bedroom):
    empty = judge(bedroom.with_objects([]))
    assert empty.scores["rationality"] <= 6.0 and any(f.rule == "essentials" for f in empty.findings)
    many = [obj(f"chair_{i}", "chair", (0.45, 0.9, 0.45), (0.3 + (i % 20) * 0.22, 0.0, 0.3 + (i // 20) * 0.15)) for i in range(500)]
    crowded = judge(bedroom.with_objects(many))
    assert crowded.scores["spatial_layout"] < 10.0


def test_docs_list_every_rule_and_relation():
    from pathlib import Path

    from agentscene.critics.relations import relation_names

    text = (Path(__file__).parents[1] / "docs" / "judge.md").read_text()
    assert all(f"`{r.id}`" in text for r in RULES)
    assert all(f"`{name}`" in text for name in relation_names())


def test_judge_command(tmp_path, bedroom):
    from typer.testing import CliRunner

    from agentscene import save_scene
    from agentscene.cli import app

    good = tmp_path / "good.json"
    save_scene(edit(bedroom, "bed_1", yaw=0.0), good)
    run = tmp_path / "run"
    (run / "turns").mkdir(parents=True)
    save_scene(bedroom, run / "scene.json")
    (run / "spec_used.json").write_text(json.dumps({"config": {"prompt": "a bedroom with a sofa"}}))
    (tmp_path / "bad.json").write_text("{not json")
    runner = CliRunner()
    out = runner.invoke(app, ["judge", str(good), str(run), "--json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)
    assert rows[0]["scores"]["rationality"] < 10 and rows[0]["findings"][0]["axis"]
    assert any("sofa" in f["message"] for f in rows[1]["findings"])  # the run's prompt is matched
    table = runner.invoke(app, ["judge", str(good), str(tmp_path / "bad.json")])
    assert table.exit_code == 1 and "bed_1" in table.output


def test_scene_env_final_turn_matches_the_task_prompt(bedroom):
    from agentscene.env import EnvConfig, SceneEnv, SceneTask

    def final(prompt: str):
        env = SceneEnv(EnvConfig())
        env.reset(seed=0, options={"task": SceneTask.from_prompt(prompt, initial_scene=bedroom.model_copy(update={"metadata": {}}))})
        _, _, terminated, _, info = env.step([{"name": "terminate", "arguments": {"reason": "done"}}])
        assert terminated
        return info["reward_breakdown"]

    asked = final("a bedroom with two nightstands")
    unmet = final("a bedroom with a sofa and a piano")
    assert asked["requirement_match"].value == 1.0 and asked["requirement_match"].source == "computed"
    assert unmet["requirement_match"].value < 0.0 and unmet.total < asked.total
