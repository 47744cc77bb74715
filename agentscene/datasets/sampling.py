"""Weighted sampling of distinct records from generator families: shared by actions and QA."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from typing import TypeVar

T = TypeVar("T")


def sample_distinct(
    generators: Mapping[str, Callable[[random.Random], T | None]],
    names: list[str] | None,
    weights: Mapping[str, int],
    n: int,
    rng: random.Random,
    *,
    key: Callable[[T], str],
    accept: Callable[[T], T | None] = lambda item: item,
    attempts: int = 8,
    what: str = "generators",
) -> list[T]:
    """Up to n items with distinct keys.

    Each slot draws a generator by weight and tries up to `attempts` candidates from it; one
    that keeps failing on this scene (no window to move a chair to, say) is dropped. `accept`
    checks a candidate and returns what to keep, or None to reject it.
    """
    chosen = names or list(generators)
    unknown = [name for name in chosen if name not in generators]
    if unknown:
        raise ValueError(f"unknown {what} {unknown}; known: {', '.join(generators)}")
    live = list(chosen)
    out: list[T] = []
    seen: set[str] = set()
    while len(out) < n and live:
        name = rng.choices(live, weights=[weights.get(g, 1) for g in live])[0]
        for _ in range(attempts):
            candidate = generators[name](rng)
            if candidate is None or key(candidate) in seen:
                continue
            kept = accept(candidate)
            if kept is None:
                continue
            seen.add(key(candidate))
            out.append(kept)
            break
        else:
            live.remove(name)
    return out
