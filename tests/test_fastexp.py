"""The table-based vector exp (``exp_affine_sum`` / ``exp_nonpositive_table``)
against exact values and against its own scalar twin.

Exact references come from :mod:`decimal` (``Decimal.exp`` is correctly rounded
at the context precision, and a float converts to Decimal exactly), so no
extra dependency is needed.  Also run uncompiled (``tox -e nojit``), where
``fma`` rounds twice: the bit-exact and ulp checks are then skipped.
"""

import decimal
import math

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from numba import config

from skinfo._kernels._common import exp_affine_sum, lane_sum, sq_dist_exp_sum, sq_dist_into
from skinfo._kernels._fastexp import _EXP2_FRACTION_BITS, exp_nonpositive, exp_nonpositive_table, fma
from skinfo._kernels._jit import jit

compiled_only = pytest.mark.skipif(config.DISABLE_JIT, reason="uncompiled fma rounds twice")
_CONTEXT = decimal.Context(prec=50)


@jit
def _table_exp_array(x, out):
    for i in range(x.shape[0]):
        out[i] = exp_nonpositive_table(x[i])


@jit
def _exp_sum(values, count, scale, shift):
    return exp_affine_sum(values, count, scale, shift)


@jit
def _twin_sum(values, count, scale, shift):
    """The scalar twin element by element, then the shared lane sum."""
    for i in range(count):
        values[i] = exp_nonpositive_table(fma(values[i], scale, shift))
    return lane_sum(values, 0, count)


@jit
def _fused(out, point, points_t, start, width, scale, shift):
    return sq_dist_exp_sum(out, point, points_t, start, width, scale, shift)


@jit
def _two_steps(out, point, points_t, start, width, scale, shift):
    sq_dist_into(out, point, points_t, start, width)
    return exp_affine_sum(out, width, scale, shift)


@jit
def _old_exp_array(x, out):
    for i in range(x.shape[0]):
        out[i] = exp_nonpositive(x[i])


def _ulp_errors(x, y):
    """|y - exp(x)| in units of the last place of the exact exp(x)."""
    errors = np.empty(x.shape[0])
    for i, (xi, yi) in enumerate(zip(x.tolist(), y.tolist(), strict=True)):
        exact = _CONTEXT.exp(decimal.Decimal(xi))
        ulp = decimal.Decimal(float(np.spacing(float(exact))))
        errors[i] = float(abs(decimal.Decimal(yi) - exact) / ulp)
    return errors


def test_fraction_table_is_correctly_rounded():
    """Entry j is 2**(j/16) rounded to nearest (a 50-digit reference)."""
    for j, bits in enumerate(_EXP2_FRACTION_BITS):
        exact = _CONTEXT.power(decimal.Decimal(2), decimal.Decimal(j) / 16)
        assert np.float64(float(exact)).view(np.int64) == bits, j


@compiled_only
def test_table_exp_within_ulp_bound(rng):
    """At most 1.5 ulp from the exact exp over [-708, 0] (measured 1.16), and
    no worse on average than the degree-12 exp it replaces in the kernels."""
    x = np.concatenate(
        [
            -rng.uniform(0, 708, 6000),
            -rng.uniform(0, 0.05, 2000),
            # around the reduction's breakpoints n ln2 / 16, where |r| is largest
            -np.arange(1, 16 * 708, 23) * math.log(2) / 16
            + rng.uniform(-1e-3, 1e-3, len(range(1, 16 * 708, 23))),
        ]
    )
    x = x[x >= -708]
    new = np.empty_like(x)
    old = np.empty_like(x)
    _table_exp_array(x, new)
    _old_exp_array(x, old)
    new_errors = _ulp_errors(x, new)
    assert new_errors.max() <= 1.5
    assert new_errors.max() <= _ulp_errors(x, old).max()


@compiled_only
@given(st.floats(-708.0, 0.0))
@example(-708.0)
@example(-1e-300)
@example(-math.log(2) / 32)
def test_table_exp_ulp_property(x):
    """For every x in [-708, 0]: within 1.5 ulp of the exact exp(x)."""
    out = np.empty(1)
    _table_exp_array(np.array([x]), out)
    assert _ulp_errors(np.array([x]), out)[0] <= 1.5


