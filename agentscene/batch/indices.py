"""`--indices 0-9,20,30-39`: which prompts of a suite to run.

Inclusive ranges and single indices, comma separated, in any order; repeats are merged. A
reversed range (`5-2`), a negative or non-numeric part, or an index past the end of the suite is
an error that says which part is wrong and how many prompts the suite has.
"""

from __future__ import annotations

import re

_PART = re.compile(r"^(\d{1,9})(?:\s*-\s*(\d{1,9}))?$")


class IndexSpecError(ValueError):
    """A malformed or out-of-range --indices value."""


def parse_indices(spec: str | None, count: int) -> list[int]:
    """Sorted unique indices in [0, count); None or an empty/`all` spec selects everything."""
    if count < 0:
        raise ValueError("count must be >= 0")
    if spec is None or spec.strip().lower() in ("", "all", "*"):
        return list(range(count))
    chosen: set[int] = set()
    for raw in spec.split(","):
        part = raw.strip()
        if not part:
            raise IndexSpecError(f"--indices {spec!r}: empty part (two commas in a row, or a trailing comma)")
        m = _PART.match(part)
        if m is None:
            raise IndexSpecError(f"--indices {spec!r}: {part!r} is not an index (N) or a range (A-B) of non-negative whole numbers")
        lo = int(m.group(1))
        hi = int(m.group(2)) if m.group(2) is not None else lo
        if hi < lo:
            raise IndexSpecError(f"--indices {spec!r}: range {part!r} runs backwards; write {hi}-{lo}")
        if hi >= count:
            last = f"0-{count - 1}" if count else "none"
            raise IndexSpecError(f"--indices {spec!r}: {hi} is out of range; the suite has {count} prompts (indices {last})")
        chosen.update(range(lo, hi + 1))
    return sorted(chosen)


def format_indices(indices: list[int]) -> str:
    """The shortest spec for a set of indices: [0, 1, 2, 5] -> '0-2,5'."""
    out: list[str] = []
    ordered = sorted(set(indices))
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        out.append(str(ordered[i]) if i == j else f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    return ",".join(out)
