"""agentscene: LLM/VLM agents build and revise 3D indoor scenes through typed tool calls."""

from __future__ import annotations

import importlib

#: every public name is imported on first use: `agentscene.cli` imports this package before any command
#: runs, and a command such as `assets find` needs neither the scene model, the formats, the tools nor the
#: judge's physics stack (trimesh, fcl, shapely); eager imports here cost every CLI start ~0.2 s of CPU
_LAZY = {
    "dump_scene": "agentscene.formats", "load_scene": "agentscene.formats", "save_scene": "agentscene.formats",
    "Asset": "agentscene.scene", "Opening": "agentscene.scene", "Room": "agentscene.scene",
    "Scene": "agentscene.scene", "SceneObject": "agentscene.scene",
    "ToolCall": "agentscene.tools", "ToolResult": "agentscene.tools", "apply_tool": "agentscene.tools",
    "apply_tool_calls": "agentscene.tools", "parse_reply": "agentscene.tools", "tool_schemas": "agentscene.tools",
    "Finding": "agentscene.critics", "Judgement": "agentscene.critics", "judge": "agentscene.critics",
}


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("agentscene")
    except PackageNotFoundError:  # running from a source tree without installing
        return "0.0.0+unknown"


def __getattr__(name: str):
    if name == "__version__":
        value = _version()
    elif name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    else:
        raise AttributeError(f"module 'agentscene' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "Asset", "Finding", "Judgement", "Opening", "Room", "Scene", "SceneObject", "ToolCall", "ToolResult", "__version__",
    "apply_tool", "apply_tool_calls", "dump_scene", "judge", "load_scene", "parse_reply", "save_scene", "tool_schemas",
]
