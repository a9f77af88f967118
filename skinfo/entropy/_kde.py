"""Gaussian kernel-density plug-in estimate of differential entropy.

``h = -(1/n) sum_i log f(x_i)`` with the isotropic Gaussian KDE ``f`` of the
same samples (resubstitution) or of the others (leave-one-out).  The generic
competitor of the SP estimator: it sees only noisy samples and must choose a
bandwidth, by a rule of thumb or by likelihood cross-validation.
"""

import math
import numbers
from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KernelDensity
from sklearn.utils import check_random_state

from .._kernels._pairwise import loo_lse_direct
from ..base import InformationEstimator, InformationResult, to_base
from ..utils._sklearn_shim import (
    Integral,
    Interval,
    Real,
    StrOptions,
    validate_params,
)
from ..utils._threads import numba_threads
from ..utils.validation import check_activations, check_bandwidth, power_of_two_scale

__all__ = ["KDEEntropy", "KDEResult", "kde_entropy", "select_kde_bandwidth"]

# Candidate bandwidths for bandwidth="cv", relative to Scott's rule: the rule
# assumes one Gaussian bump and oversmooths clustered data by up to ~30x.
_CV_GRID = np.logspace(-1.5, 0.5, 13)

_KDE_CONSTRAINTS = {
    "bandwidth": [
        Interval(Real, 0, None, closed="neither"),
        StrOptions({"scott", "silverman", "cv"}),
        "array-like",
    ],
    "leave_one_out": ["boolean"],
    "cv": [Interval(Integral, 2, None, closed="left")],
    "base": [None, Interval(Real, 1, None, closed="neither")],
    "n_jobs": [Integral, None],
}


@dataclass(frozen=True)
class KDEResult(InformationResult):
    """Fitted values of :class:`KDEEntropy`.

    Parameters
    ----------
    entropy : float
        Estimated h(X) (nats unless a ``base`` was given).
    bandwidth : float
        The kernel standard deviation used (units of X).

    Examples
    --------
    >>> from skinfo.entropy import KDEResult
    >>> KDEResult(entropy=1.4, bandwidth=0.2).bandwidth
    0.2
    """

    entropy: float
    bandwidth: float

    _nats = ("entropy",)
    _legacy = ("entropy",)


def _rule_of_thumb(X, rule):
    """Scott's or Silverman's bandwidth with the root-mean feature variance."""
    n_samples, n_features = X.shape
    spread = math.sqrt(float(np.mean(np.var(X, axis=0, ddof=1)))) if n_samples > 1 else 0.0
    if rule == "scott":
        factor = n_samples ** (-1.0 / (n_features + 4))
    else:
        factor = (4.0 / ((n_features + 2) * n_samples)) ** (1.0 / (n_features + 4))
    if spread == 0.0:
        raise ValueError(
            f"bandwidth={rule!r} needs samples that vary; X has zero variance in every feature. "
            f"Pass a positive float bandwidth."
        )
    return spread * factor


def _cross_validated(X, candidates, cv):
    search = GridSearchCV(KernelDensity(kernel="gaussian"), {"bandwidth": candidates}, cv=cv)
    search.fit(X)
    return float(search.best_params_["bandwidth"])


def select_kde_bandwidth(X, *, cv=5, max_samples=None, random_state=None):
    """Likelihood-cross-validated Gaussian KDE bandwidth over the one skinfo grid.

    Candidates are 0.03 to 3 times Scott's rule (13 log-spaced values). With
    ``max_samples``, the search runs on a random subsample and the chosen value
    is scaled to the full size by the optimal rate ``(n / n_cv)^(-1 / (d + 4))``
    (cross-validation costs O(n^2) per candidate and fold).

    Parameters
    ----------
    X : float64 ndarray of shape (n_samples, n_features)
        Validated samples.
    cv : int, default=5
        Folds.
    max_samples : int or None, default=None
        Subsample size for the search; ``None`` uses every sample.
    random_state : int, RandomState instance or None, default=None
        Seeds the subsample.

    Returns
    -------
    float
        The bandwidth (units of ``X``).

    Examples
    --------
    >>> import numpy as np
    >>> from skinfo.entropy import select_kde_bandwidth
    >>> X = np.random.default_rng(0).normal(size=(300, 1))
    >>> bool(0.05 < select_kde_bandwidth(X, cv=3) < 1.0)
    True
    """
    n_samples, n_features = X.shape
    subset = X
    if max_samples is not None and n_samples > max_samples:
        rng = check_random_state(random_state)
        subset = X[rng.choice(n_samples, max_samples, replace=False)]
    chosen = _cross_validated(subset, _rule_of_thumb(subset, "scott") * _CV_GRID, cv)
    return chosen * (n_samples / subset.shape[0]) ** (-1.0 / (n_features + 4))


