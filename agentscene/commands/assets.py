"""CLI commands for asset backends (agentscene assets ...). Filled in by issue 5."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `agentscene` app."""
    return None
