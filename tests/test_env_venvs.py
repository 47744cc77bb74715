"""Private virtual environments for trainers that conflict with the main one (verl, ms-swift).

verl needs numpy 2 and ms-swift pins older trl/transformers, so their adapter tests run a
script inside a venv of their own under `.venvs/<name>` in the repository root (gitignored),
built once and reused while its requirements stay the same. torch is installed first, pinned
to the CPU build, so nothing pulls a CUDA build. agentscene itself is not installed there: the
script runs with the repository on PYTHONPATH, next to agentscene's light dependencies.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
VENVS = REPO / ".venvs"
TORCH = "torch==2.13.0"
#: pip output that means "cannot be had here" (skip), as opposed to a broken install (fail)
UNAVAILABLE = ("No matching distribution found", "Could not find a version that satisfies",
               "Failed to establish a new connection", "Temporary failure in name resolution", "Read timed out")


class VenvUnavailable(RuntimeError):
    """The trainer cannot be installed on this machine (the message has pip's reason)."""


def light_dependencies() -> list[str]:
    """agentscene's core dependencies, from pyproject.toml."""
    data = tomllib.loads((REPO / "pyproject.toml").read_text())
    return list(data["project"]["dependencies"])


def _key(groups: list[list[str]]) -> str:
    blob = json.dumps({"python": sys.version_info[:2], "torch": TORCH, "groups": groups, "light": light_dependencies()})
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _pip(python: Path, args: list[str], log: list[str]) -> None:
    cmd = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    log.append(f"$ {' '.join(args)}\n{proc.stdout[-2000:]}{proc.stderr[-4000:]}")
    if proc.returncode != 0:
        reason = next((line for line in proc.stderr.splitlines() if any(u in line for u in UNAVAILABLE)), None)
        if reason:
            raise VenvUnavailable(f"pip install {' '.join(args)}: {reason.strip()}")
        raise RuntimeError(f"pip install {' '.join(args)} failed:\n{proc.stderr[-4000:]}")


def trainer_venv(name: str, groups: list[list[str]]) -> tuple[Path, dict]:
    """The python of `.venvs/<name>` with torch (CPU), each group of requirements in order, and the light deps.

    Returns (python, info) where info has the build time in seconds (0 when reused).
    """
    VENVS.mkdir(exist_ok=True)
    home = VENVS / name
    python = home / "bin" / "python"
    marker = home / ".agentscene-venv.json"
    key = _key(groups)
    with open(VENVS / f".{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if marker.is_file() and json.loads(marker.read_text()).get("key") == key and python.is_file():
            return python, {"build_seconds": 0.0, "reused": True}
        start = time.monotonic()
        shutil.rmtree(home, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(home)], check=True, timeout=300)
        log: list[str] = []
        _pip(python, [TORCH], log)
        cuda = subprocess.run([str(python), "-c", "import torch; print(torch.version.cuda)"], capture_output=True, text=True,
                              check=True, timeout=300).stdout.strip()
        if cuda != "None":
            raise RuntimeError(f"{name} venv got a CUDA build of torch (cuda {cuda}); only the CPU build may be installed")
        for group in groups:
            _pip(python, group, log)
        _pip(python, light_dependencies(), log)
        seconds = time.monotonic() - start
        marker.write_text(json.dumps({"key": key, "build_seconds": round(seconds, 1), "groups": groups}))
        (home / "build.log").write_text("\n".join(log))
        return python, {"build_seconds": seconds, "reused": False}


def run_in_venv(python: Path, script: str, *args: str, timeout: float = 600) -> dict:
    """Run a script with the repository on PYTHONPATH; its last stdout line is JSON."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PYTHONPATH"] = str(REPO)
    proc = subprocess.run([str(python), "-c", script, *args], capture_output=True, text=True, timeout=timeout, env=env, cwd=REPO)
    if proc.returncode != 0:
        raise AssertionError(f"script failed in {python.parent.parent.name} (exit {proc.returncode}):\n{proc.stderr[-6000:]}")
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise AssertionError(f"script printed no JSON result:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return json.loads(lines[-1])


def venv_or_skip(name: str, groups: list[list[str]]) -> tuple[Path, dict]:
    try:
        return trainer_venv(name, groups)
    except VenvUnavailable as e:
        pytest.skip(f"{name} cannot be installed here, so its adapter is untested: {e}")


def test_venv_key_changes_with_requirements():
    a = _key([["verl==0.9.1"]])
    assert a == _key([["verl==0.9.1"]])
    assert a != _key([["verl==0.9.2"]])
    assert any(d.startswith("pydantic") for d in light_dependencies())
