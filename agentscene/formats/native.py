"""The native JSON format: the scene model dumped as it is, with `schema_version`."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from agentscene.formats.errors import SceneFormatError, describe_validation_error
from agentscene.scene import SCHEMA_VERSION, Scene


def is_native(data: dict[str, Any]) -> bool:
    return "schema_version" in data or ("room" in data and isinstance(data.get("room"), dict))


def load_native(data: dict[str, Any]) -> Scene:
    version = data.get("schema_version", SCHEMA_VERSION)
    if isinstance(version, int) and not isinstance(version, bool) and version > SCHEMA_VERSION:
        raise SceneFormatError(
            f"schema_version {version} was written by a newer agentscene (this one reads "
            f"{SCHEMA_VERSION}); upgrade agentscene"
        )
    try:
        return Scene.model_validate({**data, "schema_version": version})
    except ValidationError as e:
        problems = describe_validation_error(e)
        raise SceneFormatError("invalid scene", problems=problems) from None


def dump_native(scene: Scene) -> dict[str, Any]:
    return scene.model_dump(mode="json")


def scene_json_schema() -> dict[str, Any]:
    """JSON Schema of the native scene file."""
    schema = Scene.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://agentscene.dev/schema/scene-v{SCHEMA_VERSION}.json"
    return schema
