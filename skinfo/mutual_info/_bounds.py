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
from ..base import InformationEstimator, to_base
from ..entropy._sp import gaussian_noise_entropy
from ..utils._sklearn_shim import (
    Integral,
    Interval,
    Real,
    _fit_context,
    validate_data,
    validate_params,
)
from ..utils._threads import numba_threads
from ..utils.validation import check_activations, check_labels, check_noise_std

__all__ = [
    "PairwiseEntropyBounds",
    "PairwiseMutualInformationBounds",
    "pairwise_entropy_bounds",
    "pairwise_mutual_information_bounds",
]

# Rows per tile side: two 256 x 256 float64 tiles (1 MiB) per thread stay in
# cache, and n = 4096 already gives eight independent tiles per round.
_TILE_ROWS = 256
# From this dimension on, a tile's cross terms come from one small GEMM
# (3 flops per pair afterwards instead of 3 d): 2x faster at d = 12 here.
_TILE_GEMM_MIN_FEATURES = 8

_BOUNDS_CONSTRAINTS = {
    "noise_std": [Interval(Real, 0, None, closed="neither")],
    "base": [None, Interval(Real, 1, None, closed="neither")],
    "n_jobs": [Integral, None],
}


@dataclass(frozen=True)
class PairwiseBoundsResult:
    """Raw result of :func:`_estimate_pairwise_bounds`, all in nats."""

    entropy_lower: float
    entropy_upper: float
    mutual_information_lower: float
    mutual_information_upper: float
    label_information_lower: float | None
    label_information_upper: float | None
    label_information_kl: float | None


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
    # Distances are translation invariant; centring keeps the BLAS expansion accurate.
    S = S[order] - S.mean(axis=0)
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
        pairwise_bound_sums(samples, samples_t, 0.5 / noise_std**2, codes, cls_lo, cls_hi,
                            bool(sizes.shape[0] > 1), _TILE_ROWS,
                            n_features >= _TILE_GEMM_MIN_FEATURES, *tiles, out)
    return out, sizes[codes]


def _estimate_pairwise_bounds(S, codes, noise_std, n_jobs):
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


def _validate(S, y):
    S = check_activations(S, "S")
    codes = None if y is None else check_labels(y, S.shape[0], "y")[0]
    return S, codes


@validate_params(
    {"S": ["array-like"], **_BOUNDS_CONSTRAINTS},
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
    lower : float
        Bhattacharyya-distance lower bound on the entropy (nats unless ``base``).
    upper : float
        KL-divergence upper bound (same units).

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
    noise_std = check_noise_std(noise_std)
    result = _estimate_pairwise_bounds(S, None, noise_std, n_jobs)
    return to_base(result.entropy_lower, base), to_base(result.entropy_upper, base)


@validate_params(
    {"S": ["array-like"], "y": ["array-like", None], **_BOUNDS_CONSTRAINTS},
    prefer_skip_nested_validation=True,
)
def pairwise_mutual_information_bounds(S, y=None, noise_std=0.1, *, base=None, n_jobs=None):
    """Pairwise-distance bounds on I(X;T) (and I(Y;T)) of a deterministic layer.

    T = S + Z with S a deterministic function of X uniform over the n rows, as
    in Saxe et al.'s "KDE" estimate (their value is ``upper``).

    Parameters
    ----------
    S : array-like of shape (n_samples, n_features)
        Layer activations, one row per equiprobable input.
    y : array-like of shape (n_samples,), default=None
        Labels; when given, bounds on I(Y;T) are returned too.
    noise_std : float, default=0.1
        Standard deviation of the Gaussian noise added to the layer.
    base : float, default=None
        Logarithm base of the results; ``None`` gives nats.
    n_jobs : int, default=None
        Numba threads; ``None`` uses all.

    Returns
    -------
    lower : float
        Lower bound on I(X;T) (Bhattacharyya), in nats unless ``base``.
    upper : float
        Upper bound on I(X;T) (KL), at most ``log n``.
    label_lower : float
        Lower bound on I(Y;T); only returned when ``y`` is given.
    label_upper : float
        Upper bound on I(Y;T); only returned when ``y`` is given.

    Examples
    --------
    >>> import numpy as np
    >>> from skinfo import pairwise_mutual_information_bounds
    >>> S = np.array([[-30.0], [-10.0], [10.0], [30.0]])
    >>> bounds = pairwise_mutual_information_bounds(S, [0, 0, 1, 1], noise_std=1.0)
    >>> [round(float(b), 6) for b in bounds]  # log 4, log 4, log 2, log 2
    [1.386294, 1.386294, 0.693147, 0.693147]
    """
    S, codes = _validate(S, y)
    noise_std = check_noise_std(noise_std)
    result = _estimate_pairwise_bounds(S, codes, noise_std, n_jobs)
    out = (
        to_base(result.mutual_information_lower, base),
        to_base(result.mutual_information_upper, base),
    )
    if codes is not None:
        out = (
            *out,
            to_base(result.label_information_lower, base),
            to_base(result.label_information_upper, base),
        )
    return out


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

    _parameter_constraints = dict(_BOUNDS_CONSTRAINTS)

    def __init__(self, noise_std=0.1, *, base=None, n_jobs=None):
        self.noise_std = noise_std
        self.base = base
        self.n_jobs = n_jobs

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, S, y=None):
        """Compute the bounds for samples of S.

        Parameters
        ----------
        S : array-like of shape (n_samples, n_features)
            Samples of the pre-noise variable.
        y : None
            Ignored.

        Returns
        -------
        self : PairwiseEntropyBounds
            The fitted estimator.
        """
        S = validate_data(self, S, dtype=np.float64, order="C")
        S = check_activations(S, "S")
        result = _estimate_pairwise_bounds(S, None, check_noise_std(self.noise_std), self.n_jobs)
        self.n_samples_fit_ = S.shape[0]
        self.entropy_lower_ = to_base(result.entropy_lower, self.base)
        self.entropy_upper_ = to_base(result.entropy_upper, self.base)
        self.mutual_information_lower_ = to_base(result.mutual_information_lower, self.base)
        self.mutual_information_upper_ = to_base(result.mutual_information_upper, self.base)
        return self

    def _score(self, S, y=None):
        S = validate_data(self, S, dtype=np.float64, order="C", reset=False)
        S = check_activations(S, "S")
        result = _estimate_pairwise_bounds(S, None, check_noise_std(self.noise_std), self.n_jobs)
        return to_base(result.entropy_upper, self.base)


