"""Description -> category: keyword rules first, text embeddings for everything they miss.

Keywords (agentscene.categories.match_category) are exact and free (microseconds, no model
loaded); embeddings catch what no keyword list covers ("potted fiddle leaf fig" -> plant). Each category
is represented by its keyword phrases; a description takes the category of its most similar
phrase when that similarity clears `min_similarity`, else the generic `object`.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from agentscene.assets.embedders import Embedder, EmbedderSettings, get_embedder
from agentscene.categories import CATEGORIES, UNKNOWN_CATEGORY, match_category
from agentscene.fileio import atomic_write_bytes

if TYPE_CHECKING:  # numpy is needed only once the text model runs; a keyword hit never loads it
    import numpy as np

log = logging.getLogger(__name__)

#: Phrase vectors per embedder name: a model's vectors for the fixed vocabulary never change,
#: so classifiers in one process share them (a transformer needs seconds for ~400 phrases).
_PROTOTYPE_CACHE: dict[str, tuple[np.ndarray, list[str]]] = {}


def _phrases() -> tuple[list[str], list[str]]:
    phrases: list[str] = []
    cats: list[str] = []
    for info in CATEGORIES:
        for phrase in sorted({info.name.replace("_", " "), *info.keywords}):
            phrases.append(phrase)
            cats.append(info.name)
    return phrases, cats


@dataclass(frozen=True)
class CategoryGuess:
    category: str
    confidence: float  # 1.0 for a keyword hit, the cosine similarity for an embedding match
    method: Literal["keyword", "embedding", "none"]


class CategoryClassifier:
    """Keyword rules plus nearest keyword phrase in embedding space. The embedder loads lazily."""

    def __init__(
        self,
        embedder: Embedder | EmbedderSettings | str | None = "minilm",
        *,
        min_similarity: float = 0.55,
        cache_dir: Path | None = None,
    ):
        self._embedder_spec = embedder
        self._embedder: Embedder | None = embedder if isinstance(embedder, Embedder) else None
        self.min_similarity = float(min_similarity)
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self._phrase_vecs: np.ndarray | None = None
        self._phrase_cats: list[str] = []
        self._memo: dict[str, CategoryGuess] = {}

    @property
    def embedder(self) -> Embedder | None:
        if self._embedder is None and self._embedder_spec is not None:
            self._embedder = get_embedder(self._embedder_spec)  # type: ignore[arg-type]
        return self._embedder

    def _prototypes(self) -> tuple[np.ndarray, list[str]]:
        if self._phrase_vecs is None:
            assert self.embedder is not None
            hit = _PROTOTYPE_CACHE.get(self.embedder.name)
            if hit is None:
                phrases, cats = _phrases()
                hit = (self._load_or_encode(phrases), cats)
                _PROTOTYPE_CACHE[self.embedder.name] = hit
            self._phrase_vecs, self._phrase_cats = hit
        return self._phrase_vecs, self._phrase_cats

    def _load_or_encode(self, phrases: list[str]) -> np.ndarray:
        """Phrase vectors from the disk cache (keyed by embedder and vocabulary), else computed
        and stored there. A transformer needs seconds for them; the file loads in microseconds."""
        import numpy as np

        assert self.embedder is not None
        if self.cache_dir is None:
            return self.embedder.encode(phrases)
        key = hashlib.sha1("\x1f".join([self.embedder.name, *phrases]).encode("utf-8")).hexdigest()[:16]
        path = self.cache_dir / f"category-prototypes-{key}.npy"
        if path.is_file():
            try:
                vecs = np.load(path, allow_pickle=False)
            except (OSError, ValueError) as e:
                log.warning("ignoring unreadable prototype cache %s: %s", path, e)
            else:
                if vecs.shape == (len(phrases), self.embedder.dim) and np.isfinite(vecs).all():
                    return vecs.astype(np.float32, copy=False)
                log.warning("ignoring prototype cache %s with shape %s", path, vecs.shape)
        vecs = self.embedder.encode(phrases)
        buf = io.BytesIO()
        np.save(buf, vecs, allow_pickle=False)
        atomic_write_bytes(path, buf.getvalue())
        return vecs

    def classify(self, description: str) -> CategoryGuess:
        hit = self._memo.get(description)
        if hit is not None:
            return hit
        name = match_category(description)
        if name is not None:
            guess = CategoryGuess(name, 1.0, "keyword")
        elif self._embedder_spec is None or not description.strip():
            guess = CategoryGuess(UNKNOWN_CATEGORY, 0.0, "none")
        else:
            vecs, cats = self._prototypes()
            assert self.embedder is not None
            q = self.embedder.encode([description])[0]
            sims = vecs @ q
            best = int(sims.argmax())
            sim = float(sims[best])
            guess = (
                CategoryGuess(cats[best], sim, "embedding")
                if sim >= self.min_similarity
                else CategoryGuess(UNKNOWN_CATEGORY, sim, "none")
            )
        if len(self._memo) > 8192:
            self._memo.clear()
        self._memo[description] = guess
        return guess

    def needs_model(self, description: str) -> bool:
        """True when classifying `description` would load the text model now (no keyword, not seen, not loaded)."""
        return (self._embedder is None and self._embedder_spec is not None and description not in self._memo
                and bool(description.strip()) and match_category(description) is None)

    def classify_many(self, descriptions: list[str]) -> list[CategoryGuess]:
        """`classify` for many descriptions, embedding the ones no keyword covers in one batch."""
        todo = [d for d in dict.fromkeys(descriptions)
                if d not in self._memo and d.strip() and match_category(d) is None]
        if todo and self._embedder_spec is not None:
            vecs, cats = self._prototypes()
            assert self.embedder is not None
            sims = self.embedder.encode(todo) @ vecs.T
            for description, row in zip(todo, sims, strict=True):
                best = int(row.argmax())
                sim = float(row[best])
                self._memo[description] = (CategoryGuess(cats[best], sim, "embedding") if sim >= self.min_similarity
                                           else CategoryGuess(UNKNOWN_CATEGORY, sim, "none"))
        return [self.classify(d) for d in descriptions]

    def ranked(self, description: str, k: int = 3) -> list[CategoryGuess]:
        """The k most likely categories for backends that offer variants. A keyword hit is certain and
        answers alone, without the text model; otherwise the nearest categories in embedding space."""
        first = self.classify(description)
        if first.method == "keyword":
            return [first]
        out = [first] if first.category != UNKNOWN_CATEGORY else []
        if self._embedder_spec is None or not description.strip():
            return out or [first]
        vecs, cats = self._prototypes()
        assert self.embedder is not None
        sims = vecs @ self.embedder.encode([description])[0]
        best: dict[str, float] = {}
        for cat, sim in zip(cats, sims.tolist(), strict=True):
            if sim > best.get(cat, -2.0):
                best[cat] = sim
        for cat, sim in sorted(best.items(), key=lambda kv: -kv[1]):
            if len(out) >= k:
                break
            if sim >= self.min_similarity and all(g.category != cat for g in out):
                out.append(CategoryGuess(cat, sim, "embedding"))
        return out or [first]
