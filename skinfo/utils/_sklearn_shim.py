"""The only module that imports scikit-learn's private helpers.

scikit-learn moves these between releases; keeping every private import here
means an upgrade touches one file.
"""

from sklearn.base import _fit_context  # noqa: F401
from sklearn.utils._param_validation import (  # noqa: F401
    Integral,
    Interval,
    Real,
    StrOptions,
    validate_params,
)
from sklearn.utils.validation import check_is_fitted, validate_data  # noqa: F401
