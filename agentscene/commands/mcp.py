"""CLI commands for MCP server and live viewer (agentscene mcp/view). Filled in by issue 11."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `agentscene` app."""
    return None
