"""The estimator comparison of the companion paper: SP vs kNN vs KDE on h(S + Z).

Two families of S in d dimensions, with T = S + Z, Z ~ N(0, b^2 I):

* ``"hypercube"``: S uniform on the corners {-1, +1}^d.
* ``"mixture"``: S a uniform corner plus N(0, spread^2 I).

Both make T a uniform corner plus isotropic Gaussian noise of standard
deviation ``sigma`` (``b``, resp. ``sqrt(spread^2 + b^2)``), whose density
factorises over coordinates: ``h(T) = d h_1(sigma)`` with ``h_1`` the entropy
of the 1-D mixture ``(N(-1, sigma^2) + N(1, sigma^2)) / 2``, by quadrature to
~1e-12 nats.  The ground truth is therefore exact for both families (better
than an SP run at large n); for the hypercube, ``h(T) - h(Z) = d I_BPSK(b)``.

The SP estimator sees the n samples of S and the known noise level b; the
kNN (Kozachenko-Leonenko) and KDE plug-in estimators see n noisy samples of
T, which is all a generic estimator can use.
"""

import math
import time

import numpy as np
from sklearn.utils import check_random_state

from .._quadrature import mixture_entropy_1d
from .._results import ExperimentResult
from ..entropy import kde_entropy, kl_entropy, select_kde_bandwidth, sp_entropy
from ..utils.validation import check_noise_std, check_positive_int

__all__ = ["EstimatorComparison", "compare_estimators", "n_grid"]

CASES = ("mixture", "hypercube")
ESTIMATORS = ("sp", "kl", "kde")
# Likelihood cross-validation of the KDE bandwidth costs O(n^2) per candidate
# and fold; above this size it runs on a subsample and the bandwidth is scaled
# by the optimal rate (n / n_cv)^(-1 / (d + 4)).
_KDE_CV_SAMPLES = 1000
_KDE_CV_FOLDS = 3


class EstimatorComparison(ExperimentResult):
    """Tidy result of :func:`compare_estimators`.

    An :class:`ExperimentResult` (CSV/JSON round trip, ``to_frame``) with a
    :meth:`summary`.

    Parameters
    ----------
    name : str
        ``"compare-estimators"``.
    records : list of dict
        One row per (case, d, noise_std, n, repeat, estimator).
    params : dict, default=None
        The settings used.

    Attributes
    ----------
    records : list of dict
        Columns ``case, n_features, noise_std, spread, n_samples, repeat,
        estimator, estimate, standard_error, truth, error, abs_error,
        bandwidth, seconds``; information in nats (``error = estimate -
        truth``; ``standard_error`` only for SP, ``bandwidth`` only for KDE,
        else None).
    params : dict
        The settings used.
    columns : list of str
        Column names.

    Examples
    --------
    >>> from skinfo.experiments import compare_estimators
    >>> result = compare_estimators(dims=(2,), noise_stds=(0.2,), n_max=30, estimators=("sp",),
    ...                             random_state=0)
    >>> sorted({row["case"] for row in result.records})
    ['hypercube', 'mixture']
    """

    def summary(self):
        """Mean absolute error (nats) per case, d, noise level, estimator at the largest n.

        Returns
        -------
        list of dict
            One row per (case, d, noise level, estimator) with the mean
            absolute error in nats at the largest n.
        """
        rows = {}
        largest = {}
        for r in self.records:
            key = (r["case"], r["n_features"], r["noise_std"])
            largest[key] = max(largest.get(key, 0), r["n_samples"])
        for r in self.records:
            key = (r["case"], r["n_features"], r["noise_std"])
            if r["n_samples"] != largest[key] or r["estimate"] is None:
                continue
            rows.setdefault((*key, r["estimator"]), []).append(r["error"])
        return [
            {
                "case": c,
                "n_features": d,
                "noise_std": b,
                "n_samples": largest[(c, d, b)],
                "estimator": e,
                "mean_error": float(np.mean(errs)),
            }
            for (c, d, b, e), errs in sorted(rows.items())
        ]


