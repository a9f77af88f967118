"""Log-sum-exp of an isotropic Gaussian mixture at query points (private).

Shared machinery of every SP-type estimate: picks a kernel (direct distance
loop, BLAS cross terms, or a truncated block-neighbour path), lays out group
ranges for the conditional terms, and returns, per query, the log-sum-exp over
all centres, over the query's input and over the query's class.

Exactness of the truncated ("tree") path.  A Monte Carlo query ``t = s_i + z``
keeps every centre within ``R`` of it, ``R^2 = ||z||^2 + 2 b^2 log(n / tol)``.
Each dropped term is below ``exp(-R^2 / 2b^2)``, at most ``n`` are dropped, and
the kept sum holds the own centre's term ``exp(-||z||^2 / 2b^2)``, so every
reported log-sum-exp is low by at most ``log(1 + tol) <= tol``
(``tol = 1e-12`` nats).  The own centre belongs to every group a query is
scored against, so the bound holds for the input and class sums too.

Centres are handled in contiguous blocks (an input's replicas, or runs of
centres in Morton order cut at radius 5 noise stds) with centroid ``mu`` and
radius ``rho``; block ``c`` is visited from block ``a`` when
``||mu_a - mu_c|| <= reach_a + rho_a + rho_c``, with ``reach_a =
max_q(R_q + ||z_q||)`` over the queries drawn in block ``a``, which by the
triangle inequality includes every centre within ``R_q`` of any such query.
Under ``"tree"`` (low dimension) the candidate block pairs come from a grid
of cells at least ``max_a reach_a + 2 max rho`` wide over the centroids
(adjacent cells only); under ``"pruned"`` (high dimension, where grids and
k-d trees stop helping) from BLAS centroid distances.  Either way only links
that the bound above cannot exclude are kept, so both paths keep the
``1e-12`` nats guarantee (any order of the centres is exact; a poor one is
only slower), and neither builds a graph of more than ``_TREE_MAX_LINKS``
links.  The graph is planned once per call, so all Monte Carlo draws of a
batch share it.

The dense path streams tiles of centres past blocks of queries with an online
(running-maximum) log-sum-exp, so its memory is bounded whatever the number of
centres.  For Monte Carlo queries (``query_centre`` given) it scales every
term by the query's own-centre term instead (one pass) and skips a tile whose
centroid and radius bound its whole sum below 2^-60 of that term: the sums,
each at least the own term, cannot move by more than 1/256 of an ulp.  Centres
in a spatially coherent order (inputs ordered within their class, see
:func:`skinfo._sp_core.input_order`) make far tiles common on clustered
layers.
"""

from dataclasses import dataclass

import numpy as np

from ._kernels._graph import (
    block_geometry,
    cell_grid,
    count_within,
    directed_csr,
    greedy_blocks,
    grid_links,
    grid_reached,
    links_from_cross,
    morton_keys,
    neighbour_runs,
    within_balls,
)
from ._kernels._mixture import (
    centre_tiles,
    mixture_lse_direct,
    mixture_lse_gemm,
    mixture_lse_runs,
    mixture_lse_runs_rows,
    own_sq_dist,
    tile_geometry,
)
from .utils._threads import numba_threads

__all__ = ["MIXTURE_METHODS", "TRUNCATION_TOL", "BlockPlan", "Groups", "mixture_log_sum_exp"]

MIXTURE_METHODS = ("auto", "dense", "tree", "pruned")

