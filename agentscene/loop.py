"""The render -> evaluate -> revise loop.

Turn 0 creates the scene (the agent's `create_scene`, else the task's empty room).
Each later turn: the protocol renders the observation (the request, the room, the last turn's
tool results, the physics feedback (optional), the critic's feedback (optional), the scene JSON
and the last render) and lays out the chat; the agent acts; its tool calls are applied; the
physics auto-correction runs (optional); the scene is evaluated and scored with
`rewards.score` (the config's `reward`); the turn is rolled back if it lowered that score;
render; write the turn. It stops at `terminate`, at `max_turns`, or cleanly when the provider
fails past its retries (the run directory then resumes from its last completed turn). A model's
mistakes (garbage, invalid calls, calls after terminate, too many calls) are recorded as errors
and fed back; the loop goes on.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from agentscene import protocol
from agentscene.agents.base import Agent, AgentAction, Observation
from agentscene.agents.client import Message, ModelClientError, ProviderUnavailable, Usage
from agentscene.agents.critics import Critic, Critique, RuleCritic
from agentscene.evaluator import Evaluation, Evaluator, PhysicsEvaluator
from agentscene.formats import dump_scene, load_scene
from agentscene.interrupts import deferred_interrupt
from agentscene.meshes import MeshProvider
from agentscene.rewards import EvalReport, resolve, score
from agentscene.rewards.score import RewardBreakdown, RewardConfig
from agentscene.run_dir import RunDirectory, redact
from agentscene.scene import Scene
from agentscene.tasks import SceneTask, empty_room, task_from_prompt

log = logging.getLogger("agentscene.loop")

StopReason = Literal["terminated", "max_turns", "stalled", "provider_unavailable", "provider_error", "interrupted",
                     "running"]


class LoopConfig(BaseModel):
    """How an episode runs (SceneReVis' three switches, plus rollback and the history window)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_turns: int = Field(default=5, ge=0, le=500)
    physics_feedback: bool = True
    vlm_feedback: bool = False
    physics_optimization: bool = False
    rollback: bool = True
    #: a turn is rolled back when it lowers the scene's score (`reward` below) by more than this
    rollback_tolerance: float = Field(default=0.05, ge=0)
    #: the one score of a scene: rollback, per-turn scores, metrics.json and batch tables use it
    reward: RewardConfig = Field(default_factory=RewardConfig.intermediate)
    max_history_turns: int = Field(default=4, ge=0)
    max_calls_per_turn: int = Field(default=32, ge=1)
    #: format of the scene JSON in the observation (native, scenerevis, ...)
    scene_dialect: str = "native"
    views: tuple[str, ...] = ("top", "diagonal")
    render_size: int = Field(default=512, ge=64, le=4096)
    seed: int = 0


class TurnRecord(BaseModel):
    """Everything about one turn, as written to turns/turn_XX.json (the scene is written beside it)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    turn: int
    scene: Scene = Field(exclude=True, repr=False)
    #: the system message the conversation opened with (turn 0 only)
    system: Message | None = None
    tool_calls: list[dict[str, Any]] = Field(default_factory=list)
    results: list[dict[str, Any]] = Field(default_factory=list)
    metrics: dict[str, float] = Field(default_factory=dict)
    #: `rewards.score(...)` of the scene with the loop's reward config
    score: float = 0.0
    reward_terms: dict[str, float] = Field(default_factory=dict)
    clean: bool = False
    issues: dict[str, Any] = Field(default_factory=dict)
    physics_feedback: str = ""
    rolled_back: bool = False
    rejected_metrics: dict[str, float] | None = None
    terminated: bool = False
    critique: dict[str, Any] | None = None
    resolve_moves: list[dict[str, Any]] = Field(default_factory=list)
    reply: str | None = None
    think: str | None = None
    format_error: str | None = None
    notes: list[str] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    timings: dict[str, float] = Field(default_factory=dict)
    renders: dict[str, str] = Field(default_factory=dict)
    messages: list[Message] = Field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data = self.model_dump(mode="json")
        data["scene"] = dump_scene(self.scene, "native")
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TurnRecord:
        data = dict(data)
        scene = load_scene(data.pop("scene"), dialect="native")
        return cls(scene=scene, **data)

    @property
    def errors(self) -> int:
        return sum(1 for r in self.results if not r["ok"]) + (1 if self.format_error else 0)


class Episode(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    prompt: str
    scene: Scene
    turns: list[TurnRecord]
    stop_reason: StopReason
    error: str | None = None
    evaluation: Evaluation
    #: the final scene's `rewards.score` (the loop's reward config) and its terms
    score: float = 0.0
    reward_terms: dict[str, float] = Field(default_factory=dict)
    critique: Critique | None = None
    usage: Usage = Field(default_factory=Usage)
    run_dir: Path | None = None
    wall_s: float = 0.0

    @property
    def finished(self) -> bool:
        return self.stop_reason in ("terminated", "max_turns", "stalled")


def _assistant(messages: list[Message]) -> Message | None:
    return next((m for m in messages if m.get("role") == "assistant"), None)


class _Run:
    """The state of one episode while it runs."""

    def __init__(self, prompt: str, agent: Agent, renderer: Any, evaluator: Evaluator, critic: Critic | None,
                 config: LoopConfig, run_dir: RunDirectory | None, mesh_provider: MeshProvider | None,
                 assign_assets: Callable[[Scene], Scene] | None, on_turn: Callable[[TurnRecord], None] | None):
        self.prompt = prompt
        self.agent = agent
        self.renderer = renderer
        self.evaluator = evaluator
        self.critic = critic
        self.config = config
        self.run_dir = run_dir
        self.mesh_provider = mesh_provider
        self.assign_assets = assign_assets
        self.on_turn = on_turn
        self.turns: list[TurnRecord] = []
        self.system: Message | None = agent.system_message()
        self.protocol: protocol.ReplyProtocol = agent.protocol
        self.task: SceneTask = task_from_prompt(prompt) if prompt.strip() else SceneTask(
            task_id="task_unnamed", prompt="Improve this scene.", room_type="room")
        self.scene_json = protocol.SceneJsonCache(config.scene_dialect)

    # -- per-state work ------------------------------------------------------------------------

    def render(self, scene: Scene, turn: int) -> tuple[dict[str, str], float]:
        if self.renderer is None:
            return {}, 0.0
        start = time.perf_counter()
        result = self.renderer.render(scene, views=self.config.views, size=self.config.render_size,
                                      overlays=True, seed=self.config.seed, mesh_provider=self.mesh_provider)
        renders: dict[str, str] = {}
        if self.run_dir is not None:
            saved = result.save(self.run_dir.renders_dir, RunDirectory.render_prefix(turn))
            renders = {name: self.run_dir.relative(path) for name, path in saved.items()}
        return renders, time.perf_counter() - start

    def critique(self, scene: Scene, evaluation: Evaluation, renders: dict[str, str]) -> tuple[Critique | None, float]:
        if self.critic is None or not self.config.vlm_feedback:
            return None, 0.0
        start = time.perf_counter()
        image = None
        if "merged" in renders and self.run_dir is not None:
            image = self.run_dir.root / renders["merged"]
        c = self.critic.critique(scene, evaluation.report, self.prompt, image)
        return c, time.perf_counter() - start

    def record(self, rec: TurnRecord) -> None:
        self.turns.append(rec)
        if self.run_dir is not None:
            start = time.perf_counter()
            self.run_dir.write_turn(rec.to_json())  # conversation.jsonl is derived from these at the end
            rec.timings["write_s"] = time.perf_counter() - start
        log.info("turn %d: %d objects, %d calls (%d errors), collision %.1f%%, oob %.1f%%, pbl %.3f%s%s", rec.turn,
                 len(rec.scene.objects), len(rec.tool_calls), rec.errors, rec.metrics.get("collision_rate", 0.0),
                 rec.metrics.get("oob_rate", 0.0), rec.metrics.get("pbl", 0.0),
                 ", rolled back" if rec.rolled_back else "", ", terminated" if rec.terminated else "")
        if self.on_turn is not None:
            self.on_turn(rec)

    def conversation(self) -> list[dict[str, Any]]:
        return conversation_lines(self.turns)

    def evaluate(self, scene: Scene) -> tuple[Evaluation, float]:
        start = time.perf_counter()
        ev = self.evaluator.evaluate(scene)
        return ev, time.perf_counter() - start

    def score(self, scene: Scene, ev: Evaluation) -> RewardBreakdown:
        """The scene's score: `rewards.score` with the loop's reward config (a state score: no previous scene, no reply)."""
        report = ev.report if isinstance(ev.report, EvalReport) else None
        return score(None, scene, None, config=self.config.reward, key_objects=self.task.key_objects, report=report,
                     mesh_provider=self.mesh_provider, prompt=self.task.prompt)

    # -- turns --------------------------------------------------------------------------------

    def create(self, source: str | Scene) -> TurnRecord:
        t0 = time.perf_counter()
        messages: list[Message] = []
        usage = Usage()
        notes: list[str] = []
        if isinstance(source, Scene):
            scene = source
        else:
            outcome = self.agent.create_scene(self.prompt)
            messages, usage = list(outcome.messages), outcome.usage
            if outcome.error:
                notes.append(outcome.error)
            scene = outcome.scene or empty_room(self.task, self.config.seed)
        if self.assign_assets is not None:
            scene = self.assign_assets(scene)
        ev, eval_s = self.evaluate(scene)
        breakdown = self.score(scene, ev)
        renders, render_s = self.render(scene, 0)
        crit, critic_s = self.critique(scene, ev, renders)
        rec = TurnRecord(turn=0, scene=scene, system=self.system, metrics=ev.metrics, score=breakdown.total,
                         reward_terms=breakdown.values(), clean=ev.clean, issues=ev.issues,
                         physics_feedback=ev.feedback, critique=crit.model_dump(mode="json") if crit else None,
                         usage=usage, notes=notes, renders=renders, messages=messages,
                         timings={"eval_s": eval_s, "render_s": render_s, "critic_s": critic_s,
                                  "total_s": time.perf_counter() - t0})
        rec._evaluation = ev  # type: ignore[attr-defined]
        return rec

    def judge_text(self, rec: TurnRecord) -> str | None:
        """The judge-feedback slot: the per-turn critic's scores and advice (with --vlm-feedback)."""
        crit = rec.critique
        if not crit or not self.config.vlm_feedback or crit.get("error"):
            return None
        return protocol.critique_text(crit["scores"], crit["feedback"])

    def observation(self, prev: TurnRecord, turn: int) -> Observation:
        cfg = self.config
        assistant = _assistant(prev.messages) if prev.turn > 0 else None
        answered, leftover = protocol.tool_messages(self.protocol, assistant or {}, prev.results)
        note = None
        if prev.rolled_back:
            note = protocol.rollback_note((prev.rejected_metrics or {}).get("score", 0.0), prev.score)
        view = protocol.TurnObservation(
            prompt=self.prompt, turn=turn, max_turns=cfg.max_turns, scene=prev.scene, scene_text=self.scene_json(prev.scene),
            room_text=self.scene_json.room_summary(prev.scene),
            physics_feedback=prev.physics_feedback if cfg.physics_feedback else None,
            physics_issues=prev.issues if cfg.physics_feedback else None,
            judge_feedback=self.judge_text(prev), tool_results=tuple(prev.results),
            results_in_message=not answered or bool(leftover), format_error=prev.format_error, note=note,
            images=(prev.renders["merged"],) if "merged" in prev.renders else (),
        )
        past = [t.messages for t in self.turns if t.turn > 0 and t.messages]
        messages = protocol.chat_messages(self.system, past, protocol.user_message(view, self.protocol), cfg.max_history_turns)
        return Observation(view=view, messages=messages, base_dir=self.run_dir.root if self.run_dir else None)

    def step(self, prev: TurnRecord, prev_eval: Evaluation, turn: int) -> tuple[TurnRecord, Evaluation]:
        t0 = time.perf_counter()
        obs = self.observation(prev, turn)
        a0 = time.perf_counter()
        action: AgentAction = self.agent.act(obs)
        agent_s = time.perf_counter() - a0

        p0 = time.perf_counter()
        scene, results, terminated = protocol.apply_capped(prev.scene, list(action.calls), self.config.max_calls_per_turn)
        apply_s = time.perf_counter() - p0
        moves: list[dict[str, Any]] = []
        resolve_s = 0.0
        if self.config.physics_optimization and scene is not prev.scene:
            r0 = time.perf_counter()
            resolved = resolve(scene, mesh_provider=self.mesh_provider)
            scene = resolved.scene
            moves = [m.model_dump(mode="json") for m in resolved.moves]
            resolve_s = time.perf_counter() - r0
        if self.assign_assets is not None and scene is not prev.scene:
            scene = self.assign_assets(scene)
        if scene is not prev.scene:
            ev, eval_s = self.evaluate(scene)
            breakdown = self.score(scene, ev)
            total, terms = breakdown.total, breakdown.values()
        else:
            ev, eval_s, total, terms = prev_eval, 0.0, prev.score, prev.reward_terms
        rolled_back = (self.config.rollback and len(prev.scene.objects) > 0
                       and total < prev.score - self.config.rollback_tolerance)
        rejected = None
        if rolled_back:
            rejected = {**ev.metrics, "score": total}
            scene, ev, total, terms = prev.scene, prev_eval, prev.score, prev.reward_terms
        renders, render_s = self.render(scene, turn)
        crit, critic_s = self.critique(scene, ev, renders)
        records = [protocol.result_record(r) for r in results]
        assistant = _assistant(action.messages)
        tool_msgs, _ = protocol.tool_messages(self.protocol, assistant or {}, records)
        messages = [obs.user_message, *action.messages, *tool_msgs]
        rec = TurnRecord(
            turn=turn, scene=scene, tool_calls=[protocol.call_record(c) for c in action.calls], results=records,
            metrics=ev.metrics, score=total, reward_terms=terms, clean=ev.clean, issues=ev.issues, physics_feedback=ev.feedback,
            rolled_back=rolled_back, rejected_metrics=rejected, terminated=terminated,
            critique=crit.model_dump(mode="json") if crit else None, resolve_moves=moves, reply=action.reply,
            think=action.think, format_error=action.format_error, notes=action.notes, usage=action.usage,
            renders=renders, messages=messages,
            timings={"agent_s": agent_s, "apply_s": apply_s, "resolve_s": resolve_s, "eval_s": eval_s,
                     "render_s": render_s, "critic_s": critic_s, "total_s": time.perf_counter() - t0},
        )
        return rec, ev


def run_episode(
    prompt_or_scene: str | Scene,
    agent: Agent,
    renderer: Any | None = None,
    assets: Any | None = None,
    evaluator: Evaluator | None = None,
    config: LoopConfig | None = None,
    *,
    prompt: str | None = None,
    critic: Critic | None = None,
    run_dir: RunDirectory | str | Path | None = None,
    mesh_provider: MeshProvider | None = None,
    on_turn: Callable[[TurnRecord], None] | None = None,
    secrets: Sequence[str] = (),
) -> Episode:
    """Run (or resume, when `run_dir` holds completed turns) one render -> evaluate -> revise episode.

    `assets` is an asset backend (agentscene.assets) whose meshes the renderer and evaluator use;
    None keeps oriented boxes. `renderer` None means no images. A KeyboardInterrupt leaves every
    completed turn on disk and propagates; provider failures stop the episode cleanly. `secrets`
    are redacted from the error messages written to the run directory.
    """
    config = config or LoopConfig()
    start = time.perf_counter()
    if run_dir is not None and not isinstance(run_dir, RunDirectory):
        run_dir = RunDirectory(run_dir)
    if run_dir is not None:
        run_dir.create()
    assign = None
    if assets is not None:
        from agentscene import assets as assets_pkg  # asset backends load only when asked for

        mesh_provider = mesh_provider or assets_pkg.mesh_provider(assets)
        def assign(scene: Scene) -> Scene:
            return assets_pkg.assign_assets(scene, assets).scene
    evaluator = evaluator or PhysicsEvaluator(mesh_provider=mesh_provider)
    if config.vlm_feedback and critic is None:
        critic = RuleCritic()
    if isinstance(prompt_or_scene, Scene):
        text = prompt if prompt is not None else str(prompt_or_scene.metadata.get("prompt", ""))
    else:
        text = prompt_or_scene if prompt is None else prompt
    run = _Run(text, agent, renderer, evaluator, critic, config, run_dir, mesh_provider, assign, on_turn)

    stop: StopReason = "running"
    error: str | None = None
    previous = [TurnRecord.from_json(t) for t in run_dir.read_turns()] if run_dir is not None else []
    try:
        if previous:
            run.turns = previous
            last = previous[-1]
            evaluation, _ = run.evaluate(last.scene)
            log.info("resuming after turn %d", last.turn)
        else:
            last = run.create(prompt_or_scene)
            evaluation = last._evaluation  # type: ignore[attr-defined]
            run.record(last)
        while stop == "running":
            if last.terminated:
                stop = "terminated"
            elif last.turn >= config.max_turns:
                stop = "max_turns"
            elif _repeats_rollback(run.turns):
                stop = "stalled"
                log.warning("stopped: turn %d repeated the rolled-back calls of the turn before", last.turn)
            else:
                last, evaluation = run.step(last, evaluation, last.turn + 1)
                run.record(last)
    except ProviderUnavailable as e:
        stop, error = "provider_unavailable", redact(str(e), secrets)
        log.error("stopped: %s; continue later with --resume", error)
    except ModelClientError as e:
        stop, error = "provider_error", redact(str(e), secrets)
        log.error("stopped: %s", error)
    except KeyboardInterrupt:
        log.warning("interrupted after turn %d; continue with --resume", run.turns[-1].turn if run.turns else -1)
        if run.turns and run_dir is not None:
            with deferred_interrupt():  # a second Ctrl-C must not cut the files in half
                _finalise(run, run.turns[-1].scene, None, None, None, "interrupted", None, time.perf_counter() - start)
        raise
    # every turn is on disk: the final evaluation and files complete even if Ctrl-C arrives now
    with deferred_interrupt() as held:
        scene = run.turns[-1].scene
        final_eval, _ = run.evaluate(scene)
        final_score = run.score(scene, final_eval)
        final_critique = RuleCritic().critique(scene, final_eval.report, text, None)
        episode = Episode(prompt=text, scene=scene, turns=run.turns, stop_reason=stop, error=error, evaluation=final_eval,
                          score=final_score.total, reward_terms=final_score.values(),
                          critique=final_critique, usage=_usage(run.turns), run_dir=run_dir.root if run_dir else None,
                          wall_s=time.perf_counter() - start)
        if run_dir is not None:
            _finalise(run, scene, final_eval, final_score, final_critique, stop, error, episode.wall_s)
    if held.pending:
        log.warning("Ctrl-C arrived while the run was being saved; it finished (%s)", stop)
    return episode


def conversation_lines(turns: list[TurnRecord]) -> list[dict[str, Any]]:
    """conversation.jsonl: the system message, then every turn's messages, each tagged with its turn."""
    lines: list[dict[str, Any]] = []
    for rec in turns:
        if rec.system is not None:
            lines.append({"turn": rec.turn, **rec.system})
        lines += [{"turn": rec.turn, **m} for m in rec.messages]
    return lines


def _repeats_rollback(turns: list[TurnRecord]) -> bool:
    """The last turn was rolled back and sent the same calls as the rolled-back turn before it:
    the agent is stuck, and more turns would only repeat it."""
    if len(turns) < 3 or not (turns[-1].rolled_back and turns[-2].rolled_back):
        return False

    def calls(t: TurnRecord) -> list[tuple[str, str]]:
        return [(c.get("name", ""), json.dumps(c.get("arguments"), sort_keys=True)) for c in t.tool_calls]

    return bool(turns[-1].tool_calls) and calls(turns[-2]) == calls(turns[-1])


def _usage(turns: list[TurnRecord]) -> Usage:
    total = Usage()
    for t in turns:
        total = total + t.usage
    return total


def _finalise(run: _Run, scene: Scene, evaluation: Evaluation | None, final: RewardBreakdown | None,
              critique: Critique | None, stop: str, error: str | None, wall_s: float) -> None:
    rd = run.run_dir
    assert rd is not None
    rd.write_json("scene.json", dump_scene(scene, "native"))
    rd.write_json("scene_scenerevis.json", dump_scene(scene, "scenerevis"))
    rd.write_conversation(run.conversation())
    usage = _usage(run.turns)
    rd.write_json("metrics.json", {
        "stop_reason": stop,
        "finished": stop in ("terminated", "max_turns", "stalled"),
        "error": error,
        "turns": len(run.turns) - 1,
        "n_objects": len(scene.objects),
        "metrics": evaluation.metrics if evaluation else run.turns[-1].metrics,
        "clean": evaluation.clean if evaluation else run.turns[-1].clean,
        "score": final.total if final else run.turns[-1].score,
        "reward_terms": final.values() if final else run.turns[-1].reward_terms,
        "judge": critique.model_dump(mode="json", exclude={"usage"}) if critique else None,
        "per_turn": [{"turn": t.turn, "n_objects": len(t.scene.objects), "calls": len(t.tool_calls), "errors": t.errors,
                      "rolled_back": t.rolled_back, "terminated": t.terminated, "score": t.score, **t.metrics}
                     for t in run.turns],
        "usage": usage.model_dump(mode="json"),
        "wall_s": round(wall_s, 3),
    })
