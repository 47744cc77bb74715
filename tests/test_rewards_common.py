"""Shared builders for the rewards tests: hand-made rooms, boxes and procedural meshes."""

from __future__ import annotations

import math

import trimesh

from agentscene.scene import Opening, Room, Scene, SceneObject


def rect(w: float, d: float, x0: float = 0.0, z0: float = 0.0) -> list[tuple[float, float]]:
    return [(x0, z0), (x0 + w, z0), (x0 + w, z0 + d), (x0, z0 + d)]


def rotate(points, deg: float):
    """Rotate (x, z) points about the origin the way a yaw of `deg` turns an object."""
    a = math.radians(deg)
    c, s = math.cos(a), math.sin(a)
    return [(c * x + s * z, -s * x + c * z) for x, z in points]


def box(oid: str, size, pos, yaw: float = 0.0, **kw) -> SceneObject:
    pos = tuple(pos) if len(pos) == 3 else (pos[0], 0.0, pos[1])
    kw.setdefault("description", oid.rsplit("_", 1)[0].replace("_", " "))
    kw.setdefault("category", "object")
    return SceneObject(id=oid, size=tuple(size), position=pos, yaw=yaw, **kw)


def scene(objects, floor=None, height: float = 2.8, openings=()) -> Scene:
    room = Room(room_type="room", floor=floor or rect(4.0, 4.0), height=height, openings=tuple(openings))
    return Scene(room=room, objects=tuple(objects))


def door(wall: int, offset: float, width: float = 0.9) -> Opening:
    return Opening(kind="door", wall=wall, offset=offset, width=width, height=2.0)


def _part(ext, centre) -> trimesh.Trimesh:
    b = trimesh.creation.box(extents=ext)
    b.apply_translation(centre)
    return b


def table_mesh() -> trimesh.Trimesh:
    """A 1 m table: 5 cm top at 0.7-0.75 m, four 5 cm legs (canonical frame)."""
    parts = [_part((1.0, 0.05, 1.0), (0, 0.725, 0))]
    parts += [_part((0.05, 0.7, 0.05), (sx, 0.35, sz)) for sx in (-0.475, 0.475) for sz in (-0.475, 0.475)]
    return trimesh.util.concatenate(parts)


def box_mesh() -> trimesh.Trimesh:
    b = trimesh.creation.box(extents=(2.0, 2.0, 2.0))
    b.apply_translation((5.0, 1.0, -3.0))  # anywhere: meshes are normalised to their bounds
    return b


def provider_from(meshes: dict):
    """A mesh provider by category, counting its calls."""
    calls = {"n": 0}

    def provide(obj):
        calls["n"] += 1
        factory = meshes.get(obj.category)
        return None if factory is None else factory()

    provide.calls = calls  # type: ignore[attr-defined]
    return provide


def test_rotate_matches_the_yaw_convention():
    from agentscene.geometry import footprint_corners

    # A 2 x 1 footprint at the origin turned by 90 degrees: its long side runs along z.
    corners = footprint_corners((0.0, 0.0, 0.0), (2.0, 1.0, 1.0), 90.0)
    rotated = rotate([(-1.0, -0.5), (1.0, -0.5), (1.0, 0.5), (-1.0, 0.5)], 90.0)
    assert sorted((round(x, 9), round(z, 9)) for x, z in corners) == sorted((round(x, 9), round(z, 9)) for x, z in rotated)
