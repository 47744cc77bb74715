"""`SceneEnv`: a Gymnasium-shaped, multi-turn scene-editing environment.

    env = SceneEnv(EnvConfig(max_turns=8))
    obs, info = env.reset(seed=0, options={"prompt": "a cozy bedroom with two nightstands"})
    obs, reward, terminated, truncated, info = env.step('<think>…</think><tool_calls>[…]</tool_calls>')

An action is a model reply (text protocol or Hermes `<tool_call>` blocks), an assistant message
or a list of tool calls. agentscene.protocol renders what the model reads: `info["messages"]` is
the chat a model gets at the next turn (system prompt, history window, the user message), exactly
what the loop sends at that turn; `info["observation"]` is the same turn as data (the scene
object, physics issues, tool results) for programs such as the offline planner. The observation
itself is the text the model reads after its action: the tool results and the user message (one
string, for trainers that carry one message per step). The reward is agentscene.rewards' weighted terms, with the breakdown in
`info["reward_breakdown"]`; the last turn (terminate or `max_turns`) is scored with the final-turn
terms. Physics is updated incrementally per edit. Nothing a model sends raises: junk is a
format penalty. Calling `step` out of order (before `reset`, after the end) is the caller's
bug and raises `EnvStateError`.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from agentscene import protocol
from agentscene.formats import SceneFormatError, load_scene
from agentscene.protocol import ReplyProtocol, SceneJsonCache, TurnObservation
from agentscene.rewards import (
    IncrementalEvaluator,
    RewardBreakdown,
    RewardConfig,
    Tolerances,
    evaluate,
    feedback_text,
    score,
    trajectory_reward,
)
from agentscene.scene import Scene
from agentscene.tasks import SceneTask, TaskError, empty_room, task_from_prompt, task_from_row
from agentscene.tools.actions import ParsedAction, assistant_of, parse_action

if TYPE_CHECKING:
    from collections.abc import Sequence

    from agentscene.meshes import MeshProvider
    from agentscene.rewards import EvalReport
    from agentscene.tools.calls import ToolResult

Trajectory = Literal["scenerevis", "sum", "mean", "last"]
RESET_OPTIONS = ("task", "prompt", "scene", "row")


class EnvStateError(RuntimeError):
    """`step` called before `reset`, after the episode ended, or after `close`."""


class EnvConfig(BaseModel):
    """Settings of a SceneEnv; explicit and frozen, passed in."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_turns: int = Field(10, ge=1, le=1000, description="steps before the episode is truncated")
    reward: RewardConfig = Field(default_factory=RewardConfig.intermediate, description="terms of an intermediate turn")
    final_reward: RewardConfig | None = Field(default_factory=RewardConfig.final_turn,
                                              description="terms of the last turn (terminate or max_turns); None: the intermediate terms")
    first_turn_reward: RewardConfig = Field(default_factory=RewardConfig.first_turn,
                                            description="terms of a first turn that creates the room (<create_scene>)")
    trajectory: Trajectory = Field("scenerevis", description="how `episode_reward` combines turns (scenerevis: last turn 0.6, < 3 turns -1)")
    scene_in_observation: Literal["always", "changed", "never"] = "always"
    scene_dialect: str = Field("native", description="format of the scene JSON shown to the model (native, scenerevis, ...)")
    feedback_top_k: int = Field(5, ge=1, le=100, description="problems listed per kind in the physics feedback")
    protocol: ReplyProtocol = Field("tools", description="system prompt: native tool calls or the tagged text protocol")
    max_history_turns: int | None = Field(None, ge=0, description="past turns in info['messages'] (None: all); the loop's max_history_turns")
    max_calls_per_turn: int = Field(32, ge=1, description="calls applied per step; the rest come back as errors (as in the loop)")
    physics_detail: Literal["quick", "full"] = Field(
        "quick", description="physics feedback from the incremental report (collisions, bounds; fast) or a full evaluation "
                             "(also floating objects, doors, walkable floor: what the loop shows; a few ms per step)")
    judge_feedback: bool = Field(False, description="fill the observation's judge-feedback slot with the offline judge's scores and "
                                                  "findings each turn (what the loop shows with --vlm-feedback and the rule critic)")
    tolerances: Tolerances = Field(default_factory=Tolerances)


