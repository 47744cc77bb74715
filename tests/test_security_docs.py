"""docs/security.md lists every limit (a new field in Limits or MeshLimits must be documented)."""

from __future__ import annotations

from pathlib import Path

from agentscene.limits import Limits, MeshLimits

DOC = (Path(__file__).resolve().parents[1] / "docs" / "security.md").read_text("utf-8")


def test_every_limit_is_documented():
    for name in Limits.model_fields:
        if name != "mesh":
            assert f"`{name}`" in DOC, name
    for name in MeshLimits.model_fields:
        assert f"mesh.{name}" in DOC or f"{name}`" in DOC or f"/ `{name}" in DOC, name
