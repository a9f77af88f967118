"""I(X;T) and I(Y;T) for a noisy layer T = S + Z by sample propagation."""

import math
from dataclasses import dataclass

import numpy as np
from sklearn.utils import check_random_state

from .._mixture import Groups, mixture_log_sum_exp
from ..base import InformationEstimator, to_base
from ..entropy._sp import _control_variate_terms, gaussian_noise_entropy
from ..utils._sklearn_shim import (
    Integral,
    Interval,
    Real,
    StrOptions,
    _fit_context,
    validate_params,
)
from ..utils.validation import check_activations, check_labels, check_noise_std, check_positive_int

__all__ = ["NoisyMutualInformation", "noisy_mutual_information"]

_NOISY_MI_CONSTRAINTS = {
    "noise_std": [Interval(Real, 0, None, closed="neither")],
    "n_mc": [Interval(Integral, 1, None, closed="left")],
    "query_replicas": [Interval(Integral, 1, None, closed="left")],
    "method": [StrOptions({"auto", "dense", "tree"})],
    "base": [None, Interval(Real, 1, None, closed="neither")],
    "random_state": ["random_state"],
    "n_jobs": [Integral, None],
}


@dataclass(frozen=True)
class NoisyMIResult:
    """Raw result of :func:`_estimate_noisy_mi`, all in nats."""

    mutual_information: float
    standard_error: float
    entropy: float
    conditional_entropy: float
    label_information: float | None
    label_standard_error: float | None
    method: str
    n_queries: int


def _standard_error(values):
    return float(values.std(ddof=1) / math.sqrt(values.shape[0])) if values.shape[0] > 1 else 0.0


def _estimate_noisy_mi(S, codes, noise_std, n_mc, query_replicas, method, random_state, n_jobs):
    """SP estimates of I(X;T) (and I(Y;T)) with common random numbers.

    Every Monte Carlo query ``t = s_ik + z`` (replica ``k`` of input ``i``) is
    scored against three mixtures at once: all pooled centres (h(T)), input
    ``i``'s replicas (h(T|X=x_i)) and the replicas of its class (h(T|Y=y_i)).
    Then ``I(X;T) = log m + mean(lse_input - lse_all)`` and
    ``I(Y;T) = mean(lse_class - lse_all + log(m / m_class))``: the noise
    density and most of the Monte Carlo error cancel between the terms.

    Parameters
    ----------
    S : float64 ndarray of shape (m, r, d)
        Pre-noise activations, ``r`` replicas per input (``r = 1``:
        deterministic layer, whose conditional entropy is h(Z) exactly).
    codes : int64 ndarray of shape (m,) or None
        Label codes.
    noise_std, n_mc, query_replicas, method, random_state, n_jobs
        As in :class:`NoisyMutualInformation`.

    Returns
    -------
    NoisyMIResult
    """
    rng = check_random_state(random_state)
    n_inputs, n_replicas, n_features = S.shape
    has_labels = codes is not None
    if codes is None:
        codes = np.zeros(n_inputs, dtype=np.int64)
    # Order inputs by class so every input's and class's replicas are
    # contiguous centre ranges.
    order = np.argsort(codes, kind="stable")
    S = S[order]
    codes = codes[order]
    centres = S.reshape(n_inputs * n_replicas, n_features)
    class_sizes = np.bincount(codes)
    input_bounds = np.arange(n_inputs + 1, dtype=np.int64) * n_replicas
    class_bounds = np.concatenate([[0], np.cumsum(class_sizes)]).astype(np.int64) * n_replicas

    # Replicas are i.i.d. noisy passes, so the first q of each input are as good
    # a query sample as any; all r stay mixture centres.
    n_query = min(query_replicas, n_replicas)
    noise = noise_std * rng.standard_normal((n_inputs, n_query, n_mc, n_features))
    queries = (S[:, :n_query, None, :] + noise).reshape(-1, n_features)
    noise = noise.reshape(-1, n_features)
    query_input = np.repeat(np.arange(n_inputs, dtype=np.int64), n_query * n_mc)
    query_class = codes[query_input]
    groups = Groups(input_bounds, class_bounds, query_input, query_class)
    cv = _control_variate_terms(noise, noise_std)
    query_centre = (
        query_input * n_replicas + np.tile(np.repeat(np.arange(n_query, dtype=np.int64), n_mc), n_inputs)
    )
    lse, chosen = mixture_log_sum_exp(
        queries, centres, noise_std, groups=groups, query_centre=query_centre, blocks=input_bounds,
        method=method, n_jobs=n_jobs,
    )
    lse_all, lse_input, lse_class = lse.T
    if n_replicas == 1:
        # A single centre: its log-sum-exp is -||z||^2 / 2b^2 exactly.
        lse_input = -cv

    noise_entropy = gaussian_noise_entropy(n_features, noise_std)
    n_centres = n_inputs * n_replicas
    entropy = noise_entropy + math.log(n_centres) - np.mean(lse_all + cv)
    conditional = noise_entropy + math.log(n_replicas) - np.mean(lse_input + cv)
    mi_terms = lse_input - lse_all + math.log(n_inputs)
    label_information = label_se = None
    if has_labels:
        log_class_share = np.log(n_inputs / class_sizes)[query_class]
        label_terms = lse_class - lse_all + log_class_share
        label_information = float(label_terms.mean())
        label_se = _standard_error(label_terms)
    return NoisyMIResult(
        mutual_information=float(mi_terms.mean()),
        standard_error=_standard_error(mi_terms),
        entropy=float(entropy),
        conditional_entropy=float(conditional),
        label_information=label_information,
        label_standard_error=label_se,
        method=chosen,
        n_queries=queries.shape[0],
    )