def _check_bandwidth(bandwidth, X, cv):
    """The bandwidth to use (a positive float), resolving rules and CV."""
    if isinstance(bandwidth, str):
        if bandwidth in ("scott", "silverman"):
            return _rule_of_thumb(X, bandwidth)
        if bandwidth == "cv":
            return select_kde_bandwidth(X, cv=cv)
        raise ValueError(
            f"bandwidth must be a positive float, 'scott', 'silverman', 'cv' or an array of candidates; "
            f"got {bandwidth!r}."
        )
    if isinstance(bandwidth, numbers.Real) and not isinstance(bandwidth, bool):
        value = float(bandwidth)
        if not math.isfinite(value) or value <= 0.0:
            raise ValueError(f"bandwidth must be a positive finite number; got {bandwidth!r}.")
        return value
    candidates = np.asarray(bandwidth, dtype=np.float64).ravel()
    if candidates.size == 0 or not np.all(np.isfinite(candidates)) or np.any(candidates <= 0):
        raise ValueError(
            f"bandwidth candidates must be a non-empty array of positive finite numbers; got {bandwidth!r}."
        )
    if candidates.size == 1:
        return float(candidates[0])
    return _cross_validated(X, candidates, cv)


def _estimate_kde_entropy(X, bandwidth, leave_one_out, n_jobs, cv=5):
    """Plug-in entropy of the Gaussian KDE.

    Parameters
    ----------
    X : float64 ndarray of shape (n, d)
    bandwidth : float, str or array-like
        As in :class:`KDEEntropy`; rules and candidates are resolved here.
    leave_one_out : bool
        Score each sample under the KDE of the other ``n - 1``.
    n_jobs : int or None

    Returns
    -------
    KDEResult
    """
    n_samples, n_features = X.shape
    X = X - X.mean(axis=0)
    # The KDE entropy is scale-equivariant: h(X) = h(X / c) + d log c with the
    # bandwidth divided by c too. An exact power-of-two c keeps squared distances
    # of data ~1e155 and above (or tiny data) finite; rules and CV see X / c.
    scale = power_of_two_scale(X)
    if isinstance(bandwidth, numbers.Real) and not isinstance(bandwidth, bool):
        bandwidth = check_bandwidth(bandwidth)
    elif not isinstance(bandwidth, str):
        bandwidth = np.asarray(bandwidth, dtype=np.float64) / scale
    if scale != 1.0:
        X = X / scale
        if isinstance(bandwidth, float):
            bandwidth = bandwidth / scale
    bandwidth = _check_bandwidth(bandwidth, X, cv)
    if not 1e-150 <= bandwidth <= 1e150:
        raise ValueError(
            f"bandwidth={bandwidth * scale!r} is {bandwidth:.3g} times the data's scale; the kernel "
            f"log-densities need a ratio in [1e-150, 1e150]."
        )
    samples = np.ascontiguousarray(X)
    samples_t = np.ascontiguousarray(X.T)
    lse = np.empty(n_samples)
    with numba_threads(n_jobs):
        loo_lse_direct(samples, samples_t, 0.5 / bandwidth**2, leave_one_out, lse)
    n_kernels = n_samples - 1 if leave_one_out else n_samples
    log_density = lse - math.log(n_kernels) - 0.5 * n_features * math.log(2.0 * math.pi * bandwidth**2)
    if scale == 1.0:
        return KDEResult(float(-np.mean(log_density)), bandwidth)
    return KDEResult(float(-np.mean(log_density)) + n_features * math.log(scale), bandwidth * scale)


def _validate(X, leave_one_out):
    return check_activations(X, "X", min_rows=2 if leave_one_out else 1)


