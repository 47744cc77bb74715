"""The order of placement: anchors with their companions first, then storage, free pieces,
corners, rugs, things on surfaces, on walls and on the ceiling, and whatever is left.

Each step asks `Layout` (the rules for one kind of piece) for a spot and records a skip with
its reason when there is none.
"""

from __future__ import annotations

from agentscene.agents.planner.layout import (
    CENTER,
    CORNER,
    FREE,
    SATELLITES,
    Layout,
    Placement,
)
from agentscene.agents.planner.mounted import ON_SURFACE
from agentscene.agents.planner.program import ItemSpec
from agentscene.agents.planner.space import Placed
from agentscene.categories import category_info

#: pieces taller than this (m) stand against a wall or not at all
TALL = 1.2


_TABLES = ("dining_table", "table", "kitchen_island", "counter")


def arrange_zones(layout: Layout, items: list[ItemSpec]) -> list[Placement]:
    """Place items zone by zone (each zone's group in its own strip of an open plan)."""
    zones = list(dict.fromkeys(i.zone for i in items))
    if not layout.regions or zones == [None]:
        layout.enter_zone(None)
        return arrange(layout, items)
    for zone in zones:
        layout.enter_zone(zone)
        arrange(layout, [i for i in items if i.zone == zone])
    layout.enter_zone(None)
    return layout.placements


