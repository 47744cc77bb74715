"""Import every module of the agentscene package, each in a process of its own, and print JSON.

Run as a script by tests/test_imports.py. The parent imports the package root once and forks a
child per module, so each child starts from the state every fresh interpreter reaches first
(`import agentscene.x` always runs `agentscene/__init__` before `x`) and the whole run takes
seconds, not one interpreter start per module. Each child reports whether the import worked and
which heavy optional libraries it pulled in.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path

#: optional libraries the core must not import at module level (lazily, inside functions, is fine)
HEAVY = ("torch", "bpy", "moderngl", "mujoco", "transformers", "sentence_transformers", "ray", "pxr", "trl",
         "datasets", "accelerate", "vllm", "objaverse", "uvicorn", "starlette", "mcp", "verl", "swift")


def package_modules(root: Path) -> list[str]:
    out = []
    for path in sorted((root / "agentscene").rglob("*.py")):
        rel = path.relative_to(root).with_suffix("")
        if {"static", "data", "__pycache__"} & set(rel.parts):
            continue
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        out.append(".".join(parts))
    return out


def heavy_loaded() -> list[str]:
    return sorted(h for h in HEAVY if h in sys.modules)


def probe(module: str, out: Path) -> int:
    """Fork a child that imports `module` and writes its result to `out`; returns the child's pid."""
    pid = os.fork()
    if pid == 0:  # the child: import, report, leave without running atexit hooks or finalisers
        try:
            importlib.import_module(module)
            result = {"ok": True, "heavy": heavy_loaded()}
        except BaseException as e:  # reported to the parent, which decides
            result = {"ok": False, "error": f"{type(e).__name__}: {e}"[:2000],
                      "missing": e.name if isinstance(e, ModuleNotFoundError) else None}
        out.write_text(json.dumps(result))
        os._exit(0)
    return pid


def main() -> None:
    root, scratch = Path(sys.argv[1]), Path(sys.argv[2])
    skip = set(sys.argv[3:])
    import agentscene  # noqa: F401 - every fresh `import agentscene.x` runs this first

    modules = [m for m in package_modules(root) if m not in skip]
    running: dict[int, str] = {}
    todo = list(modules)
    workers = max(1, min(8, os.cpu_count() or 1))
    while todo or running:
        while todo and len(running) < workers:
            module = todo.pop(0)
            running[probe(module, scratch / module)] = module
        pid, _ = os.wait()
        running.pop(pid, None)
    results = {}
    for module in modules:
        path = scratch / module
        results[module] = json.loads(path.read_text()) if path.exists() else {
            "ok": False, "error": "the child died before reporting", "missing": None}
    print(json.dumps({"root_heavy": heavy_loaded(), "modules": results}))


if __name__ == "__main__":
    main()
