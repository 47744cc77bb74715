"""Fill in assets for a scene: retrieval that never breaks a scene.

For every object without an asset (or holding the `<NEED_RETRIEVAL>` placeholder) the backend
is asked for ranked matches; each candidate's mesh is loaded and checked, and the first one
that works is assigned. A candidate that fails (missing file, unsafe or broken mesh, server
error) is reported and the next one is tried. `size` stays authoritative: the mesh is
stretched to it later; the asset records the mesh's own extents as `retrieved_size`.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from agentscene.assets.base import AssetBackend, AssetError, AssetMatch
from agentscene.assets.canonical import extents
from agentscene.assets.classify import CategoryClassifier
from agentscene.categories import UNKNOWN_CATEGORY
from agentscene.scene import MAX_EXTENT, NEED_RETRIEVAL, Asset, Scene, SceneObject


class TriedAsset(BaseModel):
    model_config = ConfigDict(frozen=True)

    asset_id: str
    error: str


class Assignment(BaseModel):
    """What happened to one object."""

    model_config = ConfigDict(frozen=True)

    object_id: str
    status: Literal["assigned", "kept", "failed"]
    asset_id: str | None = None
    source: str | None = None
    score: float | None = None
    retrieved_size: tuple[float, float, float] | None = None
    tried: tuple[TriedAsset, ...] = Field(default=(), description="candidates that failed before the chosen one")
    message: str = ""

    @property
    def fell_back(self) -> bool:
        return self.status == "assigned" and bool(self.tried)


class AssignResult(BaseModel):
    """The new scene plus one Assignment per object, in scene order."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    scene: Scene
    assignments: tuple[Assignment, ...]

    @property
    def assigned(self) -> list[Assignment]:
        return [a for a in self.assignments if a.status == "assigned"]

    @property
    def failed(self) -> list[Assignment]:
        return [a for a in self.assignments if a.status == "failed"]

    @property
    def fell_back(self) -> list[Assignment]:
        return [a for a in self.assignments if a.fell_back]

    def summary(self) -> str:
        n = len(self.assignments)
        return (f"{len(self.assigned)}/{n} assigned, {len(self.fell_back)} after a fallback, "
                f"{len(self.failed)} failed, {n - len(self.assigned) - len(self.failed)} kept")


def needs_asset(obj: SceneObject, overwrite: bool = False) -> bool:
    return overwrite or obj.asset is None or obj.asset.asset_id in (NEED_RETRIEVAL, "")


def _checked_size(size) -> tuple[float, float, float] | None:
    """Extents usable as `retrieved_size` (flat meshes get a 0.1 mm floor), or None if absurd."""
    if size is None:
        return None
    vals = tuple(max(float(v), 1e-4) for v in size)
    if not all(math.isfinite(v) and v <= MAX_EXTENT for v in vals):
        return None
    return vals  # type: ignore[return-value]


def assign_assets(scene: Scene, backend: AssetBackend, *, k: int = 5, verify: bool = True,
                  overwrite: bool = False) -> AssignResult:
    """A new scene with assets from `backend` for every object that needs one (see module doc).

    `verify=False` skips loading meshes (faster; `retrieved_size` then comes from the index).
    Identical (description, category, size) objects get the same asset.
    """
    memo: dict[tuple, tuple[Asset | None, Assignment]] = {}
    mesh_ok: dict[str, tuple[float, float, float] | str] = {}
    classifier = getattr(backend, "classifier", None)  # the procedural backend: embed what no keyword covers in one batch
    if isinstance(classifier, CategoryClassifier):
        classifier.classify_many([o.description for o in scene.objects if needs_asset(o, overwrite)])
    objects: list[SceneObject] = []
    records: list[Assignment] = []
    for obj in scene.objects:
        if not needs_asset(obj, overwrite):
            assert obj.asset is not None
            objects.append(obj)
            records.append(Assignment(object_id=obj.id, status="kept", asset_id=obj.asset.asset_id,
                                      source=obj.asset.source, message="already has an asset"))
            continue
        category = obj.category if obj.category != UNKNOWN_CATEGORY else None
        key = (obj.description, category, obj.size)
        if key not in memo:
            memo[key] = _choose(backend, obj.description, category, obj.size, k, verify, mesh_ok)
        asset, record = memo[key]
        records.append(record.model_copy(update={"object_id": obj.id}))
        objects.append(obj.model_copy(update={"asset": asset}) if asset is not None else obj)
    return AssignResult(scene=scene.model_copy(update={"objects": tuple(objects)}), assignments=tuple(records))


def _choose(backend: AssetBackend, description: str, category: str | None, size, k: int, verify: bool,
            mesh_ok: dict[str, tuple[float, float, float] | str]) -> tuple[Asset | None, Assignment]:
    try:
        matches: list[AssetMatch] = backend.find(description, category=category, size=size, k=k)
    except AssetError as e:
        return None, Assignment(object_id="", status="failed", message=f"{backend.name}: find failed: {e}")
    tried: list[TriedAsset] = []
    for m in matches:
        if verify:
            if m.asset_id not in mesh_ok:
                try:
                    mesh_ok[m.asset_id] = extents(backend.mesh(m.asset_id))
                except AssetError as e:
                    mesh_ok[m.asset_id] = f"{type(e).__name__}: {e}"
            outcome = mesh_ok[m.asset_id]
            if isinstance(outcome, str):
                tried.append(TriedAsset(asset_id=m.asset_id, error=outcome))
                continue
            retrieved = _checked_size(outcome)
        else:
            retrieved = _checked_size(m.size)
        if verify and retrieved is None:
            tried.append(TriedAsset(asset_id=m.asset_id, error=f"mesh extents {outcome} are not usable"))
            continue
        asset = Asset(source=backend.name, asset_id=m.asset_id, uri=m.uri, retrieved_size=retrieved)
        msg = f"{m.asset_id} (score {m.score:.3f})" + (f" after {len(tried)} broken candidate(s)" if tried else "")
        return asset, Assignment(object_id="", status="assigned", asset_id=m.asset_id, source=backend.name,
                                 score=m.score, retrieved_size=retrieved, tried=tuple(tried), message=msg)
    why = "no candidates" if not matches else f"all {len(matches)} candidates failed"
    return None, Assignment(object_id="", status="failed", tried=tuple(tried), message=f"{backend.name}: {why}")
