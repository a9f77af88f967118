"""Numba kernels against plain NumPy/SciPy references.

Also run uncompiled (``tox -e nojit``: NUMBA_DISABLE_JIT=1), so keep sizes small.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.spatial.distance import cdist
from scipy.special import logsumexp

from skinfo._kernels._fastexp import exp_nonpositive
from skinfo._kernels._jit import jit
from skinfo._kernels._mixture import mixture_lse_direct, mixture_lse_gemm, mixture_lse_sparse


@jit
def _exp_array(x, out):
    for i in range(x.shape[0]):
        out[i] = exp_nonpositive(x[i])


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
        out[q, 1] = logsumexp(a[q, in_lo[q]:in_hi[q]]) if in_hi[q] > in_lo[q] else -np.inf
        out[q, 2] = logsumexp(a[q, cls_lo[q]:cls_hi[q]]) if cls_hi[q] > cls_lo[q] else -np.inf
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
    mixture_lse_direct(queries, np.ascontiguousarray(centres.T), 0.5, *ranges, out)
    np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-9)
    mixture_lse_gemm(queries, centres, np.ascontiguousarray(centres.T), 0.5, *ranges, out)
    # The BLAS expansion loses ~eps * ||t||^2 * inv_two_var absolutely.
    atol = 1e-12 * (1 + scale**2 * n_features)
    np.testing.assert_allclose(out, ref, rtol=1e-10, atol=atol)


def test_sparse_kernel_matches_dense_on_full_lists(rng):
    """With every pair listed, the CSR kernel equals the dense reference and
    group sums follow the labels."""
    queries = rng.normal(size=(25, 3))
    centres = rng.normal(size=(30, 3))
    centre_input = np.repeat(np.arange(10), 3)
    centre_class = centre_input % 2
    query_input = rng.integers(0, 10, size=25)
    query_class = query_input % 2
    sq = cdist(queries, centres, "sqeuclidean")
    indptr = np.arange(26, dtype=np.int64) * 30
    neighbours = np.tile(np.arange(30, dtype=np.int64), 25)
    out = np.empty((25, 3))
    mixture_lse_sparse(indptr, sq.ravel(), neighbours, 0.7, centre_input, centre_class, query_input,
                       query_class, out)
    a = -sq * 0.7
    np.testing.assert_allclose(out[:, 0], logsumexp(a, axis=1), rtol=1e-13)
    for q in range(25):
        own = centre_input == query_input[q]
        same = centre_class == query_class[q]
        assert out[q, 1] == pytest.approx(logsumexp(a[q, own]), rel=1e-13)
        assert out[q, 2] == pytest.approx(logsumexp(a[q, same]), rel=1e-13)


def test_sparse_kernel_empty_lists():
    out = np.empty((2, 3))
    mixture_lse_sparse(np.zeros(3, dtype=np.int64), np.empty(0), np.empty(0, dtype=np.int64), 1.0,
                       np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64),
                       np.zeros(2, dtype=np.int64), np.zeros(2, dtype=np.int64), out)
    assert np.all(out == -np.inf)
