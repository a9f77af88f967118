"""Numba kernels for the log-density of an isotropic Gaussian mixture.

Every kernel computes, for each query row ``t`` and a set of centres ``c_j``,

    lse(t) = log sum_j exp(-||t - c_j||^2 * inv_two_var)

over all centres and over two contiguous sub-ranges of the centres (the query's
own input and its own class), so the terms of I(X;T) and I(Y;T) share one
distance pass (common random numbers).  Normalising constants (``log n``,
``d/2 log(2 pi b^2)``) are added by the caller.

Queries are split into a fixed number of chunks that depends only on the input
sizes, never on the thread count, and each query row is reduced serially, so
the result is bit-identical for any number of threads.
"""

import math

import numpy as np
from numba import prange

from ._fastexp import exp_nonpositive
from ._jit import jit, parallel_jit

__all__ = [
    "mixture_lse_direct",
    "mixture_lse_gemm",
    "mixture_lse_runs",
    "neighbour_runs",
    "symmetric_csr",
]

# Below this gap to the overall maximum a sub-range's terms could underflow
# when scaled by the overall maximum; such sub-ranges are recomputed alone.
_UNDERFLOW_GAP = -600.0
_QUERY_BLOCK = 64


@jit(inline="always")
def _pairwise_sum(buf, lo, hi):
    """Sum ``buf[lo:hi]`` with 8 independent accumulators (vectorisable and
    more accurate than one running sum)."""
    acc = np.zeros(8)
    i = lo
    while i + 8 <= hi:
        for lane in range(8):
            acc[lane] += buf[i + lane]
        i += 8
    total = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]))
    while i < hi:
        total += buf[i]
        i += 1
    return total


@jit(inline="always")
def _range_max(buf, lo, hi):
    m = -np.inf
    for j in range(lo, hi):
        if buf[j] > m:
            m = buf[j]
    return m


@jit
def _lse_direct_range(query, centres_t, inv_two_var, lo, hi):
    """Stand-alone log-sum-exp over centres ``lo:hi`` (the rare underflow path)."""
    if hi <= lo:
        return -np.inf
    n_features = centres_t.shape[0]
    vals = np.zeros(hi - lo)
    for k in range(n_features):
        qk = query[k]
        for j in range(lo, hi):
            diff = qk - centres_t[k, j]
            vals[j - lo] -= diff * diff
    m = -np.inf
    for j in range(hi - lo):
        vals[j] *= inv_two_var
        if vals[j] > m:
            m = vals[j]
    if m == -np.inf:
        return m
    for j in range(hi - lo):
        vals[j] = exp_nonpositive(vals[j] - m)
    return m + math.log(_pairwise_sum(vals, 0, hi - lo))


@jit(inline="always")
def _reduce_row(buf, q, query, centres_t, inv_two_var, in_lo, in_hi, cls_lo, cls_hi, out):
    """Turn exponents ``buf`` (already scaled) into the three log-sum-exps."""
    n_centres = buf.shape[0]
    m_all = _range_max(buf, 0, n_centres)
    m_in = _range_max(buf, in_lo[q], in_hi[q])
    m_cls = _range_max(buf, cls_lo[q], cls_hi[q])
    for j in range(n_centres):
        buf[j] = exp_nonpositive(buf[j] - m_all)
    out[q, 0] = m_all + math.log(_pairwise_sum(buf, 0, n_centres))
    for col, lo, hi, m_sub in ((1, in_lo[q], in_hi[q], m_in), (2, cls_lo[q], cls_hi[q], m_cls)):
        if hi <= lo:
            out[q, col] = -np.inf
        elif m_sub - m_all > _UNDERFLOW_GAP:
            out[q, col] = m_all + math.log(_pairwise_sum(buf, lo, hi))
        else:
            out[q, col] = _lse_direct_range(query, centres_t, inv_two_var, lo, hi)


