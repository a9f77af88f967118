"""Silhouette coefficient of labelled representations, in O(n) memory."""

import numpy as np

from .._kernels._silhouette import (
    silhouette_from_sums,
    silhouette_rowwise,
    silhouette_sums_symmetric,
)
from ..utils._sklearn_shim import Integral, StrOptions, validate_params
from ..utils._threads import numba_threads
from ..utils.validation import check_activations, check_labels, power_of_two_scale

__all__ = ["silhouette_samples", "silhouette_score"]

_SILHOUETTE_CONSTRAINTS = {
    "T": ["array-like"],
    "labels": ["array-like"],
    "metric": [StrOptions({"euclidean", "cosine"})],
    "n_jobs": [Integral, None],
}

# Rows per block: a block's distance row (2 KiB) and column sums stay in L1.
_BLOCK = 256
# Independent accumulators of the symmetric kernel: caps its parallelism, and
# fixed so that results do not depend on the thread count.
_N_STRIPES = 8
# Above this many (stripe, sample, label) sums (64 MiB) the row-wise kernel is used.
_MAX_SYMMETRIC_SUMS = 1 << 23


def _stripes(n_blocks, n_stripes):
    """Deal row blocks to stripes in snake order (0..S-1, S-1..0, ...).

    Block ``a`` has ``n_blocks - a`` tiles, so the snake order balances the
    stripes' work.

    Returns
    -------
    starts : int64 ndarray of shape (n_stripes + 1,)
    blocks : int64 ndarray of shape (n_blocks,)
        Stripe ``s`` owns ``blocks[starts[s]:starts[s + 1]]``.
    """
    owner = np.empty(n_blocks, dtype=np.int64)
    for a in range(n_blocks):
        cycle, position = divmod(a, n_stripes)
        owner[a] = position if cycle % 2 == 0 else n_stripes - 1 - position
    blocks = np.argsort(owner, kind="stable").astype(np.int64)
    starts = np.searchsorted(owner[blocks], np.arange(n_stripes + 1)).astype(np.int64)
    return starts, blocks


def _check_silhouette_input(T, labels):
    """Validate ``T`` (n, d) and ``labels`` (n,); return ``(T, codes)``."""
    T = check_activations(T, "T", ndims=(2,))
    codes, classes = check_labels(labels, T.shape[0], "labels")
    n_samples, n_labels = T.shape[0], classes.shape[0]
    if not 1 < n_labels < n_samples:
        raise ValueError(
            f"Number of labels is {n_labels} (n_samples = {n_samples}). Valid values are 2 to "
            f"n_samples - 1 (inclusive): the silhouette needs at least 2 classes and one class with "
            f"2 or more samples."
        )
    return T, codes


def _unit_rows(T):
    """Rows scaled to unit length, as ``sklearn.preprocessing.normalize`` does.

    Rows shorter than 10 machine epsilons are left unscaled, as scikit-learn
    does, so they act as zero vectors: cosine similarity ~0 (distance ~1) to
    every other row.
    """
    # Scaling each row by its largest entry first keeps the squares from
    # overflowing (rows ~1e155 and above) or underflowing to zero.
    largest = np.max(np.abs(T), axis=1) if T.shape[1] else np.zeros(T.shape[0])
    positive = largest > 0
    scale = np.where(positive, largest, 1.0)
    scaled = T / scale[:, None]
    scaled_norms = np.sqrt(np.einsum("ij,ij->i", scaled, scaled))
    with np.errstate(over="ignore"):
        norms = largest * scaled_norms
    short = norms < 10 * np.finfo(np.float64).eps
    scaled_norms[~positive] = 1.0
    units = scaled / scaled_norms[:, None]
    units[short] = T[short]
    return units


