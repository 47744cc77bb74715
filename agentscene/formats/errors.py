"""One error type for bad scene input, with messages that name the field and the problem."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from agentscene.limits import shown


class SceneFormatError(ValueError):
    """A scene file or dict that cannot be read: the message says where and why."""

    def __init__(self, message: str, source: str | None = None, problems: list[str] | None = None):
        self.message = message
        self.source = source
        self.problems = problems or [message]
        prefix = f"{source}: " if source else ""
        detail = ""
        if problems and problems != [message]:
            detail = ": " + "; ".join(problems[:5]) + (f"; ... ({len(problems) - 5} more)" if len(problems) > 5 else "")
        super().__init__(prefix + message + detail)


def _loc(parts: tuple) -> str:
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            # pydantic adds the validator or type name for function/union validators; skip them
            if isinstance(p, str) and ("[" in p or p.startswith("function-")):
                continue
            name = str(p)
            out += ("." if out else "") + (name if len(name) <= 40 else shown(name, 40))
    return out or "(root)"


def describe_validation_error(err: ValidationError, limit: int = 20, *,
                              where: Callable[[tuple[Any, ...]], str] | None = None,
                              show_input: bool = True) -> list[str]:
    """Short lines like `objects[2].size[1]: must be greater than 0 (got -1)`.

    `where` names a location in the caller's words instead (e.g. a CLI flag; "" drops the prefix);
    `show_input=False` leaves out the `(got ...)` (the user typed it a moment ago)."""
    lines = []
    for e in err.errors(include_url=False)[:limit]:
        msg = e["msg"].removeprefix("Value error, ")
        if len(msg) > 300:  # a validator's message may quote input: keep it readable
            msg = msg[:297] + "..."
        place = _loc(e["loc"]) if where is None else where(tuple(e["loc"]))
        prefix = f"{place}: " if place else ""
        got = f" (got {shown(e.get('input'), 60)})" if show_input else ""
        if e["type"] in ("missing",):
            lines.append(f"{prefix}required field is missing")
        elif e["type"] == "extra_forbidden":
            lines.append(f"{prefix}unknown field")
        else:
            lines.append(f"{prefix}{msg}{got}")
    extra = err.error_count() - limit
    if extra > 0:
        lines.append(f"... and {extra} more problems")
    return lines
