"""Numba kernels for pairwise-distance sums over a sample with itself.

Two families, both O(n) memory per thread (one distance row at a time):

* ``pairwise_bound_sums``: for the Kolchinsky-Tracey bounds on the entropy
  of the equal-weight isotropic Gaussian mixture centred at the samples.  Per
  row ``i`` it returns ``log sum_j exp(-D_ij)`` for the KL divergence
  ``D_ij = ||s_i - s_j||^2 / (2 b^2)`` and the Bhattacharyya distance
  ``D_ij / 4``, over all samples and over the row's own class range, from one
  distance pass over each unordered pair of row blocks.  The ``j = i`` term is
  ``exp(0) = 1`` and every other term is at most 1, so the sums lie in
  ``[1, n]`` and need no running maximum.  Memory: the n x 4 sums plus one
  block x block tile pair per thread.
* ``loo_lse_direct``: ``log sum_{j != i} exp(-||x_i - x_j||^2 * scale)``, the
  leave-one-out kernel density (with a running maximum, since the self term
  that anchors the sum above is excluded).

Blocks and summation order depend only on the input size, so results are
bit-identical for any thread count.
"""

import math

import numpy as np
from numba import prange

from ._common import lane_sum, range_max, sq_dist_into
from ._fastexp import exp_nonpositive
from ._jit import jit, parallel_jit

__all__ = ["loo_lse_direct", "pairwise_bound_sums", "round_robin_tiles"]

_ROW_BLOCK = 64


def round_robin_tiles(n_blocks):
    """Tiles (I, J), I <= J, grouped in rounds that touch disjoint blocks.

    Round 0 holds the diagonal tiles; the others follow the circle method of
    round-robin tournaments (one "bye" when ``n_blocks`` is odd).

    Returns
    -------
    tile_rows, tile_cols : int64 ndarrays of shape (n_blocks * (n_blocks + 1) / 2,)
    round_bounds : int64 ndarray of shape (n_rounds + 1,)
    """
    rows = list(range(n_blocks))
    cols = list(range(n_blocks))
    bounds = [0, n_blocks]
    players = n_blocks + (n_blocks % 2)
    for r in range(players - 1):
        pairs = [(r, players - 1)]
        for k in range(1, players // 2):
            pairs.append(((r + k) % (players - 1), (r - k) % (players - 1)))
        for a, b in pairs:
            if a < n_blocks and b < n_blocks:
                rows.append(min(a, b))
                cols.append(max(a, b))
        bounds.append(len(rows))
    return (np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64), np.array(bounds, dtype=np.int64))


@jit(inline="always")
def _tile_exps(samples, samples_t, norms, use_gemm, i0, i1, j0, j1, bh_scale, kl_tile, bh_tile):
    """exp(-KL) and exp(-Bhattacharyya) for rows i0:i1 against columns j0:j1."""
    width = j1 - j0
    sq = np.empty(width)
    cross = np.dot(samples[i0:i1], samples[j0:j1].T) if use_gemm else np.empty((0, 0))
    for i in range(i0, i1):
        if use_gemm:
            for j in range(width):
                sq[j] = max(norms[i] + norms[j0 + j] - 2.0 * cross[i - i0, j], 0.0)
            if j0 <= i < j1:
                # The self distance is exactly zero; rounding must not move it.
                sq[i - j0] = 0.0
        else:
            sq_dist_into(sq, samples[i], samples_t, j0, width)
        row = i - i0
        for j in range(width):
            bh = exp_nonpositive(-sq[j] * bh_scale)
            bh_tile[row, j] = bh
            # exp(-a) = exp(-a/4)^4: two multiplies instead of a second exp.
            bh2 = bh * bh
            kl_tile[row, j] = bh2 * bh2


@jit(inline="always")
def _add_row_sums(kl_tile, bh_tile, i0, i1, j0, j1, cls_lo, cls_hi, has_classes, sums):
    width = j1 - j0
    for i in range(i0, i1):
        row = i - i0
        kl = lane_sum(kl_tile[row], 0, width)
        bh = lane_sum(bh_tile[row], 0, width)
        sums[i, 0] += kl
        sums[i, 1] += bh
        lo = max(cls_lo[i], j0) - j0
        hi = min(cls_hi[i], j1) - j0
        if not has_classes:
            sums[i, 2] += kl
            sums[i, 3] += bh
        elif hi > lo:
            sums[i, 2] += lane_sum(kl_tile[row], lo, hi)
            sums[i, 3] += lane_sum(bh_tile[row], lo, hi)


@jit(inline="always")
def _add_column_sums(kl_tile, bh_tile, i0, i1, j0, j1, codes, has_classes, sums):
    """Column sums of an off-diagonal tile: what rows i0:i1 contribute to
    columns j0:j1 (the divergences are symmetric), summed in row order."""
    width = j1 - j0
    acc = np.zeros((4, width))
    for i in range(i0, i1):
        row = i - i0
        for j in range(width):
            acc[0, j] += kl_tile[row, j]
            acc[1, j] += bh_tile[row, j]
        if has_classes:
            code = codes[i]
            for j in range(width):
                same = 1.0 if codes[j0 + j] == code else 0.0
                acc[2, j] += same * kl_tile[row, j]
                acc[3, j] += same * bh_tile[row, j]
    if not has_classes:
        acc[2] = acc[0]
        acc[3] = acc[1]
    for j in range(width):
        for c in range(4):
            sums[j0 + j, c] += acc[c, j]


