"""agentscene: LLM/VLM agents build and revise 3D indoor scenes through typed tool calls."""

from importlib.metadata import PackageNotFoundError, version

from agentscene.formats import dump_scene, load_scene, save_scene
from agentscene.scene import Asset, Opening, Room, Scene, SceneObject
from agentscene.tools import (
    ToolCall,
    ToolResult,
    apply_tool,
    apply_tool_calls,
    parse_reply,
    tool_schemas,
)

#: names imported on first use: the judge pulls in the physics stack (trimesh, fcl, shapely), which
#: `import agentscene` and every CLI command that never judges should not pay for
_LAZY = {"Finding": "agentscene.critics", "Judgement": "agentscene.critics", "judge": "agentscene.critics"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'agentscene' has no attribute {name!r}")


try:
    __version__ = version("agentscene")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+unknown"

__all__ = [
    "Asset", "Finding", "Judgement", "Opening", "Room", "Scene", "SceneObject", "ToolCall", "ToolResult", "__version__",
    "apply_tool", "apply_tool_calls", "dump_scene", "judge", "load_scene", "parse_reply", "save_scene", "tool_schemas",
]
