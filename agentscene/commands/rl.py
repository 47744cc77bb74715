"""CLI commands for RL tasks and SFT export (agentscene rl ...). Filled in by issue 8."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `agentscene` app."""
    return None