def test_table_exp_special_values():
    """exp(0) = exp(-0) = 1 exactly; below -708 (and -inf) the value is clamped
    at exp(-708) like exp_nonpositive's; NaN stays NaN."""
    x = np.array([0.0, -0.0, -708.0, -708.5, -745.2, -1e4, -np.inf, np.nan])
    out = np.empty_like(x)
    _table_exp_array(x, out)
    assert out[0] == 1.0 and out[1] == 1.0
    assert np.all(out[3:7] == out[2])
    assert out[2] == pytest.approx(math.exp(-708.0), rel=1e-15)
    assert np.isnan(out[7])
    # and through the vector path (a full lane of each special value)
    values = np.repeat(x, 8)
    total = _exp_sum(values, values.shape[0], 1.0, 0.0)
    np.testing.assert_array_equal(values, np.repeat(out, 8))
    assert np.isnan(total)


@given(
    seed=st.integers(0, 2**31),
    count=st.integers(0, 70),
    scale=st.floats(-60.0, 0.0),
    shift=st.floats(-50.0, 0.0),
)
@example(seed=0, count=1024, scale=-1.0, shift=0.0)
@example(seed=1, count=8, scale=-2.5, shift=-3.0)
def test_vector_path_equals_scalar_twin(seed, count, scale, shift):
    """exp_affine_sum (eight lanes at a time where the CPU allows) writes the
    same bits as the scalar twin and returns lane_sum's sum of them, bit for
    bit, whatever the count (full vectors, tail, both)."""
    rng = np.random.default_rng(seed)
    values = rng.uniform(0, 10, max(count, 1) + 5)
    twin = values.copy()
    total = _exp_sum(values, count, scale, shift)
    twin_total = _twin_sum(twin, count, scale, shift)
    np.testing.assert_array_equal(values.view(np.int64), twin.view(np.int64))
    assert np.float64(total).view(np.int64) == np.float64(twin_total).view(np.int64)


def test_affine_sum_matches_reference(rng):
    """The transform and sum against NumPy (elements beyond count untouched)."""
    values = rng.uniform(0, 3, 1030)
    original = values.copy()
    total = _exp_sum(values, 1027, -2.0, -0.5)
    expected = np.exp(original[:1027] * -2.0 - 0.5)
    np.testing.assert_allclose(
        values[:1027], expected, rtol=4 * np.finfo(float).eps if not config.DISABLE_JIT else 4e-15
    )
    np.testing.assert_array_equal(values[1027:], original[1027:])
    assert total == pytest.approx(math.fsum(expected), rel=1e-14)


@given(
    seed=st.integers(0, 2**31),
    n_features=st.integers(1, 12),
    start=st.integers(0, 40),
    width=st.integers(0, 150),
    strided_point=st.booleans(),
)
@example(seed=0, n_features=5, start=0, width=1024, strided_point=False)
@example(seed=1, n_features=3, start=7, width=64 + 24 + 5, strided_point=True)
def test_fused_distance_exp_equals_two_steps(seed, n_features, start, width, strided_point):
    """sq_dist_exp_sum (distances kept in registers, blocks of 64 and 8 centres
    plus a scalar tail) writes the same bits and returns the same sum as
    sq_dist_into followed by exp_affine_sum, and both equal the exact
    exp(-||p - c||^2 / 2) sums to rounding."""
    rng = np.random.default_rng(seed)
    points_t = rng.normal(size=(n_features, start + width + 3))
    rows = rng.normal(size=(n_features, 2))
    point = rows[:, 1] if strided_point else np.ascontiguousarray(rows[:, 1])
    fused = np.zeros(max(width, 1))
    steps = np.zeros(max(width, 1))
    total = _fused(fused, point, points_t, start, width, -0.5, 0.0)
    steps_total = _two_steps(steps, point, points_t, start, width, -0.5, 0.0)
    np.testing.assert_array_equal(fused.view(np.int64), steps.view(np.int64))
    assert np.float64(total).view(np.int64) == np.float64(steps_total).view(np.int64)
    sq = np.sum((point[:, None] - points_t[:, start : start + width]) ** 2, axis=0)
    np.testing.assert_allclose(fused[:width], np.exp(-0.5 * sq), rtol=1e-14)
    assert total == pytest.approx(math.fsum(np.exp(-0.5 * sq)), rel=1e-13, abs=1e-300)
