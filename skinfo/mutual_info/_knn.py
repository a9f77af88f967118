"""Kraskov-Stoegbauer-Grassberger k-nearest-neighbour mutual information."""

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree
from scipy.special import digamma
from sklearn.utils import check_random_state

from ..base import InformationEstimator, InformationResult, to_base
from ..entropy._knn import KNN_CONSTRAINTS, check_neighbour_order, jitter_ties
from ..utils._sklearn_shim import validate_params
from ..utils._threads import effective_n_jobs
from ..utils.validation import check_activations

__all__ = ["KSGMutualInformation", "KSGResult", "ksg_mutual_information"]


@dataclass(frozen=True)
class KSGResult(InformationResult):
    """Fitted values of :class:`KSGMutualInformation`.

    Parameters
    ----------
    mutual_information : float
        Estimated I(X;Y) (nats unless a ``base`` was given), not clipped.
    k : int
        Neighbour order used.

    Examples
    --------
    >>> from skinfo.mutual_info import KSGResult
    >>> KSGResult(mutual_information=0.5, k=3).mutual_information
    0.5
    """

    mutual_information: float
    k: int

    _nats = ("mutual_information",)
    _legacy = ("mutual_information",)


def estimate_ksg(X, Y, k, random_state, n_jobs):
    """KSG estimator 1: ``psi(k) + psi(n) - mean(psi(n_x + 1) + psi(n_y + 1))``.

    ``eps_i`` is the max-norm distance from sample i to its k-th neighbour in
    the joint space; ``n_x`` (``n_y``) counts the other samples strictly
    closer than ``eps_i`` in the X (Y) block, in the same max-norm.

    Parameters
    ----------
    X : float64 ndarray of shape (n, d_x)
    Y : float64 ndarray of shape (n, d_y)
    k, random_state, n_jobs
        As in :class:`KSGMutualInformation`.

    Returns
    -------
    KSGResult
        In nats.
    """
    n_samples = X.shape[0]
    rng = check_random_state(random_state)
    X = jitter_ties(X, rng)
    Y = jitter_ties(Y, rng)
    workers = effective_n_jobs(n_jobs)
    joint = np.hstack([X, Y])
    eps, _ = cKDTree(joint).query(joint, k=[k + 1], p=np.inf, workers=workers)
    # Strictly closer: the radius just below eps (query_ball_point counts <= r).
    radius = np.nextafter(eps[:, 0], 0.0)
    n_x = cKDTree(X).query_ball_point(X, radius, p=np.inf, return_length=True, workers=workers) - 1
    n_y = cKDTree(Y).query_ball_point(Y, radius, p=np.inf, return_length=True, workers=workers) - 1
    value = digamma(k) + digamma(n_samples) - np.mean(digamma(n_x + 1) + digamma(n_y + 1))
    return KSGResult(float(value), k)


def _check_block(X, name):
    X = check_activations(X, name, ndims=(1, 2))
    return X.reshape(-1, 1) if X.ndim == 1 else X


def _check_pair(X, Y):
    X = _check_block(X, "X")
    Y = _check_block(Y, "Y")
    if X.shape[0] != Y.shape[0]:
        raise ValueError(
            f"X and Y must have the same number of samples; got {X.shape[0]} and {Y.shape[0]} rows."
        )
    return X, Y


@validate_params(
    {"X": ["array-like"], "Y": ["array-like"], **KNN_CONSTRAINTS},
    prefer_skip_nested_validation=True,
)
def ksg_mutual_information(X, Y, *, k=3, base=None, random_state=None, n_jobs=None):
    """Kraskov-Stoegbauer-Grassberger (estimator 1) mutual information I(X;Y).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features_x) or (n_samples,)
        First block (1-D: one feature).
    Y : array-like of shape (n_samples, n_features_y) or (n_samples,)
        Second block, row-aligned with ``X``.
    k : int, default=3
        Neighbour order in the joint space (``k < n_samples``).
    base : float, default=None
        Logarithm base of the result; ``None`` gives nats.
    random_state : int, RandomState instance or None, default=None
        Seeds the tie-breaking jitter.
    n_jobs : int, default=None
        Threads for the neighbour search; ``None`` uses all.

    Returns
    -------
    float
        Estimated I(X;Y) (nats unless ``base``); not clipped, so values
        slightly below 0 mean independence within the estimator's error.

    Examples
    --------
    >>> import numpy as np
    >>> from skinfo import ksg_mutual_information
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=3000)
    >>> y = 0.8 * x + 0.6 * rng.normal(size=3000)  # correlation 0.8
    >>> exact = -0.5 * np.log(1 - 0.8**2)
    >>> bool(abs(ksg_mutual_information(x, y, random_state=0) - exact) < 0.05)
    True
    """
    X, Y = _check_pair(X, Y)
    k = check_neighbour_order(k, X.shape[0])
    return to_base(estimate_ksg(X, Y, k, random_state, n_jobs).mutual_information, base)


class KSGMutualInformation(InformationEstimator):
    """Kraskov-Stoegbauer-Grassberger mutual information between two blocks.

    Estimator 1 of Kraskov et al. (2004) with the max-norm in each block:
    ``I = psi(k) + psi(n) - mean(psi(n_x + 1) + psi(n_y + 1))``.

    Parameters
    ----------
    k : int, default=3
        Neighbour order in the joint space (``k < n_samples``).
    base : float, default=None
        Logarithm base of the result; ``None`` gives nats.
    random_state : int, RandomState instance or None, default=None
        Seeds the tie-breaking jitter.
    n_jobs : int, default=None
        Threads for the neighbour search; ``None`` uses all.

    Attributes
    ----------
    mutual_information_ : float
        Estimated I(X;Y) (nats unless ``base``), not clipped at 0.
    k_ : int
        Neighbour order used.
    n_features_in_ : int
        Dimension of the X block.
    n_samples_fit_ : int
        Number of samples n.

    Notes
    -----
    The estimate is not invariant to rescaling one coordinate against another
    within a block (the max-norm mixes them); standardise the columns first
    when their units differ.

    Examples
    --------
    >>> import numpy as np
    >>> from skinfo import KSGMutualInformation
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(2000, 2))
    >>> Y = rng.normal(size=(2000, 1))  # independent: I = 0
    >>> bool(abs(KSGMutualInformation(random_state=0).fit(X, Y).mutual_information_) < 0.05)
    True
    """

    _parameter_constraints = dict(KNN_CONSTRAINTS)
    _labels = "block"
    _result = KSGResult
    _score_field = "mutual_information"

    def __init__(self, k=3, *, base=None, random_state=None, n_jobs=None):
        self.k = k
        self.base = base
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _estimate(self, X, Y):
        return estimate_ksg(X, Y, check_neighbour_order(self.k, X.shape[0]), self.random_state, self.n_jobs)
