"""The overlay steps of a large batch as compiled loops (numba): label placement, outline vertices.

`label_placement` places label k of every view with a few numpy calls per rank; with 30 labels
a view that is ~700 small numpy calls a pass, most of a GPU batch's Python time. `place_greedy`
runs the same greedy rule label by label and gives the same boxes, bit for bit: candidate boxes
use the same expressions and rounding (half to even), overlap areas are summed in numpy's
pairwise order, and ties go to the first candidate as `argmax`/`argmin` do.

`segment_vertices` writes the quads of outline, arrow and leader segments as `overlay_geometry`
does with whole-array numpy (a dozen temporaries per coordinate), in float32 with the same
operations in the same order, so the vertex bytes are the same.

Importing this module needs numba (`pip install 'agentscene[fast]'`); `label_placement` imports
it only where numba is installed and keeps its numpy path otherwise. The kernel is compiled on
its first call (about a second) and cached on disk by numba.
"""

from __future__ import annotations

import numba
import numpy as np

from agentscene.renderers.overlay_geometry import QUAD_TRIANGLES

NUMPY_BUFSIZE = 8192  # numpy's ufunc buffer: a reduction's inner loop sees at most this many elements


@numba.njit(cache=True)
def block_sum(a: np.ndarray, lo: int, n: int) -> float:
    """numpy's pairwise summation of a[lo:lo + n] for n <= 128 (eight running sums, then the rest)."""
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    while i < n - (n % 8):
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@numba.njit(cache=True)
def pairwise_sum(a: np.ndarray, lo: int, n: int) -> float:
    """numpy's pairwise summation of a[lo:lo + n] (the order `ndarray.sum` adds a contiguous row in):
    blocks of at most 128 summed by `block_sum`, longer runs split in two (the first part a
    multiple of 8) and the halves' sums added. numpy recurses; this walks the same tree with a
    stack (numba's on-disk cache does not keep recursive functions)."""
    if n <= 128:
        return block_sum(a, lo, n)
    seg_lo = np.empty(64, np.int64)
    seg_n = np.empty(64, np.int64)
    state = np.zeros(64, np.int64)  # 0: left half next, 1: right half next, 2: both done
    left = np.empty(64)
    sp, result = 0, 0.0
    seg_lo[0], seg_n[0] = lo, n
    while True:
        k = seg_n[sp]
        if k <= 128:
            result = block_sum(a, seg_lo[sp], k)
        elif state[sp] < 2:
            half = k // 2
            half -= half % 8
            if state[sp] == 1:
                left[sp] = result
            first = state[sp] == 0
            state[sp] += 1
            sp += 1
            seg_lo[sp] = seg_lo[sp - 1] if first else seg_lo[sp - 1] + half
            seg_n[sp] = half if first else k - half
            state[sp] = 0
            continue
        else:
            result = left[sp] + result
        sp -= 1
        if sp < 0:
            return result


@numba.njit(cache=True)
def row_sum(a: np.ndarray, n: int) -> float:
    """a[:n].sum() as numpy adds it: pairwise within each 8192-element buffer, buffers in turn."""
    res = pairwise_sum(a, 0, min(n, NUMPY_BUFSIZE))
    lo = NUMPY_BUFSIZE
    while lo < n:
        res += pairwise_sum(a, lo, min(NUMPY_BUFSIZE, n - lo))
        lo += NUMPY_BUFSIZE
    return res


@numba.njit(cache=True)
def place_greedy(boxes: np.ndarray, n_pre: int, anchor: np.ndarray, w: np.ndarray, h: np.ndarray, limit: np.ndarray,
           view: np.ndarray, rank: np.ndarray, offsets: np.ndarray, near: int) -> np.ndarray:
    """Boxes (L, 4) of labels given in view order and, within a view, rank order; each placed
    label is written into `boxes` (4, V, n_pre + ranks) at slot n_pre + rank of its view."""
    n, n_off = anchor.shape[0], offsets.shape[0]
    out = np.empty((n, 4))
    cand = np.empty((n_off, 4))
    area = np.empty(n_off)
    terms = np.empty(boxes.shape[2])
    for i in range(n):
        v, m = view[i], n_pre + rank[i]
        wi, hi = w[i], h[i]
        chosen = -1
        for c in range(n_off):
            cx = anchor[i, 0] + offsets[c, 0] * wi
            cy = anchor[i, 1] + offsets[c, 1] * hi
            x0 = min(max(cx - wi / 2.0, 0.0), limit[i, 0] - wi)
            y0 = min(max(cy - hi / 2.0, 0.0), limit[i, 1] - hi)
            x0, y0 = np.rint(x0), np.rint(y0)
            x1, y1 = x0 + wi, y0 + hi
            cand[c, 0], cand[c, 1], cand[c, 2], cand[c, 3] = x0, y0, x1, y1
            for j in range(m):
                ox = min(x1, boxes[2, v, j]) - max(x0, boxes[0, v, j])
                oy = min(y1, boxes[3, v, j]) - max(y0, boxes[1, v, j])
                terms[j] = max(ox, 0.0) * max(oy, 0.0)
            area[c] = row_sum(terms, m)
            if area[c] <= 1e-9:
                chosen = c
                break
        if chosen < 0:  # no free spot: the near ring's least covered one
            chosen = 0
            for c in range(1, near):
                if area[c] < area[chosen]:
                    chosen = c
        for k in range(4):
            out[i, k] = cand[chosen, k]
            boxes[k, v, m] = cand[chosen, k]
    return out



@numba.njit(cache=True)
def segment_vertices(xy: np.ndarray, off: np.ndarray, width: np.ndarray, rgba: np.ndarray, view: np.ndarray, out: np.ndarray) -> None:
    """Each segment (x0, y0, x1, y1) + its tile corner as two triangles into `out` (K, 6, 8) float32:
    x, y; u = -1 - view, v = -1 (solid); r, g, b, a in [0, 1]. Square caps of half a pixel."""
    one, zero, half_pixel, two = np.float32(1.0), np.float32(0.0), np.float32(0.5), np.float32(2.0)
    shortest, full = np.float32(1e-6), np.float32(255.0)
    minus_one = np.float32(-1.0)
    for i in range(xy.shape[0]):
        ox, oy = off[i, 0], off[i, 1]
        p0x, p0y, p1x, p1y = xy[i, 0] + ox, xy[i, 1] + oy, xy[i, 2] + ox, xy[i, 3] + oy
        dx, dy = p1x - p0x, p1y - p0y
        length = np.hypot(dx, dy)
        if length > shortest:
            ux, uy = dx / length, dy / length
        else:
            ux, uy = one, zero
        half = width[i] / two
        nx, ny = -uy * half, ux * half
        ex, ey = ux * half_pixel, uy * half_pixel
        ax, ay, bx, by = p0x - ex, p0y - ey, p1x + ex, p1y + ey
        u = np.float32(-1.0 - np.float64(view[i]))
        r, g, b, a = np.float32(rgba[i, 0]) / full, np.float32(rgba[i, 1]) / full, np.float32(rgba[i, 2]) / full, np.float32(rgba[i, 3]) / full
        xs = (ax - nx, bx - nx, bx + nx, ax + nx)  # the quad's corners, around
        ys = (ay - ny, by - ny, by + ny, ay + ny)
        for c in range(6):
            x, y = xs[QUAD_TRIANGLES[c]], ys[QUAD_TRIANGLES[c]]
            out[i, c, 0], out[i, c, 1], out[i, c, 2], out[i, c, 3] = x, y, u, minus_one
            out[i, c, 4], out[i, c, 5], out[i, c, 6], out[i, c, 7] = r, g, b, a