def _validate_layer(S, y):
    S = check_activations(S, "S", ndims=(2, 3))
    if S.ndim == 2:
        S = S[:, None, :]
    codes = None if y is None else check_labels(y, S.shape[0], "y")[0]
    return S, codes


@validate_params(
    {"S": "no_validation", "y": "no_validation", **_NOISY_MI_CONSTRAINTS},
    prefer_skip_nested_validation=True,
)
def noisy_mutual_information(S, y=None, noise_std=0.1, *, n_mc=10, query_replicas=1, method="auto",
                             base=None, random_state=None, n_jobs=None):
    """I(X;T) (and I(Y;T)) of a noisy layer T = S + Z, X uniform over the inputs.

    Parameters
    ----------
    S : array-like of shape (m, d) or (m, r, d)
        Pre-noise activations of m equiprobable inputs: deterministic (2-D) or
        ``r`` samples per input from re-running a noisy network (3-D).
    y : array-like of shape (m,), default=None
        Labels; when given, I(Y;T) is returned too.
    noise_std : float, default=0.1
        Standard deviation of the layer's Gaussian noise.
    n_mc : int, default=10
        Monte Carlo noise draws per query sample.
    query_replicas : int, default=1
        Replicas per input used as query points (see
        :class:`NoisyMutualInformation`).
    method : {"auto", "dense", "tree"}, default="auto"
        Mixture evaluation, as in :class:`SPEntropy`.
    base : float, default=None
        Logarithm base of the results; ``None`` gives nats.
    random_state : int, RandomState instance or None, default=None
        Seeds the Monte Carlo noise.
    n_jobs : int, default=None
        Numba threads; ``None`` uses all. Results do not depend on it.

    Returns
    -------
    mutual_information : float
        I(X;T) (nats unless ``base``), not clipped at 0.
    standard_error : float
        Its Monte Carlo standard error.
    label_information : float
        I(Y;T); only returned when ``y`` is given.

    Examples
    --------
    >>> import numpy as np
    >>> from skinfo import noisy_mutual_information
    >>> S = np.array([[0.0], [10.0], [20.0], [30.0]])  # four separated inputs
    >>> mi, se = noisy_mutual_information(S, noise_std=0.5, random_state=0)
    >>> bool(abs(mi - np.log(4)) < 1e-9)
    True
    """
    S, codes = _validate_layer(S, y)
    noise_std = check_noise_std(noise_std)
    check_positive_int(n_mc, "n_mc")
    check_positive_int(query_replicas, "query_replicas")
    result = _estimate_noisy_mi(S, codes, noise_std, n_mc, query_replicas, method, random_state, n_jobs)
    out = (to_base(result.mutual_information, base), to_base(result.standard_error, base))
    if codes is not None:
        out = (*out, to_base(result.label_information, base))
    return out


