"""Numba kernels for the log-density of an isotropic Gaussian mixture.

Every kernel computes, for each query row ``t`` and a set of centres ``c_j``,

    lse(t) = log sum_j exp(-||t - c_j||^2 * inv_two_var)

over all centres and over two contiguous sub-ranges of the centres (the query's
own input and its own class), so the terms of I(X;T) and I(Y;T) share one
distance pass (common random numbers).  Normalising constants (``log n``,
``d/2 log(2 pi b^2)``) are added by the caller.

Each query row is reduced serially, over the centres in a fixed order, so the
result does not depend on how queries are split between threads
(:func:`~skinfo._kernels._jit.parallel_ranges`): it is bit-identical for any
number of threads.
"""

import math

import numpy as np

from ._common import exp_affine_sum, lane_sum, range_min, sq_dist_exp_sum, sq_dist_into, sq_dist_rows
from ._fastexp import exp_nonpositive_table, fma
from ._jit import jit, parallel_ranges

__all__ = [
    "centre_tiles",
    "mixture_lse_direct",
    "mixture_lse_gemm",
    "mixture_lse_runs",
    "mixture_lse_runs_rows",
    "own_sq_dist",
    "tile_geometry",
]

# Below this gap to the overall maximum a sub-range's terms could underflow
# when scaled by the overall maximum; such sub-ranges are recomputed alone.
_UNDERFLOW_GAP = -600.0
# Under a fixed shift a range's sum is trusted when it is at least this: the
# terms clamped at exp(-708) (~3e-308, see _fastexp) then add at most
# n * 3e-28 relative.  The own centre's term (1) keeps the full sum far above.
_MIN_FIXED_SUM = 1e-280
# Under a fixed shift a whole tile is skipped when its centroid bound puts the
# sum of its terms below 2^-60 of the own-centre term (1): adding it could not
# move the running sum (>= 1) by more than 1/256 of an ulp.
_SKIP_LOG_TERM = -60.0 * math.log(2.0)
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

    Two passes (maximum, then sum) in plain scalar loops, so memory stays
    O(1) however long the range.  Bit-identical to the vectorised helpers
    (:func:`sq_dist_into`, :func:`range_min`, :func:`exp_affine_sum`, tile by
    tile): each distance accumulates its squares by :func:`fma` in feature
    order, and each tile's sum keeps :func:`lane_sum`'s eight lanes and
    in-order tail.  Not built from those helpers: inlined here they cost two
    seconds of a fresh install's compile time, for a path the SP estimators'
    own-shift queries never take.
    """
    if hi <= lo:
        return -np.inf
    n_features = centres_t.shape[0]
    nearest = np.inf
    for j in range(lo, hi):
        nearest = min(nearest, _sq_dist_column(query, centres_t, j, n_features))
    m = -nearest * inv_two_var
    if m == -np.inf:
        return m
    lanes = np.empty(8)
    total = 0.0
    for start in range(lo, hi, _CENTRE_TILE):
        stop = min(hi, start + _CENTRE_TILE)
        full = start + ((stop - start) & -8)
        lanes[:] = 0.0
        for j in range(start, full):
            sq = _sq_dist_column(query, centres_t, j, n_features)
            lanes[(j - start) & 7] += exp_nonpositive_table(fma(sq, -inv_two_var, -m))
        tile_sum = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + (
            (lanes[4] + lanes[5]) + (lanes[6] + lanes[7])
        )
        for j in range(full, stop):
            sq = _sq_dist_column(query, centres_t, j, n_features)
            tile_sum += exp_nonpositive_table(fma(sq, -inv_two_var, -m))
        total += tile_sum
    return m + math.log(total)


@jit(inline="always")
def _sq_dist_column(query, centres_t, j, n_features):
    sq = 0.0
    for k in range(n_features):
        e = query[k] - centres_t[k, j]
        sq = fma(e, e, sq)
    return sq


@jit
def _absorb_tile(buf, width, start, inv_two_var, fixed, state, in_lo, in_hi, cls_lo, cls_hi):
    """Fold the squared distances ``buf[:width]`` to centres ``start:start +
    width`` into one query's log-sum-exp ``state``.  ``buf`` is overwritten.

    With ``fixed`` the shift ``state[_M]`` was set beforehand (the own-centre
    exponent of a Monte Carlo query, see :func:`mixture_lse_direct`) and the
    tile needs no maximum; otherwise the shift is the running maximum
    (online log-sum-exp).  The exponent ``-sq * inv_two_var`` is never
    stored: maxima come from the smallest distances, and one :func:`fma`
    forms each shifted exponent.
    """
    o_in_lo = max(start, in_lo) - start
    o_in_hi = min(start + width, in_hi) - start
    o_cls_lo = max(start, cls_lo) - start
    o_cls_hi = min(start + width, cls_hi) - start
    if not fixed:
        if o_in_hi > o_in_lo:
            state[_M_IN] = max(state[_M_IN], -range_min(buf, o_in_lo, o_in_hi) * inv_two_var)
        if o_cls_hi > o_cls_lo:
            state[_M_CLS] = max(state[_M_CLS], -range_min(buf, o_cls_lo, o_cls_hi) * inv_two_var)
        tile_max = -range_min(buf, 0, width) * inv_two_var
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
    neg_inv = -inv_two_var
    neg_m = -m
    state[_S_ALL] += exp_affine_sum(buf, width, neg_inv, neg_m)
    if o_in_hi > o_in_lo:
        state[_S_IN] += lane_sum(buf, o_in_lo, o_in_hi)
    if o_cls_hi > o_cls_lo:
        state[_S_CLS] += lane_sum(buf, o_cls_lo, o_cls_hi)


@jit
def _absorb_tile_fixed(buf, query, centres_t, width, start, inv_two_var, state, in_lo, in_hi, cls_lo, cls_hi):
    """:func:`_absorb_tile` under a fixed shift, the squared distances formed
    in the same pass as the exponentials (:func:`sq_dist_exp_sum`: bit-identical
    to :func:`sq_dist_into` followed by :func:`_absorb_tile`)."""
    m = state[_M]
    if m == -np.inf:
        return
    state[_S_ALL] += sq_dist_exp_sum(buf, query, centres_t, start, width, -inv_two_var, -m)
    o_in_lo = max(start, in_lo) - start
    o_in_hi = min(start + width, in_hi) - start
    o_cls_lo = max(start, cls_lo) - start
    o_cls_hi = min(start + width, cls_hi) - start
    if o_in_hi > o_in_lo:
        state[_S_IN] += lane_sum(buf, o_in_lo, o_in_hi)
    if o_cls_hi > o_cls_lo:
        state[_S_CLS] += lane_sum(buf, o_cls_lo, o_cls_hi)


@jit
def _reset_state(state, shift):
    state[_M] = shift
    state[_S_ALL] = 0.0
    state[_S_IN] = 0.0
    state[_S_CLS] = 0.0
    state[_M_IN] = -np.inf
    state[_M_CLS] = -np.inf


@jit
def _finish_state(state, fixed, q, query, centres_t, inv_two_var, in_lo, in_hi, cls_lo, cls_hi, out):
    """Write the three log-sum-exps of query ``q``; a range far below the
    shift (whose scaled terms may have underflowed) is redone alone."""
    m = state[_M]
    n_centres = centres_t.shape[1]
    for col, lo, hi, m_sub, s_sub in (
        (0, 0, n_centres, m, state[_S_ALL]),
        (1, in_lo, in_hi, state[_M_IN], state[_S_IN]),
        (2, cls_lo, cls_hi, state[_M_CLS], state[_S_CLS]),
    ):
        if hi <= lo or (not fixed and m_sub == -np.inf):
            out[q, col] = -np.inf
        elif (s_sub >= _MIN_FIXED_SUM) if fixed else (col == 0 or m_sub - m > _UNDERFLOW_GAP):
            out[q, col] = m + math.log(s_sub)
        else:
            out[q, col] = _lse_direct_range(query, centres_t, inv_two_var, lo, hi)


@jit
def _tile_negligible(query, shift, centroid, radius, width, inv_two_var):
    """Whether a tile's whole sum is below 2^-60 of the own-centre term: every
    term is at most ``exp(-gap^2 / 2b^2 - shift)``, ``gap`` the distance from
    the query to the tile's ball."""
    sq = 0.0
    for k in range(query.shape[0]):
        diff = query[k] - centroid[k]
        sq += diff * diff
    gap = math.sqrt(sq) - radius
    return gap > 0.0 and -gap * gap * inv_two_var - shift + math.log(width) < _SKIP_LOG_TERM


