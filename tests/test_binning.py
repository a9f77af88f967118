"""Tests of the binning estimator H(Bin T), I(X; Bin T), I(Y; Bin T)."""

import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from skinfo import BinnedMutualInformation, binned_entropy, binned_mutual_information
from skinfo._kernels._binning import assign_cells
from skinfo.entropy._binned import _bin_indices, _joint_cells
from skinfo.mutual_info import OutOfRangeWarning

VAR_U = Path(__file__).resolve().parents[2] / "shared" / "data" / "var_u.mat"


# --- plain references -----


def reference_bin(t, low, high, n_bins):
    """numpy.histogram's rule written out: bins [e_k, e_k+1), top edge in the last bin,
    values outside the range in the edge bins."""
    edges = np.linspace(low, high, n_bins + 1)
    if t <= low:
        return 0
    if t >= high:
        return n_bins - 1
    k = 0
    while not (edges[k] <= t < edges[k + 1]):
        k += 1
    return k


def reference_cells(T, n_bins=30, low=-1.0, high=1.0, bin_width=None):
    rows = []
    for row in np.asarray(T, dtype=float):
        if bin_width is None:
            rows.append(tuple(reference_bin(t, low, high, n_bins) for t in row))
        else:
            rows.append(tuple(math.floor(t / bin_width) for t in row))
    return rows


def entropy_of(items):
    counts = Counter(items)
    total = sum(counts.values())
    return -sum(c / total * math.log(c / total) for c in counts.values())


def label_information_of(cells, labels):
    """I(Y; C) = H(C) - sum_y p(y) H(C | Y = y), by dictionaries."""
    total = len(cells)
    conditional = 0.0
    for label in set(labels):
        members = [c for c, l in zip(cells, labels, strict=True) if l == label]
        conditional += len(members) / total * entropy_of(members)
    return entropy_of(cells) - conditional


small_activations = st.integers(1, 40).flatmap(
    lambda m: st.integers(1, 5).flatmap(
        lambda d: arrays(
            np.float64,
            (m, d),
            elements=st.one_of(
                st.floats(-1.0, 1.0, allow_nan=False),
                st.sampled_from([-1.0, -0.5, 0.0, 0.5, 1.0, 0.2, -0.2]),  # edges of 10 bins
            ),
        )
    )
)


# --- against the dictionary reference -----


@given(T=small_activations, n_bins=st.integers(1, 12))
def test_entropy_matches_dictionary_count(T, n_bins):
    """H(Bin T) equals the plug-in entropy of a dictionary count of the bin tuples."""
    expected = entropy_of(reference_cells(T, n_bins))
    assert binned_entropy(T, n_bins) == pytest.approx(expected, abs=1e-12)


@given(T=small_activations, bin_width=st.sampled_from([0.07, 0.1, 0.3, 1.0]))
def test_fixed_width_matches_floor_reference(T, bin_width):
    """The Saxe et al. scheme bins each value as floor(t / bin_width)."""
    expected = entropy_of(reference_cells(T, bin_width=bin_width))
    assert binned_entropy(T, bin_width=bin_width) == pytest.approx(expected, abs=1e-12)


def test_codes_overflowing_int64_count_exactly(rng):
    """d = 100 units with 30 bins has 30**100 possible cells: rows are hashed, and the
    counts still equal the dictionary count."""
    base_rows = rng.uniform(-1, 1, size=(50, 100))
    T = base_rows[rng.integers(0, 50, size=400)]  # many repeated cells
    T[::7, 3] = rng.uniform(-1, 1, size=T[::7].shape[0])  # and rows differing in one unit
    expected = entropy_of(reference_cells(T))
    assert binned_entropy(T) == pytest.approx(expected, abs=1e-12)
    assert BinnedMutualInformation().fit(T).n_occupied_bins_ == len(set(reference_cells(T)))


def test_hash_collisions_cannot_merge_cells(rng):
    """With every key equal (the worst collision possible), comparing the rows still
    separates the cells: the partition equals the dictionary's."""
    indices = rng.integers(0, 3, size=(300, 4))
    keys = np.zeros(300, dtype=np.int64)
    cells = np.empty(300, dtype=np.int64)
    n_cells = assign_cells(keys, indices, True, cells)
    first_seen = {}
    expected = [first_seen.setdefault(tuple(row), len(first_seen)) for row in indices.tolist()]
    assert n_cells == len(first_seen)
    assert cells.tolist() == expected


