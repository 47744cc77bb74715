"""`agentscene batch` end to end: generate's options shared, bad input as clear errors, and a real
batch process killed mid-way (SIGKILL) then resumed, losing at most the episodes that were in flight."""

from __future__ import annotations

import inspect
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from agentscene.batch import load_summary
from agentscene.cli import app
from agentscene.commands.batch import config_from_options, generate_parameters
from agentscene.commands.generate import generate_command
from agentscene.generate import GenerateConfig

runner = CliRunner()
QUICK = ["--renderer", "none", "--turns", "1"]


def _text(result) -> str:
    """The output with terminal wrapping undone."""
    return " ".join(result.output.split())


def _suite(tmp_path: Path, lines: list[str], name: str = "suite.txt") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def _click_params(name: str) -> dict:
    command = typer.main.get_command(app).commands[name]
    return {p.name: p for p in command.params}


def test_batch_takes_every_generate_option_with_the_same_default_and_help():
    gen, batch = _click_params("generate"), _click_params("batch")
    shared = set(gen) - {"prompt", "name", "out", "resume"}
    assert shared and shared <= set(batch)
    for name in shared:
        assert batch[name].opts == gen[name].opts, name
        assert batch[name].default == gen[name].default, name
        assert batch[name].help == gen[name].help, name
    # every shared option maps onto a GenerateConfig field
    defaults = {p.name: p.default for p in generate_parameters()}
    config = config_from_options(defaults)
    assert isinstance(config, GenerateConfig)
    assert set(defaults) == set(inspect.signature(generate_command).parameters) - {"prompt", "name", "out", "resume"}
    assert config.timeout_s == defaults["timeout"] and config.max_retries == defaults["retries"]


def test_cli_batch_runs_writes_the_summary_and_refuses_to_overwrite(tmp_path):
    prompts = _suite(tmp_path, ["a bedroom with a bed and a wardrobe", "", "# comment", "a kitchen with a fridge and a stove",
                                "a bedroom with a bed and a wardrobe"])
    out = tmp_path / "out"
    result = runner.invoke(app, ["batch", str(prompts), "--out", str(out), "--seed", "3", *QUICK])
    assert result.exit_code == 0, result.output
    assert "skipped #2: line 5: duplicate of prompt #0" in _text(result)
    summary = load_summary(out)
    assert summary.counts == {"ok": 2, "skipped": 1} and summary.finished
    assert summary.config["seed"] == 3 and summary.config["turns"] == 1 and "api_key" not in summary.config
    assert json.loads((out / summary.episodes[0].name / "spec_used.json").read_text())["config"]["seed"] == 3
    again = runner.invoke(app, ["batch", str(prompts), "--out", str(out), *QUICK])
    assert again.exit_code == 1 and "already holds a batch (2 ok, 1 skipped): pass --resume" in _text(again)
    resumed = runner.invoke(app, ["batch", str(prompts), "--out", str(out), "--resume", *QUICK])
    assert resumed.exit_code == 0 and "0 to run, 2 already done" in _text(resumed)


@pytest.mark.parametrize(("args", "message"), [
    (["--indices", "5-2"], "range '5-2' runs backwards"),
    (["--indices", "0-99"], "99 is out of range; the suite has 2 prompts"),
    (["--indices", "x"], "is not an index"),
    (["--resume", "--skip-existing"], "--resume and --skip-existing exclude each other"),
    (["--address", "auto"], "--address is for --backend ray"),
    (["--backend", "dask"], "unknown backend 'dask'"),
    (["--turns", "-1"], "turns: Input should be greater than or equal to 0"),
    (["--agent", "gpt"], "agent: Input should be 'offline' or 'openai-compatible'"),
    (["--assets-option", "novalue"], "must look like KEY=VALUE"),
])
def test_bad_options_are_clear_errors(tmp_path, args, message):
    if "--assets-option" in args and "assets_option" not in inspect.signature(generate_command).parameters:
        pytest.skip("this generate has no --assets-option")
    prompts = _suite(tmp_path, ["a bedroom", "a kitchen"])
    result = runner.invoke(app, ["batch", str(prompts), "--out", str(tmp_path / "out"), *args])
    assert result.exit_code == 1, result.output
    assert message in _text(result) and "Traceback" not in result.output
    assert not (tmp_path / "out" / "batch_summary.json").exists()


