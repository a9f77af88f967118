"""Numba kernels for the binning estimator: bin indices -> exact joint codes -> cells.

The pipeline is

1. ``equal_width_bin_indices`` / ``fixed_width_bin_indices``: each value's bin
   along its own axis (an ``(n, d)`` int64 array);
2. ``mixed_radix_codes`` (when the product of the per-column bin counts fits in
   int64, the code *is* the row) or ``hash_rows`` (a 64-bit hash otherwise);
3. ``assign_cells``: an open-addressing hash table that gives every distinct
   row a dense cell id in order of first appearance, in O(n) expected time.
   With hashed keys it compares the full rows before merging two of them, so
   a 64-bit collision can cost a probe but never changes a count.

Everything is O(n d); no sort.  The kernels are serial: one pass over the
rows is memory-bound and takes about a millisecond for 60000 x 12, less than
starting and joining a thread team costs on a busy machine.
"""

import math

import numpy as np

from ._jit import jit

__all__ = [
    "assign_cells",
    "equal_width_bin_indices",
    "fixed_width_bin_indices",
    "hash_rows",
    "mixed_radix_codes",
]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


@jit(inline="always")
def _splitmix(x):
    """splitmix64 finaliser: spreads consecutive codes over the whole table."""
    x = (x ^ (x >> np.uint64(30))) * _MIX1
    x = (x ^ (x >> np.uint64(27))) * _MIX2
    return x ^ (x >> np.uint64(31))


@jit
def equal_width_bin_indices(values, edges, out):
    """Equal-width bin of every value, consistent with ``edges`` like ``numpy.histogram``.

    Bin ``k`` is ``[edges[k], edges[k + 1])``, the last bin also holds its top
    edge; every index is in ``0 .. n_bins - 1``, also when the range is too
    narrow for the edges to be distinct floats. Values below ``edges[0]`` go
    to bin 0 and values above ``edges[-1]`` to the last bin (the caller
    warns or raises); their number is returned.

    Parameters
    ----------
    values : float64 ndarray of shape (n, d)
    edges : float64 ndarray of shape (n_bins + 1,)
        ``numpy.linspace(low, high, n_bins + 1)``.
    out : int64 ndarray of shape (n, d)
        Receives the bin indices ``0 .. n_bins - 1``.

    Returns
    -------
    int
        Number of values outside ``[edges[0], edges[-1]]``.
    """
    n, d = values.shape
    n_bins = edges.shape[0] - 1
    low = edges[0]
    high = edges[n_bins]
    width = high - low
    # On a range narrower than n_bins floats (subnormal spans), the stored
    # edges repeat and cannot be compared against; the bins are then the
    # exact fractions floor(n_bins (t - low) / (high - low)) of the range.
    edges_resolved = True
    for b in range(n_bins):
        if not edges[b] < edges[b + 1]:
            edges_resolved = False
            break
    n_outside = 0
    for i in range(n):
        for k in range(d):
            t = values[i, k]
            if t < low:
                out[i, k] = 0
                n_outside += 1
                continue
            if t > high:
                out[i, k] = n_bins - 1
                n_outside += 1
                continue
            # Dividing before multiplying keeps the fraction in [0, 1] even
            # when n_bins / (high - low) would overflow.
            b = int(((t - low) / width) * n_bins)
            if b >= n_bins:
                b = n_bins - 1
            elif b < 0:
                b = 0
            if edges_resolved:
                # The guess can be off by one next to an edge; these two
                # comparisons make the bin agree with the stored edges.
                if t < edges[b] and b > 0:
                    b -= 1
                elif b < n_bins - 1 and t >= edges[b + 1]:
                    b += 1
            out[i, k] = b
    return n_outside


@jit
def fixed_width_bin_indices(values, bin_width, out):
    """``floor(t / bin_width)`` for every value (Saxe et al.'s scheme).

    The caller guarantees ``|t| / bin_width < 2**62`` so the cast is exact.
    """
    n, d = values.shape
    for i in range(n):
        for k in range(d):
            out[i, k] = int(math.floor(values[i, k] / bin_width))


@jit
def mixed_radix_codes(indices, radices, out):
    """Exact code of each row: ``sum_k indices[i, k] * prod_{l > k} radices[l]``.

    Only valid when ``prod(radices)`` fits in int64 (checked by the caller) and
    ``0 <= indices[:, k] < radices[k]``.
    """
    n, d = indices.shape
    for i in range(n):
        code = 0
        for k in range(d):
            code = code * radices[k] + indices[i, k]
        out[i] = code


@jit
def hash_rows(indices, out):
    """64-bit hash of each row (stored as int64); collisions are resolved by
    :func:`assign_cells` with ``verify_rows=True``."""
    n, d = indices.shape
    for i in range(n):
        h = _GOLDEN
        for k in range(d):
            h = (h ^ np.uint64(indices[i, k])) * _MIX1
            h = h ^ (h >> np.uint64(29))
        out[i] = np.int64(_splitmix(h ^ np.uint64(d)))


@jit(inline="always")
def _rows_equal(indices, a, b):
    for k in range(indices.shape[1]):
        if indices[a, k] != indices[b, k]:
            return False
    return True


@jit
def assign_cells(keys, indices, verify_rows, cells):
    """Dense cell id of every row, in order of first appearance.

    Parameters
    ----------
    keys : int64 ndarray of shape (n,)
        Exact codes (``verify_rows=False``) or hashes of the rows
        (``verify_rows=True``).
    indices : int64 ndarray of shape (n, d)
        The rows themselves; read only when ``verify_rows``.
    verify_rows : bool
        Compare full rows before treating equal keys as one cell.
    cells : int64 ndarray of shape (n,)
        Receives the cell id of every row.

    Returns
    -------
    int
        Number of distinct cells.
    """
    n = keys.shape[0]
    size = 1
    while size < 2 * n:
        size *= 2
    mask = np.uint64(size - 1)
    # Each slot holds the first row of its cell (-1: empty).
    table = np.full(size, -1, dtype=np.int64)
    n_cells = 0
    for i in range(n):
        key = keys[i]
        slot = _splitmix(np.uint64(key)) & mask
        while True:
            first = table[slot]
            if first < 0:
                table[slot] = i
                cells[i] = n_cells
                n_cells += 1
                break
            if keys[first] == key and (not verify_rows or _rows_equal(indices, first, i)):
                cells[i] = cells[first]
                break
            slot = (slot + np.uint64(1)) & mask
    return n_cells
