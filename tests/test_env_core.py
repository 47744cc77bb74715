"""SceneEnv: reset/step contract, rewards from the physics terms, final turn, junk, isolation, wrappers, check_env."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentscene import load_scene
from agentscene.env import (
    EnvCheckError,
    EnvConfig,
    EnvStateError,
    HistoryWindow,
    ImageObservation,
    SceneEnv,
    SceneTask,
    TaskError,
    TransformReward,
    Wrapper,
    check_env,
    parse_action,
)
from agentscene.rewards import RewardConfig, evaluate, score
from tests.conftest import SCENE_DIR

PROMPT = "a cozy bedroom with a bed and two nightstands"
BED = {"name": "add_object", "arguments": {"description": "oak double bed", "position": [2.0, 0.0, 2.0], "yaw": 0,
                                           "size": [1.6, 1.0, 2.0]}}
TERMINATE = {"name": "terminate", "arguments": {"reason": "done"}}


def _env(**cfg) -> SceneEnv:
    return SceneEnv(EnvConfig(**cfg))


def test_reset_builds_the_task_and_opening_message():
    env = _env()
    obs, info = env.reset(seed=3, options={"prompt": PROMPT})
    assert obs.startswith(f"<user_requirement>{PROMPT}</user_requirement>\n<turn>1 of 10</turn>") and "<current_scene>" in obs
    assert info["messages"] == [{"role": "system", "content": env.system_prompt}, {"role": "user", "content": obs}]
    scene_json = obs.split("```json\n")[1].split("\n```")[0]
    assert json.loads(scene_json)["room"]["room_type"] == "bedroom"
    assert info["key_objects"] == ["bed", "nightstand"] and env.task.room_type == "bedroom"
    assert env.scene.objects == () and env.turn == 0 and not env.done


def test_same_seed_same_episode_and_different_seed_different_room():
    a, b = _env(), _env()
    oa, _ = a.reset(seed=7, options={"prompt": PROMPT})
    ob, _ = b.reset(seed=7, options={"prompt": PROMPT})
    assert oa == ob
    ra = [a.step(x)[1] for x in ([BED], "junk", [TERMINATE])]
    rb = [b.step(x)[1] for x in ([BED], "junk", [TERMINATE])]
    assert ra == rb
    rooms = {_env().reset(seed=s, options={"prompt": PROMPT})[0] for s in range(4)}
    assert len(rooms) > 1  # the seed picks the empty room's size


def test_step_reward_is_the_physics_breakdown_of_the_turn():
    env = _env(max_turns=5)
    env.reset(seed=0, options={"scene": load_scene(SCENE_DIR / "bedroom_problems.json")})
    prev = env.scene
    move = {"name": "move_object", "arguments": {"object_id": prev.objects[0].id, "position": [1.0, 0.0, 1.0]}}
    obs, reward, terminated, truncated, info = env.step([move])
    expected = score(prev, env.scene, parse_action([move]).reply,
                     config=RewardConfig(), key_objects=env.task.key_objects)
    assert reward == pytest.approx(expected.total) and info["reward_terms"]["total"] == reward
    assert info["reward_breakdown"].total == reward
    assert info["metrics"]["collision_rate"] == pytest.approx(evaluate(env.scene).collision_rate)
    assert "<tool_results>\n1. move_object: Moved" in obs and "Physics check" in obs
    # the chat answers the call with a tool message; the user message carries the rest
    assert [m["role"] for m in info["messages"]] == ["system", "user", "assistant", "tool", "user"]
    assert info["messages"][3]["content"].startswith("Moved") and "<tool_results>" not in info["messages"][-1]["content"]
    assert not terminated and not truncated and info["turn"] == 1


def test_format_term_reads_the_steps_own_tool_results(monkeypatch):
    """The env applied the calls already: the format term scores those results (failed calls
    included) instead of applying the calls a second time, with the same value."""
    import agentscene.rewards.terms as terms

    env = _env(max_turns=5)
    env.reset(seed=0, options={"scene": load_scene(SCENE_DIR / "bedroom_basic.json")})
    prev = env.scene
    calls = [{"name": "move_object", "arguments": {"object_id": "ghost_9", "position": [1, 0, 1]}},
             {"name": "fly", "arguments": {}},
             {"name": "move_object", "arguments": {"object_id": prev.objects[0].id, "position": [1.0, 0.0, 1.0]}}]
    want = score(prev, prev, parse_action(calls).reply, config=RewardConfig(weights={"format": 1.0})).values()["format"]
    assert want == pytest.approx(0.65)  # two failed calls: -0.2 and -0.15

    def no_second_application(*_a, **_k):
        raise AssertionError("the format term applied the calls again")

    monkeypatch.setattr(terms, "apply_tool_calls", no_second_application)
    _, _, _, _, info = env.step(calls)
    assert info["reward_terms"]["format"] == pytest.approx(want)


def test_terminate_scores_the_final_turn_terms():
    env = _env()
    env.reset(seed=0, options={"scene": load_scene(SCENE_DIR / "bedroom_basic.json")})
    _, reward, terminated, truncated, info = env.step([TERMINATE])
    assert terminated and not truncated and info["final"]
    terms = info["reward_terms"]
    assert {"size_proportion", "support", "rationality"} <= set(terms) and "improvement" not in terms
    assert info["episode_reward"] == env.episode_reward()
    with pytest.raises(EnvStateError, match="reset"):
        env.step([BED])


def test_max_turns_truncates_with_final_terms_and_episode_reward_combines_turns():
    env = _env(max_turns=3, trajectory="scenerevis")
    env.reset(seed=0, options={"prompt": PROMPT})
    outs = [env.step([BED]) for _ in range(3)]
    assert [o[3] for o in outs] == [False, False, True] and not any(o[2] for o in outs)
    assert "size_proportion" in outs[-1][4]["reward_terms"] and "improvement" in outs[0][4]["reward_terms"]
    r = env.rewards
    assert env.episode_reward() == pytest.approx(0.2 * r[0] + 0.2 * r[1] + 0.6 * r[2])
    for how, expect in (("sum", sum(r)), ("mean", sum(r) / 3), ("last", r[-1])):
        env.config = env.config.model_copy(update={"trajectory": how})
        assert env.episode_reward() == pytest.approx(expect)


def test_finish_scores_an_open_episode_once():
    env = _env()
    with pytest.raises(EnvStateError):
        env.finish()
    env.reset(seed=0, options={"prompt": PROMPT})
    env.step([BED])
    first = env.finish()
    assert env.done and len(env.rewards) == 2 and env.finish() == first


def test_create_scene_on_the_first_turn_only():
    room = {"room": {"room_type": "bedroom", "floor": [[0, 0], [4, 0], [4, 3.5], [0, 3.5]], "height": 2.7}, "objects": []}
    reply = "<create_scene>\n```json\n" + json.dumps(room) + "\n```\n</create_scene>"
    env = _env()
    env.reset(seed=0, options={"prompt": PROMPT})
    _, reward, _, _, info = env.step(reply)
    assert env.scene.room.bounds == (0, 0, 4, 3.5) and set(info["reward_terms"]) == {"format", "total"} and reward == 1.0
    obs, reward, _, _, info = env.step(reply)
    assert "only accepted on the first turn" in obs and info["format_error"] == "create_scene" and reward < 1.0
    bad = _env()
    bad.reset(seed=0, options={"prompt": PROMPT})
    obs, *_ = bad.step("<create_scene>{\"room\": 5}</create_scene>")
    assert "cannot be read" in obs


JUNK = [None, "", "   ", 17, 3.5, b"bytes", [], {}, [None], ["x"], [{"name": 5}], [{"name": "fly", "arguments": {}}],
        {"role": "assistant", "content": None}, "<tool_calls>[{]</tool_calls>", "<tool_call>{broken", "<think>x</think>",
        [{"name": "move_object", "arguments": {"object_id": "nope", "position": [float("inf"), 0, 0]}}],
        [{"name": "add_object", "arguments": "{\"description\": 1}"}], "x" * 500_001, [BED] * 65, object()]


@pytest.mark.parametrize("junk", JUNK, ids=lambda j: type(j).__name__ + str(len(j) if hasattr(j, "__len__") else ""))
def test_junk_actions_are_format_penalties_not_exceptions(junk):
    env = _env()
    env.reset(seed=0, options={"prompt": PROMPT})
    obs, reward, terminated, truncated, info = env.step(junk)
    assert isinstance(obs, str) and math.isfinite(reward) and reward < 0
    assert not terminated and env.scene.objects == ()
    assert info["format_error"] is not None or any(not r["ok"] for r in info["tool_results"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.recursive(st.none() | st.booleans() | st.floats() | st.text(max_size=40) | st.integers(),
                    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.sampled_from(["name", "arguments", "id", "role", "content", "tool_calls", "x"]), c, max_size=4),
                    max_leaves=12))
def test_fuzzed_actions_never_raise(action):
    env = _env(max_turns=2)
    env.reset(seed=0, options={"prompt": PROMPT})
    obs, reward, terminated, truncated, info = env.step(action)
    assert isinstance(obs, str) and math.isfinite(reward)


def test_trajectories_are_isolated_and_close_frees_state():
    a, b = _env(), _env()
    a.reset(seed=1, options={"prompt": PROMPT})
    b.reset(seed=1, options={"prompt": PROMPT})
    a.step([BED])
    assert len(a.scene.objects) == 1 and b.scene.objects == () and a.scene is not b.scene
    a.close()
    assert a.scene is None and a.history == [] and a.report is None
    a.close()  # twice is fine
    with pytest.raises(EnvStateError, match="closed"):
        a.reset(options={"prompt": PROMPT})
    with pytest.raises(EnvStateError, match="reset"):
        _env().step([BED])


def test_reset_options_are_checked():
    env = _env()
    with pytest.raises(ValueError, match="unknown reset options"):
        env.reset(options={"promt": PROMPT})
    with pytest.raises(TaskError, match="needs options"):
        env.reset()
    with pytest.raises(TaskError, match="empty"):
        env.reset(options={"prompt": "   "})
    tasks = [SceneTask.from_prompt(p) for p in (PROMPT, "a small office with a desk", "a kitchen with a fridge")]
    picked = {SceneEnv(tasks=tasks).reset(seed=s)[1]["task_id"] for s in range(12)}
    assert len(picked) > 1 and picked <= {t.task_id for t in tasks}


def test_scene_in_observation_and_dialect():
    env = _env(scene_in_observation="changed", scene_dialect="scenerevis")
    obs, _ = env.reset(seed=0, options={"prompt": PROMPT})
    assert "bounds_bottom" in obs
    assert "<current_scene>" in env.step([BED])[0]
    assert "<current_scene>" not in env.step("junk")[0]
    never = _env(scene_in_observation="never")
    never.reset(seed=0, options={"prompt": PROMPT})
    assert "<current_scene>" not in never.step([BED])[0]


def test_render_ansi_is_the_scene_json():
    env = SceneEnv(render_mode="ansi")
    assert env.render() is None
    env.reset(seed=0, options={"prompt": PROMPT})
    assert json.loads(env.render())["room"]["room_type"] == "bedroom"
    with pytest.raises(ValueError, match="ImageObservation"):
        SceneEnv(render_mode="rgb_array")


# -- wrappers and check_env ----------------------------------------------------------------


def test_check_env_passes_the_env_and_the_wrappers():
    assert check_env(lambda: SceneEnv(EnvConfig(max_turns=5))) == []
    assert check_env(SceneEnv()) == []
    assert check_env(lambda: HistoryWindow(TransformReward(SceneEnv(), lambda r, i: r / 2), turns=1)) == []


def test_check_env_names_what_a_broken_wrapper_does_wrong():
    class Broken(Wrapper):
        def step(self, action):
            if action is None:
                raise ValueError("boom")
            obs, reward, term, trunc, info = self.env.step(action)
            return obs, reward * 2, int(term), trunc, info

    class Shared:
        def __init__(self):
            self.env = SceneEnv()

        def __call__(self):
            return Wrapper(self.env)

    problems = check_env(lambda: Broken(SceneEnv()), raise_on_error=False)
    text = "\n".join(problems)
    assert "step(None) raised ValueError: boom" in text and "format penalty" in text
    assert "env_reward" in text and sum("env_reward" in p for p in problems) == 1  # reported once
    assert "terminated=0 (int)" in text
    with pytest.raises(EnvCheckError, match="problem"):
        check_env(lambda: Broken(SceneEnv()))
    shared = check_env(Shared(), raise_on_error=False)
    assert any("isolated" in p for p in shared)
    assert any("no callable" in p for p in check_env(lambda: object(), raise_on_error=False))


def test_history_window_keeps_the_last_turns():
    env = HistoryWindow(SceneEnv(), turns=2)
    msgs, _ = env.reset(seed=0, options={"prompt": PROMPT})
    assert [m["role"] for m in msgs] == ["system", "user"]
    for action in ([BED], "junk", "<think>a</think><tool_calls>[]</tool_calls>"):
        msgs, *_ = env.step(action)
    assert [m["role"] for m in msgs] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert msgs[2]["content"] == "junk" and msgs[1]["content"].startswith(f"<user_requirement>{PROMPT}")
    assert "<turn>2 of 10</turn>" in msgs[1]["content"] and "<turn>4 of 10</turn>" in msgs[-1]["content"]
    first = HistoryWindow(SceneEnv(), turns=0, system=False)
    first.reset(seed=0, options={"prompt": PROMPT})
    assert [m["role"] for m in first.step([BED])[0]] == ["user"]
    assert env.unwrapped.turn == 3


def test_transform_reward_keeps_the_env_reward():
    env = TransformReward(SceneEnv(), lambda r, info: r + 10)
    env.reset(seed=0, options={"prompt": PROMPT})
    _, reward, _, _, info = env.step([BED])
    assert reward == pytest.approx(info["env_reward"] + 10)
    with pytest.raises(TypeError):
        TransformReward(SceneEnv(), 3)
    with pytest.raises(TypeError, match="reset"):
        Wrapper(object())


def test_image_observation_renders_the_scene():
    pytest.importorskip("moderngl")
    env = ImageObservation(SceneEnv(), size=96)
    obs, _ = env.reset(seed=0, options={"prompt": PROMPT})
    assert obs[0]["type"] == "image" and obs[0]["image"].size == (192, 96) and obs[-1]["type"] == "text"
    empty = obs[0]["image"].tobytes()
    obs, *_ = env.step([BED])
    assert obs[0]["image"].tobytes() != empty  # the bed shows
    split = ImageObservation(SceneEnv(), size=64, merge=False, views=("top",))
    assert [p["type"] for p in split.reset(seed=0, options={"prompt": PROMPT})[0]] == ["image", "text"]
    env.close()
    split.close()
