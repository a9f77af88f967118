"""SP entropy estimator: closed forms, properties, KernelDensity agreement."""

import math

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from scipy.spatial.distance import cdist
from scipy.special import logsumexp
from scipy.stats import norm
from sklearn.neighbors import KernelDensity

from skinfo import SPEntropy, sp_entropy
from skinfo.entropy import gaussian_noise_entropy
from skinfo.testing import gaussian_entropy, hypercube_constellation, mixture_entropy_1d

# Gaussian-tail factor for "within the reported standard error" comparisons.
Z = 4.5


@pytest.mark.parametrize("n_features", [1, 2, 5, 12, 20])
def test_gaussian_closed_form(n_features, rng):
    """S ~ N(mu, Sigma) gives h(S + Z) = 0.5 log det(2 pi e (Sigma + b^2 I)).

    With Sigma = (b/2)^2 I the SP plug-in's finite-n bias is far below its
    standard error up to d = 20 (the bias grows exponentially in d when the
    spread of S exceeds the noise, see the companion paper).
    """
    noise_std = 1.0
    A = rng.normal(size=(n_features, n_features)) / math.sqrt(n_features)
    cov = 0.25 * (A @ A.T + np.eye(n_features)) / 2.0
    S = rng.multivariate_normal(np.full(n_features, 3.0), cov, size=2000)
    est = SPEntropy(noise_std=noise_std, n_mc=4, random_state=0).fit(S)
    exact = gaussian_entropy(cov + noise_std**2 * np.eye(n_features))
    assert abs(est.entropy_ - exact) < Z * est.standard_error_


def test_identical_samples_give_noise_entropy(rng):
    """All samples equal: the mixture is N(s, b^2 I), so h = h(Z) exactly."""
    S = np.tile(rng.normal(size=(1, 7)), (50, 1))
    h, se = sp_entropy(S, 0.3, random_state=0)
    assert h == pytest.approx(gaussian_noise_entropy(7, 0.3), abs=1e-10)
    assert se < 1e-12


@pytest.mark.parametrize("n_features", [1, 3, 6])
def test_hypercube_equals_bpsk_quadrature(n_features):
    """S uniform on {-1,+1}^d: h(S+Z) = d h_BPSK(b) (independent coordinates).

    All 2^d corners as centres make the mixture the true density, so the
    estimate is unbiased and only Monte Carlo error remains.
    """
    noise_std = 0.6
    S = hypercube_constellation(n_features)
    est = SPEntropy(noise_std=noise_std, n_mc=64, random_state=1).fit(S)
    exact = n_features * mixture_entropy_1d([-1.0, 1.0], noise_std)
    assert abs(est.entropy_ - exact) < Z * est.standard_error_


@given(
    points=st.lists(st.floats(-3, 3, allow_nan=False), min_size=1, max_size=6),
    noise_std=st.floats(0.05, 2.0),
)
@example(points=[0.0, 1.0], noise_std=0.125)  # rare crossings: SE alone is blind to them
def test_one_dimensional_mixture_quadrature(points, noise_std):
    """1-D constellation: SP equals the quadrature of the mixture entropy to MC error.

    The sample standard error cannot see draws that cross to a neighbouring
    centre when fewer than a handful are expected among the queries (a gap of
    g has crossing probability Q(g / 2b)); their contribution, at most
    ~Q(g / 2b) (1 + g^2 / b^2), is allowed for explicitly in that regime.
    """
    S = np.asarray(points)[:, None]
    n_mc = 200
    est = SPEntropy(noise_std=noise_std, n_mc=n_mc, random_state=3).fit(S)
    exact = mixture_entropy_1d(points, noise_std)
    gaps = np.diff(np.unique(S))
    rare = 0.0
    for gap in gaps:
        crossing = norm.sf(gap / (2 * noise_std))
        if crossing * n_mc * S.shape[0] < 10:
            rare += 4 * crossing * (1 + gap**2 / noise_std**2)
    assert abs(est.entropy_ - exact) < Z * est.standard_error_ + rare + 1e-9


def test_score_samples_matches_kernel_density(rng):
    """log g(T) equals sklearn's Gaussian KDE log-density near the data.

    Far from every centre sklearn's tree underflows (off by hundreds of nats
    here), so there the reference is a dense SciPy log-sum-exp instead.
    """
    S = rng.normal(size=(300, 4))
    for noise_std in (0.05, 0.5, 3.0):
        near = S[rng.integers(0, 300, size=120)] + noise_std * rng.normal(size=(120, 4))
        ours = SPEntropy(noise_std=noise_std).fit(S).score_samples(near)
        ref = KernelDensity(bandwidth=noise_std).fit(S).score_samples(near)
        np.testing.assert_allclose(ours, ref, rtol=1e-10)
        far = rng.normal(size=(50, 4)) * 5
        dense = logsumexp(-cdist(far, S, "sqeuclidean") / (2 * noise_std**2), axis=1)
        dense -= math.log(300) + 2 * math.log(2 * math.pi * noise_std**2)
        ours_far = SPEntropy(noise_std=noise_std).fit(S).score_samples(far)
        np.testing.assert_allclose(ours_far, dense, rtol=1e-10)