@parallel_jit
def mixture_lse_direct(queries, centres_t, inv_two_var, in_lo, in_hi, cls_lo, cls_hi, out):
    """Log-sum-exp of scaled negative squared distances, direct distance loop.

    Parameters
    ----------
    queries : float64 array of shape (n_queries, n_features)
    centres_t : float64 array of shape (n_features, n_centres)
        Centres transposed, so the inner loop runs over contiguous centres.
    inv_two_var : float
        ``1 / (2 noise_std**2)``.
    in_lo, in_hi, cls_lo, cls_hi : int64 arrays of shape (n_queries,)
        Half-open centre ranges of each query's input and class (empty ranges
        give ``-inf``).
    out : float64 array of shape (n_queries, 3)
        Receives the log-sum-exp over all centres, the input range and the
        class range.
    """
    n_queries = queries.shape[0]
    n_features, n_centres = centres_t.shape
    n_blocks = (n_queries + _QUERY_BLOCK - 1) // _QUERY_BLOCK
    for block in prange(n_blocks):
        buf = np.empty(n_centres)
        for q in range(block * _QUERY_BLOCK, min(n_queries, (block + 1) * _QUERY_BLOCK)):
            buf[:] = 0.0
            for k in range(n_features):
                qk = queries[q, k]
                for j in range(n_centres):
                    diff = qk - centres_t[k, j]
                    buf[j] -= diff * diff
            for j in range(n_centres):
                buf[j] *= inv_two_var
            _reduce_row(buf, q, queries[q], centres_t, inv_two_var, in_lo, in_hi, cls_lo, cls_hi, out)


@parallel_jit
def mixture_lse_gemm(queries, centres, centres_t, inv_two_var, in_lo, in_hi, cls_lo, cls_hi, out):
    """As :func:`mixture_lse_direct`, with the cross terms from BLAS.

    ``||t - c||^2 = ||t||^2 + ||c||^2 - 2 t.c``; the caller centres the data
    first so the cancellation error stays ~eps * ||t||^2.  BLAS must be limited
    to one thread while this runs (the caller does it): the parallelism is over
    query blocks.
    """
    n_queries, n_features = queries.shape
    n_centres = centres.shape[0]
    centre_sq = np.empty(n_centres)
    for j in range(n_centres):
        s = 0.0
        for k in range(n_features):
            s += centres[j, k] * centres[j, k]
        centre_sq[j] = s
    n_blocks = (n_queries + _QUERY_BLOCK - 1) // _QUERY_BLOCK
    for block in prange(n_blocks):
        lo = block * _QUERY_BLOCK
        hi = min(n_queries, lo + _QUERY_BLOCK)
        cross = np.dot(queries[lo:hi], centres_t)
        buf = np.empty(n_centres)
        for q in range(lo, hi):
            q_sq = 0.0
            for k in range(n_features):
                q_sq += queries[q, k] * queries[q, k]
            for j in range(n_centres):
                sq = q_sq + centre_sq[j] - 2.0 * cross[q - lo, j]
                buf[j] = -max(sq, 0.0) * inv_two_var
            _reduce_row(buf, q, queries[q], centres_t, inv_two_var, in_lo, in_hi, cls_lo, cls_hi, out)


@jit
def neighbour_runs(block_indptr, block_neighbours, block_bounds):
    """Turn each block's neighbour list into sorted, merged centre ranges.

    Neighbouring blocks that are adjacent in memory (consecutive replicas, or
    single centres in k-d tree order) become one run, so the kernel streams
    long contiguous ranges instead of hopping between small blocks.

    Returns
    -------
    run_indptr : int64 array of shape (n_blocks + 1,)
    run_lo, run_hi : int64 arrays of shape (n_runs,)
        Half-open centre range of each run.
    """
    n_blocks = block_indptr.shape[0] - 1
    n_links = block_neighbours.shape[0]
    run_lo = np.empty(n_links, dtype=np.int64)
    run_hi = np.empty(n_links, dtype=np.int64)
    run_indptr = np.zeros(n_blocks + 1, dtype=np.int64)
    n_runs = 0
    for a in range(n_blocks):
        linked = np.sort(block_neighbours[block_indptr[a]:block_indptr[a + 1]])
        for c in linked:
            lo = block_bounds[c]
            hi = block_bounds[c + 1]
            if n_runs > run_indptr[a] and run_hi[n_runs - 1] == lo:
                run_hi[n_runs - 1] = hi
            else:
                run_lo[n_runs] = lo
                run_hi[n_runs] = hi
                n_runs += 1
        run_indptr[a + 1] = n_runs
    return run_indptr, run_lo[:n_runs].copy(), run_hi[:n_runs].copy()


_RUN_CHUNK = 256