TRUNCATION_TOL = 1e-12
# From this dimension on the cross terms come from BLAS: with the streaming
# kernels BLAS was 1.37x faster at d = 32 and within noise (1.06-1.2x) at
# d = 8-24 (benchmarks/bench_sp.py, shared machine); below it the direct
# loop is kept because it is exact (no ||t||^2 + ||c||^2 - 2 t.c cancellation).
_GEMM_MIN_FEATURES = 32
# The truncated path pays when a query reaches far fewer centres than all.
_TREE_MIN_CENTRES = 2048
# Below this much dense work (kernel evaluations, ~5 ms on two cores) no
# truncated path repays its planning, so "auto" does not even probe (at 2^25
# it lost 4x on a clustered small-noise case of 32M evaluations).
_TRUNCATED_MIN_WORK = 1 << 23
# Share of the centres a query may reach for the run kernels to beat the
# streaming dense kernel (first probe, then the tree's block-level probe).
_TREE_MAX_FILL = 0.1
# With free centres cut into blocks before the test (their links then
# counted), the share may go this high: at d = 2, blocks of ~100 centres
# reaching 24 % of the centres still beat the dense path by 20 %.
_TREE_MAX_FILL_CUT = 0.3
# The block-level probe takes the tree while links * _TREE_LINK_COST + the
# reached evaluations stay below this share of the dense work.
_TREE_MAX_WORK_SHARE = 0.7
# The tree's planning costs about this many dense kernel evaluations per
# link its block-level probe counts (measured: 120-180 ns per link built,
# ~0.3-0.8 ns per dense evaluation, and the probe counts 2-10x the links
# built, each block at the largest reach).
_TREE_LINK_COST = 100.0
# Fixed planning cost of the tree per block (ordering, geometry, cell grid,
# link search), in dense kernel evaluations, and how far the share probe's
# estimate of the tree's cost may go before "auto" skips planning: to the
# whole dense work (it can overstate the links; the block-level probe then
# decides at _TREE_MAX_WORK_SHARE).
_TREE_BLOCK_COST = 1000.0
_TREE_PRECHECK_RATIO = 1.0
_PRUNED_MAX_FILL = 0.1
# Never build a block graph with more links than this (~40 bytes a link while
# it is built, ~2.5 GiB at the cap); above it the dense path runs in
# O(block x n) memory instead.
_TREE_MAX_LINKS = 1 << 26
_TREE_PROBE_BLOCKS = 128
# Tree planning (then with k-d trees, before the cell grid) turned slower than
# the dense path from d ~ 8 on (n = 4096-20000, benchmarks/bench_sp.py); above this
# dimension BLAS centroid bounds ("pruned") take over.  The block kernel
# scales its terms by the own-centre term, which must stay within exp's
# range (_MAX_SHIFT).
_TREE_MAX_FEATURES = 5
# With given blocks (each input's replicas) the tree indexes one centroid per
# block, and it beat the pruned path 1.0-7x up to d = 12 on replica layers of
# 4096 inputs x 20 replicas (noise 0.005 and 0.05; pruned won from d = 16).
_TREE_MAX_FEATURES_BLOCKS = 12
# Centres sampled for the Morton order's bounding box.
_PROBE_SAMPLE = 4096
# Block rows the pruned path's link search probes first under "auto" (each
# costs a row of BLAS cross terms; 64 cost 5 % of a 32 ms call).
_PRUNED_PROBE_ROWS = 32
# The share probe before the tree's planning: evenly strided centres probed
# against an evenly strided sample (each at most twice these counts; a
# quarter of the sample above d = 12): 0.1-0.4 ms, small beside the
# smallest call it decides.
_SHARE_PROBE_CENTRES = 32
_SHARE_PROBE_SAMPLE = 2048
# Cross terms per BLAS chunk of the pruned path's link search.
_LINK_CHUNK_ENTRIES = 1 << 22
# Relative widening of the pruned path's squared-distance test, far above the
# rounding of the BLAS expansion (~d * eps).
_LINK_REL_SLACK = 1e-9
_MAX_SHIFT = 700.0
# A reusable plan (return_plan=True) is drawn for this much more reach than
# its own queries need, so that other noise draws around the same blocks fit
# it: the reach is ~sqrt(||z||^2 + 2 b^2 log(n / tol)) + ||z||, and 10 %
# covers the largest of several thousand draws with room to spare.
_PLAN_REACH_MARGIN = 0.1
# The dense kernels scale each query's terms by its own-centre term (one pass,
# no running maximum) while ||z||^2 / 2b^2 stays below this, so that no sum
# of up to e^100 terms can overflow; beyond it they keep a running maximum.
_DENSE_MAX_SHIFT = 600.0
# Radius of the blocks cut from Morton-ordered centres, in noise stds: larger
# blocks shrink the graph but loosen the block bound (the truncation stays
# exact either way); 5 was fastest in benchmarks/bench_sp.py.
_BLOCK_RADIUS_STDS = 5.0
# Unordered centres (no groups) are put in Morton order for the dense
# kernel's tile bound when there are several tiles, and inputs in k-d tree
# order within their class (skinfo._sp_core.input_order), up to this
# dimension: above it neither order is cheap and the order stays as given.
_SPATIAL_ORDER_MAX_FEATURES = 32
_SPATIAL_ORDER_MIN_CENTRES = 4096
# Share of the sampled centres left outside each side of the Morton box.
_MORTON_BOX_QUANTILE = 1e-3


