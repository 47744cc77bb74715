"""10,000 generated tool calls: nothing escapes apply_tool, and a failed call leaves the scene byte-identical."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentscene import load_scene
from agentscene.tools import apply_tool, apply_tool_calls, tool_names

from .conftest import SCENE_DIR

SCENES = [load_scene(SCENE_DIR / name) for name in (
    "bedroom_basic.json", "living_room_L.json", "kitchen_U.json", "bedroom_clockwise_scenerevis.json", "office_open.json",
)]
FIELDS = ["object_id", "position", "yaw", "size", "description", "category", "support", "reason",
          "jid", "new_position", "new_rotation", "new_size", "rotation", "object_description", "jid_to_replace"]
IDS = sorted({o.id for s in SCENES for o in s.objects} | {o.asset.asset_id for s in SCENES for o in s.objects if o.asset})

numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-10, max_value=10),
    st.integers(min_value=-10**30, max_value=10**30),
    st.sampled_from([0, 1, -1, 1e308, -1e-308, 0.5]),
)
scalars = st.one_of(numbers, st.booleans(), st.none(), st.text(max_size=30), st.sampled_from(IDS + ["floor", "wall", "ceiling"]))
values = st.recursive(
    st.one_of(scalars, st.lists(numbers, min_size=0, max_size=5)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=8,
)
arguments = st.one_of(
    st.dictionaries(st.sampled_from(FIELDS), values, max_size=6),
    st.dictionaries(st.text(max_size=10), values, max_size=3),
    st.dictionaries(st.sampled_from(FIELDS), values, max_size=6).map(lambda d: json.dumps(d, default=str)),
    st.text(max_size=60),  # strings that mostly do not parse
    st.sampled_from(["", "{", "[]", "null", '{"object_id": "bed_1", "position": [1, 0, 1],}', "{\"a\": NaN}", "ü€𝄞"]),
    values,
)
GOOD = {
    "object_id": st.sampled_from(IDS),
    "position": st.lists(st.floats(-2, 10, allow_nan=False), min_size=3, max_size=3),
    "yaw": st.floats(-720, 720),
    "size": st.lists(st.floats(0.01, 3), min_size=3, max_size=3),
    "description": st.sampled_from(["oak chair", "grey sofa", "потолочная лампа", "灯", "small rug", "x" * 400]),
    "category": st.one_of(st.none(), st.sampled_from(["chair", "Wall Art", "", "tv"])),
    "support": st.one_of(st.none(), st.sampled_from(["floor", "wall", "ceiling", "bed_1", "desk_1"])),
    "reason": st.text(max_size=20),
}
REQUIRED = {name: list(model.model_fields) for name, (model, _) in __import__("agentscene.tools", fromlist=["TOOLS"]).TOOLS.items()}


@st.composite
def near_valid(draw):
    """Mostly valid calls, sometimes with one field swapped for garbage or dropped."""
    name = draw(st.sampled_from(tool_names()))
    args = {f: draw(GOOD[f]) for f in REQUIRED[name]}
    mutation = draw(st.sampled_from(["none", "none", "none", "bad", "drop", "extra"]))
    if mutation == "bad":
        args[draw(st.sampled_from(REQUIRED[name]))] = draw(values)
    elif mutation == "drop":
        args.pop(draw(st.sampled_from(REQUIRED[name])))
    elif mutation == "extra":
        args[draw(st.text(min_size=1, max_size=5))] = draw(values)
    return name, args


names = st.one_of(st.sampled_from(tool_names()), st.text(max_size=20), st.none(), st.integers())
garbage = st.tuples(names, arguments)
calls = st.lists(
    st.tuples(st.integers(0, len(SCENES) - 1), st.one_of(garbage, near_valid())).map(lambda t: (t[0], *t[1])),
    min_size=25, max_size=25,
)

COUNT = {"calls": 0, "ok": 0}


@settings(max_examples=400, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(calls)
def _fuzz(batch):
    for scene_index, name, args in batch:
        scene = SCENES[scene_index]
        before = scene.model_dump_json()
        result = apply_tool(scene, name, args)  # must not raise
        COUNT["calls"] += 1
        if result.ok:
            COUNT["ok"] += 1
            # a successful edit still gives a valid scene
            type(scene).model_validate_json(result.scene.model_dump_json())
        else:
            assert result.scene is scene
            assert scene.model_dump_json() == before
            assert result.error is not None and result.message


def test_ten_thousand_generated_calls_never_raise():
    _fuzz()
    assert COUNT["calls"] >= 10_000
    assert COUNT["ok"] >= 500  # the success paths were exercised too
    print(f"fuzzed {COUNT['calls']} calls, {COUNT['ok']} applied")


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(st.lists(st.one_of(values, st.tuples(names, arguments).map(lambda t: {"name": t[0], "arguments": t[1]})), max_size=10))
def test_batches_of_garbage_never_raise(batch):
    scene = SCENES[0]
    out = apply_tool_calls(scene, batch)
    assert len(out.results) == len(batch)
