"""The Exporter protocol and its string registry (glb, usd, mjcf, blend, scene-eval)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from agentscene.exporters.parts import ExportScene
from agentscene.registry import Registry


class ExportError(ValueError):
    """An export could not be written: bad input, a missing extra, or the target library refused it."""


@runtime_checkable
class Exporter(Protocol):
    name: str
    suffix: str
    description: str

    def export(self, parts: ExportScene, path: Path, **settings: Any) -> Path:
        """Write the scene to `path` (atomically) and return it."""


@dataclass(frozen=True)
class ExporterInfo:
    name: str
    suffix: str
    description: str
    factory: Callable[[], Exporter]


EXPORTERS: Registry[ExporterInfo] = Registry("export format", error=ExportError)


def register_exporter(name: str, suffix: str, description: str, factory: Callable[[], Exporter], *,
                      replace: bool = False) -> None:
    EXPORTERS.register(name, ExporterInfo(name, suffix, description, factory), replace=replace)


def exporter_names() -> list[str]:
    return EXPORTERS.names()


def exporter_info(name: str) -> ExporterInfo:
    return EXPORTERS.get(name)


def get_exporter(name: str) -> Exporter:
    return exporter_info(name).factory()


def missing_extra(package: str, extra: str) -> ExportError:
    return ExportError(f"this export needs {package}: pip install 'agentscene[{extra}]'")


@contextmanager
def atomic_target(path: Path) -> Iterator[Path]:
    """A temporary path beside `path` (same suffix, so libraries pick the format from it) renamed over
    `path` when the block succeeds, removed when it fails. A symlink at `path` is written through;
    a pipe, device node or directory there is refused (UnsafePathError)."""
    from agentscene.fileio import resolve_target

    path = resolve_target(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp_path = path.with_name(f".{path.stem}.{os.getpid()}.{secrets.token_hex(4)}{path.suffix}")
    with open(tmp_path, "xb"):  # created with the usual permissions (mkstemp's are owner-only)
        pass
    try:
        yield tmp_path
        resolve_target(path)  # nothing special appeared at the target meanwhile
        os.replace(tmp_path, path)
    finally:
        tmp_path.unlink(missing_ok=True)