def test_hashed_and_exact_codes_agree(rng):
    """The hash path (forced) gives the same cells as the exact mixed-radix path."""
    indices = rng.integers(0, 5, size=(500, 6))
    exact, n_exact = _joint_cells(indices, [5] * 6)
    hashed, n_hashed = _joint_cells(indices, [5] * 6, force_hash=True)
    assert n_exact == n_hashed
    assert exact.tolist() == hashed.tolist()


# --- closed forms and bounds -----


def test_entropy_zero_when_all_rows_share_a_cell(rng):
    """H(Bin T) = 0 when every row falls in the same cell."""
    T = 0.31 + 0.01 * rng.random((200, 7))  # all inside [0.2667, 0.3333)
    assert binned_entropy(T) == pytest.approx(0.0, abs=1e-12)
    est = BinnedMutualInformation().fit(T, y=rng.integers(0, 3, 200))
    assert est.n_occupied_bins_ == 1
    assert est.label_information_ == pytest.approx(0.0, abs=1e-12)


def test_entropy_log_m_when_rows_are_distinct():
    """H(Bin T) = log m when all m rows occupy distinct cells."""
    m = 30
    T = (np.arange(m)[:, None] + 0.5) / m * 2 - 1 + np.zeros((1, 3))  # one row per bin
    assert binned_entropy(T, 30) == pytest.approx(math.log(m), abs=1e-12)
    assert binned_mutual_information(T, n_bins=30).mutual_information == pytest.approx(math.log(m), abs=1e-12)


@given(
    T=small_activations,
    labels=st.lists(st.integers(0, 3), min_size=40, max_size=40),
    n_bins=st.integers(1, 8),
)
def test_label_information_bounds_and_reference(T, labels, n_bins):
    """0 <= I(Y; Bin T) <= min(H(Y), H(Bin T)), and it equals the dictionary value."""
    y = np.asarray(labels[: T.shape[0]])
    est = BinnedMutualInformation(n_bins=n_bins).fit(T, y)
    h_y = entropy_of(y.tolist())
    assert -1e-12 <= est.label_information_ <= min(h_y, est.entropy_) + 1e-12
    expected = label_information_of(reference_cells(T, n_bins), y.tolist())
    assert est.label_information_ == pytest.approx(expected, abs=1e-12)


@given(T=small_activations, seed=st.integers(0, 2**32 - 1))
def test_row_permutation_invariance(T, seed):
    """Entropies are functions of the cell counts, hence invariant under permuting the rows
    (with their labels)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, T.shape[0])
    perm = rng.permutation(T.shape[0])
    a = BinnedMutualInformation(n_bins=7).fit(T, y)
    b = BinnedMutualInformation(n_bins=7).fit(T[perm], y[perm])
    assert b.entropy_ == pytest.approx(a.entropy_, abs=1e-12)
    assert b.label_information_ == pytest.approx(a.label_information_, abs=1e-12)
    assert b.n_occupied_bins_ == a.n_occupied_bins_


def test_replicas_give_conditional_entropy_per_input(rng):
    """With r replicas per input, I(X; Bin T) = H(Bin T) - (1/m) sum_x H(Bin T | X = x)."""
    T = np.tanh(rng.standard_normal((20, 1, 2)) + 0.4 * rng.standard_normal((20, 6, 2)))
    est = BinnedMutualInformation(n_bins=5).fit(T)
    pooled = reference_cells(T.reshape(-1, 2), 5)
    per_input = [entropy_of(reference_cells(T[i], 5)) for i in range(20)]
    assert est.entropy_ == pytest.approx(entropy_of(pooled), abs=1e-12)
    assert est.conditional_entropy_ == pytest.approx(np.mean(per_input), abs=1e-12)
    assert est.mutual_information_ == pytest.approx(entropy_of(pooled) - np.mean(per_input), abs=1e-12)


def test_deterministic_mutual_information_equals_entropy(rng):
    """For (m, d) activations every input is one row: I(X; Bin T) = H(Bin T)."""
    T = np.tanh(rng.standard_normal((300, 4)))
    est = BinnedMutualInformation().fit(T)
    assert est.conditional_entropy_ == 0.0
    assert est.mutual_information_ == est.entropy_


def test_miller_madow_correction(rng):
    """Miller-Madow adds (K - 1) / (2 N) to the plug-in entropy of N samples in K cells, and
    (K_x - 1) / (2 r) to each input's conditional entropy."""
    T = np.tanh(rng.standard_normal((15, 4, 2)))
    plug = BinnedMutualInformation(n_bins=4).fit(T)
    corrected = BinnedMutualInformation(n_bins=4, bias_correction="miller-madow").fit(T)
    n = 60
    k = len(set(reference_cells(T.reshape(-1, 2), 4)))
    assert corrected.entropy_ == pytest.approx(plug.entropy_ + (k - 1) / (2 * n), abs=1e-12)
    k_x = [len(set(reference_cells(T[i], 4))) for i in range(15)]
    expected_conditional = plug.conditional_entropy_ + np.mean([(kx - 1) / 8 for kx in k_x])
    assert corrected.conditional_entropy_ == pytest.approx(expected_conditional, abs=1e-12)


