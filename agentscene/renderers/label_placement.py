"""Where id labels go: greedy placement, for every view of a batch at once, with numpy.

Each view's labels are placed in scene order, each on the first free spot of `LABEL_OFFSETS`
around its object (free of the labels placed before it, the grid labels and the caption), else
on the least covered spot of the first ring. Label k of every view is placed in the same numpy
calls; the near ring is tried in stages (most labels fit on the anchor or just above it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from agentscene.renderers.overlays import OverlaySettings, SpriteKey, sprite_size, use_compiled

#: Candidate label centres, in label widths and heights from the anchor: on it, above, below,
#: beside, then one ring further out. The first free one wins.
LABEL_OFFSETS = np.array([
    (0.0, 0.0), (0.0, -1.15), (0.0, 1.15), (0.62, 0.0), (-0.62, 0.0),
    (0.62, -1.15), (-0.62, -1.15), (0.62, 1.15), (-0.62, 1.15),
    (0.0, -2.3), (0.0, 2.3), (1.24, 0.0), (-1.24, 0.0), (1.24, -2.3), (-1.24, -2.3), (1.24, 2.3), (-1.24, 2.3),
    (0.62, -2.3), (-0.62, -2.3), (0.62, 2.3), (-0.62, 2.3), (1.24, -1.15), (-1.24, -1.15), (1.24, 1.15), (-1.24, 1.15),
    (0.0, -3.45), (0.0, 3.45), (1.86, 0.0), (-1.86, 0.0), (0.62, -3.45), (-0.62, -3.45), (0.62, 3.45), (-0.62, 3.45),
    (1.86, -1.15), (-1.86, -1.15), (1.86, 1.15), (-1.86, 1.15), (0.0, -4.6), (0.0, 4.6), (2.48, 0.0), (-2.48, 0.0),
])
NEAR_CANDIDATES = 9  # the first ring is tried for every label, the rest only where it is full
NEAR_STAGES = ((0, 1), (1, 2), (2, NEAR_CANDIDATES))  # the near ring in the order labels find room: on the anchor, above, the rest
FIRST_CANDIDATES = 2  # candidates made for every label up front (the first two stages)
#: engine="auto" places labels in compiled code (numba, where installed) from this many labels in
#: one call: below it the numpy path is as fast and needs no numba import or compile.
COMPILED_MIN_LABELS = 256


@lru_cache(maxsize=65536)
def label_sprite(text: str, font_size: int, r: int, g: int, b: int) -> tuple[SpriteKey, tuple[int, int]]:
    """An id label's sprite key and size, made once: the same ids recur every step of an episode."""
    key = SpriteKey("label", text, font_size, (r, g, b))
    return key, sprite_size(key)


@dataclass
class PlacedLabels:
    """The labels placed: which (view, object) rows got one, their view, box (x0, y0, x1, y1) and sprite."""

    rows: np.ndarray  # (L,) into the (view, object) rows
    view: np.ndarray  # (L,)
    boxes: np.ndarray  # (L, 4) in pixels, on whole pixels
    table: list[SpriteKey]  # the distinct label sprites
    index: np.ndarray  # (L,) each label's sprite in `table`


