"""The offline planner: prompt parsing, golden layouts with interior-design rule checks, fixes."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from shapely.geometry import Polygon

from agentscene.agents.planner.planner import ORIGIN, Planner
from agentscene.agents.planner.program import area_range
from agentscene.agents.planner.space import find_problems
from agentscene.brief import parse_brief as parse_prompt
from agentscene.formats import load_scene
from agentscene.rewards import evaluate
from agentscene.scene import Scene
from agentscene.tools import apply_tool_calls

SCENES = Path(__file__).parent / "data" / "scenes"


def furnish(prompt: str, seed: int = 0, turns: int = 6) -> tuple[Scene, list]:
    planner = Planner(seed=seed)
    scene = planner.create_scene(prompt)
    steps = []
    for _ in range(turns):
        step = planner.step(prompt, scene)
        result = apply_tool_calls(scene, step.calls)
        assert result.ok, [r.message for r in result.errors]
        scene = result.scene
        steps.append(step)
        if step.terminated:
            break
    return scene, steps


def wall_distance(scene: Scene, poly: Polygon) -> float:
    return scene.room.polygon().exterior.distance(poly)


def front(obj) -> tuple[float, float]:
    a = math.radians(obj.yaw)
    return math.sin(a), math.cos(a)


# -- prompt parsing ----------------------------------------------------------------------------


@pytest.mark.parametrize(("prompt", "room", "objects", "excluded"), [
    ("a cozy bedroom", "bedroom", {}, []),
    ("a bedroom with two oak nightstands and no tv", "bedroom", {"nightstand": 2}, ["tv"]),
    ("a modern living room with a grey sofa, two armchairs and a large rug", "living_room",
     {"sofa": 1, "armchair": 2, "rug": 1}, []),
    ("a home office with a standing desk and a pair of bookshelves", "office", {"desk": 1, "bookshelf": 2}, []),
    ("a kitchen with an island and 3 bar stools", "kitchen", {"kitchen_island": 1, "bar_stool": 3}, []),
    ("a storage bench in a kids room", "kids_room", {"bench": 1}, []),
    ("a queen bed, desk lamp and a wardrobe", "bedroom", {"bed": 1, "table_lamp": 1, "wardrobe": 1}, []),
    ("place a pool table and an arcade machine", "entertainment_room", {"pool_table": 1, "arcade_machine": 1}, []),
])
def test_parse_prompt(prompt, room, objects, excluded):
    spec = parse_prompt(prompt)
    assert spec.room_type == room
    assert spec.counts() == objects
    assert list(spec.excluded) == excluded


def test_parse_prompt_style_and_size_words():
    spec = parse_prompt("A small scandinavian bedroom with a white wardrobe")
    assert spec.size_word == "small" and "scandinavian" in spec.styles and "white" in spec.objects[0].attributes
    assert parse_prompt("a bedroom with a large rug").size_word is None  # "large" is the rug's, not the room's
    assert parse_prompt("an L-shaped living room").l_shaped


# -- golden layouts ----------------------------------------------------------------------------


def test_bedroom_rules():
    scene, steps = furnish("a cozy bedroom")
    assert steps[-1].terminated
    cats = [o.category for o in scene.objects]
    assert cats.count("bed") == 1 and cats.count("nightstand") == 2 and "wardrobe" in cats
    bed = scene.by_category("bed")[0]
    bed_poly = bed.footprint_polygon()
    assert wall_distance(scene, bed_poly) < 0.05  # headboard against a wall
    # the headboard edge is the one at the wall: the bed faces away from it, into the room
    fx, fz = front(bed)
    head = (bed.position[0] - fx * bed.size[2] / 2, bed.position[2] - fz * bed.size[2] / 2)
    from shapely.geometry import Point

    assert scene.room.polygon().exterior.distance(Point(head)) < 0.05
    for ns in scene.by_category("nightstand"):
        assert ns.footprint_polygon().distance(bed_poly) < 0.15  # beside the bed
        assert abs(((ns.yaw - bed.yaw) + 180) % 360 - 180) < 1e-6  # same orientation
        assert wall_distance(scene, ns.footprint_polygon()) < 0.05
    wardrobe = scene.by_category("wardrobe")[0]
    assert wall_distance(scene, wardrobe.footprint_polygon()) < 0.05
    lo, hi = area_range("bedroom")
    assert lo <= scene.room.area <= hi


@pytest.mark.parametrize("prompt", [
    "a cozy bedroom", "a modern living room", "a dining room with six chairs", "a home office", "a small bathroom",
    "a kitchen with an island", "a kids room", "a home gym", "a study room with two bookshelves",
    "a game room with a pool table", "an L-shaped living room with a sofa and a tv",
])
def test_layout_is_physically_clean(prompt):
    scene, steps = furnish(prompt)
    assert steps[-1].terminated
    assert len(scene.objects) >= 6
    assert not find_problems(scene)
    report = evaluate(scene)
    assert report.n_colliding_pairs == 0, report.colliding_pairs
    assert report.n_oob_objects == 0, [o.id for o in report.out_of_bounds if o.oob]
    assert not report.floating, report.floating
    assert report.pbl_valid
    assert not any(d.blocked for d in report.door_clearance or []), report.door_clearance
    assert report.walkable_ratio is not None and report.walkable_ratio > 0.6


def test_living_room_sofa_faces_tv_and_coffee_table_between():
    scene, _ = furnish("a living room with a sofa, a tv stand, a tv and a coffee table")
    sofa, stand = scene.by_category("sofa")[0], scene.by_category("tv_stand")[0]
    tv, table = scene.by_category("tv")[0], scene.by_category("coffee_table")[0]
    fx, fz = front(sofa)
    to_stand = (stand.position[0] - sofa.position[0], stand.position[2] - sofa.position[2])
    dist = math.hypot(*to_stand)
    assert (fx * to_stand[0] + fz * to_stand[1]) / dist > 0.95  # the sofa faces the tv stand
    assert tv.support == stand.id and math.isclose(tv.position[1], stand.top, abs_tol=1e-6)
    to_table = (table.position[0] - sofa.position[0], table.position[2] - sofa.position[2])
    assert 0 < fx * to_table[0] + fz * to_table[1] < dist  # the coffee table is between them


def test_dining_chairs_face_the_table():
    scene, _ = furnish("a dining room with six chairs")
    table = scene.by_category("dining_table")[0]
    chairs = scene.by_category("dining_chair")
    assert len(chairs) == 6
    from shapely.geometry import LineString

    for chair in chairs:
        fx, fz = front(chair)
        x, z = chair.position[0], chair.position[2]
        sight = LineString([(x, z), (x + fx * 1.0, z + fz * 1.0)])
        assert sight.intersects(table.footprint_polygon())  # it faces the table
        assert chair.footprint_polygon().distance(table.footprint_polygon()) < 0.2


def test_desk_against_wall_with_chair_in_front():
    scene, _ = furnish("a home office")
    desk, chair = scene.by_category("desk")[0], scene.by_category("office_chair")[0]
    assert wall_distance(scene, desk.footprint_polygon()) < 0.05
    fx, fz = front(desk)
    dx, dz = chair.position[0] - desk.position[0], chair.position[2] - desk.position[2]
    assert (fx * dx + fz * dz) / math.hypot(dx, dz) > 0.95
    monitor = scene.by_category("monitor")[0]
    assert monitor.support == desk.id


def test_named_counts_and_exclusions_are_respected():
    scene, _ = furnish("a bedroom with three plants and no rug")
    assert len(scene.by_category("plant")) == 3
    assert not scene.by_category("rug")


def test_same_seed_same_scene_other_seed_differs():
    a, _ = furnish("a cozy bedroom", seed=3)
    b, _ = furnish("a cozy bedroom", seed=3)
    c, _ = furnish("a cozy bedroom", seed=4)
    assert a == b
    assert a != c


def test_created_room_carries_origin_and_openings():
    scene = Planner(seed=1).create_scene("a bedroom")
    assert scene.metadata["origin"] == ORIGIN and scene.metadata["prompt"] == "a bedroom"
    kinds = sorted(op.kind for op in scene.room.openings)
    assert kinds == ["door", "window"]
    assert not scene.objects


# -- revising given scenes ---------------------------------------------------------------------


@pytest.mark.parametrize("fixture", ["bedroom_problems.json", "gym_overlaps.json", "entertainment_oob.json",
                                     "duplicates_overlap.json"])
def test_planner_fixes_fixture_problems(fixture):
    scene = load_scene(SCENES / fixture)
    assert find_problems(scene) or evaluate(scene).n_colliding_pairs or evaluate(scene).n_oob_objects
    planner = Planner(seed=0)
    n_before = len(scene.objects)
    for _ in range(6):
        step = planner.step("fix this room", scene)
        result = apply_tool_calls(scene, step.calls)
        assert result.ok, [r.message for r in result.errors]
        scene = result.scene
        if step.terminated:
            break
    assert step.terminated
    assert not find_problems(scene)
    report = evaluate(scene)
    assert report.n_colliding_pairs == 0 and report.n_oob_objects == 0
    assert len(scene.objects) >= n_before - 1  # fixes move things; removal is the last resort


def test_given_scene_gets_only_what_the_prompt_names():
    scene = load_scene(SCENES / "bedroom_basic.json")
    step = Planner().step("add a plant", scene)
    added = [c for c in step.calls if c.name == "add_object"]
    assert [c.arguments["category"] for c in added] == ["plant"]