def test_base_converts_from_nats(rng):
    """Results in base b are the nat values divided by log b."""
    T = np.tanh(rng.standard_normal((100, 3)))
    assert binned_entropy(T, base=2) == pytest.approx(binned_entropy(T) / math.log(2), rel=1e-12)


# --- edges and the range -----


def test_values_on_edges_follow_numpy_histogram():
    """Bin k is [e_k, e_k+1); the top edge belongs to the last bin, as in numpy.histogram."""
    edges = np.linspace(-1.0, 1.0, 11)
    T = np.concatenate([edges, (edges[:-1] + edges[1:]) / 2])[:, None]
    indices, *_ = _bin_indices(T, 10, (-1.0, 1.0), None, "raise")
    counts = np.bincount(indices[:, 0], minlength=10)
    np.testing.assert_array_equal(counts, np.histogram(T[:, 0], bins=edges)[0])
    assert indices[:10, 0].tolist() == list(range(10))  # each lower edge opens its bin
    assert indices[10, 0] == 9  # the top edge


def test_out_of_range_values_are_clipped_with_warning():
    """Values outside value_range land in the first or last bin (never wrap) and warn."""
    T = np.array([[-3.0], [-0.99], [0.99], [2.5], [0.0]])
    with pytest.warns(OutOfRangeWarning, match="2 of 5 values of T lie outside"):
        est = BinnedMutualInformation(n_bins=30).fit(T)
    assert est.n_outside_ == 2
    # {-3, -0.99} share bin 0 and {0.99, 2.5} bin 29: cells of sizes 2, 2, 1.
    assert est.entropy_ == pytest.approx(entropy_of(["a", "a", "b", "b", "c"]), abs=1e-12)


def test_out_of_range_raise():
    with pytest.raises(ValueError, match="1 of 2 values of T lie outside"):
        binned_entropy([[0.5], [1.5]], out_of_range="raise")


def test_value_range_none_uses_data_range():
    """value_range=None splits [min, max] of the data (max in the last bin)."""
    T = np.array([[2.0], [3.0], [4.0], [6.0]])
    est = BinnedMutualInformation(n_bins=2, value_range=None).fit(T)
    np.testing.assert_allclose(est.bin_edges_, [2.0, 4.0, 6.0])
    assert est.entropy_ == pytest.approx(entropy_of([0, 0, 1, 1]), abs=1e-12)
    assert binned_entropy(np.full((5, 2), 7.0), value_range=None) == 0.0


def test_score_re_estimates_on_new_data(rng):
    T = np.tanh(rng.standard_normal((100, 3)))
    est = BinnedMutualInformation().fit(T)
    assert est.score(T) == est.mutual_information_
    with pytest.raises(ValueError, match="X has 2 features, but BinnedMutualInformation is expecting 3"):
        est.score(T[:, :2])


# --- the 12-bit dataset ------------------------------------------------------------------------------------


