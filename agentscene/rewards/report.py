"""The evaluation report: pydantic, JSON-serialisable, with per-object details.

Rates are percentages of objects (SceneReVis' convention); depths in m; volumes in m³.
Sections that a quick (incremental) evaluation does not compute are None, never zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pydantic import BaseModel, ConfigDict, Field

from agentscene.rewards.bounds import ObjectBounds
from agentscene.rewards.collision import PairContact
from agentscene.rewards.scene_eval import SceneEvalReport
from agentscene.rewards.stability import StabilityReport
from agentscene.rewards.tolerances import Tolerances


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PairOverlap(_Model):
    """Two objects that interpenetrate."""

    a: str
    b: str
    depth: float = Field(description="minimum translation that separates them (m)")
    volume: float = Field(description="volume they share (m³)")
    direction: tuple[float, float, float] = Field(description="moving b along this unit vector by `depth` separates the pair")


class WallCrossing(_Model):
    wall: int = Field(description="index i of the wall from floor[i] to floor[i+1]")
    side: str = Field(description="compass side of the wall: north = -z (top of the top view), east = +x")
    distance: float = Field(description="how far the object reaches beyond the wall (m)")
    move: str = Field(description="signed axis that points back into the room, e.g. '+x'")
    inward: tuple[float, float] = Field(description="unit (dx, dz) pointing into the room")


class OutOfBounds(_Model):
    id: str
    oob: bool = Field(description="counted in oob_rate: outside_fraction exceeds the tolerance")
    outside_fraction: float = Field(description="share of the object's surface outside the room prism")
    volume: float = Field(description="volume outside the room (m³)")
    wholly_outside: bool
    crossings: list[WallCrossing] = Field(default_factory=list)
    above_ceiling: float = Field(0.0, description="how far the top is above the ceiling (m)")
    below_floor: float = Field(0.0, description="how far the bottom is below the floor (m)")


class FloatingObject(_Model):
    id: str
    support: str
    gap: float = Field(description="signed distance to the supporting surface (m); negative = sunk into it")
    reason: str


class DoorClearance(_Model):
    opening: int = Field(description="index into room.openings")
    wall: int
    kind: str
    clearance: float = Field(description="free depth in front of the opening, capped at the checked depth (m)")
    blocked: bool
    blocking: list[str] = Field(default_factory=list)


class EvalReport(_Model):
    """Physics evaluation of one scene."""

    n_objects: int
    compat: str | None = Field(None, description="None for agentscene's metrics, 'scenerevis' for theirs, 'scene-eval' for ours plus SceneEval's in scene_eval")
    collision_rate: float = Field(description="% of objects in a pair deeper than the contact tolerance")
    n_colliding_pairs: int
    colliding_pairs: list[PairOverlap] = Field(default_factory=list)
    minor_overlaps: list[PairOverlap] = Field(default_factory=list, description="overlaps at or below the contact tolerance (counted in PBL only)")
    mean_penetration_depth: float = 0.0
    max_penetration_depth: float = 0.0
    total_penetration_depth: float = 0.0
    oob_rate: float = Field(description="% of objects out of bounds")
    n_oob_objects: int
    out_of_bounds: list[OutOfBounds] = Field(default_factory=list)
    oob_volume: float = Field(0.0, description="total volume outside the room (m³)")
    mean_oob_volume: float = Field(0.0, description="mean outside volume of the out-of-bounds objects (m³)")
    overlap_volume: float = Field(0.0, description="sum of pairwise overlap volumes (m³)")
    pbl: float = Field(description="physical boundary loss: oob_volume + overlap_volume (m³); with "
                             "compat='scenerevis' it is voxel_eval's PBL while oob_volume is myeval's sampled total")
    pbl_valid: bool
    floating: list[FloatingObject] | None = None
    walkable_ratio: float | None = Field(None, description="share of the free floor an agent can reach from the door")
    door_clearance: list[DoorClearance] | None = None
    warnings: list[str] = Field(default_factory=list)
    scene_eval: SceneEvalReport | None = Field(None, description="SceneEval's no-LLM metrics beside ours (compat='scene-eval')")
    stability: StabilityReport | None = Field(None, description="MuJoCo settle of the scene (evaluate(stability=True))")

    def headline(self) -> dict[str, float]:
        """The key metrics as plain floats, for tables (sections not computed are left out)."""
        out = {
            "n_objects": float(self.n_objects),
            "collision_rate": self.collision_rate,
            "n_colliding_pairs": float(self.n_colliding_pairs),
            "mean_penetration_depth": self.mean_penetration_depth,
            "max_penetration_depth": self.max_penetration_depth,
            "oob_rate": self.oob_rate,
            "oob_volume": self.oob_volume,
            "overlap_volume": self.overlap_volume,
            "pbl": self.pbl,
            "pbl_valid": 1.0 if self.pbl_valid else 0.0,
        }
        if self.floating is not None:
            out["n_floating"] = float(len(self.floating))
        if self.walkable_ratio is not None:
            out["walkable_ratio"] = self.walkable_ratio
        if self.door_clearance:
            out["min_door_clearance"] = min(d.clearance for d in self.door_clearance)
        if self.stability is not None:
            out["stable_ratio"] = self.stability.stable_ratio
        if self.scene_eval is not None:
            out.update(self.scene_eval.headline())
        return out

    @property
    def ok(self) -> bool:
        """No collision, nothing out of bounds, nothing floating, no blocked door (and, when simulated, nothing unstable)."""
        return (
            self.n_colliding_pairs == 0 and self.n_oob_objects == 0 and not self.floating
            and not any(d.blocked for d in self.door_clearance or [])
            and (self.stability is None or not self.stability.unstable)
        )


def _pair(p: PairContact) -> PairOverlap:
    return PairOverlap(a=p.a, b=p.b, depth=p.depth, volume=p.volume, direction=p.direction)


def _bounds(b: ObjectBounds) -> OutOfBounds:
    return OutOfBounds(
        id=b.id, oob=b.oob, outside_fraction=b.outside_fraction, volume=b.volume,
        wholly_outside=b.wholly_outside, above_ceiling=b.above_ceiling, below_floor=b.below_floor,
        crossings=[
            WallCrossing(wall=c.wall, side=c.side, distance=c.distance, move=c.move_label, inward=c.inward)
            for c in b.crossings
        ],
    )


def physics_fields(n: int, pairs: Iterable[PairContact], bounds: Iterable[ObjectBounds],
                   tol: Tolerances, order: Mapping[str, int]) -> dict:
    """Collision, out-of-bounds and PBL fields of an EvalReport from raw pair and object results."""
    colliding, minor = [], []
    for p in pairs:
        if p.in_contact and p.depth > tol.contact_depth:
            colliding.append(p)
        elif p.volume > 0:
            minor.append(p)

    def pair_key(p: PairContact):
        return (-p.depth, -p.volume, order.get(p.a, 0), order.get(p.b, 0))

    colliding.sort(key=pair_key)
    minor.sort(key=pair_key)
    objs = {p.a for p in colliding} | {p.b for p in colliding}
    depths = [p.depth for p in colliding]
    outs = sorted(bounds, key=lambda b: (-b.volume, -b.outside_fraction, order.get(b.id, 0)))
    flagged = [b for b in outs if b.oob]
    overlap = sum(p.volume for p in colliding) + sum(p.volume for p in minor)
    oob_volume = sum(b.volume for b in outs)
    pbl = overlap + oob_volume
    return {
        "n_objects": n,
        "collision_rate": 100.0 * len(objs) / n if n else 0.0,
        "n_colliding_pairs": len(colliding),
        "colliding_pairs": [_pair(p) for p in colliding],
        "minor_overlaps": [_pair(p) for p in minor],
        "mean_penetration_depth": sum(depths) / len(depths) if depths else 0.0,
        "max_penetration_depth": max(depths) if depths else 0.0,
        "total_penetration_depth": sum(depths),
        "oob_rate": 100.0 * len(flagged) / n if n else 0.0,
        "n_oob_objects": len(flagged),
        "out_of_bounds": [_bounds(b) for b in outs],
        "oob_volume": oob_volume,
        "mean_oob_volume": sum(b.volume for b in flagged) / len(flagged) if flagged else 0.0,
        "overlap_volume": overlap,
        "pbl": pbl,
        "pbl_valid": pbl <= tol.pbl_valid,
    }
