"""Task rows (`agentscene rl dataset`) and SFT export (`agentscene rl export-sft`) on real files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from agentscene.cli import app
from agentscene.env import SceneEnv, SceneTask, TaskError, build_rows, task_from_row, task_row
from agentscene.env.sft import RunDirError, to_sample
from tests.conftest import SCENE_DIR

runner = CliRunner()
BED_CALL = {"name": "add_object", "arguments": {"description": "oak bed", "position": [2, 0, 2], "yaw": 0, "size": [1.6, 1, 2]}}


def test_task_from_prompt_parses_room_and_key_objects():
    t = SceneTask.from_prompt("  A bright living room with two sofas, a coffee table and no TV  ")
    assert t.prompt.startswith("A bright") and t.room_type == "living_room"
    assert t.key_objects == ("sofa", "coffee_table") and t.excluded == ("tv",)
    assert t.task_id == SceneTask.from_prompt("a bright living room with two sofas, a coffee table and no tv").task_id
    assert SceneTask.from_json(t.to_json()) == t
    from agentscene.limits import DEFAULT_LIMITS

    with pytest.raises(TaskError, match="over the 200000 limit"):
        SceneTask.from_prompt("x" * (DEFAULT_LIMITS.prompt_chars + 1))
    long = SceneTask.from_prompt("a bedroom with a bed. " + "x" * 5000)  # read up to Limits.brief_chars, not refused
    assert long.room_type == "bedroom" and "bed" in long.key_objects
    with pytest.raises(TaskError, match="not a valid agentscene task"):
        SceneTask.from_json('{"task_id": "a"}')
    with pytest.raises(Exception, match="frozen"):
        t.prompt = "changed"  # type: ignore[misc]


@pytest.mark.parametrize("fmt", ["trl", "verl", "ms-swift"])
def test_rows_round_trip_to_the_same_task_and_opening_message(fmt):
    row = build_rows(["a cozy bedroom with a bed"], fmt)[0]
    json.dumps(row)  # plain JSON
    task = task_from_row(row)
    assert task.initial_scene is not None and task.initial_scene.room.room_type == "bedroom"
    messages = row.get("prompt") or row.get("messages")
    env = SceneEnv()
    obs, _ = env.reset(options={"row": row})
    assert messages[-1]["content"] == obs  # the row's prompt is exactly what the env would say


def test_row_errors_and_unknown_format():
    with pytest.raises(TaskError, match="no task"):
        task_from_row({"prompt": []})
    with pytest.raises(TaskError):
        task_from_row([1, 2])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown row format"):
        task_row(SceneTask.from_prompt("a bedroom"), "csv")  # type: ignore[arg-type]


def test_dataset_command_writes_rows(tmp_path):
    (tmp_path / "a.txt").write_text("# bedrooms\na cozy bedroom with a bed\n\na cozy bedroom with a bed\nan office with a desk\n")
    out = tmp_path / "train.jsonl"
    res = runner.invoke(app, ["rl", "dataset", str(tmp_path / "a.txt"), "--out", str(out), "--format", "verl"])
    assert res.exit_code == 0, res.output
    assert "wrote 2 task row(s)" in res.output and "1 duplicate" in res.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["extra_info"]["index"] for r in rows] == [0, 1] and rows[1]["agent_name"] == "agentscene_agent"
    res = runner.invoke(app, ["rl", "dataset", str(tmp_path / "a.txt"), "--out", str(out), "--scene",
                              str(SCENE_DIR / "office_open.json"), "--protocol", "text"])
    assert res.exit_code == 0, res.output
    row = json.loads(out.read_text().splitlines()[0])
    assert "<tool_calls>" in row["prompt"][0]["content"] and task_from_row(row).initial_scene.objects


@pytest.mark.parametrize("args, message", [
    (["--format", "csv"], "unknown --format"),
    (["--protocol", "yaml"], "unknown --protocol"),
])
def test_dataset_command_rejects_bad_options(tmp_path, args, message):
    (tmp_path / "p.txt").write_text("a bedroom\n")
    res = runner.invoke(app, ["rl", "dataset", str(tmp_path / "p.txt"), "--out", str(tmp_path / "o.jsonl"), *args])
    assert res.exit_code == 1 and message in res.output


def test_dataset_command_reports_bad_files(tmp_path):
    (tmp_path / "empty.txt").write_text("# nothing\n\n")
    (tmp_path / "bin.txt").write_bytes(b"\xff\xfe\x00bad")
    out = str(tmp_path / "o.jsonl")
    for name, message in (("empty.txt", "no prompt"), ("bin.txt", "not UTF-8"), ("missing.txt", "no such prompt file")):
        res = runner.invoke(app, ["rl", "dataset", str(tmp_path / name), "--out", out])
        assert res.exit_code == 1 and message in res.output
    (tmp_path / "p.txt").write_text("a bedroom\n")
    (tmp_path / "bad.json").write_text("{")
    res = runner.invoke(app, ["rl", "dataset", str(tmp_path / "p.txt"), "--out", out, "--scene", str(tmp_path / "bad.json")])
    assert res.exit_code == 1


# -- SFT export --------------------------------------------------------------------------------


def _png(path: Path, color=(200, 10, 10)) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (8, 8), color).save(path)


def _run_with_conversation(root: Path) -> Path:
    run = root / "bedroom_run"
    _png(run / "renders" / "turn_00_merged.png")
    _png(run / "renders" / "turn_01_merged.png", (10, 200, 10))
    messages = [
        {"role": "system", "content": "You design rooms."},
        {"role": "user", "content": [{"type": "image", "image": "renders/turn_00_merged.png"}, {"type": "text", "text": "Design a bedroom."}]},
        {"role": "assistant", "content": "<think>bed</think><tool_calls>[{\"name\": \"add_object\"}]</tool_calls>"},
        {"role": "user", "content": "Tool results: ok", "images": ["renders/turn_01_merged.png"]},
        {"role": "assistant", "content": "", "tool_calls": [{"id": "c1", "type": "function",
                                                               "function": {"name": "terminate", "arguments": "{\"reason\": \"done\"}"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "Episode finished: done"},
    ]
    run.mkdir(exist_ok=True)
    (run / "conversation.jsonl").write_text("".join(json.dumps(m) + "\n" for m in messages))
    return run


def test_export_ms_swift_scenechain_layout(tmp_path):
    run = _run_with_conversation(tmp_path)
    sample = to_sample(run, "ms-swift")
    roles = [m["role"] for m in sample["messages"]]
    assert roles == ["system", "user", "assistant", "user", "tool_call", "tool_response"]
    assert sample["messages"][1]["content"] == "<image>Design a bedroom."
    assert sample["messages"][3]["content"] == "<image>\nTool results: ok"
    assert json.loads(sample["messages"][4]["content"]) == {"name": "terminate", "arguments": {"reason": "done"}}
    assert [Path(p).name for p in sample["images"]] == ["turn_00_merged.png", "turn_01_merged.png"]
    assert all(Path(p).is_absolute() and Path(p).is_file() for p in sample["images"])
    assert sum(m["content"].count("<image>") for m in sample["messages"]) == len(sample["images"])
    assert json.loads(sample["tools"])[0]["function"]["name"] == "add_object"


def test_export_trl_layout(tmp_path):
    sample = to_sample(_run_with_conversation(tmp_path), "trl")
    user = sample["messages"][1]
    assert user["content"] == [{"type": "image"}, {"type": "text", "text": "Design a bedroom."}]
    assert sample["messages"][3]["content"][0] == {"type": "image"}
    call = sample["messages"][4]["tool_calls"][0]
    assert call == {"type": "function", "function": {"name": "terminate", "arguments": {"reason": "done"}}}
    assert sample["messages"][5]["tool_call_id"] == "c1" and isinstance(sample["tools"], list)
    n_parts = sum(1 for m in sample["messages"] for p in m["content"] if p["type"] == "image")
    assert n_parts == len(sample["images"]) == 2


def test_export_refuses_turn_files_without_messages(tmp_path):
    # turn files written by the loop hold their messages (tests/test_protocol.py rebuilds a real run);
    # a hand-made one without them is a clear error, not a chat re-rendered in another layout
    run = tmp_path / "run2"
    (run / "turns").mkdir(parents=True)
    scene = json.loads((SCENE_DIR / "bedroom_basic.json").read_text())
    (run / "turns" / "turn_01.json").write_text(json.dumps({"scene": scene, "tool_calls": [BED_CALL], "think": "add the bed"}))
    with pytest.raises(RunDirError, match="no messages list"):
        to_sample(run, "ms-swift")


@pytest.mark.parametrize("setup, message", [
    (lambda run: None, "neither conversation.jsonl nor turns"),
    (lambda run: (run / "conversation.jsonl").write_text("{not json\n"), "not JSON"),
    (lambda run: (run / "conversation.jsonl").write_text('{"role": "wizard", "content": "x"}\n'), "needs a role"),
    (lambda run: (run / "conversation.jsonl").write_text('{"role": "user", "content": "x"}\n'), "no assistant"),
    (lambda run: (run / "conversation.jsonl").write_text(
        '{"role": "user", "content": [{"type": "image", "image": "../../etc/passwd"}]}\n{"role": "assistant", "content": "x"}\n'),
     "outside the run directory"),
    (lambda run: (run / "conversation.jsonl").write_text(
        '{"role": "user", "content": "x", "images": ["renders/missing.png"]}\n{"role": "assistant", "content": "x"}\n'), "does not exist"),
    (lambda run: (run / "conversation.jsonl").write_text(
        '{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://x/y.png"}}]}\n{"role": "assistant", "content": "x"}\n'),
     "not a file in the run directory"),
    (lambda run: (run / "conversation.jsonl").write_text(
        '{"role": "assistant", "content": "", "tool_calls": [{"function": {"arguments": "{}"}}]}\n'), "malformed"),
])
def test_export_bad_runs_are_clear_errors(tmp_path, setup, message):
    run = tmp_path / "bad"
    run.mkdir()
    setup(run)
    with pytest.raises(RunDirError, match=message):
        to_sample(run)


def test_export_sft_command(tmp_path):
    good = _run_with_conversation(tmp_path)
    bad = tmp_path / "empty_run"
    bad.mkdir()
    out = tmp_path / "sft.jsonl"
    res = runner.invoke(app, ["rl", "export-sft", str(good), str(bad), "--format", "trl", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "wrote 1 sample(s) with 2 image(s)" in res.output and "1 run(s) skipped" in res.output and "empty_run" in res.output
    assert json.loads(out.read_text())["messages"][0]["role"] == "system"
    res = runner.invoke(app, ["rl", "export-sft", str(bad), "--out", str(out)])
    assert res.exit_code == 1 and "no run could be exported" in res.output
    res = runner.invoke(app, ["rl", "export-sft", str(good), "--out", str(out), "--format", "sharegpt"])
    assert res.exit_code == 1 and "unknown --format" in res.output
