"""The one sample-propagation (SP) core: a batched query table and its reductions.

Every SP quantity is a mean over Monte Carlo query points ``t = s_ik + z``
(replica ``k`` of input ``i`` plus Gaussian noise) of a few log-densities of
``t``, taken against three mixtures of the same pooled centres at once
(common random numbers):

- ``lse_all``: all ``m r`` centres (the density of T),
- ``lse_input``: input ``i``'s ``r`` replicas (T given X = x_i),
- ``lse_class``: the replicas of input ``i``'s class (T given Y = y_i),

each a log-sum-exp of ``-||t - c||^2 / (2 b^2)``, plus the control variate
``cv = ||z||^2 / (2 b^2)`` (``-log phi(z)`` without its constant).  Then

- ``h(T) = h(Z) + log(m r) - mean(lse_all + cv)``,
- ``h(T | X) = h(Z) + log r - mean(lse_input + cv)``,
- ``I(X;T) = mean(lse_input - lse_all + log m)``,
- ``I(Y;T) = mean(lse_class - lse_all + log(m / m_class))``,

and every standard error is the spread of the same per-query terms (one
formula, :class:`Moments`).  :func:`sample_propagation` computes the table in
batches of at most ``QUERY_BATCH_VALUES`` noise values, so memory is bounded
whatever ``m * r * n_mc`` is; the noise stream does not depend on the batch
size, so neither do the results.

Numerics: the centres are centred per feature before noise is added, so the
estimate is translation invariant to float precision, and the control variate
uses the noise actually represented in ``t`` (``t - s``), not the draw.  When the
centred activations are so large that float64 cannot resolve a thousandth of a
noise std next to them, no estimate is meaningful and a ``ValueError`` says so.
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree
from sklearn.utils import check_random_state

from ._mixture import _SPATIAL_ORDER_MAX_FEATURES, Groups, mixture_log_sum_exp

__all__ = [
    "BACKENDS",
    "Moments",
    "SPTable",
    "centre_activations",
    "gaussian_noise_entropy",
    "sample_propagation",
    "select_evaluator",
]

BACKENDS = ("auto", "numba", "torch")

# Noise values drawn and scored per batch (64 MiB of float64 per array).
QUERY_BATCH_VALUES = 1 << 23
# Requests beyond this many kernel evaluations (queries x centres) would run for
# days on a workstation: refused with the size, instead of running unchecked.
MAX_KERNEL_EVALUATIONS = 1 << 44
# The smallest fraction of a noise std that float64 must resolve next to the
# centred activations; coarser rounding distorts the Gaussian noise itself.
_MIN_RESOLVED_FRACTION = 1e-3


def gaussian_noise_entropy(n_features, noise_std):
    """Differential entropy of N(0, noise_std^2 I) in ``n_features`` dimensions.

    Parameters
    ----------
    n_features : int
        Dimension d of the noise.
    noise_std : float
        Standard deviation of every coordinate.

    Returns
    -------
    float
        ``(d / 2) log(2 pi e noise_std^2)``, in nats.

    Examples
    --------
    >>> import numpy as np
    >>> from skinfo.entropy import gaussian_noise_entropy
    >>> bool(np.isclose(gaussian_noise_entropy(2, 1.0), np.log(2 * np.pi * np.e)))
    True
    """
    return 0.5 * n_features * math.log(2.0 * math.pi * math.e * noise_std**2)


def centre_activations(S, noise_std, name="S"):
    """Subtract the per-feature mean and check float64 resolves the noise.

    Subtracting a value close to the data is exact when the spread is small
    next to the offset (Sterbenz), which is the case that loses precision.

    Parameters
    ----------
    S : float64 ndarray of shape (..., n_features)
    noise_std : float
    name : str
        Argument name for the error message.

    Returns
    -------
    ndarray of the same shape
        ``S`` minus its mean over all but the last axis.
    """
    flat = S.reshape(-1, S.shape[-1])
    # The mean of huge values can overflow; the midrange cannot.
    low, high = flat.min(axis=0), flat.max(axis=0)
    offset = low + 0.5 * (high - low) if np.all(np.isfinite(high - low)) else 0.5 * low + 0.5 * high
    centred = S - offset
    scale = float(np.max(np.abs(centred)))
    resolution = float(np.spacing(scale)) if scale > 0.0 else 0.0
    if not np.isfinite(scale) or resolution > _MIN_RESOLVED_FRACTION * noise_std:
        raise ValueError(
            f"{name} spans {scale:.3g} around its centre, where float64 resolves only {resolution:.3g}: "
            f"more than {_MIN_RESOLVED_FRACTION:g} of noise_std={noise_std!r}, so the noise cannot be "
            f"represented next to the activations. Use a larger noise_std (relative to the spread of "
            f"{name}), or rescale {name} so its spread is below about {noise_std * 1e12:.3g}."
        )
    return centred


def select_evaluator(backend, device):
    """The mixture evaluator for ``backend`` and the name of what runs.

    ``"auto"`` takes torch only for tensors on an accelerator (``device`` not
    ``None``); the Numba kernels are the default and the reference.

    Returns
    -------
    name : {"numba", "torch"}
    evaluate : callable
        Same signature and result as :func:`skinfo._mixture.mixture_log_sum_exp`.
    """
    if backend == "numba" or (backend == "auto" and device is None):
        return "numba", mixture_log_sum_exp
    try:
        from .torch._mixture import torch_mixture_log_sum_exp
    except ImportError as exc:
        raise ValueError(
            f'backend={backend!r} needs PyTorch; install it with: python -m pip install "skinfo[torch]".'
        ) from exc

    def evaluate(
        queries,
        centres,
        noise_std,
        *,
        groups=None,
        query_centre=None,
        blocks=None,
        method="auto",
        n_jobs=None,
    ):
        # The torch path is always the dense sum (exact); query_centre/blocks serve only pruning.
        groups = Groups.none(queries.shape[0]) if groups is None else groups
        return torch_mixture_log_sum_exp(queries, centres, noise_std, groups, device=device), "dense"

    return "torch", evaluate


class Moments:
    """Running mean and standard error of per-query terms over batches.

    One batch gives exactly ``terms.mean()`` and
    ``terms.std(ddof=1) / sqrt(n)``; further batches merge by Chan et al.'s
    pairwise update, so memory stays at one batch.
    """

    def __init__(self):
        self.count = 0
        self.mean = 0.0
        self.sum_sq = 0.0  # sum of squared deviations from the mean

    def add(self, terms):
        n = terms.shape[0]
        if n == 0:
            return
        mean = float(terms.mean())
        sum_sq = float(np.sum((terms - mean) ** 2))
        if self.count == 0:
            self.count, self.mean, self.sum_sq = n, mean, sum_sq
            return
        total = self.count + n
        delta = mean - self.mean
        self.mean += delta * n / total
        self.sum_sq += sum_sq + delta * delta * self.count * n / total
        self.count = total

    @property
    def standard_error(self):
        if self.count < 2:
            return 0.0
        return math.sqrt(self.sum_sq / (self.count - 1)) / math.sqrt(self.count)


@dataclass(frozen=True)
class SPTable:
    """Reduced query table of :func:`sample_propagation` (all in nats).

    Attributes
    ----------
    entropy, entropy_se : float
        h(T) and its standard error.
    conditional_entropy : float
        Mean over inputs of h(T | X = x_i).
    mutual_information, mutual_information_se : float
        I(X;T) and its standard error (``nan`` without conditionals).
    label_information, label_information_se : float or None
        I(Y;T) and its standard error; ``None`` without labels.
    method : str
        Mixture evaluation path(s) used.
    n_queries : int
        Monte Carlo query points.
    """

    entropy: float
    entropy_se: float
    conditional_entropy: float
    mutual_information: float
    mutual_information_se: float
    label_information: float | None
    label_information_se: float | None
    method: str
    n_queries: int
    plan: object = None


def input_order(S, codes):
    """Inputs sorted by class, and within each class in a spatially coherent
    order (the leaf order of a k-d tree over their mean replicas).

    Any order gives the same estimates up to rounding; this one puts inputs
    whose representations cluster next to each other, so the dense kernels'
    tiles of consecutive centres are compact and far tiles can be bounded
    away on clustered layers.

    Parameters
    ----------
    S : float64 ndarray of shape (m, r, d)
    codes : int64 ndarray of shape (m,)

    Returns
    -------
    int64 ndarray of shape (m,)
    """
    order = np.argsort(codes, kind="stable")
    if S.shape[2] > _SPATIAL_ORDER_MAX_FEATURES or S.shape[0] < 3:
        return order
    means = S.mean(axis=1)
    cuts = np.concatenate([[0], np.flatnonzero(np.diff(codes[order])) + 1, [order.shape[0]]])
    for lo, hi in zip(cuts[:-1], cuts[1:], strict=True):
        if hi - lo > 2:
            members = order[lo:hi]
            order[lo:hi] = members[cKDTree(means[members]).indices]
    return order


def _layout(S, codes):
    """Order inputs by class so every input's and class's replicas are contiguous."""
    n_inputs, n_replicas, n_features = S.shape
    order = input_order(S, codes)
    S = S[order]
    codes = codes[order]
    class_sizes = np.bincount(codes)
    input_bounds = np.arange(n_inputs + 1, dtype=np.int64) * n_replicas
    class_bounds = np.concatenate([[0], np.cumsum(class_sizes)]).astype(np.int64) * n_replicas
    return S, codes, class_sizes, input_bounds, class_bounds


def sample_propagation(
    S,
    codes,
    noise_std,
    *,
    n_mc,
    query_replicas,
    method,
    random_state,
    n_jobs,
    conditionals=True,
    evaluate=mixture_log_sum_exp,
    keep_plan=False,
):
    """Compute the SP query table in bounded batches and reduce it.

    Parameters
    ----------
    S : float64 ndarray of shape (m, r, d)
        Pre-noise activations, ``r`` replicas per input.
    codes : int64 ndarray of shape (m,) or None
        Label codes; ``None`` skips I(Y;T).
    noise_std : float
        Noise standard deviation b.
    n_mc : int
        Monte Carlo noise draws per query replica.
    query_replicas : int
        Replicas per input used as query points (capped at r); all ``m r``
        replicas are always mixture centres.
    method : str
        Mixture evaluation path (see :func:`skinfo._mixture.mixture_log_sum_exp`).
    random_state : int, RandomState instance or None
        Seeds the noise.
    n_jobs : int or None
        Kernel threads; results do not depend on it.
    conditionals : bool, default=True
        Score the per-input and per-class mixtures too. ``False`` (entropy
        only) lets the evaluator order the centres freely.
    evaluate : callable, default=mixture_log_sum_exp
        The mixture evaluator (same signature and result).
    keep_plan : bool, default=False
        Keep the truncated path's block graph (``SPTable.plan``, see
        :class:`skinfo._mixture.BlockPlan`) for later calls over the same
        inputs; only with the default evaluator and ``conditionals``.

    Returns
    -------
    SPTable
    """
    n_inputs, n_replicas, n_features = S.shape
    n_query = min(query_replicas, n_replicas)
    evaluations = n_inputs * n_query * n_mc * n_inputs * n_replicas
    if evaluations > MAX_KERNEL_EVALUATIONS:
        raise ValueError(
            f"n_mc={n_mc} (with query_replicas={query_replicas}) asks for {n_inputs * n_query * n_mc:.3g} "
            f"Monte Carlo queries against {n_inputs * n_replicas} centres: {evaluations:.3g} kernel "
            f"evaluations, beyond the {MAX_KERNEL_EVALUATIONS:.3g} that finish within hours. Lower n_mc."
        )
    rng = check_random_state(random_state)
    has_labels = codes is not None
    S = centre_activations(S, noise_std)
    if conditionals:
        S, codes, class_sizes, input_bounds, class_bounds = _layout(
            S, codes if has_labels else np.zeros(n_inputs, dtype=np.int64)
        )
    centres = S.reshape(n_inputs * n_replicas, n_features)
    per_input = n_query * n_mc
    n_queries = n_inputs * per_input
    rows_per_batch = max(1, QUERY_BATCH_VALUES // n_features)

    entropy_terms, conditional_terms, mi_terms, label_terms = Moments(), Moments(), Moments(), Moments()
    log_inputs = math.log(n_inputs)
    log_class_share = np.log(n_inputs / class_sizes) if conditionals and has_labels else None
    used = set()
    plan = None
    for start in range(0, n_queries, rows_per_batch):
        stop = min(n_queries, start + rows_per_batch)
        rows = np.arange(start, stop, dtype=np.int64)
        query_input = rows // per_input
        query_centre = query_input * n_replicas + (rows // n_mc) % n_query
        # Draws in (input, replica, draw, feature) order: the stream is the same for any batch size.
        noise = noise_std * rng.standard_normal((stop - start, n_features))
        queries = centres[query_centre] + noise
        represented = queries - centres[query_centre]
        cv = 0.5 * np.einsum("ij,ij->i", represented, represented) / noise_std**2
        if conditionals:
            groups = Groups(input_bounds, class_bounds, query_input, codes[query_input])
            extra = {"plan": plan, "return_plan": True} if keep_plan else {}
            lse, chosen, *kept = evaluate(
                queries,
                centres,
                noise_std,
                groups=groups,
                query_centre=query_centre,
                blocks=input_bounds,
                method=method,
                n_jobs=n_jobs,
                **extra,
            )
            if kept and kept[0] is not None:  # a dense batch keeps the last graph
                plan = kept[0]
        else:
            lse, chosen = evaluate(
                queries, centres, noise_std, query_centre=query_centre, method=method, n_jobs=n_jobs
            )
        used.add(chosen)
        lse_all = lse[:, 0]
        entropy_terms.add(lse_all + cv)
        if not conditionals:
            continue
        # A single centre's log-sum-exp is -||z||^2 / 2b^2 exactly.
        lse_input = -cv if n_replicas == 1 else lse[:, 1]
        conditional_terms.add(lse_input + cv)
        mi_terms.add(lse_input - lse_all + log_inputs)
        if has_labels:
            label_terms.add(lse[:, 2] - lse_all + log_class_share[codes[query_input]])

    noise_entropy = gaussian_noise_entropy(n_features, noise_std)
    nan = float("nan")
    return SPTable(
        entropy=noise_entropy + math.log(n_inputs * n_replicas) - entropy_terms.mean,
        entropy_se=entropy_terms.standard_error,
        conditional_entropy=(noise_entropy + math.log(n_replicas) - conditional_terms.mean)
        if conditionals
        else nan,
        mutual_information=mi_terms.mean if conditionals else nan,
        mutual_information_se=mi_terms.standard_error if conditionals else nan,
        label_information=label_terms.mean if conditionals and has_labels else None,
        label_information_se=label_terms.standard_error if conditionals and has_labels else None,
        method="+".join(sorted(used)),
        n_queries=n_queries,
        plan=plan,
    )
