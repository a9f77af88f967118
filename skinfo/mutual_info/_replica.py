"""Replica bias of the noisy-layer I(X;T) and I(Y;T), and its total standard error.

For a deeper noisy layer, each h(T | X = x_i) is the SP entropy of the mixture
of the input's ``r`` replicas ("replicas": noisy forward passes). That plug-in
is biased low (an empirical mixture is narrower than the distribution it
samples), so I(X;T) is biased high by far more than its Monte Carlo error.

Method: nested-subset extrapolation in r with a bracketed exponent
-------------------------------------------------------------------
The replicas of every input are shuffled and scored at three nested sizes
``n1 = r // 4 < n2 = r // 2 < r`` (prefixes of the shuffled order). The
same Monte Carlo queries, drawn around replicas inside the smallest subset,
serve every size, so the differences ``D1 = I(n1) - I(n2)`` and
``D2 = I(n2) - I(r)`` carry almost no Monte Carlo noise (common random
numbers). The bias is modelled as ``I(n) = I + a n^-p``, so
``bias(r) = D2 r^-p / (n2^-p - r^-p)``.

The exponent is not fitted as a point: it is bracketed. Measured on noisy
linear networks, the local exponent grows with n towards the regular
``1/n`` rate (p = 1) of a resolved mixture; the exponent of the curve below r
(from ``D1 / D2``) is a lower bound for the one beyond r. The bias therefore
lies between its values at ``p = 1`` and at the measured exponent (floored at
``_MIN_EXPONENT``); ``bias_`` is the midpoint and half the bracket counts as
two standard errors.

Two disjoint chains of nested subsets (the first and second halves of the
shuffled replicas) give two independent copies of everything; per-input
differences between the chains estimate the variance of the correction and of
the replica draw without the between-input spread (inputs are fixed, not
sampled). The total error is

    standard_error^2 = mc_se^2 + replica_var + var(bias) + (bracket / 4)^2

with ``mc_se`` the plug-in's Monte Carlo error.

Cost: each chain scores ``m * q * n_mc`` queries against mixtures of
``r/4 + r/2 + r`` replicas per input, i.e. 1.75 plug-in fits per chain, 3.5
in all (the mixture cost is linear in the number of centres a query
reaches); on the dense path the nested mixtures are scored as disjoint parts
whose sums add, 1 plug-in fit per chain. Above ``_MAX_QUERY_INPUTS`` (1024) inputs the queries come from a
random subset of inputs, whose sampling variance enters the error: on the
``skinfo info-plane`` defaults (4096 inputs, 20 replicas, n_mc = 1) the
correction cost 1.3 plug-in fits on layers 2-5
(``benchmarks/bench_replica.py``).

Where it fails: when r is far below the replicas needed to resolve an input's
noise cloud (cloud several ``noise_std`` wide in more than one direction),
the curve I(n) is nearly flat (D1 ~ D2) and the true bias can exceed the
bracket (coverage 0.54 at r = 8 on such a linear network);
``replica_convergence`` shows such a layer as slowly falling, and only more
replicas help. Where the bias is already near the Monte Carlo error (r = 32
on the test networks), the bracket's midpoint over-corrects by a few
hundredths of a nat. The measured coverage table is in
``docs/user_guide/replicas.rst``.
"""

import math
from dataclasses import dataclass

import numpy as np
from sklearn.utils import check_random_state

from .._mixture import MIXTURE_METHODS, Groups, mixture_log_sum_exp
from .._sp_core import centre_activations, input_order
from ..utils.validation import check_activations, check_labels, check_noise_std, check_positive_int

__all__ = ["replica_convergence"]

# Floor of the bracketed exponent: a flatter curve than n^-0.25 would put the
# bias beyond any bracket the three sizes can support.
_MIN_EXPONENT = 0.25
_MAX_EXPONENT = 1.0
_N_CHAINS = 2
# A move of the plug-in below this (nats) counts as converged whatever its
# error: saturated layers (I(X;T) ~ log m) have errors of 1e-5 nats.
CONVERGENCE_TOL = 0.01
# Query inputs of the chains: the bias is a smooth average over inputs, so a
# random subset of inputs estimates it; this bounds the cost for large m.
_MAX_QUERY_INPUTS = 1024


