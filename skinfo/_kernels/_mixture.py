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
    "mixture_lse_sparse",
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


@parallel_jit
def mixture_lse_sparse(indptr, sq_dist, neighbours, inv_two_var, centre_input, centre_class,
                       query_input, query_class, out):
    """Log-sum-exp over each query's neighbour list (CSR) only.

    Parameters
    ----------
    indptr : int64 array of shape (n_queries + 1,)
    sq_dist : float64 array of shape (n_pairs,)
        Squared distances of the listed query-centre pairs.
    neighbours : int64 array of shape (n_pairs,)
        Centre index of each pair.
    centre_input, centre_class : int64 arrays of shape (n_centres,)
    query_input, query_class : int64 arrays of shape (n_queries,)
        Group labels; a pair counts towards the input (class) sum when the
        labels agree.
    out : float64 array of shape (n_queries, 3)
    """
    n_queries = indptr.shape[0] - 1
    for q in prange(n_queries):
        lo = indptr[q]
        hi = indptr[q + 1]
        m_all = -np.inf
        m_in = -np.inf
        m_cls = -np.inf
        for p in range(lo, hi):
            a = -sq_dist[p] * inv_two_var
            j = neighbours[p]
            m_all = max(m_all, a)
            if centre_input[j] == query_input[q]:
                m_in = max(m_in, a)
            if centre_class[j] == query_class[q]:
                m_cls = max(m_cls, a)
        s_all = 0.0
        s_in = 0.0
        s_cls = 0.0
        for p in range(lo, hi):
            a = -sq_dist[p] * inv_two_var
            j = neighbours[p]
            s_all += exp_nonpositive(a - m_all)
            if centre_input[j] == query_input[q]:
                s_in += exp_nonpositive(a - m_in)
            if centre_class[j] == query_class[q]:
                s_cls += exp_nonpositive(a - m_cls)
        out[q, 0] = m_all + math.log(s_all) if hi > lo else -np.inf
        out[q, 1] = m_in + math.log(s_in) if m_in > -np.inf else -np.inf
        out[q, 2] = m_cls + math.log(s_cls) if m_cls > -np.inf else -np.inf


@jit(inline="always")
def _overlap_sum(query, centres, inv_two_var, shift, lo, hi):
    """Sum of exp(a_j - shift) over centres lo:hi (partial-block path)."""
    total = 0.0
    for j in range(lo, hi):
        sq = 0.0
        for k in range(centres.shape[1]):
            diff = query[k] - centres[j, k]
            sq += diff * diff
        total += exp_nonpositive(-sq * inv_two_var - shift)
    return total


@parallel_jit
def mixture_lse_blocks(queries, query_block, shift, centres, block_bounds, block_indptr, block_neighbours,
                       inv_two_var, in_lo, in_hi, cls_lo, cls_hi, out):
    """Log-sum-exp over the centres of each query's neighbour blocks only.

    One pass per query: terms are scaled by ``exp(-shift)`` with ``shift`` the
    query's own-centre exponent ``-||z||^2 / 2b^2`` (clipped at -700 by the
    caller), so no maximum is needed: the own term keeps every sum >= ~1 and
    no term can exceed ``exp(||z||^2 / 2b^2) <= exp(700)``.

    Parameters
    ----------
    queries : float64 array of shape (n_queries, n_features)
    query_block : int64 array of shape (n_queries,)
        Block of the centre each query was drawn around.
    shift : float64 array of shape (n_queries,)
    centres : float64 array of shape (n_centres, n_features)
    block_bounds : int64 array of shape (n_blocks + 1,)
        Block ``b`` holds centres ``block_bounds[b]:block_bounds[b + 1]``.
    block_indptr, block_neighbours : int64 arrays
        CSR lists of the blocks whose centres can lie within the truncation
        radius of a query of each block (the block itself included).
    inv_two_var : float
    in_lo, in_hi, cls_lo, cls_hi : int64 arrays of shape (n_queries,)
        Half-open centre ranges of each query's input and class.
    out : float64 array of shape (n_queries, 3)
    """
    n_queries, n_features = queries.shape
    for q in prange(n_queries):
        a = query_block[q]
        sh = shift[q]
        s_all = 0.0
        s_in = 0.0
        s_cls = 0.0
        for p in range(block_indptr[a], block_indptr[a + 1]):
            c = block_neighbours[p]
            lo = block_bounds[c]
            hi = block_bounds[c + 1]
            block_sum = 0.0
            for j in range(lo, hi):
                sq = 0.0
                for k in range(n_features):
                    diff = queries[q, k] - centres[j, k]
                    sq += diff * diff
                block_sum += exp_nonpositive(-sq * inv_two_var - sh)
            s_all += block_sum
            # Groups are unions of whole blocks when blocks are inputs or
            # single centres; partial overlaps are summed again, exactly.
            for g_lo, g_hi, col in ((in_lo[q], in_hi[q], 1), (cls_lo[q], cls_hi[q], 2)):
                o_lo = max(lo, g_lo)
                o_hi = min(hi, g_hi)
                if o_hi <= o_lo:
                    continue
                part = block_sum if (o_lo == lo and o_hi == hi) else _overlap_sum(
                    queries[q], centres, inv_two_var, sh, o_lo, o_hi)
                if col == 1:
                    s_in += part
                else:
                    s_cls += part
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
