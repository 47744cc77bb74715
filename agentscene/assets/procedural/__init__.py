"""Procedural furniture: recognisable, coloured, low-poly meshes for every category, offline."""

from typing import Any

from agentscene.assets.procedural.backend import ProceduralBackend, ProceduralSettings

#: the mesh builders need numpy; `find`, which only names variants, never loads them
_LAZY = {"build_mesh": "agentscene.assets.procedural.registry",
         "builder_categories": "agentscene.assets.procedural.registry"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'agentscene.assets.procedural' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = ["ProceduralBackend", "ProceduralSettings", "build_mesh", "builder_categories"]
