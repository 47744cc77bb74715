"""CLI commands for renderers (agentscene render). Filled in by issue 6."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `agentscene` app."""
    return None