def _estimate_silhouette_samples(T, codes, metric, n_jobs, method="auto"):
    """Silhouette of every sample (original order).

    Parameters
    ----------
    T : float64 ndarray of shape (n, d)
    codes : int64 ndarray of shape (n,)
        Label codes ``0 .. n_labels - 1``, every code used.
    metric : {"euclidean", "cosine"}
    n_jobs : int or None
    method : {"auto", "symmetric", "rowwise"}
        ``"auto"`` takes the symmetric schedule unless its
        ``(stripes, n, n_labels)`` sums would exceed 64 MiB.

    Returns
    -------
    float64 ndarray of shape (n,)
    """
    cosine = metric == "cosine"
    # Silhouettes are scale invariant; an exact power-of-two rescale keeps squared
    # distances of data ~1e155 and above (or ~1e-155 and below) finite and nonzero.
    points = _unit_rows(T) if cosine else T / power_of_two_scale(T)
    order = np.argsort(codes, kind="stable")
    points = np.ascontiguousarray(points[order])
    labels = np.ascontiguousarray(codes[order])
    class_sizes = np.bincount(labels)
    bounds = np.concatenate([[0], np.cumsum(class_sizes)]).astype(np.int64)
    n_samples, n_labels = points.shape[0], class_sizes.shape[0]
    n_blocks = -(-n_samples // _BLOCK)
    if method == "auto":
        fits = n_samples * n_labels * min(_N_STRIPES, n_blocks) <= _MAX_SYMMETRIC_SUMS
        method = "symmetric" if fits else "rowwise"
    transposed = np.ascontiguousarray(points.T)
    sorted_values = np.empty(n_samples)
    with numba_threads(n_jobs):
        if method == "symmetric":
            n_stripes = min(_N_STRIPES, n_blocks)
            starts, blocks = _stripes(n_blocks, n_stripes)
            stripe_sums = np.zeros((n_stripes, n_samples, n_labels))
            silhouette_sums_symmetric(
                points, transposed, labels, bounds, cosine, _BLOCK, starts, blocks, stripe_sums
            )
            sums = stripe_sums[0]
            for stripe in range(1, n_stripes):
                sums += stripe_sums[stripe]
            silhouette_from_sums(sums, labels, bounds, sorted_values)
        else:
            silhouette_rowwise(points, transposed, labels, bounds, cosine, _BLOCK, sorted_values)
    values = np.empty(n_samples)
    values[order] = sorted_values
    return values


@validate_params(_SILHOUETTE_CONSTRAINTS, prefer_skip_nested_validation=True)
def silhouette_samples(T, labels, *, metric="euclidean", n_jobs=None):
    """Silhouette coefficient of every sample, as ``sklearn.metrics.silhouette_samples``.

    ``s_i = (b_i - a_i) / max(a_i, b_i)``, with ``a_i`` the mean distance of
    sample ``i`` to the other members of its class and ``b_i`` the smallest
    mean distance to the members of another class. Computed by a Numba kernel
    that never holds an n x n matrix.

    Parameters
    ----------
    T : array-like of shape (n_samples, n_features)
        Representations (e.g. a layer's activations).
    labels : array-like of shape (n_samples,)
        Class of every sample; 2 to ``n_samples - 1`` distinct values.
    metric : {"euclidean", "cosine"}, default="euclidean"
        ``"cosine"`` is ``1 - cos(t_i, t_j)`` clipped to [0, 2]; an all-zero
        row (or one shorter than 10 machine epsilons) has cosine distance 1
        to every other row (scikit-learn's convention) and 0 to itself.
    n_jobs : int, default=None
        Numba threads; ``None`` uses all. Results do not depend on it.

    Returns
    -------
    ndarray of shape (n_samples,)
        Silhouettes in [-1, 1]; 0 for members of singleton classes (and when
        ``a_i = b_i = 0``), as in scikit-learn.

    Notes
    -----
    Every distance is computed once and added to the per-class sums of both
    of its samples; 8 independent stripes of ``(n_samples, n_labels)`` sums
    (12.8 MB at n = 20000 with 10 labels) keep the result independent of the
    thread count. When those would exceed 64 MiB (many labels), rows are
    processed one at a time instead (O(n_samples) memory per thread, twice
    the distance evaluations). Distances are computed directly, not as
    ``|x|^2 + |y|^2 - 2 x.y``: identical rows are exactly 0 apart, where
    scikit-learn's euclidean distances can leave them ~1e-7 apart.

    Examples
    --------
    >>> from skinfo import silhouette_samples
    >>> T = [[0.0], [1.0], [10.0], [11.0]]  # a = 1, b = 10.5 or 9.5
    >>> silhouette_samples(T, [0, 0, 1, 1]).round(4)
    array([0.9048, 0.8947, 0.8947, 0.9048])
    """
    T, codes = _check_silhouette_input(T, labels)
    return _estimate_silhouette_samples(T, codes, metric, n_jobs)


@validate_params(_SILHOUETTE_CONSTRAINTS, prefer_skip_nested_validation=True)
def silhouette_score(T, labels, *, metric="euclidean", n_jobs=None):
    """Mean silhouette coefficient, as ``sklearn.metrics.silhouette_score``.

    Parameters
    ----------
    T : array-like of shape (n_samples, n_features)
        Representations (e.g. a layer's activations).
    labels : array-like of shape (n_samples,)
        Class of every sample; 2 to ``n_samples - 1`` distinct values.
    metric : {"euclidean", "cosine"}, default="euclidean"
        As in :func:`silhouette_samples`.
    n_jobs : int, default=None
        Numba threads; ``None`` uses all. Results do not depend on it.

    Returns
    -------
    float
        Mean of :func:`silhouette_samples` over all samples, in [-1, 1]
        (dimensionless).

    Examples
    --------
    >>> from skinfo import silhouette_score
    >>> round(silhouette_score([[0.0], [1.0], [10.0], [11.0]], [0, 0, 1, 1]), 6)
    0.899749
    """
    T, codes = _check_silhouette_input(T, labels)
    return float(np.mean(_estimate_silhouette_samples(T, codes, metric, n_jobs)))
