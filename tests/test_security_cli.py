"""Attack suite, the CLI: markup in user text is printed literally, bad paths end in one line (items 7, 14, 16)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agentscene.cli import app
from agentscene.formats import save_scene
from agentscene.scene import Room, Scene, SceneObject

runner = CliRunner()
MARKUP = ["[/]", "[bold red]x[/bold red]", "[/bold]", "[link=file:///etc/passwd]y[/link]", "\\[/]", "[[/]]"]


def _scene(text: str) -> Scene:
    return Scene(
        room=Room(room_type=f"bedroom {text}", floor=((0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0))),
        objects=(SceneObject(id="bed_1", description=f"bed {text}", category="bed", size=(1.6, 0.5, 2.0),
                             position=(2.0, 0.0, 2.0)),),
        metadata={"prompt": f"a bedroom {text}"},
    )


def _no_traceback(result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output


@pytest.mark.parametrize("text", MARKUP)
def test_markup_in_scene_text_and_paths_is_printed_literally(tmp_path, text):
    folder = tmp_path / text.replace("/", "_")
    folder.mkdir()
    path = folder / f"scene {text.replace('/', '_')}.json"
    save_scene(_scene(text), path)
    ok = runner.invoke(app, ["validate", str(path)])
    _no_traceback(ok)
    assert ok.exit_code == 0 and f"bedroom {text}" in ok.output
    for args in (["eval", str(path), "--feedback"], ["convert", str(path), str(folder / "out.json"), "--to", "scenerevis"],
                 ["export", str(path), "--format", "mjcf", "--assets", "none", "--out", str(folder / "x.xml")]):
        result = runner.invoke(app, args)
        _no_traceback(result)
        assert result.exit_code == 0, result.output


def test_markup_in_errors_and_prompts_is_printed_literally(tmp_path):
    bad = tmp_path / "bad [bold].json"
    bad.write_text('{"room": {"room_type": "[/]", "floor": [[0, 0], [1, 0]]}, "objects": []}')
    result = runner.invoke(app, ["validate", str(bad)])
    _no_traceback(result)
    assert result.exit_code == 1 and "bad [bold].json" in result.output
    result = runner.invoke(app, ["convert", str(bad), str(tmp_path / "o.json"), "--to", "[/]"])
    _no_traceback(result)
    out = tmp_path / "gen"
    result = runner.invoke(app, ["generate", "a [/] bedroom [bold]with a bed", "--agent", "offline", "--turns", "1",
                                 "--out", str(out)])
    _no_traceback(result)
    assert result.exit_code in (0, 2), result.output
    assert "[/]" in result.output
    assert list(out.rglob("scene.json"))  # the run folder is complete


def test_bad_paths_end_in_one_line(tmp_path):
    scene = tmp_path / "s.json"
    save_scene(_scene("plain"), scene)
    (tmp_path / "fifo").parent.mkdir(exist_ok=True)
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "dir").mkdir()
    cases = [
        ["convert", str(scene), str(tmp_path / "dir")],  # output is a directory
        ["convert", str(scene), str(scene / "x.json")],  # a parent is a file
        ["convert", str(scene), str(tmp_path / "fifo")],  # output is a pipe
        ["convert", str(tmp_path / "dir"), str(tmp_path / "o.json")],  # input is a directory
        ["validate", str(tmp_path / "fifo")],  # would hang on read
        ["validate", "/dev/zero"],  # would read until MemoryError
        ["validate", str(tmp_path / "missing.json")],
        ["render", str(scene), "--out", str(scene / "x")],  # --out below a file
        ["schema", "--out", str(tmp_path / "dir")],
        ["eval", "/dev/zero"],
    ]
    for args in cases:
        result = runner.invoke(app, args)
        _no_traceback(result)
        assert result.exit_code != 0, args
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert 1 <= len(lines) <= 3, (args, result.output)
    assert Path(tmp_path / "fifo").is_fifo()


@pytest.mark.parametrize("prompt", ["a lamp \udcff room", "\ud83d", "bedroom \udc80\udc81"])
def test_prompts_that_cannot_be_encoded_are_refused_in_one_line(tmp_path, prompt):
    from agentscene.env import EnvConfig, SceneEnv, TaskError

    out = tmp_path / "gen"
    result = runner.invoke(app, ["generate", prompt, "--agent", "offline", "--turns", "1", "--out", str(out)])
    _no_traceback(result)
    assert result.exit_code == 1 and "surrogate" in result.output
    assert not out.exists() or not any(out.iterdir())  # no half-made run folder
    with pytest.raises(TaskError, match="surrogate"):
        SceneEnv(EnvConfig()).reset(seed=0, options={"prompt": prompt})