def test_var_u_tanh_layer_matches_numpy():
    """Shwartz-Ziv & Tishby's convention on the 12-bit dataset: a random tanh layer's
    H(Bin T) and I(Y; Bin T), 30 bins on [-1, 1], equal a direct NumPy computation."""
    if not VAR_U.exists():
        pytest.skip(f"{VAR_U} not present")
    scipy_io = pytest.importorskip("scipy.io")
    data = scipy_io.loadmat(VAR_U)
    F = np.asarray(data["F"], dtype=np.float64)
    y = np.asarray(data["y"])
    y = y.argmax(axis=1) if y.ndim == 2 and min(y.shape) > 1 else y.ravel()
    assert F.shape == (4096, 12) and y.shape == (4096,)
    rng = np.random.default_rng(12)
    W = rng.standard_normal((12, 10)) / math.sqrt(12)
    T = np.tanh(F @ W + 0.1 * rng.standard_normal(10))

    edges = np.linspace(-1, 1, 31)
    digitized = np.digitize(T, edges[1:-1])
    _, cells, counts = np.unique(digitized, axis=0, return_inverse=True, return_counts=True)
    cells = cells.ravel()
    p = counts / counts.sum()
    h_t = -np.sum(p * np.log(p))
    _, joint_counts = np.unique(np.stack([cells, y]), axis=1, return_counts=True)
    q = joint_counts / joint_counts.sum()
    p_y = np.bincount(y) / y.size
    h_y = -np.sum(p_y * np.log(p_y))
    h_ty = -np.sum(q * np.log(q))
    i_yt = h_t + h_y - h_ty

    mi, label_mi = binned_mutual_information(T, y)
    assert mi == pytest.approx(h_t, abs=1e-10)
    assert label_mi == pytest.approx(i_yt, abs=1e-10)
    assert BinnedMutualInformation().fit(T, y).n_occupied_bins_ == counts.size


# --- bad input -----


def test_rejects_nan():
    with pytest.raises(ValueError, match="T contains NaN"):
        binned_entropy([[0.1], [np.nan]])


def test_rejects_inf():
    with pytest.raises(ValueError, match="T contains infinity"):
        BinnedMutualInformation().fit([[0.1], [np.inf]])


def test_rejects_1d():
    with pytest.raises(ValueError, match="T must be a 2-D"):
        binned_entropy([0.1, 0.2])


def test_rejects_4d():
    with pytest.raises(ValueError, match="got an array of shape"):
        binned_mutual_information(np.zeros((2, 2, 2, 2)))


def test_rejects_empty():
    with pytest.raises(ValueError, match=r"0 sample\(s\)"):
        binned_entropy(np.zeros((0, 3)))


def test_rejects_labels_of_wrong_length():
    with pytest.raises(ValueError, match="y has 3 labels but the activations have 2 inputs"):
        binned_mutual_information([[0.1], [0.2]], [0, 1, 1])


def test_rejects_non_positive_bin_width():
    with pytest.raises(ValueError, match="'bin_width' parameter"):
        BinnedMutualInformation(bin_width=0.0).fit([[0.1], [0.2]])


def test_rejects_zero_bins():
    with pytest.raises(ValueError, match="'n_bins' parameter"):
        binned_entropy([[0.1], [0.2]], n_bins=0)


def test_rejects_value_range_low_not_below_high():
    with pytest.raises(ValueError, match=r"value_range must satisfy low < high; got \(1.0, 1.0\)"):
        binned_entropy([[0.1], [0.2]], value_range=(1.0, 1.0))


def test_rejects_value_range_of_wrong_length():
    with pytest.raises(ValueError, match="value_range must be None or a pair"):
        BinnedMutualInformation(value_range=(0.0, 1.0, 2.0)).fit([[0.1], [0.2]])


def test_rejects_bin_width_too_small_for_values():
    with pytest.raises(ValueError, match="bin_width=1e-300 is too small"):
        binned_entropy([[0.1], [1e10]], bin_width=1e-300)


def test_rejects_unknown_bias_correction():
    with pytest.raises(ValueError, match="'bias_correction' parameter"):
        binned_entropy([[0.1], [0.2]], bias_correction="jackknife")
