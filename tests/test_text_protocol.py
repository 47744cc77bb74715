from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentscene.tools import FormatError, Reply, ToolCall, format_reply, parse_reply

MOVE = '{"id": "tool_1", "name": "move_object", "arguments": {"object_id": "bed_1", "position": [1, 0, 2]}}'
GOOD = f"<think>The bed is too close.</think><conclusion>Move it.</conclusion><tool_calls>[{MOVE}]</tool_calls>"

# (reply, error code) -- each is a distinct way models get the format wrong
MALFORMED = [
    ("", "empty_reply"),
    ("   \n\t ", "empty_reply"),
    ("I think the room looks fine.", "no_action"),
    ("Sure! Here is the updated layout with the bed moved.", "no_action"),
    ("<think>hmm</think>", "no_action"),
    ("<think>hmm</think><conclusion>done</conclusion>", "no_action"),
    ("<think>the scene is fine", "unclosed_tag"),
    ("<think>x</think><conclusion>y", "unclosed_tag"),
    (f"<think>x</think><tool_calls>[{MOVE}", "unclosed_tag"),
    ('<tool_calls>[{"name": "move_object", "arguments": {"object_id": "bed_1"', "unclosed_tag"),
    ("<create_scene>{}", "unclosed_tag"),
    ("</think>oops<tool_calls>[]</tool_calls>", "stray_closing_tag"),
    (f"</tool_calls>[{MOVE}]", "stray_closing_tag"),
    (f"<think>a <tool_calls>[{MOVE}]</tool_calls></think>", "nested_tag"),
    (f"<tool_calls><think>x</think>[{MOVE}]</tool_calls>", "nested_tag"),
    ("<think>a</conclusion>", "nested_tag"),
    (f"<tool_calls>[{MOVE}]</tool_calls><tool_calls>[{MOVE}]</tool_calls>", "duplicate_block"),
    (f"<think>a</think><think>b</think><tool_calls>[{MOVE}]</tool_calls>", "duplicate_block"),
    ("<create_scene>{}</create_scene><create_scene>{}</create_scene>", "duplicate_block"),
    (f"<tool_calls>[{MOVE},]</tool_calls>", "invalid_json"),
    ('<tool_calls>[{"name": "move_object", "arguments": {"object_id": "bed_1",}}]</tool_calls>', "invalid_json"),
    ("<tool_calls>[{'name': 'terminate', 'arguments': {'reason': 'ok'}}]</tool_calls>", "invalid_json"),
    ('<tool_calls>[{"name": "terminate", "arguments": {"reason": "ok"}} // done\n]</tool_calls>', "invalid_json"),
    ('<tool_calls>[{"name": "terminate", "arguments": {"reason": "ok"}]</tool_calls>', "invalid_json"),
    ('<tool_calls>[{name: "terminate", arguments: {}}]</tool_calls>', "invalid_json"),
    ('<tool_calls>[{"name": "move_object", "arguments": {"position": [1, 0, NaN]}}]</tool_calls>'.replace("NaN", "nan"), "invalid_json"),
    ("<tool_calls>move the bed to the left</tool_calls>", "invalid_json"),
    ("<tool_calls>```json\n[{\"name\": \"terminate\",]\n```</tool_calls>", "invalid_json"),
    ("<tool_calls>[]</tool_calls>", "no_action"),
    ("<tool_calls>   </tool_calls>", "no_action"),
    ("<tool_calls>```json\n```</tool_calls>", "no_action"),
    ('<tool_calls>{"tool_calls": []}</tool_calls>', "no_action"),
    ('<tool_calls>"terminate"</tool_calls>', "invalid_tool_calls"),
    ("<tool_calls>42</tool_calls>", "invalid_tool_calls"),
    ('<tool_calls>{"reason": "done"}</tool_calls>', "invalid_tool_calls"),
    ('<tool_calls>["terminate"]</tool_calls>', "invalid_tool_calls"),
    ('<tool_calls>[{"arguments": {}}]</tool_calls>', "invalid_tool_calls"),
    ('<tool_calls>[{"name": "", "arguments": {}}]</tool_calls>', "invalid_tool_calls"),
    ('<tool_calls>[{"name": 5, "arguments": {}}]</tool_calls>', "invalid_tool_calls"),
    ('<tool_calls>[{"name": "terminate", "arguments": [1, 2]}]</tool_calls>', "invalid_tool_calls"),
    (f'<tool_calls>[{MOVE}, null]</tool_calls>', "invalid_tool_calls"),
    ("<create_scene>not json</create_scene>", "invalid_scene_json"),
    ("<create_scene>[1, 2]</create_scene>", "invalid_scene_json"),
    ('<create_scene>{"room_type": "bedroom",}</create_scene>', "invalid_scene_json"),
    ("<create_scene>```json\n{\"a\": \n```</create_scene>", "invalid_scene_json"),
    ("[1, 2, 3]", "no_action"),
    ('{"room_type": "bedroom"}', "no_action"),
    ('```json\n[{"foo": 1}]\n```', "no_action"),
    ('```json\n[{"name": "terminate"}]\n```\n```json\n[{"name": "terminate"}]\n```', "no_action"),
    ("<toolcalls>[]</toolcalls>", "no_action"),
    ("<tool_call>" + MOVE + "</tool_call>", "no_action"),
    ('<tool_calls>[' + "[" * 100_000 + "]" * 100_000 + "]</tool_calls>", "invalid_json"),
    ("x" * 500_000, "too_long"),
    (None, "not_text"),
    (b"<tool_calls>[]</tool_calls>", "not_text"),
    ({"tool_calls": []}, "not_text"),
]


