"""I(X;T) and I(Y;T) for a noisy layer T = S + Z by sample propagation."""

from dataclasses import dataclass, replace

import numpy as np
from sklearn.utils import check_random_state

from .._mixture import MIXTURE_METHODS
from .._sp_core import BACKENDS, sample_propagation, select_evaluator
from ..base import InformationEstimator, InformationResult
from ..utils._device import tensor_device
from ..utils._sklearn_shim import Integral, Interval, Real, StrOptions, validate_params
from ..utils.validation import check_activations, check_labels, check_noise_std
from ._replica import _estimate_replica_correction

__all__ = ["NoisyMIResult", "NoisyMutualInformation", "noisy_mutual_information"]

_NOISY_MI_CONSTRAINTS = {
    "noise_std": [Interval(Real, 0, None, closed="neither")],
    "n_mc": [Interval(Integral, 1, None, closed="left")],
    "query_replicas": [Interval(Integral, 1, None, closed="left")],
    "method": [StrOptions(set(MIXTURE_METHODS))],
    "base": [None, Interval(Real, 1, None, closed="neither")],
    "random_state": ["random_state"],
    "n_jobs": [Integral, None],
    "backend": [StrOptions(set(BACKENDS))],
}


@dataclass(frozen=True)
class NoisyMIResult(InformationResult):
    """Result of :func:`noisy_mutual_information`; fitted values of :class:`NoisyMutualInformation`.

    Unpacks like the tuple it replaces: ``mi, se = noisy_mutual_information(S)``
    and, with labels, ``mi, se, label_mi = noisy_mutual_information(S, y)``.

    Parameters
    ----------
    mutual_information : float
        I(X;T) (nats unless a ``base`` was given), not clipped at 0.
    standard_error : float
        Total standard error of the corrected estimate
        ``mutual_information - bias``: Monte Carlo integration, the replica
        draw and the uncertainty of the correction (the Monte Carlo part alone
        for deterministic input).
    entropy : float
        The SP estimate of h(T) over all pooled samples.
    conditional_entropy : float
        Mean over inputs of h(T | X = x_i).
    label_information : float or None
        I(Y;T); ``None`` without labels.
    label_standard_error : float or None
        Total standard error of ``label_information - label_bias``; ``None``
        without labels.
    method : str
        The mixture evaluation path used.
    n_queries : int
        Number of Monte Carlo query points.
    backend : {"numba", "torch"}, default="numba"
        What evaluated the mixture.
    bias : float, default=0.0
        Estimated bias of ``mutual_information`` from the finite replica
        count (estimate minus truth); exactly 0.0 for deterministic input.
    mc_standard_error : float or None, default=None
        The Monte Carlo part of ``standard_error`` alone.
    label_bias : float or None, default=None
        Estimated replica bias of ``label_information``; ``None`` without labels.
    label_mc_standard_error : float or None, default=None
        Monte Carlo part of ``label_standard_error``; ``None`` without labels.
    converged : bool, default=True
        False when halving the replicas moves the plug-in by more than the
        combined standard error (and 0.01 nats): report the corrected value.
    label_converged : bool or None, default=None
        The same for ``label_information``; ``None`` without labels.

    Examples
    --------
    >>> from skinfo import noisy_mutual_information
    >>> result = noisy_mutual_information([[0.0], [10.0], [20.0]], [0, 0, 1], noise_std=0.5, random_state=0)
    >>> mi, se, label_mi = result  # unpacks like the old tuple
    >>> round(result.mutual_information, 6), round(result.label_information, 6)
    (1.098612, 0.636514)
    """

    mutual_information: float
    standard_error: float
    entropy: float
    conditional_entropy: float
    label_information: float | None
    label_standard_error: float | None
    method: str
    n_queries: int
    backend: str = "numba"
    bias: float = 0.0
    mc_standard_error: float | None = None
    label_bias: float | None = None
    label_mc_standard_error: float | None = None
    converged: bool = True
    label_converged: bool | None = None

    _nats = (
        "mutual_information",
        "standard_error",
        "entropy",
        "conditional_entropy",
        "label_information",
        "label_standard_error",
        "bias",
        "mc_standard_error",
        "label_bias",
        "label_mc_standard_error",
    )
    _label_fields = (
        "label_information",
        "label_standard_error",
        "label_bias",
        "label_mc_standard_error",
        "label_converged",
    )
    _legacy = ("mutual_information", "standard_error", "label_information")


