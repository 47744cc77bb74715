"""SceneReVis tool-call arguments → native ones.

Models fine-tuned on SceneReVis data call tools with `jid`, `new_position`, quaternion
`rotation`/`new_rotation`, `object_description`, `jid_to_replace` and so on. A `jid` can name
several objects (two chairs from the same asset), so references resolve against the scene and
an ambiguous one is an error listing the candidates.
"""

from __future__ import annotations

from typing import Any

from agentscene.geometry import quaternion_to_yaw
from agentscene.scene import Scene

#: argument keys that only SceneReVis-style calls use
SCENEREVIS_KEYS = frozenset(
    {"jid", "new_position", "new_rotation", "new_size", "jid_to_replace", "new_object_description",
     "object_description", "rotation", "group_name"}
)


def looks_like_scenerevis(arguments: dict[str, Any]) -> bool:
    return bool(SCENEREVIS_KEYS & arguments.keys())


class ObjectReferenceError(ValueError):
    """A reference that matches no object or several; `code` is the ErrorCode value."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


def resolve_reference(scene: Scene, ref: Any) -> str:
    """Native id for a native id, a jid/uid, or raise ObjectReferenceError."""
    if not isinstance(ref, str) or not ref.strip():
        raise ObjectReferenceError("the object reference must be a non-empty string", "invalid_arguments")
    ref = ref.strip()
    if scene.get(ref) is not None:
        return ref
    matches = [
        o for o in scene.objects
        if (o.asset is not None and o.asset.asset_id == ref) or o.extra.get("uid") == ref or o.extra.get("jid") == ref
    ]
    if len(matches) == 1:
        return matches[0].id
    if not matches:
        raise ObjectReferenceError(f"no object has id or jid {ref!r}", "unknown_object")
    listed = "; ".join(f"{o.id} ({o.description[:40]}) at [{o.position[0]:.2f}, {o.position[2]:.2f}]" for o in matches[:10])
    raise ObjectReferenceError(
        f"jid {ref!r} matches {len(matches)} objects: {listed}. Call again with one of these ids as the reference.",
        "ambiguous_reference",
    )


def _yaw(q: Any) -> float:
    if not isinstance(q, list) or len(q) != 4 or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in q):
        raise ObjectReferenceError("rotation must be a quaternion [x, y, z, w] of 4 numbers", "invalid_arguments")
    try:
        return quaternion_to_yaw(q)
    except ValueError as e:
        raise ObjectReferenceError(str(e), "invalid_arguments") from None


_RENAMES: dict[str, dict[str, str]] = {
    "add_object": {"object_description": "description"},
    "move_object": {"jid": "object_id", "new_position": "position"},
    "rotate_object": {"jid": "object_id"},
    "scale_object": {"jid": "object_id", "new_size": "size"},
    "replace_object": {"jid_to_replace": "object_id", "new_object_description": "description", "jid": "object_id"},
    "remove_object": {"jid": "object_id"},
}


def translate_arguments(scene: Scene, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """Native arguments for a SceneReVis-style call; unknown keys pass through to fail validation."""
    renames = _RENAMES.get(name, {})
    out: dict[str, Any] = {}
    for key, value in arguments.items():
        if key == "group_name":
            continue  # groups are kept per object by the grouped format, not by tools
        if key in ("rotation", "new_rotation"):
            out["yaw"] = _yaw(value)
            continue
        out[renames.get(key, key)] = value
    if "object_id" in out and name != "add_object":
        out["object_id"] = resolve_reference(scene, out["object_id"])
    return out
