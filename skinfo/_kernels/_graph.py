"""Numba kernels that plan the truncated mixture paths.

A truncated path visits, from each block of centres, only the blocks whose
centroid bound cannot exclude them (see :mod:`skinfo._mixture`).  These
kernels build that plan: a spatially coherent order of the centres (Morton
keys), compact blocks cut from it, each block's centroid and radius, the
block links kept by the bound, and the links as sorted, merged centre runs
for the run kernels.

Every kernel is deterministic and independent of the thread count: parallel
loops write disjoint entries, and every order-dependent step is serial.
"""

import math

import numpy as np
from numba import prange

from ._jit import jit, parallel_jit, parallel_ranges

__all__ = [
    "block_geometry",
    "cell_grid",
    "count_within",
    "directed_csr",
    "greedy_blocks",
    "grid_links",
    "grid_reached",
    "links_from_cross",
    "morton_keys",
    "neighbour_runs",
    "within_balls",
]

# Bits per coordinate of a Morton key (at most 63 // n_features so the key
# fits an int64): 2^20 cells across the span is far finer than any block.
_MORTON_MAX_BITS = 20


@jit
def morton_keys(points, low, high):
    """Morton (Z-order) key of each point on a cubic grid over a box.

    Sorting by the key visits the grid cells along a Z-shaped space-filling
    curve, so points close in the order are close in space (the converse
    fails only at the curve's jumps); consecutive points can then be cut into
    compact blocks.  Cells are cubes (one scale for every coordinate) because
    the blocks are balls.  Points outside the box are clamped into its
    boundary cells, so far outliers cannot coarsen the cells of the bulk.

    Parameters
    ----------
    points : float64 array of shape (n_points, n_features)
        Finite coordinates.
    low, high : float64 arrays of shape (n_features,)
        Corners of the box.

    Returns
    -------
    keys : int64 array of shape (n_points,)
        Non-negative; bit ``b * n_features + k`` holds bit ``b`` of the
        point's cell index ``floor((x_k - low_k) * (2^bits - 1) / span)``
        (clamped to ``[0, 2^bits - 1]``) along coordinate ``k``, with
        ``bits = min(20, 63 // n_features)`` and ``span`` the largest side
        of the box.  All zero when the box is a point or ``n_features > 63``
        (no bit per coordinate).
    """
    n_points, n_features = points.shape
    keys = np.zeros(n_points, dtype=np.int64)
    bits = min(_MORTON_MAX_BITS, 63 // max(n_features, 1))
    span = 0.0
    for k in range(n_features):
        span = max(span, high[k] - low[k])
    if n_points == 0 or bits == 0 or not span > 0.0:
        return keys
    # spread[v]: the bits of the byte v moved to positions 0, d, 2d, ...
    spread = np.zeros(256, dtype=np.int64)
    for v in range(256):
        for b in range(min(8, bits)):
            spread[v] |= ((v >> b) & 1) << (b * n_features)
    top = (1 << bits) - 1
    scale = top / span
    for i in range(n_points):
        key = 0
        for k in range(n_features):
            # Clamped as a float: a far outlier's position would overflow int64.
            cell = np.int64(min(float(top), max(0.0, (points[i, k] - low[k]) * scale)))
            for byte in range((bits + 7) // 8):
                key |= spread[(cell >> (8 * byte)) & 255] << (8 * byte * n_features + k)
        keys[i] = key
    return keys


@jit
def count_within(points, others_t, radius):
    """Number of pairs ``(i, j)`` with ``||points[i] - others_t[:, j]|| <= radius``.

    A direct loop over the features-major ``others_t`` (vectorised across
    ``j``): in low dimension it beats the BLAS expansion, which needs an
    ``(n_points, n_others)`` temporary.

    Parameters
    ----------
    points : float64 array of shape (n_points, n_features)
    others_t : float64 array of shape (n_features, n_others)
        C-contiguous.
    radius : float

    Returns
    -------
    count : int
    """
    n_features, n_others = others_t.shape
    limit = radius * radius
    sq = np.empty(n_others)
    count = 0
    for i in range(points.shape[0]):
        sq[:] = 0.0
        for k in range(n_features):
            coordinate = points[i, k]
            row = others_t[k]
            for j in range(n_others):
                diff = coordinate - row[j]
                sq[j] += diff * diff
        for j in range(n_others):
            count += sq[j] <= limit
    return count


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


def block_geometry(centres, bounds, centroids, radii):
    """Centroid and radius (largest distance of a member to the centroid) of
    each contiguous block ``bounds[b]:bounds[b + 1]`` of ``centres``.

    Parameters
    ----------
    centres : float64 array of shape (n_centres, n_features)
    bounds : int64 array of shape (n_blocks + 1,)
    centroids : float64 array of shape (n_blocks, n_features)
        Receives the centroids.
    radii : float64 array of shape (n_blocks,)
        Receives the radii.
    """
    parallel_ranges(_block_geometry_range, bounds.shape[0] - 1, centres, bounds, centroids, radii)


@jit
def _block_geometry_range(centres, bounds, centroids, radii, b_lo, b_hi):
    """Blocks ``b_lo:b_hi`` of :func:`block_geometry` (serial)."""
    n_features = centres.shape[1]
    for b in range(b_lo, b_hi):
        lo = bounds[b]
        hi = bounds[b + 1]
        for k in range(n_features):
            centroids[b, k] = 0.0
        for i in range(lo, hi):
            for k in range(n_features):
                centroids[b, k] += centres[i, k]
        for k in range(n_features):
            centroids[b, k] /= hi - lo
        rho = 0.0
        for i in range(lo, hi):
            sq = 0.0
            for k in range(n_features):
                diff = centres[i, k] - centroids[b, k]
                sq += diff * diff
            rho = max(rho, math.sqrt(sq))
        radii[b] = rho


# A cell grid over at most this many coordinates (3^(k - 1) neighbour windows
# per cell): the extra coordinates of higher-dimensional points only filter.
_GRID_MAX_DIMS = 5
# Cells wider than the link radius by this relative margin, far above the
# rounding of ``(x - low) / side``, so two points within the radius are never
# two cells apart along a coordinate.
_GRID_SLACK = 1e-9


def cell_grid(points, radius):
    """Bucket points into cubic cells at least ``radius`` wide, so every pair
    within ``radius`` lies in the same or adjacent cells.

    Cells are indexed over the first ``k`` coordinates with a linear key
    ``sum_j x_j m^(k - 1 - j)``, ``1 <= x_j <= m - 2``, ``m = 2^min(31, 62 //
    k)``: moving to a neighbouring cell adds a fixed offset to the key (no
    carries), and the three cells adjacent along the last coordinate have
    consecutive keys.  ``k`` is the largest count up to ``min(n_features, 5)``
    whose span fits ``m - 4`` cells of width ``radius``: far outliers cost
    coordinates rather than widen every cell (which would lump the bulk of
    the points into a few cells and make the link search quadratic).

    Parameters
    ----------
    points : float64 array of shape (n_points, n_features)
    radius : float
        Positive link radius.

    Returns
    -------
    order : int64 array of shape (n_points,)
        Points sorted by cell key (stable).
    cell_key : int64 array of shape (n_cells,)
        Ascending keys of the occupied cells.
    cell_start : int64 array of shape (n_cells + 1,)
        Cell ``i`` holds ``order[cell_start[i]:cell_start[i + 1]]``.
    offsets : int64 array of shape (3 ** (k - 1),)
        Ascending key offsets to the neighbouring cells' windows: the cells
        adjacent to a cell of key ``key`` have keys in
        ``[key + offset - 1, key + offset + 1]`` for some offset.
    """
    # The stable sort runs in NumPy: Numba's compiled sorts cost over a second
    # of a fresh install's compile time.
    keys, k, m = _cell_keys(points, radius)
    order = np.argsort(keys, kind="stable")
    cell_key, cell_start, offsets = _cell_runs(keys, order, k, m)
    return order, cell_key, cell_start, np.sort(offsets)


@jit
def _cell_keys(points, radius):
    """Cell key of every point, the number of gridded coordinates and the
    keys' radix (see :func:`cell_grid`)."""
    n_points, n_features = points.shape
    k = min(n_features, _GRID_MAX_DIMS)
    low = np.empty(k)
    spans = np.empty(k)
    for j in range(k):
        lo = np.inf
        hi = -np.inf
        for i in range(n_points):
            lo = min(lo, points[i, j])
            hi = max(hi, points[i, j])
        low[j] = lo
        spans[j] = max(0.0, hi - lo)
    side = radius * (1.0 + _GRID_SLACK)
    m = 1 << min(31, 62 // k)
    while k > 1 and spans[:k].max() > (m - 4) * side:
        k -= 1
        m = 1 << min(31, 62 // k)
    side = max(side, spans[:k].max() / (m - 4))
    keys = np.empty(n_points, dtype=np.int64)
    for i in range(n_points):
        key = 0
        for j in range(k):
            x = min(m - 2, np.int64((points[i, j] - low[j]) / side) + 1)
            key = key * m + x
        keys[i] = key
    return keys, k, m


@jit
def _cell_runs(keys, order, k, m):
    """Occupied cells of the sorted keys, and the unsorted window offsets
    (see :func:`cell_grid`)."""
    n_points = keys.shape[0]
    n_cells = 0
    cell_key = np.empty(n_points, dtype=np.int64)
    cell_start = np.empty(n_points + 1, dtype=np.int64)
    for p in range(n_points):
        key = keys[order[p]]
        if n_cells == 0 or cell_key[n_cells - 1] != key:
            cell_key[n_cells] = key
            cell_start[n_cells] = p
            n_cells += 1
    cell_start[n_cells] = n_points
    n_offsets = 3 ** (k - 1)
    offsets = np.empty(n_offsets, dtype=np.int64)
    for o in range(n_offsets):
        rest = o
        offset = 0
        for _ in range(k - 1):
            offset = offset * m + (rest % 3 - 1)
            rest //= 3
        offsets[o] = offset * m
    return cell_key[:n_cells].copy(), cell_start[: n_cells + 1].copy(), offsets


@jit(inline="always")
def _first_at_least(keys, target, lo):
    """Smallest ``i >= lo`` with ``keys[i] >= target`` (``keys`` ascending)."""
    hi = keys.shape[0]
    while lo < hi:
        mid = (lo + hi) >> 1
        if keys[mid] < target:
            lo = mid + 1
        else:
            hi = mid
    return lo


@jit(inline="always")
def _sq_dist(points, a, c):
    sq = 0.0
    for j in range(points.shape[1]):
        diff = points[a, j] - points[c, j]
        sq += diff * diff
    return sq


@jit
def grid_reached(points, rows, radius, order, cell_key, cell_start, offsets, max_total):
    """Number of points within ``radius`` of each of ``points[rows]`` (itself
    included), from the cells of :func:`cell_grid` (built with at least this
    radius).

    Counting stops after the first row that takes the total above
    ``max_total`` (a probe that already knows its answer; negative: no
    limit), leaving the later rows' counts zero.

    Returns
    -------
    counts : int64 array of shape (n_rows,)
    """
    n_points = points.shape[0]
    rank = np.empty(n_points, dtype=np.int64)
    for p in range(n_points):
        rank[order[p]] = p
    counts = np.zeros(rows.shape[0], dtype=np.int64)
    total = 0
    for r in range(rows.shape[0]):
        a = rows[r]
        cell = _first_at_least(cell_start, rank[a] + 1, 0) - 1
        key = cell_key[cell]
        for o in range(offsets.shape[0]):
            first = _first_at_least(cell_key, key + offsets[o] - 1, 0)
            last = _first_at_least(cell_key, key + offsets[o] + 2, first)
            for p in range(cell_start[first], cell_start[last]):
                if math.sqrt(_sq_dist(points, a, order[p])) <= radius:
                    counts[r] += 1
        total += counts[r]
        if max_total >= 0 and total > max_total:
            break
    return counts


@jit
def grid_links(centroids, radii, reach, max_links, order, cell_key, cell_start, offsets):
    """Directed block links ``a -> c`` with
    ``||mu_a - mu_c|| <= reach_a + rho_a + rho_c``.

    ``reach_a`` bounds ``R_q + ||z_q||`` over the queries drawn in block
    ``a``, so the link keeps every centre of ``c`` within ``R_q`` of such a
    query (triangle inequality).  Every link lies in the same or adjacent
    cells of :func:`cell_grid` built with radius ``max(reach) + 2 max(rho)``.
    Each pair of cells is visited once, from the cell with the smaller key
    (the non-negative offsets), and both directions are tested; the windows
    of one offset move forward with the cell key, so one forward-moving
    pointer per offset finds them without a search.

    Parameters
    ----------
    centroids : float64 array of shape (n_blocks, n_features)
    radii : float64 array of shape (n_blocks,)
    reach : float64 array of shape (n_blocks,)
        Each block's ``max_q(R_q + ||z_q||)``; ``-inf`` for a block without
        queries (it links nothing, not even itself).
    max_links : int
        Stop (and return the links found so far) once there are more than
        this many, which bounds the memory of a graph the caller will refuse.
    order, cell_key, cell_start, offsets : int64 arrays
        From :func:`cell_grid`.

    Returns
    -------
    links : int64 array of shape (n_links, 2)
        Rows ``(a, c)``, each link once, self links included, in an order
        that depends on the input only; more than ``max_links`` rows only
        when the search stopped early.
    """
    n_cells = cell_key.shape[0]
    n_blocks, n_features = centroids.shape
    # Block data in cell order, so the candidate loops stream memory.
    points = np.empty((n_blocks, n_features))
    rho = np.empty(n_blocks)
    limit = np.empty(n_blocks)
    # Element loops rather than array assignments: those compile a shape check
    # with its error formatting (~2 s of a fresh install's compile time).
    for p in range(n_blocks):
        for j in range(n_features):
            points[p, j] = centroids[order[p], j]
        rho[p] = radii[order[p]]
        limit[p] = reach[order[p]] + rho[p]
    forward = offsets[offsets >= 0]
    pointer = np.zeros(forward.shape[0], dtype=np.int64)
    links = np.empty((max(16, 8 * n_blocks), 2), dtype=np.int64)
    n_links = 0
    for i in range(n_cells):
        key = cell_key[i]
        lo = cell_start[i]
        hi = cell_start[i + 1]
        for o in range(forward.shape[0]):
            # Offset 0: only the next cell along the last coordinate (the
            # previous cell visits this one); links inside the cell follow.
            low_key = key + forward[o] - 1 if forward[o] > 0 else key + 1
            first = pointer[o]
            while first < n_cells and cell_key[first] < low_key:
                first += 1
            pointer[o] = first
            last = first
            while last < n_cells and cell_key[last] <= key + forward[o] + 1:
                last += 1
            if last > first:
                links, n_links = _link_ranges(
                    points,
                    rho,
                    limit,
                    order,
                    lo,
                    hi,
                    cell_start[first],
                    cell_start[last],
                    links,
                    n_links,
                    False,
                )
        links, n_links = _link_ranges(points, rho, limit, order, lo, hi, lo, hi, links, n_links, True)
        if n_links > max_links:
            break
    return links[:n_links].copy()


@jit(inline="always")
def _link_ranges(points, rho, limit, order, a_lo, a_hi, c_lo, c_hi, links, n_links, same_cell):
    """Test blocks ``a_lo:a_hi`` against blocks ``c_lo:c_hi`` (cell order) in
    both directions and append the links kept; within one cell
    (``same_cell``) each pair is tested once and the self links of blocks
    with queries are added.  ``links`` grows first, so the loops never check
    for room."""
    room = (a_hi - a_lo) * (2 * (c_hi - c_lo) + 1)
    if n_links + room > links.shape[0]:
        grown = np.empty((2 * links.shape[0] + room, 2), dtype=np.int64)
        for i in range(n_links):
            grown[i, 0] = links[i, 0]
            grown[i, 1] = links[i, 1]
        links = grown
    n_features = points.shape[1]
    for pa in range(a_lo, a_hi):
        a = order[pa]
        first = c_lo
        if same_cell:
            first = pa + 1
            if limit[pa] >= 0.0:
                links[n_links, 0] = a
                links[n_links, 1] = a
                n_links += 1
        for pc in range(first, c_hi):
            sq = 0.0
            for j in range(n_features):
                diff = points[pa, j] - points[pc, j]
                sq += diff * diff
            forward = limit[pa] + rho[pc]
            if forward >= 0.0 and sq <= forward * forward:
                links[n_links, 0] = a
                links[n_links, 1] = order[pc]
                n_links += 1
            backward = limit[pc] + rho[pa]
            if backward >= 0.0 and sq <= backward * backward:
                links[n_links, 0] = order[pc]
                links[n_links, 1] = a
                n_links += 1
    return links, n_links


@jit
def directed_csr(n_nodes, links):
    """CSR adjacency of a directed graph, each node's targets ascending.

    Two stable counting passes instead of a sort per node: the links are
    first bucketed by target, then the buckets are visited in ascending
    target order and each link appended to its source's list, which
    therefore comes out ascending.

    Parameters
    ----------
    n_nodes : int
    links : int64 array of shape (n_links, 2)
        Rows ``(a, c)``: a link from ``a`` to ``c``.

    Returns
    -------
    indptr : int64 array of shape (n_nodes + 1,)
    targets : int64 array of shape (n_links,)
        Targets of node ``a`` in ``targets[indptr[a]:indptr[a + 1]]``,
        ascending (repeated links stay repeated).
    """
    n_links = links.shape[0]
    by_target = np.zeros(n_nodes + 1, dtype=np.int64)
    indptr = np.zeros(n_nodes + 1, dtype=np.int64)
    for e in range(n_links):
        by_target[links[e, 1] + 1] += 1
        indptr[links[e, 0] + 1] += 1
    for a in range(n_nodes):
        by_target[a + 1] += by_target[a]
        indptr[a + 1] += indptr[a]
    sources = np.empty(n_links, dtype=np.int64)
    fill = by_target[:-1].copy()
    for e in range(n_links):
        c = links[e, 1]
        sources[fill[c]] = links[e, 0]
        fill[c] += 1
    fill = indptr[:-1].copy()
    targets = np.empty(n_links, dtype=np.int64)
    for c in range(n_nodes):
        for e in range(by_target[c], by_target[c + 1]):
            a = sources[e]
            targets[fill[a]] = c
            fill[a] += 1
    return indptr, targets


@jit
def neighbour_runs(block_indptr, block_neighbours, block_bounds):
    """Turn each block's ascending neighbour list into merged centre ranges.

    Neighbouring blocks that are adjacent in memory (consecutive replicas, or
    consecutive blocks in Morton order) become one run, so the kernel streams
    long contiguous ranges instead of hopping between small blocks.

    Parameters
    ----------
    block_indptr : int64 array of shape (n_blocks + 1,)
    block_neighbours : int64 array of shape (n_links,)
        Each block's neighbours in ascending order (as from
        :func:`directed_csr` or :func:`links_from_cross`).
    block_bounds : int64 array of shape (n_blocks + 1,)
        Half-open centre range of each block.

    Returns
    -------
    run_indptr : int64 array of shape (n_blocks + 1,)
    run_lo, run_hi : int64 arrays of shape (n_runs,)
        Half-open centre range of each run, ascending within a block.
    """
    n_blocks = block_indptr.shape[0] - 1
    n_links = block_neighbours.shape[0]
    run_lo = np.empty(n_links, dtype=np.int64)
    run_hi = np.empty(n_links, dtype=np.int64)
    run_indptr = np.zeros(n_blocks + 1, dtype=np.int64)
    n_runs = 0
    for a in range(n_blocks):
        for e in range(block_indptr[a], block_indptr[a + 1]):
            c = block_neighbours[e]
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


@parallel_jit
def links_from_cross(cross, row_sq, col_sq, row_limit, col_radius, rel_slack):
    """Column blocks within reach of each row block, from BLAS cross terms.

    Row ``a`` links column ``c`` when ``||mu_a - mu_c|| <= row_limit[a] +
    col_radius[c]``, with squared distances from ``||mu_a||^2 + ||mu_c||^2 -
    2 mu_a.mu_c``; the limit is widened by ``rel_slack * (||mu_a||^2 +
    ||mu_c||^2)`` so the rounding of that expansion can only add links (a
    spare link costs time, never accuracy).

    Parameters
    ----------
    cross : float64 array of shape (n_rows, n_cols)
        ``mu_a . mu_c``.
    row_sq, col_sq : float64 arrays of shape (n_rows,), (n_cols,)
    row_limit : float64 array of shape (n_rows,)
        Reach plus radius of each row block (``-inf``: no links).
    col_radius : float64 array of shape (n_cols,)
    rel_slack : float

    Returns
    -------
    indptr : int64 array of shape (n_rows + 1,)
    cols : int64 array of shape (indptr[-1],)
        Linked columns of each row, ascending.
    """
    n_rows, n_cols = cross.shape
    counts = np.zeros(n_rows, dtype=np.int64)
    for a in prange(n_rows):
        counts[a] = _row_links(
            cross[a], row_sq[a], col_sq, row_limit[a], col_radius, rel_slack, np.empty(0, dtype=np.int64)
        )
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    for a in range(n_rows):
        indptr[a + 1] = indptr[a] + counts[a]
    cols = np.empty(indptr[n_rows], dtype=np.int64)
    for a in prange(n_rows):
        _row_links(
            cross[a], row_sq[a], col_sq, row_limit[a], col_radius, rel_slack, cols[indptr[a] : indptr[a + 1]]
        )
    return indptr, cols


@jit
def _row_links(cross_row, row_sq, col_sq, limit, col_radius, rel_slack, out):
    """Count the links of one row; also write them when ``out`` has room."""
    if limit == -np.inf:
        return 0
    write = out.shape[0] > 0
    n = 0
    for c in range(col_sq.shape[0]):
        sq = row_sq + col_sq[c] - 2.0 * cross_row[c]
        bound = limit + col_radius[c]
        if sq <= bound * bound + rel_slack * (row_sq + col_sq[c]):
            if write:
                out[n] = c
            n += 1
    return n


@jit
def within_balls(centres, bounds, centroids, radii):
    """Whether every centre of block ``b`` (``bounds[b]:bounds[b + 1]``) lies
    within ``radii[b]`` of ``centroids[b]`` (the same arithmetic as
    :func:`block_geometry`, so a block's own members always pass)."""
    n_features = centres.shape[1]
    for b in range(bounds.shape[0] - 1):
        limit = radii[b]
        for i in range(bounds[b], bounds[b + 1]):
            sq = 0.0
            for k in range(n_features):
                diff = centres[i, k] - centroids[b, k]
                sq += diff * diff
            if math.sqrt(sq) > limit:
                return False
    return True