def mixture_lse_direct(
    queries, centres_t, inv_two_var, shift, tile_centroids, tile_radii, in_lo, in_hi, cls_lo, cls_hi, out
):
    """Log-sum-exp of scaled negative squared distances, direct distance loop.

    Streams tiles of ``_CENTRE_TILE`` centres past each block of
    ``_QUERY_BLOCK`` queries, so memory per thread is one tile of exponents
    whatever the number of centres.  Terms are scaled by ``exp(-shift[q])``
    when ``shift`` is given (one pass: no maximum is needed when the shift is
    the own-centre exponent of a Monte Carlo query, kept above -600 by the
    caller so no term or sum can overflow), else by the running maximum
    (online log-sum-exp).

    Parameters
    ----------
    queries : float64 array of shape (n_queries, n_features)
    centres_t : float64 array of shape (n_features, n_centres)
        Centres transposed, so the inner loop runs over contiguous centres.
    inv_two_var : float
        ``1 / (2 noise_std**2)``.
    shift : float64 array of shape (n_queries,) or (0,)
        Fixed shift per query, or empty for the running maximum.
    tile_centroids : float64 array of shape (n_tiles, n_features) or (0, n_features)
        Centroid of every tile of ``_CENTRE_TILE`` centres (:func:`tile_geometry`),
        or empty: no tile is skipped.  Only with ``shift`` given, as the own-
        centre exponent of a query whose own centre lies in every range it is
        scored on (so each sum is at least ~1).
    tile_radii : float64 array of shape (n_tiles,) or (0,)
        Largest distance of a tile's centres to its centroid.
    in_lo, in_hi, cls_lo, cls_hi : int64 arrays of shape (n_queries,)
        Half-open centre ranges of each query's input and class (empty ranges
        give ``-inf``).
    out : float64 array of shape (n_queries, 3)
        Receives the log-sum-exp over all centres, the input range and the
        class range.
    """
    ranges = (in_lo, in_hi, cls_lo, cls_hi, out)
    if shift.shape[0] > 0:
        block = _direct_block_fixed
        args = (queries, centres_t, inv_two_var, shift, tile_centroids, tile_radii, *ranges)
    else:
        block = _direct_block_running
        args = (queries, centres_t, inv_two_var, *ranges)
    parallel_ranges(block, queries.shape[0], *args, grain=_QUERY_BLOCK)


