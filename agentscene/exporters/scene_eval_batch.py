"""A ready SceneEval input folder from a batch: `agentscene export BATCH_DIR --format scene-eval --out DIR`.

    DIR/annotations.csv            one row per scene, in scene order (SceneEval reads row <ID> for scene_<ID>.json)
    DIR/AgentScene/scene_<ID>.json the finished episodes' scenes, numbered from 0 in batch index order
    DIR/agentscene-assets/         one GLB per own model id + models.json (id -> category words)
    DIR/index.json                 scene_<ID>.json -> run name, prompt, room type

Copy `annotations.csv` and `AgentScene/` into SceneEval's `input/`, and register the assets
folder as a dataset for the `agentscene` prefix (docs/exports.md shows the entries).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from agentscene.exporters.base import ExportError
from agentscene.exporters.parts import export_scene_parts
from agentscene.exporters.scene_eval import MODELS_DIR, scene_state, write_models
from agentscene.fileio import atomic_write_json, atomic_write_text

#: SceneEval's annotation columns (scenes/annotations.py); only ID, Difficulty and Description are filled
ANNOTATION_FIELDS = ("ID", "Difficulty", "Description", "ObjCount", "ObjAttr", "OORel", "OARel")
METHOD_DIR = "AgentScene"


def annotation_text(prompt: str) -> str:
    """SceneEval splits annotation cells on ';' and keeps the first part: keep the prompt whole."""
    return " ".join(prompt.replace(";", ",").split()) or "(no prompt)"


def annotations_csv(prompts: list[str], difficulty: str = "agentscene") -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=ANNOTATION_FIELDS, lineterminator="\n")
    writer.writeheader()
    for k, prompt in enumerate(prompts):
        writer.writerow({"ID": str(k), "Difficulty": difficulty, "Description": annotation_text(prompt),
                         "ObjCount": "", "ObjAttr": "", "OORel": "", "OARel": ""})
    return buf.getvalue()


def export_scene_eval_batch(batch_dir: str | Path, out: str | Path, *, mesh_provider: Any = None) -> Path:
    """Write SceneEval's input folder for every finished episode of a batch; returns `out`."""
    from agentscene.batch import finished_scenes
    from agentscene.formats import SceneFormatError, load_scene

    out = Path(out)
    try:
        rows = finished_scenes(batch_dir)
    except ValueError as e:
        raise ExportError(str(e)) from None
    if not rows:
        raise ExportError(f"{batch_dir} has no finished episode to export")
    models: dict[str, Any] = {}
    index, prompts = [], []
    for k, (row, path) in enumerate(rows):
        try:
            scene = load_scene(path)
        except SceneFormatError as e:
            raise ExportError(str(e)) from None
        name = f"scene_{k}"
        parts = export_scene_parts(scene, mesh_provider, walls=False)
        atomic_write_json(out / METHOD_DIR / f"{name}.json", scene_state(parts, mesh_provider, scene_id=name, models=models), within=out)
        prompt = row.prompt or str(scene.metadata.get("prompt") or "")
        prompts.append(prompt)
        index.append({"scene": f"{METHOD_DIR}/{name}.json", "run": row.name, "prompt": prompt,
                      "room_type": scene.room.room_type, "n_objects": len(scene.objects)})
    atomic_write_text(out / "annotations.csv", annotations_csv(prompts))
    write_models(models, out / MODELS_DIR)
    atomic_write_json(out / "index.json", index)
    return out