@pytest.mark.parametrize("reply, code", MALFORMED, ids=[f"{i:02d}-{c}" for i, (_, c) in enumerate(MALFORMED)])
def test_malformed_replies_are_format_errors(reply, code):
    result = parse_reply(reply)
    assert isinstance(result, FormatError), result
    assert result.code == code, result.message
    assert not result.ok
    assert 10 < len(result.message) < 400  # something a model can act on, not a dump


def test_there_are_at_least_fifty_kinds():
    assert len({r if isinstance(r, str) else repr(r) for r, _ in MALFORMED}) >= 50
    assert len({c for _, c in MALFORMED}) >= 11


def test_messages_point_at_the_fix():
    assert "Trailing commas" in parse_reply(f"<tool_calls>[{MOVE},]</tool_calls>").message
    assert "double quotes" in parse_reply("<tool_calls>[{'name': 'x'}]</tool_calls>").message
    assert "</think>" in parse_reply("<think>x").message
    assert "terminate" in parse_reply("<tool_calls>[]</tool_calls>").message


def test_a_well_formed_reply():
    r = parse_reply(GOOD)
    assert isinstance(r, Reply) and r.ok and not r.repairs
    assert r.think == "The bed is too close." and r.conclusion == "Move it."
    assert r.tool_calls == [ToolCall(id="tool_1", name="move_object", arguments={"object_id": "bed_1", "position": [1, 0, 2]})]
    assert r.create_scene is None


LENIENT = [
    (f"<think>x</think><tool_calls>\n```json\n[{MOVE}]\n```\n</tool_calls>", "markdown fence"),
    (f"<tool_calls>{MOVE}</tool_calls>", "single call object"),
    (f'<tool_calls>{{"tool_calls": [{MOVE}]}}</tool_calls>', "unwrapped"),
    (f"<Tool_Calls >[{MOVE}]</TOOL_CALLS>", "normalised the tag"),
    (f"```json\n[{MOVE}]\n```", "not inside <tool_calls>"),
    (f"[{MOVE}]", "not inside <tool_calls>"),
    (f"Here you go:\n```json\n[{MOVE}]\n```\nHope that helps", "not inside <tool_calls>"),
    (f"<think>x</think><tool_calls>[{MOVE}]", "missing </tool_calls>"),
    (f"Sure, here is my answer. <think>x</think><tool_calls>[{MOVE}]</tool_calls> Bye.", "outside the tagged blocks"),
]


@pytest.mark.parametrize("reply, repair", LENIENT, ids=[r for _, r in LENIENT])
def test_unambiguous_intent_is_repaired_and_recorded(reply, repair):
    result = parse_reply(reply)
    assert isinstance(result, Reply), result
    assert result.tool_calls and result.tool_calls[0].name == "move_object"
    assert any(repair in r.message for r in result.repairs), result.repairs
    strict = parse_reply(reply, lenient=False)
    assert isinstance(strict, FormatError) and strict.code == "not_lenient"


def test_create_scene_first_turn():
    scene = {"room_type": "bedroom", "bounds_bottom": [[0, 0, 0], [3, 0, 0], [3, 0, 3]], "objects": []}
    text = f"<think>plan</think><create_scene>\n```json\n{json.dumps(scene)}\n```\n</create_scene>"
    r = parse_reply(text)
    assert isinstance(r, Reply) and r.create_scene == scene and r.tool_calls is None


def test_format_reply_is_the_inverse():
    calls = [ToolCall(id="t1", name="move_object", arguments={"object_id": "bed_1", "position": [1.0, 0.0, 2.0]}),
             {"name": "terminate", "arguments": '{"reason": "done"}'}]
    text = format_reply(think="because", conclusion="moved", tool_calls=calls)
    r = parse_reply(text, lenient=False)
    assert isinstance(r, Reply)
    assert r.think == "because" and r.conclusion == "moved"
    assert [c.name for c in r.tool_calls] == ["move_object", "terminate"]
    assert r.tool_calls[1].arguments == {"reason": "done"} and r.tool_calls[1].id == "tool_2"
    with pytest.raises(ValueError):
        format_reply(tool_calls=[{"name": "x", "arguments": "[1]"}])


text_safe = st.text(alphabet=st.characters(blacklist_characters="<>", blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(
    think=st.one_of(st.none(), text_safe),
    conclusion=st.one_of(st.none(), text_safe),
    calls=st.lists(st.fixed_dictionaries({
        "name": st.sampled_from(["move_object", "terminate", "add_object"]),
        "arguments": st.dictionaries(st.text(max_size=5), st.one_of(st.integers(), text_safe, st.lists(st.floats(allow_nan=False, allow_infinity=False), max_size=3)), max_size=3),
    }), min_size=1, max_size=4),
)
def test_round_trip_property(think, conclusion, calls):
    text = format_reply(think=think, conclusion=conclusion, tool_calls=calls)
    r = parse_reply(text, lenient=False)
    assert isinstance(r, Reply), r
    assert r.think == (think.strip() if think is not None else None)
    assert [c.arguments for c in r.tool_calls] == [c["arguments"] for c in calls]


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.text(max_size=300) | st.builds(lambda a, b: a + b, st.sampled_from([GOOD, "<think>", "<tool_calls>[", "</tool_calls>", "```json"]), st.text(max_size=50)))
def test_any_text_parses_to_a_value(text):
    r = parse_reply(text)
    assert isinstance(r, (Reply, FormatError))