@validate_params(
    {"X": ["array-like"], **_KDE_CONSTRAINTS},
    prefer_skip_nested_validation=True,
)
def kde_entropy(X, *, bandwidth, leave_one_out=True, cv=5, base=None, n_jobs=None):
    """Gaussian kernel-density plug-in estimate of differential entropy.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Samples of a continuous random vector.
    bandwidth : float, {"scott", "silverman", "cv"} or array-like of float
        Kernel standard deviation (units of ``X``), a rule of thumb (using the
        root-mean feature variance), ``"cv"`` for likelihood cross-validation
        over a grid around Scott's value, or candidate values to cross-validate.
    leave_one_out : bool, default=True
        Score each sample under the KDE of the others (removes the ``log n``
        self-term bias of resubstitution).
    cv : int, default=5
        Folds for cross-validated bandwidths.
    base : float, default=None
        Logarithm base of the result; ``None`` gives nats.
    n_jobs : int, default=None
        Numba threads; ``None`` uses all.

    Returns
    -------
    float
        Estimated h(X) (nats unless ``base``).

    Examples
    --------
    >>> import numpy as np
    >>> from skinfo import kde_entropy
    >>> X = np.random.default_rng(0).normal(size=(2000, 1))
    >>> exact = 0.5 * np.log(2 * np.pi * np.e)
    >>> bool(abs(kde_entropy(X, bandwidth="silverman") - exact) < 0.05)
    True
    """
    X = _validate(X, leave_one_out)
    return to_base(_estimate_kde_entropy(X, bandwidth, bool(leave_one_out), n_jobs, cv).entropy, base)


class KDEEntropy(InformationEstimator):
    """Gaussian kernel-density plug-in entropy estimator.

    Parameters
    ----------
    bandwidth : float, {"scott", "silverman", "cv"} or array-like of float, default="scott"
        Kernel standard deviation, a rule of thumb, ``"cv"`` (likelihood
        cross-validation through :class:`~sklearn.model_selection.GridSearchCV`
        over :class:`~sklearn.neighbors.KernelDensity` bandwidths from 0.03 to
        3 times Scott's), or candidate values to cross-validate.
    leave_one_out : bool, default=True
        Score each sample under the KDE of the other samples.
    cv : int, default=5
        Folds for cross-validated bandwidths.
    base : float, default=None
        Logarithm base of the result; ``None`` gives nats.
    n_jobs : int, default=None
        Numba threads; ``None`` uses all. Results do not depend on it.

    Attributes
    ----------
    entropy_ : float
        Estimated h(X) (nats unless ``base``).
    bandwidth_ : float
        The bandwidth used (units of ``X``).
    n_features_in_ : int
        Dimension d.
    n_samples_fit_ : int
        Number of samples n.

    Notes
    -----
    O(n^2 d) time, O(n) memory per thread. Resubstitution is biased low (each
    sample's own kernel inflates its density); leave-one-out is not, but both
    carry the smoothing bias of the bandwidth, which grows with dimension.

    Examples
    --------
    >>> import numpy as np
    >>> from skinfo import KDEEntropy
    >>> X = np.random.default_rng(0).normal(size=(500, 1))
    >>> est = KDEEntropy(bandwidth="cv").fit(X)
    >>> bool(0 < est.bandwidth_ < 1), bool(abs(est.entropy_ - 1.4189) < 0.1)
    (True, True)
    """

    _parameter_constraints = dict(_KDE_CONSTRAINTS)
    _result = KDEResult
    _score_field = "entropy"

    def __init__(self, bandwidth="scott", *, leave_one_out=True, cv=5, base=None, n_jobs=None):
        self.bandwidth = bandwidth
        self.leave_one_out = leave_one_out
        self.cv = cv
        self.base = base
        self.n_jobs = n_jobs

    def _estimate(self, X, y):
        return _estimate_kde_entropy(
            _validate(X, self.leave_one_out), self.bandwidth, bool(self.leave_one_out), self.n_jobs, self.cv
        )

    def _estimate_for_score(self, X, y):
        # New data is scored with the bandwidth chosen in fit.
        return _estimate_kde_entropy(
            _validate(X, self.leave_one_out), self.bandwidth_, bool(self.leave_one_out), self.n_jobs
        )
