"""scikit-learn integration: SP feature relevance for SelectKBest, an information scorer."""

import numpy as np
from sklearn.base import clone
from sklearn.pipeline import Pipeline
from sklearn.utils import check_random_state

from ..utils._sklearn_shim import Integral, Interval, Real, validate_params
from ..utils.validation import check_activations, check_labels, check_noise_std
from ._noisy import _estimate_noisy_mi

__all__ = ["information_scorer", "sp_feature_relevance"]


def _estimate_feature_relevance(X, codes, noise_std, n_mc, seed, n_jobs):
    """I(Y; X_j + Z) for every column j, each from the same Monte Carlo draws."""
    scores = np.zeros(X.shape[1])
    errors = np.zeros(X.shape[1])
    for j in range(X.shape[1]):
        column = X[:, j]
        if np.ptp(column) == 0.0:
            continue  # a constant feature carries no label information: exactly 0
        S = np.ascontiguousarray(column.reshape(-1, 1, 1))
        # Same seed for every feature (common random numbers): scores differ by the
        # features, not by their Monte Carlo draws.
        result = _estimate_noisy_mi(S, codes, noise_std, n_mc, 1, "auto", np.random.RandomState(seed), n_jobs)
        scores[j] = result.label_information
        errors[j] = result.label_standard_error
    return scores, errors


@validate_params(
    {
        # check_activations / check_labels validate them, reading DLPack-only arrays too.
        "X": "no_validation",
        "y": "no_validation",
        "noise_std": [Interval(Real, 0, None, closed="neither")],
        "standardize": ["boolean"],
        "n_mc": [Interval(Integral, 1, None, closed="left")],
        "return_standard_error": ["boolean"],
        "random_state": ["random_state"],
        "n_jobs": [Integral, None],
    },
    prefer_skip_nested_validation=True,
)
def sp_feature_relevance(X, y, *, noise_std=0.5, standardize=True, n_mc=10, return_standard_error=False,
                         random_state=None, n_jobs=None):
    """Label information of every feature seen through Gaussian noise, I(Y; X_j + Z).

    Each feature is treated as a one-unit noisy layer ``T_j = X_j + Z`` with
    the rows of ``X`` as equiprobable inputs, and I(Y; T_j) is estimated by
    sample propagation as in :class:`~skinfo.NoisyMutualInformation`. Use it as
    the ``score_func`` of :class:`sklearn.feature_selection.SelectKBest` or
    ``SelectPercentile`` (bind parameters with :func:`functools.partial`).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Features.
    y : array-like of shape (n_samples,)
        Class labels.
    noise_std : float, default=0.5
        Standard deviation of the noise; in units of each feature's standard
        deviation when ``standardize``, else in the features' own units.
    standardize : bool, default=True
        Scale every feature to unit variance first, so one noise level is
        comparable across features measured in different units.
    n_mc : int, default=10
        Monte Carlo noise draws per sample.
    return_standard_error : bool, default=False
        Also return the Monte Carlo standard errors.
    random_state : int, RandomState instance or None, default=None
        Seeds the noise; every feature uses the same draws.
    n_jobs : int, default=None
        Numba threads; results do not depend on it.

    Returns
    -------
    scores : ndarray of shape (n_features,)
        I(Y; X_j + Z) in nats, not clipped (values within a few standard
        errors below 0 mean none); 0 exactly for a constant feature. At most
        H(Y). SelectKBest reads an array return as scores without p-values.
    standard_errors : ndarray of shape (n_features,)
        Monte Carlo standard errors of ``scores`` (nats); only returned when
        ``return_standard_error``.

    See Also
    --------
    sklearn.feature_selection.mutual_info_classif : kNN estimate of I(Y; X_j) without noise.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.feature_selection import SelectKBest
    >>> from skinfo.mutual_info import sp_feature_relevance
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1], 50)
    >>> X = np.column_stack([rng.normal(size=100), 5.0 * y + 0.3 * rng.normal(size=100)])
    >>> selector = SelectKBest(sp_feature_relevance, k=1).fit(X, y)
    >>> selector.get_support().tolist()
    [False, True]
    >>> bool(selector.scores_[1] > 0.6)  # H(Y) = log 2 = 0.693 nats
    True
    """
    X = check_activations(X, "X")
    codes = check_labels(y, X.shape[0], "y")[0]
    noise_std = check_noise_std(noise_std)
    if standardize:
        std = X.std(axis=0)
        X = X / np.where(std > 0.0, std, 1.0)
    seed = check_random_state(random_state).randint(np.iinfo(np.int32).max)
    scores, errors = _estimate_feature_relevance(X, codes, noise_std, n_mc, seed, n_jobs)
    return (scores, errors) if return_standard_error else scores


class _InformationScorer:
    """Scorer ``(estimator, X, y) -> float``; see :func:`information_scorer`."""

    def __init__(self, attribute):
        self.attribute = attribute

    def __call__(self, estimator, X, y=None):
        if isinstance(estimator, Pipeline):
            X = estimator[:-1].transform(X)
            estimator = estimator[-1]
        refit = clone(estimator).fit(X, y)
        if not hasattr(refit, self.attribute):
            raise ValueError(
                f"{type(estimator).__name__} has no attribute {self.attribute!r} after fit"
                + ("; it needs labels y." if y is None else ".")
            )
        return float(getattr(refit, self.attribute))

    def __repr__(self):
        return f"information_scorer(attribute={self.attribute!r})"


def information_scorer(attribute="label_information_"):
    """A scorer reporting an information estimate on held-out data.

    For ``cross_val_score`` / ``GridSearchCV(scoring=...)``: on each test
    fold, the fitted steps of a pipeline transform ``X`` (a transformer fitted
    on the training fold), then a clone of the final skinfo estimator, with
    the same parameters, is fitted to the transformed test fold and the chosen
    fitted attribute returned. The default scores I(Y;T) of a noisy layer:
    how much label information a representation keeps through the noise
    (larger is better, as scikit-learn expects).

    Parameters
    ----------
    attribute : str, default="label_information_"
        Fitted attribute of the final estimator to return, for example
        ``"mutual_information_"`` for I(X;T).

    Returns
    -------
    callable
        ``scorer(estimator, X, y=None) -> float`` (nats unless the estimator's
        ``base``); picklable, so it runs under joblib and dask too.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.decomposition import PCA
    >>> from sklearn.model_selection import cross_val_score
    >>> from sklearn.pipeline import make_pipeline
    >>> from skinfo import NoisyMutualInformation
    >>> from skinfo.mutual_info import information_scorer
    >>> rng = np.random.default_rng(0)
    >>> y = np.tile([0, 1], 40)
    >>> X = rng.normal(size=(80, 5)) + 4.0 * y[:, None]
    >>> pipe = make_pipeline(PCA(n_components=2), NoisyMutualInformation(noise_std=0.5, random_state=0))
    >>> scores = cross_val_score(pipe, X, y, cv=2, scoring=information_scorer())
    >>> bool(np.all((scores > 0.5) & (scores <= np.log(2) + 1e-9)))
    True
    """
    if not isinstance(attribute, str) or not attribute.endswith("_"):
        raise ValueError(f"attribute must name a fitted attribute (ending in '_'); got {attribute!r}.")
    return _InformationScorer(attribute)
