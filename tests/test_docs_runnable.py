"""Every fenced block in README.md and docs/*.md marked `<!-- runnable -->` runs as written.

Shell blocks run with `bash -euo pipefail` in an empty directory, with `agentscene` meaning this
checkout's package; Python blocks run with this interpreter there. Keep the marked set small and
quick: these are the commands a new user copies first.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MARKER = "<!-- runnable -->"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)


def runnable_blocks() -> list[tuple[str, str, str]]:
    """(where, language, code) of every block whose fence follows the marker line."""
    blocks = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = doc.read_text("utf-8")
        for n, line in enumerate(text.splitlines(keepends=True)):
            if line.strip() != MARKER:
                continue
            start = sum(len(x) for x in text.splitlines(keepends=True)[: n + 1])
            fence = FENCE.match(text, start)
            assert fence is not None, f"{doc.name}:{n + 1}: {MARKER} must be followed directly by a fenced block"
            blocks.append((f"{doc.relative_to(ROOT)}:{n + 2}", fence.group(1), fence.group(2)))
    return blocks


BLOCKS = runnable_blocks()


def test_the_marked_set_is_small_and_covers_the_readme():
    assert 3 <= len(BLOCKS) <= 8
    assert any(where.startswith("README.md") and lang == "python" for where, lang, _ in BLOCKS)
    assert all(lang in ("bash", "python") for _, lang, _ in BLOCKS)


@pytest.mark.parametrize(("where", "lang", "code"), BLOCKS, ids=[b[0] for b in BLOCKS])
def test_runnable_block(where, lang, code, tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "agentscene"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m agentscene "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IEXEC)
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
           "COLUMNS": "100", "HOME": str(tmp_path)}
    command = ["bash", "-euo", "pipefail", "-c", code] if lang == "bash" else [sys.executable, "-c", code]
    done = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{where} failed:\n{done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stderr, f"{where}:\n{done.stderr}"
