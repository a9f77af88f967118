"""Common base of skinfo's estimators and of their results.

The path from activations to fitted attributes is one line, the same for every
estimator::

    fit(X, y)
      -> parameters checked against ``_parameter_constraints`` (``_fit_context``)
      -> ``_validate(X, y)``: one conversion and check of X (and of y), feature
         names and counts recorded or compared
      -> ``_estimate(X, y)``: the estimator's private ``_estimate_*`` function,
         which returns an :class:`InformationResult` in nats
      -> ``_set_fitted(result)``: every result field becomes ``<field>_``,
         information fields converted by ``base``; label-only fields are set
         when labels were given and removed otherwise.

``score`` runs the same validation and estimate and returns the headline field.
A new estimator declares what it accepts (``_input_name``, ``_input_ndims``,
``_labels``), which field ``score`` returns (``_score_field``), and implements
``_estimate``; it writes no ``fit`` of its own.
"""

import dataclasses
import math
from typing import ClassVar

from sklearn.base import BaseEstimator

from .utils._sklearn_shim import _fit_context, check_feature_names, check_is_fitted
from .utils.validation import check_activations, check_labels

__all__ = ["InformationEstimator", "InformationResult", "to_base"]


def to_base(value_in_nats, base):
    """Convert an information quantity from nats to ``base`` (``None``: nats).

    Parameters
    ----------
    value_in_nats : float or None
        The quantity in nats; ``None`` passes through.
    base : float or None
        Logarithm base of the result.

    Returns
    -------
    float or None
        ``value_in_nats / log(base)``.
    """
    if base is None or value_in_nats is None:
        return value_in_nats
    return value_in_nats / math.log(base)


@dataclasses.dataclass(frozen=True)
class InformationResult:
    """Base of the result dataclasses that the public functions return.

    Subclasses list which fields are information quantities (``_nats``,
    converted by ``base``), which exist only with labels (``_label_fields``,
    ``None`` without them) and which fields the function returned as a tuple
    before results were named (``_legacy``): a result unpacks, indexes and
    compares like that tuple, so ``h, se = sp_entropy(...)`` keeps working.
    """

    _nats: ClassVar[tuple] = ()
    _label_fields: ClassVar[tuple] = ()
    _legacy: ClassVar[tuple] = ()

    def _legacy_values(self):
        return tuple(
            getattr(self, name)
            for name in self._legacy
            if not (name in self._label_fields and getattr(self, name) is None)
        )

    def __iter__(self):
        return iter(self._legacy_values())

    def __len__(self):
        return len(self._legacy_values())

    def __getitem__(self, index):
        return self._legacy_values()[index]

    def in_base(self, base):
        """The same result with every information field converted to ``base``.

        Parameters
        ----------
        base : float or None
            Logarithm base; ``None`` keeps nats.

        Returns
        -------
        InformationResult
            A copy (``self`` when ``base`` is ``None``).
        """
        if base is None:
            return self
        return dataclasses.replace(self, **{name: to_base(getattr(self, name), base) for name in self._nats})


class InformationEstimator(BaseEstimator):
    """Base of skinfo's estimators: the fit template (see the module docstring).

    Class attributes a subclass sets:

    - ``_input_name``: the name of X in error messages (``"S"``, ``"T"``, ``"X"``);
    - ``_input_ndims``: accepted ranks; with 3 in it, 2-D input is read as one
      replica per input, the estimate sees ``(m, r, d)`` and the fitted
      attributes include ``n_inputs_`` and ``n_replicas_`` (else ``n_samples_fit_``);
    - ``_labels``: ``None`` (y ignored), ``"optional"`` or ``"required"`` class
      labels (passed on as int64 codes), or ``"block"`` (y is a second data block);
    - ``_result``: the :class:`InformationResult` subclass ``_estimate`` returns;
    - ``_score_field``: the result field ``score`` returns.
    """

    _input_name = "X"
    _input_ndims = (2,)
    _labels = None
    _result = InformationResult
    _score_field = None

    # --- the template -------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate the data, estimate, and store the results as attributes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (m, r, d)
            Activations (the accepted shapes are given by each estimator).
        y : array-like of shape (n_samples,), default=None
            Labels (or the second block), when the estimator uses them.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        X, y = self._validate(X, y, reset=True)
        self._set_fitted(self._estimate(X, y), X)
        return self

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
        check_is_fitted(self)
        X, y = self._validate(X, y, reset=False)
        return self._in_base(getattr(self._estimate_for_score(X, y), self._score_field), self._score_field)

    # --- hooks ----------------------------------------------------------------
    def _estimate(self, X, y):
        """Return an :class:`InformationResult` in nats for validated data."""
        raise NotImplementedError

    def _estimate_for_score(self, X, y):
        """The estimate ``score`` reports; ``fit``'s unless fitted settings differ."""
        return self._estimate(X, y)

    def _store_fit_data(self, X):
        """Keep what later queries need (e.g. mixture centres); nothing by default."""

    # --- machinery ------------------------------------------------------------
    def _in_base(self, value, field_name):
        return to_base(value, getattr(self, "base", None)) if field_name in self._result._nats else value

    def _validate(self, X, y, *, reset, name=None):
        kind = self._labels
        if kind == "required" or kind == "block":
            if y is None:
                raise ValueError(
                    f"{type(self).__name__} requires y to be passed, but the target y is None; "
                    + ("y is the second block of I(X;Y)." if kind == "block" else "give one label per input.")
                )
        check_feature_names(self, X, reset=reset)
        name = self._input_name if name is None else name
        array = check_activations(X, name, ndims=self._input_ndims)
        if 3 in self._input_ndims and array.ndim == 2:
            array = array[:, None, :]
        n_features = array.shape[-1]
        if reset:
            self.n_features_in_ = n_features
        elif n_features != self.n_features_in_:
            # scikit-learn's wording, which its estimator checks match.
            raise ValueError(
                f"X has {n_features} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input (the last axis of {name})."
            )
        if kind == "block":
            second = check_activations(y, "y", ndims=(1, 2))
            second = second.reshape(-1, 1) if second.ndim == 1 else second
            if second.shape[0] != array.shape[0]:
                raise ValueError(
                    f"X and y must have the same number of samples; got {array.shape[0]} and "
                    f"{second.shape[0]} rows."
                )
            return array, second
        if kind is None or y is None:
            return array, None
        return array, check_labels(y, array.shape[0], "y")[0]

    def _set_fitted(self, result, X):
        base = getattr(self, "base", None)
        for field in dataclasses.fields(result):
            name, value = field.name, getattr(result, field.name)
            attribute = name + "_"
            if value is None and name in result._label_fields:
                if hasattr(self, attribute):
                    delattr(self, attribute)
                continue
            setattr(self, attribute, to_base(value, base) if name in result._nats else value)
        if 3 in self._input_ndims:
            self.n_inputs_, self.n_replicas_ = X.shape[:2]
        else:
            self.n_samples_fit_ = X.shape[0]
        self._store_fit_data(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = self._labels in ("required", "block")
        tags.input_tags.allow_nan = False
        tags.input_tags.three_d_array = 3 in self._input_ndims
        return tags
