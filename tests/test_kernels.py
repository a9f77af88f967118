"""Numba kernels against plain NumPy/SciPy references.

Also run uncompiled (``tox -e nojit``: NUMBA_DISABLE_JIT=1), so keep sizes small.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numba import config
from scipy.spatial.distance import cdist
from scipy.special import logsumexp

from skinfo._kernels._common import exp_affine_sum, range_min, sq_dist_into
from skinfo._kernels._fastexp import exp_nonpositive, fma
from skinfo._kernels._graph import directed_csr, neighbour_runs
from skinfo._kernels._jit import jit
from skinfo._kernels._mixture import (
    _CENTRE_TILE,
    _lse_direct_range,
    centre_tiles,
    mixture_lse_direct,
    mixture_lse_gemm,
    mixture_lse_runs,
    tile_geometry,
)


@jit
def _exp_array(x, out):
    for i in range(x.shape[0]):
        out[i] = exp_nonpositive(x[i])


@jit
def _fma_compiled(a, b, c):
    return fma(a, b, c)


def test_fast_exp_relative_error(rng):
    """Within 4 ulp of numpy.exp over the whole range where exp is normal."""
    x = np.concatenate([-rng.uniform(0, 708, 200_000), -rng.uniform(0, 1, 10_000), [0.0, -0.0, -1e-300]])
    out = np.empty_like(x)
    _exp_array(x, out)
    np.testing.assert_allclose(out, np.exp(x), rtol=4 * np.finfo(float).eps, atol=0)


def test_fast_exp_clamps_below_range():
    """Arguments below -708 give a tiny positive number, never garbage."""
    x = np.array([-709.0, -1e4, -np.inf])
    out = np.empty_like(x)
    _exp_array(x, out)
    assert np.all((out > 0) & (out < 1e-300))


def _reference(queries, centres, inv_two_var, in_lo, in_hi, cls_lo, cls_hi):
    a = -cdist(queries, centres, "sqeuclidean") * inv_two_var
    out = np.empty((queries.shape[0], 3))
    out[:, 0] = logsumexp(a, axis=1)
    for q in range(queries.shape[0]):
        out[q, 1] = logsumexp(a[q, in_lo[q] : in_hi[q]]) if in_hi[q] > in_lo[q] else -np.inf
        out[q, 2] = logsumexp(a[q, cls_lo[q] : cls_hi[q]]) if cls_hi[q] > cls_lo[q] else -np.inf
    return out


def _case(rng, n_queries, n_centres, n_features, scale):
    queries = rng.normal(size=(n_queries, n_features)) * scale
    centres = rng.normal(size=(n_centres, n_features)) * scale
    bounds = np.sort(rng.integers(0, n_centres + 1, size=(n_queries, 4)), axis=1)
    return queries, centres, bounds[:, 1], bounds[:, 2], bounds[:, 0], bounds[:, 3]


@given(
    seed=st.integers(0, 2**31),
    n_queries=st.integers(1, 70),
    n_centres=st.integers(1, 40),
    n_features=st.integers(1, 6),
    scale=st.sampled_from([0.1, 1.0, 30.0]),
)
def test_direct_and_gemm_match_reference(seed, n_queries, n_centres, n_features, scale):
    """Both dense kernels equal SciPy's logsumexp over every range, including
    sub-ranges far below the row maximum (the underflow fallback)."""
    rng = np.random.default_rng(seed)
    queries, centres, *ranges = _case(rng, n_queries, n_centres, n_features, scale)
    ref = _reference(queries, centres, 0.5, *ranges)
    out = np.empty((n_queries, 3))
    running_max = np.empty(0)
    no_tiles = np.empty((0, n_features)), np.empty(0)
    mixture_lse_direct(queries, np.ascontiguousarray(centres.T), 0.5, running_max, *no_tiles, *ranges, out)
    np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-9)
    centre_sq = np.sum(centres**2, axis=1)
    centres_t = np.ascontiguousarray(centres.T)
    mixture_lse_gemm(
        queries, centre_tiles(centres), centre_sq, centres_t, 0.5, running_max, *no_tiles, *ranges, out
    )
    # The BLAS expansion loses ~eps * ||t||^2 * inv_two_var absolutely.
    atol = 1e-12 * (1 + scale**2 * n_features)
    np.testing.assert_allclose(out, ref, rtol=1e-10, atol=atol)


@given(
    seed=st.integers(0, 2**31),
    n_queries=st.integers(1, 70),
    n_centres=st.integers(1, 40),
    n_features=st.integers(1, 6),
    noise=st.sampled_from([0.05, 0.5, 3.0]),
    scale=st.sampled_from([0.1, 1.0, 30.0]),
)
def test_dense_kernels_with_fixed_shift_match_reference(seed, n_queries, n_centres, n_features, noise, scale):
    """Monte Carlo queries ``t = c_i + z`` scaled by their own-centre term (no
    running maximum) equal SciPy's logsumexp over every range, including
    ranges without the own centre that lie far below it (the underflow
    fallback) and shifts near the kernels' limit."""
    rng = np.random.default_rng(seed)
    _, centres, *ranges = _case(rng, n_queries, n_centres, n_features, scale)
    own = rng.integers(0, n_centres, size=n_queries)
    queries = centres[own] + noise * rng.normal(size=(n_queries, n_features))
    inv_two_var = 0.5
    ref = _reference(queries, centres, inv_two_var, *ranges)
    shift = -np.sum((queries - centres[own]) ** 2, axis=1) * inv_two_var
    out = np.empty((n_queries, 3))
    centres_t = np.ascontiguousarray(centres.T)
    no_tiles = np.empty((0, n_features)), np.empty(0)
    mixture_lse_direct(queries, centres_t, inv_two_var, shift, *no_tiles, *ranges, out)
    np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-9)
    centre_sq = np.sum(centres**2, axis=1)
    mixture_lse_gemm(
        queries, centre_tiles(centres), centre_sq, centres_t, inv_two_var, shift, *no_tiles, *ranges, out
    )
    atol = 1e-12 * (1 + scale**2 * n_features)
    np.testing.assert_allclose(out, ref, rtol=1e-10, atol=atol)


