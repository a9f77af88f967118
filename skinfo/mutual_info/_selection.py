"""scikit-learn integration: SP feature relevance for SelectKBest, an information scorer."""

import math

import numpy as np
from sklearn.base import clone
from sklearn.pipeline import Pipeline
from sklearn.utils import check_random_state

from .._kernels._relevance import weighted_lse_1d
from .._sp_core import Moments
from ..utils._sklearn_shim import Integral, Interval, Real, validate_params
from ..utils._threads import numba_threads
from ..utils.validation import check_activations, check_labels, check_noise_std

__all__ = ["information_scorer", "sp_feature_relevance"]


def _feature_label_terms(column, codes, n_classes, standard_noise, noise_std, n_jobs):
    """Per-query terms of the SP estimate of I(Y; x + Z) for one feature.

    With X uniform over the m samples and queries ``t = x_i + z``,
    ``I(Y;T) = mean[log g_{y_i}(t) - log g(t) + log(m / m_{y_i})]`` where ``g``
    and ``g_c`` are the sums of the Gaussian kernels over all samples and over
    class ``c`` (the normalising constants cancel). The sums run over the
    distinct values of the feature weighted by their counts.
    """
    values, inverse = np.unique(column, return_inverse=True)
    inverse = inverse.reshape(-1)
    counts = np.bincount(inverse, minlength=values.shape[0]).astype(np.float64)
    class_counts = np.zeros((n_classes, values.shape[0]))
    np.add.at(class_counts, (codes, inverse), 1.0)
    n_samples, n_mc = standard_noise.shape
    noise = noise_std * standard_noise
    queries = (column[:, None] + noise).reshape(-1)
    inv_two_var = 0.5 / noise_std**2
    own_exponent = -(noise * noise).reshape(-1) * inv_two_var
    query_class = np.repeat(codes, n_mc)
    lse_all = np.empty(queries.shape[0])
    lse_class = np.empty(queries.shape[0])
    # Skipped terms add at most m * exp(-cutoff) relative error: below 1e-17.
    cutoff = 40.0 + math.log(n_samples)
    with numba_threads(n_jobs):
        log_counts = np.log(counts)
        weighted_lse_1d(
            queries,
            own_exponent,
            query_class,
            values,
            log_counts,
            class_counts / counts,
            float(log_counts.max()),
            inv_two_var,
            cutoff,
            lse_all,
            lse_class,
        )
    class_sizes = np.bincount(codes, minlength=n_classes)
    return lse_class - lse_all + np.log(n_samples / class_sizes)[query_class]


def _estimate_feature_relevance(X, codes, noise_std, n_mc, random_state, n_jobs):
    """I(Y; X_j + Z) and its standard error for every column j.

    One set of standard-normal draws, ``standard_noise[i, k]`` for draw ``k``
    of sample ``i``, serves every feature (common random numbers): the scores
    differ by the features, not by their Monte Carlo noise.
    """
    rng = check_random_state(random_state)
    standard_noise = rng.standard_normal((X.shape[0], n_mc))
    n_classes = int(codes.max()) + 1
    scores = np.zeros(X.shape[1])
    errors = np.zeros(X.shape[1])
    for j in range(X.shape[1]):
        column = np.ascontiguousarray(X[:, j])
        if column.min() == column.max():
            continue  # a constant feature carries no label information: exactly 0
        terms = Moments()
        terms.add(_feature_label_terms(column, codes, n_classes, standard_noise, noise_std, n_jobs))
        scores[j] = terms.mean
        errors[j] = terms.standard_error
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
def sp_feature_relevance(
    X,
    y,
    noise_std=0.5,
    *,
    standardize=True,
    n_mc=10,
    return_standard_error=False,
    random_state=None,
    n_jobs=None,
):
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
    sklearn.feature_selection.mutual_info_classif : Estimate of I(Y; X_j) without noise, by kNN.

    Notes
    -----
    The same estimator as :class:`~skinfo.NoisyMutualInformation` on the
    column alone (up to the Monte Carlo draws), computed for one dimension:
    samples with equal values are grouped, so the cost per feature is
    ``m * n_mc * u`` for ``u`` distinct values (pixels, counts and bits are
    cheap), and each query skips the values too far away to change its
    log-density (relative effect below 1e-17).

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
        # Divide by each column's peak first: the variance of values near 1e300 overflows.
        peak = np.max(np.abs(X), axis=0)
        X = X / np.where(peak > 0.0, peak, 1.0)
        std = X.std(axis=0)
        X = X / np.where(std > 0.0, std, 1.0)
    scores, errors = _estimate_feature_relevance(X, codes, noise_std, n_mc, random_state, n_jobs)
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
    attribute : str, default="label_information\\_"
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
