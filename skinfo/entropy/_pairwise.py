"""Kolchinsky-Tracey pairwise-distance bounds on Gaussian-mixture entropy.

For the equal-weight mixture ``g = (1/n) sum_j N(s_j, b^2 I)`` every
pairwise divergence ``D`` gives the estimate

    H_D = h(Z) - (1/n) sum_i log((1/n) sum_j exp(-D(p_i || p_j)))

(Kolchinsky & Tracey, Entropy 2017).  The KL divergence,
``||s_i - s_j||^2 / (2 b^2)`` for equal isotropic Gaussians, gives an upper
bound on h(g); the Bhattacharyya distance, a quarter of it, a lower bound.
Saxe et al. (ICLR 2018) used the KL bound minus h(Z) as their "KDE" estimate
of I(X;T) for a deterministic layer T = S + Z.
"""

import math
from dataclasses import dataclass

import numpy as np

from .._kernels._pairwise import pairwise_bound_sums, round_robin_tiles
from .._sp_core import centre_activations, gaussian_noise_entropy
from ..base import InformationEstimator, InformationResult
from ..utils._sklearn_shim import Integral, Interval, Real, validate_params
from ..utils._threads import numba_threads
from ..utils.validation import check_activations, check_noise_std

__all__ = [
    "BOUNDS_CONSTRAINTS",
    "PairwiseBoundsResult",
    "PairwiseEntropyBounds",
    "PairwiseEntropyBoundsResult",
    "estimate_pairwise_bounds",
    "pairwise_entropy_bounds",
]

# Rows per tile side: two 256 x 256 float64 tiles (1 MiB) per thread stay in
# cache, and n = 4096 already gives eight independent tiles per round.
_TILE_ROWS = 256
# From this dimension on, a tile's cross terms come from one small GEMM
# (3 flops per pair afterwards instead of 3 d): 2x faster at d = 12 here.
_TILE_GEMM_MIN_FEATURES = 8

BOUNDS_CONSTRAINTS = {
    "noise_std": [Interval(Real, 0, None, closed="neither")],
    "base": [None, Interval(Real, 1, None, closed="neither")],
    "n_jobs": [Integral, None],
}


@dataclass(frozen=True)
class PairwiseBoundsResult(InformationResult):
    """Result of :func:`pairwise_mutual_information_bounds`; fitted values of the bounds estimators.

    Unpacks like the tuple it replaces: ``lower, upper`` bounds on I(X;T),
    then, with labels, the bounds on I(Y;T).

    Parameters
    ----------
    entropy_lower : float
        Bhattacharyya lower bound on h(S + Z) (nats unless a ``base`` was given).
    entropy_upper : float
        KL upper bound on h(S + Z).
    mutual_information_lower : float
        The implied lower bound on I(X;T) for a deterministic layer.
    mutual_information_upper : float
        The implied upper bound on I(X;T).
    label_information_lower : float or None
        Lower bound on I(Y;T); ``None`` without labels.
    label_information_upper : float or None
        Upper bound on I(Y;T); ``None`` without labels.
    label_information_kl : float or None
        Saxe et al.'s I(Y;T) estimate (not a bound); ``None`` without labels.

    Examples
    --------
    >>> from skinfo import pairwise_mutual_information_bounds
    >>> lower, upper = pairwise_mutual_information_bounds([[0.0], [50.0]], noise_std=1.0)
    >>> round(lower, 6), round(upper, 6)  # separated: both are log 2
    (0.693147, 0.693147)
    """

    entropy_lower: float
    entropy_upper: float
    mutual_information_lower: float
    mutual_information_upper: float
    label_information_lower: float | None
    label_information_upper: float | None
    label_information_kl: float | None

    _nats = (
        "entropy_lower",
        "entropy_upper",
        "mutual_information_lower",
        "mutual_information_upper",
        "label_information_lower",
        "label_information_upper",
        "label_information_kl",
    )
    _label_fields = ("label_information_lower", "label_information_upper", "label_information_kl")
    _legacy = (
        "mutual_information_lower",
        "mutual_information_upper",
        "label_information_lower",
        "label_information_upper",
    )


@dataclass(frozen=True)
class PairwiseEntropyBoundsResult(PairwiseBoundsResult):
    """Result of :func:`pairwise_entropy_bounds`, unpacking as its ``lower, upper`` entropy bounds.

    Parameters
    ----------
    entropy_lower : float
        Bhattacharyya lower bound on h(S + Z) (nats unless a ``base`` was given).
    entropy_upper : float
        KL upper bound on h(S + Z).
    mutual_information_lower : float
        The implied lower bound on I(X;T) for a deterministic layer.
    mutual_information_upper : float
        The implied upper bound on I(X;T).
    label_information_lower : float or None
        Always ``None`` here (no labels).
    label_information_upper : float or None
        Always ``None`` here.
    label_information_kl : float or None
        Always ``None`` here.

    Examples
    --------
    >>> from skinfo import pairwise_entropy_bounds
    >>> lower, upper = pairwise_entropy_bounds([[0.0], [50.0]], noise_std=1.0)
    >>> bool(lower <= upper)
    True
    """

    _legacy = ("entropy_lower", "entropy_upper")


