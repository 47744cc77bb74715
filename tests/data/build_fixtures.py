"""Builds the fixture scenes in tests/data/scenes/ (run: python tests/data/build_fixtures.py).

Each layout is written out by hand below, object by object, in the dialect listed for it.
`fixtures.json` records, per file, its dialect, object count, and the problems it holds on
purpose (overlapping pairs, objects outside the room), computed from oriented boxes with
shapely so that tests can check evaluators against them.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from shapely.geometry import Polygon

from agentscene.formats import dump_scene
from agentscene.scene import Asset, Opening, Room, Scene, SceneObject

HERE = Path(__file__).parent
SCENE_DIR = HERE / "scenes"


def O(id, desc, size, pos, yaw=0.0, category=None, support="floor"):  # noqa: E743 - short on purpose
    from agentscene.categories import infer_category

    return SceneObject(
        id=id, description=desc, category=category or infer_category(desc), size=size,
        position=pos if len(pos) == 3 else (pos[0], 0.0, pos[1]), yaw=yaw, support=support,
    )


def rect(w, d, x0=0.0, z0=0.0):
    return [(x0, z0), (x0 + w, z0), (x0 + w, z0 + d), (x0, z0 + d)]


def rotate_pts(pts, deg, cx=0.0, cz=0.0):
    a = math.radians(deg)
    c, s = math.cos(a), math.sin(a)
    return [(round(cx + c * (x - cx) + s * (z - cz), 6), round(cz - s * (x - cx) + c * (z - cz), 6)) for x, z in pts]


def rotated_pose(x, z, deg, cx=0.0, cz=0.0):
    (rx, rz), = rotate_pts([(x, z)], deg, cx, cz)
    return rx, rz


SCENES: dict[str, tuple[str, Scene]] = {}


def add(name, dialect, room, objects, metadata=None):
    SCENES[name] = (dialect, Scene(room=room, objects=objects, metadata=metadata or {}))


# 1. A clean small bedroom, native.
add("bedroom_basic", "native", Room(room_type="bedroom", floor=rect(4.0, 3.6), height=2.7,
    openings=[Opening(kind="door", wall=0, offset=3.3, width=0.9, height=2.05), Opening(kind="window", wall=2, offset=2.0, width=1.4, height=1.2, sill=0.9)]), [
    O("bed_1", "queen bed with grey upholstered headboard", (1.6, 1.05, 2.1), (1.6, 3.6 - 1.05), 180),
    O("nightstand_1", "walnut nightstand with one drawer", (0.5, 0.55, 0.4), (0.45, 3.6 - 0.2), 180),
    O("nightstand_2", "walnut nightstand with one drawer", (0.5, 0.55, 0.4), (2.75, 3.6 - 0.2), 180),
    O("wardrobe_1", "white two-door wardrobe", (1.0, 2.1, 0.6), (3.7, 1.9), -90),
    O("desk_1", "compact oak writing desk", (1.1, 0.75, 0.55), (0.9, 0.3), 0),
    O("office_chair_1", "black mesh office chair", (0.6, 1.0, 0.6), (0.9, 0.95), 180),
], {"prompt": "a small bedroom with a queen bed, two nightstands, a wardrobe and a desk"})

# 2. A bedroom with deliberate problems (SceneReVis flat): bed overlaps a nightstand, wardrobe crosses the east wall.
add("bedroom_problems", "scenerevis", Room(room_type="bedroom", floor=rect(4.2, 3.8, -2.1, -1.9), height=2.8), [
    O("bed_1", "king size bed with wooden frame", (1.9, 1.1, 2.2), (0.0, 1.9 - 2.2), 0),
    O("nightstand_1", "small bedside table", (0.5, 0.6, 0.45), (-0.9, -1.5), 0),
    O("nightstand_2", "small bedside table", (0.5, 0.6, 0.45), (1.2, -1.65), 0),
    O("wardrobe_1", "tall dark wood wardrobe", (1.2, 2.2, 0.6), (2.0, 0.6), 90),
    O("dresser_1", "six-drawer dresser", (1.2, 0.85, 0.5), (-1.5, 1.6), 180),
], {"known_issues": "bed_1 overlaps nightstand_1; wardrobe_1 sticks out through the east wall"})

# 3. A clean living room, SceneReVis grouped.
add("living_room_grouped", "scenerevis-grouped", Room(room_type="living_room", floor=rect(6.0, 4.6, -3.0, -2.3), height=2.8), [
    O("sofa_1", "three-seat grey fabric sofa", (2.2, 0.85, 0.95), (0.0, 2.3 - 0.5), 180),
    O("coffee_table_1", "rectangular oak coffee table", (1.2, 0.42, 0.6), (0.0, 0.35)),
    O("tv_stand_1", "low white media console", (1.8, 0.5, 0.45), (0.0, -2.3 + 0.25), 0),
    O("tv_1", "65 inch flat screen tv", (1.45, 0.85, 0.08), (0.0, 0.5, -2.3 + 0.25), 0, support="tv_stand_1"),
    O("armchair_1", "mustard velvet armchair", (0.85, 0.9, 0.85), (-2.0, 0.2), 90),
    O("armchair_2", "mustard velvet armchair", (0.85, 0.9, 0.85), (2.0, 0.2), -90),
    O("rug_1", "large wool area rug", (2.6, 0.01, 1.8), (0.0, 0.3)),
    O("floor_lamp_1", "brass arc floor lamp", (0.4, 1.7, 0.4), (-1.5, 1.95)),
    O("side_table_1", "round marble side table", (0.5, 0.55, 0.5), (1.5, 1.95)),
    O("bookshelf_1", "tall walnut bookcase", (0.9, 1.9, 0.35), (-2.75, -1.4), 90),
    O("plant_1", "potted fiddle leaf fig", (0.5, 1.4, 0.5), (2.6, -1.9)),
    O("painting_1", "large abstract canvas painting", (1.2, 0.8, 0.04), (0.0, 1.4, 2.3 - 0.02), 180, support="wall"),
], {"known_issues": "rug_1 lies under coffee_table_1 (a thin overlap, not a collision)"})

# 4. An L-shaped living room with a door, native.
L_floor = [(0, 0), (7, 0), (7, 3.5), (3.5, 3.5), (3.5, 6), (0, 6)]
add("living_room_L", "native", Room(room_type="living_room", floor=L_floor, height=2.9,
    openings=[Opening(kind="door", wall=1, offset=1.75, width=1.0, height=2.1), Opening(kind="window", wall=5, offset=3.0, width=1.6, height=1.4, sill=0.8)]), [
    O("sectional_sofa_1", "L-shaped sectional sofa in charcoal", (2.8, 0.85, 1.8), (1.7, 0.95), 0),
    O("coffee_table_1", "low round coffee table", (0.9, 0.4, 0.9), (1.7, 2.6)),
    O("tv_stand_1", "long walnut tv unit", (1.8, 0.5, 0.45), (1.75, 5.75), 180),
    O("tv_1", "55 inch television", (1.25, 0.75, 0.08), (1.75, 0.5, 5.75), 180, support="tv_stand_1"),
    O("dining_table_1", "oak dining table for four", (1.4, 0.75, 0.85), (5.3, 1.6)),
    O("dining_chair_1", "wooden dining chair", (0.45, 0.9, 0.5), (4.9, 0.85), 0),
    O("dining_chair_2", "wooden dining chair", (0.45, 0.9, 0.5), (5.7, 0.85), 0),
    O("dining_chair_3", "wooden dining chair", (0.45, 0.9, 0.5), (4.9, 2.35), 180),
    O("dining_chair_4", "wooden dining chair", (0.45, 0.9, 0.5), (5.7, 2.35), 180),
    O("bookshelf_1", "white open bookshelf", (0.9, 1.9, 0.35), (0.18, 4.2), 90),
    O("floor_lamp_1", "black floor lamp", (0.35, 1.6, 0.35), (3.2, 3.9)),
    O("plant_1", "tall potted palm", (0.5, 1.6, 0.5), (6.6, 3.1)),
    O("armchair_1", "leather lounge chair", (0.85, 0.95, 0.85), (3.0, 4.8), -90),
    O("rug_1", "round jute rug", (2.0, 0.01, 2.0), (1.7, 3.6)),
])

# 5. A dining room rotated by 30 degrees, in ReSpace's flat JSON.
rot = 30.0
dr_floor = rotate_pts(rect(5.0, 4.0, -2.5, -2.0), rot)
table_pose = rotated_pose(0.0, 0.0, rot)
chairs = []
for k, (x, z, yaw) in enumerate([(-0.55, -0.75, 0), (0.55, -0.75, 0), (-0.55, 0.75, 180), (0.55, 0.75, 180), (-1.25, 0.0, 90), (1.25, 0.0, -90)], start=1):
    px, pz = rotated_pose(x, z, rot)
    chairs.append(O(f"dining_chair_{k}", "upholstered beige dining chair", (0.48, 0.95, 0.52), (px, pz), yaw + rot))
sb = rotated_pose(0.0, -1.75, rot)
add("dining_room_rotated", "respace", Room(room_type="dining_room", floor=dr_floor, height=2.8), [
    O("dining_table_1", "rectangular walnut dining table for six", (1.8, 0.76, 0.95), table_pose, rot),
    *chairs,
    O("cabinet_1", "low sideboard with sliding doors", (1.6, 0.8, 0.45), sb, rot),
    O("ceiling_lamp_1", "glass pendant light over the table", (0.6, 0.4, 0.6), (table_pose[0], 2.4, table_pose[1]), 0, support="ceiling"),
])

# 6. A U-shaped kitchen, native.
U_floor = [(0, 0), (5, 0), (5, 4.5), (3.6, 4.5), (3.6, 1.6), (1.4, 1.6), (1.4, 4.5), (0, 4.5)]
add("kitchen_U", "native", Room(room_type="kitchen", floor=U_floor, height=2.6), [
    O("counter_1", "white base cabinets with quartz countertop", (2.4, 0.92, 0.6), (2.5, 0.3), 0),
    O("sink_1", "stainless steel kitchen sink", (0.8, 0.92, 0.6), (0.3, 1.0), 90),
    O("stove_1", "gas range with oven", (0.76, 0.92, 0.65), (4.67, 1.0), -90),
    O("fridge_1", "double-door refrigerator", (0.9, 1.8, 0.72), (0.36, 3.9), 90),
    O("dishwasher_1", "built-in dishwasher", (0.6, 0.85, 0.6), (0.3, 2.0), 90),
    O("cabinet_1", "tall pantry cabinet", (0.8, 2.1, 0.6), (4.7, 3.9), -90),
    O("counter_2", "corner counter with drawers", (1.2, 0.92, 0.6), (4.7, 2.3), -90),
    O("microwave_1", "countertop microwave", (0.5, 0.3, 0.4), (2.5, 0.92, 0.25), 0, support="counter_1"),
    O("trash_can_1", "pedal trash bin", (0.3, 0.6, 0.3), (0.95, 0.2)),
    O("bar_stool_1", "black metal bar stool", (0.4, 0.75, 0.4), (2.5, 1.2)),
])

# 7. A clean study, native.
add("study_room", "native", Room(room_type="study_room", floor=rect(3.6, 3.2), height=2.7), [
    O("desk_1", "large walnut writing desk", (1.5, 0.76, 0.7), (1.8, 0.35), 0),
    O("office_chair_1", "ergonomic office chair", (0.65, 1.15, 0.65), (1.8, 1.05), 180),
    O("bookshelf_1", "tall oak bookcase", (0.9, 2.0, 0.35), (0.18, 1.6), 90),
    O("bookshelf_2", "tall oak bookcase", (0.9, 2.0, 0.35), (0.18, 2.6), 90),
    O("armchair_1", "leather reading chair", (0.85, 1.0, 0.85), (2.9, 2.6), 225),
    O("floor_lamp_1", "brass reading lamp", (0.35, 1.55, 0.35), (3.35, 1.85)),
    O("table_lamp_1", "green banker's desk lamp", (0.25, 0.4, 0.25), (1.2, 0.76, 0.25), 0, support="desk_1"),
    O("rug_1", "persian rug", (1.6, 0.01, 1.2), (2.2, 2.4)),
])

# 8. An open office with 40 objects, native.
office = []
for row in range(2):
    for col in range(4):
        k = row * 4 + col + 1
        x, z = 1.6 + col * 1.9, 1.0 + row * 2.4
        office.append(O(f"desk_{k}", "white office desk", (1.4, 0.74, 0.7), (x, z), 0))
        office.append(O(f"office_chair_{k}", "grey task chair", (0.6, 1.0, 0.6), (x, z + 0.75), 180))
        office.append(O(f"monitor_{k}", "27 inch monitor", (0.62, 0.45, 0.2), (x, 0.74, z - 0.15), 0, support=f"desk_{k}"))
office += [
    O("table_1", "conference table for eight", (3.0, 0.75, 1.2), (4.5, 6.8)),
    *[O(f"chair_{k}", "black conference chair", (0.55, 0.9, 0.55), (3.35 + (k - 1) % 4 * 0.77, 6.8 + (-1 if k <= 4 else 1) * 0.9), 0 if k <= 4 else 180) for k in range(1, 9)],
    O("filing_cabinet_1", "grey metal filing cabinet", (0.45, 1.0, 0.6), (9.65, 1.0), -90),
    O("filing_cabinet_2", "grey metal filing cabinet", (0.45, 1.0, 0.6), (9.65, 1.6), -90),
    O("plant_1", "snake plant in a pot", (0.4, 1.0, 0.4), (0.35, 7.6)),
    O("plant_2", "potted ficus", (0.5, 1.5, 0.5), (9.6, 7.6)),
    O("printer_1", "office laser printer on a stand", (0.6, 1.0, 0.5), (9.65, 3.0), -90),
    O("trash_can_1", "office waste bin", (0.3, 0.5, 0.3), (0.4, 3.0)),
    O("whiteboard_1", "wall-mounted whiteboard", (1.8, 1.2, 0.03), (4.5, 1.0, 7.985), 180, support="wall"),
]
add("office_open", "native", Room(room_type="office", floor=rect(10.0, 8.0), height=3.0,
    openings=[Opening(kind="door", wall=3, offset=4.0, width=1.0, height=2.1)]), office)

# 9. A gym with overlaps: the two treadmills touch deep, the bench runs into the rack.
add("gym_overlaps", "scenerevis", Room(room_type="gym", floor=rect(7.0, 5.0, -3.5, -2.5), height=3.0), [
    O("treadmill_1", "commercial treadmill", (0.9, 1.4, 1.9), (-2.8, -1.4), 0),
    O("treadmill_2", "commercial treadmill", (0.9, 1.4, 1.9), (-2.1, -1.4), 0),
    O("exercise_bike_1", "spin bike", (0.6, 1.2, 1.2), (-0.6, -1.7), 0),
    O("weight_bench_1", "adjustable weight bench", (0.5, 0.5, 1.3), (1.6, 0.1), 0),
    O("squat_rack_1", "steel power rack", (1.3, 2.2, 1.3), (1.6, 1.35), 0),
    O("dumbbell_rack_1", "dumbbell rack with hex dumbbells", (1.2, 0.8, 0.5), (2.8, -2.2), 0),
    O("yoga_mat_1", "purple yoga mat", (0.65, 0.01, 1.85), (-0.5, 1.2), 90),
    O("mirror_1", "wall mirror", (2.0, 1.8, 0.03), (0.0, 0.3, 2.485), 180, support="wall"),
], {"known_issues": "treadmill_1 and treadmill_2 overlap by 0.2 m; weight_bench_1 runs 0.05 m into squat_rack_1"})

# 10. A tiny clean bathroom (3 objects), native.
add("bathroom_small", "native", Room(room_type="bathroom", floor=rect(2.5, 2.2), height=2.5), [
    O("toilet_1", "white wall-hung toilet", (0.4, 0.8, 0.65), (0.4, 0.33), 0),
    O("sink_1", "pedestal washbasin", (0.6, 0.85, 0.45), (1.3, 0.23), 0),
    O("bathtub_1", "white acrylic bathtub", (1.7, 0.6, 0.75), (1.25, 2.2 - 0.375), 180),
])

# 11. An entertainment room with one object wholly outside and one through the ceiling.
add("entertainment_oob", "native", Room(room_type="entertainment_room", floor=rect(6.0, 5.0), height=2.6), [
    O("pool_table_1", "full size pool table", (2.5, 0.8, 1.4), (3.0, 2.0)),
    O("sofa_1", "black leather sofa", (2.0, 0.85, 0.9), (3.0, 4.5), 180),
    O("tv_1", "85 inch tv", (1.9, 1.1, 0.08), (3.0, 1.2, 0.04), 0, support="wall"),
    O("arcade_machine_1", "retro arcade cabinet", (0.7, 1.8, 0.8), (7.5, 2.0), -90),
    O("speaker_1", "tall floor speaker", (0.3, 1.1, 0.3), (0.4, 0.4)),
    O("speaker_2", "tall floor speaker", (0.3, 1.1, 0.3), (5.6, 0.4)),
    O("bookshelf_1", "very tall display shelf", (1.0, 3.0, 0.4), (0.25, 2.5), 90),
], {"known_issues": "arcade_machine_1 is wholly outside the room (x = 7.5); bookshelf_1 is taller than the room"})

# 12. A clockwise SceneReVis bedroom with quaternions and retrieval placeholders (written raw below).

# 13. A kid's room with stacked supports, native.
add("kids_room_stacked", "native", Room(room_type="bedroom", floor=rect(3.4, 3.0), height=2.6), [
    O("bed_1", "single bed with guard rail", (1.0, 0.8, 2.0), (0.55, 1.85), 0),
    O("nightstand_1", "pastel nightstand", (0.45, 0.5, 0.4), (1.3, 2.8), 180),
    O("table_lamp_1", "mushroom table lamp", (0.25, 0.35, 0.25), (1.3, 0.5, 2.8), 0, support="nightstand_1"),
    O("desk_1", "small white kids desk", (1.0, 0.6, 0.5), (2.5, 0.25), 0),
    O("chair_1", "small plastic chair", (0.4, 0.6, 0.4), (2.5, 0.75), 180),
    O("basket_1", "toy storage box", (0.6, 0.4, 0.4), (3.1, 2.0), -90),
    O("rug_1", "round star rug", (1.2, 0.01, 1.2), (2.2, 1.6)),
])

# 14. Identical duplicates at the same pose (a common model mistake), SceneReVis flat.
add("duplicates_overlap", "scenerevis", Room(room_type="dining_room", floor=rect(4.0, 4.0, -2.0, -2.0), height=2.8), [
    O("dining_table_1", "round dining table", (1.2, 0.75, 1.2), (0.0, 0.0)),
    O("dining_chair_1", "bentwood dining chair", (0.45, 0.9, 0.5), (0.0, -0.9), 0),
    O("dining_chair_2", "bentwood dining chair", (0.45, 0.9, 0.5), (0.0, -0.9), 0),
    O("dining_chair_3", "bentwood dining chair", (0.45, 0.9, 0.5), (0.0, 0.9), 180),
], {"known_issues": "dining_chair_1 and dining_chair_2 occupy the same space"})


CLOCKWISE_SCENEREVIS = {
    "room_type": "bedroom",
    "room_id": "Bedroom-7781",
    "bounds_top": [[-1.9, 2.75, 1.75], [1.9, 2.75, 1.75], [1.9, 2.75, -1.75], [-1.9, 2.75, -1.75]],
    "bounds_bottom": [[-1.9, 0.0, 1.75], [1.9, 0.0, 1.75], [1.9, 0.0, -1.75], [-1.9, 0.0, -1.75]],
    "objects": [
        {"desc": "modern double bed with fabric headboard", "size": [1.72, 1.12, 2.16], "pos": [0.0, 0.0, -0.65],
         "rot": [0, 0, 0, 1], "jid": "6a4ef9a4-0a2c-4c6c-9a3e-3f5b3a2f6f11"},
        {"desc": "nightstand with two drawers", "size": [0.48, 0.52, 0.4], "pos": [-1.15, 0.0, -1.5],
         "rot": [0, 0, 0, 1], "jid": "b9c0d2e1-77aa-4c1e-8f0e-1d2c3b4a5e6f"},
        {"desc": "nightstand with two drawers", "size": [0.48, 0.52, 0.4], "pos": [1.15, 0.0, -1.5],
         "rot": [0, 0, 0, 1], "jid": "b9c0d2e1-77aa-4c1e-8f0e-1d2c3b4a5e6f"},
        {"desc": "sliding door wardrobe", "size": [1.5, 2.2, 0.62], "pos": [1.55, 0.0, 0.9],
         "rot": [0, -0.7071068, 0, 0.7071068], "jid": "<NEED_RETRIEVAL>"},
        {"desc": "upholstered bench at the foot of the bed", "size": [1.2, 0.45, 0.4], "pos": [0.0, 0.0, 0.75],
         "rot": [0, 1, 0, 0], "jid": "<NEED_RETRIEVAL>", "asset_source": "3d-future"},
        {"desc": "tall potted plant", "size": [0.45, 1.3, 0.45], "pos": [-1.6, 0.0, 1.45],
         "rot": [0, 0, 0, 1], "uid": "0f1e2d3c4b5a69788796a5b4c3d2e1f0", "asset_source": "objaverse",
         "retrieved_size": [0.5, 1.42, 0.48]},
    ],
}


def _fake_jid(text: str) -> str:
    import hashlib

    h = hashlib.sha1(text.encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def _box_overlaps(scene: Scene) -> list[dict]:
    """Pairs whose oriented boxes share volume, with the shared footprint area and height."""
    out = []
    objs = scene.objects
    for i in range(len(objs)):
        for j in range(i + 1, len(objs)):
            a, b = objs[i], objs[j]
            dy = min(a.top, b.top) - max(a.position[1], b.position[1])
            if dy <= 0:
                continue
            area = Polygon(a.footprint()).intersection(Polygon(b.footprint())).area
            if area > 1e-9:
                out.append({"pair": [a.id, b.id], "footprint_overlap_m2": round(area, 4), "height_overlap_m": round(dy, 4),
                            "volume_m3": round(area * dy, 4)})
    return out


def _outside(scene: Scene) -> list[dict]:
    room = scene.room.polygon()
    out = []
    for o in scene.objects:
        fp = Polygon(o.footprint())
        outside_area = fp.difference(room.buffer(1e-3)).area
        above = max(0.0, o.top - scene.room.height - 1e-3)
        if outside_area > 1e-6 or above > 0:
            out.append({"id": o.id, "footprint_outside_m2": round(outside_area, 4), "above_ceiling_m": round(above, 4),
                        "wholly_outside": not fp.intersects(room)})
    return out


def main() -> None:
    from agentscene.formats import load_scene

    SCENE_DIR.mkdir(exist_ok=True)
    manifest = {}
    for name, (dialect, scene) in SCENES.items():
        if dialect == "respace":  # ReSpace files carry the retrieved 3D-FUTURE asset of each object
            scene = scene.model_copy(update={"objects": tuple(
                o.model_copy(update={"asset": Asset(asset_id=_fake_jid(o.description), retrieved_size=tuple(round(v * 1.03, 3) for v in o.size))})
                for o in scene.objects)})
        path = SCENE_DIR / f"{name}.json"
        path.write_text(json.dumps(dump_scene(scene, dialect), indent=2) + "\n")
        manifest[path.name] = {"dialect": dialect, "room_type": scene.room.room_type, "objects": len(scene.objects),
                               "overlaps": _box_overlaps(scene), "outside": _outside(scene)}
    path = SCENE_DIR / "bedroom_clockwise_scenerevis.json"
    path.write_text(json.dumps(CLOCKWISE_SCENEREVIS, indent=2) + "\n")
    scene = load_scene(path)
    manifest[path.name] = {"dialect": "scenerevis", "room_type": "bedroom", "objects": len(scene.objects),
                           "overlaps": _box_overlaps(scene), "outside": _outside(scene)}
    (HERE / "fixtures.json").write_text(json.dumps(manifest, indent=2) + "\n")
    for k, v in manifest.items():
        print(f"{k:36} {v['dialect']:20} {v['objects']:3} objects, {len(v['overlaps'])} overlaps, {len(v['outside'])} outside")


if __name__ == "__main__":
    main()