@given(seed=st.integers(0, 2**31), n_blocks=st.integers(1, 8), block_size=st.integers(1, 4))
def test_run_kernel_matches_reference(seed, n_blocks, block_size):
    """With every block linked to every block, the one-pass block kernel equals
    the dense reference, including group ranges that cut through blocks."""
    rng = np.random.default_rng(seed)
    n_centres = n_blocks * block_size
    centres = rng.normal(size=(n_centres, 3))
    query_centre = rng.integers(0, n_centres, size=20)
    queries = centres[query_centre] + 0.3 * rng.normal(size=(20, 3))
    inv_two_var = 2.0
    shift = -np.sum((queries - centres[query_centre]) ** 2, axis=1) * inv_two_var
    all_links = np.array([(a, c) for a in range(n_blocks) for c in range(n_blocks)], dtype=np.int64)
    indptr, neighbours = directed_csr(n_blocks, all_links)
    bounds = np.arange(n_blocks + 1, dtype=np.int64) * block_size
    lo_hi = np.sort(rng.integers(0, n_centres + 1, size=(20, 4)), axis=1)
    # every query's ranges contain its own centre, as in the estimators
    in_lo = np.minimum(lo_hi[:, 1], query_centre)
    in_hi = np.maximum(lo_hi[:, 2], query_centre + 1)
    cls_lo = np.minimum(lo_hi[:, 0], in_lo)
    cls_hi = np.maximum(lo_hi[:, 3], in_hi)
    out = np.empty((20, 3))
    runs = neighbour_runs(indptr, neighbours, bounds)
    assert runs[1].shape == (n_blocks,)  # all blocks linked: one merged run per block
    mixture_lse_runs(
        queries,
        query_centre // block_size,
        shift,
        np.ascontiguousarray(centres.T),
        *runs,
        inv_two_var,
        in_lo,
        in_hi,
        cls_lo,
        cls_hi,
        out,
    )
    ref = _reference(queries, centres, inv_two_var, in_lo, in_hi, cls_lo, cls_hi)
    np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-12)


@pytest.mark.skipif(config.DISABLE_JIT, reason="the uncompiled twin rounds twice")
@given(
    a=st.floats(-1e6, 1e6, allow_nan=False),
    b=st.floats(-1e6, 1e6, allow_nan=False),
    c=st.floats(-1e12, 1e12, allow_nan=False),
)
def test_fma_rounds_once(a, b, c):
    """The compiled fma is the exactly rounded a * b + c (rational reference)."""
    from fractions import Fraction

    exact = Fraction(a) * Fraction(b) + Fraction(c)
    assert _fma_compiled(a, b, c) == float(exact)


def test_tile_geometry_bounds_every_centre(rng):
    """Each tile's ball (centroid, radius) holds all its centres, and the
    centroid is the tile mean."""
    centres = rng.normal(size=(2500, 3)) * 5
    centroids, radii = tile_geometry(centres)
    assert centroids.shape == (3, 3) and radii.shape == (3,)
    for t, lo in enumerate(range(0, 2500, 1024)):
        tile = centres[lo : lo + 1024]
        np.testing.assert_allclose(centroids[t], tile.mean(axis=0), rtol=1e-13, atol=1e-13)
        assert np.all(np.linalg.norm(tile - centroids[t], axis=1) <= radii[t])