class NoisyMutualInformation(InformationEstimator):
    """I(X;T) and I(Y;T) of a noisy layer by sample propagation.

    For a noisy layer T = S + Z, Z ~ N(0, noise_std^2 I), and X uniform over
    the m inputs, ``I(X;T) = h(T) - (1/m) sum_i h(T | X = x_i)`` (Goldfeld et
    al., ICML 2019). h(T) is the SP estimate over all pooled samples of S; each
    h(T | X = x_i) is exact for a deterministic layer (``(d/2) log(2 pi e b^2)``)
    or the SP estimate over the input's own replicas.

    Parameters
    ----------
    noise_std : float, default=0.1
        Standard deviation of the layer's Gaussian noise.
    n_mc : int, default=10
        Monte Carlo noise draws per query sample.
    query_replicas : int, default=1
        Replicas per input used as Monte Carlo query points (capped at r). All
        ``m * r`` pooled replicas are always mixture centres: thinning the
        centres to one per input biased I(X;T) of deeper layers by over a nat,
        while thinning the query points only raises the Monte Carlo error,
        which the standard error reports.
    method : {"auto", "dense", "tree"}, default="auto"
        Mixture evaluation, as in :class:`SPEntropy`.
    base : float, default=None
        Logarithm base of the results; ``None`` gives nats.
    random_state : int, RandomState instance or None, default=None
        Seeds the Monte Carlo noise.
    n_jobs : int, default=None
        Numba threads; ``None`` uses all. Results do not depend on it.

    Attributes
    ----------
    mutual_information_ : float
        I(X;T) (nats unless ``base``). Not clipped: values slightly below 0,
        within a few standard errors, mean I(X;T) is near 0 (clip with
        ``max(0, ...)`` if you want the authors' convention). It is at most
        ``log m`` by construction.
    standard_error_ : float
        Total standard error of the corrected estimate
        ``mutual_information_ - bias_`` (Monte Carlo, replica draw and the
        correction's own uncertainty; see :func:`replica_convergence`).
    bias_ : float
        Estimated bias of ``mutual_information_`` from the finite replica
        count (estimate minus truth); 0.0 for deterministic input.
    mc_standard_error_ : float
        Monte Carlo part of the error alone.
    converged_ : bool
        False when halving the replicas moves the plug-in estimate by more
        than the combined standard error.
    entropy_ : float
        h(T), the SP estimate over all pooled samples.
    conditional_entropy_ : float
        Mean over inputs of h(T | X = x_i).
    label_information_ : float
        I(Y;T); only set when labels were given to ``fit``.
    label_standard_error_ : float
        Total standard error of ``label_information_ - label_bias_``; only
        with labels.
    label_bias_ : float
        Estimated replica bias of ``label_information_``; only with labels.
    label_mc_standard_error_ : float
        Monte Carlo part of ``label_standard_error_``; only with labels.
    method_ : str
        The evaluation path used.
    n_features_in_ : int
        Dimension d of the layer.
    n_inputs_ : int
        Number of inputs m.
    n_replicas_ : int
        Replicas per input r (1 for deterministic activations).

    See Also
    --------
    SPEntropy : The underlying entropy estimator.

    Notes
    -----
    Common random numbers: each query point is scored against the pooled, the
    per-input and the per-class mixtures in one pass, so
    ``I(X;T) = log m + mean(log g_i(t) - log g(t) + log r - log(m r))``; the
    noise density cancels exactly and m well-separated inputs give ``log m``
    to rounding error.

    Examples
    --------
    >>> import numpy as np
    >>> from skinfo import NoisyMutualInformation
    >>> S = np.array([[-3.0], [-1.0], [1.0], [3.0]])
    >>> est = NoisyMutualInformation(noise_std=0.01, random_state=0).fit(S, y=[0, 0, 1, 1])
    >>> round(est.mutual_information_, 6), round(est.label_information_, 6)
    (1.386294, 0.693147)
    """

    _parameter_constraints = dict(_NOISY_MI_CONSTRAINTS)

    def __init__(self, noise_std=0.1, *, n_mc=10, query_replicas=1, method="auto", base=None,
                 random_state=None, n_jobs=None):
        self.noise_std = noise_std
        self.n_mc = n_mc
        self.query_replicas = query_replicas
        self.method = method
        self.base = base
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _run(self, S, y):
        return _estimate_noisy_mi(
            S, y, check_noise_std(self.noise_std), self.n_mc, self.query_replicas, self.method,
            self.random_state, self.n_jobs,
        )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, S, y=None):
        """Estimate I(X;T) (and I(Y;T) when ``y`` is given).

        Parameters
        ----------
        S : array-like of shape (m, d) or (m, r, d)
            Pre-noise activations of m equiprobable inputs, deterministic or
            with r noisy replicas each.
        y : array-like of shape (m,), default=None
            Labels of the inputs.

        Returns
        -------
        self : NoisyMutualInformation
            The fitted estimator.
        """
        S, codes = _validate_layer(S, y)
        result = self._run(S, codes)
        # TEMP wiring (the lead redoes it in the refactored fit): replica bias and total error.
        from ._replica import _estimate_replica_correction

        correction = _estimate_replica_correction(
            S, codes, check_noise_std(self.noise_std), self.n_mc, self.query_replicas, self.method,
            check_random_state(self.random_state).randint(2**31 - 1), self.n_jobs, result,
        )
        self.bias_ = to_base(correction.bias, self.base)
        self.mc_standard_error_ = to_base(correction.mc_standard_error, self.base)
        self.converged_ = correction.converged
        self.n_features_in_ = S.shape[2]
        self.n_inputs_, self.n_replicas_ = S.shape[:2]
        self.mutual_information_ = to_base(result.mutual_information, self.base)
        self.standard_error_ = to_base(correction.standard_error, self.base)
        self.entropy_ = to_base(result.entropy, self.base)
        self.conditional_entropy_ = to_base(result.conditional_entropy, self.base)
        self.method_ = result.method
        if codes is not None:
            self.label_information_ = to_base(result.label_information, self.base)
            self.label_standard_error_ = to_base(correction.label_standard_error, self.base)
            self.label_bias_ = to_base(correction.label_bias, self.base)
            self.label_mc_standard_error_ = to_base(correction.label_mc_standard_error, self.base)
        else:
            for name in ("label_information_", "label_standard_error_", "label_bias_",
                         "label_mc_standard_error_"):
                if hasattr(self, name):
                    delattr(self, name)
        return self

    def _score(self, S, y=None):
        S, codes = _validate_layer(S, y)
        if S.shape[2] != self.n_features_in_:
            # scikit-learn's wording (its checks match it); the features are S's last axis.
            raise ValueError(
                f"X has {S.shape[2]} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input (the last axis of S)."
            )
        return to_base(self._run(S, codes).mutual_information, self.base)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags
