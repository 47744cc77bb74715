"""Retrieval score: text similarity plus a Gaussian size match, as in SceneReVis.

SceneReVis (utils/sample.py, `AssetRetrievalModule`, used with lambd=0.7, sigma=0.05 in
infer.py and RL_utils.py) ranks 3D-FUTURE assets by

    score = λ · cos(text, asset) + (1 − λ) · exp(−Σ_axes (s_asset − s_query)² / (2σ²))

with sizes in metres (`size_mode="absolute"` here). Our default `size_mode="relative"`
divides each axis difference by the queried size first, so a 5 cm error weighs the same on a
vase and on a wardrobe. When no size is given the score is the text similarity alone.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field


class ScoreSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    text_weight: float = Field(default=0.7, ge=0.0, le=1.0, description="λ: weight of text similarity")
    sigma: float = Field(default=0.05, gt=0.0, description="σ of the size Gaussian")
    size_mode: Literal["relative", "absolute"] = Field(
        default="relative", description="relative: per-axis difference / queried size; absolute: metres (SceneReVis)"
    )

    @classmethod
    def scenerevis(cls) -> ScoreSettings:
        """SceneReVis' exact retrieval scoring (λ = 0.7, σ = 0.05, absolute sizes)."""
        return cls(text_weight=0.7, sigma=0.05, size_mode="absolute")


def size_scores(sizes: np.ndarray, query: np.ndarray, settings: ScoreSettings) -> np.ndarray:
    """exp(−d²/(2σ²)) for each row of `sizes` (N, 3) against the queried [w, h, d]."""
    diff = sizes - query[None, :]
    if settings.size_mode == "relative":
        diff = diff / np.maximum(query, 1e-6)[None, :]
    d2 = np.einsum("ij,ij->i", diff, diff)
    return np.exp(-d2 / (2.0 * settings.sigma**2))


def combine(text: np.ndarray, size: np.ndarray | None, settings: ScoreSettings) -> np.ndarray:
    if size is None:
        return text
    lam = settings.text_weight
    return lam * text + (1.0 - lam) * size
