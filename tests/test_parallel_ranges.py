"""Tests of the thread dispatch of the serial kernels (``parallel_ranges``).

The dispatch must hand every item to exactly one piece, start pieces at
multiples of the grain, surface a piece's error, and leave the kernels'
results bit-identical to one serial call over all items whatever the thread
count.
"""

import threading
import time

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import cdist
from scipy.special import logsumexp

from skinfo._kernels._graph import _block_geometry_range, block_geometry
from skinfo._kernels._jit import parallel_ranges
from skinfo._kernels._mixture import (
    _direct_block_fixed,
    _direct_block_running,
    _runs_block,
    centre_tiles,
    mixture_lse_direct,
    mixture_lse_gemm,
    mixture_lse_runs,
)
from skinfo._kernels._silhouette import _stripe_sums, silhouette_sums_symmetric
from skinfo.utils import numba_threads

MAX_THREADS = numba.config.NUMBA_NUM_THREADS


@settings(max_examples=60, deadline=None)
@given(
    n_items=st.integers(0, 300),
    grain=st.integers(1, 70),
    n_threads=st.integers(1, MAX_THREADS),
)
def test_every_item_goes_to_exactly_one_piece_starting_at_a_grain_multiple(n_items, grain, n_threads):
    counts = np.zeros(n_items, dtype=np.int64)
    starts = []
    lock = threading.Lock()

    def kernel(tag, lo, hi):
        assert tag == "payload"
        with lock:
            counts[lo:hi] += 1
            starts.append(lo)

    with numba_threads(n_threads):
        parallel_ranges(kernel, n_items, "payload", grain=grain)
    assert np.all(counts == 1)
    assert all(lo % grain == 0 for lo in starts)


def test_a_failing_piece_raises_in_the_caller_once_no_piece_runs():
    """The error surfaces, and only after every started piece has returned
    (no thread may still write the caller's arrays)."""
    active = []
    lock = threading.Lock()

    def kernel(lo, hi):
        with lock:
            active.append(lo)
        try:
            if lo <= 40 < hi:
                raise ValueError("piece 40 failed")
            time.sleep(0.002)
        finally:
            with lock:
                active.remove(lo)

    with numba_threads(MAX_THREADS), pytest.raises(ValueError, match="piece 40"):
        parallel_ranges(kernel, 64, grain=4)
    assert active == []


def _dense_case(rng, n_queries=64 * 23 + 5, n_centres=3000, n_features=4):
    centres = np.tanh(rng.normal(size=(n_centres, n_features)))
    own = rng.integers(0, n_centres, n_queries)
    queries = centres[own] + 0.2 * rng.normal(size=(n_queries, n_features))
    shift = -np.sum((queries - centres[own]) ** 2, axis=1) / (2 * 0.2**2)
    bounds = np.sort(rng.integers(0, n_centres, (4, n_queries)), axis=0)
    return queries, np.ascontiguousarray(centres.T), shift, bounds


@pytest.mark.parametrize("fixed", [True, False])
def test_direct_kernel_bits_do_not_depend_on_threads(rng, fixed):
    queries, centres_t, shift, bounds = _dense_case(rng)
    if not fixed:
        shift = np.empty(0)
    no_tiles = (np.empty((0, queries.shape[1])), np.empty(0))
    serial = np.empty((queries.shape[0], 3))
    if fixed:
        _direct_block_fixed(queries, centres_t, 12.5, shift, *no_tiles, *bounds, serial, 0, queries.shape[0])
    else:
        _direct_block_running(queries, centres_t, 12.5, *bounds, serial, 0, queries.shape[0])
    for n_threads in range(1, MAX_THREADS + 1):
        out = np.full_like(serial, np.nan)
        with numba_threads(n_threads):
            mixture_lse_direct(queries, centres_t, 12.5, shift, *no_tiles, *bounds, out)
        np.testing.assert_array_equal(out, serial)


