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

from ._common import lane_sum, range_max, sq_dist_into, sq_dist_rows
from ._fastexp import exp_nonpositive
from ._jit import jit, parallel_jit

__all__ = [
    "centre_tiles",
    "mixture_lse_direct",
    "mixture_lse_gemm",
    "mixture_lse_runs",
    "mixture_lse_runs_rows",
    "own_sq_dist",
]

# Below this gap to the overall maximum a sub-range's terms could underflow
# when scaled by the overall maximum; such sub-ranges are recomputed alone.
_UNDERFLOW_GAP = -600.0
# Queries per work item (the unit of parallelism, fixed by size only) and
# centres per streamed tile: a tile of centres stays in cache while every
# query of the work item passes over it, and one query's exponents (8 KiB)
# stay in L1.
_QUERY_BLOCK = 64
_CENTRE_TILE = 1024
# Running state of a query's online log-sum-exp: the running maximum, the
# three sums scaled by it, and the maxima of the two sub-ranges seen so far.
_M, _S_ALL, _S_IN, _S_CLS, _M_IN, _M_CLS = 0, 1, 2, 3, 4, 5


@jit
def _lse_direct_range(query, centres_t, inv_two_var, lo, hi):
    """Stand-alone log-sum-exp over centres ``lo:hi`` (the rare underflow path).

    Two streamed passes (maximum, then sum) over tiles, so memory stays bounded
    however long the range.
    """
    if hi <= lo:
        return -np.inf
    buf = np.empty(_CENTRE_TILE)
    m = -np.inf
    for start in range(lo, hi, _CENTRE_TILE):
        width = min(hi, start + _CENTRE_TILE) - start
        sq_dist_into(buf, query, centres_t, start, width)
        for j in range(width):
            buf[j] = -buf[j] * inv_two_var
        m = max(m, range_max(buf, 0, width))
    if m == -np.inf:
        return m
    total = 0.0
    for start in range(lo, hi, _CENTRE_TILE):
        width = min(hi, start + _CENTRE_TILE) - start
        sq_dist_into(buf, query, centres_t, start, width)
        for j in range(width):
            buf[j] = exp_nonpositive(-buf[j] * inv_two_var - m)
        total += lane_sum(buf, 0, width)
    return m + math.log(total)


@jit(inline="always")
def _absorb_tile(buf, width, start, state, in_lo, in_hi, cls_lo, cls_hi):
    """Fold the exponents ``buf[:width]`` of centres ``start:start + width``
    into one query's running log-sum-exp ``state`` (online, running maximum)."""
    o_in_lo = max(start, in_lo) - start
    o_in_hi = min(start + width, in_hi) - start
    o_cls_lo = max(start, cls_lo) - start
    o_cls_hi = min(start + width, cls_hi) - start
    if o_in_hi > o_in_lo:
        state[_M_IN] = max(state[_M_IN], range_max(buf, o_in_lo, o_in_hi))
    if o_cls_hi > o_cls_lo:
        state[_M_CLS] = max(state[_M_CLS], range_max(buf, o_cls_lo, o_cls_hi))
    tile_max = range_max(buf, 0, width)
    if tile_max > state[_M]:
        # A new maximum: rescale the sums so every exponent stays <= 0.
        rescale = math.exp(state[_M] - tile_max)
        state[_S_ALL] *= rescale
        state[_S_IN] *= rescale
        state[_S_CLS] *= rescale
        state[_M] = tile_max
    m = state[_M]
    if m == -np.inf:
        return
    for j in range(width):
        buf[j] = exp_nonpositive(buf[j] - m)
    state[_S_ALL] += lane_sum(buf, 0, width)
    if o_in_hi > o_in_lo:
        state[_S_IN] += lane_sum(buf, o_in_lo, o_in_hi)
    if o_cls_hi > o_cls_lo:
        state[_S_CLS] += lane_sum(buf, o_cls_lo, o_cls_hi)


@jit(inline="always")
def _reset_state(state):
    state[_M] = -np.inf
    state[_S_ALL] = 0.0
    state[_S_IN] = 0.0
    state[_S_CLS] = 0.0
    state[_M_IN] = -np.inf
    state[_M_CLS] = -np.inf


@jit(inline="always")
def _finish_state(state, q, query, centres_t, inv_two_var, in_lo, in_hi, cls_lo, cls_hi, out):
    """Write the three log-sum-exps of query ``q``; a sub-range far below the
    overall maximum (whose scaled terms may have underflowed) is redone alone."""
    m = state[_M]
    out[q, 0] = m + math.log(state[_S_ALL]) if m > -np.inf else -np.inf
    for col, lo, hi, m_sub, s_sub in (
        (1, in_lo, in_hi, state[_M_IN], state[_S_IN]),
        (2, cls_lo, cls_hi, state[_M_CLS], state[_S_CLS]),
    ):
        if hi <= lo or m_sub == -np.inf:
            out[q, col] = -np.inf
        elif m_sub - m > _UNDERFLOW_GAP:
            out[q, col] = m + math.log(s_sub)
        else:
            out[q, col] = _lse_direct_range(query, centres_t, inv_two_var, lo, hi)