@dataclass(frozen=True)
class Groups:
    """Contiguous group layout of the centres and the group of every query.

    Centres are ordered so that each input's and each class's centres form a
    half-open range: ``input_bounds[k]:input_bounds[k + 1]`` for input ``k``,
    ``class_bounds[c]:class_bounds[c + 1]`` for class ``c``.
    """

    input_bounds: np.ndarray
    class_bounds: np.ndarray
    query_input: np.ndarray
    query_class: np.ndarray

    @classmethod
    def none(cls, n_queries):
        """No groups: the conditional columns come out as ``-inf``."""
        empty = np.zeros(1, dtype=np.int64)
        minus_one = np.full(n_queries, -1, dtype=np.int64)
        return cls(empty, empty, minus_one, minus_one)

    def ranges(self):
        def lookup(bounds, ids):
            lo = np.zeros(ids.shape[0], dtype=np.int64)
            hi = np.zeros(ids.shape[0], dtype=np.int64)
            has = ids >= 0
            lo[has] = bounds[ids[has]]
            hi[has] = bounds[ids[has] + 1]
            return lo, hi

        return (*lookup(self.input_bounds, self.query_input), *lookup(self.class_bounds, self.query_class))


@dataclass(frozen=True)
class _BlockGraph:
    run_indptr: np.ndarray
    run_lo: np.ndarray
    run_hi: np.ndarray
    # The graph in block units (CSR) and the block balls it was drawn for,
    # for BlockPlan.
    indptr: np.ndarray
    neighbours: np.ndarray
    centroids: np.ndarray
    radii: np.ndarray


@dataclass(frozen=True)
class BlockPlan:
    """A truncated path's block graph, reusable by later calls.

    Valid for any call whose ``blocks`` number the same blocks, each of whose
    centres lies in the ball (``centroids``, ``radii``) its block had here
    (e.g. nested subsets of every input's replicas), and whose every query
    needs a reach (truncation radius plus noise norm) of at most ``reach``:
    the links were drawn for that reach around those balls.  Calls check
    both and plan anew otherwise.
    """

    path: str
    indptr: np.ndarray
    neighbours: np.ndarray
    centroids: np.ndarray
    radii: np.ndarray
    reach: float
    noise_std: float
    n_blocks: int


def _block_geometry(centres, bounds):
    n_blocks = bounds.shape[0] - 1
    centroids = np.empty((n_blocks, centres.shape[1]))
    radii = np.empty(n_blocks)
    block_geometry(centres, bounds, centroids, radii)
    block_of_centre = np.repeat(np.arange(n_blocks, dtype=np.int64), np.diff(bounds))
    return centroids, radii, block_of_centre


def _too_many_links(method, n_links):
    raise ValueError(
        f"method={method!r} would build a block graph of about {n_links:.3g} links, above the cap of "
        f"{_TREE_MAX_LINKS} (~{_TREE_MAX_LINKS * 40 / 2**30:.1f} GiB while built); "
        "use method='auto' or method='dense', which runs in bounded memory."
    )


def _reach(noise_sq, n_centres, noise_std, method):
    """Per-query truncation radius plus noise norm, or None when the
    own-centre shift of the block kernel would leave exp's range."""
    noise_norm = np.sqrt(noise_sq)
    if np.max(noise_sq) / (2.0 * noise_std**2) > _MAX_SHIFT:
        if method in ("tree", "pruned"):
            raise ValueError(
                f"method={method!r} needs ||z||^2 / (2 noise_std^2) below {_MAX_SHIFT:g} for every draw "
                "(about d < 1300); use method='dense' for this dimension."
            )
        return None
    radius = np.sqrt(noise_sq + 2.0 * noise_std**2 * np.log(n_centres / TRUNCATION_TOL))
    return radius + noise_norm


