"""Writes the RoomPlan fixture captures in tests/data/roomplan/ (run: python tests/data/roomplan/make_captures.py).

Each room is laid out by hand below in our frame (metres, y up, floor at 0), then written the
way iOS RoomPlan's `JSONEncoder().encode(capturedRoom)` writes it: elements with
`dimensions` [x, y, z], `transform` as 16 column-major float32 values, enum-valued
`category` / `confidence` as single-key objects, upper-case UUIDs. The capture frame is an
ARKit world frame: the room is turned by an arbitrary yaw and the floor sits below the
phone's starting height. Scans are imperfect, so walls overshoot or stop short of their
corners by a few centimetres and objects carry a fraction of a degree of tilt; the bedroom
also has one real 0.22 m gap between two walls. `expected.json` records what an import must find.
"""

from __future__ import annotations

import json
import math
import random
import uuid
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent


def f32(v: float) -> float:
    """A float as Swift prints a Float: the shortest float32 repr."""
    return float(str(np.float32(v)))


def rot_y(deg: float) -> np.ndarray:
    a = math.radians(deg)
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def rot_x(deg: float) -> np.ndarray:
    a = math.radians(deg)
    c, s = math.cos(a), math.sin(a)
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


class Capture:
    """Collects elements of one capture; `frame_yaw`/`origin` place our frame in ARKit's world."""

    def __init__(self, seed: int, frame_yaw: float, origin: tuple[float, float, float]):
        self.rng = random.Random(seed)
        self.frame = rot_y(frame_yaw)
        self.origin = np.array(origin)
        self.spec = {"frame_yaw": frame_yaw, "origin": list(origin), "opening_specs": []}
        self.data: dict = {"walls": [], "doors": [], "windows": [], "openings": [], "objects": [], "floors": [], "sections": []}
        self.wall_ids: list[str] = []
        self.layout: list[list[float]] = []  # [x, y, z, yaw] of each object in our frame, in order

    def uid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4)).upper()

    def world(self, p) -> np.ndarray:
        return self.frame @ np.asarray(p, dtype=float) + self.origin

    def transform(self, rot: np.ndarray, centre) -> list[float]:
        m = np.eye(4)
        m[:3, :3] = self.frame @ rot
        m[:3, 3] = self.world(centre)
        return [f32(v) for v in m.T.reshape(-1)]  # column major

    def confidence(self) -> dict:
        return {"high": {}} if self.rng.random() < 0.85 else {"medium": {}}

    def surface(self, category: dict, dims, rot, centre, parent=None, corners=()) -> dict:
        return {
            "category": category, "confidence": self.confidence(), "curve": None, "completedEdges": [],
            "dimensions": [f32(v) for v in dims], "identifier": self.uid(), "parentIdentifier": parent,
            "polygonCorners": [[f32(v) for v in c] for c in corners], "story": 0, "transform": self.transform(rot, centre),
        }

    def walls(self, floor, height, ends=None):
        """One wall per floor edge; `ends[i]` = (start, end) extension in metres (negative stops short)."""
        n = len(floor)
        for i in range(n):
            a, b = np.array(floor[i]), np.array(floor[(i + 1) % n])
            u = (b - a) / np.linalg.norm(b - a)
            e0, e1 = ends[i] if ends and i in ends else (self.rng.uniform(-0.03, 0.06), self.rng.uniform(-0.03, 0.06))
            a2, b2 = a - u * e0, b + u * e1
            if self.rng.random() < 0.5:  # RoomPlan does not orient walls consistently
                a2, b2, u = b2, a2, -u
            mid = (a2 + b2) / 2.0
            yaw = math.degrees(math.atan2(u[0], u[1])) - 90.0  # local +x along the wall
            wall = self.surface({"wall": {}}, (np.linalg.norm(b2 - a2), height, 0.0), rot_y(yaw), (mid[0], height / 2, mid[1]))
            self.data["walls"].append(wall)
            self.wall_ids.append(wall["identifier"])

    def in_wall(self, kind: str, floor, wall: int, offset: float, width: float, height: float, sill: float = 0.0, is_open=False):
        a, b = np.array(floor[wall]), np.array(floor[(wall + 1) % len(floor)])
        u = (b - a) / np.linalg.norm(b - a)
        c = a + u * offset
        yaw = math.degrees(math.atan2(u[0], u[1])) - 90.0
        category = {"door": {"isOpen": is_open}} if kind == "door" else {kind: {}}
        key = {"door": "doors", "window": "windows", "opening": "openings"}[kind]
        self.spec["opening_specs"].append({"kind": kind, "x": float(c[0]), "z": float(c[1]), "width": width, "height": height, "sill": sill})
        self.data[key].append(self.surface(category, (width, height, 0.0), rot_y(yaw), (c[0], sill + height / 2, c[1]), parent=self.wall_ids[wall]))

    def obj(self, category: str, dims, pos, yaw: float):
        """pos = bottom centre (x, z) in our frame, or (x, y, z) to stand on something."""
        x, y, z = (pos[0], 0.0, pos[1]) if len(pos) == 2 else pos
        self.layout.append([x, y, z, yaw])
        tilt = rot_x(self.rng.uniform(-0.4, 0.4))  # scans are never perfectly upright
        self.data["objects"].append({
            "category": {category: {}}, "confidence": self.confidence(), "dimensions": [f32(v) for v in dims],
            "identifier": self.uid(), "parentIdentifier": None, "story": 0,
            "transform": self.transform(rot_y(yaw) @ tilt, (x, y + dims[1] / 2, z)),
        })

    def floor_surface(self, floor):
        xs, zs = [p[0] for p in floor], [p[1] for p in floor]
        cx, cz = (min(xs) + max(xs)) / 2, (min(zs) + max(zs)) / 2
        rot = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])  # local z up, local y = -z
        corners = [(x - cx, -(z - cz), 0.0) for x, z in floor]
        self.data["floors"].append(self.surface({"floor": {}}, (max(xs) - min(xs), max(zs) - min(zs), 0.0), rot, (cx, 0.0, cz), corners=corners))

    def section(self, label: str, x: float, z: float):
        self.data["sections"].append({"label": label, "story": 0, "center": [f32(v) for v in self.world((x, 0.0, z))]})

    def finish(self, identifier: bool) -> dict:
        out = {"version": 2, "story": 0}
        if identifier:
            out["identifier"] = self.uid()
        out.update(self.data)
        out["referenceOriginTransform"] = [f32(v) for v in np.eye(4).reshape(-1)]
        return out


