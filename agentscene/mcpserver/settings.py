"""Settings of the MCP server, passed in explicitly (nothing is read from the environment)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class MCPSettings(BaseModel):
    """Everything `agentscene mcp` can be told; the CLI builds one and hands it down."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    workdir: Path = Field(description="the only directory the server reads and writes; sessions autosave under it")
    scene: Path | None = Field(default=None, description="scene file a new session starts from (else an empty default room)")
    transport: Literal["stdio", "http"] = "stdio"
    host: str = "127.0.0.1"
    port: int = Field(default=8766, ge=0, le=65535)
    session: str = Field(default="default", pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$",
                         description="name of the stdio session directory under workdir/sessions/")
    undo_depth: int = Field(default=100, ge=1, description="edits one session can undo (kept in memory)")
    history_turns: int = Field(default=1000, ge=1, description="turn files kept per session; older ones are pruned")
    max_sessions_in_memory: int = Field(default=64, ge=1, description="HTTP sessions cached in memory; others reload from disk")
    max_http_sessions: int = Field(default=256, ge=1, description="concurrent HTTP sessions the transport accepts")
    max_scene_bytes: int = Field(default=8 * 1024 * 1024, ge=1024, description="largest scene file load_scene reads")
    max_message_bytes: int = Field(default=4 * 1024 * 1024, ge=1024, description="largest JSON-RPC message accepted")
    max_in_flight: int = Field(default=32, ge=1, description="unanswered stdio requests before the server stops reading")
    http_concurrency: int = Field(default=64, ge=1, description="open HTTP connections before the server answers 503")
    renderer: str = Field(default="raster", description="renderer name for the render tool (agentscene.renderers)")
    render_size: int = Field(default=512, ge=64, le=2048)
