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

from agentscene.assets.base import AssetNotFoundError, BrokenAssetError, UnsafeAssetError
from agentscene.limits import InputLimitError, MeshLimits, loads_json, read_regular_file

__all__ = ["MESH_TYPES", "MeshLimits", "check_asset_id", "check_mesh", "load_mesh", "load_mesh_file", "read_capped", "safe_child"]

if TYPE_CHECKING:
    import trimesh

#: Mesh formats we parse. None of them can execute code or unpickle objects.
MESH_TYPES = frozenset({"obj", "glb", "gltf", "ply", "stl", "off"})

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


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
    """The bytes of a regular file within the cap; a FIFO, device or directory (which would hang
    or never end) and a file over the cap are UnsafeAssetError, a missing one AssetNotFoundError."""
    p = Path(path)
    try:
        return read_regular_file(p, limits.max_file_bytes)
    except FileNotFoundError:
        raise AssetNotFoundError(f"missing file {p}") from None
    except InputLimitError as e:
        raise UnsafeAssetError(str(e).replace("-byte limit", "-byte cap")) from None
    except OSError as e:
        raise AssetNotFoundError(f"cannot read {p}: {e.strerror or e}") from None


def read_metadata_json(data: bytes, path: str | os.PathLike[str]) -> object:
    """Dataset metadata through the guarded JSON reader: nesting, digits and NaN refused; text that
    cannot be encoded (a lone surrogate in a description) repaired, with a warning naming where."""
    import json
    import logging

    from agentscene.limits import Limits

    repaired: list[str] = []
    try:
        value = loads_json(data, Limits(json_bytes=max(len(data), 1)), what=str(path), repair=repaired)
    except json.JSONDecodeError as e:
        raise BrokenAssetError(f"{path} is not valid JSON: {e}") from None
    except (InputLimitError, UnicodeDecodeError) as e:
        raise BrokenAssetError(f"{path}: {e}") from None
    if repaired:
        logging.getLogger(__name__).warning("%s: replaced unpaired UTF-16 surrogates with U+FFFD in %d text(s), e.g. at %s",
                                            path, len(repaired), repaired[0])
    return value


_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tga", ".gif", ".webp", ".tif", ".tiff", ".ktx", ".ktx2", ".dds")


def check_image(data: bytes, limits: MeshLimits, label: str) -> None:
    """Refuse a texture whose header declares more than `max_texture_pixels`, before anything decodes it."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:  # reads the header only
            width, height = image.size
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as e:
        if isinstance(e, Image.DecompressionBombError):
            raise UnsafeAssetError(f"{label}: a texture is over the cap of {limits.max_texture_pixels} pixels") from None
        return  # not an image PIL knows: trimesh will not decode it either
    if width * height > limits.max_texture_pixels:
        raise UnsafeAssetError(f"{label}: a texture is {width} x {height} pixels, over the cap of {limits.max_texture_pixels} pixels")


def _sandbox_resolver(root: Path | None, limits: MeshLimits):
    """A trimesh resolver that only reads capped files inside `root` (or nothing when None)."""
    import trimesh.resolvers

    class SandboxResolver(trimesh.resolvers.Resolver):
        def __init__(self, base: Path | None):
            self.base = base

        def get(self, name: str) -> bytes:
            if self.base is None:
                raise UnsafeAssetError(f"the mesh references an external file {name[:100]!r}; none are allowed")
            data = read_capped(safe_child(self.base, name), limits)
            if name.lower().endswith(_IMAGE_SUFFIXES):
                check_image(data, limits, name[:100])
            return data

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


_OBJ_FACE_ZERO = re.compile(rb"^[ \t]*f[ \t][^\n]*?(?<=[ \t/])0(?=[/ \t\r\n]|$)", re.MULTILINE)


def _precheck_obj(data: bytes, limits: MeshLimits, label: str) -> None:
    """Counts and indices read from the text before trimesh builds its (much larger) arrays."""
    head = b"\n" + data
    vertices, faces = head.count(b"\nv "), head.count(b"\nf ")
    if faces > limits.max_faces or vertices > limits.max_vertices:
        raise UnsafeAssetError(f"{label} declares {faces} faces / {vertices} vertices, over the caps "
                               f"({limits.max_faces} / {limits.max_vertices})")
    if _OBJ_FACE_ZERO.search(data):
        raise BrokenAssetError(f"{label} has a face with index 0; OBJ indices start at 1 (0 would wrap to the last vertex)")


def _gltf_tree(data: bytes, file_type: str, label: str) -> tuple[dict, bytes]:
    """The glTF JSON and the GLB's binary chunk (empty for .gltf), read with the guarded JSON reader."""
    import struct

    if file_type == "gltf":
        json_bytes, binary = data, b""
    else:
        if len(data) < 20 or data[:4] != b"glTF":
            raise BrokenAssetError(f"{label} is not a GLB file (no glTF header)")
        json_len, kind = struct.unpack("<I4s", data[12:20])
        if kind != b"JSON" or 20 + json_len > len(data):
            raise BrokenAssetError(f"{label}: the GLB's first chunk is not a complete JSON chunk")
        json_bytes = data[20:20 + json_len]
        rest = data[20 + json_len:]
        binary = rest[8:8 + struct.unpack("<I", rest[:4])[0]] if len(rest) >= 8 and rest[4:8] == b"BIN\0" else b""
    try:
        tree = loads_json(json_bytes, what=f"{label} (glTF JSON)")
    except ValueError as e:
        raise BrokenAssetError(f"{label}: the glTF JSON cannot be read: {e}") from None
    if not isinstance(tree, dict):
        raise BrokenAssetError(f"{label}: the glTF JSON is not an object")
    return tree, binary