def _clamp_box(x0: np.ndarray, y0: np.ndarray, w: np.ndarray, h: np.ndarray, width: np.ndarray, height: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.minimum(np.maximum(x0, 0.0), width - w), np.minimum(np.maximum(y0, 0.0), height - h)


def _candidate_boxes(anchor: np.ndarray, w: np.ndarray, h: np.ndarray, wh: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Each label's candidate boxes at `offsets` as drawn (whole pixels, inside the image): (4, L, C),
    one plane per coordinate x0, y0, x1, y1."""
    cx = anchor[:, 0:1] + offsets[None, :, 0] * w
    cy = anchor[:, 1:2] + offsets[None, :, 1] * h
    x0, y0 = _clamp_box(cx - w / 2.0, cy - h / 2.0, w, h, wh[:, 0:1], wh[:, 1:2])
    x0, y0 = np.round(x0), np.round(y0)  # labels land on whole pixels: test the boxes as drawn
    return np.stack([x0, y0, x0 + w, y0 + h])


def _overlap(cand: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Total overlap area (L, C) of candidate boxes (4, L, C) with each label's `others` (4, L, P)."""
    ox = np.minimum(cand[2][:, :, None], others[2][:, None, :])
    ox -= np.maximum(cand[0][:, :, None], others[0][:, None, :])
    oy = np.minimum(cand[3][:, :, None], others[3][:, None, :])
    oy -= np.maximum(cand[1][:, :, None], others[1][:, None, :])
    np.maximum(ox, 0.0, out=ox)
    np.maximum(oy, 0.0, out=oy)
    ox *= oy
    return ox.sum(axis=2)


def _best_candidate(anchor: np.ndarray, w: np.ndarray, h: np.ndarray, wh: np.ndarray, others: np.ndarray,
                    offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each label: the first candidate box (L, 4) free of `others` (4, L, P), else the least-overlapping;
    and whether it was free."""
    cand = _candidate_boxes(anchor, w, h, wh, offsets)
    area = _overlap(cand, others)
    free = area <= 1e-9
    any_free = free.any(axis=1)
    choice = np.where(any_free, free.argmax(axis=1), area.argmin(axis=1))
    return cand[:, np.arange(len(anchor)), choice].T, any_free


def _place_rank(first: np.ndarray, anchor: np.ndarray, w: np.ndarray, h: np.ndarray, wh: np.ndarray, others: np.ndarray) -> np.ndarray:
    """`_best_candidate` over the near ring, then over the far ring for labels the near ring has no room for.

    The near ring is tried in stages (the spot on the anchor, the one above, the rest): most labels
    fit in the first two, and only the others are tested further. `first`: the boxes of the first
    `FIRST_CANDIDATES` (4, L, FIRST_CANDIDATES), made for all ranks at once; the rest are made here
    for the labels that get that far."""
    chosen = first[:, :, 0].T.copy()
    todo = np.arange(len(anchor))
    for lo, hi in NEAR_STAGES:
        if hi <= FIRST_CANDIDATES:
            cand = first[:, :, lo:hi] if len(todo) == len(anchor) else first[:, todo, lo:hi]
        else:
            cand = _candidate_boxes(anchor[todo], w[todo], h[todo], wh[todo], LABEL_OFFSETS[lo:hi])
        free = _overlap(cand, others if len(todo) == len(anchor) else others[:, todo]) <= 1e-9
        fits = free.any(axis=1)
        chosen[todo[fits]] = cand[:, np.nonzero(fits)[0], free[fits].argmax(axis=1)].T
        todo = todo[~fits]
        if not len(todo):
            return chosen
    # the near ring is full for these: its least overlapping box, unless the far ring has a free one
    chosen[todo], _ = _best_candidate(anchor[todo], w[todo], h[todo], wh[todo], others[:, todo], LABEL_OFFSETS[:NEAR_CANDIDATES])
    far, far_free = _best_candidate(anchor[todo], w[todo], h[todo], wh[todo], others[:, todo], LABEL_OFFSETS[NEAR_CANDIDATES:])
    chosen[todo[far_free]] = far[far_free]
    return chosen


def place_labels(cams: dict[str, np.ndarray], obj_view: np.ndarray, obj_src: np.ndarray, pc: np.ndarray, uv: np.ndarray,
                 ids: Sequence[str], obj_rgba: np.ndarray, wh: np.ndarray, font: list[int], placed: list[list[np.ndarray]],
                 settings: OverlaySettings) -> PlacedLabels | None:
    """Greedy, batched label placement: label k of every view at once, each against what its view placed before.

    One row per (view, object): `obj_view`, `pc` and `uv` (its top centre in camera space and pixels),
    `ids[obj_src[row]]` its id, `obj_rgba` its outline colour; per view `wh` (size), `font` and
    `placed` (boxes labels avoid: grid labels, caption). None when no label is visible.
    """
    n_views = len(placed)
    visible = (~cams["persp"][obj_view] | (pc[:, 2] > cams["near"][obj_view]))
    visible &= np.all(np.isfinite(uv), axis=1)
    visible &= (uv[:, 0] >= 0) & (uv[:, 1] >= 0) & (uv[:, 0] < wh[obj_view, 0]) & (uv[:, 1] < wh[obj_view, 1])
    rows = np.nonzero(visible)[0]
    if not len(rows):
        return None
    # rank of each visible label within its view; views keep at most max_labels
    view = obj_view[rows]
    order = np.argsort(view, kind="stable")
    rows, view = rows[order], view[order]
    first = np.searchsorted(view, np.arange(n_views))
    rank = np.arange(len(rows)) - first[view]
    keep = rank < settings.max_labels
    rows, view, rank = rows[keep], view[keep], rank[keep]
    n_rank = int(rank.max()) + 1

    # one sprite per distinct (id, font size, colour): copies of a scene share their labels
    codes = {text: k for k, text in enumerate(dict.fromkeys(ids))}
    id_code = np.fromiter(map(codes.__getitem__, ids), dtype=np.int64, count=len(ids))
    rgb = obj_rgba[rows, :3].astype(np.int64)
    label_code = (id_code[obj_src[rows]] << 40) | (np.array(font, dtype=np.int64)[view] << 24) | (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]
    distinct, first_row, inverse = np.unique(label_code, return_index=True, return_inverse=True)
    table, table_dims = [], []
    for k in first_row.tolist():
        key, size = label_sprite(ids[obj_src[rows[k]]], font[view[k]], *(int(c) for c in rgb[k]))
        table.append(key)
        table_dims.append(size)
    dims = np.array(table_dims, dtype=np.float64).reshape(-1, 2)[inverse]

    # pre-placed boxes (grid labels, caption), padded per view
    pre = [np.concatenate(p) if p else np.zeros((0, 4)) for p in placed]
    n_pre_view = np.array([len(p) for p in pre], dtype=np.intp)
    n_pre = int(n_pre_view.max(initial=0))
    boxes = np.full((4, n_views, n_pre + n_rank), -1.0)  # one plane per coordinate; empty slots never overlap (zero size)
    if n_pre:
        at = np.arange(int(n_pre_view.sum())) - np.repeat(np.cumsum(n_pre_view) - n_pre_view, n_pre_view)
        boxes[:, np.repeat(np.arange(n_views), n_pre_view), at] = np.concatenate(pre).T
    anchors, label_wh = uv[rows], wh[view]
    if use_compiled(settings.engine, len(rows), COMPILED_MIN_LABELS):
        from agentscene.renderers.kernels import place_greedy

        final = place_greedy(boxes, n_pre, np.ascontiguousarray(anchors, dtype=np.float64), np.ascontiguousarray(dims[:, 0]),
                             np.ascontiguousarray(dims[:, 1]), np.ascontiguousarray(label_wh, dtype=np.float64),
                             view.astype(np.int64), rank.astype(np.int64), LABEL_OFFSETS, NEAR_CANDIDATES)
        return PlacedLabels(rows, view, final, table, inverse)
    # labels in rank order (rank k of every view together), each rank one contiguous slice
    by_rank = np.argsort(rank, kind="stable")
    bounds = np.searchsorted(rank[by_rank], np.arange(n_rank + 1)).tolist()
    r_anchor, r_w, r_h, r_wh, r_view = anchors[by_rank], dims[by_rank, 0:1], dims[by_rank, 1:2], label_wh[by_rank], view[by_rank]
    first = _candidate_boxes(r_anchor, r_w, r_h, r_wh, LABEL_OFFSETS[:FIRST_CANDIDATES])
    chosen = np.empty((len(rows), 4))
    for k in range(n_rank):  # rank k goes into slot n_pre + k of every view that has it
        at = slice(bounds[k], bounds[k + 1])
        v = r_view[at]
        chosen[at] = _place_rank(first[:, at], r_anchor[at], r_w[at], r_h[at], r_wh[at], boxes[:, v, : n_pre + k])
        boxes[:, v, n_pre + k] = chosen[at].T
    final = np.empty_like(chosen)
    final[by_rank] = chosen

    return PlacedLabels(rows, view, final, table, inverse)


__all__ = ["LABEL_OFFSETS", "NEAR_CANDIDATES", "PlacedLabels", "label_sprite", "place_labels"]
