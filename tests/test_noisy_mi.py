"""I(X;T) / I(Y;T) of noisy layers: closed forms, bounds, properties."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.spatial.distance import cdist
from scipy.special import logsumexp

from skinfo import NoisyMutualInformation, noisy_mutual_information, sp_entropy
from skinfo.entropy import gaussian_noise_entropy
from skinfo.testing import bpsk_mutual_information, hypercube_constellation, separated_constellation

Z = 4.5


@pytest.mark.parametrize("n_features", [1, 4, 10])
@pytest.mark.parametrize("n_inputs", [2, 17, 300])
def test_separated_constellation_is_log_m(n_inputs, n_features, rng):
    """m inputs far apart relative to the noise: I(X;T) = log m to 1e-9.

    The control variate removes the noise density's own variance, so the
    reported standard error must be tiny too.
    """
    noise_std = 0.1
    S = separated_constellation(n_inputs, n_features, noise_std, rng)
    est = NoisyMutualInformation(noise_std=noise_std, random_state=0).fit(S)
    assert est.mutual_information_ == pytest.approx(math.log(n_inputs), abs=1e-9)
    assert est.standard_error_ < 1e-9
    assert est.entropy_ == pytest.approx(
        gaussian_noise_entropy(n_features, noise_std) + math.log(n_inputs), abs=1e-9
    )


def test_separated_labels_give_label_entropy(rng):
    """Separated inputs: I(Y;T) = H(Y) exactly (T determines X, hence Y)."""
    S = separated_constellation(60, 3, 0.1, rng)
    y = rng.integers(0, 3, size=60)
    est = NoisyMutualInformation(noise_std=0.1, random_state=0).fit(S, y)
    p = np.bincount(y) / 60
    assert est.label_information_ == pytest.approx(-(p * np.log(p)).sum(), abs=1e-9)


def test_coincident_inputs_give_zero(rng):
    """All inputs mapped to one point: T is independent of X, I = 0 exactly."""
    S = np.tile(rng.normal(size=(1, 5)), (40, 1))
    est = NoisyMutualInformation(noise_std=0.2, random_state=0).fit(S, y=np.arange(40) % 2)
    assert est.mutual_information_ == pytest.approx(0.0, abs=1e-12)
    assert est.label_information_ == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("n_features", [1, 3, 7])
def test_hypercube_is_d_times_bpsk(n_features):
    """S uniform on {-1,+1}^d: I(S; S+Z) = d I_BPSK(b), I_BPSK by quadrature."""
    noise_std = 0.7
    S = hypercube_constellation(n_features)
    est = NoisyMutualInformation(noise_std=noise_std, n_mc=64, random_state=0).fit(S)
    exact = n_features * bpsk_mutual_information(noise_std)
    assert abs(est.mutual_information_ - exact) < Z * est.standard_error_


def test_sampled_conditionals_match_gaussian_closed_form(rng):
    """S | X=x ~ N(mu_x, s^2 I) with replicas: h(T|X=x) -> Gaussian entropy.

    Inputs far apart make h(T) = log m + h(T|X), so I(X;T) = log m while the
    conditional entropy estimate must match 0.5 d log(2 pi e (s^2 + b^2)).
    """
    m, r, d, spread, noise_std = 6, 400, 2, 0.05, 0.05
    means = separated_constellation(m, d, 1.0, rng)
    S = means[:, None, :] + spread * rng.normal(size=(m, r, d))
    est = NoisyMutualInformation(noise_std=noise_std, n_mc=8, query_replicas=100, random_state=0).fit(S)
    exact_cond = 0.5 * d * math.log(2 * math.pi * math.e * (spread**2 + noise_std**2))
    assert est.mutual_information_ == pytest.approx(math.log(m), abs=1e-9)
    assert abs(est.conditional_entropy_ - exact_cond) < 0.05


def _kolchinsky_tracey_bounds(S, noise_std):
    """Dense reference: pairwise KL (upper) and Bhattacharyya (lower) bounds on I(X;T)."""
    sq = cdist(S, S, "sqeuclidean")
    n = S.shape[0]
    upper = -np.mean(logsumexp(-sq / (2 * noise_std**2), axis=1) - math.log(n))
    lower = -np.mean(logsumexp(-sq / (8 * noise_std**2), axis=1) - math.log(n))
    return lower, upper


@given(
    points=st.integers(2, 30),
    dims=st.integers(1, 4),
    noise_std=st.floats(0.05, 1.0),
    seed=st.integers(0, 2**31),
)
def test_mi_within_pairwise_bounds_and_log_m(points, dims, noise_std, seed):
    """Deterministic constellations: KT lower <= I(X;T) <= KT upper <= log m, I >= 0.

    Each up to the estimate's standard error (the bounds are exact numbers).
    """
    rng = np.random.default_rng(seed)
    S = rng.uniform(-1, 1, size=(points, dims))
    est = NoisyMutualInformation(noise_std=noise_std, n_mc=50, random_state=seed).fit(S)
    lower, upper = _kolchinsky_tracey_bounds(S, noise_std)
    slack = Z * est.standard_error_ + 1e-9
    assert lower - slack <= est.mutual_information_ <= upper + slack
    assert est.mutual_information_ <= math.log(points) + 1e-9
    assert est.mutual_information_ >= -slack


def test_mi_consistent_with_entropy_difference(rng):
    """I(X;T) = h(T) - h(T|X): the fitted attributes are consistent, and h(T)
    agrees with SPEntropy on the pooled samples to MC error."""
    S = np.tanh(rng.normal(size=(200, 3)))
    est = NoisyMutualInformation(noise_std=0.2, random_state=0).fit(S)
    assert est.mutual_information_ == pytest.approx(est.entropy_ - est.conditional_entropy_, abs=1e-9)
    h, se = sp_entropy(S, 0.2, random_state=5)
    assert abs(est.entropy_ - h) < Z * math.hypot(se, 2 * est.standard_error_)


def test_label_information_bounded(rng):
    """0 <= I(Y;T) <= min(H(Y), I(X;T)) up to the standard errors (DPI)."""
    S = rng.normal(size=((300, 2)))
    y = (S[:, 0] > 0).astype(int)
    est = NoisyMutualInformation(noise_std=0.3, random_state=0).fit(S, y)
    slack = Z * (est.standard_error_ + est.label_standard_error_)
    assert -slack <= est.label_information_ <= math.log(2) + 1e-12
    assert est.label_information_ <= est.mutual_information_ + slack


def test_labels_order_does_not_matter(rng):
    """Relabelling classes or permuting inputs consistently leaves I(Y;T) to MC error."""
    S = rng.normal(size=(150, 2))
    y = rng.integers(0, 3, size=150)
    a = NoisyMutualInformation(noise_std=0.3, random_state=0).fit(S, y)
    perm = rng.permutation(150)
    b = NoisyMutualInformation(noise_std=0.3, random_state=1).fit(S[perm], np.array(["a", "b", "c"])[y[perm]])
    assert abs(a.label_information_ - b.label_information_) < Z * math.hypot(
        a.label_standard_error_, b.label_standard_error_
    )


def test_three_d_with_one_replica_equals_deterministic(rng):
    S = rng.normal(size=(80, 3))
    a = NoisyMutualInformation(noise_std=0.4, random_state=0).fit(S)
    b = NoisyMutualInformation(noise_std=0.4, random_state=0).fit(S[:, None, :])
    assert a.mutual_information_ == b.mutual_information_


def test_tree_and_dense_agree_with_replicas(rng):
    """The truncated path is exact to 1e-12 nats per term, also for the
    input and class sums."""
    m, r, d = 300, 12, 4
    base = np.tanh(3 * rng.normal(size=(m, 1, d)))
    S = base + 0.005 * rng.normal(size=(m, r, d))
    y = rng.integers(0, 2, size=m)
    kw = dict(noise_std=0.005, n_mc=2, query_replicas=3, random_state=0)
    dense = NoisyMutualInformation(method="dense", **kw).fit(S, y)
    tree = NoisyMutualInformation(method="tree", **kw).fit(S, y)
    assert tree.mutual_information_ == pytest.approx(dense.mutual_information_, abs=1e-10)
    assert tree.label_information_ == pytest.approx(dense.label_information_, abs=1e-10)
    assert tree.entropy_ == pytest.approx(dense.entropy_, abs=1e-10)


def test_function_form_matches_estimator(rng):
    S = rng.normal(size=(60, 2))
    y = rng.integers(0, 2, size=60)
    est = NoisyMutualInformation(noise_std=0.3, random_state=4).fit(S, y)
    mi, se, label = noisy_mutual_information(S, y, 0.3, random_state=4)
    assert (mi, se, label) == (est.mutual_information_, est.standard_error_, est.label_information_)


def test_refit_without_labels_drops_label_attributes(rng):
    S = rng.normal(size=(30, 2))
    est = NoisyMutualInformation(random_state=0).fit(S, np.arange(30) % 2)
    est.fit(S)
    assert not hasattr(est, "label_information_")