def _int(value: object, default: int = 0) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else default


def _precheck_gltf(data: bytes, file_type: str, limits: MeshLimits, label: str) -> None:
    """Node, instance, face and texture-pixel counts from the glTF JSON, before trimesh loads anything.

    The scene graph is walked iteratively with a cap on visits, so a deep chain or a DAG whose
    paths multiply (node children shared at every level) is refused in O(max_nodes + max_instances).
    """
    import base64

    tree, binary = _gltf_tree(data, file_type, label)
    lists = {k: tree.get(k) if isinstance(tree.get(k), list) else [] for k in ("nodes", "meshes", "accessors", "images", "bufferViews", "scenes")}
    nodes, meshes, accessors = lists["nodes"], lists["meshes"], lists["accessors"]
    if len(nodes) > limits.max_nodes:
        raise UnsafeAssetError(f"{label} has {len(nodes)} nodes, over the cap of {limits.max_nodes}")

    def mesh_counts(index: int) -> tuple[int, int]:
        mesh = meshes[index] if 0 <= index < len(meshes) and isinstance(meshes[index], dict) else {}
        faces = verts = 0
        for prim in mesh.get("primitives", []) if isinstance(mesh.get("primitives"), list) else []:
            if not isinstance(prim, dict):
                continue
            attrs = prim.get("attributes") if isinstance(prim.get("attributes"), dict) else {}
            pos = _int(attrs.get("POSITION"), -1)
            n_verts = _int(accessors[pos].get("count")) if 0 <= pos < len(accessors) and isinstance(accessors[pos], dict) else 0
            idx = _int(prim.get("indices"), -1)
            n_idx = _int(accessors[idx].get("count")) if 0 <= idx < len(accessors) and isinstance(accessors[idx], dict) else n_verts
            faces += n_idx // 3
            verts += n_verts
        return faces, verts

    scenes = [s for s in lists["scenes"] if isinstance(s, dict)]
    roots = [r for s in scenes for r in (s.get("nodes") if isinstance(s.get("nodes"), list) else [])] if scenes else list(range(len(nodes)))
    stack, visits, instances, faces, verts = list(roots), 0, 0, 0, 0
    while stack:
        index = stack.pop()
        visits += 1
        if visits > limits.max_nodes + limits.max_instances:
            raise UnsafeAssetError(f"{label}: its scene graph places more than {limits.max_nodes} nodes / "
                                   f"{limits.max_instances} instances (a chain or shared children that multiply)")
        node = nodes[index] if isinstance(index, int) and 0 <= index < len(nodes) and isinstance(nodes[index], dict) else None
        if node is None:
            continue
        if "mesh" in node:
            instances += 1
            if instances > limits.max_instances:
                raise UnsafeAssetError(f"{label} places meshes more than {limits.max_instances} times (the instances cap)")
            f, v = mesh_counts(_int(node.get("mesh"), -1))
            faces, verts = faces + f, verts + v
        children = node.get("children")
        if isinstance(children, list):
            stack.extend(children)
    if faces > limits.max_faces or verts > limits.max_vertices:
        raise UnsafeAssetError(f"{label} has {faces} faces / {verts} vertices once its instances are placed, over the caps "
                               f"({limits.max_faces} / {limits.max_vertices})")
    views = lists["bufferViews"]
    for image in lists["images"]:
        if not isinstance(image, dict):
            continue
        blob = None
        view = _int(image.get("bufferView"), -1)
        if 0 <= view < len(views) and isinstance(views[view], dict):
            start = _int(views[view].get("byteOffset"))
            blob = binary[start:start + min(_int(views[view].get("byteLength")), 1 << 16)]
        uri = image.get("uri")
        if isinstance(uri, str) and uri.startswith("data:") and "," in uri:
            head = uri.split(",", 1)[1][:1 << 16]
            try:
                blob = base64.b64decode(head[: len(head) - len(head) % 4])
            except ValueError:
                blob = None
        if blob:  # external images are checked by the sandbox resolver when trimesh reads them
            check_image(blob, limits, label)


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
    if file_type == "obj":
        _precheck_obj(data, limits, label)
    elif file_type in ("glb", "gltf"):
        _precheck_gltf(data, file_type, limits, label)
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
