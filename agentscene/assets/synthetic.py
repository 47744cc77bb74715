"""Small datasets in the real on-disk layouts of 3D-FUTURE and Objaverse, built from
procedural meshes. Tests and benchmarks use them, and users can try the retrieval commands
without downloading anything:

    write_future3d(tmp / "3D-FUTURE-model", [SyntheticModel("a1", "Dining Table", size=(1.6, .75, .9))])
"""

from __future__ import annotations

import gzip
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from agentscene.categories import CATEGORIES, UNKNOWN_CATEGORY, match_category


def _write(path: Path, data: bytes) -> None:
    """Plain writes: these are throwaway fixtures, and fsync per file makes 10,000 of them slow."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


@dataclass(frozen=True)
class SyntheticModel:
    """One dataset entry: metadata plus how to make its mesh."""

    jid: str
    category: str  # the dataset's own label, e.g. "King-size Bed"
    size: tuple[float, float, float] = (1.0, 1.0, 1.0)
    style: str = "Modern"
    theme: str | None = None
    material: str | None = "Wood"
    super_category: str | None = None
    seed: int = 0
    texture_rgb: tuple[int, int, int] | None = None  # write model.mtl + texture.png of this colour
    mesh: str = "procedural"  # procedural | box
    extra: dict[str, Any] = field(default_factory=dict)


def _box_obj(size) -> bytes:
    w, h, d = size
    lines = [f"v {x * w / 2:.6f} {y * h:.6f} {z * d / 2:.6f}" for x in (-1, 1) for y in (0, 1) for z in (-1, 1)]
    faces = [(1, 2, 4), (1, 4, 3), (5, 7, 8), (5, 8, 6), (1, 5, 6), (1, 6, 2), (3, 4, 8), (3, 8, 7),
             (1, 3, 7), (1, 7, 5), (2, 6, 8), (2, 8, 4)]
    lines += [f"f {a} {b} {c}" for a, b, c in faces]
    return ("\n".join(lines) + "\n").encode()


def model_mesh(m: SyntheticModel):
    """The procedural mesh of the entry's category at its size."""
    from agentscene.assets.procedural.registry import build_mesh

    category = match_category(m.category) or UNKNOWN_CATEGORY
    return build_mesh(category, size=m.size, seed=m.seed)


def write_obj(folder: Path, m: SyntheticModel) -> None:
    """<folder>/raw_model.obj, plus model.mtl and texture.png when the model is textured."""
    if m.mesh == "box":
        _write(folder / "raw_model.obj", _box_obj(m.size))
        return
    import trimesh
    from PIL import Image
    from trimesh.exchange.obj import export_obj

    mesh = model_mesh(m)
    if m.texture_rgb is None:
        _write(folder / "raw_model.obj", export_obj(mesh, include_color=False).encode())
        return
    uv = np.full((len(mesh.vertices), 2), 0.5)
    mesh.visual = trimesh.visual.TextureVisuals(uv=uv, image=Image.new("RGB", (4, 4), m.texture_rgb))
    text, files = export_obj(mesh, return_texture=True, mtl_name="model.mtl")
    png_name = next(k for k in files if k.endswith(".png"))
    mtl = files["model.mtl"].decode().replace(png_name, "texture.png")
    _write(folder / "raw_model.obj", text.encode())
    _write(folder / "model.mtl", mtl.encode())
    _write(folder / "texture.png", files[png_name])


def write_future3d(root: str | Path, models: list[SyntheticModel]) -> Path:
    """A 3D-FUTURE-model directory: model_info.json and <jid>/raw_model.obj for each model."""
    root = Path(root)
    info = []
    for m in models:
        info.append({"model_id": m.jid, "style": m.style, "theme": m.theme, "material": m.material,
                     "category": m.category, "super-category": m.super_category or m.category, **m.extra})
        write_obj(root / m.jid, m)
    _write(root / "model_info.json", json.dumps(info).encode())
    return root


def write_objaverse(base: str | Path, records: dict[str, dict[str, Any]], meshes: dict[str, Any]) -> tuple[Path, Path]:
    """annotations.json.gz plus glbs/<uid[:2]>/<uid>.glb for each uid in `meshes` (trimesh meshes)."""
    base = Path(base)
    glb_dir = base / "glbs"
    for uid, mesh in meshes.items():
        _write(glb_dir / uid[:2] / f"{uid}.glb", mesh.export(file_type="glb"))
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as fh:
        fh.write(json.dumps(records).encode())
    _write(base / "annotations.json.gz", buf.getvalue())
    return base / "annotations.json.gz", glb_dir


_STYLES = ("Modern", "Industrial", "Nordic", "Japanese", "Light Luxury", "Minimalist", "Vintage/Retro", "Chinoiserie")
_MATERIALS = ("Wood", "Metal", "Leather", "Cloth", "Marble", "Glass", "Rattan", "Stone")


def synthetic_catalog(n: int, seed: int = 0, mesh: str = "box") -> list[SyntheticModel]:
    """n varied models over every category, sizes jittered around the typical ones."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        info = CATEGORIES[int(rng.integers(len(CATEGORIES)))]
        size = tuple(float(v * rng.uniform(0.7, 1.3)) for v in info.size)
        label = info.keywords[int(rng.integers(len(info.keywords)))].title() if info.keywords else info.name
        out.append(SyntheticModel(
            jid=f"{i:08x}-{int(rng.integers(1 << 30)):08x}", category=label, size=size,  # type: ignore[arg-type]
            style=_STYLES[int(rng.integers(len(_STYLES)))], material=_MATERIALS[int(rng.integers(len(_MATERIALS)))],
            mesh=mesh, seed=i,
        ))
    return out