@dataclass(frozen=True)
class ReplicaCorrection:
    """Raw result of :func:`_estimate_replica_correction`, all in nats.

    ``bias`` is the estimated bias of the plug-in (estimate minus truth);
    ``standard_error`` the total standard error of ``plugin - bias``;
    ``mc_standard_error`` the plug-in's Monte Carlo part. ``label_*`` are
    None without labels. ``converged`` is False when halving r moves the
    plug-in by more than the combined standard error of the two sizes and
    by more than ``CONVERGENCE_TOL`` nats.
    """

    bias: float
    standard_error: float
    mc_standard_error: float
    label_bias: float | None
    label_standard_error: float | None
    label_mc_standard_error: float | None
    converged: bool
    label_converged: bool | None
    exponent: float


def _level_sizes(n_replicas):
    if n_replicas >= 4:
        return (n_replicas // 4, n_replicas // 2, n_replicas)
    return (1, n_replicas)


def _chain_terms(
    S_chain, codes, class_bounds, sizes, query_inputs, n_query, noise, noise_std, method, n_jobs, plan=None
):
    """Mean I(X;T) and I(Y;T) terms of each query input at each nested size of one chain.

    Every input's first ``sizes[k]`` replicas are mixture centres at size k;
    the queries (around the first ``n_query`` replicas of ``query_inputs``)
    are the same at every size. ``plan`` is the plug-in's block graph over
    all r replicas of every input (reused by the truncated paths: each size's
    blocks are subsets of those). Returns two float64 arrays of shape
    (n_sizes, len(query_inputs)).
    """
    n_inputs, _, n_features = S_chain.shape
    n_mc = noise.shape[2]
    own = np.broadcast_to(S_chain[query_inputs, :n_query, None, :], noise.shape)
    queries = (own + noise).reshape(-1, n_features)
    # The control variate uses the noise the queries actually carry (as the SP core does).
    represented = queries - own.reshape(-1, n_features)
    cv = 0.5 * np.einsum("ij,ij->i", represented, represented) / noise_std**2
    query_input = np.repeat(query_inputs, n_query * n_mc)
    query_class = codes[query_input]
    query_replica = np.tile(np.repeat(np.arange(n_query, dtype=np.int64), n_mc), query_inputs.shape[0])
    log_class_share = np.log(n_inputs / np.diff(class_bounds))[query_class]
    mi = np.empty((len(sizes), query_inputs.shape[0]))
    label = np.empty_like(mi)
    # Dense: the nested mixtures are scored as disjoint parts (replicas
    # sizes[k-1]:sizes[k] of every input) whose sums add up, one pass over r
    # replicas instead of sizes[0] + sizes[1] + r; the kernels scale every
    # part by the query's own-centre term, which lies in the first part.
    by_parts = method == "dense"
    noise_sq = 2.0 * noise_std**2 * cv
    lse = None
    for level, size in enumerate(sizes):
        lo = sizes[level - 1] if by_parts and level > 0 else 0
        width = size - lo
        centres = np.ascontiguousarray(S_chain[:, lo:size]).reshape(-1, n_features)
        input_bounds = np.arange(n_inputs + 1, dtype=np.int64) * width
        groups = Groups(input_bounds, class_bounds * width, query_input, query_class)
        part, _ = mixture_log_sum_exp(
            queries,
            centres,
            noise_std,
            groups=groups,
            query_centre=query_input * width + query_replica if lo == 0 else None,
            query_noise_sq=noise_sq,
            blocks=input_bounds,
            method=method,
            plan=plan,
            n_jobs=n_jobs,
        )
        lse = np.logaddexp(lse, part) if by_parts and lse is not None else part
        lse_all, lse_input, lse_class = lse.T
        if size == 1:
            lse_input = -cv
        mi[level] = (lse_input - lse_all + math.log(n_inputs)).reshape(mi.shape[1], -1).mean(axis=1)
        label[level] = (lse_class - lse_all + log_class_share).reshape(mi.shape[1], -1).mean(axis=1)
    return mi, label


def _ratio(p, sizes):
    n1, n2, n = sizes
    return (n1**-p - n2**-p) / (n2**-p - n**-p)


def _bracket_exponent(d1, d2, sizes):
    """Exponent of ``a n^-p`` through the two differences, clipped to the bracket."""
    if len(sizes) < 3 or not (d1 > 0.0 and d2 > 0.0):
        # No slope to read: the upper end (p = 1) gives the smallest bias,
        # the floor the largest.
        return _MIN_EXPONENT if len(sizes) < 3 else _MAX_EXPONENT
    target = d1 / d2
    lo, hi = _MIN_EXPONENT, _MAX_EXPONENT
    if target <= _ratio(lo, sizes):
        return lo
    if target >= _ratio(hi, sizes):
        return hi
    for _ in range(60):  # the ratio increases with p
        mid = 0.5 * (lo + hi)
        if _ratio(mid, sizes) < target:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def _bias_factor(p, sizes):
    """``bias(r) / D2`` for the model ``a n^-p``."""
    n2, n = sizes[-2], sizes[-1]
    return n**-p / (n2**-p - n**-p)


def _correct(per_chain, sizes, mc_se, n_inputs):
    """Bias and total standard error from per-chain, per-input terms.

    Parameters
    ----------
    per_chain : float64 ndarray of shape (n_chains, n_sizes, n_query_inputs)
        Mean terms of each query input (all m inputs, or a random subset).
    sizes : tuple of int
        The nested sizes, increasing, the last r.
    mc_se : float
        Monte Carlo standard error of the plug-in.
    n_inputs : int
        Number of inputs m.

    Returns
    -------
    bias, standard_error, converged, exponent
    """
    n_query_inputs = per_chain.shape[2]
    levels = per_chain.mean(axis=(0, 2))  # I(n) per size, chains pooled
    d2 = levels[-2] - levels[-1]
    d1 = levels[-3] - levels[-2] if len(sizes) >= 3 else math.nan
    p_low = _bracket_exponent(d1, d2, sizes)
    factor_low, factor_high = _bias_factor(p_low, sizes), _bias_factor(_MAX_EXPONENT, sizes)
    factor = 0.5 * (factor_low + factor_high)
    bias = factor * d2
    bracket_se = 0.25 * abs(factor_low - factor_high) * abs(d2)

    # Chain-to-chain differences per input: the between-input spread cancels,
    # what remains is one chain's replica-draw and Monte Carlo noise;
    # sum(diff^2) / 2 estimates the sum of the inputs' variances.
    def summed_variance(values):
        return float(np.sum((values[0] - values[1]) ** 2)) / 2.0

    d2_inputs = per_chain[:, -2] - per_chain[:, -1]
    var_d2 = summed_variance(d2_inputs) / (2.0 * n_query_inputs**2)
    if n_query_inputs < n_inputs:
        # Queries from a random subset of inputs: add its sampling variance.
        spread = float(np.var(d2_inputs.mean(axis=0), ddof=1)) if n_query_inputs > 1 else 0.0
        var_d2 += spread / n_query_inputs * (1.0 - n_query_inputs / n_inputs)
    var_bias = factor**2 * var_d2
    # One half-size estimate over all m inputs (sizes[-2] replicas each), from
    # the two disjoint halves; the replica-draw part scales as 1 / size.
    var_half = summed_variance(per_chain[:, -2]) / (n_query_inputs * n_inputs)
    var_replica = var_half * sizes[-2] / sizes[-1]
    standard_error = math.sqrt(mc_se**2 + var_replica + var_bias + bracket_se**2)
    # Combined error of the plug-in at r and at r/2 (an independent half,
    # with its own Monte Carlo error).
    combined = math.sqrt(2.0 * mc_se**2 + var_replica + var_half + var_d2)
    converged = bool(abs(d2) <= max(combined, CONVERGENCE_TOL))
    return float(bias), standard_error, converged, p_low


def _estimate_replica_correction(
    S,
    codes,
    noise_std,
    n_mc,
    query_replicas,
    method,
    random_state,
    n_jobs,
    plugin,
    max_query_inputs=_MAX_QUERY_INPUTS,
    plan=None,
):
    """Bias of the SP plug-in I(X;T) (and I(Y;T)) from the finite replica count.

    Parameters
    ----------
    S : float64 ndarray of shape (m, r, d)
        Pre-noise activations, ``r`` replicas per input.
    codes : int64 ndarray of shape (m,) or None
        Label codes.
    noise_std, n_mc, query_replicas, method, random_state, n_jobs
        As in :class:`~skinfo.NoisyMutualInformation`; ``n_mc`` and
        ``query_replicas`` set the queries of each chain.
    plugin : NoisyMIResult
        The plug-in estimate on the same ``S`` (its Monte Carlo standard
        errors enter the total).
    max_query_inputs : int, default=_MAX_QUERY_INPUTS
        Above this many inputs, the chains' queries come from a random subset
        of this size (every input's replicas stay mixture centres); the
        subset's sampling variance enters the standard error.
    plan : BlockPlan or None
        The plug-in's block graph over the same inputs (class-sorted, as
        here), reused by the truncated paths when every query fits it.

    Returns
    -------
    ReplicaCorrection
    """
    n_inputs, n_replicas, n_features = S.shape
    mc_se = float(plugin.standard_error)
    has_labels = codes is not None
    label_mc_se = float(plugin.label_standard_error) if has_labels else None
    if n_replicas == 1:
        return ReplicaCorrection(
            0.0,
            mc_se,
            mc_se,
            0.0 if has_labels else None,
            label_mc_se,
            label_mc_se,
            True,
            True if has_labels else None,
            math.nan,
        )
    rng = check_random_state(random_state)
    if codes is None:
        codes = np.zeros(n_inputs, dtype=np.int64)
    # The plug-in's layout (same centring, same input order), so its block
    # graph applies here.
    S = centre_activations(S, noise_std)
    order = input_order(S, codes)
    S = S[order]
    codes = codes[order]
    class_bounds = np.concatenate([[0], np.cumsum(np.bincount(codes))]).astype(np.int64)
    # Shuffle every input's replicas, then chain c puts half c first: its
    # nested subsets are prefixes, and the two chains' subsets below r are
    # disjoint.
    shuffled = np.argsort(rng.random_sample((n_inputs, n_replicas)), axis=1)
    half = n_replicas // 2
    chain_sizes = _level_sizes(n_replicas)
    n_query = min(query_replicas, chain_sizes[0])
    if n_inputs > max_query_inputs:
        query_inputs = np.sort(rng.choice(n_inputs, size=max_query_inputs, replace=False)).astype(np.int64)
    else:
        query_inputs = np.arange(n_inputs, dtype=np.int64)
    mi = np.empty((_N_CHAINS, len(chain_sizes), query_inputs.shape[0]))
    label = np.empty_like(mi)
    for chain in range(_N_CHAINS):
        replica_order = np.roll(shuffled, -chain * half, axis=1)
        S_chain = np.take_along_axis(S, replica_order[:, :, None], axis=1)
        noise = noise_std * rng.standard_normal((query_inputs.shape[0], n_query, n_mc, n_features))
        mi[chain], label[chain] = _chain_terms(
            S_chain,
            codes,
            class_bounds,
            chain_sizes,
            query_inputs,
            n_query,
            noise,
            noise_std,
            method,
            n_jobs,
            plan,
        )
    bias, se, converged, exponent = _correct(mi, chain_sizes, mc_se, n_inputs)
    label_bias = label_se = label_converged = None
    if has_labels:
        label_bias, label_se, label_converged, _ = _correct(label, chain_sizes, label_mc_se, n_inputs)
    return ReplicaCorrection(
        bias, se, mc_se, label_bias, label_se, label_mc_se, converged, label_converged, exponent
    )


def replica_convergence(
    S, y=None, *, noise_std, n_mc=10, query_replicas=1, method="auto", random_state=None, n_jobs=None
):
    """I(X;T) (and I(Y;T)) with bias and errors on nested replica subsets.

    Every input's replicas are shuffled once and the plug-in, its replica
    bias and its total standard error (as in
    :class:`~skinfo.NoisyMutualInformation`) are computed on the first
    ``r/8, r/4, r/2, r`` of them (sizes below 1 and repeats dropped).

    How to read it: the plug-in column ``mutual_information`` falls as r
    grows (its bias is positive). The layer is **not converged** at a size
    when halving it moves the plug-in by more than the combined standard
    error of the two rows and by more than 0.01 nats (``converged`` False): then the plug-in still
    carries replica bias, and only the corrected column
    ``mutual_information - bias`` with its ``standard_error`` should be
    reported. The corrected column should stay flat within its errors; if it
    still drifts in the same direction as the plug-in, r is too small for the
    correction too (see the Notes of ``skinfo.mutual_info._replica``) and
    more replicas are needed.

    Parameters
    ----------
    S : array-like of shape (m, r, d)
        Pre-noise activations, ``r >= 2`` noisy replicas of each of the m
        equiprobable inputs.
    y : array-like of shape (m,), default=None
        Labels; when given, the ``label_*`` columns hold I(Y;T).
    noise_std : float
        Standard deviation of the layer's Gaussian noise.
    n_mc : int, default=10
        Monte Carlo noise draws per query sample.
    query_replicas : int, default=1
        Replicas per input used as query points.
    method : {"auto", "dense", "tree", "pruned"}, default="auto"
        Mixture evaluation, as in :class:`~skinfo.SPEntropy`.
    random_state : int, RandomState instance or None, default=None
        Seeds the shuffle and the Monte Carlo noise.
    n_jobs : int, default=None
        Numba threads; ``None`` uses all. Results do not depend on it.

    Returns
    -------
    ExperimentResult
        One record per subset size, with ``n_replicas``,
        ``mutual_information`` (plug-in), ``bias``, ``corrected``,
        ``standard_error`` (total, of ``corrected``), ``mc_standard_error``,
        ``converged`` (None on the first row), and the same with a
        ``label_`` prefix when ``y`` is given; information in nats.

    Examples
    --------
    >>> import numpy as np
    >>> from skinfo import replica_convergence
    >>> rng = np.random.default_rng(0)
    >>> means = rng.normal(size=(64, 1, 2))
    >>> S = means + 0.1 * rng.normal(size=(64, 16, 2))
    >>> result = replica_convergence(S, noise_std=0.1, random_state=0)
    >>> result.column("n_replicas")
    [2, 4, 8, 16]
    """
    from ..experiments import ExperimentResult
    from ._noisy import _estimate_noisy_mi

    S = check_activations(S, "S", ndims=(3,))
    if S.shape[1] < 2:
        raise ValueError(f"S must hold r >= 2 replicas per input (shape (m, r, d)); got r = {S.shape[1]}.")
    codes = None if y is None else check_labels(y, S.shape[0], "y")[0]
    noise_std = check_noise_std(noise_std)
    check_positive_int(n_mc, "n_mc")
    check_positive_int(query_replicas, "query_replicas")
    if method not in MIXTURE_METHODS:
        raise ValueError(f"method must be one of {', '.join(map(repr, MIXTURE_METHODS))}; got {method!r}.")
    rng = check_random_state(random_state)
    n_inputs, n_replicas, _ = S.shape
    shuffled = np.argsort(rng.random_sample((n_inputs, n_replicas)), axis=1)
    S = np.take_along_axis(S, shuffled[:, :, None], axis=1)
    sizes = sorted({max(1, n_replicas // k) for k in (8, 4, 2, 1)})
    records = []
    previous = None
    for size in sizes:
        subset = np.ascontiguousarray(S[:, :size])
        # The plug-in and its correction, exactly as NoisyMutualInformation computes them.
        correction = plugin = _estimate_noisy_mi(
            subset, codes, noise_std, n_mc, query_replicas, method, rng.randint(2**31 - 1), n_jobs
        )
        record = {
            "n_replicas": size,
            "mutual_information": plugin.mutual_information,
            "bias": correction.bias,
            "corrected": plugin.mutual_information - correction.bias,
            "standard_error": correction.standard_error,
            "mc_standard_error": correction.mc_standard_error,
            "converged": None,
        }
        if codes is not None:
            record.update(
                {
                    "label_information": plugin.label_information,
                    "label_bias": correction.label_bias,
                    "label_corrected": plugin.label_information - correction.label_bias,
                    "label_standard_error": correction.label_standard_error,
                    "label_mc_standard_error": correction.label_mc_standard_error,
                    "label_converged": None,
                }
            )
        if previous is not None:
            for prefix, key in (("", "mutual_information"), ("label_", "label_information")):
                if prefix and codes is None:
                    continue
                combined = math.hypot(record[prefix + "standard_error"], previous[prefix + "standard_error"])
                moved = abs(record[key] - previous[key])
                record[prefix + "converged"] = bool(moved <= max(combined, CONVERGENCE_TOL))
        records.append(record)
        previous = record
    params = {
        "noise_std": noise_std,
        "n_mc": n_mc,
        "query_replicas": query_replicas,
        "method": method,
        "n_inputs": n_inputs,
        "n_replicas": n_replicas,
    }
    return ExperimentResult("replica-convergence", records, params)
