"""kNN (Kozachenko-Leonenko, KSG) and KDE plug-in estimators: closed forms, references, bad input."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.spatial.distance import cdist
from scipy.special import digamma, gammaln, logsumexp
from sklearn.neighbors import KernelDensity

from skinfo import (
    KDEEntropy,
    KLEntropy,
    KSGMutualInformation,
    kde_entropy,
    kl_entropy,
    ksg_mutual_information,
)
from skinfo.testing import gaussian_entropy

# Gaussian-tail factor on top of the estimators' asymptotic standard deviation.
Z = 5.0


def random_covariance(d, rng):
    A = rng.normal(size=(d, d)) / math.sqrt(d)
    return A @ A.T + 0.5 * np.eye(d)


@pytest.mark.parametrize("metric", ["euclidean", "chebyshev"])
@pytest.mark.parametrize("d", [1, 3, 8])
def test_kl_gaussian_closed_form(d, metric, rng):
    """h(N(0, C)) = 0.5 log det(2 pi e C). The KL estimator's standard deviation
    is about sqrt(Var(log f(X)) / n) = sqrt(d / (2 n)) (Berrett et al. 2019);
    its bias at these n is smaller."""
    n = 4000
    cov = random_covariance(d, rng)
    X = rng.multivariate_normal(np.zeros(d), cov, size=n)
    estimate = kl_entropy(X, metric=metric, random_state=0)
    assert abs(estimate - gaussian_entropy(cov)) < Z * math.sqrt(d / (2 * n))


@pytest.mark.parametrize("metric", ["euclidean", "chebyshev"])
def test_kl_matches_plain_reference(metric, rng):
    """Same number as the formula psi(n) - psi(k) + log V_d + d mean log eps_k
    written out with a brute-force neighbour search (no ties in continuous data);
    V_d = pi^(d/2) / Gamma(d/2 + 1) (Euclidean ball) or 2^d (max-norm cube)."""
    X = rng.normal(size=(300, 4))
    k = 5
    dist = np.sort(cdist(X, X, metric), axis=1)[:, k]  # column 0 is the point itself
    log_ball = 2.0 * math.log(math.pi) - gammaln(3.0) if metric == "euclidean" else 4 * math.log(2)
    expected = digamma(300) - digamma(k) + log_ball + 4 * np.mean(np.log(dist))
    assert kl_entropy(X, k=k, metric=metric, random_state=0) == pytest.approx(expected, abs=1e-7)


@given(scale=st.floats(0.01, 100.0), shift=st.floats(-100, 100))
def test_kl_scaling_law(scale, shift):
    """h(aX + b) = h(X) + d log a holds exactly for the kNN estimator (all
    distances scale by a), up to the 1e-10 relative tie-breaking jitter."""
    X = np.random.default_rng(3).normal(size=(200, 3))
    base = kl_entropy(X, random_state=0)
    moved = kl_entropy(scale * X + shift, random_state=0)
    assert moved == pytest.approx(base + 3 * math.log(scale), abs=1e-6)


@pytest.mark.parametrize("rhos", [(0.6,), (0.6, 0.8), (0.3, 0.5, 0.7)])
def test_ksg_correlated_gaussian_blocks(rhos, rng):
    """Blocks X, Y with coordinate pairs (X_i, Y_i) of correlation rho_i and
    independent otherwise: I(X;Y) = sum_i -0.5 log(1 - rho_i^2). KSG's standard
    deviation at n samples is about 1/sqrt(n) for such I. (Its bias grows with
    I and the dimension: rho = 0.9 in a 6-D joint space is ~0.12 nats low at
    n = 3000, so the cases stay at moderate I.)"""
    n = 3000
    rhos = np.asarray(rhos)
    X = rng.normal(size=(n, rhos.size))
    Y = rhos * X + np.sqrt(1 - rhos**2) * rng.normal(size=(n, rhos.size))
    exact = -0.5 * np.sum(np.log(1 - rhos**2))
    assert abs(ksg_mutual_information(X, Y, random_state=0) - exact) < Z / math.sqrt(n)


def test_ksg_independent_blocks(rng):
    """Independent blocks: I = 0 (KSG is nearly unbiased there)."""
    n = 2000
    X, Y = rng.normal(size=(n, 2)), rng.exponential(size=(n, 3))
    assert abs(KSGMutualInformation(random_state=0).fit(X, Y).mutual_information_) < Z / math.sqrt(n)


def test_ksg_matches_plain_reference(rng):
    """KSG estimator 1 with brute-force max-norm neighbour counts."""
    n, k = 250, 4
    X = rng.normal(size=(n, 2))
    Y = X[:, :1] + rng.normal(size=(n, 1))
    dx = cdist(X, X, "chebyshev")
    dy = cdist(Y, Y, "chebyshev")
    eps = np.sort(np.maximum(dx, dy), axis=1)[:, k]
    n_x = (dx < eps[:, None]).sum(axis=1) - 1
    n_y = (dy < eps[:, None]).sum(axis=1) - 1
    expected = digamma(k) + digamma(n) - np.mean(digamma(n_x + 1) + digamma(n_y + 1))
    assert ksg_mutual_information(X, Y, k=k, random_state=0) == pytest.approx(expected, abs=1e-9)


def test_jitter_is_seeded(rng):
    """The tie-breaking jitter comes from random_state only."""
    X = np.round(rng.normal(size=(300, 2)), 1)  # many ties
    assert kl_entropy(X, random_state=5) == kl_entropy(X, random_state=5)
    Y = np.round(X[:, :1] + rng.normal(size=(300, 1)), 1)
    assert ksg_mutual_information(X, Y, random_state=5) == ksg_mutual_information(X, Y, random_state=5)


def dense_kde_entropy(X, bandwidth, leave_one_out):
    n, d = X.shape
    log_k = -cdist(X, X, "sqeuclidean") / (2 * bandwidth**2)
    if leave_one_out:
        np.fill_diagonal(log_k, -np.inf)
    m = n - 1 if leave_one_out else n
    log_f = logsumexp(log_k, axis=1) - math.log(m) - 0.5 * d * math.log(2 * math.pi * bandwidth**2)
    return -np.mean(log_f)


@pytest.mark.parametrize("leave_one_out", [True, False])
@pytest.mark.parametrize("bandwidth", [0.05, 0.7])
def test_kde_matches_dense_reference(leave_one_out, bandwidth, rng):
    """The O(n)-memory kernel equals the dense n x n plug-in (the small
    bandwidth makes the leave-one-out sums need the running maximum)."""
    X = rng.normal(size=(200, 3))
    got = kde_entropy(X, bandwidth=bandwidth, leave_one_out=leave_one_out)
    assert got == pytest.approx(dense_kde_entropy(X, bandwidth, leave_one_out), rel=1e-11)


def test_kde_resubstitution_matches_sklearn(rng):
    """Resubstitution is minus the mean of KernelDensity.score_samples."""
    X = rng.normal(size=(150, 2))
    expected = -KernelDensity(bandwidth=0.4).fit(X).score_samples(X).mean()
    assert kde_entropy(X, bandwidth=0.4, leave_one_out=False) == pytest.approx(expected, rel=1e-10)


@given(seed=st.integers(0, 2**32 - 1), bandwidth=st.floats(0.01, 5.0))
def test_resubstitution_below_leave_one_out(seed, bandwidth):
    """f_resub(x_i) = ((n-1) f_loo(x_i) + K(0)) / n >= f_loo(x_i) since the
    kernel peaks at 0: the resubstitution entropy never exceeds leave-one-out."""
    X = np.random.default_rng(seed).normal(size=(30, 2))
    resub = kde_entropy(X, bandwidth=bandwidth, leave_one_out=False)
    assert resub <= kde_entropy(X, bandwidth=bandwidth) + 1e-12


@pytest.mark.parametrize("n", [500, 4000])
def test_kde_consistent_on_gaussian(n, rng):
    """With Silverman's bandwidth (optimal for a Gaussian) the leave-one-out
    plug-in converges to h(N(0, I)); its error (bias ~ h^2, spread ~ n^-1/2)
    stays below n^(-1/3)."""
    X = rng.normal(size=(n, 2))
    exact = math.log(2 * math.pi * math.e)
    assert abs(kde_entropy(X, bandwidth="silverman") - exact) < n ** (-1.0 / 3.0)


def test_kde_cv_picks_sensible_candidate(rng):
    """Likelihood cross-validation rejects a bandwidth 100x too small or too large."""
    X = rng.normal(size=(400, 1))
    est = KDEEntropy(bandwidth=[0.003, 0.3, 30.0]).fit(X)
    assert est.bandwidth_ == 0.3
    auto = KDEEntropy(bandwidth="cv").fit(X)
    assert 0.1 < auto.bandwidth_ < 1.0
    assert auto.entropy_ == pytest.approx(kde_entropy(X, bandwidth=auto.bandwidth_), rel=1e-12)


def test_kde_thread_count_does_not_change_result(rng):
    X = rng.normal(size=(300, 3))
    assert kde_entropy(X, bandwidth=0.5, n_jobs=1) == kde_entropy(X, bandwidth=0.5, n_jobs=2)


def test_estimators_agree_with_functions(rng):
    X = rng.normal(size=(200, 2))
    assert KLEntropy(k=4, random_state=1).fit(X).entropy_ == kl_entropy(X, k=4, random_state=1)
    assert KDEEntropy(bandwidth=0.3).fit(X).score(X) == kde_entropy(X, bandwidth=0.3)


GOOD = np.arange(12.0).reshape(6, 2)


def _kl(X):
    return kl_entropy(X)


def _ksg(X):
    return ksg_mutual_information(X, GOOD[: len(X)] if len(X) <= 6 else X)


def _kde(X):
    return kde_entropy(X, bandwidth=0.5)


@pytest.mark.parametrize("func", [_kl, _ksg, _kde], ids=["kl", "ksg", "kde"])
class TestBadInput:
    def test_nan(self, func):
        bad = GOOD.copy()
        bad[1, 1] = np.nan
        with pytest.raises(ValueError, match="X contains NaN"):
            func(bad)

    def test_inf(self, func):
        bad = GOOD.copy()
        bad[0, 0] = -np.inf
        with pytest.raises(ValueError, match="X contains infinity"):
            func(bad)

    def test_wrong_rank(self, func):
        with pytest.raises(ValueError, match=r"X must be a .*shape \(2, 3, 2\)"):
            func(GOOD.reshape(2, 3, 2))

    def test_empty(self, func):
        with pytest.raises(ValueError, match="0 sample"):
            func(np.empty((0, 2)))


@pytest.mark.parametrize("k", [6, 10])
def test_kl_k_not_below_n(k):
    with pytest.raises(ValueError, match=rf"k={k} must be smaller than the number of samples \(n_samples=6"):
        kl_entropy(GOOD, k=k)


def test_ksg_k_not_below_n():
    with pytest.raises(ValueError, match=r"k=6 must be smaller"):
        ksg_mutual_information(GOOD, GOOD, k=6)


@pytest.mark.parametrize("k", [0, -1])
def test_non_positive_k(k):
    with pytest.raises(ValueError, match="'k' parameter"):
        kl_entropy(GOOD, k=k)


def test_unknown_metric():
    with pytest.raises(ValueError, match="'metric' parameter"):
        KLEntropy(metric="cosine").fit(GOOD)


def test_estimator_rejects_non_positive_k():
    with pytest.raises(ValueError, match="'k' parameter"):
        KLEntropy(k=0).fit(GOOD)


def test_ksg_mismatched_lengths():
    with pytest.raises(ValueError, match="X and Y must have the same number of samples; got 6 and 5"):
        ksg_mutual_information(GOOD, GOOD[:5])


def test_ksg_y_nan():
    bad = GOOD.copy()
    bad[2, 0] = np.nan
    with pytest.raises(ValueError, match="Y contains NaN"):
        ksg_mutual_information(GOOD, bad)


def test_ksg_estimator_needs_y():
    with pytest.raises(ValueError, match="requires y to be passed"):
        KSGMutualInformation().fit(GOOD)


@pytest.mark.parametrize("bandwidth", [0.0, -0.5])
def test_kde_non_positive_bandwidth(bandwidth):
    with pytest.raises(ValueError, match="'bandwidth' parameter"):
        kde_entropy(GOOD, bandwidth=bandwidth)


@pytest.mark.parametrize("bandwidth", [[0.1, 0.0], [0.2, np.nan], []])
def test_kde_bad_bandwidth_candidates(bandwidth):
    with pytest.raises(ValueError, match="bandwidth candidates must be a non-empty array of positive"):
        kde_entropy(GOOD, bandwidth=bandwidth)


def test_kde_unknown_rule():
    with pytest.raises(ValueError, match="'bandwidth' parameter"):
        KDEEntropy(bandwidth="auto").fit(GOOD)


def test_kde_rule_needs_spread():
    with pytest.raises(ValueError, match="zero variance"):
        kde_entropy(np.ones((5, 2)), bandwidth="scott")


def test_kde_leave_one_out_needs_two_samples():
    with pytest.raises(ValueError, match="1 sample"):
        kde_entropy(GOOD[:1], bandwidth=0.5)
