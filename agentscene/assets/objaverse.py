"""Objaverse over objathor-style annotations and a local GLB cache.

Annotations: one JSON (or .json.gz) file mapping uid -> {description | description_auto,
category, size hints, orientation hints}, or a list of such records with a "uid". GLBs are
looked up in `glb_dir` as <uid>.glb, <uid[:2]>/<uid>.glb, glbs/<uid[:2]>/<uid>.glb or
<uid>/<uid>.glb, or through an optional uid -> relative path map (objaverse's
object-paths.json.gz). With `download=True` a missing GLB is fetched by the `objaverse`
package (off by default: nothing here touches the network unless asked).

Orientation: a record may name its `up` and `front` axes ("+y", "-z", ...) and a
`pose_z_rot_angle` (radians, objathor's turn about the up axis that brings the asset's front
to the canonical front); scale comes from `scale` (metres; the height when `z_axis_scale` is
true, else the largest extent) or from the annotated size's height.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import Field

from agentscene.assets.base import AssetNotFoundError, BrokenAssetError, UnsafeAssetError, require
from agentscene.assets.canonical import canonicalize
from agentscene.assets.index import IndexEntry, progress
from agentscene.assets.indexed import IndexedBackend, IndexedSettings
from agentscene.assets.safety import (
    MeshLimits,
    check_asset_id,
    load_mesh_file,
    read_capped,
    read_metadata_json,
    safe_child,
)
from agentscene.categories import UNKNOWN_CATEGORY, match_category
from agentscene.limits import DEFAULT_LIMITS

if TYPE_CHECKING:
    import trimesh

MAX_METADATA_BYTES = DEFAULT_LIMITS.metadata_bytes
GLB_LAYOUTS = ("{uid}.glb", "{uid2}/{uid}.glb", "glbs/{uid2}/{uid}.glb", "{uid}/{uid}.glb")


class ObjaverseSettings(IndexedSettings):
    annotations: Path = Field(description="objathor-style annotations (.json or .json.gz)")
    glb_dir: Path = Field(description="local GLB cache directory")
    object_paths: Path | None = Field(default=None, description="optional uid -> path (relative to glb_dir) map, .json or .json.gz")
    download: bool = Field(default=False, description="fetch missing GLBs with the `objaverse` package")
    up: str = Field(default="+y", description="up axis of GLBs whose record names none (glTF is y-up)")
    front: str = Field(default="+z", description="front axis of GLBs whose record names none")


def _read_json(path: Path) -> Any:
    data = read_capped(path, MeshLimits(max_file_bytes=MAX_METADATA_BYTES))
    if path.suffix == ".gz":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as fh:
                data = fh.read(MAX_METADATA_BYTES + 1)
        except (OSError, EOFError) as e:
            raise BrokenAssetError(f"{path} is not valid gzip: {e}") from e
        if len(data) > MAX_METADATA_BYTES:
            raise UnsafeAssetError(f"{path} inflates past {MAX_METADATA_BYTES} bytes")
    return read_metadata_json(data, path)


def _floats(values: Any, n: int) -> tuple[float, ...] | None:
    if not isinstance(values, list | tuple) or len(values) != n:
        return None
    try:
        out = tuple(float(v) for v in values)
    except (TypeError, ValueError):
        return None
    return out if all(math.isfinite(v) for v in out) else None


def _xyz(d: Any) -> tuple[float, float, float] | None:
    if isinstance(d, dict) and all(k in d for k in "xyz"):
        return _floats([d["x"], d["y"], d["z"]], 3)  # type: ignore[return-value]
    return _floats(d, 3)  # type: ignore[return-value]


def annotated_size(rec: dict[str, Any]) -> tuple[float, float, float] | None:
    """[w, h, d] in metres from the first size hint a record has (see module doc)."""
    size = _floats(rec.get("size"), 3)
    if size is not None:
        return size  # type: ignore[return-value]
    boxes = [rec.get("bbox"), ((rec.get("thor_metadata") or {}).get("assetMetadata") or {}).get("boundingBox")]
    for box in boxes:
        if isinstance(box, dict):
            if "min" in box and "max" in box:
                lo, hi = _xyz(box["min"]), _xyz(box["max"])
                if lo is not None and hi is not None:
                    return tuple(b - a for a, b in zip(lo, hi, strict=True))  # type: ignore[return-value]
            s = _xyz(box.get("size")) or _xyz(box)
            if s is not None:
                return s
    aabb = rec.get("axisAlignedBoundingBox")
    if isinstance(aabb, dict):
        s = _floats([aabb.get("sizeX"), aabb.get("sizeY"), aabb.get("sizeZ")], 3)
        if s is not None:
            return s  # type: ignore[return-value]
    cm = _floats([rec.get("width"), rec.get("height"), rec.get("length")], 3)
    if cm is not None:
        return tuple(v / 100.0 for v in cm)  # type: ignore[return-value]
    return None


class ObjaverseBackend(IndexedBackend):
    name = "objaverse"

    def __init__(self, settings: ObjaverseSettings):
        super().__init__(settings)
        self.settings: ObjaverseSettings = settings
        self._records: dict[str, dict[str, Any]] | None = None
        self._paths: dict[str, str] | None = None

    @classmethod
    def from_settings(cls, **kwargs: Any) -> ObjaverseBackend:
        settings = kwargs.pop("settings", None)
        return cls(settings if settings is not None else ObjaverseSettings(**kwargs))

    def dataset_path(self) -> Path:
        return Path(self.settings.annotations)

    def fingerprint(self) -> str:
        h = hashlib.sha256(read_capped(Path(self.settings.annotations), MeshLimits(max_file_bytes=MAX_METADATA_BYTES)))
        h.update(f"{self.settings.up}|{self.settings.front}".encode())
        return h.hexdigest()

    @property
    def records(self) -> dict[str, dict[str, Any]]:
        if self._records is None:
            raw = _read_json(Path(self.settings.annotations))
            if isinstance(raw, list):
                raw = {str(r.get("uid")): r for r in raw if isinstance(r, dict) and r.get("uid")}
            if not isinstance(raw, dict):
                raise BrokenAssetError(f"{self.settings.annotations} must map uids to annotation records")
            self._records = {str(k): v for k, v in raw.items() if isinstance(v, dict)}
        return self._records

    def scan(self) -> tuple[list[IndexEntry], str, list[str]]:
        entries: list[IndexEntry] = []
        problems: list[str] = []
        recs = self.records
        for uid, rec in progress(recs.items(), len(recs), "reading Objaverse annotations", self.settings.progress):
            try:
                check_asset_id(uid, "uid")
            except UnsafeAssetError as e:
                problems.append(str(e))
                continue
            text = str(rec.get("description") or rec.get("description_auto") or rec.get("name") or "")
            raw_cat = str(rec.get("category") or "")
            size = annotated_size(rec)
            if size is not None and not all(v > 0 for v in size):
                problems.append(f"{uid}: degenerate size {size}")
                size = None
            category = match_category(raw_cat) or match_category(text) or UNKNOWN_CATEGORY
            entries.append(IndexEntry(asset_id=uid, text=text or raw_cat or category, category=category, size=size,
                                      uri=None, source_category=raw_cat))
        return entries, self.fingerprint(), problems

    # -- meshes ------------------------------------------------------------------------------

    def _object_paths(self) -> dict[str, str]:
        if self._paths is None:
            self._paths = {}
            if self.settings.object_paths is not None:
                raw = _read_json(Path(self.settings.object_paths))
                if not isinstance(raw, dict):
                    raise BrokenAssetError(f"{self.settings.object_paths} must map uids to paths")
                self._paths = {str(k): str(v) for k, v in raw.items()}
        return self._paths

    def glb_path(self, uid: str) -> Path | None:
        """The local GLB of a uid, searched only inside glb_dir; None when absent."""
        check_asset_id(uid, "uid")
        root = Path(self.settings.glb_dir)
        mapped = self._object_paths().get(uid)
        candidates = [mapped] if mapped else []
        candidates += [p.format(uid=uid, uid2=uid[:2]) for p in GLB_LAYOUTS]
        for rel in candidates:
            path = safe_child(root, rel)
            if path.is_file():
                return path
        return None

    def _download(self, uid: str) -> Path:
        objaverse = require("objaverse", "objaverse")
        got = objaverse.load_objects(uids=[uid], download_processes=1)
        p = got.get(uid) if isinstance(got, dict) else None
        if not p or not Path(p).is_file():
            raise AssetNotFoundError(f"objaverse could not download {uid}")
        return Path(p)

    def mesh(self, asset_id: str) -> trimesh.Trimesh:
        uid = check_asset_id(asset_id, "Objaverse uid")
        path = self.glb_path(uid)
        if path is None:
            if not self.settings.download:
                raise AssetNotFoundError(
                    f"no GLB for {uid} in {self.settings.glb_dir} (set download=True to fetch it with objaverse)"
                )
            path = self._download(uid)
        mesh = load_mesh_file(path, limits=self.settings.limits, sandbox=path.parent)
        rec = self.records.get(uid, {})
        up = rec.get("up") if isinstance(rec.get("up"), str) else self.settings.up
        front = rec.get("front") if isinstance(rec.get("front"), str) else self.settings.front
        yaw = rec.get("pose_z_rot_angle")
        yaw_deg = math.degrees(float(yaw)) if isinstance(yaw, int | float) and math.isfinite(yaw) else 0.0
        try:
            canonicalize(mesh, up=up, front=front, yaw_deg=yaw_deg)
        except ValueError as e:
            raise BrokenAssetError(f"{uid}: bad orientation annotation: {e}") from e
        scale = rec.get("scale")
        if isinstance(scale, int | float) and math.isfinite(scale) and scale > 0:
            ext = mesh.extents
            ref = ext[1] if rec.get("z_axis_scale", True) else max(ext)
            if ref > 1e-9:
                canonicalize(mesh, scale=float(scale) / float(ref))
        else:
            size = annotated_size(rec)
            if size is not None and size[1] > 0 and mesh.extents[1] > 1e-9:
                canonicalize(mesh, scale=size[1] / float(mesh.extents[1]))
        return mesh
