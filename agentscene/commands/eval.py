"""CLI commands for physics evaluation (agentscene eval). Filled in by issue 4."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `agentscene` app."""
    return None
