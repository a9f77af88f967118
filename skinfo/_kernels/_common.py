"""Small inlined helpers shared by the kernel modules.

Each helper fixes an order of floating-point operations, so every kernel that
uses it rounds the same way: a sum taken here is bit-identical wherever it is
taken, and results never depend on the thread count.
"""

import numpy as np

from ._fastexp import VECTOR_WIDTH, exp_affine_vector, exp_nonpositive_table, fma, sq_dist_exp_vector
from ._jit import jit

__all__ = [
    "exp_affine_sum",
    "lane_sum",
    "range_max",
    "range_min",
    "sq_dist_exp_sum",
    "sq_dist_into",
    "sq_dist_rows",
]


@jit(inline="always")
def lane_sum(values, lo, hi):
    """Sum of ``values[lo:hi]`` with eight interleaved accumulators.

    Eight independent partial sums let LLVM keep them in one vector register
    (a single running sum serialises on the add latency) and lower the
    rounding error; scalars rather than an accumulator array avoid an
    allocation per call.  The tail is added in order.
    """
    a0 = 0.0
    a1 = 0.0
    a2 = 0.0
    a3 = 0.0
    a4 = 0.0
    a5 = 0.0
    a6 = 0.0
    a7 = 0.0
    i = lo
    while i + 8 <= hi:
        a0 += values[i]
        a1 += values[i + 1]
        a2 += values[i + 2]
        a3 += values[i + 3]
        a4 += values[i + 4]
        a5 += values[i + 5]
        a6 += values[i + 6]
        a7 += values[i + 7]
        i += 8
    total = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))
    while i < hi:
        total += values[i]
        i += 1
    return total


@jit(inline="always")
def range_max(values, lo, hi):
    """Largest of ``values[lo:hi]`` (``-inf`` for an empty range).

    Eight interleaved running maxima, as in :func:`lane_sum`: LLVM does not
    vectorise a single running maximum without fast-math, and the maximum is
    exact in any order.
    """
    a0 = -np.inf
    a1 = -np.inf
    a2 = -np.inf
    a3 = -np.inf
    a4 = -np.inf
    a5 = -np.inf
    a6 = -np.inf
    a7 = -np.inf
    i = lo
    while i + 8 <= hi:
        a0 = max(a0, values[i])
        a1 = max(a1, values[i + 1])
        a2 = max(a2, values[i + 2])
        a3 = max(a3, values[i + 3])
        a4 = max(a4, values[i + 4])
        a5 = max(a5, values[i + 5])
        a6 = max(a6, values[i + 6])
        a7 = max(a7, values[i + 7])
        i += 8
    m = max(max(max(a0, a1), max(a2, a3)), max(max(a4, a5), max(a6, a7)))
    while i < hi:
        m = max(m, values[i])
        i += 1
    return m


@jit(inline="always")
def range_min(values, lo, hi):
    """Smallest of ``values[lo:hi]`` (``inf`` for an empty range); see :func:`range_max`."""
    a0 = np.inf
    a1 = np.inf
    a2 = np.inf
    a3 = np.inf
    a4 = np.inf
    a5 = np.inf
    a6 = np.inf
    a7 = np.inf
    i = lo
    while i + 8 <= hi:
        a0 = min(a0, values[i])
        a1 = min(a1, values[i + 1])
        a2 = min(a2, values[i + 2])
        a3 = min(a3, values[i + 3])
        a4 = min(a4, values[i + 4])
        a5 = min(a5, values[i + 5])
        a6 = min(a6, values[i + 6])
        a7 = min(a7, values[i + 7])
        i += 8
    m = min(min(min(a0, a1), min(a2, a3)), min(min(a4, a5), min(a6, a7)))
    while i < hi:
        m = min(m, values[i])
        i += 1
    return m


@jit(inline="always")
def sq_dist_into(out, point, points_t, start, width):
    """``out[j] = ||point - points_t[:, start + j]||^2`` for ``j < width``.

    ``points_t`` is transposed (features x points) so the inner loop runs over
    contiguous points and vectorises.  Features are taken up to four per pass
    over ``out`` (a quarter of the loads and stores), the first pass writing
    rather than adding, and every square is accumulated with :func:`fma`.
    """
    n_features = points_t.shape[0]
    k = 0
    # The slices make the loop index provably non-negative: indexing
    # points_t[k, start + j] keeps a wraparound check that blocks SIMD.
    while k < n_features:
        take = min(4, n_features - k)
        first = k == 0
        if take == 4:
            p0 = point[k]
            p1 = point[k + 1]
            p2 = point[k + 2]
            p3 = point[k + 3]
            r0 = points_t[k, start : start + width]
            r1 = points_t[k + 1, start : start + width]
            r2 = points_t[k + 2, start : start + width]
            r3 = points_t[k + 3, start : start + width]
            for j in range(width):
                e0 = p0 - r0[j]
                e1 = p1 - r1[j]
                e2 = p2 - r2[j]
                e3 = p3 - r3[j]
                acc = 0.0 if first else out[j]
                out[j] = fma(e3, e3, fma(e2, e2, fma(e1, e1, fma(e0, e0, acc))))
        elif take == 3:
            p0 = point[k]
            p1 = point[k + 1]
            p2 = point[k + 2]
            r0 = points_t[k, start : start + width]
            r1 = points_t[k + 1, start : start + width]
            r2 = points_t[k + 2, start : start + width]
            for j in range(width):
                e0 = p0 - r0[j]
                e1 = p1 - r1[j]
                e2 = p2 - r2[j]
                acc = 0.0 if first else out[j]
                out[j] = fma(e2, e2, fma(e1, e1, fma(e0, e0, acc)))
        elif take == 2:
            p0 = point[k]
            p1 = point[k + 1]
            r0 = points_t[k, start : start + width]
            r1 = points_t[k + 1, start : start + width]
            for j in range(width):
                e0 = p0 - r0[j]
                e1 = p1 - r1[j]
                acc = 0.0 if first else out[j]
                out[j] = fma(e1, e1, fma(e0, e0, acc))
        else:
            p0 = point[k]
            r0 = points_t[k, start : start + width]
            for j in range(width):
                e0 = p0 - r0[j]
                acc = 0.0 if first else out[j]
                out[j] = fma(e0, e0, acc)
        k += take


