"""Reading briefs: counts, groups, relations, sizes, zones, exclusions, and bad input."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentscene.brief import MAX_BRIEF_CHARS, Brief, BriefError, parse_brief

DINING = ("A rustic farmhouse dining room with a long reclaimed oak table surrounded by eight mismatched chairs: "
          "four painted spindle chairs on each side, two rattan armchairs at one end, and two velvet chairs at the "
          "opposite end. A sideboard stands against the wall.")


def groups(brief: Brief) -> list[tuple[str, int, str | None]]:
    return [(o.category, o.count, o.placement) for o in brief.objects]


def test_dining_brief_keeps_every_group_with_its_placement():
    b = parse_brief(DINING)
    assert b.room_type == "dining_room"
    assert groups(b) == [("dining_table", 1, None), ("dining_chair", 8, "sides"), ("armchair", 2, "ends"),
                         ("dining_chair", 2, "ends"), ("cabinet", 1, None)]
    table = 0
    assert all(o.anchor == table for o in b.objects[1:4])
    assert {(r.subject_category, r.kind, r.target_category) for r in b.relations} >= {
        ("dining_chair", "at_sides", "dining_table"), ("armchair", "at_ends", "dining_table"),
        ("cabinet", "against_wall", None)}
    assert b.objects[2].attributes == ("rattan",) and "velvet" in b.objects[3].attributes
    assert any("lists 12" in w for w in b.warnings)  # the header said eight
    assert b.counts()["dining_chair"] == 10


@pytest.mark.parametrize(("prompt", "expected"), [
    ("a small round bistro table paired with two bentwood café chairs",
     [("dining_table", 1, None), ("dining_chair", 2, None)]),
    ("a living room with a linen sofa flanked by two rattan armchairs", [("sofa", 1, None), ("armchair", 2, "either_side")]),
    ("a sofa with a floor lamp on either side", [("sofa", 1, None), ("floor_lamp", 2, "either_side")]),
    ("a dining room with a table, eight chairs, three on each side and one at each end",
     [("dining_table", 1, None), ("dining_chair", 6, "sides"), ("dining_chair", 2, "ends")]),
    ("a table with four chairs on each side", [("dining_table", 1, None), ("dining_chair", 8, "sides")]),
    ("a dining table with one armchair at each end", [("dining_table", 1, None), ("armchair", 2, "ends")]),
    ("a bedroom with a pair of nightstands, a couple of plants and a trio of pendant lamps",
     [("nightstand", 2, None), ("plant", 2, None), ("ceiling_lamp", 3, None)]),
    ("an office with at least 3 desks", [("desk", 3, None)]),
    ("a study with twelve bookshelves", [("bookshelf", 12, None)]),
])
def test_counts_and_groups(prompt, expected):
    assert groups(parse_brief(prompt)) == expected


def test_count_kinds():
    b = parse_brief("an office with at least 3 desks, several plants and chairs")
    kinds = {o.category: o.count_kind for o in b.objects}
    assert kinds == {"desk": "at_least", "plant": "vague", "office_chair": "plural"}


def test_bistro_chairs_belong_to_their_own_table():
    b = parse_brief("a dining room with a large oak dining table and six chairs, and a small round bistro table "
                    "paired with two bentwood café chairs by the window")
    tables = [i for i, o in enumerate(b.objects) if o.category == "dining_table"]
    assert len(tables) == 2
    chairs = [o for o in b.objects if o.category == "dining_chair"]
    assert sorted((c.count, c.anchor) for c in chairs) == [(2, tables[1]), (6, tables[0])]


def test_duplicate_mentions_merge():
    b = parse_brief("A living room with a grey sofa and a coffee table. The sofa faces the fireplace. "
                    "Put a rug under the coffee table, and a plant next to the sofa.")
    assert b.counts() == {"sofa": 1, "coffee_table": 1, "fireplace": 1, "rug": 1, "plant": 1}
    kinds = {(r.subject_category, r.kind, r.target_category) for r in b.relations}
    assert {("sofa", "facing", "fireplace"), ("rug", "under", "coffee_table"), ("plant", "beside", "sofa")} <= kinds


def test_another_adds():
    assert parse_brief("a bedroom with a desk and another desk by the window").counts()["desk"] == 2


@pytest.mark.parametrize(("prompt", "width", "depth", "area"), [
    ("a tiny 2x2 m bathroom", 2.0, 2.0, 4.0),
    ("a 6x5 m living room", 6.0, 5.0, 30.0),
    ("a living room of 6 m by 4.5 m", 6.0, 4.5, 27.0),
    ("a bedroom, 12 by 15 feet", 4.57, 3.66, 16.73),
    ("a 20 m2 office", None, None, 20.0),
    ("a kitchen of about 12 square metres", None, None, 12.0),
])
def test_stated_sizes(prompt, width, depth, area):
    size = parse_brief(prompt).size
    assert size is not None
    assert (size.width, size.depth) == (width, depth) and size.area == pytest.approx(area, abs=0.05)


def test_size_and_shape_words():
    assert parse_brief("a narrow, long kitchen").shape == "narrow"
    assert parse_brief("an L-shaped living room").shape == "l_shaped"
    assert parse_brief("a small scandinavian bedroom with a white wardrobe").size_word == "small"
    assert parse_brief("a bedroom with a large rug").size_word is None  # the rug's, not the room's
    assert parse_brief("a bedroom with a long desk").shape == "rectangle"
    assert parse_brief("a 500x400 m bedroom").size is None


def test_empty_and_exclusions():
    b = parse_brief("an empty room")
    assert b.empty and not b.objects
    b = parse_brief("a bedroom with no bed")
    assert b.excluded == ("bed",) and b.counts() == {}
    b = parse_brief("a bedroom without a tv, rug or plants, with a desk")
    assert set(b.excluded) == {"tv", "rug", "plant"} and b.counts() == {"desk": 1}
    assert parse_brief("a bedroom with three beds").counts() == {"bed": 3}
    assert "painting" in parse_brief("a minimalist bedroom with a bed and nothing on the walls").excluded
    b = parse_brief("an empty living room with only a piano")
    assert b.empty and b.only_named and b.counts() == {"piano": 1}


def test_open_plan_zones():
    b = parse_brief("a huge open-plan loft with a kitchen and a living area")
    assert [z.kind for z in b.zones] == ["living_room", "kitchen"] and b.room_type == "living_room"
    assert b.size_word == "large"
    b = parse_brief("An open-plan space with a kitchen with an island and three stools, a dining area with a table "
                    "for six, and a living area with a sofa facing the tv.")
    assert {z.kind for z in b.zones} == {"kitchen", "dining_room", "living_room"}
    zone = {o.category: o.zone for o in b.objects}
    assert zone["kitchen_island"] == "kitchen" and zone["bar_stool"] == "kitchen"
    assert zone["dining_table"] == "dining_room" and zone["sofa"] == "living_room"
    b = parse_brief("a bedroom with a reading nook with an armchair and a floor lamp")
    assert [z.kind for z in b.zones] == ["bedroom", "reading_nook"] and b.room_type == "bedroom"
    assert parse_brief("a reading nook with a chaise lounge and a floor lamp").room_type == "study_room"


def test_the_table_is_the_one_table_named_before():
    b = parse_brief("A billiard room with a snooker table, two armchairs and three pendant lamps over the table.")
    assert b.counts() == {"pool_table": 1, "armchair": 2, "ceiling_lamp": 3}
    assert ("ceiling_lamp", "above", "pool_table") in {(r.subject_category, r.kind, r.target_category) for r in b.relations}


def test_unread_and_foreign_prompts():
    b = parse_brief("a bedroom with a bed and a hammock")
    assert "hammock" in b.unread and b.readable
    b = parse_brief("Ein gemütliches Wohnzimmer mit einem großen Sofa und zwei Sesseln")
    assert not b.readable and any("English" in w for w in b.warnings)
    assert not parse_brief("asdkj qweoiu zxcmn").readable


@pytest.mark.parametrize("prompt", ["", "   ", "\n\t "])
def test_empty_prompt_is_an_error(prompt):
    with pytest.raises(BriefError, match="empty"):
        parse_brief(prompt)


@pytest.mark.parametrize("prompt", ["🙂" * 50, "1 2 3 4 5 6 7 8 9", "\x00\x07\x1b[31m bedroom \x7f", "a" * 100_000,
                                    "a bedroom with a bed. " * 5000])
def test_junk_is_bounded_and_warned(prompt):
    t0 = time.perf_counter()
    b = parse_brief(prompt)
    assert time.perf_counter() - t0 < 2.0
    assert b.room_type
    assert b.warnings or b.room_type == "bedroom"
    if len(prompt) > MAX_BRIEF_CHARS:
        assert any("characters" in w for w in b.warnings)
    assert sum(b.counts().values()) <= 80


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=400))
def test_parser_never_raises_on_text(text):
    if not text.strip() or not "".join(c for c in text if c.isprintable()).strip():
        return
    b = parse_brief(text)
    assert b.room_type and all(o.count >= 1 for o in b.objects)
    assert all(r.subject < len(b.objects) and (r.target is None or r.target < len(b.objects)) for r in b.relations)


WORDS = ["a", "two", "three", "pair", "of", "chairs", "table", "on", "each", "side", "at", "one", "end", "no", "sofa",
         "bedroom", "kitchen", "and", ",", ":", "with", "the", "flanked", "by", "6x5", "m", "empty", "nook", "reading",
         "around", "it", "facing", "tv", "bed", "at least", "another", "12", "rattan"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=40))
def test_parser_never_raises_on_brief_like_words(words):
    b = parse_brief(" ".join(words))
    assert sum(b.counts().values()) <= 80
    assert all(o.anchor is None or 0 <= o.anchor < len(b.objects) for o in b.objects)
