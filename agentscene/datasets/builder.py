"""Scenes in, JSONL training records out: instruction/action pairs, 3D QA, multi-view records.

Every record has one shape (images as paths relative to the JSONL file):

    {"id", "task", "scene_id", "scene_path", "images": [...],
     "geom": {"views", "projection", "width", "height", "K", "R", "t"},   # aligned with images
     "instruction" + "action_json"        (task "instruction_action")
     | "question" + "answer" + "answer_value"   (task "qa_<kind>")
     | nothing more                         (task "multiview"),
     "meta": {...}}

`action_json` is the list of tool calls `[{"name", "arguments"}]` that agentscene.tools applies.
Records are deterministic: each scene and task draws from its own `random.Random` seeded with
(seed, scene id, task), so a seed reproduces the file byte for byte and `limit` only truncates.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from agentscene.datasets.actions import Verify, synthesize_actions
from agentscene.datasets.qa import synthesize_qa
from agentscene.datasets.spatial import SceneIndex
from agentscene.datasets.views import empty_geom, render_views
from agentscene.fileio import atomic_write_json, atomic_write_text
from agentscene.formats import SceneFormatError, dump_scene, load_scene
from agentscene.scene import Scene
from agentscene.scene_inputs import scene_inputs

Task = Literal["actions", "qa"]


class DatasetSettings(BaseModel):
    """What to synthesise and how much."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seed: int = 0
    per_scene: int = Field(50, ge=1, le=100_000, description="records per scene and task, at most")
    limit: int | None = Field(None, ge=1, description="records in the whole file, at most (spread over the scenes)")
    tasks: tuple[Task, ...] = ("actions",)
    images: bool = Field(False, description="render views per scene and attach them to every record of that scene")
    views: int = Field(8, ge=0, le=64, description="ring views per scene (the top view comes on top)")
    top: bool = True
    size: int = Field(448, ge=16, le=4096)
    renderer: str = "raster"
    overlays: bool = False
    verify: Verify = "boxes"
    embed_scene: bool = Field(False, description="inline the scene JSON in each record instead of a scene_path")


@dataclass(frozen=True)
class SceneSource:
    scene_id: str
    scene: Scene
    path: Path | None = None


@dataclass
class BuildSummary:
    records: int = 0
    scenes: int = 0
    by_task: dict[str, int] = field(default_factory=dict)
    images: int = 0
    skipped: list[str] = field(default_factory=list)


def scene_files(paths: Iterable[str | Path]) -> list[Path]:
    """The scene files the paths name (agentscene.scene_inputs: files, run, batch and plain directories)."""
    return [item.path for item in scene_inputs(paths)[0]]


def load_sources(paths: Iterable[str | Path], dialect: str = "auto") -> tuple[list[SceneSource], list[str]]:
    """Scenes with unique ids (file stems or run names, suffixed on clashes) and what could not be read."""
    inputs, problems = scene_inputs(paths)
    sources, used = [], set()
    for item in inputs:
        path = item.path
        try:
            scene = load_scene(path, dialect=dialect)
        except SceneFormatError as e:
            problems.append(str(e))
            continue
        stem, k = item.name, 2
        scene_id = stem
        while scene_id in used:
            scene_id, k = f"{stem}_{k}", k + 1
        used.add(scene_id)
        sources.append(SceneSource(scene_id, scene, path))
    return sources, problems


def _rng(settings: DatasetSettings, scene_id: str, task: str) -> random.Random:
    return random.Random(f"agentscene:{settings.seed}:{scene_id}:{task}")


def _quotas(total: int, tasks: tuple[str, ...]) -> dict[str, int]:
    base, extra = divmod(total, len(tasks))
    return {t: base + (1 if i < extra else 0) for i, t in enumerate(tasks)}


def _records_for(src: SceneSource, settings: DatasetSettings, quota: int) -> list[dict[str, Any]]:
    index = SceneIndex(src.scene)
    out: list[dict[str, Any]] = []
    for task, n in _quotas(quota, settings.tasks).items():
        if n == 0:
            continue
        rng = _rng(settings, src.scene_id, task)
        if task == "actions":
            for k, pair in enumerate(synthesize_actions(src.scene, n, rng, verify_mode=settings.verify, index=index)):
                out.append({"id": f"{src.scene_id}/act/{k:05d}", "task": "instruction_action",
                            "instruction": pair.instruction, "action_json": pair.calls,
                            "meta": {"kind": pair.kind, "targets": pair.targets, **pair.meta}})
        else:
            for k, qa in enumerate(synthesize_qa(src.scene, n, rng, index=index)):
                out.append({"id": f"{src.scene_id}/qa/{k:05d}", "task": f"qa_{qa.kind}", "question": qa.question,
                            "answer": qa.answer, "answer_value": qa.value, "meta": {"targets": qa.targets, **qa.meta}})
    return out


