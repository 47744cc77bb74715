"""Atomic file writes: a reader never sees a half-written file, a crash never leaves one.

Writes replace a regular file or create one; they never replace anything else. A symlink at the
target is written through (its target is replaced and the link stays), a FIFO, device node,
socket or directory at the target is refused, and with `within=` a target whose real path
leaves that folder (through `..` or a symlink) is refused. Refusals are `UnsafePathError`.
"""

from __future__ import annotations

import json
import logging
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

from agentscene.limits import repair_text

_log = logging.getLogger(__name__)


class UnsafePathError(OSError):
    """A write that would replace something other than a regular file, or leave its folder."""


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def resolve_target(path: str | os.PathLike[str], within: str | os.PathLike[str] | None = None) -> Path:
    """The real path a write to `path` lands on, or UnsafePathError.

    Symlinks (also dangling ones, and chains) are followed to their target; the result must be a
    regular file or not exist yet, and lie inside `within` (its real path) when that is given.
    """
    target = Path(path)
    real = Path(os.path.realpath(target))
    if within is not None:
        folder = Path(os.path.realpath(within))
        if not _inside(real, folder):
            shown = f"{target} (a link to {real})" if real != target.absolute() else str(target)
            raise UnsafePathError(f"refusing to write {shown}: it is outside {folder}")
    try:
        st = os.stat(real)
    except FileNotFoundError:
        return real
    except NotADirectoryError:
        raise UnsafePathError(f"cannot write {target}: a parent of it is a file, not a folder") from None
    if stat.S_ISDIR(st.st_mode):
        raise UnsafePathError(f"cannot write {target}: it is a directory; give a file name")
    if not stat.S_ISREG(st.st_mode):
        raise UnsafePathError(f"refusing to write {target}: it is a pipe, device or socket, not a regular file")
    return real


def atomic_write_bytes(
    path: str | os.PathLike[str], data: bytes, *, fsync: bool = True, within: str | os.PathLike[str] | None = None
) -> Path:
    """Write `data` to a temp file beside the real target of `path`, then rename it over the target.

    With `fsync=True` the data reaches the disk before the rename, so even an OS crash leaves
    the old or the new file. `fsync=False` still survives a killed process (the rename is
    atomic and the page cache outlives it) and saves ~10 ms per write on a busy disk, which
    interactive servers want. Returns `path` as given (a symlink stays a symlink).
    """
    given = Path(path)
    real = resolve_target(given, within)
    try:
        real.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise UnsafePathError(f"cannot write {given}: a parent of it is a file, not a folder") from None
    try:
        st = os.stat(real)
        mode = st.st_mode & 0o777
    except FileNotFoundError:
        mode = 0o644  # mkstemp makes 0600 files; keep an existing file's mode, else the usual 0644
    fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".tmp", dir=real.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if fsync:
                fh.flush()
                os.fsync(fh.fileno())
        resolve_target(real, within)  # nothing special appeared at the target meanwhile
        os.replace(tmp, real)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return given


def atomic_write_text(path: str | os.PathLike[str], text: str, *, fsync: bool = True,
                      within: str | os.PathLike[str] | None = None) -> Path:
    """Write UTF-8 text atomically.

    Scenes and tool arguments refuse unencodable text where it enters; what still carries some
    (a model's raw reply in a log) is written with each lone surrogate replaced by U+FFFD, and
    a warning says so, rather than losing the whole file.
    """
    text, repaired = repair_text(text)
    if repaired:
        _log.warning("%s: replaced unpaired UTF-16 surrogates with U+FFFD (UTF-8 cannot store them)", path)
    return atomic_write_bytes(path, text.encode("utf-8"), fsync=fsync, within=within)


def atomic_write_json(path: str | os.PathLike[str], data: Any, indent: int | None = 2, *, fsync: bool = True,
                      within: str | os.PathLike[str] | None = None) -> Path:
    text = json.dumps(data, indent=indent, ensure_ascii=False, allow_nan=False)
    return atomic_write_text(path, text + "\n", fsync=fsync, within=within)
