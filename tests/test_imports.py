"""Import health: every module imports on its own, the core pulls in no heavy optional library at
import time, production code never imports the test doubles at module level, and module-level
imports respect the package's layers (lazy imports inside functions are exempt)."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .import_probe import package_modules

ROOT = Path(__file__).resolve().parent.parent

#: plugin modules a trainer loads itself: they subclass its classes, so they need it at import
TRAINER_PLUGINS = {"agentscene.env.ms_swift": "swift", "agentscene.env.verl.agent_loop": "verl",
                   "agentscene.env.verl.tools": "verl"}
#: modules allowed to import a heavy optional library at module level (none today)
HEAVY_AT_IMPORT: dict[str, set[str]] = {}

#: Layers, lowest first. A module may import, at module level, modules of its own layer or below.
#: scene <- tools <- rewards/renderers/assets <- agents <- loop <- batch/env/mcp <- commands
LAYERS: list[set[str]] = [
    {"limits", "fileio", "geometry", "categories", "registry", "interrupts", "run_dir", "scene", "scene_inputs",
     "meshes", "scene_meshes", "palette", "protocol", "formats", "brief"},
    {"tools"},
    {"rewards", "renderers", "assets", "exporters", "evaluator", "viewer", "datasets"},
    {"agents", "critics", "tasks"},
    {"loop"},
    {"env", "batch", "mcpserver", "generate", "generate_config", "report"},
    {"commands", "cli", "__main__"},
]
LAYER_OF = {name: k for k, names in enumerate(LAYERS) for name in names}
#: the public facade (agentscene/__init__) and the test doubles sit outside the layers
OUTSIDE = {"", "testing"}


def _area(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _module_level_imports(path: Path, module: str) -> list[tuple[str, int]]:
    """Absolute names imported when the module is imported (skips function bodies and TYPE_CHECKING)."""
    is_pkg = path.name == "__init__.py"
    out: list[tuple[str, int]] = []

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.If):
                test = node.test
                if getattr(test, "id", None) == "TYPE_CHECKING" or getattr(test, "attr", None) == "TYPE_CHECKING":
                    visit(node.orelse)
                    continue
                visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)
                for handler in node.handlers:
                    visit(handler.body)
                visit(node.orelse)
                visit(node.finalbody)
            elif isinstance(node, ast.With):
                visit(node.body)
            elif isinstance(node, ast.Import):
                out.extend((alias.name, node.lineno) for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = module.split(".") if is_pkg else module.split(".")[:-1]
                    base = base[: len(base) - node.level + 1]
                    name = ".".join(base + ([node.module] if node.module else []))
                else:
                    name = node.module or ""
                out.append((name, node.lineno))
                out.extend((f"{name}.{alias.name}", node.lineno) for alias in node.names)

    visit(ast.parse(path.read_text(encoding="utf-8")).body)
    return out


def _module_path(module: str) -> Path:
    base = ROOT.joinpath(*module.split("."))
    return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


MODULES = package_modules(ROOT)


def _package_imports() -> dict[str, set[tuple[str, int]]]:
    known = set(MODULES)
    out: dict[str, set[tuple[str, int]]] = {}
    for module in MODULES:
        targets = set()
        for name, line in _module_level_imports(_module_path(module), module):
            if name.split(".")[0] != "agentscene":
                continue
            while name and name not in known:  # `from agentscene.x import y`: y may be a name, not a module
                name = name.rpartition(".")[0]
            if name and name != module:
                targets.add((name, line))
        out[module] = targets
    return out


IMPORTS = _package_imports()


def test_every_module_imports_on_its_own_without_heavy_optional_libraries(tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / "tests" / "import_probe.py"), str(ROOT), str(tmp_path),
                           "agentscene.__main__"], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout)
    assert report["root_heavy"] == [], "import agentscene loads heavy optional libraries"
    assert len(report["modules"]) == len(MODULES) - 1
    problems = []
    for module, result in report["modules"].items():
        if not result["ok"]:
            if result["missing"] and result["missing"].split(".")[0] == TRAINER_PLUGINS.get(module):
                continue  # the trainer is not installed here; it imports its own plugin
            problems.append(f"{module}: {result['error']}")
        elif set(result["heavy"]) - HEAVY_AT_IMPORT.get(module, set()):
            problems.append(f"{module} imports {', '.join(result['heavy'])} at module level")
    assert not problems, "\n".join(problems)


def test_every_area_has_a_layer():
    areas = {_area(m) for m in MODULES} - OUTSIDE
    assert not areas - LAYER_OF.keys(), f"give these a layer in LAYERS: {sorted(areas - LAYER_OF.keys())}"


def test_production_code_never_imports_the_test_doubles_at_module_level():
    bad = [f"{m}:{line} imports {t}" for m, targets in IMPORTS.items() if _area(m) != "testing"
           for t, line in targets if _area(t) == "testing"]
    assert not bad, "\n".join(bad)


def test_module_level_imports_point_down_the_layers():
    bad = []
    for module, targets in IMPORTS.items():
        if _area(module) in OUTSIDE:
            continue
        for target, line in targets:
            if _area(target) in OUTSIDE:
                continue
            if LAYER_OF[_area(target)] > LAYER_OF[_area(module)]:
                bad.append(f"{module}:{line} imports {target} (layer {LAYER_OF[_area(target)]} > "
                           f"{LAYER_OF[_area(module)]}): move the code where it belongs or import it lazily")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize(("module", "expected"), [
    ("agentscene.loop", {"agentscene.tasks", "agentscene.scene"}),
    ("agentscene.commands.batch_progress", {"agentscene.batch.summary", "agentscene.commands"}),
])
def test_the_import_reader_sees_real_imports(module, expected):
    assert expected <= {t for t, _ in IMPORTS[module]}
