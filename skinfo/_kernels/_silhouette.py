"""Numba kernels for the silhouette coefficient in O(n) memory.

The samples are sorted by label, so every class is a contiguous range
``bounds[l]:bounds[l + 1]``.  For each sample ``i`` the kernels accumulate
``sums[i, l] = sum_{j in class l} dist(i, j)``, from which
``a_i = sums[i, own] / (n_own - 1)`` and ``b_i = min_{l != own} sums[i, l] / n_l``.

Two schedules:

* ``silhouette_sums_symmetric`` visits each unordered pair of row blocks once
  and uses ``dist(i, j) = dist(j, i)`` for both blocks' sums (half the
  distance evaluations).  The row blocks are dealt to a fixed number of
  stripes (not threads); each stripe accumulates into its own
  ``(n, n_labels)`` array and the caller adds the stripes in a fixed order, so
  there are no write conflicts, one parallel region (no barrier per round,
  which stalls on a busy machine) and results independent of the thread
  count.
* ``silhouette_rowwise`` computes one row of distances at a time (O(n) per
  thread), for many labels, where ``(n, n_labels)`` sums would be large.

Distances are evaluated directly (no ``|x|^2 + |y|^2 - 2 x.y`` cancellation):
euclidean ``sqrt(sum_k (x_k - y_k)^2)``, and for pre-normalised rows the cosine
distance ``clip(1 - u.v, 0, 2)``, scikit-learn's definition.  The inner loops
run over the columns of a block (contiguous in the transposed copy ``Xt``),
four features at a time, which LLVM vectorises.
"""

import math

import numpy as np
from numba import prange

from ._common import lane_sum
from ._jit import jit, parallel_jit, parallel_ranges

__all__ = [
    "silhouette_from_sums",
    "silhouette_rowwise",
    "silhouette_sums_symmetric",
]


@jit(inline="always")
def _distance_row(X, Xt, i, j0, j1, cosine, row):
    """``row[:j1 - j0]`` = distances from sample ``i`` to samples ``j0:j1``."""
    n_features = X.shape[1]
    width = j1 - j0
    x = X[i]
    for j in range(width):
        row[j] = 0.0
    k = 0
    if cosine:
        while k + 4 <= n_features:
            q0, q1, q2, q3 = x[k], x[k + 1], x[k + 2], x[k + 3]
            c0, c1, c2, c3 = Xt[k, j0:j1], Xt[k + 1, j0:j1], Xt[k + 2, j0:j1], Xt[k + 3, j0:j1]
            for j in range(width):
                row[j] += (q0 * c0[j] + q1 * c1[j]) + (q2 * c2[j] + q3 * c3[j])
            k += 4
        while k < n_features:
            q = x[k]
            c = Xt[k, j0:j1]
            for j in range(width):
                row[j] += q * c[j]
            k += 1
        for j in range(width):
            row[j] = min(max(1.0 - row[j], 0.0), 2.0)
    else:
        while k + 4 <= n_features:
            q0, q1, q2, q3 = x[k], x[k + 1], x[k + 2], x[k + 3]
            c0, c1, c2, c3 = Xt[k, j0:j1], Xt[k + 1, j0:j1], Xt[k + 2, j0:j1], Xt[k + 3, j0:j1]
            for j in range(width):
                e0 = q0 - c0[j]
                e1 = q1 - c1[j]
                e2 = q2 - c2[j]
                e3 = q3 - c3[j]
                row[j] += (e0 * e0 + e1 * e1) + (e2 * e2 + e3 * e3)
            k += 4
        while k < n_features:
            q = x[k]
            c = Xt[k, j0:j1]
            for j in range(width):
                e = q - c[j]
                row[j] += e * e
            k += 1
        for j in range(width):
            row[j] = math.sqrt(row[j])


@jit(inline="always")
def _add_row_label_sums(row, labels, bounds, j0, j1, sums, i):
    """``sums[i, l] += sum of row over the columns of class l`` within ``j0:j1``."""
    j = j0
    while j < j1:
        label = labels[j]
        stop = min(j1, bounds[label + 1])
        sums[i, label] += lane_sum(row, j - j0, stop - j0)
        j = stop


@jit
def _tile(X, Xt, labels, bounds, cosine, i0, i1, j0, j1, sums):
    """Add the distances between blocks ``i0:i1`` and ``j0:j1`` to both blocks' sums."""
    width = j1 - j0
    row = np.empty(width)
    column_sums = np.zeros(width)
    diagonal = i0 == j0
    run_label = labels[i0]
    for i in range(i0, i1):
        _distance_row(X, Xt, i, j0, j1, cosine, row)
        if diagonal:
            # dist(i, i) = 0 exactly, also for the cosine of a zero row.
            row[i - j0] = 0.0
        _add_row_label_sums(row, labels, bounds, j0, j1, sums, i)
        if diagonal:
            continue
        if labels[i] != run_label:
            for j in range(width):
                sums[j0 + j, run_label] += column_sums[j]
                column_sums[j] = 0.0
            run_label = labels[i]
        for j in range(width):
            column_sums[j] += row[j]
    if not diagonal:
        for j in range(width):
            sums[j0 + j, run_label] += column_sums[j]


