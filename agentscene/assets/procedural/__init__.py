"""Procedural furniture: recognisable, coloured, low-poly meshes for every category, offline."""

from agentscene.assets.procedural.backend import ProceduralBackend, ProceduralSettings
from agentscene.assets.procedural.registry import build_mesh, builder_categories

__all__ = ["ProceduralBackend", "ProceduralSettings", "build_mesh", "builder_categories"]
