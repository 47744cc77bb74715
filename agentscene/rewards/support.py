"""Floating objects: each object must rest on what its `support` field names.

- `floor`: the bottom is within `support_tolerance` of y = 0.
- an object id: the bottom is within the tolerance of that object's top, and the two
  footprints overlap (a lamp beside a desk at desk height is not on the desk).
- `wall`: the footprint is within `wall_tolerance` of a wall segment.
- `ceiling`: the top is within the tolerance of the ceiling.
"""

from __future__ import annotations

from agentscene.rewards.geometry import SceneGeometry, object_array
from agentscene.rewards.report import FloatingObject
from agentscene.rewards.tolerances import Tolerances


def floating_objects(geo: SceneGeometry, tol: Tolerances) -> list[FloatingObject]:
    """Objects that do not rest on their declared support, in scene order (the footprint
    distances and overlaps are asked of shapely in one vectorised call each)."""
    import shapely

    room = geo.room
    found: dict[int, FloatingObject] = {}
    on_wall: list[int] = []
    on_object: list[tuple[int, float]] = []
    for k, g in enumerate(geo.objects):
        support = g.obj.support
        if support == "floor":
            gap = g.bottom
            if abs(gap) > tol.support_tolerance:
                where = "above" if gap > 0 else "below"
                found[k] = FloatingObject(id=g.id, support=support, gap=gap,
                                          reason=f"its bottom is {abs(gap):.2f} m {where} the floor")
        elif support == "ceiling":
            gap = room.height - g.top
            if abs(gap) > tol.support_tolerance:
                where = "below" if gap > 0 else "above"
                found[k] = FloatingObject(id=g.id, support=support, gap=gap,
                                          reason=f"its top is {abs(gap):.2f} m {where} the ceiling")
        elif support == "wall":
            on_wall.append(k)
        else:
            base = geo.by_id.get(support)
            if base is None:  # the scene model forbids this; kept defined for hand-made geometry
                found[k] = FloatingObject(id=g.id, support=support, gap=g.bottom,
                                          reason=f"its support {support!r} is not in the scene")
                continue
            gap = g.bottom - base.top
            if abs(gap) > tol.support_tolerance:
                where = "above" if gap > 0 else "below"
                found[k] = FloatingObject(id=g.id, support=support, gap=gap,
                                          reason=f"its bottom is {abs(gap):.2f} m {where} the top of {support}")
            else:
                on_object.append((k, gap))
    if on_wall:
        polys = geo.polygons([geo.objects[k] for k in on_wall])
        gaps = shapely.distance(room.floor.exterior, object_array(polys)).tolist()
        for k, gap in zip(on_wall, gaps, strict=True):
            if gap > tol.wall_tolerance:
                g = geo.objects[k]
                found[k] = FloatingObject(id=g.id, support="wall", gap=gap,
                                          reason=f"it is {gap:.2f} m from the nearest wall")
    if on_object:
        tops = geo.polygons([geo.objects[k] for k, _ in on_object])
        bases = geo.polygons([geo.by_id[geo.objects[k].obj.support] for k, _ in on_object])
        shared = shapely.area(shapely.intersection(object_array(tops), object_array(bases))).tolist()
        for (k, gap), area in zip(on_object, shared, strict=True):
            if area <= 1e-9:
                g = geo.objects[k]
                support = g.obj.support
                found[k] = FloatingObject(id=g.id, support=support, gap=gap, reason=f"it is not above {support}")
    return [found[k] for k in sorted(found)]

