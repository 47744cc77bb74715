"""`check_env`: run an env (or your wrapper) through the contract and say exactly what breaks.

    from agentscene.env import check_env
    check_env(lambda: MyWrapper(SceneEnv()))     # raises EnvCheckError listing every problem

Checked: reset/step/close exist and return the documented shapes; reset is deterministic for a
seed; junk actions (None, bytes, broken JSON, NaN, unknown tools and ids, huge text) become a
reward, never an exception; rewards are finite floats matching the breakdown; terminate ends
the episode and stepping after the end is refused; two instances do not share a scene; close
can be called twice. With `agent=` (an `Agent`, e.g. the offline planner) it also plays one episode:
each turn the agent reads `info["observation"]` and `info["messages"]` and steps with its reply; the
episode must end by `terminate` with finite rewards.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

DEFAULT_PROMPT = "a small bedroom with a bed and a nightstand"

JUNK_ACTIONS: tuple[tuple[str, Any], ...] = (
    ("None", None),
    ("an empty string", ""),
    ("prose with no action", "I think the room looks nice."),
    ("an int", 42),
    ("bytes", b"<tool_calls>[]</tool_calls>"),
    ("an empty call list", []),
    ("an unknown tool", [{"name": "fly_away", "arguments": {}}]),
    ("broken argument JSON", [{"name": "move_object", "arguments": "{\"object_id\": "}]),
    ("NaN coordinates", [{"name": "move_object", "arguments": {"object_id": "bed_1", "position": [float("nan"), 0.0, 1.0]}}]),
    ("an unknown object id", [{"name": "remove_object", "arguments": {"object_id": "no_such_object_9"}}]),
    ("broken <tool_calls> JSON", "<think>x</think><tool_calls>[{\"name\": }]</tool_calls>"),
    ("a broken <tool_call> block", "<tool_call>{not json</tool_call>"),
    ("a huge reply", "<think>" + "x" * 500_000 + "</think>"),
    ("a call that is not an object", ["move_object"]),
)

ADD_CALL = {"name": "add_object", "arguments": {"description": "check_env probe chair", "position": [0.5, 0.0, 0.5],
                                                 "yaw": 0.0, "size": [0.3, 0.3, 0.3]}}
TERMINATE = [{"name": "terminate", "arguments": {"reason": "check_env"}}]


class EnvCheckError(AssertionError):
    """The env broke the contract; `problems` lists each failure."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        lines = "\n".join(f"{i + 1}. {p}" for i, p in enumerate(problems))
        super().__init__(f"check_env found {len(problems)} problem(s):\n{lines}")


def _text(obs: Any) -> str:
    """The text of an observation: a string, content parts or a message list."""
    if isinstance(obs, str):
        return obs
    if isinstance(obs, list):
        out = []
        for item in obs:
            if isinstance(item, dict) and item.get("type") == "text":
                out.append(str(item.get("text", "")))
            elif isinstance(item, dict) and "content" in item:
                out.append(_text(item["content"]))
        return "\n".join(out)
    return repr(obs)


def _obs_problem(obs: Any, where: str) -> str | None:
    if isinstance(obs, str):
        return None if obs.strip() else f"{where} returned an empty observation"
    if isinstance(obs, list) and obs and all(isinstance(x, dict) for x in obs):
        return None
    return f"{where} returned an observation of type {type(obs).__name__}; expected the next user message (str) or a list of content parts / messages"


