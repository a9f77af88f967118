"""Estimator wrapper putting clustering scores in the fit/score world."""

from sklearn.base import BaseEstimator

from ..utils._sklearn_shim import Integral, StrOptions, _fit_context, check_is_fitted
from ..utils.validation import check_activations
from ._cosine import _check_cosine_input, cosine_similarity_summary
from ._silhouette import _check_silhouette_input, _estimate_silhouette_samples

__all__ = ["ClusteringScore"]


class ClusteringScore(BaseEstimator):
    """How well labelled representations cluster by class, as an estimator.

    Parameters
    ----------
    metric : {"euclidean", "cosine"}, default="euclidean"
        Distance of the silhouette; ignored by ``measure="cosine_gap"``.
    measure : {"silhouette", "cosine_gap"}, default="silhouette"
        ``"silhouette"``: mean silhouette coefficient (as
        :func:`silhouette_score`), in [-1, 1]. ``"cosine_gap"``: mean
        within-class minus mean between-class cosine similarity (as
        :func:`cosine_similarity_summary`), in [-2, 2]. (Named ``measure``,
        not ``score``, because scikit-learn stores every parameter as an
        attribute, which would hide the ``score`` method.)
    n_jobs : int, default=None
        Numba threads for the silhouette; results do not depend on it.

    Attributes
    ----------
    score_ : float
        The score of the data given to ``fit`` (dimensionless).
    n_features_in_ : int
        Number of features seen in ``fit``.
    n_labels_ : int
        Number of distinct labels seen in ``fit``.

    See Also
    --------
    silhouette_score : The silhouette as a function.
    cosine_similarity_summary : Within- and between-class cosine similarity.

    Examples
    --------
    >>> from skinfo import ClusteringScore
    >>> T = [[0.0], [1.0], [10.0], [11.0]]
    >>> round(ClusteringScore().fit(T, [0, 0, 1, 1]).score_, 6)
    0.899749
    """

    _parameter_constraints = {
        "metric": [StrOptions({"euclidean", "cosine"})],
        "measure": [StrOptions({"silhouette", "cosine_gap"})],
        "n_jobs": [Integral, None],
    }

    def __init__(self, metric="euclidean", measure="silhouette", n_jobs=None):
        self.metric = metric
        self.measure = measure
        self.n_jobs = n_jobs

    def _compute(self, T, y):
        if y is None:
            raise ValueError(
                "ClusteringScore requires y to be passed, but the target y is None; give the class "
                "of every row of T."
            )
        if self.measure == "cosine_gap":
            T, _, classes = _check_cosine_input(T, y)
            return T, classes.shape[0], cosine_similarity_summary(T, y).gap
        T, codes = _check_silhouette_input(T, y)
        values = _estimate_silhouette_samples(T, codes, self.metric, self.n_jobs)
        return T, int(codes.max()) + 1, float(values.mean())

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, T, y):
        """Score how ``T`` clusters by the labels ``y``.

        Parameters
        ----------
        T : array-like of shape (n_samples, n_features)
            Representations (e.g. a layer's activations).
        y : array-like of shape (n_samples,)
            Class of every sample.

        Returns
        -------
        self : ClusteringScore
            The fitted estimator.
        """
        T, self.n_labels_, self.score_ = self._compute(T, y)
        self.n_features_in_ = T.shape[1]
        return self

    def score(self, T, y):
        """The configured measure of ``T`` with labels ``y``.

        Parameters
        ----------
        T : array-like of shape (n_samples, n_features)
            Representations with the number of features seen in ``fit``.
        y : array-like of shape (n_samples,)
            Class of every sample.

        Returns
        -------
        float
            The score (``score_`` when given the data of ``fit``).
        """
        check_is_fitted(self)
        T = check_activations(T, "T", ndims=(2,))
        if T.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {T.shape[1]} features, but ClusteringScore is expecting {self.n_features_in_} "
                f"features as input."
            )
        return self._compute(T, y)[2]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.input_tags.allow_nan = False
        return tags
