"""CLI commands for RoomPlan import and training records (agentscene data ...). Filled in by issue 10."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `agentscene` app."""
    return None