@parallel_jit
def mixture_lse_direct(queries, centres_t, inv_two_var, in_lo, in_hi, cls_lo, cls_hi, out):
    """Log-sum-exp of scaled negative squared distances, direct distance loop.

    Streams tiles of ``_CENTRE_TILE`` centres past each block of
    ``_QUERY_BLOCK`` queries with an online (running-maximum) log-sum-exp, so
    memory per thread is one tile of exponents whatever the number of centres.

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
    n_blocks = (n_queries + _QUERY_BLOCK - 1) // _QUERY_BLOCK
    for block in prange(n_blocks):
        q0 = block * _QUERY_BLOCK
        _direct_block(
            queries,
            centres_t,
            inv_two_var,
            in_lo,
            in_hi,
            cls_lo,
            cls_hi,
            out,
            q0,
            min(n_queries, q0 + _QUERY_BLOCK),
        )


# The work of one query block is a separate serial function: compiled inside
# the prange body the same loops ran 3x slower (the parfor lowering loses
# vectorisation of the inlined helpers).
@jit
def _direct_block(queries, centres_t, inv_two_var, in_lo, in_hi, cls_lo, cls_hi, out, q0, q1):
    n_centres = centres_t.shape[1]
    buf = np.empty(_CENTRE_TILE)
    state = np.empty((q1 - q0, 6))
    for q in range(q0, q1):
        _reset_state(state[q - q0])
    for start in range(0, n_centres, _CENTRE_TILE):
        width = min(n_centres, start + _CENTRE_TILE) - start
        for q in range(q0, q1):
            sq_dist_into(buf, queries[q], centres_t, start, width)
            for j in range(width):
                buf[j] = -buf[j] * inv_two_var
            _absorb_tile(buf, width, start, state[q - q0], in_lo[q], in_hi[q], cls_lo[q], cls_hi[q])
    for q in range(q0, q1):
        _finish_state(
            state[q - q0],
            q,
            queries[q],
            centres_t,
            inv_two_var,
            in_lo[q],
            in_hi[q],
            cls_lo[q],
            cls_hi[q],
            out,
        )


@parallel_jit
def mixture_lse_gemm(
    queries, centre_tiles, centre_sq, centres_t, inv_two_var, in_lo, in_hi, cls_lo, cls_hi, out
):
    """As :func:`mixture_lse_direct`, with the cross terms from BLAS.

    ``||t - c||^2 = ||t||^2 + ||c||^2 - 2 t.c``; the caller centres the data
    first so the cancellation error stays ~eps * ||t||^2.  BLAS must be limited
    to one thread while this runs (the caller does it): the parallelism is over
    query blocks.

    Parameters
    ----------
    centre_tiles : float64 array of shape (n_tiles, n_features, _CENTRE_TILE)
        Centres transposed tile by tile (:func:`centre_tiles`), so each tile is
        one contiguous BLAS operand; the last tile is zero-padded.
    centre_sq : float64 array of shape (n_centres,)
        ``||c_j||^2``.
    centres_t : float64 array of shape (n_features, n_centres)
        For the underflow fallback.
    """
    n_queries = queries.shape[0]
    n_blocks = (n_queries + _QUERY_BLOCK - 1) // _QUERY_BLOCK
    for block in prange(n_blocks):
        q0 = block * _QUERY_BLOCK
        _gemm_block(
            queries,
            centre_tiles,
            centre_sq,
            centres_t,
            inv_two_var,
            in_lo,
            in_hi,
            cls_lo,
            cls_hi,
            out,
            q0,
            min(n_queries, q0 + _QUERY_BLOCK),
        )


@jit
def _gemm_block(
    queries, centre_tiles, centre_sq, centres_t, inv_two_var, in_lo, in_hi, cls_lo, cls_hi, out, q0, q1
):
    n_features = queries.shape[1]
    n_centres = centre_sq.shape[0]
    buf = np.empty(_CENTRE_TILE)
    state = np.empty((q1 - q0, 6))
    query_sq = np.empty(q1 - q0)
    for q in range(q0, q1):
        _reset_state(state[q - q0])
        s = 0.0
        for k in range(n_features):
            s += queries[q, k] * queries[q, k]
        query_sq[q - q0] = s
    block_queries = queries[q0:q1]
    cross = np.empty((q1 - q0, _CENTRE_TILE))
    for tile in range(centre_tiles.shape[0]):
        start = tile * _CENTRE_TILE
        width = min(n_centres, start + _CENTRE_TILE) - start
        np.dot(block_queries, centre_tiles[tile], cross)
        for q in range(q0, q1):
            qs = query_sq[q - q0]
            row = cross[q - q0]
            cs = centre_sq[start : start + width]
            for j in range(width):
                sq = qs + cs[j] - 2.0 * row[j]
                buf[j] = -max(sq, 0.0) * inv_two_var
            _absorb_tile(buf, width, start, state[q - q0], in_lo[q], in_hi[q], cls_lo[q], cls_hi[q])
    for q in range(q0, q1):
        _finish_state(
            state[q - q0],
            q,
            queries[q],
            centres_t,
            inv_two_var,
            in_lo[q],
            in_hi[q],
            cls_lo[q],
            cls_hi[q],
            out,
        )


def centre_tiles(centres):
    """Centres as ``(n_tiles, n_features, _CENTRE_TILE)`` transposed tiles for
    :func:`mixture_lse_gemm` (plain NumPy: one copy of the centres)."""
    n_centres, n_features = centres.shape
    n_tiles = (n_centres + _CENTRE_TILE - 1) // _CENTRE_TILE
    padded = np.zeros((n_tiles * _CENTRE_TILE, n_features))
    padded[:n_centres] = centres
    return np.ascontiguousarray(padded.reshape(n_tiles, _CENTRE_TILE, n_features).transpose(0, 2, 1))


_RUN_CHUNK = 256


@parallel_jit
def mixture_lse_runs(
    queries,
    query_block,
    shift,
    centres_t,
    run_indptr,
    run_lo,
    run_hi,
    inv_two_var,
    in_lo,
    in_hi,
    cls_lo,
    cls_hi,
    out,
):
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
    n_queries = queries.shape[0]
    n_chunks = (n_queries + _QUERY_BLOCK - 1) // _QUERY_BLOCK
    for chunk in prange(n_chunks):
        q0 = chunk * _QUERY_BLOCK
        _runs_block(
            queries,
            query_block,
            shift,
            centres_t,
            False,
            run_indptr,
            run_lo,
            run_hi,
            inv_two_var,
            in_lo,
            in_hi,
            cls_lo,
            cls_hi,
            out,
            q0,
            min(n_queries, q0 + _QUERY_BLOCK),
        )


@parallel_jit
def mixture_lse_runs_rows(
    queries,
    query_block,
    shift,
    centres,
    run_indptr,
    run_lo,
    run_hi,
    inv_two_var,
    in_lo,
    in_hi,
    cls_lo,
    cls_hi,
    out,
):
    """As :func:`mixture_lse_runs` with ``centres`` row-major (n_centres,
    n_features): faster in high dimension, where runs are short (an input's
    replicas) and each distance runs over many contiguous features."""
    n_queries = queries.shape[0]
    n_chunks = (n_queries + _QUERY_BLOCK - 1) // _QUERY_BLOCK
    for chunk in prange(n_chunks):
        q0 = chunk * _QUERY_BLOCK
        _runs_block(
            queries,
            query_block,
            shift,
            centres,
            True,
            run_indptr,
            run_lo,
            run_hi,
            inv_two_var,
            in_lo,
            in_hi,
            cls_lo,
            cls_hi,
            out,
            q0,
            min(n_queries, q0 + _QUERY_BLOCK),
        )


@jit
def _runs_block(
    queries,
    query_block,
    shift,
    centres,
    row_major,
    run_indptr,
    run_lo,
    run_hi,
    inv_two_var,
    in_lo,
    in_hi,
    cls_lo,
    cls_hi,
    out,
    q0,
    q1,
):
    """Queries ``q0:q1`` of :func:`mixture_lse_runs` (serial; see :func:`_direct_block`)."""
    buf = np.empty(_RUN_CHUNK)
    for q in range(q0, q1):
        a = query_block[q]
        sh = shift[q]
        s_all = 0.0
        s_in = 0.0
        s_cls = 0.0
        for p in range(run_indptr[a], run_indptr[a + 1]):
            for start in range(run_lo[p], run_hi[p], _RUN_CHUNK):
                stop = min(run_hi[p], start + _RUN_CHUNK)
                width = stop - start
                if row_major:
                    sq_dist_rows(buf, queries[q], centres, start, width)
                else:
                    sq_dist_into(buf, queries[q], centres, start, width)
                for j in range(width):
                    buf[j] = exp_nonpositive(-buf[j] * inv_two_var - sh)
                s_all += lane_sum(buf, 0, width)
                o_lo = max(start, in_lo[q])
                o_hi = min(stop, in_hi[q])
                if o_hi > o_lo:
                    s_in += lane_sum(buf, o_lo - start, o_hi - start)
                o_lo = max(start, cls_lo[q])
                o_hi = min(stop, cls_hi[q])
                if o_hi > o_lo:
                    s_cls += lane_sum(buf, o_lo - start, o_hi - start)
        out[q, 0] = sh + math.log(s_all) if s_all > 0.0 else -np.inf
        out[q, 1] = sh + math.log(s_in) if s_in > 0.0 else -np.inf
        out[q, 2] = sh + math.log(s_cls) if s_cls > 0.0 else -np.inf


@parallel_jit
def own_sq_dist(queries, centres, query_centre, out):
    """``out[q] = ||queries[q] - centres[query_centre[q]]||^2`` (the squared
    noise of each Monte Carlo query), without an (n_queries, d) temporary."""
    n_features = queries.shape[1]
    for q in prange(queries.shape[0]):
        c = query_centre[q]
        sq = 0.0
        for k in range(n_features):
            diff = queries[q, k] - centres[c, k]
            sq += diff * diff
        out[q] = sq