def test_direct_kernel_skipping_far_tiles_matches_reference(rng):
    """Clustered centres (clusters of ~1100 in order, far apart in noise units):
    most (query, tile) pairs are bounded away, and every column of both dense
    kernels still equals
    SciPy's logsumexp to rounding (the queries' own centres lie in their
    input and class ranges, as the kernel requires for skipping)."""
    n_clusters, per_cluster, n_features, noise = 4, 1100, 3, 0.1
    means = 40 * noise * rng.normal(size=(n_clusters, n_features))
    centres = (
        means[:, None, :] + 3 * noise * rng.normal(size=(n_clusters, per_cluster, n_features))
    ).reshape(-1, n_features)
    n_centres = centres.shape[0]
    own = rng.integers(0, n_centres, size=300)
    queries = centres[own] + noise * rng.normal(size=(300, n_features))
    cluster = own // per_cluster
    # input: 10 centres around the own one; class: the own cluster
    in_lo = np.maximum(own - 5, 0)
    in_hi = np.minimum(own + 5, n_centres)
    cls_lo, cls_hi = cluster * per_cluster, (cluster + 1) * per_cluster
    inv_two_var = 0.5 / noise**2
    shift = -np.sum((queries - centres[own]) ** 2, axis=1) * inv_two_var
    centroids, radii = tile_geometry(centres)
    gap = np.linalg.norm(queries[:, None, :] - centroids[None], axis=2) - radii[None]
    bound = -(np.maximum(gap, 0) ** 2) * inv_two_var - shift[:, None] + np.log(1024)
    assert np.mean((gap > 0) & (bound < -60 * np.log(2))) > 0.3  # the skip is exercised
    ref = _reference(queries, centres, inv_two_var, in_lo, in_hi, cls_lo, cls_hi)
    out = np.empty((300, 3))
    centres_t = np.ascontiguousarray(centres.T)
    ranges = (in_lo, in_hi, cls_lo, cls_hi)
    mixture_lse_direct(queries, centres_t, inv_two_var, shift, centroids, radii, *ranges, out)
    np.testing.assert_allclose(out, ref, rtol=1e-13, atol=1e-12)
    centre_sq = np.sum(centres**2, axis=1)
    mixture_lse_gemm(
        queries,
        centre_tiles(centres),
        centre_sq,
        centres_t,
        inv_two_var,
        shift,
        centroids,
        radii,
        *ranges,
        out,
    )
    np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-10)


@jit
def _lse_range_from_helpers(query, centres_t, inv_two_var, lo, hi, tile):
    """The underflow path as it was built from the vectorised helpers."""
    buf = np.empty(tile)
    nearest = np.inf
    for start in range(lo, hi, tile):
        width = min(hi, start + tile) - start
        sq_dist_into(buf, query, centres_t, start, width)
        nearest = min(nearest, range_min(buf, 0, width))
    m = -nearest * inv_two_var
    total = 0.0
    for start in range(lo, hi, tile):
        width = min(hi, start + tile) - start
        sq_dist_into(buf, query, centres_t, start, width)
        total += exp_affine_sum(buf, width, -inv_two_var, -m)
    return m + np.log(total)


@pytest.mark.parametrize("n_features", [1, 3, 6])
def test_underflow_path_bit_identical_to_the_vectorised_helpers(rng, n_features):
    """The scalar stand-alone log-sum-exp keeps the helpers' roundings: the same
    fma chain per distance and lane_sum's eight lanes plus in-order tail."""
    n_centres = 2 * _CENTRE_TILE + 45
    centres_t = np.ascontiguousarray(rng.normal(size=(n_features, n_centres)))
    for lo, hi in [(0, n_centres), (3, 11), (5, _CENTRE_TILE + 9), (100, 107), (7, 8)]:
        query = rng.normal(size=n_features)
        got = _lse_direct_range(query, centres_t, 3.0, lo, hi)
        want = _lse_range_from_helpers(query, centres_t, 3.0, lo, hi, _CENTRE_TILE)
        assert got == want
        exponents = -np.sum((centres_t[:, lo:hi].T - query) ** 2, axis=1) * 3.0
        assert got == pytest.approx(logsumexp(exponents), rel=1e-13, abs=1e-13)
    assert _lse_direct_range(np.zeros(n_features), centres_t, 3.0, 4, 4) == -np.inf
