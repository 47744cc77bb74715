"""CLI commands for the loop (agentscene generate). Filled in by issue 7."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `agentscene` app."""
    return None
