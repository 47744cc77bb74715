"""Settings of the live viewer, passed in explicitly."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class ViewerSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    target: Path = Field(description="scene file or run directory to show")
    host: str = "127.0.0.1"
    port: int = Field(default=8765, ge=0, le=65535)
    poll_interval: float = Field(default=0.1, gt=0, le=5, description="seconds between checks for changed files")
    max_listeners: int = Field(default=32, ge=1, description="open pages that can follow live changes at once")
    physics: bool = Field(default=True, description="show the physics report (agentscene.rewards) in the side panel")
