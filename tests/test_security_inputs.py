"""Attack suite, model input: nothing a model sends escapes apply_tool, apply_tool_calls, parse_reply or SceneEnv.step.

Hostile values (integers with thousands of digits, huge exponents, NaN, deep nesting, lone
surrogates, megabyte keys, rich markup) are put in every position of every tool's arguments,
as dicts and as JSON text, and the entry points must answer with an error value (issue 15, items 6, 8, 17).
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentscene.env import EnvConfig, SceneEnv
from agentscene.limits import DEFAULT_LIMITS, InputLimitError, loads_json, shown
from agentscene.scene import Room, Scene, SceneObject
from agentscene.tools import TOOLS, apply_tool, apply_tool_calls, parse_reply

SCENE = Scene(
    room=Room(floor=((0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0))),
    objects=(SceneObject(id="bed_1", description="bed", category="bed", size=(1.6, 1.0, 2.0), position=(2.0, 0.0, 2.0)),),
)
GOOD = {
    "add_object": {"description": "lamp", "position": [1.0, 0.0, 1.0], "yaw": 0, "size": [0.4, 1.5, 0.4]},
    "move_object": {"object_id": "bed_1", "position": [2.0, 0.0, 1.5]},
    "rotate_object": {"object_id": "bed_1", "yaw": 90},
    "scale_object": {"object_id": "bed_1", "size": [1.4, 1.0, 2.0]},
    "replace_object": {"object_id": "bed_1", "description": "sofa"},
    "remove_object": {"object_id": "bed_1"},
    "terminate": {"reason": "done"},
}
assert GOOD.keys() == TOOLS.keys()

#: JSON texts of hostile values (json.dumps cannot write some of them, e.g. 5000-digit integers).
HOSTILE_JSON = [
    "1" * 5000, "-" + "9" * 4301, "1" * 70, "1e999999", "-1e400", "1e308", "NaN", "Infinity", "-Infinity",
    "[" * 5000 + "]" * 5000, '{"a":' * 3000 + "1" + "}" * 3000, "[" * 80 + "1" + "]" * 80,
    '"lamp \\ud83d"', '"\\udc00"', '"[/]"', '"[bold red]x[/]"', json.dumps("k" * 3_000_000)[:200] + '"',
    '{"' + "k" * 200_000 + '": 1}', "0.1e-99999", "123456789012345678901234567890",
]
#: Values some fields may legitimately hold (text for text fields, small numbers for numbers).
BENIGN_JSON = {'"[/]"', '"[bold red]x[/]"', "1e308", "0.1e-99999", "123456789012345678901234567890", HOSTILE_JSON[16]}
#: The same as Python values, for the dict path (an SDK or a trainer hands dicts over).
HOSTILE_VALUES = [
    10**5000, -(10**4400), 10**70, float("nan"), float("inf"), -float("inf"), 1e308,
    "lamp \ud83d", "\udc00", "[/]", "k" * 2_000_000, {"k" * 100_000: 1}, [[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]],
]


def _deep(n: int):
    value: object = 1
    for _ in range(n):
        value = [value]
    return value


HOSTILE_VALUES.append(_deep(3000))


def _positions(args: dict) -> list[tuple[str, object]]:
    """Every place a value can go: each field, each vector element, and an extra key."""
    places: list[tuple[str, object]] = []
    for key, value in args.items():
        places.append((key, None))
        if isinstance(value, list):
            places.extend((key, i) for i in range(len(value)))
    places.append(("extra_key", None))
    return places


def _with_text(args: dict, key: str, index: object, raw: str) -> str:
    """The arguments as JSON text with `raw` (JSON text) spliced in at key[index]."""
    marker = "__HOSTILE__"
    copy = json.loads(json.dumps(args))
    if index is None:
        copy[key] = marker
    else:
        copy[key][index] = marker
    return json.dumps(copy).replace(json.dumps(marker), raw)


def _check_result(result, scene=SCENE):
    assert result.message.encode("utf-8")  # readable and storable
    assert len(result.message) < 2000, result.message[:200]
    if not result.ok:
        assert result.scene is scene


@pytest.mark.parametrize("name", list(GOOD))
def test_hostile_json_anywhere_in_arguments_is_an_error_value(name):
    for key, index in _positions(GOOD[name]):
        for raw in HOSTILE_JSON:
            text = _with_text(GOOD[name], key, index, raw)
            result = apply_tool(SCENE, name, text)
            _check_result(result)
            if raw not in BENIGN_JSON and key != "reason":
                assert not result.ok, (name, key, raw[:40], result.message)


@pytest.mark.parametrize("name", list(GOOD))
def test_hostile_python_values_anywhere_in_arguments_are_error_values(name):
    for key, index in _positions(GOOD[name]):
        for value in HOSTILE_VALUES:
            args = json.loads(json.dumps(GOOD[name]))
            if index is None:
                args[key] = value
            else:
                args[key][index] = value
            result = apply_tool(SCENE, name, args)
            _check_result(result)
            many = apply_tool_calls(SCENE, [{"name": name, "arguments": args}, {"name": name, "arguments": args, "id": value}])
            assert len(many.results) == 2


def test_hostile_replies_are_format_errors_or_error_results():
    env = SceneEnv(EnvConfig())
    env.reset(seed=0, options={"scene": SCENE})
    for raw in HOSTILE_JSON:
        for reply in (
            f'<tool_calls>[{{"name": "rotate_object", "arguments": {{"object_id": "bed_1", "yaw": {raw}}}}}]</tool_calls>',
            f"<tool_calls>{raw}</tool_calls>",
            f"<create_scene>{raw}</create_scene>",
            f'[{{"name": "terminate", "arguments": {{"reason": {raw}}}}}]',
            f'<tool_call>{{"name": "rotate_object", "arguments": {{"yaw": {raw}}}}}</tool_call>',
        ):
            parsed = parse_reply(reply)
            assert parsed.ok in (True, False)
            if not parsed.ok:
                parsed.message.encode("utf-8")
            else:
                apply_tool_calls(SCENE, parsed.tool_calls or [])
            obs, reward, terminated, truncated, info = env.step(reply)
            assert isinstance(obs, str) and reward == reward  # not NaN
            if terminated or truncated:
                env.reset(seed=0, options={"scene": SCENE})


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(list(GOOD)),
    value=st.recursive(
        st.one_of(st.integers(), st.floats(), st.text(max_size=30), st.none(), st.booleans(),
                  st.integers(min_value=4000, max_value=6000).map(lambda n: 10**n)),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
        max_leaves=8,
    ),
    key=st.text(max_size=12),
)
def test_any_value_in_any_field_never_raises(name, value, key):
    args = {**GOOD[name], key: value} if key else dict(GOOD[name])
    if GOOD[name]:
        first = next(iter(GOOD[name]))
        args2 = {**GOOD[name], first: value}
        _check_result(apply_tool(SCENE, name, args2))
    _check_result(apply_tool(SCENE, name, args))


# -- the guarded reader itself --------------------------------------------------------------------


def test_loads_json_refuses_each_class_with_a_readable_message():
    cases = {
        "1" * 5000: "digits", "1e999": "finite", "NaN": "finite", "-Infinity": "finite",
        "[" * 100000 + "]" * 100000: "nested", "[" * 65 + "]" * 65: "nested", '"\\ud83d"': "surrogate",
        '{"\\udc00": 1}': "surrogate", " " * (DEFAULT_LIMITS.json_bytes + 1): "limit",
    }
    for text, word in cases.items():
        with pytest.raises(InputLimitError, match=word):
            loads_json(text)
    assert loads_json("[" * 63 + "]" * 63) is not None
    assert loads_json('{"a": [1, 2.5, "\\ud83d\\ude00"]}') == {"a": [1, 2.5, "😀"]}


def test_shown_quotes_anything_briefly():
    for value in (10**5000, "x" * 10**6, list(range(10**5)), {"k" * 10**6: 1}, _deep(5000), b"\xff" * 1000, "\ud83d"):
        text = shown(value)
        assert len(text) <= DEFAULT_LIMITS.quote_chars


# -- 17. validation gaps ----------------------------------------------------------------------------


@pytest.mark.parametrize("bad_id", ["bed_1\n", "bed\n_1", "\nbed", "bed_1\r", "a" * 65, "", "-a", "bed 1", "bed_1\x00"])
def test_ids_must_match_whole(bad_id):
    from agentscene.formats import SceneFormatError, load_scene

    data = SCENE.model_dump(mode="json")
    data["objects"][0]["id"] = bad_id
    with pytest.raises(SceneFormatError, match="ids are"):
        load_scene(data)


@pytest.mark.parametrize("chain", [["a", "b"], ["a", "b", "c"], ["a", "b", "c", "d", "e"]])
def test_support_cycles_are_refused(chain):
    from agentscene.formats import SceneFormatError, load_scene

    data = SCENE.model_dump(mode="json")
    for i, oid in enumerate(chain):
        data["objects"].append({"id": oid, "description": oid, "size": [0.5, 0.5, 0.5], "position": [1, i, 1],
                                "support": chain[(i + 1) % len(chain)]})
    with pytest.raises(SceneFormatError, match="cycle"):
        load_scene(data)
    # a chain that ends on the floor is fine
    data["objects"][-1]["support"] = "floor"
    assert len(load_scene(data).objects) == len(chain) + 1


def test_error_messages_never_echo_huge_input():
    from agentscene.formats import SceneFormatError, load_scene

    key = "k" * 3_000_000
    data = SCENE.model_dump(mode="json")
    for mutate in (
        lambda d: d.__setitem__(key, 1),
        lambda d: d["room"].__setitem__(key, 1),
        lambda d: d["objects"][0].__setitem__("id", key),
        lambda d: d["objects"][0].__setitem__("support", key),
        lambda d: d["objects"][0].__setitem__("category", key),
    ):
        copy = json.loads(json.dumps(data))
        mutate(copy)
        with pytest.raises(SceneFormatError) as info:
            load_scene(copy)
        assert len(str(info.value)) < 2000
    result = apply_tool(SCENE, "move_object", {"object_id": "bed_1", "position": [1, 0, 1], key: 1})
    assert not result.ok and len(result.message) < 2000
    result = apply_tool(SCENE, key, {})
    assert not result.ok and len(result.message) < 2000


# -- 9. non-finite numbers anywhere in a scene ------------------------------------------------------


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), [1.0, float("nan")], {"a": {"b": float("inf")}}])
def test_non_finite_numbers_are_refused_in_every_field(tmp_path, value):
    from agentscene.formats import SceneFormatError, load_scene

    for mutate in (
        lambda d: d["metadata"].__setitem__("seed", value),
        lambda d: d["room"]["extra"].__setitem__("x", value),
        lambda d: d["objects"][0]["extra"].__setitem__("x", value),
        lambda d: d["objects"][0].__setitem__("yaw", value),
    ):
        data = SCENE.model_dump(mode="json")
        mutate(data)
        with pytest.raises(SceneFormatError, match="finite|valid number"):
            load_scene(data)
        path = tmp_path / "s.json"
        path.write_text(json.dumps(data))  # Python writes NaN / Infinity, which is not JSON
        with pytest.raises(SceneFormatError, match="finite"):
            load_scene(path)


# -- SceneEnv.step takes any action a trainer or model can hand over ---------------------------------

_LEAF = st.one_of(st.integers(), st.floats(), st.text(max_size=20), st.none(), st.booleans(),
                  st.sampled_from(["\ud83d", "[/]", float("nan")]), st.integers(4400, 4500).map(lambda n: 10**n))
_VALUE = st.recursive(_LEAF, lambda i: st.lists(i, max_size=3) | st.dictionaries(st.text(max_size=8), i, max_size=3),
                      max_leaves=10)
_FIELDS = st.sampled_from(["description", "position", "yaw", "size", "object_id", "reason", "category", "support"])
_CALL = st.fixed_dictionaries({
    "name": st.sampled_from([*GOOD, "x", ""]),
    "arguments": st.one_of(_VALUE, st.dictionaries(_FIELDS, _VALUE, max_size=5)),
})


def _tagged(calls: list) -> str:
    from agentscene.limits import dumps_json

    return "<tool_calls>" + dumps_json(calls) + "</tool_calls>"


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(action=st.one_of(_VALUE, st.lists(_CALL, max_size=3), _CALL, st.text(max_size=50), st.lists(_CALL, max_size=3).map(_tagged)))
def test_scene_env_step_never_raises_for_any_action(action):
    env = SceneEnv(EnvConfig())
    env.reset(seed=0, options={"scene": SCENE})
    obs, reward, terminated, truncated, info = env.step(action)
    assert isinstance(obs, str) and isinstance(reward, float)
    json.dumps(info.get("messages", []), ensure_ascii=False).encode("utf-8", "surrogatepass")


def test_an_episode_with_a_hostile_model_finishes_and_writes_its_run_folder(tmp_path):
    """Huge numbers, NaN, lone surrogates, markup and deep nesting from the model, end to end:
    the loop feeds each back as an error and every run file is written (item 2: no lost scene.json)."""
    from agentscene.agents.chat_agent import ChatAgent, ChatAgentConfig
    from agentscene.loop import LoopConfig, run_episode
    from agentscene.run_dir import RunDirectory
    from agentscene.testing import ScriptedModel
    from agentscene.tools.calls import ToolCall

    def call(name: str, args: str) -> ToolCall:
        return ToolCall(name=name, arguments=args)

    replies = [
        [call("add_object", '{"description": "lamp \\ud83d", "position": [1, 0, 1], "yaw": 0, "size": [0.3, 1.5, 0.3]}'),
         call("add_object", '{"description": "[/] lamp", "position": [1, 0, 1], "yaw": ' + "9" * 5000 + ', "size": [0.3, 1.5, 0.3]}'),
         call("rotate_object", '{"object_id": "x", "yaw": 1e99999}'),
         call("move_object", '{"object_id": "x", "position": ' + "[" * 3000 + "]" * 3000 + "}"),
         call("add_object\udc00", "{}")],
        "half an emoji \ud83d and [bold]markup[/] with no tool call",
        [call("add_object", '{"description": "[/] lamp \\ud83d\\ude00", "position": [1, 0, 1], "yaw": 0, "size": [0.3, 1.5, 0.3]}'),
         call("terminate", '{"reason": "done [/]"}')],
    ]
    agent = ChatAgent(ScriptedModel(replies), ChatAgentConfig(mode="native"))
    run = RunDirectory(tmp_path / "run").create()
    episode = run_episode("a [/] bedroom", agent, config=LoopConfig(max_turns=4), run_dir=run)
    assert episode.stop_reason == "terminated"
    assert [o.description for o in episode.scene.objects] == ["[/] lamp 😀"]
    assert all(not r["ok"] for r in episode.turns[1].results)
    for name in ("turns/turn_01.json", "conversation.jsonl"):
        (tmp_path / "run" / name).read_text("utf-8")  # written, valid UTF-8
