"""Shared machinery of dataset-backed backends: a cached embedding index and `find`.

A subclass says how to list its dataset (`scan`: entries plus a fingerprint of the files
they came from) and how to load one mesh; this class builds the index once, stores it on
disk, reuses it while the fingerprint and the embedder match, and answers `find`.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from agentscene.assets.base import AssetMatch, Size3
from agentscene.assets.embedders import (
    Embedder,
    EmbedderSettings,
    as_embedder_settings,
    get_embedder,
)
from agentscene.assets.index import AssetIndex, AssetIndexError, IndexEntry
from agentscene.assets.safety import MeshLimits
from agentscene.assets.scoring import ScoreSettings
from agentscene.categories import UNKNOWN_CATEGORY

log = logging.getLogger(__name__)


class IndexedSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    index_dir: Path | None = Field(default=None, description="where the index is cached (default: ~/.cache/agentscene/assets/<kind>-<hash of the dataset path>)")
    embedder: EmbedderSettings = Field(default_factory=EmbedderSettings)
    scoring: ScoreSettings = Field(default_factory=ScoreSettings)
    limits: MeshLimits = Field(default_factory=MeshLimits)
    rebuild: Literal["auto", "never", "always"] = Field(
        default="auto", description="auto: build when missing or stale; never: fail instead; always: rebuild now"
    )
    progress: bool = Field(default=True, description="show a progress bar while building the index")

    @field_validator("embedder", mode="before")
    @classmethod
    def _embedder(cls, v: Any) -> Any:
        return as_embedder_settings(v)


def default_index_dir(kind: str, dataset: Path) -> Path:
    digest = hashlib.sha1(str(dataset.resolve()).encode("utf-8")).hexdigest()[:12]
    return Path.home() / ".cache" / "agentscene" / "assets" / f"{kind}-{digest}"


class IndexedBackend:
    """Base for backends whose `find` searches an AssetIndex built from a local dataset."""

    name: ClassVar[str] = ""

    def __init__(self, settings: IndexedSettings):
        self.settings = settings
        self._embedder: Embedder | None = None
        self._index: AssetIndex | None = None

    # -- to implement ------------------------------------------------------------------------

    def dataset_path(self) -> Path:
        raise NotImplementedError

    def scan(self) -> tuple[list[IndexEntry], str, list[str]]:
        """(entries, fingerprint of the source files, problems found while scanning)."""
        raise NotImplementedError

    # -- index -------------------------------------------------------------------------------

    @property
    def index_dir(self) -> Path:
        return self.settings.index_dir or default_index_dir(self.name, self.dataset_path())

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = get_embedder(self.settings.embedder)
        return self._embedder

    @property
    def index(self) -> AssetIndex:
        if self._index is None:
            self._index = self.load_or_build()
        return self._index

    def load_or_build(self) -> AssetIndex:
        mode = self.settings.rebuild
        if mode != "always":
            manifest = AssetIndex.read_manifest(self.index_dir)
            if manifest is not None:
                stale = self._staleness(manifest)
                if stale is None:
                    return AssetIndex.load(self.index_dir)
                if mode == "never":
                    raise AssetIndexError(f"the {self.name} index in {self.index_dir} is stale ({stale}); rebuild it")
                log.info("rebuilding the %s index: %s", self.name, stale)
            elif mode == "never":
                raise AssetIndexError(f"no {self.name} index in {self.index_dir}; run `agentscene assets index`")
        return self.build_index()

    def _staleness(self, manifest: dict[str, Any]) -> str | None:
        """Why a stored index cannot be used, or None. Fingerprinting rereads the metadata
        files (not the meshes), which is fast compared with rebuilding."""
        if manifest.get("source") != self.name:
            return f"it indexes {manifest.get('source')!r}"
        if manifest.get("embedder") != self.embedder.name:
            return f"built with embedder {manifest.get('embedder')!r}, now {self.embedder.name!r}"
        if manifest.get("fingerprint") != self.fingerprint():
            return "the dataset's metadata changed"
        return None

    def fingerprint(self) -> str:
        raise NotImplementedError

    def build_index(self) -> AssetIndex:
        entries, fingerprint, problems = self.scan()
        manifest = {"fingerprint": fingerprint, "dataset": str(self.dataset_path()),
                    "skipped": len(problems), "problems": problems[:50]}
        index = AssetIndex.build(entries, self.embedder, source=self.name, show_progress=self.settings.progress,
                                 manifest=manifest)
        index.save(self.index_dir)
        self._index = index
        return index

    # -- AssetBackend ------------------------------------------------------------------------

    def find(self, description: str, category: str | None = None, size: Size3 | None = None, k: int = 5) -> list[AssetMatch]:
        query = self.embedder.encode([description])[0]
        if category == UNKNOWN_CATEGORY:  # "object" means "no category", not "only uncategorised assets"
            category = None
        return self.index.search(query, size=size, category=category, k=k, scoring=self.settings.scoring)
