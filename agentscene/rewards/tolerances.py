"""Every threshold of our physics metrics in one settings object.

Our metrics read their thresholds from here, so a comparison with another paper's numbers is a
matter of passing different `Tolerances`, not of editing code. The compatibility metrics
(`rewards/scenerevis.py`, `rewards/voxels.py`, `rewards/scene_eval.py`) keep the reference code's
constants, which are part of the formula they reproduce; the MuJoCo settling test also reads
`StabilitySettings`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Tolerances(BaseModel):
    """Thresholds and resolutions of the physics metrics (metres, m³)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    contact_depth: float = Field(0.01, ge=0, description="a pair collides when its penetration depth exceeds this (m)")
    bounds_buffer: float = Field(0.001, ge=0, description="the floor polygon and [0, height] are widened by this for the OOB test (m)")
    oob_surface_fraction: float = Field(0.01, ge=0, le=1, description="an object is out of bounds when more than this share of its surface is outside")
    voxel_pitch: float = Field(0.05, gt=0, le=1, description="edge of the voxel grid used for mesh volumes and the SceneReVis baseline (m)")
    pbl_valid: float = Field(0.1, ge=0, description="a scene is physically valid when PBL is at most this (m³)")
    volume_epsilon: float = Field(1e-6, ge=0, description="overlap / outside volumes at or below this count as zero (m³)")
    pbl_change: float = Field(1e-4, ge=0, description="the improvement term counts a PBL change smaller than this as no change (m³)")
    support_tolerance: float = Field(0.05, ge=0, description="gap allowed between an object and what it rests on (m)")
    wall_tolerance: float = Field(0.05, ge=0, description="a wall object must be this close to a wall (m)")
    agent_radius: float = Field(0.3, gt=0, description="radius of the walking agent for the walkable-floor metric (m)")
    step_height: float = Field(0.05, ge=0, description="objects no taller than this (rugs, mats) can be walked over (m)")
    head_clearance: float = Field(1.9, gt=0, description="objects whose bottom is above this do not block walking (m)")
    door_clearance_depth: float = Field(0.8, gt=0, description="how far in front of a door the clearance zone reaches (m)")
    min_door_clearance: float = Field(0.6, ge=0, description="a door with less free depth than this is blocked (m)")
    flat_height: float = Field(0.05, ge=0, description="resolve() never pushes objects off floor coverings this thin (m)")
    mesh_grid: int = Field(48, ge=4, le=256, description="cells per axis of each asset's cached occupancy grid")
    surface_samples: int = Field(1024, ge=16, le=100_000, description="fixed surface samples per asset for the mesh OOB fraction")
    compat_samples: int = Field(500, ge=1, le=100_000, description="surface samples per object in compat='scenerevis' (they use 500)")
    voxel_limit: int = Field(50_000_000, ge=1_000, description="most voxels one compat='scenerevis' grid (the room, an object, a subdivided mesh) may have; more raises VoxelLimitError")
    compat_trimesh: Literal["installed", "4", "5"] = Field(
        "installed", description="whose voxelize_subdivide compat='scenerevis' replays: the installed trimesh's, "
        "trimesh 4's (what SceneReVis ran, 4.12.2) or trimesh 5's; they differ by a few voxels for meshes and rotated boxes")
    seed: int = Field(0, description="seed of every sample drawn; results are deterministic for a given seed")
