"""CLI command modules: each has `register(app)` and imports heavy libraries only inside commands.

The consoles and `fail` live here rather than in agentscene.cli, so command modules can import
them at the top without a cycle (agentscene.cli imports every command module).
"""

from __future__ import annotations

from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


def esc(value: Any) -> str:
    """`value` as text that rich prints literally: user- and model-supplied text (room types, ids,
    prompts, paths, error messages) can hold `[/]` or `[bold]`, which rich would read as markup."""
    return escape(str(value))


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print a user-facing error (no traceback) and return the Exit to raise. `message` is printed literally."""
    err_console.print(f"[bold red]error:[/] {esc(message)}", highlight=False)
    return typer.Exit(code)


def print_rows(console: Console, rows: list[tuple[str, str]]) -> None:
    """`label  value` lines for closing summaries; a long value (a path) is printed whole and left to the
    terminal to wrap, never cut with an ellipsis. Values may hold rich markup; labels are escaped."""
    width = max((len(label) for label, _ in rows), default=0)
    for label, value in rows:
        console.print(f"[bold]{escape(label)}[/]{' ' * (width - len(label))}  {value}", highlight=False, soft_wrap=True)
