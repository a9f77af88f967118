"""Kozachenko-Leonenko k-nearest-neighbour entropy, and the kNN helpers KSG shares.

Neighbour search is scipy's :class:`~scipy.spatial.cKDTree` (threaded through
its ``workers`` argument).  Ties between distances, which both estimators
assume away, are broken by a tiny Gaussian jitter drawn from ``random_state``
(the same scale scikit-learn's ``mutual_info_regression`` uses).
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree
from scipy.special import digamma, gammaln
from sklearn.utils import check_random_state

from ..base import InformationEstimator, InformationResult, to_base
from ..utils._sklearn_shim import Integral, Interval, Real, StrOptions, validate_params
from ..utils._threads import effective_n_jobs
from ..utils.validation import check_activations, check_positive_int, power_of_two_scale

__all__ = [
    "KNN_CONSTRAINTS",
    "KLEntropy",
    "KLEntropyResult",
    "check_neighbour_order",
    "estimate_kl_entropy",
    "jitter_ties",
    "kl_entropy",
]

# Relative scale of the tie-breaking jitter (scikit-learn's choice in
# feature_selection._mutual_info): far below any real distance in float64 data.
_JITTER_SCALE = 1e-10

KNN_CONSTRAINTS = {
    "k": [Interval(Integral, 1, None, closed="left")],
    "base": [None, Interval(Real, 1, None, closed="neither")],
    "random_state": ["random_state"],
    "n_jobs": [Integral, None],
}
_KL_CONSTRAINTS = {**KNN_CONSTRAINTS, "metric": [StrOptions({"euclidean", "chebyshev"})]}


@dataclass(frozen=True)
class KLEntropyResult(InformationResult):
    """Fitted values of :class:`KLEntropy`.

    Parameters
    ----------
    entropy : float
        Estimated h(X) (nats unless a ``base`` was given).
    k : int
        Neighbour order used.

    Examples
    --------
    >>> from skinfo.entropy import KLEntropyResult
    >>> KLEntropyResult(entropy=1.4, k=3).entropy
    1.4
    """

    entropy: float
    k: int

    _nats = ("entropy",)
    _legacy = ("entropy",)


def jitter_ties(X, rng):
    """``X`` plus noise of ``1e-10`` times each column's spread (a copy).

    The spread is the column's standard deviation, at least ``1e-4`` of its
    mean ``|x|`` (1 for an all-zero column), so the jitter scales with the
    data: estimates are unchanged by rescaling or shifting ``X`` instead of
    being swamped by a fixed jitter below a data scale of ~1e-9.
    """
    # Measured on X / c (an exact power of two) so that data ~1e155 does not overflow.
    scale = power_of_two_scale(X)
    spread = np.std(X / scale, axis=0) * scale
    level = np.mean(np.abs(X / scale), axis=0) * scale
    # At least ~50 ulps of the column's level, so that the jitter is not rounded
    # away on shifted data whose spread is below float resolution.
    spread = np.maximum(spread, 1e-4 * level)
    spread = np.where(spread > 0, spread, 1.0)
    return X + _JITTER_SCALE * spread * rng.standard_normal(X.shape)


def check_neighbour_order(k, n_samples):
    k = check_positive_int(k, "k")
    if k >= n_samples:
        raise ValueError(
            f"k={k} must be smaller than the number of samples (n_samples={n_samples}); every sample "
            f"needs k other samples as neighbours."
        )
    return k


_MINKOWSKI_P = {"euclidean": 2.0, "chebyshev": np.inf}


def _log_unit_ball_volume(n_features, metric):
    """log of the volume of the unit ball of ``metric`` in ``n_features`` dimensions."""
    if metric == "chebyshev":
        return n_features * math.log(2.0)
    return 0.5 * n_features * math.log(math.pi) - gammaln(0.5 * n_features + 1.0)


def estimate_kl_entropy(X, k, random_state, n_jobs, metric="euclidean"):
    """Kozachenko-Leonenko estimate ``psi(n) - psi(k) + log V_d + d mean log eps_k``.

    Parameters
    ----------
    X : float64 ndarray of shape (n, d)
    k : int
        Neighbour order, ``1 <= k < n``.
    random_state, n_jobs, metric
        As in :class:`KLEntropy`.

    Returns
    -------
    KLEntropyResult
        In nats.
    """
    n_samples, n_features = X.shape
    # h(X / c) = h(X) - d log c; an exact power-of-two c keeps distances finite.
    scale = power_of_two_scale(X)
    X = jitter_ties(X / scale, check_random_state(random_state))
    tree = cKDTree(X)
    distances, _ = tree.query(X, k=k + 1, p=_MINKOWSKI_P[metric], workers=effective_n_jobs(n_jobs))
    distances = distances[:, -1:]
    log_eps = np.log(distances[:, 0])
    value = (
        digamma(n_samples)
        - digamma(k)
        + _log_unit_ball_volume(n_features, metric)
        + n_features * np.mean(log_eps)
        + n_features * math.log(scale)
    )
    return KLEntropyResult(float(value), k)


@validate_params(
    {"X": ["array-like"], **_KL_CONSTRAINTS},
    prefer_skip_nested_validation=True,
)
def kl_entropy(X, *, k=3, metric="euclidean", base=None, random_state=None, n_jobs=None):
    """Kozachenko-Leonenko k-nearest-neighbour estimate of differential entropy.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Samples of a continuous random vector.
    k : int, default=3
        Neighbour order (``k < n_samples``). Small k: less bias, more variance.
    metric : {"euclidean", "chebyshev"}, default="euclidean"
        Norm of the neighbour distances (with its unit-ball volume). The
        max-norm (NPEET's choice) makes the k-d tree search about twice as
        fast in 12-D; the Euclidean norm was the more accurate on Gaussians.
    base : float, default=None
        Logarithm base of the result; ``None`` gives nats.
    random_state : int, RandomState instance or None, default=None
        Seeds the tie-breaking jitter.
    n_jobs : int, default=None
        Threads for the neighbour search; ``None`` uses all.

    Returns
    -------
    float
        Estimated h(X) (nats unless ``base``).

    Examples
    --------
    >>> import numpy as np
    >>> from skinfo import kl_entropy
    >>> X = np.random.default_rng(0).normal(size=(4000, 2))
    >>> exact = np.log(2 * np.pi * np.e)  # h of N(0, I) in 2-D
    >>> bool(abs(kl_entropy(X, random_state=0) - exact) < 0.05)
    True
    """
    X = check_activations(X, "X")
    k = check_neighbour_order(k, X.shape[0])
    return to_base(estimate_kl_entropy(X, k, random_state, n_jobs, metric).entropy, base)


class KLEntropy(InformationEstimator):
    """Kozachenko-Leonenko k-nearest-neighbour entropy estimator.

    ``h = psi(n) - psi(k) + log V_d + (d / n) sum_i log eps_i``, with ``eps_i``
    the distance from sample i to its k-th nearest neighbour and ``V_d`` the
    volume of the metric's unit ball.

    Parameters
    ----------
    k : int, default=3
        Neighbour order (``k < n_samples``).
    metric : {"euclidean", "chebyshev"}, default="euclidean"
        Norm of the neighbour distances; see :func:`kl_entropy`.
    base : float, default=None
        Logarithm base of the result; ``None`` gives nats.
    random_state : int, RandomState instance or None, default=None
        Seeds the tie-breaking jitter.
    n_jobs : int, default=None
        Threads for the neighbour search; ``None`` uses all.

    Attributes
    ----------
    entropy_ : float
        Estimated h(X) (nats unless ``base``).
    k_ : int
        Neighbour order used.
    n_features_in_ : int
        Dimension d.
    n_samples_fit_ : int
        Number of samples n.

    Notes
    -----
    Duplicated samples have a zero neighbour distance; the jitter turns it
    into a tiny one, so data with atoms get a very negative entropy (their
    differential entropy is minus infinity).

    Examples
    --------
    >>> import numpy as np
    >>> from skinfo import KLEntropy
    >>> X = np.random.default_rng(0).uniform(size=(4000, 1))  # h = 0
    >>> bool(abs(KLEntropy(random_state=0).fit(X).entropy_) < 0.05)
    True
    """

    _parameter_constraints = dict(_KL_CONSTRAINTS)
    _result = KLEntropyResult
    _score_field = "entropy"

    def __init__(self, k=3, *, metric="euclidean", base=None, random_state=None, n_jobs=None):
        self.k = k
        self.metric = metric
        self.base = base
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _estimate(self, X, y):
        return estimate_kl_entropy(
            X, check_neighbour_order(self.k, X.shape[0]), self.random_state, self.n_jobs, self.metric
        )
