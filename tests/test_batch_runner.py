"""run_batch on real worker processes: crashes (os._exit, a real segfault), failing prompts, fail-fast,
resume after an interrupt, skip-existing, a changed suite, and one run on a local Ray instance."""

from __future__ import annotations

import ctypes
import json
import os
from pathlib import Path

import pytest

from agentscene.batch import (
    BatchConfig,
    BatchExistsError,
    load_summary,
    plan_batch,
    run_batch,
    run_task,
)
from agentscene.batch.summary import SUMMARY_FILE
from agentscene.generate import GenerateConfig, generate

BASE = GenerateConfig(prompt="(batch)", renderer="none", turns=2)


def _episode_with_faults(task):
    """Runs the real episode, except that prompt markers make it fail in the ways the batch must survive."""
    import agentscene.generate as gen

    real = gen.generate

    def faulty(config, **kwargs):
        if "CRASH-EXIT" in config.prompt:
            os._exit(3)
        if "CRASH-SEGV" in config.prompt:
            ctypes.string_at(0)  # a real SIGSEGV in native code
        if "FAIL" in config.prompt:  # a real generate error: 3d-future without its dataset root
            config = config.model_copy(update={"assets": "3d-future"})
        return real(config, **kwargs)

    gen.generate = faulty
    try:
        return run_task(task)
    finally:
        gen.generate = real


