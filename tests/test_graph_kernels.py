"""Planning kernels of the truncated mixture paths against plain Python references.

Each kernel is compared with a slow reference written here (brute-force
distances, bit-by-bit interleaving, list sorting); hypothesis draws sizes,
dimensions, scales, duplicate points, lattice points at exactly the link
radius (the cell-boundary case) and blocks without queries.  Also run
uncompiled (``tox -e nojit``), so sizes stay small.
"""

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from skinfo._kernels._graph import (
    block_geometry,
    cell_grid,
    count_within,
    directed_csr,
    greedy_blocks,
    grid_links,
    grid_reached,
    morton_keys,
    neighbour_runs,
)


def _points(seed, n_points, n_features, scale, lattice):
    """Gaussian points, or integer lattice points (many pairs at exactly the
    link radius 1, i.e. on cell boundaries, and exact duplicates)."""
    rng = np.random.default_rng(seed)
    if lattice:
        return rng.integers(-2, 3, size=(n_points, n_features)).astype(float)
    return scale * rng.normal(size=(n_points, n_features))


def _morton_reference(points, low, high):
    n_features = points.shape[1]
    bits = min(20, 63 // n_features)
    span = float(np.max(high - low))
    keys = []
    for point in points:
        key = 0
        if bits and span > 0:
            top = (1 << bits) - 1
            for k in range(n_features):
                position = (point[k] - low[k]) * (top / span)
                cell = int(min(float(top), max(0.0, position)))
                for b in range(bits):
                    key |= ((cell >> b) & 1) << (b * n_features + k)
        keys.append(key)
    return np.array(keys, dtype=np.int64)


@given(
    seed=st.integers(0, 2**31),
    n_points=st.integers(1, 40),
    n_features=st.sampled_from([1, 2, 3, 5, 8, 13, 63, 64]),
    lattice=st.booleans(),
    box=st.sampled_from(["span", "inner", "outlier"]),
)
def test_morton_keys_interleave_the_cell_bits(seed, n_points, n_features, lattice, box):
    """Key bit ``b * d + k`` is bit ``b`` of the cell index along coordinate
    ``k``, points outside the box clamped to its boundary cells (also a far
    outlier, whose position overflows int64); a point-sized box and
    ``d > 63`` give all-zero keys."""
    points = _points(seed, n_points, n_features, 1.0, lattice)
    low, high = points.min(axis=0), points.max(axis=0)
    if box == "inner":
        low, high = 0.7 * low, 0.7 * high
    elif box == "outlier":
        points[0, 0] = 1e300
    keys = morton_keys(points, low, high)
    np.testing.assert_array_equal(keys, _morton_reference(points, low, high))
    assert np.all(keys >= 0)


def test_morton_order_visits_quadrants_in_z_order():
    """In 2-D the Z curve visits the four quadrants lower-left, lower-right,
    upper-left, upper-right (x is the lower bit)."""
    points = np.array([[1.0, 1.0], [0.0, 1.0], [1.0, 0.0], [0.0, 0.0]])
    keys = morton_keys(points, np.zeros(2), np.ones(2))
    np.testing.assert_array_equal(np.argsort(keys), [3, 2, 1, 0])


@given(seed=st.integers(0, 2**31), n_points=st.integers(1, 60), radius=st.floats(0.0, 2.0))
def test_greedy_blocks_cover_points_within_radius(seed, n_points, radius):
    """Blocks are contiguous, cover every point once, and every member lies
    within ``radius`` of its block's first point (the block bound relies on it)."""
    points = np.random.default_rng(seed).normal(size=(n_points, 3))
    bounds = greedy_blocks(points, radius)
    assert bounds[0] == 0 and bounds[-1] == n_points
    assert np.all(np.diff(bounds) >= 1)
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        assert np.all(np.sum((points[lo:hi] - points[lo]) ** 2, axis=1) <= radius**2)
        if hi < n_points:  # a block ends only where the next point is too far
            assert np.sum((points[hi] - points[lo]) ** 2) > radius**2


@given(seed=st.integers(0, 2**31), n_blocks=st.integers(1, 10), n_features=st.integers(1, 6))
def test_block_geometry_is_mean_and_largest_member_distance(seed, n_blocks, n_features):
    rng = np.random.default_rng(seed)
    bounds = np.concatenate([[0], np.cumsum(rng.integers(1, 5, n_blocks))]).astype(np.int64)
    centres = rng.normal(size=(bounds[-1], n_features))
    centroids = np.empty((n_blocks, n_features))
    radii = np.empty(n_blocks)
    block_geometry(centres, bounds, centroids, radii)
    for b in range(n_blocks):
        members = centres[bounds[b] : bounds[b + 1]]
        np.testing.assert_allclose(centroids[b], members.mean(axis=0), rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(radii[b], max(np.linalg.norm(members - centroids[b], axis=1)), rtol=1e-13)


@given(
    seed=st.integers(0, 2**31),
    n_points=st.integers(1, 20),
    n_others=st.integers(1, 30),
    n_features=st.integers(1, 6),
    radius=st.floats(0.0, 3.0),
)
def test_count_within_counts_close_pairs(seed, n_points, n_others, n_features, radius):
    rng = np.random.default_rng(seed)
    points = rng.normal(size=(n_points, n_features))
    others = rng.normal(size=(n_others, n_features))
    sq = np.sum((points[:, None, :] - others[None, :, :]) ** 2, axis=2)
    assert count_within(points, np.ascontiguousarray(others.T), radius) == np.sum(sq <= radius**2)


@given(
    seed=st.integers(0, 2**31),
    n_points=st.integers(1, 50),
    n_features=st.integers(1, 8),
    scale=st.sampled_from([0.01, 1.0, 100.0]),
    lattice=st.booleans(),
    radius=st.sampled_from([0.3, 1.0, 2.5]),
)
@example(seed=0, n_points=30, n_features=2, scale=1.0, lattice=True, radius=1.0)
def test_cell_grid_partitions_points_and_covers_the_radius(
    seed, n_points, n_features, scale, lattice, radius
):
    """Every point sits in exactly one occupied cell, keys ascend, there is a
    window per neighbour offset, and every point within ``radius`` of a point
    is found in its windows (counted by :func:`grid_reached`)."""
    points = _points(seed, n_points, n_features, scale, lattice)
    order, cell_key, cell_start, offsets = cell_grid(points, radius)
    np.testing.assert_array_equal(np.sort(order), np.arange(n_points))
    assert cell_start[0] == 0 and cell_start[-1] == n_points
    assert np.all(np.diff(cell_start) >= 1) and np.all(np.diff(cell_key) > 0)
    assert offsets.shape == (3 ** (min(n_features, 5) - 1),)  # no outliers: every coordinate
    counts = grid_reached(points, np.arange(n_points), radius, order, cell_key, cell_start, offsets, -1)
    dist = np.sqrt(np.sum((points[:, None, :] - points[None, :, :]) ** 2, axis=2))
    expected = np.sum(dist <= radius, axis=1)
    np.testing.assert_array_equal(counts, expected)
    # With a budget, counting stops at the first row whose running total
    # passes it; the rows before it are exact.
    budget = int(expected.sum()) // 2
    capped = grid_reached(points, np.arange(n_points), radius, order, cell_key, cell_start, offsets, budget)
    stop = int(np.searchsorted(np.cumsum(expected), budget, side="right"))
    np.testing.assert_array_equal(capped[: stop + 1], expected[: stop + 1])
    assert np.all(capped[stop + 1 :] == 0)


@pytest.mark.parametrize("n_features", [2, 5])
def test_cell_grid_keeps_fine_cells_despite_a_far_outlier(rng, n_features):
    """One point 1e7 radii away from a bulk spread over ~100 radii: the grid
    drops coordinates instead of widening its cells, so the bulk still spreads
    over many cells (a quadratic link search otherwise), and the links stay
    exactly those within the bound."""
    points = rng.uniform(0.0, 1.0, size=(300, n_features))
    points[0] = 1e5
    radius = 0.01
    order, cell_key, cell_start, offsets = cell_grid(points, radius)
    assert np.max(np.diff(cell_start)) < 30
    reach = np.full(300, radius)
    links = grid_links(points, np.zeros(300), reach, 10**9, order, cell_key, cell_start, offsets)
    sq = np.sum((points[:, None, :] - points[None, :, :]) ** 2, axis=2)
    assert sorted(map(tuple, links)) == sorted(map(tuple, np.argwhere(sq <= radius**2)))


@pytest.mark.parametrize("n_features", [1, 2, 5])
def test_grid_links_pairs_at_the_radius_across_a_cell_boundary(n_features):
    """Two blocks exactly ``radius`` apart along the first coordinate, the
    first a hair below a multiple of the cell width: were the cells narrower
    than ``radius`` by a relative ``s``, some ``below`` in ``(k s, (k + 1) s)``
    would put the second block two cells further along and the link would be
    missed (the sweep covers ``s`` from 1e-12 to 1e-7)."""
    radius = 1.0
    for below in np.concatenate([[0.0], np.geomspace(1e-12, 1e-6, 130)]):
        for multiple in (1, 2, 7):
            centroids = np.zeros((3, n_features))
            centroids[1, 0] = multiple * radius - below
            centroids[2, 0] = centroids[1, 0] + radius
            # The link radius is the rounded distance itself, so the pair is exactly at it.
            gap = centroids[2, 0] - centroids[1, 0]
            reach = np.full(3, gap)
            radii = np.zeros(3)
            links = grid_links(centroids, radii, reach, 10**9, *cell_grid(centroids, gap))
            assert {(1, 2), (2, 1)} <= set(map(tuple, links)), (below, multiple)


@given(
    seed=st.integers(0, 2**31),
    n_blocks=st.integers(1, 50),
    n_features=st.integers(1, 8),
    scale=st.sampled_from([0.01, 1.0, 100.0]),
    lattice=st.booleans(),
    no_radii=st.booleans(),
    share_without_queries=st.sampled_from([0.0, 0.3]),
)
@example(seed=1, n_blocks=40, n_features=3, scale=1.0, lattice=True, no_radii=True, share_without_queries=0.0)
def test_grid_links_keep_exactly_the_pairs_within_the_block_bound(
    seed, n_blocks, n_features, scale, lattice, no_radii, share_without_queries
):
    """``a -> c`` is listed once iff ``||mu_a - mu_c|| <= reach_a + rho_a +
    rho_c`` (squared test); a block without queries (reach ``-inf``) links
    nothing, not even itself.  On the lattice many pairs sit at exactly the
    link radius, on the cell boundaries."""
    rng = np.random.default_rng(seed + 1)
    centroids = _points(seed, n_blocks, n_features, scale, lattice)
    radii = np.zeros(n_blocks) if no_radii else rng.uniform(0.0, 0.3, n_blocks) * (1.0 if lattice else scale)
    reach = rng.choice([0.5, 1.0, 1.5], n_blocks) * (1.0 if lattice else scale)
    reach[rng.random(n_blocks) < share_without_queries] = -np.inf
    if np.all(reach == -np.inf):
        reach[0] = 1.0
    grid = cell_grid(centroids, float(np.max(reach) + 2.0 * np.max(radii)))
    links = grid_links(centroids, radii, reach, 10**9, *grid)
    sq = np.sum((centroids[:, None, :] - centroids[None, :, :]) ** 2, axis=2)
    bound = reach[:, None] + radii[:, None] + radii[None, :]
    expected = np.argwhere((bound >= 0) & (sq <= bound**2))
    assert links.shape[0] == len({tuple(link) for link in links})  # each link once
    assert sorted(map(tuple, links)) == sorted(map(tuple, expected))


@given(
    seed=st.integers(0, 2**31),
    n_nodes=st.integers(1, 12),
    n_links=st.integers(0, 60),
)
def test_directed_csr_lists_each_nodes_targets_ascending(seed, n_nodes, n_links):
    """Against sorting each node's targets in Python (repeated links kept)."""
    rng = np.random.default_rng(seed)
    links = rng.integers(0, n_nodes, size=(n_links, 2)).astype(np.int64)
    indptr, targets = directed_csr(n_nodes, links)
    assert indptr[0] == 0 and indptr[-1] == n_links
    for a in range(n_nodes):
        assert list(targets[indptr[a] : indptr[a + 1]]) == sorted(c for s, c in links.tolist() if s == a)


def test_neighbour_runs_merge_adjacent_blocks():
    """Blocks 0, 1, 3 of sizes 2, 1, 2, 4 give runs [0, 3) and [5, 9)."""
    bounds = np.array([0, 2, 3, 5, 9], dtype=np.int64)
    indptr = np.array([0, 3, 3, 3, 3], dtype=np.int64)
    neighbours = np.array([0, 1, 3], dtype=np.int64)
    run_indptr, run_lo, run_hi = neighbour_runs(indptr, neighbours, bounds)
    assert list(run_indptr) == [0, 2, 2, 2, 2]
    assert list(zip(run_lo, run_hi, strict=True)) == [(0, 3), (5, 9)]


@given(seed=st.integers(0, 2**31), n_blocks=st.integers(1, 12), n_links=st.integers(0, 50))
def test_neighbour_runs_cover_exactly_the_linked_centres(seed, n_blocks, n_links):
    """The runs of a block are disjoint, ascending, separated by gaps (else
    they would have merged), and cover exactly its neighbours' centres."""
    rng = np.random.default_rng(seed)
    bounds = np.concatenate([[0], np.cumsum(rng.integers(1, 4, n_blocks))]).astype(np.int64)
    links = np.unique(rng.integers(0, n_blocks, size=(n_links, 2)), axis=0).astype(np.int64).reshape(-1, 2)
    indptr, neighbours = directed_csr(n_blocks, links)
    run_indptr, run_lo, run_hi = neighbour_runs(indptr, neighbours, bounds)
    for a in range(n_blocks):
        lo = run_lo[run_indptr[a] : run_indptr[a + 1]]
        hi = run_hi[run_indptr[a] : run_indptr[a + 1]]
        assert np.all(lo < hi) and np.all(hi[:-1] < lo[1:])
        covered = set().union(*(range(x, y) for x, y in zip(lo, hi, strict=True)))
        wanted = set().union(
            *(range(bounds[c], bounds[c + 1]) for c in neighbours[indptr[a] : indptr[a + 1]])
        )
        assert covered == wanted


def test_grid_links_stop_past_max_links():
    """Forty blocks one link radius apart on a line (118 links, one cell
    each): asked to stop past 10 links, the search returns a few more than
    10, all of them true links, each once."""
    centroids = np.arange(40.0)[:, None]
    reach = np.ones(40)
    grid = cell_grid(centroids, 1.0)
    full = grid_links(centroids, np.zeros(40), reach, 10**9, *grid)
    assert full.shape[0] == 40 + 2 * 39
    links = grid_links(centroids, np.zeros(40), reach, 10, *grid)
    assert 10 < links.shape[0] < 20
    assert len({tuple(link) for link in links}) == links.shape[0]
    assert {tuple(link) for link in links} <= {tuple(link) for link in full}
