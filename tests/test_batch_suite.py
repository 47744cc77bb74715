"""Prompt suites and --indices: the shipped suites, every kind of bad line, malformed and out-of-range ranges."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentscene.batch import (
    IndexSpecError,
    SuiteError,
    format_indices,
    load_suite,
    parse_indices,
    parse_suite,
)
from agentscene.batch.suite import MAX_PROMPT_CHARS
from agentscene.brief import parse_brief as parse_prompt
from agentscene.run_dir import check_name

ROOT = Path(__file__).resolve().parents[1]
SUITES = ("bedroom", "living_room", "dining_room", "study_room", "office", "gym", "entertainment_room", "kitchen", "bathroom")


@pytest.mark.parametrize("suite", SUITES)
def test_shipped_suites_are_large_unique_and_planner_readable(suite):
    loaded = load_suite(ROOT / "prompts" / f"{suite}.txt")
    assert len(loaded.prompts) >= 50
    assert not loaded.skipped, [p.skip for p in loaded.skipped]
    # the offline planner reads each prompt as this room type and finds at least two named objects in most
    specs = [parse_prompt(p.prompt) for p in loaded.prompts]
    assert [s.room_type for s in specs] == [suite] * len(specs)
    assert sum(len(s.objects) >= 2 for s in specs) >= 0.9 * len(specs)
    # varied: most prompts ask for a different program (objects with counts, styles, materials, exclusions)
    programs = {(tuple(sorted((o.category, o.count) for o in s.objects)), tuple(s.styles), tuple(s.materials),
                 tuple(s.excluded), s.size_word) for s in specs}
    assert len(programs) >= 0.85 * len(specs)
    names = [loaded.run_name(p) for p in loaded.prompts]
    assert len(set(names)) == len(names)
    for name in names:
        assert check_name(name) == name


def test_blank_lines_comments_bom_and_crlf():
    suite = parse_suite(b"\xef\xbb\xbfa bedroom\r\n\r\n   \n# a comment\n  a kitchen with a fridge  \r\n")
    assert [(p.index, p.line, p.prompt) for p in suite.lines] == [(0, 1, "a bedroom"), (1, 5, "a kitchen with a fridge")]
    assert suite.name_width == 3
    assert suite.run_name(suite.lines[1]) == "001-a-kitchen-with-a-fridge"


def test_duplicates_keep_their_index_and_point_at_the_first():
    suite = parse_suite(b"a bedroom\nA  Bedroom\na kitchen\na bedroom\n")
    assert [p.skip for p in suite.lines] == [None, "duplicate of prompt #0", None, "duplicate of prompt #0"]
    assert [p.index for p in suite.prompts] == [0, 2]


def test_bad_bytes_control_characters_and_long_lines_are_skipped_not_fatal():
    long = b"x" * (MAX_PROMPT_CHARS + 1)
    suite = parse_suite(b"ok one\n\xff\xfe\xfd broken\nbell \x07 here\n" + long + b"\nok two\n")
    skips = [p.skip for p in suite.lines]
    assert skips[0] is None and skips[4] is None
    assert skips[1].startswith("not valid UTF-8 (byte 0xff at column 1)")
    assert "U+0007" in skips[2]
    assert skips[3] == f"longer than {MAX_PROMPT_CHARS} characters ({MAX_PROMPT_CHARS + 1})"
    assert suite.run_name(suite.lines[1]) == "001-skipped"


def test_whole_file_errors(tmp_path):
    with pytest.raises(SuiteError, match="does not exist"):
        load_suite(tmp_path / "missing.txt")
    with pytest.raises(SuiteError, match="is not a file"):
        load_suite(tmp_path)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(SuiteError, match="holds no prompt: it is empty"):
        load_suite(empty)
    blank = tmp_path / "blank.txt"
    blank.write_bytes(b"\n\n  \n# only comments\n")
    with pytest.raises(SuiteError, match="it is empty"):
        load_suite(blank)
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\xff\xfe\n\x80\x81\n")
    with pytest.raises(SuiteError, match="all 2 lines were skipped"):
        load_suite(junk)
    huge = tmp_path / "huge.txt"
    huge.write_bytes(b"a bedroom\n" * 2000)
    with pytest.raises(SuiteError, match="limit is 1,000"):
        load_suite(huge, max_bytes=1000)


def test_a_large_suite_loads_with_index_width_for_its_size(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("".join(f"a bedroom number {i}\n" for i in range(12_000)), "utf-8")
    suite = load_suite(path)
    assert len(suite.prompts) == 12_000
    assert suite.run_name(suite.lines[7]) == "00007-a-bedroom-number-7"


@pytest.mark.parametrize(("spec", "count", "expected"), [
    (None, 4, [0, 1, 2, 3]),
    ("", 3, [0, 1, 2]),
    ("all", 2, [0, 1]),
    ("0-9,20,30-39", 40, [*range(10), 20, *range(30, 40)]),
    (" 3 , 1-2 ,3", 5, [1, 2, 3]),
    ("4-4", 5, [4]),
])
def test_parse_indices(spec, count, expected):
    assert parse_indices(spec, count) == expected


@pytest.mark.parametrize(("spec", "message"), [
    ("5-2", "runs backwards; write 2-5"),
    ("0-10", "10 is out of range; the suite has 10 prompts (indices 0-9)"),
    ("-1", "is not an index"),
    ("a-b", "is not an index"),
    ("1,,2", "empty part"),
    ("1,", "empty part"),
    ("1.5", "is not an index"),
    ("1-2-3", "is not an index"),
    ("99999999999", "is not an index"),
])
def test_bad_indices_say_what_is_wrong(spec, message):
    with pytest.raises(IndexSpecError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_indices(spec, 10)


@settings(max_examples=200, deadline=None)
@given(st.sets(st.integers(0, 300), max_size=60), st.integers(301, 400))
def test_format_and_parse_round_trip(indices, count):
    spec = format_indices(sorted(indices))
    assert parse_indices(spec or None, count) == (sorted(indices) if indices else list(range(count)))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_any_indices_text_parses_or_raises_index_spec_error(text):
    try:
        out = parse_indices(text, 25)
    except IndexSpecError:
        return
    assert out == sorted(set(out)) and all(0 <= i < 25 for i in out)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_make_a_suite_or_a_clear_skip(data):
    suite = parse_suite(data)
    assert [p.index for p in suite.lines] == list(range(len(suite.lines)))
    for p in suite.lines:
        assert p.ok == (p.skip is None)
        check_name(suite.run_name(p))