def _reached_share(centres, reach):
    """Cheap first probe: the share of the centres that the truncated paths'
    single link radius (the largest reach) covers around a typical centre
    (distances from a few evenly spaced centres to an evenly spaced sample,
    by a serial direct loop: no BLAS call, whose spinning threads would slow
    the parallel kernel that follows)."""
    n_centres, n_features = centres.shape
    # In high dimension each distance costs d multiply-adds: a smaller sample
    # keeps the probe near 0.1 ms.
    n_sample = _SHARE_PROBE_SAMPLE if n_features <= _TREE_MAX_FEATURES_BLOCKS else _SHARE_PROBE_SAMPLE // 4
    sample = centres[:: max(1, n_centres // n_sample)]
    probe = np.ascontiguousarray(sample[:: max(1, sample.shape[0] // _SHARE_PROBE_CENTRES)])
    n_pairs = probe.shape[0] * sample.shape[0]
    return count_within(probe, np.ascontiguousarray(sample.T), float(np.max(reach))) / n_pairs


def _tree_cannot_pay(share, n_queries, n_centres, n_blocks, fill_limit=_TREE_MAX_FILL):
    """Whether the tree path loses to the dense path on the first probe's
    share alone, before any planning: its fixed cost per block, its links
    (a block reaches about ``share`` of the others) and its evaluations, all
    in dense kernel evaluations, against the dense work.  Free centres not
    yet cut into blocks count one block a centre, which overstates their
    links (close centres share a block): only a tree that costs more than
    the whole dense work is refused here, the rest go to the block-level
    probe.
    """
    dense_work = float(n_queries) * n_centres
    links = share * float(n_blocks) ** 2
    tree_work = _TREE_BLOCK_COST * n_blocks + _TREE_LINK_COST * links + share * dense_work
    return share > fill_limit or tree_work > _TREE_PRECHECK_RATIO * dense_work


def _morton_order(centres):
    """Centres in Morton order over the bulk's bounding box.

    The box spans the 0.1 and 99.9 percentiles of an evenly spaced sample of
    the centres, so a few far outliers (clamped into its boundary cells)
    cannot coarsen the cells of everything else.  Any order keeps the tree
    path exact; a coherent one keeps its blocks compact and its graph small.
    """
    n_centres = centres.shape[0]
    sample = centres[np.linspace(0, n_centres - 1, min(_PROBE_SAMPLE, n_centres)).astype(np.int64)]
    low, high = np.quantile(sample, [_MORTON_BOX_QUANTILE, 1.0 - _MORTON_BOX_QUANTILE], axis=0)
    return np.argsort(morton_keys(centres, low, high), kind="stable")


def _cut_free_blocks(centres, query_centre, noise_std):
    """Centres with no ranges to keep, visited in Morton order and cut into
    compact blocks, so neighbours are contiguous in memory and the block
    graph stays small: the order, the ordered centres, each query's centre
    in that order, and the block bounds."""
    order = _morton_order(centres)
    rank = np.empty_like(order)
    rank[order] = np.arange(centres.shape[0], dtype=np.int64)
    ordered = centres[order]
    return order, ordered, rank[query_centre], greedy_blocks(ordered, _BLOCK_RADIUS_STDS * noise_std)


def _plan_tree(centres, query_centre, bounds, method, reach, uniform_reach=None):
    """Block graph from a cell grid over block centroids (low dimension), or
    None when the dense path is better.

    Block ``a`` links block ``c`` when ``||mu_a - mu_c|| <= reach_a + rho_a +
    rho_c``, with ``reach_a`` the largest ``R_q + ||z_q||`` of the queries
    drawn in ``a`` (so the graph is directed), or ``uniform_reach`` for every
    block (a graph to reuse, see :class:`BlockPlan`).
    """
    n_centres = centres.shape[0]
    n_queries = query_centre.shape[0]
    centroids, radii, block_of_centre = _block_geometry(centres, bounds)
    n_blocks = centroids.shape[0]
    block_reach = np.full(n_blocks, -np.inf if uniform_reach is None else uniform_reach)
    if uniform_reach is None:
        np.maximum.at(block_reach, block_of_centre[query_centre], reach)
    link = float(block_reach.max()) + 2.0 * float(radii.max())
    grid = cell_grid(centroids, link)
    sizes = np.diff(bounds)
    # The graph size is estimated (from above: every block at the largest
    # reach) under every method, so a forced "tree" cannot build an O(n^2)
    # graph either.
    probe = np.linspace(0, n_blocks - 1, min(_TREE_PROBE_BLOCKS, n_blocks)).astype(np.int64)
    # Both tests below grow with the probe's total count: it stops counting
    # once the total decides the answer (a rejected plan then costs little).
    max_total = _TREE_MAX_LINKS * probe.shape[0] / n_blocks
    if method == "auto":
        # links * cost + reached evaluations > _TREE_MAX_WORK_SHARE of the dense work, with
        # links = mean(reached) * n_blocks and reached evaluations =
        # mean(reached) * mean(sizes) * n_queries.
        per_count = (_TREE_LINK_COST * n_blocks + np.mean(sizes) * n_queries) / probe.shape[0]
        max_total = min(max_total, _TREE_MAX_WORK_SHARE * float(n_queries) * n_centres / per_count)
    reached = grid_reached(centroids, probe, link, *grid, int(max_total))
    if np.sum(reached) > max_total:
        if method == "tree":
            _too_many_links(method, np.sum(reached) * n_blocks / probe.shape[0])
        return None, None
    links = grid_links(centroids, radii, block_reach, _TREE_MAX_LINKS, *grid)
    if links.shape[0] > _TREE_MAX_LINKS:
        if method == "tree":
            _too_many_links(method, links.shape[0])
        return None, None
    indptr, neighbours = directed_csr(n_blocks, links)
    run_indptr, run_lo, run_hi = neighbour_runs(indptr, neighbours, bounds.astype(np.int64))
    return _BlockGraph(run_indptr, run_lo, run_hi, indptr, neighbours, centroids, radii), block_of_centre


def _plan_pruned(centres, query_centre, bounds, method, reach, uniform_reach=None):
    """Block graph from BLAS centroid distances (any dimension), or None when
    the dense path is better.

    Each block with queries links every block within its own reach
    ``max_q(R_q + ||z_q||) + rho_a + rho_c``; rows are processed in chunks of
    bounded size, and the search stops as soon as the link count passes the
    cap (or, under "auto", the fill at which the dense path is faster).
    With ``uniform_reach`` every block links with that reach, whether or not
    it holds queries (a graph to reuse, see :class:`BlockPlan`).
    """
    n_centres = centres.shape[0]
    balls, radii, block_of_centre = _block_geometry(centres, bounds)
    # Centred, so the rounding of the BLAS expansion stays relative to the
    # spread of the data rather than its offset.
    centroids = balls - balls.mean(axis=0)
    n_blocks = centroids.shape[0]
    sizes = np.diff(bounds)
    block_reach = np.full(n_blocks, -np.inf if uniform_reach is None else uniform_reach)
    if uniform_reach is None:
        np.maximum.at(block_reach, block_of_centre[query_centre], reach)
    row_limit = block_reach + radii
    rows = np.flatnonzero(block_reach > -np.inf)
    centroid_sq = np.einsum("ij,ij->i", centroids, centroids)
    link_budget = _TREE_MAX_LINKS
    if method == "auto":
        # Beyond this many reached centres per query the runs kernel loses to
        # the streaming dense kernel.
        fill_budget = _PRUNED_MAX_FILL * n_centres * rows.shape[0]
        # A few evenly spaced rows first: when they already reach more than
        # the budgeted share, the full search would only confirm it.
        probe = rows[
            np.linspace(0, rows.shape[0] - 1, min(_PRUNED_PROBE_ROWS, rows.shape[0])).astype(np.int64)
        ]
        if probe.shape[0]:
            _, probed = links_from_cross(
                centroids[probe] @ centroids.T,
                centroid_sq[probe],
                centroid_sq,
                row_limit[probe],
                radii,
                _LINK_REL_SLACK,
            )
            if float(np.sum(sizes[probed])) > _PRUNED_MAX_FILL * n_centres * probe.shape[0]:
                return None, None
    chunk = max(1, _LINK_CHUNK_ENTRIES // n_blocks)
    indptrs, cols = [], []
    n_links = 0
    reached_centres = 0.0
    for start in range(0, rows.shape[0], chunk):
        chunk_rows = rows[start : start + chunk]
        cross = centroids[chunk_rows] @ centroids.T
        indptr, linked = links_from_cross(
            cross, centroid_sq[chunk_rows], centroid_sq, row_limit[chunk_rows], radii, _LINK_REL_SLACK
        )
        n_links += linked.shape[0]
        if n_links > link_budget:
            if method == "pruned":
                # Scale the count so far to all rows for the message.
                _too_many_links(method, n_links * rows.shape[0] / (start + chunk_rows.shape[0]))
            return None, None
        if method == "auto":
            reached_centres += float(np.sum(sizes[linked]))
            if reached_centres > fill_budget:
                return None, None
        indptrs.append(np.diff(indptr))
        cols.append(linked)
    counts = np.zeros(n_blocks, dtype=np.int64)
    if rows.shape[0]:
        counts[rows] = np.concatenate(indptrs)
    full_indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    neighbours = np.concatenate(cols) if cols else np.empty(0, dtype=np.int64)
    run_indptr, run_lo, run_hi = neighbour_runs(full_indptr, neighbours, bounds.astype(np.int64))
    return _BlockGraph(run_indptr, run_lo, run_hi, full_indptr, neighbours, balls, radii), block_of_centre


def _dense_shift(noise_sq, noise_std):
    """Own-centre exponents as fixed shifts for the dense kernels, or an empty
    array (running maximum) when some draw's exponent leaves their range."""
    if noise_sq is None or noise_sq.shape[0] == 0:
        return np.empty(0)
    if np.max(noise_sq) / (2.0 * noise_std**2) > _DENSE_MAX_SHIFT:
        return np.empty(0)
    return -noise_sq / (2.0 * noise_std**2)


def _dense(queries, centres, noise_std, groups, noise_sq=None, skip_far_tiles=False):
    inv_two_var = 0.5 / noise_std**2
    # Translation leaves distances unchanged and keeps the BLAS expansion
    # ||t||^2 + ||c||^2 - 2 t.c accurate.
    shift = centres.mean(axis=0)
    centres = centres - shift
    queries = queries - shift
    centres_t = np.ascontiguousarray(centres.T)
    out = np.empty((queries.shape[0], 3))
    ranges = groups.ranges()
    own_shift = _dense_shift(noise_sq, noise_std)
    n_features = centres.shape[1]
    tile_centroids, tile_radii = np.empty((0, n_features)), np.empty(0)
    if skip_far_tiles and own_shift.shape[0]:
        # Each query's own centre is here and in both its ranges, so every
        # sum is at least its own term: far tiles can be bounded away.
        tile_centroids, tile_radii = tile_geometry(centres)
    tiles = (own_shift, tile_centroids, tile_radii)
    if n_features >= _GEMM_MIN_FEATURES:
        centre_sq = np.einsum("ij,ij->i", centres, centres)
        mixture_lse_gemm(
            queries, centre_tiles(centres), centre_sq, centres_t, inv_two_var, *tiles, *ranges, out
        )
    else:
        mixture_lse_direct(queries, centres_t, inv_two_var, *tiles, *ranges, out)
    return out


def mixture_log_sum_exp(
    queries,
    centres,
    noise_std,
    *,
    groups=None,
    query_centre=None,
    query_noise_sq=None,
    blocks=None,
    method="auto",
    plan=None,
    return_plan=False,
    n_jobs=None,
):
    """Log-sum-exp of ``-||t - c_j||^2 / (2 noise_std^2)`` per query row.

    Parameters
    ----------
    queries : ndarray of shape (n_queries, n_features)
    centres : ndarray of shape (n_centres, n_features)
    noise_std : float
    groups : Groups or None
        Layout for the conditional columns; ``None`` leaves them ``-inf``.
    query_centre : int64 ndarray of shape (n_queries,) or None
        Index of the centre each Monte Carlo query was drawn around
        (``t = centres[i] + z``); required by the truncated paths, which are
        skipped when it is ``None``.
    query_noise_sq : float64 ndarray of shape (n_queries,) or None
        ``||z||^2`` of queries drawn around a centre that is *not* among
        ``centres`` (a mixture split into parts, the own centre in one of
        them): the dense kernels scale each query's terms by its own-centre
        term, as they do under ``query_centre``.  Ignored when
        ``query_centre`` is given.
    blocks : int64 ndarray of shape (n_blocks + 1,) or None
        Contiguous centre blocks for the truncated paths (e.g. each input's
        replicas); ``None`` makes every centre its own block (cut into
        compact runs in Morton order under ``"tree"``).
    method : {"auto", "dense", "tree", "pruned"}
        ``"tree"``: block graph from a grid over block centroids (low
        dimension);
        ``"pruned"``: block graph from BLAS centroid distances (high
        dimension); ``"auto"`` picks from the dimension and a probe of how
        many centres a query reaches.  A forced truncated method whose graph
        would exceed the link cap raises ``ValueError``.
    plan : BlockPlan or None
        A block graph from an earlier call (``return_plan=True``) over the
        same blocks, each then holding a superset of its centres here; used
        when every query's reach fits it (else the call plans anew).
    return_plan : bool, default=False
        Also return the :class:`BlockPlan` of a truncated path (``None``
        after the dense path or without ``blocks``), drawn with a reach
        ``_PLAN_REACH_MARGIN`` beyond this call's largest, so that other
        noise draws around the same blocks fit it.
    n_jobs : int or None

    Returns
    -------
    lse : ndarray of shape (n_queries, 3)
        Columns: all centres, the query's input range, its class range.
    method : str
        The path taken, ``"dense"``, ``"tree"`` or ``"pruned"``.
    plan : BlockPlan or None
        Only with ``return_plan=True``.
    """
    lse, path, new_plan = _mixture_log_sum_exp(
        queries,
        centres,
        noise_std,
        groups,
        query_centre,
        query_noise_sq,
        blocks,
        method,
        plan,
        return_plan,
        n_jobs,
    )
    return (lse, path, new_plan) if return_plan else (lse, path)


def _reuse_plan(plan, centres, noise_sq, noise_std, blocks, query_centre):
    """Runs and block of every centre from ``plan``, or None when it does not
    cover this call (other blocks, a centre outside its block's ball, or a
    query needing a longer reach)."""
    if (
        plan is None
        or blocks is None
        or query_centre is None
        or plan.noise_std != noise_std
        or plan.n_blocks != blocks.shape[0] - 1
    ):
        return None
    reach = _reach(noise_sq, centres.shape[0], noise_std, "auto")
    if reach is None or np.max(reach) > plan.reach:
        return None
    blocks = blocks.astype(np.int64)
    if not within_balls(centres, blocks, plan.centroids, plan.radii):
        return None
    run_indptr, run_lo, run_hi = neighbour_runs(plan.indptr, plan.neighbours, blocks)
    block_of_centre = np.repeat(np.arange(plan.n_blocks, dtype=np.int64), np.diff(blocks))
    graph = _BlockGraph(run_indptr, run_lo, run_hi, plan.indptr, plan.neighbours, plan.centroids, plan.radii)
    return graph, block_of_centre


def _mixture_log_sum_exp(
    queries,
    centres,
    noise_std,
    groups,
    query_centre,
    query_noise_sq,
    blocks,
    method,
    plan,
    return_plan,
    n_jobs,
):
    if method not in MIXTURE_METHODS:
        raise ValueError(f"method must be one of {MIXTURE_METHODS}, got {method!r}.")
    free_order = groups is None and blocks is None
    if groups is None:
        groups = Groups.none(queries.shape[0])
    n_centres, n_features = centres.shape
    with numba_threads(n_jobs):
        graph = None
        noise_sq = query_noise_sq
        if query_centre is not None:
            noise_sq = np.empty(queries.shape[0])
            own_sq_dist(queries, centres, query_centre, noise_sq)
        path = method
        reused = _reuse_plan(plan, centres, noise_sq, noise_std, blocks, query_centre)
        if reused is not None and method in ("auto", plan.path):
            graph, block_of_centre = reused
            path = plan.path
            tree_centres, tree_query_centre = centres, query_centre
        elif method == "auto":
            tree_limit = _TREE_MAX_FEATURES if blocks is None else _TREE_MAX_FEATURES_BLOCKS
            path = "tree" if n_features <= tree_limit else "pruned"
            n_blocks = n_centres if blocks is None else blocks.shape[0] - 1
            if (
                n_centres < _TREE_MIN_CENTRES
                or queries.shape[0] * n_centres < _TRUNCATED_MIN_WORK
                # The pruned link search costs ~n_blocks^2 cross terms.
                or (path == "pruned" and 4 * n_blocks**2 > queries.shape[0] * n_centres)
            ):
                path = "dense"
        uniform_reach = None
        morton = None
        if graph is None and path in ("tree", "pruned") and query_centre is not None:
            reach = _reach(noise_sq, n_centres, noise_std, method)
            if reach is not None and return_plan and not free_order:
                uniform_reach = float(np.max(reach)) * (1.0 + _PLAN_REACH_MARGIN)
                reach = np.full_like(reach, uniform_reach)
            # The pruned link search stops by itself once the reached share
            # passes _PRUNED_MAX_FILL; the tree's planning costs at least its
            # fixed share per block, so a cheap probe guards it.
            cut = None
            if reach is not None and method == "auto" and path == "tree":
                share = _reached_share(centres, reach)
                fill_limit = _TREE_MAX_FILL
                if free_order and n_centres > _SPATIAL_ORDER_MIN_CENTRES and share <= _TREE_MAX_FILL_CUT:
                    # The dense fallback orders these centres anyway: cut the
                    # blocks now, so the test counts their links, not one
                    # block a centre (close centres share a block).
                    cut = morton, tree_centres, tree_query_centre, bounds = _cut_free_blocks(
                        centres, query_centre, noise_std
                    )
                    n_blocks = bounds.shape[0] - 1
                    fill_limit = _TREE_MAX_FILL_CUT
                if _tree_cannot_pay(share, queries.shape[0], n_centres, n_blocks, fill_limit):
                    reach = None
            if reach is not None and method == "auto" and path == "pruned":
                # Centres within reach of a centre: the block test (reach plus
                # both radii) reaches at least as many, so a share above the
                # limit here refuses the search before any BLAS block row.
                if _reached_share(centres, reach) > _PRUNED_MAX_FILL:
                    reach = None
            if reach is not None and path == "pruned":
                bounds = np.arange(n_centres + 1, dtype=np.int64) if blocks is None else blocks
                tree_centres, tree_query_centre = centres, query_centre
                graph, block_of_centre = _plan_pruned(
                    centres, query_centre, bounds, method, reach, uniform_reach
                )
            elif reach is not None:
                if cut is None:
                    tree_centres, tree_query_centre, bounds = centres, query_centre, blocks
                    if free_order:
                        morton, tree_centres, tree_query_centre, bounds = _cut_free_blocks(
                            centres, query_centre, noise_std
                        )
                    elif bounds is None:
                        bounds = np.arange(n_centres + 1, dtype=np.int64)
                graph, block_of_centre = _plan_tree(
                    tree_centres, tree_query_centre, bounds, method, reach, uniform_reach
                )
        if graph is None:
            skip_far_tiles = query_centre is not None
            if (
                skip_far_tiles
                and free_order
                and n_features <= _SPATIAL_ORDER_MAX_FEATURES
                and n_centres > _SPATIAL_ORDER_MIN_CENTRES
            ):
                # No ranges to keep: centres in Morton order make the tiles
                # compact, so far ones can be bounded away (the order of a
                # refused tree plan serves).
                centres = centres[_morton_order(centres) if morton is None else morton]
            return _dense(queries, centres, noise_std, groups, noise_sq, skip_far_tiles), "dense", None
        new_plan = None
        if uniform_reach is not None:
            new_plan = BlockPlan(
                path,
                graph.indptr,
                graph.neighbours,
                graph.centroids,
                graph.radii,
                uniform_reach,
                noise_std,
                len(bounds) - 1,
            )
        elif reused is not None:
            new_plan = plan
        out = np.empty((queries.shape[0], 3))
        inv_two_var = 0.5 / noise_std**2
        own_term = -noise_sq * inv_two_var
        query_block = block_of_centre[tree_query_centre]
        if path == "pruned":
            mixture_lse_runs_rows(
                queries,
                query_block,
                own_term,
                tree_centres,
                graph.run_indptr,
                graph.run_lo,
                graph.run_hi,
                inv_two_var,
                *groups.ranges(),
                out,
            )
        else:
            mixture_lse_runs(
                queries,
                query_block,
                own_term,
                np.ascontiguousarray(tree_centres.T),
                graph.run_indptr,
                graph.run_lo,
                graph.run_hi,
                inv_two_var,
                *groups.ranges(),
                out,
            )
        return out, path, new_plan