def bedroom() -> tuple[dict, dict]:
    floor = [(0.0, 0.0), (3.6, 0.0), (3.6, 4.2), (0.0, 4.2)]
    cap = Capture(seed=11, frame_yaw=23.0, origin=(1.84, -1.37, -0.62))
    cap.walls(floor, 2.55, ends={1: (0.02, -0.22)})  # the right wall stops 22 cm short of the back corner
    cap.in_wall("door", floor, 0, 0.62, 0.86, 2.03)
    cap.in_wall("window", floor, 2, 1.8, 1.3, 1.25, sill=0.88)
    cap.obj("bed", (1.62, 0.58, 2.08), (1.8, 4.2 - 1.06), 180.0)
    cap.obj("storage", (0.46, 0.52, 0.4), (0.7, 4.2 - 0.22), 180.0)
    cap.obj("storage", (0.46, 0.52, 0.4), (2.9, 4.2 - 0.22), 180.0)
    cap.obj("storage", (1.2, 2.05, 0.58), (3.6 - 0.3, 1.3), -90.0)
    cap.obj("storage", (1.0, 0.78, 0.45), (2.2, 0.24), 0.0)
    cap.obj("television", (0.98, 0.58, 0.08), (2.2, 0.78, 0.2), 0.0)
    cap.obj("table", (1.1, 0.74, 0.55), (0.3, 1.9), 90.0)
    cap.obj("chair", (0.5, 0.86, 0.52), (0.86, 1.7), -90.0)
    cap.floor_surface(floor)
    cap.section("bedroom", 1.8, 2.1)
    expected = {"room_type": "bedroom", "area": 3.6 * 4.2, "vertices": 4, "height": 2.55,
                "openings": {"door": 1, "window": 1}, "warnings": ["gap_closed"],
                "categories": {"bed": 1, "cabinet": 4, "tv": 1, "table": 1, "chair": 1},
                "supports": {"tv_1": "cabinet_4"}, "yaws": {"bed_1": 180.0, "cabinet_3": -90.0, "chair_1": -90.0}, "collisions": []}
    expected.update(layout=cap.layout, **cap.spec)
    return cap.finish(identifier=True), expected


