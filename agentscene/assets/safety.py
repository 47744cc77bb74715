"""Loading untrusted mesh files: size caps, path sandboxing, finite-vertex checks.

Dataset files and server replies are data from elsewhere, so every mesh goes through
`load_mesh`: the file is read with a byte cap, every file it references (materials,
textures, glTF buffers) is resolved inside one sandbox directory, and the parsed mesh is
checked for face count and non-finite vertices before anyone uses it. Nothing here
unpickles: only mesh formats are accepted and numpy is always called with allow_pickle=False.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from agentscene.assets.base import AssetNotFoundError, BrokenAssetError, UnsafeAssetError

if TYPE_CHECKING:
    import trimesh

#: Mesh formats we parse. None of them can execute code or unpickle objects.
MESH_TYPES = frozenset({"obj", "glb", "gltf", "ply", "stl", "off"})

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class MeshLimits(BaseModel):
    """Caps applied to every mesh read from a dataset or a server."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_file_bytes: int = Field(default=64 * 1024 * 1024, gt=0, description="per file, incl. textures")
    max_faces: int = Field(default=500_000, gt=0)
    max_vertices: int = Field(default=1_500_000, gt=0)


def check_asset_id(asset_id: str, what: str = "asset id") -> str:
    """An id safe to use as a single path component (no '/', no '..', no leading dot)."""
    if not isinstance(asset_id, str) or not _ID.match(asset_id) or ".." in asset_id:
        raise UnsafeAssetError(f"{what} {asset_id!r} is not a plain name (letters, digits, '.', '_', '-')")
    return asset_id


def safe_child(root: str | os.PathLike[str], *parts: str) -> Path:
    """`root/parts...`, refusing absolute parts, '..' and symlinks that lead outside `root`."""
    base = Path(root).resolve()
    rel = PurePosixPath()
    for part in parts:
        p = PurePosixPath(str(part).replace("\\", "/"))
        if p.is_absolute() or ".." in p.parts or (p.parts and re.match(r"^[A-Za-z]:", p.parts[0])):
            raise UnsafeAssetError(f"path {part!r} leaves the dataset root {base}")
        rel = rel / p
    target = (base / rel).resolve()
    if not target.is_relative_to(base):
        raise UnsafeAssetError(f"path {str(rel)!r} resolves to {target}, outside the dataset root {base}")
    return target


def read_capped(path: str | os.PathLike[str], limits: MeshLimits) -> bytes:
    """The file's bytes, or UnsafeAssetError when it is larger than the cap."""
    p = Path(path)
    try:
        size = p.stat().st_size
    except FileNotFoundError:
        raise AssetNotFoundError(f"missing file {p}") from None
    if size > limits.max_file_bytes:
        raise UnsafeAssetError(f"{p} is {size} bytes, over the {limits.max_file_bytes}-byte cap")
    with open(p, "rb") as fh:
        data = fh.read(limits.max_file_bytes + 1)
    if len(data) > limits.max_file_bytes:  # grew between stat and read
        raise UnsafeAssetError(f"{p} is over the {limits.max_file_bytes}-byte cap")
    return data


def _sandbox_resolver(root: Path | None, limits: MeshLimits):
    """A trimesh resolver that only reads capped files inside `root` (or nothing when None)."""
    import trimesh.resolvers

    class SandboxResolver(trimesh.resolvers.Resolver):
        def __init__(self, base: Path | None):
            self.base = base

        def get(self, name: str) -> bytes:
            if self.base is None:
                raise UnsafeAssetError(f"the mesh references an external file {name!r}; none are allowed")
            return read_capped(safe_child(self.base, name), limits)

        def write(self, name: str, data) -> None:
            raise UnsafeAssetError("loading a mesh never writes files")

        def namespaced(self, namespace: str) -> SandboxResolver:
            if self.base is None:
                return SandboxResolver(None)
            return SandboxResolver(safe_child(self.base, namespace))

        def keys(self):
            return iter(())

    return SandboxResolver(root)


def _bake_colours(mesh: trimesh.Trimesh) -> trimesh.Trimesh:
    """Replace textures by per-vertex colours so the mesh concatenates and renders anywhere.

    A texture without an image (a plain PBR colour) or with broken UVs becomes one face colour;
    colour arrays whose length does not match the mesh are dropped rather than trusted.
    """
    import trimesh.visual

    visual = mesh.visual
    nv, nf = len(mesh.vertices), len(mesh.faces)
    if getattr(visual, "kind", None) == "texture":
        baked = None
        uv = getattr(visual, "uv", None)
        if uv is not None and len(uv) == nv and np.isfinite(uv).all():
            candidate = visual.to_color()
            if np.asarray(candidate.vertex_colors).shape == (nv, 4):
                baked = candidate
        if baked is None:
            colour = getattr(getattr(visual, "material", None), "main_color", None)
            colour = np.asarray(colour).reshape(-1)[:4] if colour is not None else None
            baked = trimesh.visual.ColorVisuals(mesh, face_colors=colour if colour is not None and len(colour) in (3, 4) else None)
        mesh.visual = baked
    elif getattr(visual, "kind", None) == "vertex" and np.asarray(visual.vertex_colors).shape != (nv, 4):
        mesh.visual = trimesh.visual.ColorVisuals(mesh)
    elif getattr(visual, "kind", None) == "face" and np.asarray(visual.face_colors).shape != (nf, 4):
        mesh.visual = trimesh.visual.ColorVisuals(mesh)
    return mesh