class _Checker:
    def __init__(self, make: Callable[[], Any], prompt: str, seed: int):
        self.make = make
        self.prompt = prompt
        self.seed = seed
        self.problems: list[str] = []
        self._kinds: set[str] = set()

    def fail(self, message: str, kind: str | None = None) -> None:
        """Record a problem; one of a `kind` is enough (the same wrapper bug shows on every step)."""
        if kind is not None:
            if kind in self._kinds:
                return
            self._kinds.add(kind)
        self.problems.append(message)

    def reset(self, env: Any) -> tuple[Any, dict[str, Any]] | None:
        try:
            out = env.reset(seed=self.seed, options={"prompt": self.prompt})
        except Exception as e:  # reported, not swallowed: the checker's job is to describe failures
            self.fail(f"reset(seed={self.seed}, options={{'prompt': ...}}) raised {type(e).__name__}: {e}")
            return None
        if not (isinstance(out, tuple) and len(out) == 2):
            self.fail(f"reset() must return (observation, info), got {type(out).__name__}")
            return None
        obs, info = out
        p = _obs_problem(obs, "reset()")
        if p:
            self.fail(p)
        if not isinstance(info, dict):
            self.fail(f"reset() info must be a dict, got {type(info).__name__}")
        return obs, info if isinstance(info, dict) else {}

    def step(self, env: Any, action: Any, label: str) -> tuple[Any, float, bool, bool, dict[str, Any]] | None:
        try:
            out = env.step(action)
        except Exception as e:  # reported with the action that caused it
            self.fail(f"step({label}) raised {type(e).__name__}: {str(e)[:200]}; junk from a model must become a "
                      "format penalty (a low reward and an error message in the observation), never an exception")
            return None
        if not (isinstance(out, tuple) and len(out) == 5):
            self.fail(f"step({label}) must return (observation, reward, terminated, truncated, info), got "
                      f"{type(out).__name__} of length {len(out) if isinstance(out, tuple) else '-'}")
            return None
        obs, reward, terminated, truncated, info = out
        p = _obs_problem(obs, f"step({label})")
        if p:
            self.fail(p)
        if not isinstance(reward, (int, float)) or isinstance(reward, bool) or not math.isfinite(reward):
            self.fail(f"step({label}) returned reward {reward!r}; rewards must be finite floats")
        for name, flag in (("terminated", terminated), ("truncated", truncated)):
            if not isinstance(flag, bool):
                self.fail(f"step({label}) returned {name}={flag!r} ({type(flag).__name__}); it must be a bool")
        if not isinstance(info, dict):
            self.fail(f"step({label}) info must be a dict, got {type(info).__name__}")
            info = {}
        breakdown = info.get("reward_breakdown")
        if breakdown is not None and "env_reward" not in info and isinstance(reward, float) and abs(breakdown.total - reward) > 1e-9:
            self.fail(f"step({label}) returned reward {reward} but info['reward_breakdown'].total is {breakdown.total}; "
                      "a wrapper that changes the reward should keep the original in info['env_reward'] (see TransformReward)",
                      kind="reward_mismatch")
        return obs, reward, terminated, truncated, info

    def run(self) -> None:
        env = self.make()
        for name in ("reset", "step", "close"):
            if not callable(getattr(env, name, None)):
                self.fail(f"the env has no callable {name}(); SceneEnv-shaped envs need reset, step and close")
        if self.problems:
            return
        first = self.reset(env)
        second = self.reset(env)
        if first and second and _text(first[0]) != _text(second[0]):
            self.fail(f"reset(seed={self.seed}) gave two different observations; an env must be deterministic for a seed")
        self.check_junk(env)
        self.check_end(env)
        self.check_isolation(env)
        for attempt in (1, 2):
            try:
                env.close()
            except Exception as e:  # reported
                self.fail(f"close() call {attempt} raised {type(e).__name__}: {e}; close must be safe to call twice")

    def check_junk(self, env: Any) -> None:
        self.reset(env)
        for label, action in JUNK_ACTIONS:
            out = self.step(env, action, label)
            if out is None:
                continue
            _, reward, terminated, truncated, _ = out
            if isinstance(reward, float) and reward > 0.5:
                self.fail(f"step({label}) was rewarded {reward:.3f}; junk should score low (format penalty)")
            if terminated or truncated:
                self.reset(env)

    def check_end(self, env: Any) -> None:
        self.reset(env)
        out = self.step(env, TERMINATE, "terminate")
        if out is None:
            return
        if not out[2]:
            self.fail("step(terminate) did not return terminated=True")
            return
        try:
            env.step(TERMINATE)
        except Exception:  # expected: the env refuses to step a finished episode
            return
        self.fail("step() after the episode ended was accepted; it should raise (EnvStateError) so a trainer bug is not hidden")

    def check_agent(self, agent: Any) -> None:
        from agentscene.env.play import play

        env = self.make()
        try:
            result = play(env, agent, seed=self.seed, options={"prompt": self.prompt})
        except Exception as e:  # reported with what the agent was doing
            self.fail(f"playing an episode with agent {getattr(agent, 'name', type(agent).__name__)!r} raised "
                      f"{type(e).__name__}: {str(e)[:200]}; the env must give info['observation'] and info['messages'] "
                      "every turn and take the agent's assistant message as an action")
            return
        finally:
            env.close()
        if not all(math.isfinite(r) for r in result.rewards):
            self.fail(f"the agent's episode had non-finite rewards {result.rewards}")
        if not result.terminated:
            self.fail(f"agent {getattr(agent, 'name', '?')!r} did not terminate within {len(result.rewards)} turns")
        if any(not m or m[0].get("role") != "system" or m[-1].get("role") != "user" for m in result.sent):
            self.fail("info['messages'] must be the chat of the turn: the system message first, the user message last")

    def check_isolation(self, env: Any) -> None:
        other = self.make()
        if other is env:
            self.fail("the factory returned the same instance twice; each trajectory needs its own env")
            return
        self.reset(env)
        self.reset(other)
        self.step(env, [ADD_CALL], "add_object")
        a = getattr(getattr(env, "unwrapped", env), "scene", None)
        b = getattr(getattr(other, "unwrapped", other), "scene", None)
        if a is not None and b is not None:
            if a is b or len(a.objects) == len(b.objects):
                self.fail("an edit in one env changed another env's scene: per-trajectory state must be isolated")
        try:
            other.close()
        except Exception as e:  # reported
            self.fail(f"close() raised {type(e).__name__}: {e}")


def check_env(env: Any, *, prompt: str = DEFAULT_PROMPT, seed: int = 0, raise_on_error: bool = True,
              agent: Any = None) -> list[str]:
    """Check an env factory (a zero-argument callable) or, with less coverage, an env instance.

    Returns the list of problems (empty when all is well); raises EnvCheckError listing them
    unless `raise_on_error=False`. With an instance, isolation is checked against a fresh
    `type(env)()` when that can be built. With `agent`, one episode is played with it.
    """
    if callable(env) and not hasattr(env, "step"):
        make = env
    else:
        instance = env
        first = [True]

        def make() -> Any:
            if first[0]:
                first[0] = False
                return instance
            return type(instance)() if type(instance).__name__ == "SceneEnv" else _rewrap(instance)

    checker = _Checker(make, prompt, seed)
    checker.run()
    if agent is not None and not checker.problems:
        checker.check_agent(agent)
    if checker.problems and raise_on_error:
        raise EnvCheckError(checker.problems)
    return checker.problems


def _rewrap(instance: Any) -> Any:
    """A second env like `instance`: a fresh SceneEnv with the same config, unwrapped (best effort)."""
    from agentscene.env.env import SceneEnv

    base = getattr(instance, "unwrapped", None)
    if isinstance(base, SceneEnv):
        return SceneEnv(base.config, tasks=base.tasks)
    raise TypeError("pass check_env a zero-argument factory (e.g. lambda: MyWrapper(SceneEnv())) to check isolation")
