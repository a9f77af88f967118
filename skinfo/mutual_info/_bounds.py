"""Pairwise-distance (Kolchinsky-Tracey) bounds on I(X;T) and I(Y;T) of a deterministic layer.

The entropy bounds and their computation live in :mod:`skinfo.entropy._pairwise`;
here they become bounds on the information of a layer T = S + Z whose S is a
deterministic function of X uniform over the rows.
"""

from ..base import InformationEstimator
from ..entropy._pairwise import BOUNDS_CONSTRAINTS, PairwiseBoundsResult, estimate_pairwise_bounds
from ..utils._sklearn_shim import validate_params
from ..utils.validation import check_activations, check_labels, check_noise_std

__all__ = ["PairwiseMutualInformationBounds", "pairwise_mutual_information_bounds"]


@validate_params(
    {"S": ["array-like"], "y": ["array-like", None], **BOUNDS_CONSTRAINTS},
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
    PairwiseBoundsResult
        ``mutual_information_lower`` (Bhattacharyya) and
        ``mutual_information_upper`` (KL, at most ``log n``) in nats unless
        ``base``, the entropy bounds, and with ``y`` the bounds on I(Y;T);
        unpacks as ``lower, upper`` or, with ``y``, ``lower, upper,
        label_lower, label_upper``.

    Examples
    --------
    >>> import numpy as np
    >>> from skinfo import pairwise_mutual_information_bounds
    >>> S = np.array([[-30.0], [-10.0], [10.0], [30.0]])
    >>> bounds = pairwise_mutual_information_bounds(S, [0, 0, 1, 1], noise_std=1.0)
    >>> [round(float(b), 6) for b in bounds]  # log 4, log 4, log 2, log 2
    [1.386294, 1.386294, 0.693147, 0.693147]
    """
    S = check_activations(S, "S")
    codes = None if y is None else check_labels(y, S.shape[0], "y")[0]
    return estimate_pairwise_bounds(S, codes, check_noise_std(noise_std), n_jobs).in_base(base)


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

    _parameter_constraints = dict(BOUNDS_CONSTRAINTS)
    _input_name = "S"
    _labels = "optional"
    _result = PairwiseBoundsResult
    _score_field = "mutual_information_upper"

    def __init__(self, noise_std=0.1, *, base=None, n_jobs=None):
        self.noise_std = noise_std
        self.base = base
        self.n_jobs = n_jobs

    def _estimate(self, S, codes):
        return estimate_pairwise_bounds(S, codes, check_noise_std(self.noise_std), self.n_jobs)