def n_grid(n_max, n_min=10, per_decade=2):
    """Log-spaced sample sizes from ``n_min`` to ``n_max`` (both included).

    Parameters
    ----------
    n_max : int
        Largest sample size.
    n_min : int, default=10
        Smallest sample size.
    per_decade : int, default=2
        Points per factor of 10.

    Returns
    -------
    list of int

    Examples
    --------
    >>> n_grid(1000)
    [10, 32, 100, 316, 1000]
    """
    n_max = check_positive_int(n_max, "n_max", minimum=n_min)
    count = max(2, round(per_decade * math.log10(n_max / n_min)) + 1)
    return sorted({int(round(v)) for v in np.logspace(math.log10(n_min), math.log10(n_max), count)})


def true_entropy(case, n_features, noise_std, spread):
    """Exact h(S + Z) for the two families, in nats (see the module notes).

    Parameters
    ----------
    case : {"mixture", "hypercube"}
    n_features : int
    noise_std : float
    spread : float
        Standard deviation of the Gaussian spread around the corners (mixture).

    Returns
    -------
    float
    """
    sigma = math.hypot(spread, noise_std) if case == "mixture" else noise_std
    return n_features * mixture_entropy_1d([-1.0, 1.0], sigma)


def _draw(case, n_samples, n_features, noise_std, spread, rng):
    """Samples of S and of the noisy T = S + Z."""
    S = rng.choice([-1.0, 1.0], size=(n_samples, n_features))
    if case == "mixture":
        S = S + spread * rng.standard_normal((n_samples, n_features))
    T = S + noise_std * rng.standard_normal((n_samples, n_features))
    return S, T


def _run_one(estimator, S, T, noise_std, n_mc, kde_n_max, rng, n_jobs):
    """(estimate, standard_error, bandwidth) of one estimator, in nats."""
    n_samples = S.shape[0]
    if estimator == "sp":
        result = sp_entropy(S, noise_std, n_mc=n_mc, random_state=rng, n_jobs=n_jobs)
        return result.entropy, result.standard_error, None
    if estimator == "kl":
        return kl_entropy(T, k=3, random_state=rng, n_jobs=n_jobs), None, None
    if n_samples > kde_n_max or n_samples < 2:
        return None, None, None
    bandwidth = select_kde_bandwidth(T, cv=_KDE_CV_FOLDS, max_samples=_KDE_CV_SAMPLES, random_state=rng)
    return kde_entropy(T, bandwidth=bandwidth, n_jobs=n_jobs), None, bandwidth


def _check_sequence(values, name, check):
    values = tuple(values)
    if not values:
        raise ValueError(f"{name} must not be empty.")
    return tuple(check(v) for v in values)


