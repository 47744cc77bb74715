"""Scene dialects: one protocol and a string registry, so new formats register and nothing else changes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agentscene.scene import Scene


@dataclass(frozen=True)
class Dialect:
    """How to recognise, read and write one scene JSON dialect."""

    name: str
    detect: Callable[[dict[str, Any]], bool]
    load: Callable[[dict[str, Any]], Scene]
    dump: Callable[[Scene], dict[str, Any]] | None = None  # None: import only
    description: str = ""


_DIALECTS: dict[str, Dialect] = {}


def register_dialect(dialect: Dialect, *, replace: bool = False) -> None:
    if dialect.name in _DIALECTS and not replace:
        raise ValueError(f"dialect {dialect.name!r} is already registered")
    _DIALECTS[dialect.name] = dialect


def get_dialect(name: str) -> Dialect:
    try:
        return _DIALECTS[name]
    except KeyError:
        raise ValueError(f"unknown dialect {name!r}; known: {', '.join(dialect_names())}") from None


def dialect_names() -> list[str]:
    return list(_DIALECTS)


def detect_dialect(data: dict[str, Any]) -> str | None:
    """The first registered dialect whose detector accepts the dict (registration order)."""
    for dialect in _DIALECTS.values():
        if dialect.detect(data):
            return dialect.name
    return None
