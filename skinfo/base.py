"""Common base of skinfo's estimators.

An estimator holds parameters (stored unchanged by ``__init__``) and results
(fitted attributes ending in ``_``); all numerics live in the private
``_estimate_*`` functions, which the public function forms share.
"""

import math

from sklearn.base import BaseEstimator

__all__ = ["InformationEstimator", "to_base"]


def to_base(value_in_nats, base):
    """Convert an information quantity from nats to ``base`` (``None``: nats)."""
    if base is None:
        return value_in_nats
    return value_in_nats / math.log(base)


class InformationEstimator(BaseEstimator):
    """Base for estimators whose ``score`` returns an information quantity.

    Subclasses implement ``fit`` and ``_score(X, y)``, which re-estimates the
    headline quantity on new data with the fitted settings.
    """

    def score(self, X, y=None):
        """Re-estimate the headline quantity on ``X`` with the fitted settings.

        Parameters
        ----------
        X : array-like
            Data of the shape accepted by ``fit``.
        y : array-like of shape (n_samples,), default=None
            Labels, when the estimator uses them.

        Returns
        -------
        float
            The estimate for ``X`` (nats unless ``base`` says otherwise).
        """
        from .utils._sklearn_shim import check_is_fitted

        check_is_fitted(self)
        return self._score(X, y)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        tags.input_tags.allow_nan = False
        return tags