def test_run_kernel_bits_do_not_depend_on_threads(rng):
    queries, centres_t, shift, bounds = _dense_case(rng)
    n_centres = centres_t.shape[1]
    # One block holding every centre, reached by itself as one run.
    query_block = np.zeros(queries.shape[0], dtype=np.int64)
    runs = (np.array([0, 1]), np.array([0]), np.array([n_centres]))
    serial = np.empty((queries.shape[0], 3))
    _runs_block(
        queries, query_block, shift, centres_t, False, *runs, 12.5, *bounds, serial, 0, queries.shape[0]
    )
    for n_threads in range(1, MAX_THREADS + 1):
        out = np.full_like(serial, np.nan)
        with numba_threads(n_threads):
            mixture_lse_runs(queries, query_block, shift, centres_t, *runs, 12.5, *bounds, out)
        np.testing.assert_array_equal(out, serial)


def test_block_geometry_bits_do_not_depend_on_threads(rng):
    centres = rng.normal(size=(5000, 7))
    bounds = np.unique(np.concatenate([[0, 5000], rng.integers(0, 5000, 300)])).astype(np.int64)
    n_blocks = bounds.shape[0] - 1
    serial = (np.empty((n_blocks, 7)), np.empty(n_blocks))
    _block_geometry_range(centres, bounds, *serial, 0, n_blocks)
    for n_threads in range(1, MAX_THREADS + 1):
        got = (np.full((n_blocks, 7), np.nan), np.full(n_blocks, np.nan))
        with numba_threads(n_threads):
            block_geometry(centres, bounds, *got)
        np.testing.assert_array_equal(got[0], serial[0])
        np.testing.assert_array_equal(got[1], serial[1])


def test_silhouette_stripes_bits_do_not_depend_on_threads(rng):
    n, block = 900, 64
    labels = np.sort(rng.integers(0, 3, n)).astype(np.int64)
    X = rng.normal(size=(n, 3)) + labels[:, None]
    bounds = np.searchsorted(labels, np.arange(4)).astype(np.int64)
    n_blocks = -(-n // block)
    stripe_blocks = np.arange(n_blocks, dtype=np.int64)
    stripe_starts = np.arange(0, n_blocks + 1, 2, dtype=np.int64)
    if stripe_starts[-1] != n_blocks:
        stripe_starts = np.append(stripe_starts, n_blocks)
    n_stripes = stripe_starts.shape[0] - 1
    args = (X, np.ascontiguousarray(X.T), labels, bounds, False, block, stripe_starts, stripe_blocks)
    serial = np.zeros((n_stripes, n, 3))
    _stripe_sums(*args, serial, 0, n_stripes)
    for n_threads in range(1, MAX_THREADS + 1):
        sums = np.zeros((n_stripes, n, 3))
        with numba_threads(n_threads):
            silhouette_sums_symmetric(*args, sums)
        np.testing.assert_array_equal(sums, serial)
    # Each distance is counted once per ordered pair: the stripes add up to the
    # full per-class sums of euclidean distances.
    full = np.linalg.norm(X[:, None, :] - X[None, :, :], axis=2)
    expected = np.stack([full[:, bounds[c] : bounds[c + 1]].sum(axis=1) for c in range(3)], axis=1)
    np.testing.assert_allclose(serial.sum(axis=0), expected, rtol=1e-12)


def test_gemm_kernel_bits_do_not_depend_on_threads(rng):
    """BLAS runs inside each piece (one BLAS thread, as the caller sets it)."""
    queries, centres_t, shift, bounds = _dense_case(rng, n_queries=64 * 9 + 3, n_centres=2500, n_features=33)
    centres = np.ascontiguousarray(centres_t.T)
    tiles = centre_tiles(centres)
    centre_sq = np.einsum("ij,ij->i", centres, centres)
    no_tiles = (np.empty((0, 33)), np.empty(0))
    results = []
    for n_threads in range(1, MAX_THREADS + 1):
        out = np.full((queries.shape[0], 3), np.nan)
        with numba_threads(n_threads):
            mixture_lse_gemm(queries, tiles, centre_sq, centres_t, 12.5, shift, *no_tiles, *bounds, out)
        results.append(out)
    for out in results[1:]:
        np.testing.assert_array_equal(out, results[0])
    # And the values are the log-sum-exps they claim to be (own-shift scaled).
    exact = logsumexp(-12.5 * cdist(queries[:5], centres, "sqeuclidean"), axis=1)
    np.testing.assert_allclose(results[0][:5, 0], exact, rtol=1e-12)
