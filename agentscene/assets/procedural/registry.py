"""Category -> builder lookup and the cached `build_mesh` entry point."""

from __future__ import annotations

from functools import lru_cache

from agentscene.assets.procedural import appliances, decor, gym, seating, storage, tables  # noqa: F401  (register builders)
from agentscene.assets.procedural.kit import BUILDERS
from agentscene.assets.procedural.parts import MeshBuilder
from agentscene.assets.procedural.style import colour_words, make_style
from agentscene.categories import UNKNOWN_CATEGORY, category_info


def builder_categories() -> list[str]:
    """Categories with a dedicated builder (everything else gets the generic block)."""
    return sorted(c for c in BUILDERS if c != UNKNOWN_CATEGORY)


def _quantise(size) -> tuple[float, float, float]:
    """Millimetre steps, so near-identical sizes share a cache entry."""
    return tuple(max(round(float(v), 3), 0.001) for v in size)  # type: ignore[return-value]


@lru_cache(maxsize=2048)
def _cached(category: str, size: tuple[float, float, float], seed: int, colours: tuple) -> tuple:
    fn = BUILDERS.get(category, BUILDERS[UNKNOWN_CATEGORY])
    style = make_style(category, seed, colours)
    b = MeshBuilder()
    fn(b, size[0], size[1], size[2], style, style.rng())
    mesh = b.build(size)
    mesh.vertices.flags.writeable = False
    return mesh.vertices, mesh.faces, mesh.visual.face_colors


def build_mesh(category: str, size=None, seed: int = 0, description: str = ""):
    """A fresh coloured Trimesh for `category` at `size` ([w, h, d], default: the category's
    typical size), in the canonical frame. Same arguments -> same mesh (cached)."""
    import trimesh

    if size is None:
        size = category_info(category).size
    key = _quantise(size)
    colours = colour_words(description)
    v, f, c = _cached(category, key, int(seed), colours)
    return trimesh.Trimesh(vertices=v.copy(), faces=f.copy(), face_colors=c.copy(), process=False, validate=False)
