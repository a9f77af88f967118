"""Log-sum-exp of an isotropic Gaussian mixture at query points (private).

Shared machinery of every SP-type estimate: picks a kernel (direct distance
loop, BLAS cross terms, or a truncated neighbour-list path), lays out group
ranges for the conditional terms, and returns, per query, the log-sum-exp over
all centres, over the query's input and over the query's class.

Exactness of the neighbour-list ("tree") path: a query ``t`` whose nearest
relevant centre lies at squared distance ``rho2`` keeps every centre within
``R2 = rho2 + 2 b^2 log(n / tol)``.  Each dropped term is below
``exp(-R2 / 2b^2)``, at most ``n`` are dropped and the kept sum is at least
``exp(-rho2 / 2b^2)``, so every reported log-sum-exp is low by at most
``log(1 + tol) <= tol`` (``tol = 1e-12`` nats).  For Monte Carlo queries
``t = s_i + z`` the own centre ``s_i`` (``rho2 = ||z||^2``) belongs to every
group the query is scored against, so the bound holds for the conditional
sums too.
"""

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from ._kernels._mixture import mixture_lse_direct, mixture_lse_gemm, mixture_lse_sparse
from .utils._threads import numba_threads

__all__ = ["TRUNCATION_TOL", "Groups", "mixture_log_sum_exp"]

TRUNCATION_TOL = 1e-12
# Above this dimension the cross terms come from BLAS (measured crossover
# in benchmarks/bench_sp.py); below it the direct loop is faster and exact.
_GEMM_MIN_FEATURES = 48
# The tree path pays only when a query has far fewer neighbours than centres.
_TREE_MIN_CENTRES = 2048
_TREE_MAX_FILL = 0.1
_TREE_PROBE_QUERIES = 256
_TREE_CHUNK_PAIRS = 1 << 24


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

    def centre_ids(self, n_centres):
        def expand(bounds):
            if bounds.shape[0] < 2:
                return np.full(n_centres, -2, dtype=np.int64)
            return np.repeat(np.arange(bounds.shape[0] - 1, dtype=np.int64), np.diff(bounds))

        return expand(self.input_bounds), expand(self.class_bounds)


def _tree_radius_sq(tree, queries, own_sq_dist, noise_std, n_centres):
    if own_sq_dist is None:
        nearest, _ = tree.query(queries, k=1)
        own_sq_dist = nearest**2
    return own_sq_dist + 2.0 * noise_std**2 * np.log(n_centres / TRUNCATION_TOL)


def _choose_method(method, queries, centres, noise_std, own_sq_dist):
    if method != "auto":
        return method, None
    n_centres = centres.shape[0]
    if n_centres < _TREE_MIN_CENTRES:
        return "dense", None
    tree = cKDTree(centres)
    probe = np.linspace(0, queries.shape[0] - 1, min(_TREE_PROBE_QUERIES, queries.shape[0])).astype(np.int64)
    probe_sq = None if own_sq_dist is None else own_sq_dist[probe]
    radius = np.sqrt(_tree_radius_sq(tree, queries[probe], probe_sq, noise_std, n_centres))
    counts = tree.query_ball_point(queries[probe], r=radius, return_length=True)
    if np.mean(counts) < _TREE_MAX_FILL * n_centres:
        return "tree", tree
    return "dense", None


def _dense(queries, centres, noise_std, groups):
    inv_two_var = 0.5 / noise_std**2
    # Translation leaves distances unchanged and keeps the BLAS expansion
    # ||t||^2 + ||c||^2 - 2 t.c accurate.
    shift = centres.mean(axis=0)
    centres = centres - shift
    queries = queries - shift
    centres_t = np.ascontiguousarray(centres.T)
    out = np.empty((queries.shape[0], 3))
    ranges = groups.ranges()
    if centres.shape[1] >= _GEMM_MIN_FEATURES:
        mixture_lse_gemm(queries, centres, centres_t, inv_two_var, *ranges, out)
    else:
        mixture_lse_direct(queries, centres_t, inv_two_var, *ranges, out)
    return out


def _tree(queries, centres, noise_std, groups, own_sq_dist, tree):
    n_centres = centres.shape[0]
    if tree is None:
        tree = cKDTree(centres)
    inv_two_var = 0.5 / noise_std**2
    radius_sq = _tree_radius_sq(tree, queries, own_sq_dist, noise_std, n_centres)
    centre_input, centre_class = groups.centre_ids(n_centres)
    out = np.empty((queries.shape[0], 3))
    start = 0
    chunk = max(1, min(queries.shape[0], _TREE_CHUNK_PAIRS // max(1, n_centres) * 64))
    while start < queries.shape[0]:
        stop = min(queries.shape[0], start + chunk)
        block = queries[start:stop]
        pairs = cKDTree(block).sparse_distance_matrix(
            tree, float(np.sqrt(radius_sq[start:stop].max())), output_type="ndarray"
        )
        order = np.argsort(pairs["i"], kind="stable")
        rows = pairs["i"][order]
        indptr = np.searchsorted(rows, np.arange(stop - start + 1)).astype(np.int64)
        mixture_lse_sparse(
            indptr,
            pairs["v"][order] ** 2,
            pairs["j"][order].astype(np.int64),
            inv_two_var,
            centre_input,
            centre_class,
            groups.query_input[start:stop],
            groups.query_class[start:stop],
            out[start:stop],
        )
        start = stop
    return out


def mixture_log_sum_exp(queries, centres, noise_std, *, groups=None, own_sq_dist=None,
                        method="auto", n_jobs=None):
    """Log-sum-exp of ``-||t - c_j||^2 / (2 noise_std^2)`` per query row.

    Parameters
    ----------
    queries : ndarray of shape (n_queries, n_features)
    centres : ndarray of shape (n_centres, n_features)
    noise_std : float
    groups : Groups or None
        Layout for the conditional columns; ``None`` leaves them ``-inf``.
    own_sq_dist : ndarray of shape (n_queries,) or None
        Squared distance from each query to a centre of its own input (its
        noise draw, ``||z||^2``); sets the tree path's radius.  ``None`` uses
        the nearest centre.
    method : {"auto", "dense", "tree"}
    n_jobs : int or None

    Returns
    -------
    ndarray of shape (n_queries, 3)
        Columns: all centres, the query's input range, its class range.
    """
    if groups is None:
        groups = Groups.none(queries.shape[0])
    with numba_threads(n_jobs):
        chosen, tree = _choose_method(method, queries, centres, noise_std, own_sq_dist)
        if chosen == "tree":
            return _tree(queries, centres, noise_std, groups, own_sq_dist, tree), chosen
        return _dense(queries, centres, noise_std, groups), chosen
