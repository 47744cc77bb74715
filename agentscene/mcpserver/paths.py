"""Confining client-given paths to the workdir: no `..`, no absolute paths elsewhere, no escaping symlinks."""

from __future__ import annotations

import os
from pathlib import Path


class PathRefused(ValueError):
    """A client asked for a path outside the workdir (or an unusable one); the message says why."""


def confine(workdir: Path, raw: str) -> Path:
    """Resolve `raw` against `workdir` and return it, or raise PathRefused when it leaves the workdir.

    Symlinks are resolved before the check, so a link inside the workdir that points outside is
    refused as well. The target need not exist (exports create files).
    """
    if not isinstance(raw, str) or not raw.strip():
        raise PathRefused("the path is empty; give a path relative to the workdir, e.g. scenes/bedroom.json")
    if "\x00" in raw:
        raise PathRefused("the path contains a NUL character")
    if len(raw) > 1024:
        raise PathRefused(f"the path is {len(raw)} characters long, over the 1024 limit")
    root = workdir.resolve()
    candidate = Path(os.path.expanduser(raw)) if raw.startswith("~") else Path(raw)
    if not candidate.is_absolute():
        candidate = root / candidate
    resolved = candidate.resolve()
    if resolved != root and root not in resolved.parents:
        raise PathRefused(
            f"{raw!r} is outside the server's workdir; only paths inside it are allowed "
            "(give a path relative to the workdir, without '..' leading out of it)"
        )
    return resolved


def relative_to_workdir(workdir: Path, path: Path) -> str:
    """How a path inside the workdir is shown to a client."""
    return path.resolve().relative_to(workdir.resolve()).as_posix()
