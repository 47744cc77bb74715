"""3D-FUTURE over the user's local copy (the dataset needs an account: never downloaded here).

Layout read:  <root>/model_info.json  (list of {model_id, category, super-category, style,
theme, material}) and <root>/<model_id>/raw_model.obj (+ model.mtl, texture.png). The raw
models are in metres, y up, front +z, so canonicalising only moves the bottom centre to the
origin. Sizes for the index come from each OBJ's vertex lines (read once, cached), or from
an optional descriptions file that carries them.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import Field

from agentscene.assets.base import AssetNotFoundError, BrokenAssetError, UnsafeAssetError
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

_BLANK = {"", "none", "null", "others", "other", "unknown"}
#: Metadata files are larger than meshes; this caps them separately.
MAX_METADATA_BYTES = DEFAULT_LIMITS.metadata_bytes


class Future3DSettings(IndexedSettings):
    root: Path = Field(description="the 3D-FUTURE-model directory (holds model_info.json and one folder per model)")
    model_info: Path | None = Field(default=None, description="default: <root>/model_info.json")
    descriptions: Path | None = Field(
        default=None, description="optional JSON {jid: text} or {jid: {summary|description, size}} with richer texts"
    )
    mesh_file: str = Field(default="raw_model.obj", description="mesh file name inside each model folder")
    up: str = "+y"
    front: str = "+z"


def _text(*parts: Any) -> str:
    words = []
    for p in parts:
        if isinstance(p, str) and p.strip().lower() not in _BLANK:
            words.append(p.strip())
    return " ".join(words)


def obj_extents(data: bytes) -> tuple[float, float, float]:
    """[w, h, d] of the vertices of an OBJ file, read from its `v` lines only."""
    rows = [line.split()[1:4] for line in data.splitlines() if line.startswith(b"v ")]
    if not rows:
        raise BrokenAssetError("no vertices")
    try:
        v = np.asarray(rows, dtype=np.float64)
    except ValueError as e:
        raise BrokenAssetError(f"malformed vertex line: {e}") from e
    if v.ndim != 2 or v.shape[1] != 3:
        raise BrokenAssetError("malformed vertex lines")
    if not np.isfinite(v).all():
        raise UnsafeAssetError("non-finite vertex coordinates")
    e = v.max(axis=0) - v.min(axis=0)
    return float(e[0]), float(e[1]), float(e[2])


def label_category(label: str) -> str | None:
    """Our category for a 3D-FUTURE label. Labels list alternatives ("Lounge Chair / Cafe Chair /
    Office Chair"); the first one that matches wins."""
    for part in label.split("/"):
        name = match_category(part)
        if name is not None:
            return name
    return None


def _load_json(path: Path) -> Any:
    data = read_capped(path, MeshLimits(max_file_bytes=MAX_METADATA_BYTES))
    return read_metadata_json(data, path)


class Future3DBackend(IndexedBackend):
    name = "3d-future"

    def __init__(self, settings: Future3DSettings):
        super().__init__(settings)
        self.settings: Future3DSettings = settings
        self.root = Path(settings.root)
        if not self.root.is_dir():
            raise FileNotFoundError(f"3D-FUTURE root {self.root} is not a directory")

    @classmethod
    def from_settings(cls, **kwargs: Any) -> Future3DBackend:
        settings = kwargs.pop("settings", None)
        return cls(settings if settings is not None else Future3DSettings(**kwargs))

    def dataset_path(self) -> Path:
        return self.root

    def _info_path(self) -> Path:
        return self.settings.model_info or self.root / "model_info.json"

    def fingerprint(self) -> str:
        h = hashlib.sha256()
        for p in (self._info_path(), self.settings.descriptions):
            if p is not None:
                h.update(read_capped(Path(p), MeshLimits(max_file_bytes=MAX_METADATA_BYTES)))
        h.update(f"{self.settings.mesh_file}|{self.settings.up}|{self.settings.front}".encode())
        return h.hexdigest()

    def scan(self) -> tuple[list[IndexEntry], str, list[str]]:
        info = _load_json(self._info_path())
        if not isinstance(info, list):
            raise BrokenAssetError(f"{self._info_path()} must hold a list of models")
        extra_texts: dict[str, Any] = {}
        if self.settings.descriptions is not None:
            raw = _load_json(Path(self.settings.descriptions))
            if not isinstance(raw, dict):
                raise BrokenAssetError(f"{self.settings.descriptions} must map model ids to texts")
            extra_texts = raw
        entries: list[IndexEntry] = []
        problems: list[str] = []
        seen: set[str] = set()
        for item in progress(info, len(info), "reading 3D-FUTURE models", self.settings.progress):
            entry = self._entry(item, extra_texts, problems)
            if entry is not None and entry.asset_id not in seen:
                seen.add(entry.asset_id)
                entries.append(entry)
        return entries, self.fingerprint(), problems

    def _entry(self, item: Any, extra_texts: dict[str, Any], problems: list[str]) -> IndexEntry | None:
        if not isinstance(item, dict):
            problems.append(f"not an object: {str(item)[:60]}")
            return None
        jid = item.get("model_id") or item.get("jid")
        try:
            check_asset_id(str(jid), "model_id")
            path = safe_child(self.root, str(jid), self.settings.mesh_file)
        except UnsafeAssetError as e:
            problems.append(str(e))
            return None
        cat = item.get("category") if isinstance(item.get("category"), str) else ""
        sup = item.get("super-category") if isinstance(item.get("super-category"), str) else ""
        extra = extra_texts.get(jid)
        size = None
        text = _text(item.get("style"), item.get("theme"), item.get("material"), cat or sup)
        if isinstance(extra, str):
            text = extra
        elif isinstance(extra, dict):
            text = str(extra.get("summary") or extra.get("description") or text)
            s = extra.get("size")
            if isinstance(s, list | tuple) and len(s) == 3:
                try:
                    size = tuple(float(v) for v in s)
                except (TypeError, ValueError):
                    size = None
        if size is None:
            try:
                size = obj_extents(read_capped(path, self.settings.limits))
            except (AssetNotFoundError, UnsafeAssetError, BrokenAssetError) as e:
                problems.append(f"{jid}: {e}")
                return None
        if not all(np.isfinite(v) and v > 0 for v in size):
            problems.append(f"{jid}: degenerate size {size}")
            return None
        category = label_category(cat) or label_category(sup) or match_category(text) or UNKNOWN_CATEGORY
        return IndexEntry(
            asset_id=str(jid), text=text or category.replace("_", " "), category=category, size=size,  # type: ignore[arg-type]
            uri=f"{jid}/{self.settings.mesh_file}", source_category=cat or sup,
            extra={k: item[k] for k in ("style", "theme", "material", "super-category") if isinstance(item.get(k), str)},
        )

    def mesh(self, asset_id: str) -> trimesh.Trimesh:
        jid = check_asset_id(asset_id, "3D-FUTURE model id")
        folder = safe_child(self.root, jid)
        path = safe_child(self.root, jid, self.settings.mesh_file)
        if not path.is_file():
            raise AssetNotFoundError(f"3D-FUTURE model {jid}: no {self.settings.mesh_file} under {folder}")
        mesh = load_mesh_file(path, limits=self.settings.limits, sandbox=folder)
        return canonicalize(mesh, up=self.settings.up, front=self.settings.front)
