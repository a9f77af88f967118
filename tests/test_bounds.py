"""Kolchinsky-Tracey pairwise-distance bounds: dense reference, limits, bracketing."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.spatial.distance import cdist
from scipy.special import logsumexp

from skinfo import (
    NoisyMutualInformation,
    PairwiseEntropyBounds,
    PairwiseMutualInformationBounds,
    SPEntropy,
    pairwise_entropy_bounds,
    pairwise_mutual_information_bounds,
)
from skinfo.entropy import gaussian_noise_entropy
from skinfo.testing import mixture_entropy_1d, separated_constellation

# Gaussian-tail factor for "within the reported standard error" comparisons.
Z = 4.5


def dense_bounds(S, noise_std, y=None):
    """Plain n x n evaluation of H_D = h(Z) - mean_i log mean_j exp(-D_ij)."""
    n, d = S.shape
    kl = cdist(S, S, "sqeuclidean") / (2.0 * noise_std**2)
    h_noise = 0.5 * d * math.log(2 * math.pi * math.e * noise_std**2)

    def estimate(D, rows, cols):
        sub = D[np.ix_(rows, cols)]
        return h_noise - np.mean(logsumexp(-sub, axis=1) - math.log(len(cols)))

    everyone = np.arange(n)
    upper = estimate(kl, everyone, everyone)
    lower = estimate(kl / 4.0, everyone, everyone)
    out = {"entropy_lower": lower, "entropy_upper": upper}
    if y is not None:
        classes, counts = np.unique(y, return_counts=True)
        shares = counts / n
        cond_kl = sum(
            p * estimate(kl, np.flatnonzero(y == c), np.flatnonzero(y == c))
            for c, p in zip(classes, shares, strict=True)
        )
        cond_bh = sum(
            p * estimate(kl / 4.0, np.flatnonzero(y == c), np.flatnonzero(y == c))
            for c, p in zip(classes, shares, strict=True)
        )
        label_entropy = -np.sum(shares * np.log(shares))
        out["label_kl"] = upper - cond_kl
        out["label_lower"] = max(0.0, lower - cond_kl)
        out["label_upper"] = max(out["label_lower"], min(label_entropy, upper - h_noise, upper - cond_bh))
    return out


@pytest.mark.parametrize(
    ("n", "d", "noise_std"), [(1, 3, 0.5), (7, 1, 0.3), (150, 4, 0.7), (600, 12, 0.4), (90, 60, 2.5)]
)
def test_matches_dense_numpy(n, d, noise_std, rng):
    """The O(n)-memory tiled kernel (direct loop for small d, BLAS cross terms
    for d >= 8; n = 600 spans three tile rows) equals the dense n x n evaluation."""
    S = rng.normal(size=(n, d)) + 5.0
    lower, upper = pairwise_entropy_bounds(S, noise_std)
    ref = dense_bounds(S, noise_std)
    assert lower == pytest.approx(ref["entropy_lower"], rel=1e-11, abs=1e-11)
    assert upper == pytest.approx(ref["entropy_upper"], rel=1e-11, abs=1e-11)


@pytest.mark.parametrize("d", [2, 60])
def test_label_bounds_match_dense_numpy(d, rng):
    """Per-class sums equal the dense evaluation on each class subset."""
    S = rng.normal(size=(700, d))
    y = rng.choice(["a", "b", "c"], size=700, p=[0.5, 0.3, 0.2])
    est = PairwiseMutualInformationBounds(noise_std=0.8).fit(S, y)
    ref = dense_bounds(S, 0.8, y)
    h_noise = gaussian_noise_entropy(d, 0.8)
    assert est.entropy_upper_ == pytest.approx(ref["entropy_upper"], rel=1e-11)
    assert est.mutual_information_upper_ == pytest.approx(ref["entropy_upper"] - h_noise, rel=1e-10)
    assert est.mutual_information_lower_ == pytest.approx(ref["entropy_lower"] - h_noise, rel=1e-10)
    assert est.label_information_kl_ == pytest.approx(ref["label_kl"], rel=1e-9, abs=1e-12)
    assert est.label_information_lower_ == pytest.approx(ref["label_lower"], rel=1e-9, abs=1e-12)
    assert est.label_information_upper_ == pytest.approx(ref["label_upper"], rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(("m", "d"), [(2, 1), (17, 3), (64, 12)])
def test_separated_points_give_log_m(m, d, rng):
    """Centres far apart in units of the noise: every cross divergence is huge,
    so both bounds are h(Z) + log m and both I(X;T) bounds are log m."""
    S = separated_constellation(m, d, 0.1, rng)
    lower, upper = pairwise_entropy_bounds(S, 0.1)
    exact = gaussian_noise_entropy(d, 0.1) + math.log(m)
    assert lower == pytest.approx(exact, abs=1e-12)
    assert upper == pytest.approx(exact, abs=1e-12)
    mi_lower, mi_upper = pairwise_mutual_information_bounds(S, noise_std=0.1)
    assert mi_lower == pytest.approx(math.log(m), abs=1e-12)
    assert mi_upper == pytest.approx(math.log(m), abs=1e-12)


def test_coincident_points_give_noise_entropy(rng):
    """All centres equal: the mixture is one Gaussian, so both bounds are h(Z)
    and I(X;T) = 0."""
    S = np.tile(rng.normal(size=(1, 5)), (40, 1))
    lower, upper = pairwise_entropy_bounds(S, 0.3)
    assert lower == pytest.approx(gaussian_noise_entropy(5, 0.3), abs=1e-12)
    assert upper == pytest.approx(gaussian_noise_entropy(5, 0.3), abs=1e-12)
    assert pairwise_mutual_information_bounds(S, noise_std=0.3) == pytest.approx((0.0, 0.0), abs=1e-12)


def test_separated_classes_give_label_entropy(rng):
    """Classes far apart, each a tight blob: I(Y;T) = H(Y) exactly, and the
    bracket closes on it."""
    centres = separated_constellation(3, 2, 0.1, rng)
    y = np.repeat([0, 1, 2], [10, 20, 30])
    S = centres[y] + 1e-6 * rng.normal(size=(60, 2))
    result = pairwise_mutual_information_bounds(S, y, noise_std=0.1)
    shares = np.array([10, 20, 30]) / 60
    label_entropy = -np.sum(shares * np.log(shares))
    assert result[2] == pytest.approx(label_entropy, abs=1e-9)
    assert result[3] == pytest.approx(label_entropy, abs=1e-9)


constellations = st.integers(1, 4).flatmap(
    lambda d: arrays(
        np.float64,
        st.tuples(st.integers(1, 10), st.just(d)),
        elements=st.floats(-3, 3, allow_nan=False, allow_infinity=False),
    )
)


@given(S=constellations, noise_std=st.floats(0.1, 2.0))
def test_bounds_bracket_sp_estimate(S, noise_std):
    """Kolchinsky & Tracey (2017): for any mixture, the Bhattacharyya estimate
    is a lower and the KL estimate an upper bound on its entropy.  SP with the
    centres themselves estimates that entropy without bias, to MC error."""
    lower, upper = pairwise_entropy_bounds(S, noise_std)
    sp = SPEntropy(noise_std=noise_std, n_mc=400, random_state=0).fit(S)
    slack = Z * sp.standard_error_ + 1e-9
    assert lower <= sp.entropy_ + slack
    assert sp.entropy_ <= upper + slack


@given(points=st.lists(st.floats(-4, 4), min_size=1, max_size=8), noise_std=st.floats(0.2, 2.0))
def test_bounds_bracket_quadrature_1d(points, noise_std):
    """The same theorem against the exact 1-D mixture entropy by quadrature."""
    S = np.asarray(points).reshape(-1, 1)
    lower, upper = pairwise_entropy_bounds(S, noise_std)
    exact = mixture_entropy_1d(points, noise_std)
    assert lower <= exact + 1e-9
    assert exact <= upper + 1e-9


@given(seed=st.integers(0, 2**32 - 1), n_classes=st.integers(1, 3))
def test_label_bounds_bracket_sp(seed, n_classes):
    """I(Y;T) = h(T) - sum_c p_c h(T|Y=c): a lower (upper) bound on the first
    term minus upper (lower) bounds on the others brackets it; SP's I(Y;T)
    of a deterministic layer estimates it to MC error."""
    rng = np.random.default_rng(seed)
    S = rng.normal(size=(24, 2))
    y = rng.integers(0, n_classes, size=24)
    _, _, label_lower, label_upper = pairwise_mutual_information_bounds(S, y, noise_std=0.5)
    sp = NoisyMutualInformation(noise_std=0.5, n_mc=300, random_state=0).fit(S, y)
    slack = Z * sp.label_standard_error_ + 1e-9
    assert label_lower <= sp.label_information_ + slack
    assert sp.label_information_ <= label_upper + slack


@pytest.mark.parametrize("d", [3, 12])
def test_thread_count_does_not_change_result(d, rng):
    """Tiles and their round-robin order depend only on n: bit-identical results."""
    S = rng.normal(size=(700, d))
    assert pairwise_entropy_bounds(S, 0.4, n_jobs=1) == pairwise_entropy_bounds(S, 0.4, n_jobs=2)


def test_permutation_and_translation_invariance(rng):
    """The bounds depend only on the multiset of pairwise distances."""
    S = rng.normal(size=(80, 3))
    moved = S[rng.permutation(80)] + 100.0
    assert pairwise_entropy_bounds(moved, 0.5) == pytest.approx(pairwise_entropy_bounds(S, 0.5), rel=1e-12)


def test_base_two_gives_bits(rng):
    """base=2 divides every result by log 2."""
    S = rng.normal(size=(50, 2))
    nats = PairwiseEntropyBounds(noise_std=0.5).fit(S)
    bits = PairwiseEntropyBounds(noise_std=0.5, base=2).fit(S)
    assert bits.entropy_upper_ == pytest.approx(nats.entropy_upper_ / math.log(2), rel=1e-12)
    assert bits.score(S) == pytest.approx(nats.entropy_upper_ / math.log(2), rel=1e-12)


GOOD = np.arange(12.0).reshape(4, 3)


@pytest.mark.parametrize("func", [pairwise_entropy_bounds, pairwise_mutual_information_bounds])
class TestBadInput:
    def test_nan(self, func):
        bad = GOOD.copy()
        bad[1, 1] = np.nan
        with pytest.raises(ValueError, match="S contains NaN"):
            func(bad, noise_std=0.1)

    def test_inf(self, func):
        bad = GOOD.copy()
        bad[0, 2] = np.inf
        with pytest.raises(ValueError, match="S contains infinity"):
            func(bad, noise_std=0.1)

    def test_one_dimensional(self, func):
        with pytest.raises(ValueError, match=r"S must be a 2-D .*reshape"):
            func(GOOD[:, 0], noise_std=0.1)

    def test_three_dimensional(self, func):
        with pytest.raises(ValueError, match=r"S must be a 2-D .*shape \(2, 2, 3\)"):
            func(GOOD.reshape(2, 2, 3), noise_std=0.1)

    def test_empty(self, func):
        with pytest.raises(ValueError, match=r"0 sample"):
            func(np.empty((0, 3)), noise_std=0.1)

    @pytest.mark.parametrize("noise_std", [0.0, -1.0])
    def test_non_positive_noise(self, func, noise_std):
        with pytest.raises(ValueError, match="noise_std"):
            func(GOOD, noise_std=noise_std)


def test_mismatched_labels():
    with pytest.raises(ValueError, match="y has 3 labels but the activations have 4"):
        pairwise_mutual_information_bounds(GOOD, [0, 1, 1], noise_std=0.1)


@pytest.mark.parametrize("noise_std", [0.0, np.nan])
def test_estimator_rejects_bad_noise(noise_std):
    with pytest.raises(ValueError, match="noise_std"):
        PairwiseEntropyBounds(noise_std=noise_std).fit(GOOD)


def test_score_checks_feature_count():
    est = PairwiseMutualInformationBounds(noise_std=0.1).fit(GOOD)
    with pytest.raises(ValueError, match="features"):
        est.score(GOOD[:, :2])


@pytest.mark.parametrize("n_blocks", [1, 2, 5, 8, 13])
def test_round_robin_schedule_covers_each_pair_once(n_blocks):
    """The tile schedule is a round-robin tournament: every unordered block
    pair (and each diagonal tile) exactly once, and no block twice in a round
    (so the rounds' tiles can run concurrently without write conflicts)."""
    from skinfo._kernels._pairwise import round_robin_tiles

    rows, cols, bounds = round_robin_tiles(n_blocks)
    pairs = sorted(zip(rows.tolist(), cols.tolist(), strict=True))
    assert pairs == [(i, j) for i in range(n_blocks) for j in range(i, n_blocks)]
    for lo, hi in itertools.pairwise(bounds.tolist()):
        touched = rows[lo:hi].tolist() + [c for r, c in zip(rows[lo:hi], cols[lo:hi], strict=True) if c != r]
        assert len(touched) == len(set(touched))
