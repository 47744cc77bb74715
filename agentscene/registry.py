"""Named registries: the one way a pluggable concern (renderers, asset backends, embedders, model
clients, reward terms, dialects, exporters, batch runners) maps a string from config or the CLI to
its implementation.

One overwrite rule everywhere: registering a taken name raises unless `replace=True`. One error for
an unknown name, listing the choices. Tests that register throwaway entries wrap them in
`registry.scoped()`, which puts the registry back as it was on exit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """Entries by name, in registration order. `kind` names the concern in messages ("renderer")."""

    def __init__(self, kind: str, *, error: type[Exception] = ValueError):
        self.kind = kind
        self.error = error
        self._entries: dict[str, T] = {}

    def register(self, name: str, entry: T, *, replace: bool = False) -> T:
        """Add `entry` under `name`; a taken name raises ValueError unless `replace=True`. Returns `entry`."""
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"a {self.kind} name must be a non-empty string, got {name!r}")
        if name in self._entries and not replace:
            raise ValueError(f"{self.kind} {name!r} is already registered (pass replace=True to override)")
        self._entries[name] = entry
        return entry

    def get(self, name: str) -> T:
        try:
            return self._entries[name]
        except KeyError:
            raise self.error(self.unknown(name)) from None

    def unknown(self, name: str) -> str:
        """The message for a name that is not registered."""
        return f"unknown {self.kind} {name!r}; choose from: {', '.join(self._entries) or '(none registered)'}"

    def names(self) -> list[str]:
        """Registered names in registration order."""
        return list(self._entries)

    def values(self) -> list[T]:
        return list(self._entries.values())

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    @contextmanager
    def scoped(self) -> Iterator[Registry[T]]:
        """Registrations and replacements made inside the block are undone when it exits."""
        saved = dict(self._entries)
        try:
            yield self
        finally:
            self._entries.clear()
            self._entries.update(saved)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {self.names()})"
