"""Scene dialects: one protocol and a string registry, so new formats register and nothing else changes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agentscene.registry import Registry
from agentscene.scene import Scene


@dataclass(frozen=True)
class Dialect:
    """How to recognise, read and write one scene JSON dialect."""

    name: str
    detect: Callable[[dict[str, Any]], bool]
    load: Callable[[dict[str, Any]], Scene]
    dump: Callable[[Scene], dict[str, Any]] | None = None  # None: import only
    description: str = ""


DIALECTS: Registry[Dialect] = Registry("dialect")


def register_dialect(dialect: Dialect, *, replace: bool = False) -> None:
    DIALECTS.register(dialect.name, dialect, replace=replace)


def get_dialect(name: str) -> Dialect:
    return DIALECTS.get(name)


def dialect_names() -> list[str]:
    return DIALECTS.names()


def detect_dialect(data: dict[str, Any]) -> str | None:
    """The first registered dialect whose detector accepts the dict (registration order)."""
    for dialect in DIALECTS.values():
        if dialect.detect(data):
            return dialect.name
    return None