@parallel_jit
def mixture_lse_runs(queries, query_block, shift, centres_t, run_indptr, run_lo, run_hi,
                     inv_two_var, in_lo, in_hi, cls_lo, cls_hi, out):
    """Log-sum-exp over the centre runs reachable from each query's block only.

    One pass per query: terms are scaled by ``exp(-shift)`` with ``shift`` the
    query's own-centre exponent ``-||z||^2 / 2b^2`` (kept above -700 by the
    caller), so no maximum is needed: the own term keeps every sum >= ~1 and
    no term can exceed ``exp(||z||^2 / 2b^2) <= exp(700)``.  Distances and
    exponentials run over contiguous chunks of a run, which vectorise.

    Parameters
    ----------
    queries : float64 array of shape (n_queries, n_features)
    query_block : int64 array of shape (n_queries,)
        Block of the centre each query was drawn around.
    shift : float64 array of shape (n_queries,)
    centres_t : float64 array of shape (n_features, n_centres)
        Centres transposed (block order).
    run_indptr, run_lo, run_hi : int64 arrays
        From :func:`neighbour_runs`.
    inv_two_var : float
    in_lo, in_hi, cls_lo, cls_hi : int64 arrays of shape (n_queries,)
        Half-open centre ranges of each query's input and class.
    out : float64 array of shape (n_queries, 3)
    """
    n_queries, n_features = queries.shape
    n_chunks = (n_queries + _QUERY_BLOCK - 1) // _QUERY_BLOCK
    for chunk in prange(n_chunks):
        buf = np.empty(_RUN_CHUNK)
        for q in range(chunk * _QUERY_BLOCK, min(n_queries, (chunk + 1) * _QUERY_BLOCK)):
            a = query_block[q]
            sh = shift[q]
            s_all = 0.0
            s_in = 0.0
            s_cls = 0.0
            for p in range(run_indptr[a], run_indptr[a + 1]):
                for start in range(run_lo[p], run_hi[p], _RUN_CHUNK):
                    stop = min(run_hi[p], start + _RUN_CHUNK)
                    width = stop - start
                    for j in range(width):
                        buf[j] = 0.0
                    for k in range(n_features):
                        qk = queries[q, k]
                        for j in range(width):
                            diff = qk - centres_t[k, start + j]
                            buf[j] -= diff * diff
                    for j in range(width):
                        buf[j] = exp_nonpositive(buf[j] * inv_two_var - sh)
                    s_all += _pairwise_sum(buf, 0, width)
                    o_lo = max(start, in_lo[q])
                    o_hi = min(stop, in_hi[q])
                    if o_hi > o_lo:
                        s_in += _pairwise_sum(buf, o_lo - start, o_hi - start)
                    o_lo = max(start, cls_lo[q])
                    o_hi = min(stop, cls_hi[q])
                    if o_hi > o_lo:
                        s_cls += _pairwise_sum(buf, o_lo - start, o_hi - start)
            out[q, 0] = sh + math.log(s_all) if s_all > 0.0 else -np.inf
            out[q, 1] = sh + math.log(s_in) if s_in > 0.0 else -np.inf
            out[q, 2] = sh + math.log(s_cls) if s_cls > 0.0 else -np.inf


@jit
def symmetric_csr(n_nodes, pairs):
    """CSR adjacency of an undirected graph given as (i, j) pairs, self loops added.

    Parameters
    ----------
    n_nodes : int
    pairs : int64 array of shape (n_pairs, 2)

    Returns
    -------
    indptr : int64 array of shape (n_nodes + 1,)
    neighbours : int64 array of shape (2 * n_pairs + n_nodes,)
    """
    degree = np.ones(n_nodes, dtype=np.int64)
    for p in range(pairs.shape[0]):
        degree[pairs[p, 0]] += 1
        degree[pairs[p, 1]] += 1
    indptr = np.zeros(n_nodes + 1, dtype=np.int64)
    for a in range(n_nodes):
        indptr[a + 1] = indptr[a] + degree[a]
    fill = indptr[:-1].copy()
    neighbours = np.empty(indptr[n_nodes], dtype=np.int64)
    for a in range(n_nodes):
        neighbours[fill[a]] = a
        fill[a] += 1
    for p in range(pairs.shape[0]):
        a = pairs[p, 0]
        c = pairs[p, 1]
        neighbours[fill[a]] = c
        fill[a] += 1
        neighbours[fill[c]] = a
        fill[c] += 1
    return indptr, neighbours


@jit
def greedy_blocks(points, radius):
    """Cut ``points`` (in a spatially coherent order) into consecutive blocks
    whose members all lie within ``radius`` of the block's first point.

    Returns
    -------
    bounds : int64 array of shape (n_blocks + 1,)
    """
    n_points, n_features = points.shape
    bounds = np.empty(n_points + 1, dtype=np.int64)
    bounds[0] = 0
    n_blocks = 0
    anchor = 0
    limit = radius * radius
    for i in range(1, n_points):
        sq = 0.0
        for k in range(n_features):
            diff = points[i, k] - points[anchor, k]
            sq += diff * diff
        if sq > limit:
            n_blocks += 1
            bounds[n_blocks] = i
            anchor = i
    n_blocks += 1
    bounds[n_blocks] = n_points
    return bounds[: n_blocks + 1].copy()