def _pairwise_log_sums(S, codes, noise_std, n_jobs):
    """Per-sample log-sums of exp(-KL) and exp(-Bhattacharyya) (see the kernel).

    Returns
    -------
    sums : ndarray of shape (n, 4)
        Columns: KL over all samples, Bhattacharyya over all, KL over the
        sample's class, Bhattacharyya over its class (rows in class order).
    class_size : int64 ndarray of shape (n,)
        Size of each row's class.
    """
    n_samples, n_features = S.shape
    order = np.argsort(codes, kind="stable")
    codes = np.ascontiguousarray(codes[order], dtype=np.int64)
    # Distances are translation invariant; centring keeps the BLAS expansion accurate,
    # and data whose float resolution is coarser than the noise is refused (as for SP).
    S = centre_activations(S[order], noise_std)
    sizes = np.bincount(codes)
    bounds = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    cls_lo = np.ascontiguousarray(bounds[codes])
    cls_hi = np.ascontiguousarray(bounds[codes + 1])
    samples = np.ascontiguousarray(S)
    samples_t = np.ascontiguousarray(S.T)
    out = np.empty((n_samples, 4))
    n_blocks = -(-n_samples // _TILE_ROWS)
    tiles = round_robin_tiles(n_blocks)
    with numba_threads(n_jobs):
        pairwise_bound_sums(
            samples,
            samples_t,
            0.5 / noise_std**2,
            codes,
            cls_lo,
            cls_hi,
            bool(sizes.shape[0] > 1),
            _TILE_ROWS,
            n_features >= _TILE_GEMM_MIN_FEATURES,
            *tiles,
            out,
        )
    return out, sizes[codes]


def estimate_pairwise_bounds(S, codes, noise_std, n_jobs):
    """Pairwise-distance bounds on h(S + Z) and the implied I(X;T), I(Y;T).

    With ``L_i = log sum_j exp(-D_ij)``, ``H_D = h(Z) + log n - mean_i L_i``
    and, X uniform over the n samples of a deterministic layer,
    ``I(X;T) = H_D - h(Z) = log n - mean_i L_i``.  Per class c (``n_c``
    samples), ``h(T | Y=c)`` is bounded the same way over the class's samples;
    I(Y;T) = h(T) - sum_c p_c h(T | Y=c) is then bracketed by pairing a lower
    bound on one term with an upper bound on the other.

    Parameters
    ----------
    S : float64 ndarray of shape (n, d)
    codes : int64 ndarray of shape (n,) or None
        Class codes; ``None`` skips I(Y;T).
    noise_std : float
    n_jobs : int or None

    Returns
    -------
    PairwiseBoundsResult
        In nats.
    """
    n_samples, n_features = S.shape
    has_labels = codes is not None
    if codes is None:
        codes = np.zeros(n_samples, dtype=np.int64)
    sums, class_size = _pairwise_log_sums(S, codes, noise_std, n_jobs)
    mean_kl, mean_bh, mean_kl_cls, mean_bh_cls = (float(v) for v in sums.mean(axis=0))
    log_n = math.log(n_samples)
    # L_i is in [0, log n] exactly; clipping only removes rounding.
    mi_upper = min(max(log_n - mean_kl, 0.0), log_n)
    mi_lower = min(max(log_n - mean_bh, 0.0), mi_upper)
    noise_entropy = gaussian_noise_entropy(n_features, noise_std)
    label_lower = label_upper = label_kl = None
    if has_labels:
        # sum_c p_c h_D(T | Y=c) - h(Z) = mean_i (log n_c(i) - L_i^class).
        mean_log_size = float(np.mean(np.log(class_size)))
        cond_kl = mean_log_size - mean_kl_cls
        cond_bh = mean_log_size - mean_bh_cls
        shares = np.bincount(codes) / n_samples
        shares = shares[shares > 0]
        label_entropy = float(-np.sum(shares * np.log(shares)))
        label_kl = mi_upper - cond_kl
        label_lower = max(0.0, mi_lower - cond_kl)
        label_upper = min(label_entropy, mi_upper, mi_upper - cond_bh)
        label_upper = max(label_upper, label_lower)
    return PairwiseBoundsResult(
        entropy_lower=noise_entropy + mi_lower,
        entropy_upper=noise_entropy + mi_upper,
        mutual_information_lower=mi_lower,
        mutual_information_upper=mi_upper,
        label_information_lower=label_lower,
        label_information_upper=label_upper,
        label_information_kl=label_kl,
    )


@validate_params(
    {"S": ["array-like"], **BOUNDS_CONSTRAINTS},
    prefer_skip_nested_validation=True,
)
def pairwise_entropy_bounds(S, noise_std=0.1, *, base=None, n_jobs=None):
    """Kolchinsky-Tracey bounds on h(S + Z), Z ~ N(0, noise_std^2 I).

    Bounds the entropy of the Gaussian mixture ``(1/n) sum_j N(s_j,
    noise_std^2 I)`` centred at the samples (the quantity :func:`sp_entropy`
    estimates) in O(n^2 d) time and O(n) memory.

    Parameters
    ----------
    S : array-like of shape (n_samples, n_features)
        Samples of the pre-noise variable S.
    noise_std : float, default=0.1
        Standard deviation of the Gaussian noise.
    base : float, default=None
        Logarithm base of the results; ``None`` gives nats.
    n_jobs : int, default=None
        Numba threads; ``None`` uses all. Results do not depend on it.

    Returns
    -------
    PairwiseEntropyBoundsResult
        ``entropy_lower`` (Bhattacharyya) and ``entropy_upper`` (KL) bounds on
        the entropy (nats unless ``base``), and the implied bounds on I(X;T);
        unpacks as ``lower, upper``.

    Examples
    --------
    >>> import numpy as np
    >>> from skinfo import pairwise_entropy_bounds
    >>> S = np.array([[0.0], [100.0]])  # separated: both bounds are h(Z) + log 2
    >>> lower, upper = pairwise_entropy_bounds(S, noise_std=1.0)
    >>> h_noise = 0.5 * np.log(2 * np.pi * np.e)
    >>> bool(np.isclose(lower, h_noise + np.log(2)) and np.isclose(upper, lower))
    True
    """
    S = check_activations(S, "S")
    result = estimate_pairwise_bounds(S, None, check_noise_std(noise_std), n_jobs)
    return PairwiseEntropyBoundsResult(**vars(result)).in_base(base)


class PairwiseEntropyBounds(InformationEstimator):
    """Kolchinsky-Tracey pairwise-distance bounds on the entropy of S + Z.

    Brackets h(g) for the mixture ``g = (1/n) sum_j N(s_j, noise_std^2 I)``:
    the Bhattacharyya-distance estimate is a lower bound, the KL-divergence
    estimate an upper bound. Both are exact (``h(Z) + log n``) for
    well-separated samples and (``h(Z)``) for coincident ones.

    Parameters
    ----------
    noise_std : float, default=0.1
        Standard deviation of the Gaussian noise.
    base : float, default=None
        Logarithm base of the results; ``None`` gives nats.
    n_jobs : int, default=None
        Numba threads; ``None`` uses all. Results do not depend on it.

    Attributes
    ----------
    entropy_lower_ : float
        Lower bound on h(S + Z) (nats unless ``base``).
    entropy_upper_ : float
        Upper bound on h(S + Z); ``score`` returns it.
    mutual_information_lower_ : float
        ``entropy_lower_ - h(Z)``: lower bound on I(X;T) when S is a
        deterministic function of X uniform over the samples.
    mutual_information_upper_ : float
        ``entropy_upper_ - h(Z)``, Saxe et al.'s "KDE" estimate of I(X;T).
    n_features_in_ : int
        Dimension d of S.
    n_samples_fit_ : int
        Number of samples n.

    See Also
    --------
    SPEntropy : Monte Carlo estimate of the same mixture entropy.
    PairwiseMutualInformationBounds : The bounds on I(X;T) and I(Y;T).

    Notes
    -----
    ``H_D = h(Z) - (1/n) sum_i log((1/n) sum_j exp(-D_ij))`` with
    ``D_ij = ||s_i - s_j||^2 / (2 b^2)`` (KL) or a quarter of it
    (Bhattacharyya). Cost O(n^2 d) time, O(n) memory per thread.

    Examples
    --------
    >>> import numpy as np
    >>> from skinfo import PairwiseEntropyBounds
    >>> S = np.random.default_rng(0).normal(size=(200, 2))
    >>> est = PairwiseEntropyBounds(noise_std=0.5).fit(S)
    >>> bool(est.entropy_lower_ <= est.entropy_upper_)
    True
    """

    _parameter_constraints = dict(BOUNDS_CONSTRAINTS)
    _input_name = "S"
    _result = PairwiseEntropyBoundsResult
    _score_field = "entropy_upper"

    def __init__(self, noise_std=0.1, *, base=None, n_jobs=None):
        self.noise_std = noise_std
        self.base = base
        self.n_jobs = n_jobs

    def _estimate(self, S, y):
        result = estimate_pairwise_bounds(S, None, check_noise_std(self.noise_std), self.n_jobs)
        return PairwiseEntropyBoundsResult(**vars(result))
