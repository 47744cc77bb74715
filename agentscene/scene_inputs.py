"""What a path on the command line names: a scene file, a run directory, a batch directory or a folder.

Every command that reads scenes (`eval`, `judge`, `render`, `data ...`, `export`) or runs
(`rl export-sft`) resolves its paths here, so each accepts the same things and names rows the
same way:

- a scene file: the file, named after its stem;
- a run directory (`agentscene generate`): its final `scene.json`, named after the directory, so
  rows read `a-cozy-bedroom`, not `scene`; `scene_scenerevis.json`, `metrics.json` and
  `spec_used.json` are never read as scenes;
- a batch directory (`batch_summary.json`): the scene of every finished episode, in index order,
  named after each episode's run directory;
- any other directory: its `*.json` scene files and the run directories directly inside it.

Bad paths are returned as one-line problems; the caller decides whether a problem is fatal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

#: the final scene of a run directory (agentscene.run_dir writes it)
RUN_SCENE = "scene.json"


@dataclass(frozen=True)
class SceneInput:
    """One scene to read: `name` labels its rows and records; `run_dir`/`batch_dir` say where it came from."""

    name: str
    path: Path
    run_dir: Path | None = None
    batch_dir: Path | None = None


#: files only a run directory holds (agentscene.run_dir writes them)
RUN_MARKERS = ("metrics.json", "spec_used.json", "conversation.jsonl")


def is_run_dir(path: Path) -> bool:
    """A directory `agentscene generate` wrote: turns/, metrics.json, spec_used.json or conversation.jsonl inside."""
    return path.is_dir() and ((path / "turns").is_dir() or any((path / name).is_file() for name in RUN_MARKERS))


def is_batch_dir(path: Path) -> bool:
    from agentscene.batch.summary import SUMMARY_FILE

    return path.is_dir() and (path / SUMMARY_FILE).is_file()


def _run_scene(run: Path, batch: Path | None = None) -> tuple[SceneInput | None, str | None]:
    scene = run / RUN_SCENE
    if scene.is_file():
        return SceneInput(run.name, scene, run_dir=run, batch_dir=batch), None
    return None, (f"{run} is a run directory without {RUN_SCENE} yet: it has not finished "
                  "(continue it with agentscene generate ... --resume)")


def _batch_runs(batch: Path) -> tuple[list[Path], list[str]]:
    from agentscene.batch.summary import finished_scenes

    try:
        finished = finished_scenes(batch)
    except ValueError as e:  # a damaged summary
        return [], [str(e)]
    if not finished:
        return [], [f"{batch} is a batch directory with no finished episode yet"]
    return [scene.parent for _, scene in finished], []


def scene_inputs(paths: Iterable[str | Path]) -> tuple[list[SceneInput], list[str]]:
    """The scenes the paths name, in order, and a one-line problem for each path that names none."""
    inputs: list[SceneInput] = []
    problems: list[str] = []
    for path in map(Path, paths):
        if not path.exists():
            problems.append(f"{path}: file not found")
        elif path.is_file():
            inputs.append(SceneInput(path.stem, path))
        elif is_batch_dir(path):
            runs, trouble = _batch_runs(path)
            problems += trouble
            for run in runs:
                found, problem = _run_scene(run, path)
                inputs += [found] if found else []
                problems += [problem] if problem else []
        elif is_run_dir(path):
            found, problem = _run_scene(path)
            inputs += [found] if found else []
            problems += [problem] if problem else []
        else:
            files = sorted(path.glob("*.json"))
            runs = sorted(p for p in path.iterdir() if is_run_dir(p))
            for file in files:
                inputs.append(SceneInput(file.stem, file))
            for run in runs:
                found, _ = _run_scene(run)  # an unfinished run beside others is simply not a scene yet
                inputs += [found] if found else []
            if not files and not runs:
                problems.append(f"{path} holds no scene files (*.json) and no run directories")
    return inputs, problems


def run_dirs(paths: Iterable[str | Path]) -> tuple[list[Path], list[str]]:
    """The run directories the paths name: run directories as given, batch directories expanded to
    their finished episodes, other directories to the run directories directly inside them."""
    runs: list[Path] = []
    problems: list[str] = []
    for path in map(Path, paths):
        if not path.is_dir():
            problems.append(f"{path} is not a run or batch directory" if path.exists() else f"{path}: directory not found")
        elif is_batch_dir(path):
            found, trouble = _batch_runs(path)
            runs += found
            problems += trouble
        elif is_run_dir(path):
            runs.append(path)
        else:
            inside = sorted(p for p in path.iterdir() if is_run_dir(p))
            runs += inside
            if not inside:
                problems.append(f"{path} is not a run directory (no turns/, metrics.json or conversation.jsonl) and holds none")
    return runs, problems
