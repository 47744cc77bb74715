"""Apple RoomPlan import (dialect "roomplan"): a scanned `CapturedRoom` JSON export becomes a Scene.

    from agentscene.formats.roomplan import read_roomplan, RoomPlanSettings
    result = read_roomplan(json.load(open("room.json")), RoomPlanSettings(max_gap=0.5))
    result.scene, result.warnings

Importing this package registers the dialect, so `load_scene(path)` detects captures and
`load_scene(path, dialect="roomplan")` / `agentscene convert --from roomplan` read them.
Modules: `capture` (element parsing), `outline` (floor polygon from walls), `importer`.
"""

from __future__ import annotations

from typing import Any

from agentscene.formats.registry import Dialect, dialect_names, register_dialect
from agentscene.formats.roomplan.capture import (
    RoomPlanSettings,
    RoomPlanWarning,
    decode_enum,
    is_roomplan,
    parse_transform,
)
from agentscene.formats.roomplan.importer import (
    ATTRIBUTE_CATEGORIES,
    OBJECT_CATEGORIES,
    SURFACE_KINDS,
    RoomPlanImport,
    object_category,
    read_roomplan,
)
from agentscene.scene import Scene


def load_roomplan(data: dict[str, Any]) -> Scene:
    """The dialect loader: default settings; warnings land in scene.metadata["import_warnings"]."""
    return read_roomplan(data).scene


DIALECT = Dialect("roomplan", is_roomplan, load_roomplan, None, "Apple RoomPlan CapturedRoom JSON export (import only)")

if DIALECT.name not in dialect_names():
    register_dialect(DIALECT)

__all__ = [
    "ATTRIBUTE_CATEGORIES", "DIALECT", "OBJECT_CATEGORIES", "SURFACE_KINDS", "RoomPlanImport", "RoomPlanSettings",
    "RoomPlanWarning", "decode_enum", "is_roomplan", "load_roomplan", "object_category", "parse_transform", "read_roomplan",
]
