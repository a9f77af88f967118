"""Estimator wrapper putting clustering scores in the fit/score world."""

from dataclasses import dataclass

import numpy as np

from ..base import InformationEstimator, InformationResult
from ..utils._sklearn_shim import Integral, StrOptions
from ._cosine import cosine_similarity_summary
from ._silhouette import _estimate_silhouette_samples

__all__ = ["ClusteringResult", "ClusteringScore"]


@dataclass(frozen=True)
class ClusteringResult(InformationResult):
    """Fitted values of :class:`ClusteringScore` (dimensionless).

    Attributes
    ----------
    score : float
        The configured clustering measure.
    n_labels : int
        Number of distinct labels.
    """

    score: float
    n_labels: int


class ClusteringScore(InformationEstimator):
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
    _input_name = "T"
    _labels = "required"
    _result = ClusteringResult
    _score_field = "score"

    def __init__(self, metric="euclidean", *, measure="silhouette", n_jobs=None):
        self.metric = metric
        self.measure = measure
        self.n_jobs = n_jobs

    def _estimate(self, T, codes):
        n_labels = int(codes.max()) + 1
        if self.measure == "cosine_gap":
            return ClusteringResult(float(cosine_similarity_summary(T, codes).gap), n_labels)
        if n_labels < 2 or n_labels > T.shape[0] - 1:
            raise ValueError(
                f"Number of labels is {n_labels} (n_samples = {T.shape[0]}). Valid values are 2 to "
                f"n_samples - 1 (inclusive): the silhouette needs at least 2 classes and one class with "
                f"2 or more samples."
            )
        values = _estimate_silhouette_samples(np.ascontiguousarray(T), codes, self.metric, self.n_jobs)
        return ClusteringResult(float(values.mean()), n_labels)
