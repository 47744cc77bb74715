"""The README's first command installs only `.[raster]`: the offline `generate` path must import
nothing outside the core dependencies, the raster extra and what they depend on.

The dev venv holds every extra, so a stray import (`import click` when typer no longer pulls
click in) passes every other test and fails only on a user's fresh machine. Here a subprocess
refuses any top-level module whose distribution is outside that closure, then runs generate.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _closure(requirements: list[str], extras: set[str]) -> set[str]:
    """Distribution names reachable from `requirements` (markers evaluated, no extras beyond `extras`)."""
    from packaging.requirements import Requirement

    seen: set[str] = set()
    todo = [(Requirement(r), extras) for r in requirements]
    while todo:
        req, wanted = todo.pop()
        env_ok = req.marker is None or any(req.marker.evaluate({"extra": e}) for e in (wanted or {""}))
        if not env_ok:
            continue
        name = re.sub(r"[-_.]+", "-", req.name).lower()
        if name in seen:
            continue
        seen.add(name)
        try:
            dist = metadata.distribution(req.name)
        except metadata.PackageNotFoundError:
            continue
        todo += [(Requirement(r), set(req.extras)) for r in dist.requires or []]
    return seen


def _allowed_modules() -> tuple[set[str], set[str]]:
    own = metadata.distribution("agentscene")
    core = [r for r in own.requires or [] if "extra ==" not in r]
    raster = [r.split(";")[0] for r in own.requires or [] if re.search(r"extra\s*==\s*['\"]raster['\"]", r)]
    allowed = _closure(core + raster, set())
    by_module = metadata.packages_distributions()
    blocked = {m for m, dists in by_module.items()
               if not any(re.sub(r"[-_.]+", "-", d).lower() in allowed for d in dists) and m != "agentscene"}
    return allowed, blocked


PROBE = r"""
import importlib.abc, sys, json
blocked = set(json.loads(sys.argv[1]))
class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in blocked:
            raise ModuleNotFoundError(f"{name} is not installed by '.[raster]'", name=name)
        return None
sys.meta_path.insert(0, Refuse())
import importlib.util
_find_spec = importlib.util.find_spec
def find_spec(name, package=None):  # an absent package is found as None, not an error
    return None if name.split(".")[0] in blocked else _find_spec(name, package)
importlib.util.find_spec = find_spec
from agentscene.cli import main
sys.argv = ["agentscene", "generate", "a cozy bedroom with two nightstands", "--out", sys.argv[2], "--turns", "3"]
main()
"""


def test_readme_generate_needs_only_the_core_and_raster_dependencies(tmp_path):
    _, blocked = _allowed_modules()
    assert {"torch", "bpy", "mujoco", "transformers"} <= blocked  # the dev venv's extras are really refused
    proc = subprocess.run([sys.executable, "-c", PROBE, json.dumps(sorted(blocked)), str(tmp_path)],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    run = tmp_path / "a-cozy-bedroom-with-two-nightstands"
    assert (run / "scene.json").is_file() and (run / "renders" / "turn_00_merged.png").is_file()
