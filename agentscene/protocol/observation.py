"""The observation of a turn: what an agent is told before it acts, as data and as a user message.

`TurnObservation` holds the parts (request, turn counter, room, scene, physics and judge
feedback, tool results with error codes, images); `user_message` renders them in tagged
sections, SceneReVis style:

    <user_requirement>a cozy bedroom</user_requirement>
    <turn>2 of 5</turn>
    <room>bedroom, rectangular, floor spanning x 0..3.6 m and z 0..4 m (14.4 m²), ...</room>
    <note>…</note>                          (the loop rolled the last turn back)
    <format_error>…</format_error>          (the last reply could not be used)
    <tool_results>1. move_object: …</tool_results>   (text protocol; calls not answered by tool messages)
    <physics_feedback>…</physics_feedback>
    <judge_feedback>…</judge_feedback>
    <current_scene>```json {...} ```</current_scene>
    Edit the scene with tool calls; …

Images are `{"type": "image", "path": ...}` parts after the text (logs keep paths, not pixels);
without images the content is a plain string.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from agentscene.protocol.chat import Message
from agentscene.protocol.results import results_block
from agentscene.protocol.scene_text import room_summary
from agentscene.scene import Scene

INSTRUCTIONS = {
    "tools": "Edit the scene with tool calls; call terminate when it is finished and physically clean.",
    "text": "Reply with <think>, <conclusion> and <tool_calls>; call terminate when the scene is finished and physically clean.",
}
IMAGE_NOTE = "The attached image shows the scene from the top (left) and from a corner (right)."


@dataclass(frozen=True)
class TurnObservation:
    """Everything an agent is told at the start of turn `turn` (past the last turn: the episode is over)."""

    prompt: str
    turn: int
    max_turns: int
    scene: Scene = field(repr=False)
    #: the scene as JSON in the chosen dialect; None when this turn does not show it
    scene_text: str | None = field(default=None, repr=False)
    #: the room summary line (None: made from the scene)
    room_text: str | None = None
    physics_feedback: str | None = None
    #: machine-readable problems: {"colliding_pairs": [[a, b, depth]], "out_of_bounds": [...], "floating": [...]}
    physics_issues: Mapping[str, Any] | None = None
    judge_feedback: str | None = None
    #: results of the last turn's calls as `result_record` dicts
    tool_results: tuple[dict[str, Any], ...] = ()
    #: False: the results were answered by tool messages and stay out of the user message
    results_in_message: bool = True
    format_error: str | None = None
    note: str | None = None
    images: tuple[str, ...] = ()

    @property
    def over(self) -> bool:
        return self.turn > self.max_turns

    def with_results(self, records: Sequence[dict[str, Any]], in_message: bool) -> TurnObservation:
        return replace(self, tool_results=tuple(records), results_in_message=in_message)


def _sections(obs: TurnObservation, protocol: str) -> tuple[list[str], str | None, list[str]]:
    """(sections before the tool results, the results section, sections after it)."""
    head = [f"<user_requirement>{obs.prompt}</user_requirement>"]
    if obs.over:
        head.append(f"<turn>{obs.max_turns} of {obs.max_turns}: the episode is over</turn>")
    else:
        head.append(f"<turn>{obs.turn} of {obs.max_turns}</turn>")
    head.append(f"<room>{obs.room_text if obs.room_text is not None else room_summary(obs.scene)}</room>")
    if obs.note:
        head.append(f"<note>{obs.note}</note>")
    if obs.format_error:
        head.append(f"<format_error>Your last reply could not be used: {obs.format_error}</format_error>")
    results = f"<tool_results>\n{results_block(obs.tool_results)}\n</tool_results>" if obs.tool_results else None
    tail = []
    if obs.physics_feedback is not None:
        tail.append(f"<physics_feedback>\n{obs.physics_feedback}\n</physics_feedback>")
    if obs.judge_feedback:
        tail.append(f"<judge_feedback>\n{obs.judge_feedback}\n</judge_feedback>")
    if obs.scene_text is not None:
        tail.append("<current_scene>\n```json\n" + obs.scene_text + "\n```\n</current_scene>")
    if obs.images:
        tail.append(IMAGE_NOTE)
    tail.append("The episode is over." if obs.over else INSTRUCTIONS.get(protocol, INSTRUCTIONS["tools"]))
    return head, results, tail


def observation_texts(obs: TurnObservation, protocol: str) -> tuple[str, str]:
    """(the user message's text, the same with every tool result in it: what a one-message trainer shows)."""
    head, results, tail = _sections(obs, protocol)
    full = "\n".join([*head, results, *tail]) if results else "\n".join([*head, *tail])
    if results is None or obs.results_in_message:
        return full, full
    return "\n".join([*head, *tail]), full


def observation_text(obs: TurnObservation, protocol: str, *, all_results: bool = False) -> str:
    """The text of the user message (`all_results`: also the results that tool messages answered)."""
    user, full = observation_texts(obs, protocol)
    return full if all_results else user


def user_message(obs: TurnObservation, protocol: str, text: str | None = None) -> Message:
    """The user message of a turn: text, then one image part per render."""
    text = observation_text(obs, protocol) if text is None else text
    if not obs.images:
        return {"role": "user", "content": text}
    return {"role": "user", "content": [{"type": "text", "text": text}, *({"type": "image", "path": p} for p in obs.images)]}


def critique_text(scores: Mapping[str, float], feedback: str) -> str:
    """A critic's scores and feedback, for the judge-feedback slot."""
    shown = ", ".join(f"{k} {v:g}/10" for k, v in scores.items())
    return f"Scores: {shown}. {feedback}".strip() if shown else feedback


def rollback_note(rejected_score: float, kept_score: float) -> str:
    return (f"Your last edits were rolled back because they lowered the scene's score "
            f"({rejected_score:.3f} vs {kept_score:.3f}); the scene below is unchanged. Try different edits.")


def physics_issues(report: Any) -> dict[str, Any]:
    """The report's problems as JSON an agent can act on (ids, not prose)."""
    return {
        "colliding_pairs": [[p.a, p.b, round(p.depth, 3)] for p in report.colliding_pairs],
        "out_of_bounds": [o.id for o in report.out_of_bounds if o.oob],
        "floating": [f.id for f in report.floating or []],
    }
