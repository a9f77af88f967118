"""Tests of skinfo.datasets: the generated 12-bit task and the single-neuron inputs."""

import itertools
from pathlib import Path

import numpy as np
import pytest

from skinfo.datasets import TANH_NEURON_INPUTS, load_szt, load_tanh_neuron
from skinfo.datasets._szt import _ICOSAHEDRON, szt_score

VAR_U = Path(__file__).resolve().parents[2] / "shared" / "data" / "var_u.mat"


def test_szt_rows_are_binary_counting_with_msb_first():
    """Row r spells r in binary, column 0 the most significant bit (reference: int(bits, 2))."""
    X, y = load_szt()
    assert X.shape == (4096, 12) and y.shape == (4096,)
    assert set(np.unique(X)) == {0, 1} and set(np.unique(y)) == {0, 1}
    for r in (0, 1, 2, 5, 1000, 2048, 4095):
        assert int("".join(map(str, X[r])), 2) == r


def test_szt_label_count_matches_the_original_description():
    """The task has 2118 positive labels (the issue's dataset note)."""
    assert int(load_szt()[1].sum()) == 2118


def test_icosahedron_is_regular():
    """12 unit vertices, each with exactly 5 nearest neighbours at the icosahedron's edge angle.

    For a regular icosahedron with unit circumradius, neighbours have dot product 1/sqrt(5),
    non-neighbours -1/sqrt(5), antipodes -1.
    """
    P = _ICOSAHEDRON / np.linalg.norm(_ICOSAHEDRON, axis=1, keepdims=True)
    G = P @ P.T
    off = G[~np.eye(12, dtype=bool)].reshape(12, 11)
    expected = sorted([1 / np.sqrt(5)] * 5 + [-1 / np.sqrt(5)] * 5 + [-1.0])
    for row in off:
        np.testing.assert_allclose(np.sort(row), expected, atol=1e-12)


def test_szt_labels_are_rotation_invariant(rng):
    """The score n + |sum x_i p_i| does not change when all vertices rotate together."""
    Q, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    X = load_szt()[0]
    P = _ICOSAHEDRON / np.linalg.norm(_ICOSAHEDRON, axis=1, keepdims=True)
    rotated = X.sum(axis=1) + np.linalg.norm(X @ (P @ Q.T), axis=1)
    np.testing.assert_allclose(rotated, szt_score(X), atol=1e-12)


def test_szt_threshold_lies_in_the_gap():
    """No score falls in (7.563, 7.701), so any threshold there gives the same labels."""
    score = szt_score(load_szt()[0])
    assert not np.any((score > 7.563) & (score < 7.701))


def test_szt_reproduces_the_original_file():
    """All 4096 rows of F and all labels of y in var_u.mat equal the generator's output."""
    if not VAR_U.exists():
        pytest.skip(f"{VAR_U} not present")
    io = pytest.importorskip("scipy.io")
    data = io.loadmat(VAR_U)
    F = np.asarray(data["F"])
    labels = np.asarray(data["y"])
    if labels.ndim == 2 and 1 not in labels.shape:  # one-hot
        labels = labels.argmax(axis=1 if labels.shape[1] == 2 else 0)
    labels = labels.ravel()
    X, y = load_szt()
    np.testing.assert_array_equal(X, F)
    np.testing.assert_array_equal(y, labels)


def test_tanh_neuron_inputs():
    """Support {-3, -1, 1, 3}; samples take only those values, each about 1/4 of the time."""
    assert load_tanh_neuron().ravel().tolist() == [-3.0, -1.0, 1.0, 3.0]
    n = 4000
    X = load_tanh_neuron(n, random_state=0).ravel()
    assert set(np.unique(X)) <= set(TANH_NEURON_INPUTS.tolist())
    shares = np.array([np.mean(X == v) for v in TANH_NEURON_INPUTS])
    # Binomial standard deviation sqrt(p(1-p)/n); 5 of them.
    assert np.all(np.abs(shares - 0.25) < 5 * np.sqrt(0.25 * 0.75 / n))


@pytest.mark.parametrize("bad, error, match", [(0, ValueError, "n_samples"), (2.5, TypeError, "n_samples")])
def test_tanh_neuron_rejects_bad_sample_counts(bad, error, match):
    with pytest.raises(error, match=match):
        load_tanh_neuron(bad)


def test_szt_pattern_enumeration_is_complete():
    """Every 12-bit pattern appears exactly once (against itertools.product)."""
    X = load_szt()[0]
    expected = np.array(list(itertools.product((0, 1), repeat=12)))
    np.testing.assert_array_equal(X, expected)