def arrange(layout: Layout, items: list[ItemSpec]) -> list[Placement]:
    """Place every item, group by group, in the order that lets companions find their anchors."""
    pending = list(items)

    def take(*cats: str) -> list[ItemSpec]:
        got = [i for i in pending if i.category in cats]
        for i in got:
            pending.remove(i)
        return got

    def anchors(*cats: str) -> list[Placed]:
        return [p for p in layout.space.items if p.category in cats and layout.in_zone(p)]

    def related(item: ItemSpec, *kinds: str) -> Placed | None:
        """The placed piece the brief relates this item to ("beside the sofa", "on the cabinet")."""
        for kind, key, cat in item.extra.get("rels", ()):
            if kind in kinds:
                placed = layout.anchor_of(key) if key else None
                if placed is None and cat:
                    placed = next(iter(anchors(cat)), None)
                if placed is not None:
                    return placed
        return None

    def asks(item: ItemSpec, relation: str) -> bool:
        return any(kind == relation for kind, _, _ in item.extra.get("rels", ()))

    def by_window(item: ItemSpec) -> bool:
        return any(kind in ("by_window", "under_window") for kind, _, _ in item.extra.get("rels", ()))

    def asked_spot(item: ItemSpec) -> Placed | None:
        """Where the brief says a loose piece goes: beside / under / in front of another, by the window."""
        host = related(item, "beside", "either_side", "at_foot", "under")
        if host is not None and layout.place_beside(item, host, against_wall=category_info(host.category).against_wall):
            return layout.space.items[-1]
        host = related(item, "in_front_of")
        if host is not None and layout.place_in_front(item, host):
            return layout.space.items[-1]
        if by_window(item):
            return layout.place_near_window(item)
        return None

    # armchairs asked at a dining table's ends are seats, placed with the table's chairs
    table_seats = [i for i in pending if i.category in ("armchair", "bench") and i.anchor and i.anchor.split("#")[0] in _TABLES]
    for i in table_seats:
        pending.remove(i)

    nightstands = take("nightstand")
    bed_items = take("bed", "crib")
    for bed in bed_items:
        if layout.place_bed(bed, [n for n in nightstands][: 2]) is None:
            layout._skip(bed, "no wall left long enough for it")
    for bed in anchors("bed", "crib"):
        while nightstands and layout._satellite_count.get(bed.key, 0) < 2:
            n = nightstands.pop(0)
            if layout.place_nightstand(n, bed) is None:
                pending.append(n)
                break
            layout._satellite_count[bed.key] = layout._satellite_count.get(bed.key, 0) + 1
    pending.extend(nightstands)
    for bench in take("bench"):
        beds = anchors("bed")
        if not (beds and layout.place_at_foot(bench, beds[0])) and not layout.place_against_wall(bench):
            layout._skip(bench, "no free spot")
    # what the bed is asked to face ("a bed facing the tv"), or what faces it ("a console opposite the bed"),
    # stands on the wall the bed's foot points at
    faced = {cat for b in bed_items for kind, _, cat in b.extra.get("rels", ()) if kind == "facing"}
    faced |= {"tv_stand"} if "tv" in faced else set()
    beds = anchors("bed")
    for item in [i for i in pending if i.category in faced or ("facing", None, "bed") in
                 {(k, None, c) for k, _, c in i.extra.get("rels", ())}]:
        if beds and item.category not in ON_SURFACE and layout.place_opposite(item, beds[0]):
            pending.remove(item)

    # a games table asked for is the room's focus: it takes one end of the open floor before the seating groups
    seating = any(i.category in ("sofa", "sectional_sofa") for i in pending)
    for table in [i for i in pending if i.category in ("pool_table", "ping_pong_table", "foosball_table") and i.explicit]:
        pending.remove(table)
        if layout.place_centre(table, to_end=seating) is None:
            layout._skip(table, "no open floor large enough")

    # desks asked under the window take it before a sofa can ("two desks side by side under the windows")
    spare = next((i for i in pending if i.category in ("office_chair", "chair")), None)
    for desk in [i for i in pending if i.category == "desk" and by_window(i)]:
        accept = (lambda p, c=spare: layout._chair_fits(c, p)) if spare is not None else None
        if layout.place_near_window(desk, gap=0.01, accept=accept):
            pending.remove(desk)
    stands = take("tv_stand", "fireplace")  # the focal point the seating faces
    sofa_items = take("sectional_sofa", "sofa")
    faced = {cat for i in sofa_items for kind, _, cat in i.extra.get("rels", ()) if kind == "facing"}
    stands.sort(key=lambda s: (s.category not in faced, not s.explicit))  # the one asked faced takes the facing wall
    for sofa in sofa_items:
        if layout.place_sofa(sofa, wants_tv=bool(stands)) is None:
            layout._skip(sofa, "no wall left long enough for it")
    sofas = anchors("sofa", "sectional_sofa")
    for stand in stands:
        placed = layout.place_opposite(stand, sofas[0]) if sofas else layout.place_against_wall(stand)
        if placed is None:
            layout._skip(stand, "no free wall")
    for table in take("coffee_table"):
        if not (sofas and layout.place_coffee_table(table, sofas[0])) and not layout.place_centre(table):
            layout._skip(table, "no free spot")
    for chair in take("armchair"):
        if by_window(chair) and layout.place_near_window(chair):
            continue
        if asks(chair, "in_corner") and layout.place_corner(chair):
            continue  # "two armchairs in the corner"
        host = layout.anchor_of(chair.anchor) if chair.anchor else None
        if host is not None and host.category in ("sofa", "sectional_sofa") and chair.placement == "either_side":
            if layout.place_beside(chair, host, against_wall=False):
                continue  # a sofa flanked by armchairs
        tables = anchors("coffee_table")
        placed = layout.place_armchair(chair, tables[0], sofas[0] if sofas else None) if tables else None
        if placed is None and not layout.place_corner(chair):
            layout._skip(chair, "no free spot")
    for item in take("side_table", "ottoman"):
        hosts = anchors(*SATELLITES[item.category])
        if not any(layout.place_beside(item, h) for h in hosts[:2]) and not layout.place_corner(item):
            layout._skip(item, "no free spot")

    chairs = take("office_chair", "chair")
    for k, desk in enumerate(take("desk")):
        chair = chairs[k] if k < len(chairs) else None
        accept = (lambda p, c=chair: layout._chair_fits(c, p)) if chair is not None else None
        if by_window(desk) and layout.place_near_window(desk, gap=0.01, accept=accept):
            continue
        if layout.place_against_wall(desk, accept=accept) is None and (
                chair is not None and not desk.explicit or layout.place_against_wall(desk) is None):
            layout._skip(desk, "no free wall")
    for desk in anchors("desk"):
        if chairs and layout._satellite_count.get(desk.key, 0) < 1:
            chair = chairs.pop(0)
            if layout.place_desk_chair(chair, desk) is None:
                layout._skip(chair, "no room in front of the desk")
            layout._satellite_count[desk.key] = 1

    # pieces asked in a corner take theirs before storage and machines fill the corners
    for item in [i for i in pending if asks(i, "in_corner") and i.category not in CENTER and i.category not in SATELLITES]:
        if layout.place_corner(item, window=by_window(item)):
            pending.remove(item)
    # pieces asked by the window take their spot before storage lines the walls
    for item in [i for i in pending if by_window(i) and i.category not in CENTER and i.category not in SATELLITES]:
        if layout.place_near_window(item, gap=0.1 if category_info(item.category).support == "floor" else 0.25):
            pending.remove(item)

    wall_items = [i for i in pending if category_info(i.category).against_wall and category_info(i.category).support == "floor"
                  and i.category not in CORNER and i.category not in ON_SURFACE]
    for item in sorted(wall_items, key=lambda i: -i.size[0] * i.size[2]):
        pending.remove(item)
        host = related(item, "beside")  # "a dishwasher next to the sink"
        if host is not None and layout.place_beside(item, host, against_wall=True):
            continue
        placed = layout.place_against_wall(item)
        if placed is None:  # tall storage never stands free in mid-room: a little off the wall at most
            placed = layout.place_against_wall(item, gap=0.2) if item.size[1] > TALL else layout.place_free(item)
        if placed is None:
            layout._skip(item, "no free wall")
        elif item.category == "counter":  # stools asked at a wall counter take its front before the appliances do
            for seat in [i for i in pending if i.category == "bar_stool" and i.anchor == item.key]:
                if layout.place_chair_at(seat, placed):
                    pending.remove(seat)
                    seat.extra["early"] = True
    for table in take(*CENTER):
        if by_window(table) or any(by_window(i) for i in pending if i.anchor == table.key):
            from agentscene.agents.planner.space import AROUND_CLEARANCE

            ring = AROUND_CLEARANCE.get(table.category, 0.5) * (0.6 if table.size[0] * table.size[2] < 0.8 else 1.0)
            if layout.place_near_window(table, gap=ring + 0.02):
                continue
        if layout.place_centre(table) is None:
            layout._skip(table, "no open floor large enough")
    seats = take("dining_chair", "bar_stool") + chairs + table_seats
    seats.sort(key=lambda i: (i.anchor is None, {"ends": 0, "sides": 1}.get(i.placement or "", 2), -i.size[0]))
    for seat in seats:
        own = layout.anchor_of(seat.anchor) if seat.anchor else None
        tables = [own] if own is not None else anchors(*SATELLITES.get(seat.category, ("dining_table",)))
        if not any(layout.place_chair_at(seat, t) for t in tables):
            if seat.placement is not None and own is not None:
                seat.placement = None  # the asked side is full: any free seat at its own table
                if layout.place_chair_at(seat, own):
                    continue
            if not layout.place_corner(seat):
                layout._skip(seat, "no room around a table")

    # a machine asked to face a wall piece ("treadmills facing a wall mirror"): the piece goes up first, the machines before it
    for item in [i for i in pending if i.category in FREE]:
        for kind, key, cat in item.extra.get("rels", ()):
            if kind != "facing" or not cat or category_info(cat).support != "wall":
                continue
            target = layout.anchor_of(key) if key else None
            if target is None:
                host = next((i for i in pending if i.key == key or (key is None and i.category == cat)), None)
                if host is not None and layout.place_mounted(host) is not None:
                    pending.remove(host)
                    target = layout.space.items[-1]
            if target is not None and layout.place_facing(item, target):
                pending.remove(item)
                break
    free = take(*FREE)
    for item in sorted(free, key=lambda i: i.category == "yoga_mat"):  # mats take what open floor is left
        if item.category == "yoga_mat":
            if layout.place_mat(item) is None:
                layout._skip(item, "no open floor")
        elif not asked_spot(item) and layout.place_free(item) is None:  # "a step stool in front of the sink"
            layout._skip(item, "no free spot")
    for item in take("floor_lamp"):
        if asked_spot(item):
            continue
        hosts = anchors("sofa", "sectional_sofa", "armchair")
        if not any(layout.place_beside(item, h) for h in hosts[:2]) and not layout.place_corner(item):
            layout._skip(item, "no free corner")
    corner_items = take(*CORNER)
    corner_items.sort(key=lambda i: not asks(i, "in_corner"))
    for item in corner_items:  # those asked in a corner choose first
        if asked_spot(item):
            continue
        if layout.place_corner(item) is None:
            layout._skip(item, "no free corner")
    for item in take("rug"):
        host = related(item, "under")
        if host is not None and host.category not in ("sofa", "sectional_sofa", "bed") and layout.place_under(item, host):
            continue
        host = related(item, "beside", "in_front_of")
        if host is not None and layout.place_beside(item, host, against_wall=False):
            continue
        if layout.place_rug(item) is None:
            layout._skip(item, "no open floor")
    for item in [i for i in pending if i.category in ON_SURFACE]:
        pending.remove(item)
        host = related(item, "on")
        if layout.place_on(item, prefer=host.category if host is not None else None) is None:
            if item.category == "tv" and layout.place_mounted(item):
                continue
            if item.category in ("printer", "computer", "game_console") and layout.place_corner(item):
                continue  # on the floor by the wall when no surface is free
            layout._skip(item, "nothing to stand it on")
    wall_pieces = [i for i in pending if category_info(i.category).support == "wall"]
    for item in sorted(wall_pieces, key=lambda i: not asks(i, "above")):  # asked over a piece: before decor takes it
        pending.remove(item)
        over = related(item, "above")
        flank = related(item, "either_side", "beside")
        flank = flank if flank is not None and flank.support == "wall" else None
        flanker = next((i for i in pending if i.anchor == item.key and i.placement == "either_side"
                        and category_info(i.category).support == "wall"), None)  # sconces either side of this mirror
        if layout.place_mounted(item, prefer=over.category if over is not None else None, beside=flank,
                                flanked_by=flanker) is None:
            layout._skip(item, "no free wall space")
    for item in [i for i in pending if category_info(i.category).support == "ceiling"]:
        pending.remove(item)
        if layout.place_ceiling(item) is None:
            layout._skip(item, "no free ceiling spot")
    for item in list(pending):
        pending.remove(item)
        if asked_spot(item):
            continue
        if item.size[1] > TALL and category_info(item.category).against_wall:
            if layout.place_against_wall(item) is None:
                layout._skip(item, "no free wall")
        elif layout.place_free(item) is None and layout.place_corner(item) is None:
            layout._skip(item, "no free spot")
    return layout.placements
