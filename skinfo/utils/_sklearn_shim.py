"""The only module that imports scikit-learn's private helpers.

scikit-learn moves these between releases; keeping every private import here
means an upgrade touches one file.
"""

import scipy.sparse as sp
from sklearn.base import _fit_context  # noqa: F401
from sklearn.utils._param_validation import (  # noqa: F401
    Integral,
    Interval,
    Real,
    StrOptions,
    validate_params,
)
from sklearn.utils.validation import _check_feature_names as check_feature_names  # noqa: F401
from sklearn.utils.validation import check_is_fitted  # noqa: F401
from sklearn.utils.validation import validate_data as _sklearn_validate_data

from .validation import as_numpy


def validate_data(estimator, X="no_validation", y="no_validation", **kwargs):
    """scikit-learn's ``validate_data``, reading framework tensors first.

    ``np.asarray`` refuses tensors that track gradients and objects that only
    speak DLPack; :func:`skinfo.utils.validation.as_numpy` reads both, so it
    runs before scikit-learn sees ``X``.
    """
    if not isinstance(X, str) and not sp.issparse(X):
        X = as_numpy(X, "X")
    return _sklearn_validate_data(estimator, X, y, **kwargs)