def _framed(record: dict[str, Any], src: SceneSource, images: list[str], geom: dict[str, Any],
            scene_ref: dict[str, Any]) -> dict[str, Any]:
    head = {"id": record["id"], "task": record["task"], "scene_id": src.scene_id, **scene_ref, "images": images, "geom": geom}
    return {**head, **{k: v for k, v in record.items() if k not in head}}


def build_records(sources: list[SceneSource], out: str | Path, settings: DatasetSettings | None = None,
                  progress: Callable[[str, int], None] | None = None) -> BuildSummary:
    """Synthesise records for the scenes and write them atomically to `out` (JSONL).

    Beside the file: `scenes/<scene_id>.json` (native, unless embed_scene) and, with images,
    `images/<scene_id>/<view>.png`. `progress(scene_id, n_records)` is called once per scene.
    """
    st = settings or DatasetSettings()
    out_path = Path(out)
    root = out_path.parent
    summary = BuildSummary()
    lines: list[str] = []
    renderer = None
    remaining = st.limit
    try:
        for i, src in enumerate(sources):
            quota = st.per_scene * len(st.tasks)
            if remaining is not None:
                quota = min(quota, math.ceil(remaining / (len(sources) - i)))
            records = _records_for(src, st, quota) if quota > 0 else []
            if not records:
                summary.skipped.append(src.scene_id)
                if progress:
                    progress(src.scene_id, 0)
                continue
            images, geom = [], empty_geom()
            if st.images:
                if renderer is None:
                    from agentscene.renderers import get_renderer

                    renderer = get_renderer(st.renderer)
                images, geom = render_views(src.scene, renderer, root / "images" / src.scene_id, root, views=st.views,
                                            size=st.size, top=st.top, overlays=st.overlays, seed=st.seed)
                summary.images += len(images)
            if st.embed_scene:
                scene_ref: dict[str, Any] = {"scene": dump_scene(src.scene)}
            else:
                scene_file = atomic_write_json(root / "scenes" / f"{src.scene_id}.json", dump_scene(src.scene), indent=None, within=root)
                scene_ref = {"scene_path": scene_file.relative_to(root).as_posix()}
            for record in records:
                lines.append(json.dumps(_framed(record, src, images, geom, scene_ref), ensure_ascii=False, allow_nan=False))
                summary.by_task[record["task"]] = summary.by_task.get(record["task"], 0) + 1
            summary.records += len(records)
            summary.scenes += 1
            if remaining is not None:
                remaining -= len(records)
            if progress:
                progress(src.scene_id, len(records))
    finally:
        if renderer is not None:
            renderer.close()
    atomic_write_text(out_path, "".join(line + "\n" for line in lines))
    return summary


def build_view_records(sources: list[SceneSource], out: str | Path, settings: DatasetSettings | None = None,
                       progress: Callable[[str, int], None] | None = None) -> BuildSummary:
    """One "multiview" record per scene: the ring views plus the top view and their cameras."""
    from agentscene.renderers import get_renderer

    st = settings or DatasetSettings()
    out_path = Path(out)
    root = out_path.parent
    summary = BuildSummary()
    lines = []
    renderer = get_renderer(st.renderer)
    try:
        for src in sources:
            images, geom = render_views(src.scene, renderer, root / "images" / src.scene_id, root, views=st.views,
                                        size=st.size, top=st.top, overlays=st.overlays, seed=st.seed)
            if st.embed_scene:
                scene_ref: dict[str, Any] = {"scene": dump_scene(src.scene)}
            else:
                scene_file = atomic_write_json(root / "scenes" / f"{src.scene_id}.json", dump_scene(src.scene), indent=None, within=root)
                scene_ref = {"scene_path": scene_file.relative_to(root).as_posix()}
            record = {"id": f"{src.scene_id}/views", "task": "multiview",
                      "meta": {"room_type": src.scene.room.room_type, "objects": len(src.scene.objects)}}
            lines.append(json.dumps(_framed(record, src, images, geom, scene_ref), ensure_ascii=False, allow_nan=False))
            summary.records += 1
            summary.scenes += 1
            summary.images += len(images)
            summary.by_task["multiview"] = summary.by_task.get("multiview", 0) + 1
            if progress:
                progress(src.scene_id, 1)
    finally:
        renderer.close()
    atomic_write_text(out_path, "".join(line + "\n" for line in lines))
    return summary