def _suite(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "suite.txt"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def test_crashes_and_errors_are_recorded_and_the_batch_goes_on(tmp_path):
    prompts = _suite(tmp_path, ["a bedroom with a bed", "a kitchen CRASH-EXIT", "a study with a desk", "a gym CRASH-SEGV",
                                "an office FAIL", "a bathroom with a toilet"])
    out = tmp_path / "out"
    seen = []
    summary = run_batch(BatchConfig(prompts=prompts, out=out, workers=2, continue_on_error=True), BASE,
                        episode_fn=_episode_with_faults, on_update=lambda s, r: seen.append((r.index, r.status)))
    status = {r.index: r.status for r in summary.episodes}
    assert status == {0: "ok", 1: "crashed", 2: "ok", 3: "crashed", 4: "error", 5: "ok"}
    rows = {r.index: r for r in summary.episodes}
    assert "worker process died" in rows[1].error
    assert "Segmentation fault" in rows[3].error and "Segmentation fault" in rows[3].traceback
    assert rows[4].error.startswith("ValueError: asset backend '3d-future' needs settings")
    assert "Traceback" in rows[4].traceback
    # an innocent episode that was running when a worker died is re-run alone (resuming) and succeeds
    assert all(rows[i].attempts in (1, 2) for i in (0, 2, 5))
    for i in (0, 2, 5):
        assert json.loads((out / rows[i].name / "metrics.json").read_text())["finished"] is True
        assert rows[i].metrics.n_objects >= 1
    assert summary.finished and summary.counts == {"ok": 3, "crashed": 2, "error": 1}
    assert summary.aggregate.n_ok == 3 and summary.aggregate.n_failed == 3
    # the file on disk is the returned summary; every start and end was reported
    assert load_summary(out).model_dump() == summary.model_dump()
    assert {i for i, s in seen if s == "running"} == set(range(6))
    assert sorted(i for i, s in seen if s != "running") == list(range(6))
    assert not list((out / ".batch" / "faults").glob("*.log"))


def test_first_failure_stops_new_episodes_then_resume_finishes(tmp_path):
    prompts = _suite(tmp_path, ["a bedroom with a bed", "an office FAIL", "a study with a desk", "a kitchen with a fridge"])
    out = tmp_path / "out"
    batch = BatchConfig(prompts=prompts, out=out, workers=1)
    summary = run_batch(batch, BASE, episode_fn=_episode_with_faults)
    assert [r.status for r in summary.episodes] == ["ok", "error", "pending", "pending"]
    assert not summary.finished
    first = out / summary.episodes[0].name / "scene.json"
    stamp = first.stat().st_mtime_ns
    with pytest.raises(BatchExistsError, match="already holds a batch"):
        run_batch(batch, BASE)
    resumed = run_batch(batch.model_copy(update={"existing": "resume"}), BASE)  # the real run_task: no fault now
    assert [r.status for r in resumed.episodes] == ["ok"] * 4 and resumed.finished
    assert first.stat().st_mtime_ns == stamp  # the finished episode was kept, not re-run
    assert resumed.started_at == summary.started_at and resumed.wall_s >= summary.wall_s


def test_interrupt_stops_running_episodes_between_turns_and_resume_matches_an_uninterrupted_run(tmp_path):
    lines = ["a bedroom with a bed and two nightstands", "a living room with a sofa and a tv stand",
             "a dining room with a table and six chairs", "a study with a desk and a bookshelf"]
    prompts = _suite(tmp_path, lines)
    out = tmp_path / "out"
    batch = BatchConfig(prompts=prompts, out=out, workers=2)
    base = BASE.model_copy(update={"turns": 4})

    def interrupt_when_both_run(summary, row):  # Ctrl-C while two episodes are in flight
        if row.index == 1 and row.status == "running":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_batch(batch, base, on_update=interrupt_when_both_run)
    after = load_summary(out)
    statuses = [r.status for r in after.episodes]
    assert statuses[2:] == ["pending", "pending"] and not after.finished
    assert set(statuses[:2]) <= {"ok", "interrupted"} and "interrupted" in statuses
    for row in after.episodes[:2]:  # stopped between turns: completed turns are on disk
        if row.status == "interrupted":
            assert (out / row.name / "turns" / "turn_00.json").is_file()
            assert json.loads((out / row.name / "metrics.json").read_text())["stop_reason"] == "interrupted"
    resumed = run_batch(batch.model_copy(update={"existing": "resume"}), base)
    assert [r.status for r in resumed.episodes] == ["ok"] * 4
    # offline generation is deterministic, also across an interruption: same scenes as straight runs
    for row, prompt in zip(resumed.episodes, lines, strict=True):
        ref = generate(GenerateConfig(prompt=prompt, renderer="none", turns=4, out=tmp_path / "ref", name=row.name))
        assert (out / row.name / "scene.json").read_bytes() == Path(ref.paths["scene.json"]).read_bytes()


def test_skip_existing_leaves_unfinished_runs_alone(tmp_path):
    prompts = _suite(tmp_path, ["a bedroom with a bed", "a kitchen with a fridge", "a gym with a treadmill"])
    out = tmp_path / "out"
    plan = plan_batch(BatchConfig(prompts=prompts, out=out), BASE)
    unfinished = out / plan.summary.episodes[1].name
    (unfinished / "turns").mkdir(parents=True)
    (unfinished / "spec_used.json").write_text(json.dumps({"config": {"prompt": "a kitchen with a fridge"}}))
    other = out / plan.summary.episodes[2].name
    other.mkdir()
    (other / "spec_used.json").write_text(json.dumps({"config": {"prompt": "a different prompt"}}))
    with pytest.raises(BatchExistsError, match="2 of the selected run directories"):
        plan_batch(BatchConfig(prompts=prompts, out=out), BASE)
    summary = run_batch(BatchConfig(prompts=prompts, out=out, existing="skip", continue_on_error=True), BASE)
    rows = summary.episodes
    assert rows[0].status == "ok"
    assert rows[1].status == "skipped" and "unfinished run (no metrics.json)" in rows[1].error
    assert rows[2].status == "error" and "holds a run of another prompt" in rows[2].error
    assert sorted(p.name for p in unfinished.iterdir()) == ["spec_used.json", "turns"]


def test_plan_rejects_a_changed_suite_name_and_damaged_summary(tmp_path):
    prompts = _suite(tmp_path, ["a bedroom with a bed", "a kitchen with a fridge"])
    out = tmp_path / "out"
    run_batch(BatchConfig(prompts=prompts, out=out, indices="1"), BASE)
    _suite(tmp_path, ["a bedroom with a bed", "a bathroom with a tub"])
    with pytest.raises(ValueError, match="prompt file changed since this batch started: prompt #1"):
        plan_batch(BatchConfig(prompts=prompts, out=out, existing="resume"), BASE)
    with pytest.raises(ValueError, match="do not pass --name"):
        plan_batch(BatchConfig(prompts=prompts, out=tmp_path / "x"), BASE.model_copy(update={"name": "fixed"}))
    (out / SUMMARY_FILE).write_text('{"schema_version": 1, "episodes": "nope"}')
    with pytest.raises(ValueError, match="is not a batch summary this version can read"):
        plan_batch(BatchConfig(prompts=prompts, out=out, existing="resume"), BASE)


def test_resume_with_more_indices_keeps_earlier_rows(tmp_path):
    prompts = _suite(tmp_path, ["a bedroom with a bed", "a kitchen with a fridge", "a gym with a treadmill"])
    out = tmp_path / "out"
    run_batch(BatchConfig(prompts=prompts, out=out, indices="0"), BASE)
    summary = run_batch(BatchConfig(prompts=prompts, out=out, indices="2", existing="resume"), BASE)
    assert [(r.index, r.status) for r in summary.episodes] == [(0, "ok"), (2, "ok")]
    assert summary.indices == "0,2" and summary.aggregate.n_ok == 2


@pytest.mark.slow
def test_ray_backend_runs_the_same_episodes_on_a_local_ray(tmp_path):
    pytest.importorskip("ray")
    prompts = _suite(tmp_path, ["a bedroom with a bed", "a kitchen CRASH-EXIT", "a study with a desk"])
    out = tmp_path / "out"
    summary = run_batch(BatchConfig(prompts=prompts, out=out, workers=2, backend="ray", continue_on_error=True),
                        BASE.model_copy(update={"turns": 1}), episode_fn=_episode_with_faults)
    rows = summary.episodes
    assert [r.status for r in rows] == ["ok", "crashed", "ok"]
    assert "Ray worker running this episode died" in rows[1].error
    assert rows[0].metrics.n_objects >= 1 and (out / rows[2].name / "scene.json").is_file()
    assert load_summary(out).counts == {"ok": 2, "crashed": 1}


def _episode_leaking_the_key(task):
    import agentscene.generate as gen

    real = gen.generate

    def leaky(config, **kwargs):
        raise ValueError(f"the provider rejected key {config.api_key.get_secret_value()}")

    gen.generate = leaky
    try:
        return run_task(task)
    finally:
        gen.generate = real


def test_the_api_key_never_reaches_the_summary(tmp_path):
    key = "sk-test-DO-NOT-LEAK-1234567890"
    prompts = _suite(tmp_path, ["a bedroom with a bed"])
    out = tmp_path / "out"
    base = BASE.model_copy(update={"agent": "openai-compatible", "api_key": key})
    summary = run_batch(BatchConfig(prompts=prompts, out=out), base, episode_fn=_episode_leaking_the_key)
    row = summary.episodes[0]
    assert row.status == "error" and row.error == "ValueError: the provider rejected key ***"
    assert key not in row.traceback and "***" in row.traceback
    text = (out / SUMMARY_FILE).read_text()
    assert key not in text and '"api_key"' not in text and summary.config["agent"] == "openai-compatible"