def silhouette_sums_symmetric(X, Xt, labels, bounds, cosine, block, stripe_starts, stripe_blocks, sums):
    """Per-class distance sums of every sample, each distance evaluated once.

    Parameters
    ----------
    X : float64 ndarray of shape (n, d)
        Samples sorted by label (rows normalised to unit length, or zero, for
        ``cosine``).
    Xt : float64 ndarray of shape (d, n)
        ``X.T`` made contiguous.
    labels : int64 ndarray of shape (n,)
        Sorted label codes ``0 .. n_labels - 1``.
    bounds : int64 ndarray of shape (n_labels + 1,)
        Class ``l`` is ``bounds[l]:bounds[l + 1]``.
    cosine : bool
        Cosine distance instead of euclidean.
    block : int
        Rows per block.
    stripe_starts : int64 ndarray of shape (n_stripes + 1,)
    stripe_blocks : int64 ndarray of shape (n_blocks,)
        Stripe ``s`` owns row blocks ``stripe_blocks[stripe_starts[s]:stripe_starts[s + 1]]``
        and computes their tiles with every block at or after them.
    sums : float64 ndarray of shape (n_stripes, n, n_labels)
        Zero on entry; stripe ``s`` adds its tiles' contributions to
        ``sums[s]``. The caller adds the stripes in a fixed order.
    """
    parallel_ranges(
        _stripe_sums,
        stripe_starts.shape[0] - 1,
        X,
        Xt,
        labels,
        bounds,
        cosine,
        block,
        stripe_starts,
        stripe_blocks,
        sums,
    )


@jit
def _stripe_sums(X, Xt, labels, bounds, cosine, block, stripe_starts, stripe_blocks, sums, s_lo, s_hi):
    """Stripes ``s_lo:s_hi`` of :func:`silhouette_sums_symmetric` (serial)."""
    n = X.shape[0]
    n_blocks = (n + block - 1) // block
    for s in range(s_lo, s_hi):
        for t in range(stripe_starts[s], stripe_starts[s + 1]):
            a = stripe_blocks[t]
            for b in range(a, n_blocks):
                _tile(
                    X,
                    Xt,
                    labels,
                    bounds,
                    cosine,
                    a * block,
                    min(n, (a + 1) * block),
                    b * block,
                    min(n, (b + 1) * block),
                    sums[s],
                )


@jit(inline="always")
def _silhouette_value(own_sum, nearest_mean, own_size):
    """scikit-learn's convention: 0 for a singleton and when a = b = 0."""
    if own_size <= 1:
        return 0.0
    intra = own_sum / (own_size - 1)
    largest = max(intra, nearest_mean)
    if largest > 0.0:
        return (nearest_mean - intra) / largest
    return 0.0


@jit(inline="always")
def _nearest_other_mean(sums_row, own, bounds):
    nearest = np.inf
    for label in range(bounds.shape[0] - 1):
        if label != own:
            mean = sums_row[label] / (bounds[label + 1] - bounds[label])
            if mean < nearest:
                nearest = mean
    return nearest


# Serial: O(n * n_labels) work, far below the distance sums; a parallel loop
# here only added ~0.5 s to a fresh install's compile time.
@jit
def silhouette_from_sums(sums, labels, bounds, out):
    """Silhouette of every sample from its per-class distance sums."""
    n = sums.shape[0]
    for i in range(n):
        own = labels[i]
        nearest = _nearest_other_mean(sums[i], own, bounds)
        out[i] = _silhouette_value(sums[i, own], nearest, bounds[own + 1] - bounds[own])


@parallel_jit
def silhouette_rowwise(X, Xt, labels, bounds, cosine, block, out):
    """Silhouette of every sample, one row of distances at a time.

    Same inputs as :func:`silhouette_sums_symmetric`; memory is
    O(n + n_labels) per thread. ``out`` (n,) receives the silhouettes.
    """
    n = X.shape[0]
    n_labels = bounds.shape[0] - 1
    n_blocks = (n + block - 1) // block
    for b in prange(n_blocks):
        row = np.empty(n)
        class_sums = np.empty(n_labels)
        for i in range(b * block, min(n, (b + 1) * block)):
            _distance_row(X, Xt, i, 0, n, cosine, row)
            row[i] = 0.0
            for label in range(n_labels):
                class_sums[label] = lane_sum(row, bounds[label], bounds[label + 1])
            own = labels[i]
            nearest = _nearest_other_mean(class_sums, own, bounds)
            out[i] = _silhouette_value(class_sums[own], nearest, bounds[own + 1] - bounds[own])