@parallel_jit
def pairwise_bound_sums(
    samples,
    samples_t,
    kl_scale,
    codes,
    cls_lo,
    cls_hi,
    has_classes,
    block,
    use_gemm,
    tile_rows,
    tile_cols,
    round_bounds,
    out,
):
    """Per-row log-sums of ``exp(-KL)`` and ``exp(-Bhattacharyya)``.

    Each unordered pair of row blocks is one tile, computed once and added to
    the row sums of both blocks (the divergences are symmetric): half the
    distance and exp work of a row-by-row pass.  Tiles are scheduled in rounds
    of a round-robin tournament (``tile_rows``, ``tile_cols``, half-open
    ``round_bounds``; the first round is the diagonal tiles), so within a round
    no two tiles touch the same rows and each row's partial sums are added in
    the fixed round order: no locks, and the result does not depend on the
    thread count.

    Parameters
    ----------
    samples : float64 array of shape (n, d)
        Sorted by class, centred.
    samples_t : float64 array of shape (d, n)
        The same, transposed.
    kl_scale : float
        ``1 / (2 noise_std**2)``; the Bhattacharyya scale is a quarter of it.
    codes : int64 array of shape (n,)
        Class code of each row (sorted).
    cls_lo, cls_hi : int64 arrays of shape (n,)
        Half-open row range of each row's class.
    has_classes : bool
        False when every row has the same class: the class sums are then the
        overall sums, and their masked pass is skipped.
    block : int
        Rows per block.
    use_gemm : bool
        Cross terms from BLAS (large d; the caller limits BLAS to one thread).
    tile_rows, tile_cols : int64 arrays of shape (n_tiles,)
        Block indices of each tile (``tile_rows[t] <= tile_cols[t]``).
    round_bounds : int64 array of shape (n_rounds + 1,)
    out : float64 array of shape (n, 4)
        Receives ``log sum_j exp(-KL_ij)`` and ``log sum_j exp(-BD_ij)`` over
        all rows (columns 0, 1) and over the row's class (columns 2, 3).
    """
    n = samples.shape[0]
    bh_scale = 0.25 * kl_scale
    norms = np.empty(n)
    for j in range(n):
        total = 0.0
        for k in range(samples.shape[1]):
            total += samples[j, k] * samples[j, k]
        norms[j] = total
    sums = np.zeros((n, 4))
    for r in range(round_bounds.shape[0] - 1):
        for t in prange(round_bounds[r], round_bounds[r + 1]):
            i0 = tile_rows[t] * block
            i1 = min(n, i0 + block)
            j0 = tile_cols[t] * block
            j1 = min(n, j0 + block)
            kl_tile = np.empty((i1 - i0, j1 - j0))
            bh_tile = np.empty((i1 - i0, j1 - j0))
            _tile_exps(samples, samples_t, norms, use_gemm, i0, i1, j0, j1, bh_scale, kl_tile, bh_tile)
            _add_row_sums(kl_tile, bh_tile, i0, i1, j0, j1, cls_lo, cls_hi, has_classes, sums)
            if j0 != i0:
                _add_column_sums(kl_tile, bh_tile, i0, i1, j0, j1, codes, has_classes, sums)
    for i in prange(n):
        for c in range(4):
            out[i, c] = math.log(sums[i, c])


@parallel_jit
def loo_lse_direct(samples, samples_t, scale, leave_one_out, out):
    """``log sum_j exp(-||x_i - x_j||^2 * scale)``, optionally without ``j = i``.

    Parameters
    ----------
    samples : float64 array of shape (n, d)
    samples_t : float64 array of shape (d, n)
    scale : float
        ``1 / (2 bandwidth**2)``.
    leave_one_out : bool
        Drop the self term (``-inf`` for ``n = 1``).
    out : float64 array of shape (n,)
    """
    n, n_features = samples.shape
    n_blocks = (n + _ROW_BLOCK - 1) // _ROW_BLOCK
    for block in prange(n_blocks):
        buf = np.empty(n)
        for i in range(block * _ROW_BLOCK, min(n, (block + 1) * _ROW_BLOCK)):
            sq_dist_into(buf, samples[i], samples_t, 0, n)
            for j in range(n):
                buf[j] = -buf[j] * scale
            if leave_one_out:
                buf[i] = -np.inf
            m = range_max(buf, 0, n)
            if m == -np.inf:
                out[i] = -np.inf
                continue
            for j in range(n):
                buf[j] = exp_nonpositive(buf[j] - m)
            out[i] = m + math.log(lane_sum(buf, 0, n))
