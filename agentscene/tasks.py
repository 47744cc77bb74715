"""Task rows: the frozen data one episode starts from, and the JSONL rows trainers read.

A `SceneTask` is data (prompt, room type, key objects, optional initial scene); the rollout
state lives in `SceneEnv`. Key objects and the room type come from the prompt's `Brief`
(agentscene.brief, the one reader the planner and the judge share), so the reward's key-object
term checks what the prompt actually asked for.

Rows carry the task as a JSON string (`task`): Arrow infers one schema for every row, and a
scene nested as a struct would not survive rows with and without an initial scene.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from agentscene.fileio import atomic_write_text
from agentscene.formats.errors import describe_validation_error
from agentscene.limits import DEFAULT_LIMITS, first_unencodable
from agentscene.scene import Scene

#: The `data_source` verl and our reward functions use to recognise agentscene rows.
DATA_SOURCE = "agentscene"
#: Name under which the verl agent loop is registered (the rows' `agent_name`).
AGENT_NAME = "agentscene_agent"
#: Longest prompt a task accepts (Limits.prompt_chars); the brief parser reads only the first Limits.brief_chars.
MAX_PROMPT_CHARS = DEFAULT_LIMITS.prompt_chars

RowFormat = Literal["trl", "verl", "ms-swift"]
ROW_FORMATS: tuple[str, ...] = ("trl", "verl", "ms-swift")


class TaskError(ValueError):
    """A task row or prompt file that cannot be read; the message says which and why."""


class SceneTask(BaseModel):
    """What one episode is about. Frozen: the env never edits it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    task_id: str = Field(min_length=1, max_length=128)
    prompt: str = Field(min_length=1, max_length=MAX_PROMPT_CHARS)
    room_type: str = Field(min_length=1, max_length=64)
    key_objects: tuple[str, ...] = Field(default=(), description="categories the prompt names (the key_objects reward term)")
    excluded: tuple[str, ...] = Field(default=(), description="categories the prompt rules out ('no tv')")
    initial_scene: Scene | None = Field(default=None, description="the scene the episode starts from; None: an empty room is made at reset")

    @field_validator("prompt")
    @classmethod
    def _strip(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("the prompt is empty")
        return v

    @classmethod
    def from_prompt(cls, prompt: str, *, initial_scene: Scene | None = None, task_id: str | None = None) -> SceneTask:
        """A task from a prompt: room type, key objects and exclusions read from its `Brief`, id derived from the text."""
        text = prompt.strip()
        if not text:
            raise TaskError("the prompt is empty")
        if len(text) > MAX_PROMPT_CHARS:
            raise TaskError(f"the prompt has {len(text)} characters, over the {MAX_PROMPT_CHARS} limit")
        if first_unencodable(text) >= 0:
            raise TaskError(f"the prompt holds an unpaired UTF-16 surrogate at character {first_unencodable(text)}; "
                            "pass whole characters (valid UTF-8)")
        from agentscene.brief import parse_brief  # keeps `import agentscene.env` light

        brief = parse_brief(text)
        room_type = brief.room_type
        if initial_scene is not None and initial_scene.room.room_type not in ("", "room"):
            room_type = initial_scene.room.room_type
        return cls(
            task_id=task_id or task_id_for(text),
            prompt=text,
            room_type=room_type,
            key_objects=brief.key_objects(),
            excluded=brief.excluded,
            initial_scene=initial_scene,
        )

    def to_json(self) -> str:
        return self.model_dump_json(exclude_none=True)

    @classmethod
    def from_json(cls, text: str | bytes | dict[str, Any] | SceneTask) -> SceneTask:
        """A task from its JSON (string or dict); TaskError with the reason when it is not one."""
        if isinstance(text, SceneTask):
            return text
        try:
            if isinstance(text, dict):
                return cls.model_validate(text)
            return cls.model_validate_json(text)
        except ValidationError as e:
            raise TaskError("not a valid agentscene task: " + "; ".join(describe_validation_error(e, limit=5))) from None


def task_from_prompt(prompt: str, *, initial_scene: Scene | None = None, task_id: str | None = None) -> SceneTask:
    """The one way from a prompt to a task (room type, key objects): the env, the loop's score and
    the offline agent's room all come from here, so the brief parser underneath can change in one place."""
    return SceneTask.from_prompt(prompt, initial_scene=initial_scene, task_id=task_id)


def task_id_for(prompt: str) -> str:
    """A stable id for a prompt (the same text always gets the same id)."""
    return "task_" + hashlib.sha1(prompt.strip().lower().encode("utf-8")).hexdigest()[:12]


def empty_room(task: SceneTask, seed: int = 0) -> Scene:
    """The empty room an episode starts in when its task has no initial scene (planner-sized, seeded).

    The one room function: `SceneEnv.reset`, the loop's turn 0 and the offline agent's <create_scene> use it.
    """
    from agentscene.agents.planner.planner import Planner

    scene = Planner(seed=seed).create_scene(task.prompt)
    return scene.model_copy(update={"metadata": {**scene.metadata, "prompt": task.prompt, "task_id": task.task_id}})


def read_prompt_files(paths: Iterable[str | Path]) -> Iterator[str]:
    """Prompts from text files, one a line; blank lines and lines starting with '#' are skipped."""
    for path in paths:
        p = Path(path)
        if not p.is_file():
            raise TaskError(f"{p}: no such prompt file")
        try:
            text = p.read_text(encoding="utf-8")
        except UnicodeDecodeError as e:
            raise TaskError(f"{p}: not UTF-8 text ({e.reason} at byte {e.start})") from None
        for line in text.splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                yield line


# -- trainer rows ------------------------------------------------------------------------------


def first_messages(task: SceneTask, scene: Scene, *, reply_protocol: str = "tools", scene_dialect: str = "native",
                   max_turns: int = 10) -> list[dict[str, Any]]:
    """The system and user messages that open an episode: `SceneEnv.reset`'s `info["messages"]` for this task."""
    from agentscene.env.env import EnvConfig, SceneEnv

    env = SceneEnv(EnvConfig(protocol=reply_protocol, scene_dialect=scene_dialect, max_turns=max_turns))  # type: ignore[arg-type]
    _, info = env.reset(options={"task": task.model_copy(update={"initial_scene": scene})})
    env.close()
    return info["messages"]


def task_row(task: SceneTask, fmt: RowFormat = "trl", *, index: int = 0, seed: int = 0,
             reply_protocol: str = "tools", scene_dialect: str = "native", max_turns: int = 10) -> dict[str, Any]:
    """One dataset row in the layout a trainer reads.

    - trl: `prompt` (chat messages) and `task`; GRPOTrainer passes the row to `reset(**row)`.
    - verl: `data_source`, `prompt`, `ability`, `reward_model.ground_truth` (the task JSON),
      `extra_info` (index, task) and `agent_name` (our agent loop).
    - ms-swift: `messages` and `task` (a dataset column reaches the scheduler's `data_dict`
      and the reward function's kwargs).
    """
    if task.initial_scene is None:
        task = task.model_copy(update={"initial_scene": empty_room(task, seed)})
    scene = task.initial_scene
    assert scene is not None
    messages = first_messages(task, scene, reply_protocol=reply_protocol, scene_dialect=scene_dialect, max_turns=max_turns)
    payload = task.to_json()
    if fmt == "trl":
        return {"prompt": messages, "task": payload}
    if fmt == "verl":
        return {
            "data_source": DATA_SOURCE,
            "prompt": messages,
            "ability": "scene_layout",
            "reward_model": {"style": "rule", "ground_truth": payload},
            "extra_info": {"index": index, "task": payload, "task_id": task.task_id},
            "agent_name": AGENT_NAME,
        }
    if fmt == "ms-swift":
        return {"messages": messages, "task": payload}
    raise ValueError(f"unknown row format {fmt!r}; choose one of {', '.join(ROW_FORMATS)}")


def task_from_row(row: dict[str, Any]) -> SceneTask:
    """The task inside a row of any of the formats (`task`, `extra_info.task` or `reward_model.ground_truth`)."""
    if not isinstance(row, dict):
        raise TaskError(f"a row must be a JSON object, got {type(row).__name__}")
    for value in (row.get("task"), (row.get("extra_info") or {}).get("task"), (row.get("reward_model") or {}).get("ground_truth")):
        if value is not None:
            return SceneTask.from_json(value)
    raise TaskError("the row has no task: expected a 'task' column, extra_info.task or reward_model.ground_truth")


def build_rows(prompts: Sequence[str], fmt: RowFormat = "trl", *, seed: int = 0, initial_scene: Scene | None = None,
               reply_protocol: str = "tools", scene_dialect: str = "native", max_turns: int = 10) -> list[dict[str, Any]]:
    """Rows for a list of prompts; duplicate prompts are kept once (same task id)."""
    rows, seen = [], set()
    for prompt in prompts:
        task = task_from_prompt(prompt, initial_scene=initial_scene)
        if task.task_id in seen:
            continue
        seen.add(task.task_id)
        rows.append(task_row(task, fmt, index=len(rows), seed=seed, reply_protocol=reply_protocol, scene_dialect=scene_dialect,
                             max_turns=max_turns))
    return rows


def write_jsonl(rows: Iterable[dict[str, Any]], path: str | Path) -> Path:
    """Rows to a JSONL file, atomically."""
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    return atomic_write_text(path, text)
