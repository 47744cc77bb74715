"""Floating objects: each object must rest on what its `support` field names.

- `floor`: the bottom is within `support_tolerance` of y = 0.
- an object id: the bottom is within the tolerance of that object's top, and the two
  footprints overlap (a lamp beside a desk at desk height is not on the desk).
- `wall`: the footprint is within `wall_tolerance` of a wall segment.
- `ceiling`: the top is within the tolerance of the ceiling.
"""

from __future__ import annotations

from agentscene.rewards.geometry import SceneGeometry
from agentscene.rewards.report import FloatingObject
from agentscene.rewards.tolerances import Tolerances


def floating_objects(geo: SceneGeometry, tol: Tolerances) -> list[FloatingObject]:
    """Objects that do not rest on their declared support, in scene order."""
    out: list[FloatingObject] = []
    room = geo.room
    boundary = room.floor.exterior
    for g in geo.objects:
        support = g.obj.support
        if support == "floor":
            gap = g.bottom
            if abs(gap) > tol.support_tolerance:
                where = "above" if gap > 0 else "below"
                out.append(FloatingObject(id=g.id, support=support, gap=gap,
                                          reason=f"its bottom is {abs(gap):.2f} m {where} the floor"))
        elif support == "ceiling":
            gap = room.height - g.top
            if abs(gap) > tol.support_tolerance:
                where = "below" if gap > 0 else "above"
                out.append(FloatingObject(id=g.id, support=support, gap=gap,
                                          reason=f"its top is {abs(gap):.2f} m {where} the ceiling"))
        elif support == "wall":
            gap = float(boundary.distance(g.polygon()))
            if gap > tol.wall_tolerance:
                out.append(FloatingObject(id=g.id, support=support, gap=gap,
                                          reason=f"it is {gap:.2f} m from the nearest wall"))
        else:
            base = geo.by_id.get(support)
            if base is None:  # the scene model forbids this; kept defined for hand-made geometry
                out.append(FloatingObject(id=g.id, support=support, gap=g.bottom,
                                          reason=f"its support {support!r} is not in the scene"))
                continue
            gap = g.bottom - base.top
            if abs(gap) > tol.support_tolerance:
                where = "above" if gap > 0 else "below"
                out.append(FloatingObject(id=g.id, support=support, gap=gap,
                                          reason=f"its bottom is {abs(gap):.2f} m {where} the top of {support}"))
            elif g.polygon().intersection(base.polygon()).area <= 1e-9:
                out.append(FloatingObject(id=g.id, support=support, gap=gap,
                                          reason=f"it is not above {support}"))
    return out