class SceneEnv:
    """One episode at a time; make one instance per concurrent trajectory."""

    metadata: dict[str, Any] = {"render_modes": ["ansi"]}

    def __init__(self, config: EnvConfig | None = None, *, tasks: Sequence[SceneTask] | None = None,
                 mesh_provider: MeshProvider | None = None, render_mode: str | None = None):
        if render_mode not in (None, "ansi"):
            raise ValueError(f"render_mode must be None or 'ansi', got {render_mode!r}; images come from the ImageObservation wrapper")
        self.config = config or EnvConfig()
        self.tasks: tuple[SceneTask, ...] = tuple(tasks or ())
        self.mesh_provider = mesh_provider
        self.render_mode = render_mode
        self.rng = random.Random(0)  # draws tasks and episode seeds (a stdlib Random, not numpy)
        self._closed = False
        self._clear()

    def _clear(self) -> None:
        self.task: SceneTask | None = None
        self.scene: Scene | None = None
        self.turn = 0
        self.done = False
        self.rewards: list[float] = []
        self.history: list[Scene] = []
        self._evaluator: IncrementalEvaluator | None = None
        self._last_shown: Scene | None = None
        self._json = SceneJsonCache(self.config.scene_dialect)
        self._turns: list[list[dict[str, Any]]] = []
        self._user: dict[str, Any] | None = None

    @property
    def unwrapped(self) -> SceneEnv:
        return self

    @property
    def system_prompt(self) -> str:
        return protocol.system_prompt(self.config.protocol)

    @property
    def report(self) -> EvalReport | None:
        """The latest (quick) physics report of the current scene."""
        return None if self._evaluator is None else self._evaluator.report

    # -- reset -------------------------------------------------------------------------------

    def _task_from_options(self, options: dict[str, Any], episode_seed: int) -> SceneTask:
        unknown = set(options) - set(RESET_OPTIONS)
        if unknown:
            raise ValueError(f"unknown reset options {sorted(unknown)}; accepted: {', '.join(RESET_OPTIONS)}")
        if "row" in options:
            task = task_from_row(options["row"])
        elif "task" in options:
            task = SceneTask.from_json(options["task"])
        elif "prompt" in options:
            task = task_from_prompt(str(options["prompt"]))
        elif "scene" in options:
            scene = _as_scene(options["scene"])
            prompt = str(scene.metadata.get("prompt") or f"Improve this {scene.room.room_type.replace('_', ' ')}.")
            task = task_from_prompt(prompt, initial_scene=scene)
        elif self.tasks:
            task = self.tasks[self.rng.randrange(len(self.tasks))]
        else:
            raise TaskError("reset() needs options={'prompt': ...}, {'task': ...}, {'scene': ...} or {'row': ...}, or tasks= given to SceneEnv")
        if "scene" in options and "prompt" in options:
            task = task.model_copy(update={"initial_scene": _as_scene(options["scene"])})
        if task.initial_scene is None:
            task = task.model_copy(update={"initial_scene": empty_room(task, episode_seed)})
        return task

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
        """Start an episode. Returns the opening user message and info (task, seed, messages, observation).

        With a `seed` the task's empty room is made with that seed, so `reset(seed=s)` starts in the
        room `agentscene generate --seed s` starts in.
        """
        if self._closed:
            raise EnvStateError("this env was closed; make a new SceneEnv")
        if seed is not None:
            self.rng = random.Random(int(seed))
            episode_seed = int(seed)
        else:
            episode_seed = self.rng.randrange(2**31)
        task = self._task_from_options(dict(options or {}), episode_seed)
        self._clear()
        self.task = task
        self.scene = task.initial_scene
        assert self.scene is not None
        self.history = [self.scene]
        self._evaluator = IncrementalEvaluator(self.scene, tolerances=self.config.tolerances, mesh_provider=self.mesh_provider)
        self._last_shown = self.scene
        view = self._view(self.scene, self._evaluator.report, turn=1, show=True)
        obs, messages = self._observe(view)
        info = {"task_id": task.task_id, "prompt": task.prompt, "key_objects": list(task.key_objects),
                "episode_seed": episode_seed, "system_prompt": self.system_prompt,
                "metrics": self._evaluator.report.headline(), "messages": messages, "observation": view}
        return obs, info

    # -- observations --------------------------------------------------------------------------

    def _view(self, scene: Scene, report: EvalReport, *, turn: int, show: bool, records: tuple[dict[str, Any], ...] = (),
              in_message: bool = True, problem: str | None = None) -> TurnObservation:
        cfg = self.config
        assert self.task is not None
        if cfg.physics_detail == "full" and report.floating is None:
            assert self._evaluator is not None
            report = evaluate(scene, self._evaluator.geometry, tolerances=cfg.tolerances)
        judge_text = None
        if cfg.judge_feedback:
            from agentscene.critics.rule import RuleCritic  # the judge loads only when asked for

            crit = RuleCritic(tolerances=cfg.tolerances).critique(scene, report, self.task.prompt)
            judge_text = protocol.critique_text(crit.scores, crit.feedback)
        return TurnObservation(
            prompt=self.task.prompt, turn=turn, max_turns=cfg.max_turns, scene=scene, judge_feedback=judge_text,
            scene_text=self._json(scene) if show else None, room_text=self._json.room_summary(scene),
            physics_feedback=feedback_text(report, scene, top_k=cfg.feedback_top_k),
            physics_issues=protocol.physics_issues(report), tool_results=records, results_in_message=in_message,
            format_error=problem,
        )

    def messages(self, window: int | None = None, *, system: bool = True) -> list[dict[str, Any]]:
        """The chat a model gets at the current turn, with the last `window` turns (None: all)."""
        if self._user is None:
            raise EnvStateError("call reset() before messages()")
        head = protocol.system_message(self.config.protocol) if system else None
        return protocol.chat_messages(head, self._turns, self._user, window)

    def _observe(self, view: TurnObservation) -> tuple[str, list[dict[str, Any]]]:
        """(the observation text, the chat a model gets for this turn)."""
        proto = self.config.protocol
        user_text, full_text = protocol.observation_texts(view, proto)
        self._user = protocol.user_message(view, proto, user_text)
        return full_text, self.messages(self.config.max_history_turns)

    # -- step --------------------------------------------------------------------------------

    def step(self, action: Any) -> tuple[str, float, bool, bool, dict[str, Any]]:
        """Apply one model reply (or list of calls); returns (obs, reward, terminated, truncated, info)."""
        if self._closed:
            raise EnvStateError("this env was closed; make a new SceneEnv")
        if self.task is None or self.scene is None or self._evaluator is None:
            raise EnvStateError("call reset() before step()")
        if self.done:
            raise EnvStateError("the episode is over (terminated or truncated); call reset() to start another")
        cfg = self.config
        parsed = parse_action(action, cfg.protocol)
        assistant = assistant_of(action, parsed)
        prev = self.scene
        self.turn += 1
        problem = parsed.problem
        results = []
        scene = prev
        terminated = False
        created = False
        if parsed.create_scene is not None:
            scene, created, problem = self._create(parsed, prev, problem)
        if parsed.calls:
            scene, results, terminated = protocol.apply_capped(scene, parsed.calls, cfg.max_calls_per_turn)
        truncated = not terminated and self.turn >= cfg.max_turns
        last = terminated or truncated
        # the format term checks the calls against `prev`: these results are that check's when
        # every call was applied to `prev` itself (no first-turn scene, none over the cap)
        applied = tuple(results) if parsed.calls and not created and len(parsed.calls) <= cfg.max_calls_per_turn else None
        breakdown, report = self._score(prev, scene, parsed, created=created, last=last, results=applied)
        self.scene = scene
        self.history.append(scene)
        self.rewards.append(breakdown.total)
        self.done = last
        show = cfg.scene_in_observation == "always" or (cfg.scene_in_observation == "changed" and scene is not self._last_shown)
        if show:
            self._last_shown = scene
        records = tuple(protocol.result_record(r) for r in results)
        tool_msgs, leftover = protocol.tool_messages(cfg.protocol, assistant, records)
        assert self._user is not None
        self._turns.append([self._user, assistant, *tool_msgs])
        view = self._view(scene, report, turn=cfg.max_turns + 1 if last else self.turn + 1, show=show, records=records,
                          in_message=not tool_msgs or bool(leftover), problem=problem)
        obs, messages = self._observe(view)
        info: dict[str, Any] = {
            "turn": self.turn,
            "reward_breakdown": breakdown,
            "reward_terms": breakdown.values(),
            "metrics": report.headline(),
            "tool_results": list(records),
            "format_error": None if problem is None else getattr(parsed.reply, "code", "create_scene"),
            "final": last,
            "messages": messages,
            "observation": view,
        }
        if last:
            info["episode_reward"] = self.episode_reward()
        return obs, float(breakdown.total), terminated, truncated, info

    def _create(self, parsed: ParsedAction, prev: Scene, problem: str | None) -> tuple[Scene, bool, str | None]:
        """A first-turn <create_scene>: replaces the empty room; refused anywhere else."""
        if self.turn != 1 or prev.objects:
            return prev, False, problem or "<create_scene> is only accepted on the first turn, in an empty room; edit with tool calls"
        try:
            scene = load_scene(parsed.create_scene)
        except SceneFormatError as e:
            return prev, False, problem or f"the scene in <create_scene> cannot be read: {e.message}"
        return scene, True, problem

    def _score(self, prev: Scene, scene: Scene, parsed: ParsedAction, *, created: bool, last: bool,
               results: tuple[ToolResult, ...] | None = None) -> tuple[RewardBreakdown, EvalReport]:
        cfg = self.config
        assert self._evaluator is not None and self.task is not None
        keys = self.task.key_objects
        if created:
            report = self._evaluator.update(scene)
            return score(prev, scene, parsed.reply, config=cfg.first_turn_reward, key_objects=keys, report=report,
                         tolerances=cfg.tolerances), report
        if last and cfg.final_reward is not None:
            prev_report = self._evaluator.report
            report = self._evaluator.update(scene)
            return score(prev, scene, parsed.reply, config=cfg.final_reward, key_objects=keys, report=report,
                         prev_report=prev_report, tolerances=cfg.tolerances, mesh_provider=self.mesh_provider,
                         prompt=self.task.prompt, results=results), report
        report, breakdown = self._evaluator.step(scene, parsed.reply, config=cfg.reward, key_objects=keys, results=results)
        return breakdown, report

    def finish(self) -> float:
        """End the episode now (the trainer stopped generating): score the scene with the final-turn terms.

        Counts as one more turn with no action (format is not judged). Returns `episode_reward()`.
        A finished episode is left as it is.
        """
        if self.task is None or self.scene is None or self._evaluator is None:
            raise EnvStateError("call reset() before finish()")
        if not self.done:
            cfg = self.config
            final = cfg.final_reward or cfg.reward
            report = self._evaluator.report
            breakdown = score(self.scene, self.scene, None, config=final, key_objects=self.task.key_objects, report=report,
                              prev_report=report, tolerances=cfg.tolerances, mesh_provider=self.mesh_provider,
                              prompt=self.task.prompt)
            self.rewards.append(breakdown.total)
            self.done = True
        return self.episode_reward()

    # -- the rest ----------------------------------------------------------------------------

    def episode_reward(self) -> float:
        """One number for the episode so far, combined as `config.trajectory` says."""
        r = self.rewards
        if not r:
            return 0.0
        how = self.config.trajectory
        if how == "scenerevis":
            return trajectory_reward(r)
        if how == "sum":
            return float(sum(r))
        if how == "mean":
            return float(sum(r) / len(r))
        return float(r[-1])

    def render(self) -> str | None:
        """render_mode 'ansi': the current scene as compact JSON; None otherwise."""
        if self.render_mode != "ansi" or self.scene is None:
            return None
        return protocol.scene_json(self.scene, self.config.scene_dialect)

    def close(self) -> None:
        """Free the episode's state (scenes, physics caches). Safe to call twice."""
        self._clear()
        self._closed = True

    def __enter__(self) -> SceneEnv:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        task = self.task.task_id if self.task else None
        return f"SceneEnv(task={task!r}, turn={self.turn}, done={self.done}, max_turns={self.config.max_turns})"


def _as_scene(value: Any) -> Scene:
    if isinstance(value, Scene):
        return value
    return load_scene(value)