@given(seed=st.integers(0, 2**31))
def test_permutation_invariance(seed):
    """The mixture does not depend on the order of its centres."""
    rng = np.random.default_rng(seed)
    S = rng.normal(size=(40, 3))
    T = rng.normal(size=(10, 3))
    perm = rng.permutation(40)
    a = SPEntropy(noise_std=0.4).fit(S)
    b = SPEntropy(noise_std=0.4).fit(S[perm])
    np.testing.assert_allclose(a.score_samples(T), b.score_samples(T), rtol=1e-12, atol=1e-12)
    # The noise draws follow the rows, so the entropy agrees to MC error only.
    assert abs(a.entropy_ - b.entropy_) < Z * math.hypot(a.standard_error_, b.standard_error_)


@given(
    seed=st.integers(0, 2**31),
    shift=st.floats(-50, 50),
    scale=st.floats(0.01, 100),
)
def test_translation_and_scaling(seed, shift, scale):
    """h(S + c) = h(S); scaling S and b by c adds d log c (same noise draws)."""
    rng = np.random.default_rng(seed)
    S = rng.normal(size=(30, 3))
    h0, _ = sp_entropy(S, 0.5, random_state=seed)
    h_shift, _ = sp_entropy(S + shift, 0.5, random_state=seed)
    h_scale, _ = sp_entropy(S * scale, 0.5 * scale, random_state=seed)
    assert h_shift == pytest.approx(h0, abs=1e-8)
    assert h_scale == pytest.approx(h0 + 3 * math.log(scale), abs=1e-8)


def test_standard_error_shrinks_with_draws(rng):
    """SE ~ 1/sqrt(n * n_mc): 16x the draws gives a quarter of the error."""
    S = rng.normal(size=(400, 3))
    se1 = SPEntropy(noise_std=0.3, n_mc=2, random_state=0).fit(S).standard_error_
    se16 = SPEntropy(noise_std=0.3, n_mc=32, random_state=0).fit(S).standard_error_
    assert 0.2 < se16 / se1 < 0.3


@pytest.mark.parametrize("method", ["dense", "tree"])
def test_thread_count_does_not_change_result(method, rng):
    """Chunking depends on sizes only, so 1 and 2 threads agree bit for bit."""
    S = np.tanh(rng.normal(size=(3000, 5)) * 3)
    one = SPEntropy(noise_std=0.01, n_mc=2, method=method, random_state=0, n_jobs=1).fit(S)
    two = SPEntropy(noise_std=0.01, n_mc=2, method=method, random_state=0, n_jobs=2).fit(S)
    assert one.entropy_ == two.entropy_
    assert one.method_ == method


def test_tree_path_within_truncation_bound(rng):
    """The truncated path is low by at most 1e-12 nats per query."""
    S = np.round(np.tanh(rng.normal(size=(4000, 5)) * 4), 1)  # clustered, like saturated tanh
    S = S + 0.002 * rng.normal(size=S.shape)
    dense = SPEntropy(noise_std=0.005, n_mc=2, method="dense", random_state=0).fit(S)
    tree = SPEntropy(noise_std=0.005, n_mc=2, method="tree", random_state=0).fit(S)
    auto = SPEntropy(noise_std=0.005, n_mc=2, random_state=0).fit(S)
    assert auto.method_ == "tree"
    assert tree.entropy_ == pytest.approx(dense.entropy_, abs=1e-10)
    assert tree.entropy_ >= dense.entropy_ - 1e-10


def test_base_two_gives_bits(rng):
    S = rng.normal(size=(100, 2))
    nats = SPEntropy(noise_std=0.5, random_state=0).fit(S)
    bits = SPEntropy(noise_std=0.5, random_state=0, base=2).fit(S)
    assert bits.entropy_ == pytest.approx(nats.entropy_ / math.log(2), rel=1e-12)


def test_score_reestimates_on_new_data(rng):
    S = rng.normal(size=(200, 2))
    est = SPEntropy(noise_std=0.5, random_state=0).fit(S)
    assert est.score(S) == est.entropy_
    S_far = np.repeat(S[:1], 200, axis=0)
    assert est.score(S_far) == pytest.approx(gaussian_noise_entropy(2, 0.5), abs=1e-10)