def _estimate_noisy_mi(
    S, codes, noise_std, n_mc, query_replicas, method, random_state, n_jobs, backend="numba", device=None
):
    """SP estimates of I(X;T) (and I(Y;T)) with common random numbers.

    Every Monte Carlo query ``t = s_ik + z`` (replica ``k`` of input ``i``) is
    scored against three mixtures at once: all pooled centres (h(T)), input
    ``i``'s replicas (h(T|X=x_i)) and the replicas of its class (h(T|Y=y_i)).
    Then ``I(X;T) = log m + mean(lse_input - lse_all)`` and
    ``I(Y;T) = mean(lse_class - lse_all + log(m / m_class))``: the noise
    density and most of the Monte Carlo error cancel between the terms (see
    :mod:`skinfo._sp_core`).

    Parameters
    ----------
    S : float64 ndarray of shape (m, r, d)
        Pre-noise activations, ``r`` replicas per input (``r = 1``:
        deterministic layer, whose conditional entropy is h(Z) exactly).
    codes : int64 ndarray of shape (m,) or None
        Label codes.
    noise_std, n_mc, query_replicas, method, random_state, n_jobs, backend
        As in :class:`NoisyMutualInformation`.
    device : torch.device or None
        Accelerator the input tensor lived on (``backend="auto"`` runs there).

    Returns
    -------
    NoisyMIResult
        In nats.
    """
    if S.shape[1] > 1 and np.array_equal(S, np.broadcast_to(S[:, :1], S.shape)):
        # Identical replicas (a layer deterministic given x, e.g. the first noisy
        # layer): the same mixtures with one centre per input, and no replica bias.
        S = S[:, :1]
    backend, evaluate = select_evaluator(backend, device)
    rng = check_random_state(random_state)
    table = sample_propagation(
        S,
        codes,
        noise_std,
        n_mc=n_mc,
        query_replicas=query_replicas,
        method=method,
        random_state=rng,
        n_jobs=n_jobs,
        evaluate=evaluate,
        # The replica correction scores subsets of the same blocks: it reuses the graph.
        keep_plan=backend == "numba" and S.shape[1] > 1,
    )
    plugin = NoisyMIResult(
        mutual_information=table.mutual_information,
        standard_error=table.mutual_information_se,
        entropy=table.entropy,
        conditional_entropy=table.conditional_entropy,
        label_information=table.label_information,
        label_standard_error=table.label_information_se,
        method=table.method,
        n_queries=table.n_queries,
        backend=backend,
        mc_standard_error=table.mutual_information_se,
        label_mc_standard_error=table.label_information_se,
        label_bias=None if codes is None else 0.0,
        label_converged=None if codes is None else True,
    )
    if S.shape[1] == 1:
        return plugin  # deterministic layer: no replica bias
    # The correction scores nested subsets of the same centres: where "auto"
    # found nothing to prune in the full mixture, its subsets go dense too
    # without paying the planner's probes again (~25 % of the correction).
    correction_method = "dense" if method == "auto" and table.method == "dense" else method
    # Its own seed, so the correction's queries are independent of the plug-in's.
    correction = _estimate_replica_correction(
        S,
        codes,
        noise_std,
        n_mc,
        query_replicas,
        correction_method,
        rng.randint(2**31 - 1),
        n_jobs,
        plugin,
        plan=table.plan,
    )
    return replace(
        plugin,
        bias=correction.bias,
        standard_error=correction.standard_error,
        label_bias=correction.label_bias,
        label_standard_error=correction.label_standard_error,
        converged=correction.converged,
        label_converged=correction.label_converged,
    )