def living_room() -> tuple[dict, dict]:
    floor = [(0.0, 0.0), (6.2, 0.0), (6.2, 3.4), (3.6, 3.4), (3.6, 5.6), (0.0, 5.6)]
    cap = Capture(seed=22, frame_yaw=-61.5, origin=(-2.3, -1.12, 3.05))
    cap.walls(floor, 2.7)
    cap.in_wall("door", floor, 0, 5.4, 0.9, 2.05, is_open=True)
    cap.in_wall("opening", floor, 3, 0.75, 1.2, 2.1)  # open doorway to the hall
    cap.in_wall("window", floor, 1, 1.7, 1.6, 1.4, sill=0.8)
    cap.in_wall("window", floor, 5, 2.8, 1.4, 1.4, sill=0.8)
    cap.obj("sofa", (2.2, 0.84, 0.95), (1.8, 0.5), 0.0)
    cap.obj("sofa", (0.86, 0.92, 0.84), (0.55, 2.1), 90.0)
    cap.obj("table", (1.1, 0.42, 0.6), (1.8, 1.85), 0.0)
    cap.obj("storage", (1.8, 0.5, 0.42), (1.8, 3.55), 180.0)
    cap.obj("television", (1.45, 0.84, 0.07), (1.8, 0.5, 3.58), 180.0)
    cap.obj("fireplace", (1.5, 1.1, 0.45), (0.23, 4.6), 90.0)
    cap.obj("table", (1.6, 0.75, 0.9), (4.7, 1.9), 0.0)
    cap.obj("chair", (0.46, 0.9, 0.5), (4.3, 1.2), 0.0)
    cap.obj("chair", (0.46, 0.9, 0.5), (5.1, 1.2), 0.0)
    cap.obj("chair", (0.46, 0.9, 0.5), (4.3, 2.6), 180.0)
    cap.obj("chair", (0.46, 0.9, 0.5), (5.1, 2.6), 180.0)
    cap.obj("storage", (0.8, 1.9, 0.35), (3.6 - 0.18, 5.18), -90.0)
    cap.floor_surface(floor)
    cap.section("livingRoom", 1.8, 2.5)
    expected = {"room_type": "living_room", "area": 6.2 * 3.4 + 3.6 * 2.2, "vertices": 6, "height": 2.7,
                "openings": {"door": 1, "opening": 1, "window": 2}, "warnings": [],
                "categories": {"sofa": 2, "table": 2, "cabinet": 2, "tv": 1, "fireplace": 1, "chair": 4},
                "supports": {"tv_1": "cabinet_1"}, "yaws": {"sofa_1": 0.0, "sofa_2": 90.0, "tv_1": 180.0}, "collisions": []}
    expected.update(layout=cap.layout, **cap.spec)
    return cap.finish(identifier=False), expected


def kitchen() -> tuple[dict, dict]:
    floor = [(0.0, 0.0), (3.2, 0.0), (3.2, 4.0), (0.0, 4.0)]
    cap = Capture(seed=33, frame_yaw=141.0, origin=(0.4, -1.51, 2.2))
    cap.walls(floor, 2.45)
    cap.in_wall("door", floor, 0, 2.5, 0.82, 2.0)
    cap.in_wall("window", floor, 2, 1.6, 1.1, 1.0, sill=1.05)
    cap.obj("storage", (2.4, 0.9, 0.6), (1.6, 4.0 - 0.3), 180.0)  # base cabinets along the back
    cap.obj("sink", (0.8, 0.9, 0.6), (1.6, 4.0 - 0.3 - 0.001), 180.0)
    cap.obj("stove", (0.6, 0.92, 0.62), (3.2 - 0.31, 2.6), -90.0)
    cap.obj("refrigerator", (0.7, 1.82, 0.7), (3.2 - 0.36, 1.1), -90.0)
    cap.obj("dishwasher", (0.6, 0.85, 0.6), (0.3, 3.05), 90.0)
    cap.obj("washerDryer", (0.6, 0.85, 0.6), (0.3, 2.4), 90.0)
    cap.obj("table", (1.2, 0.75, 0.8), (1.3, 1.5), 0.0)
    cap.obj("chair", (0.45, 0.88, 0.5), (1.0, 0.85), 0.0)
    cap.obj("chair", (0.45, 0.88, 0.5), (1.6, 2.15), 180.0)
    cap.floor_surface(floor)
    cap.section("kitchen", 1.6, 2.0)
    expected = {"room_type": "kitchen", "area": 3.2 * 4.0, "vertices": 4, "height": 2.45,
                "openings": {"door": 1, "window": 1}, "warnings": [],
                "categories": {"cabinet": 1, "sink": 1, "stove": 1, "fridge": 1, "dishwasher": 1, "washing_machine": 1, "table": 1, "chair": 2},
                "supports": {}, "yaws": {"fridge_1": -90.0, "dishwasher_1": 90.0},
                "collisions": [["cabinet_1", "sink_1"]]}  # RoomPlan reports the sink inside the base-cabinet run
    expected.update(layout=cap.layout, **cap.spec)
    return cap.finish(identifier=True), expected


def main() -> None:
    expected = {}
    for name, build in (("bedroom", bedroom), ("living_room_L", living_room), ("kitchen", kitchen)):
        data, exp = build()
        (HERE / f"{name}.json").write_text(json.dumps(data, separators=(",", ":")) + "\n")
        expected[f"{name}.json"] = exp
    (HERE / "expected.json").write_text(json.dumps(expected, indent=2) + "\n")


if __name__ == "__main__":
    main()