def compare_estimators(
    *,
    dims=(5, 10, 15),
    noise_stds=(0.05, 0.1, 0.2),
    n_max=10_000,
    n_min=10,
    per_decade=2,
    cases=CASES,
    estimators=ESTIMATORS,
    spread=0.02,
    n_mc=2,
    kde_n_max=20_000,
    repeats=1,
    random_state=0,
    n_jobs=None,
    progress=None,
):
    """Estimate h(S + Z) with SP, kNN and KDE against the exact value.

    Parameters
    ----------
    dims : sequence of int, default=(5, 10, 15)
        Dimensions d.
    noise_stds : sequence of float, default=(0.05, 0.1, 0.2)
        Noise standard deviations b.
    n_max : int, default=10_000
        Largest sample size (the companion paper goes to 1e5).
    n_min : int, default=10
        Smallest sample size.
    per_decade : int, default=2
        Sample sizes per factor of 10.
    cases : sequence of {"mixture", "hypercube"}, default=("mixture", "hypercube")
        Families of S (see the module notes).
    estimators : sequence of {"sp", "kl", "kde"}, default=("sp", "kl", "kde")
        SP on samples of S; Kozachenko-Leonenko (k=3) and leave-one-out KDE
        (bandwidth by 3-fold likelihood cross-validation on at most 1000
        samples, scaled to n by the optimal rate n^(-1/(d+4))) on noisy
        samples of T.
    spread : float, default=0.02
        Gaussian spread of S around the corners in the ``"mixture"`` case
        (below every default noise level; a spread above the noise makes S
        effectively continuous at the noise scale and SP needs far more
        samples).
    n_mc : int, default=2
        SP Monte Carlo draws per sample.
    kde_n_max : int, default=20_000
        KDE (O(n^2 d)) is skipped above this n (its rows are left out).
    repeats : int, default=1
        Independent repetitions per setting.
    random_state : int, RandomState instance or None, default=0
        Seeds every draw.
    n_jobs : int, default=None
        Threads for the kernels; ``None`` uses all.
    progress : callable or None, default=None
        Called with a one-line message after each setting.

    Returns
    -------
    EstimatorComparison
        Records in nats; see :class:`EstimatorComparison`.

    Examples
    --------
    >>> from skinfo.experiments import compare_estimators
    >>> result = compare_estimators(dims=(2,), noise_stds=(0.2,), n_max=100, n_min=100,
    ...                             estimators=("sp",), cases=("hypercube",), random_state=0)
    >>> row = result.records[0]
    >>> bool(abs(row["estimate"] - row["truth"]) < 0.1)
    True
    """
    dims = _check_sequence(dims, "dims", lambda v: check_positive_int(v, "dims"))
    noise_stds = _check_sequence(noise_stds, "noise_stds", lambda v: check_noise_std(v, "noise_stds"))
    spread = check_noise_std(spread, "spread")
    for name, allowed, values in (("cases", CASES, cases), ("estimators", ESTIMATORS, estimators)):
        unknown = [v for v in values if v not in allowed]
        if unknown or not values:
            raise ValueError(f"{name} must be a non-empty subset of {allowed}; got {tuple(values)!r}.")
    check_positive_int(n_mc, "n_mc")
    check_positive_int(repeats, "repeats")
    check_positive_int(kde_n_max, "kde_n_max")
    sizes = n_grid(
        n_max, check_positive_int(n_min, "n_min", minimum=2), check_positive_int(per_decade, "per_decade")
    )
    rng = check_random_state(random_state)
    records = []
    for case in cases:
        for n_features in dims:
            for noise_std in noise_stds:
                truth = true_entropy(case, n_features, noise_std, spread)
                for repeat in range(repeats):
                    for n_samples in sizes:
                        S, T = _draw(case, n_samples, n_features, noise_std, spread, rng)
                        for estimator in estimators:
                            start = time.perf_counter()
                            estimate, se, bandwidth = _run_one(
                                estimator, S, T, noise_std, n_mc, kde_n_max, rng, n_jobs
                            )
                            if estimate is None:
                                continue
                            records.append(
                                {
                                    "case": case,
                                    "n_features": n_features,
                                    "noise_std": noise_std,
                                    "spread": spread if case == "mixture" else 0.0,
                                    "n_samples": n_samples,
                                    "repeat": repeat,
                                    "estimator": estimator,
                                    "estimate": float(estimate),
                                    "standard_error": None if se is None else float(se),
                                    "truth": truth,
                                    "error": float(estimate) - truth,
                                    "abs_error": abs(float(estimate) - truth),
                                    "bandwidth": bandwidth,
                                    "seconds": time.perf_counter() - start,
                                }
                            )
                if progress is not None:
                    progress(f"{case} d={n_features} noise_std={noise_std}: done")
    params = {
        "dims": list(dims),
        "noise_stds": list(noise_stds),
        "n_samples": sizes,
        "cases": list(cases),
        "estimators": list(estimators),
        "spread": spread,
        "n_mc": n_mc,
        "kde_n_max": kde_n_max,
        "repeats": repeats,
        "random_state": random_state if isinstance(random_state, int) else None,
    }
    return EstimatorComparison("compare-estimators", records, params)
