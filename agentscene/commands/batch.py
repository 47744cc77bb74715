"""CLI commands for batch runs, reports, exports (agentscene batch/report/export). Filled in by issue 9."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `agentscene` app."""
    return None
