"""Reading a RoomPlan export's elements: settings, warnings, enums, transforms, dimensions.

RoomPlan's Codable export writes `dimensions` as [x, y, z], `transform` as 16 column-major
floats (translation in [12:15]) and Swift enums as `{"storage": {}}` / `{"door": {"isOpen":
false}}`; hand-written and third-party exports use plain strings and nested column lists, so
all of these are read. An element that cannot be used raises `Skip`, which the importer turns
into a warning.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from agentscene.formats.errors import SceneFormatError


class RoomPlanSettings(BaseModel):
    """How forgiving the import is, and how the capture is placed in the scene frame."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    corner_tolerance: float = Field(0.15, ge=0, description="wall ends this close meet at a corner without a warning (m)")
    max_gap: float = Field(1.0, ge=0, description="larger gaps between walls are bridged with a warning up to this size (m)")
    tilt_tolerance_deg: float = Field(5.0, ge=0, le=90, description="objects tilted further from upright are rejected with a warning")
    align: bool = Field(True, description="turn the room so its walls are axis aligned, floor bounds at the origin")
    min_confidence: Literal["low", "medium", "high"] = "low"
    story: int | None = Field(None, description="story to import; None: the story most walls are on")
    room_type: str | None = Field(None, description="override the room type read from `sections`")
    default_height: float = Field(2.5, gt=0, description="room height when no wall says (m)")


class RoomPlanWarning(BaseModel):
    """One thing the import had to guess, fix or drop."""

    model_config = ConfigDict(frozen=True)

    code: str
    where: str
    message: str


class Skip(Exception):
    """Internal: one element cannot be used; becomes a warning."""


@dataclass
class Element:
    where: str
    ident: str | None
    parent: str | None
    category: str
    payload: dict[str, Any]
    confidence: str | None
    dims: np.ndarray  # effective extents (scale folded in)
    rot: np.ndarray  # 3x3 orthonormal
    centre: np.ndarray  # world xyz
    story: int
    raw: dict[str, Any]


# -- detection --------------------------------------------------------------------------------


def _looks_like_element(value: Any) -> bool:
    return isinstance(value, dict) and "transform" in value and "dimensions" in value


def is_roomplan(data: dict[str, Any]) -> bool:
    """A CapturedRoom / CapturedStructure export: element lists of transform + dimensions."""
    if not isinstance(data, dict) or "room" in data or "bounds_bottom" in data:
        return False
    if isinstance(data.get("rooms"), list) and data["rooms"] and isinstance(data["rooms"][0], dict):
        return is_roomplan(data["rooms"][0])
    lists = [data.get(k) for k in ("walls", "doors", "windows", "openings", "objects", "floors")]
    elements = [e for lst in lists if isinstance(lst, list) for e in lst[:1]]
    return isinstance(data.get("walls"), list) and (not elements or any(_looks_like_element(e) for e in elements))


# -- element parsing --------------------------------------------------------------------------


def decode_enum(value: Any) -> tuple[str | None, dict[str, Any]]:
    """A Swift enum in either encoding: `"storage"` or `{"storage": {}}` -> ("storage", payload)."""
    if isinstance(value, str):
        return value, {}
    if isinstance(value, dict) and len(value) == 1:
        (name, payload), = value.items()
        return str(name), payload if isinstance(payload, dict) else {}
    return None, {}


def numbers(value: Any, n: int, what: str) -> list[float]:
    if isinstance(value, dict) and n == 3 and set(value) >= {"x", "y", "z"}:
        value = [value["x"], value["y"], value["z"]]
    if not isinstance(value, list) or len(value) != n:
        raise Skip(f"{what} must be a list of {n} numbers")
    out = []
    for v in value:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise Skip(f"{what} holds a non-number {v!r}"[:120])
        if not math.isfinite(v):
            raise Skip(f"{what} holds a non-finite value ({v})")
        if abs(v) > 1e6:
            raise Skip(f"{what} holds {v:g}, far beyond any room")
        out.append(float(v))
    return out


def _is_affine(m: np.ndarray) -> bool:
    return bool(np.allclose(m[3], (0.0, 0.0, 0.0, 1.0), atol=1e-4))


def parse_transform(value: Any, warn) -> np.ndarray:
    """A 4x4 matrix from 16 column-major floats or a list of 4 columns; row-major is detected."""
    if isinstance(value, list) and len(value) == 4 and all(isinstance(c, list) for c in value):
        columns = [numbers(c, 4, "a transform column") for c in value]
        m = np.array(columns, dtype=float).T
    else:
        m = np.array(numbers(value, 16, "transform"), dtype=float).reshape(4, 4).T
    if not _is_affine(m):
        if _is_affine(m.T):
            warn("row_major_transform", "transform looks row-major; read it transposed")
            m = m.T
        else:
            raise Skip("transform is not an affine 4x4 matrix (its last row is not 0, 0, 0, 1)")
    return m


def _rotation(m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(orthonormal rotation, per-axis scale) of the upper 3x3; rejects shears and mirrors."""
    a = m[:3, :3]
    scale = np.linalg.norm(a, axis=0)
    if np.any(scale < 1e-6):
        raise Skip("transform collapses an axis (zero scale)")
    r = a / scale
    if np.abs(r.T @ r - np.eye(3)).max() > 0.05:
        raise Skip("transform is sheared, not a rotation")
    if np.linalg.det(r) < 0:
        raise Skip("transform mirrors the element (negative determinant)")
    return r, scale


def read_element(raw: Any, where: str, warnings: list[RoomPlanWarning]) -> Element:
    if not isinstance(raw, dict):
        raise Skip(f"expected an object, got {type(raw).__name__}")

    def warn(code: str, message: str) -> None:
        warnings.append(RoomPlanWarning(code=code, where=where, message=message))

    if "transform" not in raw or "dimensions" not in raw:
        raise Skip("needs both `transform` and `dimensions`")
    m = parse_transform(raw["transform"], warn)
    rot, scale = _rotation(m)
    dims = np.array(numbers(raw["dimensions"], 3, "dimensions"), dtype=float)
    if np.any(dims < 0):
        raise Skip(f"dimensions must not be negative, got {dims.tolist()}")
    if not np.allclose(scale, 1.0, atol=0.01):
        warn("scaled_transform", f"transform scales by {np.round(scale, 3).tolist()}; folded into the dimensions")
    category, payload = decode_enum(raw.get("category"))
    confidence, _ = decode_enum(raw.get("confidence"))
    story = raw.get("story", 0)
    ident, parent = raw.get("identifier"), raw.get("parentIdentifier")
    return Element(
        where=where, ident=ident if isinstance(ident, str) else None, parent=parent if isinstance(parent, str) else None,
        category=category or "", payload=payload, confidence=confidence, dims=dims * scale, rot=rot,
        centre=m[:3, 3].copy(), story=story if isinstance(story, int) and not isinstance(story, bool) else 0, raw=raw,
    )


def read_elements(data: dict[str, Any], key: str, warnings: list[RoomPlanWarning]) -> list[Element]:
    value = data.get(key, [])
    if value is None:
        return []
    if not isinstance(value, list):
        raise SceneFormatError(f"`{key}` must be a list of RoomPlan elements, got {type(value).__name__}")
    out = []
    for i, raw in enumerate(value):
        where = f"{key}[{i}]"
        try:
            out.append(read_element(raw, where, warnings))
        except Skip as e:
            warnings.append(RoomPlanWarning(code="element_skipped", where=where, message=f"skipped: {e}"))
    return out
