"""Numba kernels for pairwise-distance sums over a sample with itself.

Two families, both O(n) memory per thread (one distance row at a time):

* ``pairwise_bound_sums_*``: for the Kolchinsky-Tracey bounds on the entropy
  of the equal-weight isotropic Gaussian mixture centred at the samples.  Per
  row ``i`` they return ``log sum_j exp(-D_ij)`` for the KL divergence
  ``D_ij = ||s_i - s_j||^2 / (2 b^2)`` and the Bhattacharyya distance
  ``D_ij / 4``, over all samples and over the row's own class range, from one
  distance pass.  The ``j = i`` term is ``exp(0) = 1`` and every other term is
  at most 1, so the sums lie in ``[1, n]`` and need no running maximum.
* ``loo_lse_direct``: ``log sum_{j != i} exp(-||x_i - x_j||^2 * scale)``, the
  leave-one-out kernel density (with a running maximum, since the self term
  that anchors the sum above is excluded).

Rows are split into blocks fixed by the input size and each row is reduced
serially, so results are bit-identical for any thread count.
"""

import math

import numpy as np
from numba import prange

from ._fastexp import exp_nonpositive
from ._jit import jit, parallel_jit
from ._mixture import _pairwise_sum, _range_max

__all__ = [
    "loo_lse_direct",
    "pairwise_bound_sums_direct",
    "pairwise_bound_sums_gemm",
]

_ROW_BLOCK = 64


@jit(inline="always")
def _bound_row(sq, kl_scale, kl_buf, bh_buf, i, cls_lo, cls_hi, out):
    """Reduce one row of squared distances into the four log-sums."""
    n = sq.shape[0]
    bh_scale = 0.25 * kl_scale
    for j in range(n):
        bh = exp_nonpositive(-sq[j] * bh_scale)
        bh_buf[j] = bh
        # exp(-a) = exp(-a/4)^4: two multiplies instead of a second exp.
        bh2 = bh * bh
        kl_buf[j] = bh2 * bh2
    out[i, 0] = math.log(_pairwise_sum(kl_buf, 0, n))
    out[i, 1] = math.log(_pairwise_sum(bh_buf, 0, n))
    out[i, 2] = math.log(_pairwise_sum(kl_buf, cls_lo[i], cls_hi[i]))
    out[i, 3] = math.log(_pairwise_sum(bh_buf, cls_lo[i], cls_hi[i]))


@parallel_jit
def pairwise_bound_sums_direct(samples, samples_t, kl_scale, cls_lo, cls_hi, out):
    """Per-row log-sums of ``exp(-KL)`` and ``exp(-Bhattacharyya)``, direct loop.

    Parameters
    ----------
    samples : float64 array of shape (n, d)
    samples_t : float64 array of shape (d, n)
        The same samples transposed, so the inner loop runs over contiguous
        samples.
    kl_scale : float
        ``1 / (2 noise_std**2)``; the Bhattacharyya scale is a quarter of it.
    cls_lo, cls_hi : int64 arrays of shape (n,)
        Half-open range of each row's class (contains the row itself).
    out : float64 array of shape (n, 4)
        Receives ``log sum_j exp(-KL_ij)`` and ``log sum_j exp(-BD_ij)`` over
        all samples (columns 0, 1) and over the class range (columns 2, 3).
    """
    n, n_features = samples.shape
    n_blocks = (n + _ROW_BLOCK - 1) // _ROW_BLOCK
    for block in prange(n_blocks):
        sq = np.empty(n)
        kl_buf = np.empty(n)
        bh_buf = np.empty(n)
        for i in range(block * _ROW_BLOCK, min(n, (block + 1) * _ROW_BLOCK)):
            sq[:] = 0.0
            for k in range(n_features):
                sik = samples[i, k]
                for j in range(n):
                    diff = sik - samples_t[k, j]
                    sq[j] += diff * diff
            _bound_row(sq, kl_scale, kl_buf, bh_buf, i, cls_lo, cls_hi, out)


@parallel_jit
def pairwise_bound_sums_gemm(samples, samples_t, kl_scale, cls_lo, cls_hi, out):
    """As :func:`pairwise_bound_sums_direct`, cross terms from BLAS.

    The caller centres the samples (distances are translation invariant) so
    ``||s_i||^2 + ||s_j||^2 - 2 s_i.s_j`` loses only ~eps * ||s||^2, and holds
    BLAS to one thread: the parallelism is over row blocks.
    """
    n, n_features = samples.shape
    norms = np.empty(n)
    for j in range(n):
        s = 0.0
        for k in range(n_features):
            s += samples[j, k] * samples[j, k]
        norms[j] = s
    n_blocks = (n + _ROW_BLOCK - 1) // _ROW_BLOCK
    for block in prange(n_blocks):
        lo = block * _ROW_BLOCK
        hi = min(n, lo + _ROW_BLOCK)
        cross = np.dot(samples[lo:hi], samples_t)
        sq = np.empty(n)
        kl_buf = np.empty(n)
        bh_buf = np.empty(n)
        for i in range(lo, hi):
            for j in range(n):
                sq[j] = max(norms[i] + norms[j] - 2.0 * cross[i - lo, j], 0.0)
            # The self distance is exactly zero; rounding must not move it.
            sq[i] = 0.0
            _bound_row(sq, kl_scale, kl_buf, bh_buf, i, cls_lo, cls_hi, out)


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
            buf[:] = 0.0
            for k in range(n_features):
                sik = samples[i, k]
                for j in range(n):
                    diff = sik - samples_t[k, j]
                    buf[j] -= diff * diff
            for j in range(n):
                buf[j] *= scale
            if leave_one_out:
                buf[i] = -np.inf
            m = _range_max(buf, 0, n)
            if m == -np.inf:
                out[i] = -np.inf
                continue
            for j in range(n):
                buf[j] = exp_nonpositive(buf[j] - m)
            out[i] = m + math.log(_pairwise_sum(buf, 0, n))