# The two modes are separate kernels, so a run compiles only the one it uses
# (the SP estimators' queries always have their own-centre shift).
@jit
def _direct_block_fixed(
    queries,
    centres_t,
    inv_two_var,
    shift,
    tile_centroids,
    tile_radii,
    in_lo,
    in_hi,
    cls_lo,
    cls_hi,
    out,
    q_lo,
    q_hi,
):
    """Queries ``q_lo:q_hi`` of :func:`mixture_lse_direct` with a fixed shift,
    block by block (serial: :func:`~skinfo._kernels._jit.parallel_ranges`
    spreads ranges over threads).  Each query's sums run over the tiles in
    order whatever the blocks, so the result does not depend on the split."""
    n_centres = centres_t.shape[1]
    skip_far = tile_radii.shape[0] > 0
    buf = np.empty(_CENTRE_TILE)
    state = np.empty((_QUERY_BLOCK, 6))
    for q0 in range(q_lo, q_hi, _QUERY_BLOCK):
        q1 = min(q_hi, q0 + _QUERY_BLOCK)
        for q in range(q0, q1):
            _reset_state(state[q - q0], shift[q])
        for start in range(0, n_centres, _CENTRE_TILE):
            width = min(n_centres, start + _CENTRE_TILE) - start
            tile = start // _CENTRE_TILE
            for q in range(q0, q1):
                if skip_far and _tile_negligible(
                    queries[q], shift[q], tile_centroids[tile], tile_radii[tile], width, inv_two_var
                ):
                    continue
                _absorb_tile_fixed(
                    buf,
                    queries[q],
                    centres_t,
                    width,
                    start,
                    inv_two_var,
                    state[q - q0],
                    in_lo[q],
                    in_hi[q],
                    cls_lo[q],
                    cls_hi[q],
                )
        for q in range(q0, q1):
            _finish_state(
                state[q - q0],
                True,
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


@jit
def _direct_block_running(queries, centres_t, inv_two_var, in_lo, in_hi, cls_lo, cls_hi, out, q_lo, q_hi):
    """As :func:`_direct_block_fixed`, each query scaled by its running maximum."""
    n_centres = centres_t.shape[1]
    buf = np.empty(_CENTRE_TILE)
    state = np.empty((_QUERY_BLOCK, 6))
    for q0 in range(q_lo, q_hi, _QUERY_BLOCK):
        q1 = min(q_hi, q0 + _QUERY_BLOCK)
        for q in range(q0, q1):
            _reset_state(state[q - q0], -np.inf)
        for start in range(0, n_centres, _CENTRE_TILE):
            width = min(n_centres, start + _CENTRE_TILE) - start
            for q in range(q0, q1):
                sq_dist_into(buf, queries[q], centres_t, start, width)
                _absorb_tile(
                    buf,
                    width,
                    start,
                    inv_two_var,
                    False,
                    state[q - q0],
                    in_lo[q],
                    in_hi[q],
                    cls_lo[q],
                    cls_hi[q],
                )
        for q in range(q0, q1):
            _finish_state(
                state[q - q0],
                False,
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


def mixture_lse_gemm(
    queries,
    centre_tiles,
    centre_sq,
    centres_t,
    inv_two_var,
    shift,
    tile_centroids,
    tile_radii,
    in_lo,
    in_hi,
    cls_lo,
    cls_hi,
    out,
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
    tile_centroids, tile_radii
        As in :func:`mixture_lse_direct`; a tile every query of a block can
        bound away costs no BLAS call.
    """
    parallel_ranges(
        _gemm_block,
        queries.shape[0],
        queries,
        centre_tiles,
        centre_sq,
        centres_t,
        inv_two_var,
        shift,
        tile_centroids,
        tile_radii,
        in_lo,
        in_hi,
        cls_lo,
        cls_hi,
        out,
        grain=_QUERY_BLOCK,
    )


@jit
def _gemm_block(
    queries,
    centre_tiles,
    centre_sq,
    centres_t,
    inv_two_var,
    shift,
    tile_centroids,
    tile_radii,
    in_lo,
    in_hi,
    cls_lo,
    cls_hi,
    out,
    q_lo,
    q_hi,
):
    """Queries ``q_lo:q_hi`` of :func:`mixture_lse_gemm`, in blocks of
    ``_QUERY_BLOCK`` (the BLAS operand; ranges start at block multiples, so
    the blocks and their bits do not depend on the range split)."""
    for q0 in range(q_lo, q_hi, _QUERY_BLOCK):
        q1 = min(q_hi, q0 + _QUERY_BLOCK)
        n_features = queries.shape[1]
        n_centres = centre_sq.shape[0]
        fixed = shift.shape[0] > 0
        skip_far = fixed and tile_radii.shape[0] > 0
        far = np.zeros(q1 - q0, dtype=np.bool_)
        buf = np.empty(_CENTRE_TILE)
        state = np.empty((q1 - q0, 6))
        query_sq = np.empty(q1 - q0)
        for q in range(q0, q1):
            _reset_state(state[q - q0], shift[q] if fixed else -np.inf)
            s = 0.0
            for k in range(n_features):
                s += queries[q, k] * queries[q, k]
            query_sq[q - q0] = s
        block_queries = queries[q0:q1]
        cross = np.empty((q1 - q0, _CENTRE_TILE))
        for tile in range(centre_tiles.shape[0]):
            start = tile * _CENTRE_TILE
            width = min(n_centres, start + _CENTRE_TILE) - start
            n_far = 0
            if skip_far:
                for q in range(q0, q1):
                    far[q - q0] = _tile_negligible(
                        queries[q], shift[q], tile_centroids[tile], tile_radii[tile], width, inv_two_var
                    )
                    n_far += far[q - q0]
                if n_far == q1 - q0:
                    continue
            np.dot(block_queries, centre_tiles[tile], cross)
            for q in range(q0, q1):
                if far[q - q0]:
                    continue
                qs = query_sq[q - q0]
                row = cross[q - q0]
                cs = centre_sq[start : start + width]
                for j in range(width):
                    buf[j] = max(fma(-2.0, row[j], qs + cs[j]), 0.0)
                _absorb_tile(
                    buf,
                    width,
                    start,
                    inv_two_var,
                    fixed,
                    state[q - q0],
                    in_lo[q],
                    in_hi[q],
                    cls_lo[q],
                    cls_hi[q],
                )
        for q in range(q0, q1):
            _finish_state(
                state[q - q0],
                fixed,
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


def tile_geometry(centres):
    """Centroid and radius of every tile of ``_CENTRE_TILE`` consecutive
    centres, for :func:`mixture_lse_direct` (plain NumPy, O(n d)).

    Returns
    -------
    centroids : float64 array of shape (n_tiles, n_features)
    radii : float64 array of shape (n_tiles,)
        Largest distance of a tile's centres to its centroid, widened by a
        relative 1e-12 so rounding can only keep a tile, never skip one.
    """
    n_centres = centres.shape[0]
    starts = np.arange(0, n_centres, _CENTRE_TILE)
    counts = np.diff(np.append(starts, n_centres))
    centroids = np.add.reduceat(centres, starts, axis=0) / counts[:, None]
    offsets = centres - np.repeat(centroids, counts, axis=0)
    radii = np.sqrt(np.maximum.reduceat(np.einsum("ij,ij->i", offsets, offsets), starts))
    return centroids, radii * (1.0 + 1e-12) + 1e-300


_RUN_CHUNK = 256


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
    parallel_ranges(
        _runs_block,
        queries.shape[0],
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
        grain=_QUERY_BLOCK,
    )


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
    parallel_ranges(
        _runs_block,
        queries.shape[0],
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
        grain=_QUERY_BLOCK,
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
    """Queries ``q0:q1`` of :func:`mixture_lse_runs`, one after another
    (serial; see :func:`_direct_block_fixed`)."""
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
                    s_all += exp_affine_sum(buf, width, -inv_two_var, -sh)
                else:  # distances and exponentials in one pass (bit-identical)
                    s_all += sq_dist_exp_sum(buf, queries[q], centres, start, width, -inv_two_var, -sh)
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


@jit
def own_sq_dist(queries, centres, query_centre, out):
    """``out[q] = ||queries[q] - centres[query_centre[q]]||^2`` (the squared
    noise of each Monte Carlo query), without an (n_queries, d) temporary.

    Serial: O(n_queries d) work is done long before a thread pool wakes up."""
    n_features = queries.shape[1]
    for q in range(queries.shape[0]):
        c = query_centre[q]
        sq = 0.0
        for k in range(n_features):
            diff = queries[q, k] - centres[c, k]
            sq += diff * diff
        out[q] = sq
