"""The offline judge's one table: every rule, the relation it checks, its thresholds and its sentence.

Category facts (which objects stand against walls, their clearances, mount heights, companions)
live in agentscene.categories; physical tolerances (wall and support gaps, the walking agent's
radius, the door zone) in agentscene.rewards.Tolerances. This table says what the judge does with
them. A rule takes `penalty` points (0-10 scale) off its axis per finding, `severity`-weighted,
and at most `cap` points in all. `subjects` / `anchors` select objects: a category name, or
`@family`, `@against_wall` (every category placed with its back to a wall) or `@clearance`
(every category with a clearance); `exempt` removes some of the subjects again.
`message` is filled with the finding's fields ({a}, {b}, ...) and is written for a model to act on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Axis = Literal["rationality", "spatial_layout", "accessibility", "requirement_match"]
#: the judge's four scores, on SceneReVis' 0-10 scale
AXES: tuple[Axis, ...] = ("rationality", "spatial_layout", "accessibility", "requirement_match")


@dataclass(frozen=True)
class Rule:
    id: str
    axis: Axis
    penalty: float
    cap: float
    doc: str
    message: str
    subjects: tuple[str, ...] = ()
    anchors: tuple[str, ...] = ()
    exempt: tuple[str, ...] = ()
    #: a second selector: what a rug may lie in front of (a bath mat); fixtures whose runs may meet at a corner
    fronts: tuple[str, ...] = ()
    params: dict[str, float] = field(default_factory=dict)


_SEATING = ("dining_chair", "bar_stool", "office_chair", "chair", "stool")
_TABLES = ("dining_table", "table", "kitchen_island", "counter", "desk", "vanity")
_FOCAL = ("tv", "tv_stand", "coffee_table", "fireplace", "projector_screen")

RULES: tuple[Rule, ...] = (
    # -- rationality: each object makes sense on its own -----------------------------------------
    Rule("back_to_wall", "rationality", 4.0, 8.0,
         "beds, wardrobes, dressers, bookcases, TV stands, desks (every against-the-wall category but seats) "
         "stand with their backs to a wall",
         "{a} stands with its back {gap:.2f} m from the nearest wall: {fix}",
         subjects=("@against_wall",), exempt=("@seat",),
         params={"max_gap": 0.15, "max_angle": 20.0}),
    Rule("lamp_support", "rationality", 2.0, 4.0,
         "lamps stand on a surface or the floor (within Tolerances.support_tolerance), or hang from the ceiling, "
         "never in mid-air",
         "{a} floats {gap:.2f} m above {below}: set its bottom to y = {y:.2f}",
         subjects=("@lamp",)),
    Rule("wall_mount", "rationality", 2.0, 6.0,
         "wall items (support wall) hang on a wall, facing into the room, at a sensible height",
         "{a} {problem}: {fix}",
         params={"max_angle": 20.0}),
    Rule("opening_blocked", "rationality", 2.0, 6.0,
         "nothing tall stands in front of a window and nothing hangs over a window or a door",
         "{a} covers the {kind} on wall {wall}: {fix}",
         params={"max_gap": 0.3, "min_overlap": 0.1, "sill_margin": 0.3}),
    Rule("essentials", "rationality", 2.0, 4.0,
         "the room has what its type needs (a bedroom a bed, a kitchen a stove and a fridge, ...)",
         "{room} needs {b}: add one"),
    Rule("room_caps", "rationality", 0.0, 0.0,
         "SceneReVis' judge rule: a room area outside the type's range, or fewer than 4 objects, caps rationality at 6",
         "{problem}", params={"min_objects": 4, "cap_to": 6.0}),
    Rule("collision", "rationality", 2.0, 6.0,
         "with a physics report: colliding pairs",
         "{a} and {b} collide ({depth:.2f} m deep): separate them"),
    Rule("out_of_room", "rationality", 2.0, 6.0,
         "with a physics report: objects sticking out of the room",
         "{a} sticks out of the room: move it inside"),
    Rule("floating", "rationality", 1.0, 3.0,
         "with a physics report: objects not resting on their support",
         "{a} floats or sinks: set it on its support"),
    # -- spatial layout: objects relate to each other as people use them -------------------------
    Rule("nightstand_by_bed", "spatial_layout", 3.0, 6.0,
         "a nightstand stands beside the head of a bed",
         "{a} is not beside the head of {b}: {fix}",
         subjects=("nightstand",), anchors=("@bed",),
         params={"max_side_gap": 0.5, "head_zone": 0.9, "max_angle": 60.0}),
    Rule("chair_at_table", "spatial_layout", 3.0, 9.0,
         "dining chairs and stools stand at a table and every chair at a table faces it",
         "{a} {problem}: {fix}",
         subjects=_SEATING, anchors=_TABLES,
         params={"max_gap": 0.8, "near": 1.2, "max_angle": 50.0}),
    Rule("desk_chair", "spatial_layout", 3.0, 6.0,
         "every desk has a chair at its front",
         "{a} has no chair: {fix}",
         subjects=("desk",), anchors=_SEATING, params={"max_gap": 0.9}),
    Rule("seat_faces_focal", "spatial_layout", 3.0, 6.0,
         "sofas and armchairs face the TV, the coffee table or the fireplace when the room has one",
         "{a} turns {angle:.0f}° away from {b}: rotate it to yaw {yaw:.0f}",
         subjects=("sofa", "sectional_sofa", "armchair"), anchors=_FOCAL,
         params={"max_angle": 45.0, "max_angle_armchair": 70.0}),
    Rule("screen_faces_seats", "spatial_layout", 3.0, 6.0,
         "a TV or projector screen faces the sofa, armchairs or bed that watch it",
         "{a} turns {angle:.0f}° away from {b}: rotate it to yaw {yaw:.0f}",
         subjects=("tv", "projector_screen"), anchors=("sofa", "sectional_sofa", "armchair", "bed"),
         params={"max_angle": 60.0}),
    Rule("rug_under_group", "spatial_layout", 1.0, 3.0,
         "a rug lies under a furniture group (a bed, a sofa and its table, a dining table) or, as a mat, "
         "in front of a bath or kitchen fixture",
         "{a} lies under no furniture: {fix}",
         subjects=("@covering",), anchors=("@bed", "@seat", "@table"), fronts=("@bath", "@kitchen"),
         params={"min_overlap": 0.15, "mat_reach": 0.3}),
    Rule("density", "spatial_layout", 1.0, 3.0,
         "the room is neither crammed nor bare, and furniture is not piled in one part of it",
         "{problem}", params={"crammed": 0.55, "sparse": 0.12, "crammed_points": 2.0, "pile_points": 2.0, "pile_min": 3}),
    # -- accessibility: people can get to things and use them -------------------------------------
    Rule("front_clearance", "accessibility", 3.0, 6.0,
         "free floor in front of beds, wardrobes, sofas, desks and everything with a clearance",
         "only {free:.0%} of the {depth:.2f} m in front of {a} is free ({by}): {fix}",
         subjects=("@clearance",), exempt=(), fronts=("@kitchen", "@bath"),  # fronts: a fixture run meeting at a corner
         params={"max_blocked": 0.25, "width_share": 0.8}),
    Rule("door_clearance", "accessibility", 3.0, 6.0,
         "the floor inside each door stays free (Tolerances.door_clearance_depth)",
         "{by} block the door on wall {wall}: keep {depth:.1f} m inside it free",
         params={"max_blocked": 0.2}),
    Rule("reachable", "accessibility", 2.5, 7.5,
         "every seat and bed can be reached on foot from a door (Tolerances.agent_radius)",
         "{a} cannot be reached from the door: {fix}",
         subjects=("@seat", "@bed"), params={"reach": 0.3, "cell": 0.1, "max_cells": 40000}),
    Rule("walkable_floor", "accessibility", 10.0, 7.0,
         "most of the free floor is reachable from the door (severity grows below `good`, full at `bad`)",
         "only {share:.0%} of the free floor is reachable from the door: open a path",
         params={"good": 0.75, "bad": 0.3}),
    # -- requirement match: the request is met -----------------------------------------------------
    Rule("requested_object", "requirement_match", 10.0, 10.0,
         "every object the prompt asks for is there, as many as asked (shares of the request)",
         "the request asks for {count} {b}, the scene has {have}: {fix}"),
    Rule("requested_relation", "requirement_match", 10.0, 10.0,
         "every relation the brief asks for holds (facing, beside, either side of, under the window, around, ...)",
         "the request asks for {b} {relation}{c}, which does not hold: {fix}"),
    Rule("excluded_object", "requirement_match", 3.0, 6.0,
         "nothing the prompt rules out is there",
         "the request rules out {b}, but {a} is there: remove it"),
    Rule("out_of_place", "requirement_match", 2.0, 6.0,
         "nothing belongs to another room type (a toilet in a bedroom) unless asked for",
         "{a} does not belong in {room}: remove it"),
)

RULES_BY_ID: dict[str, Rule] = {r.id: r for r in RULES}

#: what each room type needs (SceneReVis' judge: object completeness)
ESSENTIALS: dict[str, tuple[tuple[str, ...], ...]] = {  # each entry: any one of these categories
    "bedroom": (("bed",), ("wardrobe", "dresser")),
    "kids_room": (("bed", "crib"),),
    "living_room": (("sofa", "sectional_sofa"), ("coffee_table", "side_table")),
    "dining_room": (("dining_table", "table"), ("dining_chair", "chair")),
    "kitchen": (("stove",), ("fridge",), ("sink",)),
    "bathroom": (("toilet",), ("sink",)),
    "office": (("desk",), ("office_chair", "chair")),
    "study_room": (("desk",), ("office_chair", "chair")),
    "gym": (("treadmill", "exercise_bike", "rowing_machine", "elliptical", "weight_bench", "squat_rack", "dumbbell_rack"),),
    "entertainment_room": (("sofa", "sectional_sofa", "armchair"),),
}

#: categories that belong only in these room types (out_of_place), unless the prompt asks for them
HOME_ROOMS: dict[str, tuple[str, ...]] = {
    "toilet": ("bathroom",), "bathtub": ("bathroom",), "shower": ("bathroom",), "towel_rack": ("bathroom", "gym"),
    "stove": ("kitchen",), "dishwasher": ("kitchen",), "kitchen_island": ("kitchen", "dining_room"),
    "squat_rack": ("gym",), "treadmill": ("gym", "entertainment_room"),
}

#: thresholds of the relations a brief can ask for (names: agentscene.brief's RelationKind;
#: checks: agentscene.critics.relations)
RELATION_PARAMS: dict[str, dict[str, float]] = {
    "facing": {"max_angle": 45.0},
    "beside": {"max_gap": 0.6},
    "at": {"max_gap": 0.6, "max_angle": 60.0},
    "around": {"max_gap": 0.6, "max_angle": 60.0},
    "at_ends": {"max_gap": 0.6, "max_angle": 60.0},
    "at_sides": {"max_gap": 0.6, "max_angle": 60.0},
    "either_side": {"max_gap": 0.6},
    "in_front_of": {"max_gap": 2.5, "max_angle": 45.0},
    "at_foot": {"max_gap": 0.6},
    "on": {},  # Tolerances.support_tolerance
    "under": {"max_gap": 0.05},
    "above": {"max_gap": 0.3},
    "in_corner": {"max_gap": 0.3},
    "against_wall": {"max_gap": 0.15, "max_angle": 20.0},
    "on_wall": {"max_gap": 0.05, "max_angle": 20.0},
    "by_window": {"max_gap": 0.6},
}