@pytest.mark.parametrize(("content", "message"), [
    (b"", "holds no prompt: it is empty"),
    (b"\n \n# nothing\n", "holds no prompt"),
    (b"\xff\xfe\x00\x01\n", "all 1 lines were skipped (not valid UTF-8"),
])
def test_bad_prompt_files_are_clear_errors(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    result = runner.invoke(app, ["batch", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and message in _text(result) and "Traceback" not in result.output
    missing = runner.invoke(app, ["batch", str(tmp_path / "nope.txt"), "--out", str(tmp_path / "out")])
    assert missing.exit_code == 1 and "does not exist" in _text(missing)


def test_a_failing_episode_gives_exit_code_2_and_is_listed(tmp_path):
    prompts = _suite(tmp_path, ["a bedroom with a bed", "a kitchen with a fridge"])
    out = tmp_path / "out"
    # 3d-future without its dataset fails in every episode: recorded, then the batch stops (no --continue-on-error)
    result = runner.invoke(app, ["batch", str(prompts), "--out", str(out), "--assets", "3d-future", *QUICK])
    assert result.exit_code == 2, result.output
    assert "stopped after a failure" in _text(result) and "needs settings" in _text(result)
    assert [r.status for r in load_summary(out).episodes] == ["error", "pending"]
    go_on = runner.invoke(app, ["batch", str(prompts), "--out", str(out), "--resume", "--continue-on-error",
                                "--assets", "3d-future", *QUICK])
    assert go_on.exit_code == 2 and [r.status for r in load_summary(out).episodes] == ["error", "error"]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (exited, not yet reaped by its new parent) counts as gone
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(")")[-1].split()[0] != "Z"


@pytest.mark.slow
def test_kill_the_batch_mid_way_and_resume_loses_at_most_the_episodes_in_flight(tmp_path):
    lines = [f"a {room} with {what}" for room, what in [
        ("bedroom", "a bed and two nightstands"), ("kitchen", "a fridge and a stove"), ("study", "a desk and a bookshelf"),
        ("gym", "a treadmill and a bench"), ("office", "a desk and a filing cabinet"), ("bathroom", "a toilet and a sink"),
        ("dining room", "a table and four chairs"), ("living room", "a sofa and a tv stand")]]
    prompts = _suite(tmp_path, lines)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "agentscene", "batch", str(prompts), "--out", str(out), "--workers", "2",
           "--renderer", "none", "--turns", "3"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
                            cwd=tmp_path)
    deadline = time.monotonic() + 90
    summary = None
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            summary = load_summary(out)
        except ValueError:  # never: the file is replaced atomically
            raise
        if summary is not None and summary.counts.get("ok", 0) >= 2:
            break
        time.sleep(0.05)
    assert proc.poll() is None, proc.stderr.read().decode()
    os.kill(proc.pid, signal.SIGKILL)  # the batch process only: its workers must notice and go
    proc.wait(10)
    at_kill = load_summary(out)
    done = {r.index: r.finished_at for r in at_kill.episodes if r.status == "ok"}
    in_flight = [r for r in at_kill.episodes if r.status == "running"]
    assert len(done) >= 2 and len(in_flight) <= 2
    assert all(r.status in ("ok", "running", "pending") for r in at_kill.episodes)
    worker_pids = {int(r.worker.rsplit(":", 1)[1]) for r in at_kill.episodes if r.worker}
    assert worker_pids
    gone_by = time.monotonic() + 10
    while any(_alive(pid) for pid in worker_pids) and time.monotonic() < gone_by:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in worker_pids), "orphaned workers outlived the killed batch"

    resumed = subprocess.run([*cmd, "--resume"], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    final = load_summary(out)
    assert [r.status for r in final.episodes] == ["ok"] * len(lines) and final.finished
    # episodes finished before the kill were kept, not run again
    assert {r.index: r.finished_at for r in final.episodes if r.index in done} == done
    # workers may finish the episode they were on before they notice the batch is gone: also kept
    m = re.search(r"(\d+) to run, (\d+) already done", " ".join(resumed.stdout.split()))
    assert m and int(m.group(1)) + int(m.group(2)) == len(lines) and int(m.group(2)) >= len(done)
    os.killpg(proc.pid, signal.SIGKILL) if _alive(proc.pid) else None


def test_eval_batch_prints_the_metric_table_of_every_finished_episode(tmp_path):
    prompts = _suite(tmp_path, ["a bedroom with a bed and a wardrobe", "a kitchen with a fridge", "a gym with a treadmill"])
    out = tmp_path / "out"
    assert runner.invoke(app, ["batch", str(prompts), "--out", str(out), "--indices", "0,2", *QUICK]).exit_code == 0
    result = runner.invoke(app, ["eval", "--batch", str(out), "--no-feedback"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    summary = load_summary(out)
    for row in summary.episodes:
        assert row.name in result.output
    assert "mean of 2" in result.output and "001-" not in result.output
    as_json = runner.invoke(app, ["eval", "--batch", str(out), "--json"])
    reports = json.loads(as_json.output)
    assert [Path(r["scene"]).parent.name for r in reports] == [r.name for r in summary.episodes]
    assert [r["report"]["n_objects"] for r in reports] == [r.metrics.n_objects for r in summary.episodes]
    nothing = runner.invoke(app, ["eval", "--batch", str(tmp_path)])
    assert nothing.exit_code == 1 and "not a batch directory" in _text(nothing)