@jit(inline="always")
def sq_dist_rows(out, point, points, start, width):
    """``out[j] = ||point - points[start + j]||^2`` for ``j < width``, with
    ``points`` row-major (points x features).

    For high dimension and few points per call (an input's replicas): each
    distance runs over contiguous features, in eight interleaved partial sums
    as in :func:`lane_sum`.
    """
    n_features = point.shape[0]
    for j in range(width):
        row = points[start + j]
        a0 = 0.0
        a1 = 0.0
        a2 = 0.0
        a3 = 0.0
        a4 = 0.0
        a5 = 0.0
        a6 = 0.0
        a7 = 0.0
        k = 0
        while k + 8 <= n_features:
            e0 = point[k] - row[k]
            e1 = point[k + 1] - row[k + 1]
            e2 = point[k + 2] - row[k + 2]
            e3 = point[k + 3] - row[k + 3]
            e4 = point[k + 4] - row[k + 4]
            e5 = point[k + 5] - row[k + 5]
            e6 = point[k + 6] - row[k + 6]
            e7 = point[k + 7] - row[k + 7]
            a0 += e0 * e0
            a1 += e1 * e1
            a2 += e2 * e2
            a3 += e3 * e3
            a4 += e4 * e4
            a5 += e5 * e5
            a6 += e6 * e6
            a7 += e7 * e7
            k += 8
        total = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))
        while k < n_features:
            e = point[k] - row[k]
            total += e * e
            k += 1
        out[j] = total


@jit(inline="always")
def exp_affine_sum(values, count, scale, shift):
    """``values[:count] = exp(values[:count] * scale + shift)`` and their sum.

    The argument is formed by one :func:`~skinfo._kernels._fastexp.fma` and
    expected ``<= 0``.  Eight lanes at a time with an in-register table where
    the CPU has AVX-512, the rest by
    :func:`~skinfo._kernels._fastexp.exp_nonpositive_table`: the same
    operations either way, so the values and their sum (bit-identical to
    :func:`lane_sum` of them) do not depend on the CPU or on which elements
    fall into the tail.

    Parameters
    ----------
    values : ndarray of shape (n,), float64, C-contiguous
        Overwritten in place.
    count : int
        Number of leading elements to transform (``<= n``).
    scale, shift : float
        The affine map applied before the exponential.

    Returns
    -------
    total : float
        ``sum(values[:count])`` after the transform.
    """
    if VECTOR_WIDTH == 0:
        for i in range(count):
            values[i] = exp_nonpositive_table(fma(values[i], scale, shift))
        return lane_sum(values, 0, count)
    total = exp_affine_vector(values, count, scale, shift)  # 0.0 below eight
    for i in range(count & -8, count):
        value = exp_nonpositive_table(fma(values[i], scale, shift))
        values[i] = value
        total += value
    return total


@jit(inline="always")
def sq_dist_exp_sum(out, point, points_t, start, width, scale, shift):
    """:func:`sq_dist_into` then :func:`exp_affine_sum` in one pass.

    Where the CPU has AVX-512 each squared distance stays in a register
    between the two, so the distance and exp work of different lanes overlap.
    Bit-identical to the two calls in sequence (the distances are accumulated
    in the same order), and returns the same sum.
    """
    if VECTOR_WIDTH == 0:
        sq_dist_into(out, point, points_t, start, width)
        return exp_affine_sum(out, width, scale, shift)
    # Below eight the vector loop does nothing and returns 0.0: the scalar loop
    # then adds in order, as lane_sum does.
    total = sq_dist_exp_vector(out, point, points_t, start, width, scale, shift)
    n_features = points_t.shape[0]
    for j in range(width & -8, width):
        acc = 0.0
        for k in range(n_features):
            e = point[k] - points_t[k, start + j]
            acc = fma(e, e, acc)
        value = exp_nonpositive_table(fma(acc, scale, shift))
        out[j] = value
        total += value
    return total
