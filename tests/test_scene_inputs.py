"""Run and batch directories are accepted wherever scenes are read, and rows are named after the run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from agentscene.batch import BatchConfig, run_batch
from agentscene.batch.worker import run_task
from agentscene.cli import app
from agentscene.generate import GenerateConfig
from agentscene.scene_inputs import run_dirs, scene_inputs

runner = CliRunner()
SCENES = Path(__file__).parent / "data" / "scenes"


class InlineRunner:
    """Runs batch episodes in this process, one after another (the process pool's contract)."""

    name = "inline"

    def run(self, tasks, on_start, on_done):
        for task in tasks:
            on_start(task)
            if not on_done(run_task(task)):
                return


@pytest.fixture(scope="module")
def batch_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("inputs")
    prompts = root / "suite.txt"
    prompts.write_text("a bedroom with a bed and a wardrobe\na small office with a desk\n")
    base = GenerateConfig(prompt="(batch)", turns=1, renderer="raster")
    summary = run_batch(BatchConfig(prompts=prompts, out=root / "batch"), base, runner=InlineRunner())
    assert summary.counts.get("ok") == 2
    return root / "batch"


def _runs(batch_dir: Path) -> list[Path]:
    return sorted(p for p in batch_dir.iterdir() if (p / "scene.json").is_file())


def test_scene_inputs_name_scenes_after_their_runs(batch_dir, tmp_path):
    runs = _runs(batch_dir)
    from_batch, problems = scene_inputs([batch_dir])
    assert not problems and [i.name for i in from_batch] == [r.name for r in runs]
    assert all(i.path.name == "scene.json" and i.batch_dir == batch_dir for i in from_batch)
    one, _ = scene_inputs([runs[0]])
    assert [(i.name, i.path) for i in one] == [(runs[0].name, runs[0] / "scene.json")]
    unfinished = tmp_path / "half"
    (unfinished / "turns").mkdir(parents=True)
    none, problems = scene_inputs([unfinished, tmp_path / "missing", SCENES / "bedroom_basic.json"])
    assert [i.name for i in none] == ["bedroom_basic"]
    assert "has not finished" in problems[0] and "--resume" in problems[0] and "file not found" in problems[1]
    # a folder of runs (outputs/) holds run directories, never their scene_scenerevis.json as a second scene
    folder, _ = scene_inputs([batch_dir.parent])
    assert not folder  # the batch is one level down: outputs/ holds no scene files itself
    assert run_dirs([batch_dir])[0] == runs


def test_eval_names_rows_after_runs(batch_dir):
    runs = _runs(batch_dir)
    result = runner.invoke(app, ["eval", str(batch_dir), str(runs[0]), "--json"])
    assert result.exit_code == 0, result.output
    names = [r["name"] for r in json.loads(result.stdout)]
    assert names == [runs[0].name, runs[1].name, runs[0].name] and "scene" not in names
    table = runner.invoke(app, ["eval", str(batch_dir), "--no-feedback"], terminal_width=200)
    assert "mean of 2" in table.output and runs[1].name[:14] in table.output


def test_data_records_from_a_run_use_the_run_name_and_skip_nothing(batch_dir, tmp_path):
    run = _runs(batch_dir)[0]
    out = tmp_path / "records.jsonl"
    result = runner.invoke(app, ["data", "actions", str(run), "--out", str(out), "--limit", "4"])
    assert result.exit_code == 0, result.output
    assert "skipped" not in result.output and "from 1 scenes" in result.output
    ids = {json.loads(line)["scene_id"] for line in out.read_text().splitlines()}
    assert ids == {run.name}
    whole = runner.invoke(app, ["data", "qa", str(batch_dir), "--out", str(tmp_path / "qa.jsonl"), "--limit", "4"])
    assert whole.exit_code == 0 and "from 2 scenes" in whole.output and "skipped" not in whole.output


def test_render_of_a_run_matches_the_runs_own_images(batch_dir, tmp_path):
    run = _runs(batch_dir)[0]
    metrics = json.loads((run / "metrics.json").read_text())
    last = metrics["turns"]
    result = runner.invoke(app, ["render", str(run), "--out", str(tmp_path), "--views", "top"])
    assert result.exit_code == 0, result.output
    assert result.output.count("rendered ") == 1 and result.output.count("_top.png") == 1
    ours = np.asarray(Image.open(tmp_path / f"{run.name}_top.png").convert("RGB"), dtype=np.int16)
    theirs = np.asarray(Image.open(run / "renders" / f"turn_{last:02d}_top.png").convert("RGB"), dtype=np.int16)
    assert ours.shape == theirs.shape and np.abs(ours - theirs).mean() < 1.0
    boxes = runner.invoke(app, ["render", str(run), "--out", str(tmp_path / "boxes"), "--views", "top", "--assets", "none"])
    assert boxes.exit_code == 0
    box_image = np.asarray(Image.open(tmp_path / "boxes" / f"{run.name}_top.png").convert("RGB"), dtype=np.int16)
    assert np.abs(box_image - theirs).mean() > np.abs(ours - theirs).mean()  # boxes are not what the run drew


def test_export_sft_from_a_batch_writes_image_paths_relative_to_the_file(batch_dir, tmp_path):
    copy = tmp_path / "moved" / "batch"
    shutil.copytree(batch_dir, copy)
    out = copy.parent / "sft" / "train.jsonl"
    result = runner.invoke(app, ["rl", "export-sft", str(copy), "--out", str(out)])
    assert result.exit_code == 0, result.output
    samples = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(samples) == 2
    for sample in samples:
        assert sample["images"] and all(not Path(p).is_absolute() for p in sample["images"])
        assert all((out.parent / p).is_file() for p in sample["images"])


def test_batch_report_gallery_is_readable_and_labels_the_judge(batch_dir, tmp_path):
    import base64
    import io
    import re

    page = tmp_path / "report.html"
    result = runner.invoke(app, ["report", str(batch_dir), "--out", str(page), "--no-episodes"])
    assert result.exit_code == 0, result.output
    html = page.read_text()
    gallery = html.split('<div class="gallery">', 1)[1].split("<h2>", 1)[0]
    thumbs = re.findall(r'<img src="data:image/[a-z]+;base64,([^"]+)"', gallery)
    assert len(thumbs) == 2
    for data in thumbs:
        assert Image.open(io.BytesIO(base64.b64decode(data))).width >= 320
    assert "minmax(340px" in html and "judge mean (0–10)" in html and "offline judge" in html
    assert "on 1 process" in html