class PairwiseMutualInformationBounds(InformationEstimator):
    """Pairwise-distance bounds on I(X;T) and I(Y;T) of a deterministic layer.

    For T = S + Z with S = f(X), X uniform over the n rows, ``h(T | X) = h(Z)``
    exactly, so the Kolchinsky-Tracey bounds on h(T) are bounds on I(X;T).
    With labels, h(T | Y = c) is bounded over each class's rows and I(Y;T) is
    bracketed.

    Parameters
    ----------
    noise_std : float, default=0.1
        Standard deviation of the Gaussian noise added to the layer.
    base : float, default=None
        Logarithm base of the results; ``None`` gives nats.
    n_jobs : int, default=None
        Numba threads; ``None`` uses all. Results do not depend on it.

    Attributes
    ----------
    mutual_information_lower_ : float
        Lower bound on I(X;T) (Bhattacharyya), nats unless ``base``.
    mutual_information_upper_ : float
        Upper bound on I(X;T) (KL), Saxe et al.'s "KDE" estimate; ``score``
        returns it. At most ``log n``.
    entropy_lower_ : float
        Lower bound on h(T).
    entropy_upper_ : float
        Upper bound on h(T).
    label_information_lower_ : float
        Lower bound on I(Y;T): lower bound on h(T) minus the upper bounds on
        h(T | Y); clipped at 0. Only set when labels were given.
    label_information_upper_ : float
        Upper bound on I(Y;T), clipped at H(Y) and at the upper bound on
        I(X;T). Only set when labels were given.
    label_information_kl_ : float
        Saxe et al.'s I(Y;T) estimate (KL bound in both terms); not a bound.
        Only set when labels were given.
    n_features_in_ : int
        Dimension d of the layer.
    n_samples_fit_ : int
        Number of inputs n.

    See Also
    --------
    NoisyMutualInformation : The SP estimate of the same quantities.
    PairwiseEntropyBounds : The entropy bounds alone.

    Examples
    --------
    >>> import numpy as np
    >>> from skinfo import PairwiseMutualInformationBounds
    >>> S = np.array([[-3.0], [-1.0], [1.0], [3.0]])
    >>> est = PairwiseMutualInformationBounds(noise_std=0.01).fit(S, [0, 0, 1, 1])
    >>> round(est.mutual_information_upper_, 6), round(est.label_information_lower_, 6)
    (1.386294, 0.693147)
    """

    _parameter_constraints = dict(_BOUNDS_CONSTRAINTS)

    def __init__(self, noise_std=0.1, *, base=None, n_jobs=None):
        self.noise_std = noise_std
        self.base = base
        self.n_jobs = n_jobs

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, S, y=None):
        """Compute the bounds for a layer's activations.

        Parameters
        ----------
        S : array-like of shape (n_samples, n_features)
            Activations of n equiprobable inputs.
        y : array-like of shape (n_samples,), default=None
            Labels of the inputs.

        Returns
        -------
        self : PairwiseMutualInformationBounds
            The fitted estimator.
        """
        S = validate_data(self, S, dtype=np.float64, order="C")
        S, codes = _validate(S, y)
        result = _estimate_pairwise_bounds(S, codes, check_noise_std(self.noise_std), self.n_jobs)
        self.n_samples_fit_ = S.shape[0]
        for name in ("mutual_information_lower", "mutual_information_upper",
                     "entropy_lower", "entropy_upper"):
            setattr(self, name + "_", to_base(getattr(result, name), self.base))
        for name in ("label_information_lower", "label_information_upper", "label_information_kl"):
            if codes is not None:
                setattr(self, name + "_", to_base(getattr(result, name), self.base))
            elif hasattr(self, name + "_"):
                delattr(self, name + "_")
        return self

    def _score(self, S, y=None):
        S = validate_data(self, S, dtype=np.float64, order="C", reset=False)
        S, codes = _validate(S, y)
        result = _estimate_pairwise_bounds(S, codes, check_noise_std(self.noise_std), self.n_jobs)
        return to_base(result.mutual_information_upper, self.base)