@validate_params(
    {"S": "no_validation", "y": "no_validation", **_NOISY_MI_CONSTRAINTS},
    prefer_skip_nested_validation=True,
)
def noisy_mutual_information(
    S,
    y=None,
    noise_std=0.1,
    *,
    n_mc=10,
    query_replicas=1,
    method="auto",
    base=None,
    random_state=None,
    n_jobs=None,
    backend="auto",
):
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
    method : {"auto", "dense", "tree", "pruned"}, default="auto"
        Mixture evaluation, as in :class:`SPEntropy`.
    base : float, default=None
        Logarithm base of the results; ``None`` gives nats.
    random_state : int, RandomState instance or None, default=None
        Seeds the Monte Carlo noise.
    n_jobs : int, default=None
        Numba threads; ``None`` uses all. Results do not depend on it.
    backend : {"auto", "numba", "torch"}, default="auto"
        What evaluates the mixture: the Numba kernels (CPU, the reference), or
        PyTorch on the device of ``S`` (needs the ``torch`` extra; always the
        exact dense sum). ``"auto"`` takes torch only when ``S`` is a tensor on
        an accelerator.

    Returns
    -------
    NoisyMIResult
        ``mutual_information`` (I(X;T), nats unless ``base``, not clipped at
        0), ``standard_error``, ``entropy``, ``conditional_entropy``,
        ``label_information`` and ``label_standard_error`` (``None`` without
        ``y``), ``method``, ``n_queries``. Unpacks as ``mi, se`` or, with
        ``y``, ``mi, se, label_mi``.

    Examples
    --------
    >>> import numpy as np
    >>> from skinfo import noisy_mutual_information
    >>> S = np.array([[0.0], [10.0], [20.0], [30.0]])  # four separated inputs
    >>> mi, se = noisy_mutual_information(S, noise_std=0.5, random_state=0)
    >>> bool(abs(mi - np.log(4)) < 1e-9)
    True
    """
    device = tensor_device(S)
    if device is not None and backend != "numba":
        S = S.detach().cpu()
    S = check_activations(S, "S", ndims=(2, 3))
    if S.ndim == 2:
        S = S[:, None, :]
    codes = None if y is None else check_labels(y, S.shape[0], "y")[0]
    result = _estimate_noisy_mi(
        S,
        codes,
        check_noise_std(noise_std),
        n_mc,
        query_replicas,
        method,
        random_state,
        n_jobs,
        backend,
        device,
    )
    return result.in_base(base)


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
    method : {"auto", "dense", "tree", "pruned"}, default="auto"
        Mixture evaluation, as in :class:`SPEntropy`.
    base : float, default=None
        Logarithm base of the results; ``None`` gives nats.
    random_state : int, RandomState instance or None, default=None
        Seeds the Monte Carlo noise.
    n_jobs : int, default=None
        Numba threads; ``None`` uses all. Results do not depend on it.
    backend : {"auto", "numba", "torch"}, default="auto"
        What evaluates the mixture: the Numba kernels (CPU, the reference), or
        PyTorch on the device of ``S`` (needs the ``torch`` extra; always the
        exact dense sum). ``"auto"`` takes torch only when ``S`` is a tensor on
        an accelerator.

    Attributes
    ----------
    mutual_information_ : float
        I(X;T) (nats unless ``base``). Not clipped: values slightly below 0,
        within a few standard errors, mean I(X;T) is near 0 (clip with
        ``max(0, ...)`` if you want the authors' convention). It is at most
        ``log m`` by construction.
    standard_error_ : float
        Total standard error of the corrected estimate
        ``mutual_information_ - bias_``: the Monte Carlo integration, the
        replica draw and the uncertainty of the correction itself (equal to
        ``mc_standard_error_`` for deterministic input).
    bias_ : float
        Estimated bias of ``mutual_information_`` from the finite replica
        count (estimate minus truth), so ``mutual_information_ - bias_`` is
        the corrected estimate; exactly 0.0 for deterministic (m, d) input.
        See :ref:`user_guide_replicas` for the method and its cost.
    mc_standard_error_ : float
        The Monte Carlo part of ``standard_error_`` alone.
    converged_ : bool
        False when halving the replicas moves the plug-in estimate by more
        than the combined standard error (and 0.01 nats); then report the
        corrected value, or use more replicas (:func:`replica_convergence`).
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
    label_converged_ : bool
        As ``converged_``, for ``label_information_``; only with labels.
    method_ : str
        The evaluation path used.
    n_queries_ : int
        Number of Monte Carlo query points, ``m * min(query_replicas, r) * n_mc``.
    backend_ : {"numba", "torch"}
        What evaluated the mixture.
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
    _input_name = "S"
    _input_ndims = (2, 3)
    _labels = "optional"
    _result = NoisyMIResult
    _score_field = "mutual_information"

    def __init__(
        self,
        noise_std=0.1,
        *,
        n_mc=10,
        query_replicas=1,
        method="auto",
        base=None,
        random_state=None,
        n_jobs=None,
        backend="auto",
    ):
        self.noise_std = noise_std
        self.n_mc = n_mc
        self.query_replicas = query_replicas
        self.method = method
        self.base = base
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.backend = backend

    def _estimate(self, S, codes):
        return _estimate_noisy_mi(
            S,
            codes,
            check_noise_std(self.noise_std),
            self.n_mc,
            self.query_replicas,
            self.method,
            self.random_state,
            self.n_jobs,
            self.backend,
            self._device,
        )