def _count(geom) -> tuple[int, int]:
    return len(getattr(geom, "vertices", ())), len(getattr(geom, "faces", ()))


def check_mesh(mesh: trimesh.Trimesh, limits: MeshLimits, label: str = "mesh") -> trimesh.Trimesh:
    """Raise unless the mesh is non-empty, within the caps, finite and not degenerate."""
    nv, nf = _count(mesh)
    if nf == 0 or nv == 0:
        raise BrokenAssetError(f"{label} has no faces")
    if nf > limits.max_faces:
        raise UnsafeAssetError(f"{label} has {nf} faces, over the cap of {limits.max_faces}")
    if nv > limits.max_vertices:
        raise UnsafeAssetError(f"{label} has {nv} vertices, over the cap of {limits.max_vertices}")
    v = np.asarray(mesh.vertices)
    if not np.isfinite(v).all():
        raise UnsafeAssetError(f"{label} has non-finite vertex coordinates")
    f = np.asarray(mesh.faces)
    if f.min() < 0 or f.max() >= nv:
        raise BrokenAssetError(f"{label} has face indices outside its vertex list")
    extents = v.max(axis=0) - v.min(axis=0)
    if (extents > 1e-9).sum() < 2:
        raise BrokenAssetError(f"{label} is degenerate (extents {extents.tolist()})")
    return mesh


def _instances(loaded) -> list[tuple[object, int]]:
    """(geometry, how many times the scene places it) for each triangle mesh, before anything
    is copied: a tiny file may instance one mesh a million times."""
    import trimesh

    if isinstance(loaded, trimesh.Trimesh):
        return [(loaded, 1)]
    if not isinstance(loaded, trimesh.Scene):
        raise BrokenAssetError(f"holds no triangle mesh ({type(loaded).__name__})")
    counts: dict[str, int] = {}
    for node in loaded.graph.nodes_geometry:
        name = loaded.graph[node][1]
        counts[name] = counts.get(name, 0) + 1
    return [(loaded.geometry[n], c) for n, c in counts.items() if isinstance(loaded.geometry.get(n), trimesh.Trimesh)]


def _check_raw(loaded, limits: MeshLimits, label: str) -> None:
    """Caps, index ranges and finiteness on the parsed arrays, before trimesh does lazy work
    (colour conversion, copies) that would trip over them."""
    parts = _instances(loaded)
    total_v = sum(_count(g)[0] * n for g, n in parts)
    total_f = sum(_count(g)[1] * n for g, n in parts)
    if total_f > limits.max_faces or total_v > limits.max_vertices:
        raise UnsafeAssetError(
            f"{label} has {total_f} faces / {total_v} vertices, over the caps "
            f"({limits.max_faces} / {limits.max_vertices})"
        )
    if total_f == 0:
        raise BrokenAssetError(f"{label} has no faces")
    for g, _ in parts:
        v = np.asarray(g.vertices)
        f = np.asarray(g.faces)
        if not np.isfinite(v).all():
            raise UnsafeAssetError(f"{label} has non-finite vertex coordinates")
        if len(f) and (f.min() < 0 or f.max() >= len(v)):
            raise BrokenAssetError(f"{label} has face indices outside its vertex list")


def _flatten(loaded):
    import trimesh

    geoms = [loaded] if isinstance(loaded, trimesh.Trimesh) else [g for g in loaded.dump() if isinstance(g, trimesh.Trimesh)]
    geoms = [_bake_colours(g) for g in geoms if len(g.faces)]
    return geoms[0] if len(geoms) == 1 else trimesh.util.concatenate(geoms)


def load_mesh(
    data: bytes,
    file_type: str,
    *,
    limits: MeshLimits,
    resolver_root: str | os.PathLike[str] | None = None,
    label: str = "mesh",
) -> trimesh.Trimesh:
    """Parse untrusted mesh bytes into one coloured Trimesh (scenes are flattened)."""
    import trimesh

    file_type = file_type.lower().lstrip(".")
    if file_type not in MESH_TYPES:
        raise UnsafeAssetError(f"{label}: file type {file_type!r} is not one of {sorted(MESH_TYPES)}")
    if len(data) > limits.max_file_bytes:
        raise UnsafeAssetError(f"{label} is {len(data)} bytes, over the {limits.max_file_bytes}-byte cap")
    resolver = _sandbox_resolver(Path(resolver_root).resolve() if resolver_root is not None else None, limits)
    try:
        loaded = trimesh.load(io.BytesIO(data), file_type=file_type, resolver=resolver, process=False)
        _check_raw(loaded, limits, label)
        mesh = _flatten(loaded)
    except (UnsafeAssetError, AssetNotFoundError, BrokenAssetError):
        raise
    except Exception as e:  # third-party parsers fail in any way on malformed input: report it as data
        raise BrokenAssetError(f"{label}: cannot parse {file_type.upper()}: {type(e).__name__}: {e}") from e
    return check_mesh(mesh, limits, label)


def load_mesh_file(
    path: str | os.PathLike[str],
    *,
    limits: MeshLimits,
    sandbox: str | os.PathLike[str] | None = None,
) -> trimesh.Trimesh:
    """Read and parse a mesh file; referenced files must lie inside `sandbox` (default: its folder)."""
    p = Path(path)
    data = read_capped(p, limits)
    return load_mesh(
        data, p.suffix, limits=limits, resolver_root=sandbox if sandbox is not None else p.parent, label=str(p)
    )
