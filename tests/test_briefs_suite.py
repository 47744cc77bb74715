"""The annotated suite of real-style briefs (prompts/briefs.jsonl): every brief is read as annotated
(room, objects with counts, exclusions, relations, stated size, zones), and the offline planner
places every expected object and count with no collision and nothing outside the room (an
`optional` object, asked "if it fits", may instead be named in the planner's notes), and the
offline judge's requirement_match is at least 9.

The planner half runs a fixed subset by default (the first brief of each room type, the open
plans and three stated sizes: 26 briefs); all 107 run with
`AGENTSCENE_ALL_BRIEFS=1 pytest tests/test_briefs_suite.py`. Briefs the planner does not yet
satisfy carry a `known_gap` note in the JSONL and are expected failures there.
"""

from __future__ import annotations

import json
import math
import os
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from shapely.geometry import Polygon

from agentscene.agents.planner.planner import Planner
from agentscene.agents.planner.space import find_problems
from agentscene.brief import parse_brief
from agentscene.critics import judge
from agentscene.scene import Scene
from agentscene.tools import apply_tool_calls

SUITE = Path(__file__).resolve().parents[1] / "prompts" / "briefs.jsonl"
ROWS = [json.loads(line) for line in SUITE.read_text(encoding="utf-8").splitlines() if line.strip()]
NINE = {"bedroom", "living_room", "dining_room", "kitchen", "bathroom", "office", "study_room", "gym", "entertainment_room"}
#: the default planner subset: the first brief of each room type, every open plan and the stated sizes
SUBSET = {r["id"] for r in ROWS if r["id"].endswith("-01") or r.get("zones")} | \
         {next(r["id"] for r in ROWS if r.get("size") and r["room"] == room) for room in ("bathroom", "kitchen", "living_room")}


def test_suite_is_large_varied_and_annotated():
    assert len(ROWS) >= 100 and len({r["id"] for r in ROWS}) == len(ROWS)
    assert NINE <= {r["room"] for r in ROWS}
    assert sum(1 for r in ROWS if r.get("zones")) >= 10
    assert sum(1 for r in ROWS if r.get("size")) >= 15
    assert sum(1 for r in ROWS if r.get("excluded")) >= 15
    sizes = sorted(sum(r["expect"].values()) for r in ROWS)
    assert sizes[len(sizes) // 2] >= 10 and max(sizes) <= 30  # a median brief asks for 10+ objects


@pytest.mark.parametrize("row", ROWS, ids=[r["id"] for r in ROWS])
def test_brief_is_read_as_annotated(row):
    b = parse_brief(row["prompt"])
    assert b.readable
    assert b.room_type == row["room"]
    counts = b.counts()
    assert {c: counts.get(c) for c in row["expect"]} == row["expect"]
    assert set(row.get("excluded", ())) <= set(b.excluded)
    got = {(r.subject_category, r.kind, r.target_category) for r in b.relations}
    assert {tuple(r) for r in row.get("relations", ())} <= got
    if "size" in row:
        assert b.size is not None
        if "area" in row["size"]:
            assert b.size.area == pytest.approx(row["size"]["area"])
        else:
            assert (b.size.width, b.size.depth) == (row["size"]["width"], row["size"]["depth"])
    if "zones" in row:
        assert [z.kind for z in b.zones] == row["zones"]


@cache
def furnish(prompt: str, seed: int = 0, turns: int = 8) -> Scene:
    planner = Planner(seed=seed)
    scene = planner.create_scene(prompt)
    for _ in range(turns):
        step = planner.step(prompt, scene)
        result = apply_tool_calls(scene, step.calls)
        assert result.ok, [r.message for r in result.errors]
        scene = result.scene
        if step.terminated:
            break
    return scene


def _near(scene: Scene, subject: str, target: str, within: float) -> bool:
    targets = [Polygon(o.footprint()) for o in scene.by_category(target)]
    subjects = [Polygon(o.footprint()) for o in scene.by_category(subject)]
    return bool(targets and subjects) and all(min(t.distance(s) for t in targets) <= within for s in subjects)


def check_layout(row: dict) -> None:
    scene = furnish(row["prompt"])
    have = Counter(o.category for o in scene.objects)
    notes = " ".join(scene.metadata.get("planner_notes", []))
    missing = {c: (n, have[c]) for c, n in row["expect"].items() if have[c] < n
               and not (c in row.get("optional", ()) and c.replace("_", " ") in notes)}  # "if they fit": a note is enough
    assert not missing, f"asked (placed): {missing}; notes: {notes}"
    assert not [c for c in row.get("excluded", ()) if have[c]]
    problems = find_problems(scene)
    assert not problems, problems
    if "size" in row and "width" in row["size"]:
        x0, z0, x1, z1 = scene.room.polygon().bounds
        assert sorted((round(x1 - x0, 2), round(z1 - z0, 2))) == sorted((row["size"]["width"], row["size"]["depth"]))
    walls = scene.room.polygon().exterior
    for subject, kind, target in (tuple(r) for r in row.get("relations", ())):
        if kind in ("at_sides", "at_ends", "either_side", "around"):
            assert _near(scene, subject, target, 0.6), (subject, kind, target)
        elif kind == "against_wall":
            assert all(walls.distance(Polygon(o.footprint())) < 0.1 for o in scene.by_category(subject)), subject
        elif kind == "under" and target is not None:
            for rug in scene.by_category(subject):
                assert any(Polygon(rug.footprint()).intersects(Polygon(t.footprint())) for t in scene.by_category(target))
    judged = judge(scene, prompt=row["prompt"])
    if not row.get("optional"):  # "if they fit": the judge counts them as asked
        assert judged.scores["requirement_match"] >= 9, [f.message for f in judged.findings if f.axis == "requirement_match"]
    for desk in scene.by_category("desk"):
        def faces_desk(c, desk=desk) -> bool:
            a = math.radians(c.yaw)
            to_desk = (desk.position[0] - c.position[0], desk.position[2] - c.position[2])
            return math.sin(a) * to_desk[0] + math.cos(a) * to_desk[1] > 0

        chairs = [c for c in scene.objects if c.category in ("office_chair", "chair", "stool")
                  and Polygon(c.footprint()).distance(Polygon(desk.footprint())) < 0.4 and faces_desk(c)]
        assert chairs, f"{desk.id} has no chair facing it"


@pytest.mark.parametrize("row", [r for r in ROWS if r["id"] in SUBSET], ids=lambda r: r["id"])
def test_planner_places_subset(row):
    if row.get("known_gap"):
        pytest.xfail(row["known_gap"])
    check_layout(row)


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("AGENTSCENE_ALL_BRIEFS"), reason="set AGENTSCENE_ALL_BRIEFS=1 to lay out all briefs")
@pytest.mark.parametrize("row", [r for r in ROWS if r["id"] not in SUBSET], ids=lambda r: r["id"])
def test_planner_places_everything(row):
    if row.get("known_gap"):
        pytest.xfail(row["known_gap"])
    check_layout(row)
