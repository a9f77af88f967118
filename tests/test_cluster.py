"""Tests of the clustering scores: silhouette, cosine structure, ClusteringScore."""

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.spatial.distance import cdist
from sklearn import metrics
from sklearn.metrics.pairwise import cosine_similarity

from skinfo import (
    ClusteringScore,
    cosine_similarity_matrix,
    cosine_similarity_summary,
    silhouette_samples,
    silhouette_score,
)
from skinfo.cluster._silhouette import _estimate_silhouette_samples, _stripes

METHODS = ("symmetric", "rowwise")


@st.composite
def labelled_points(draw, grid):
    """(T, labels) with 2 .. n - 1 distinct labels. ``grid``: small integers, so ties and
    duplicate points are frequent and every distance is exact in floating point."""
    n = draw(st.integers(3, 40))
    d = draw(st.integers(1, 6))
    elements = st.integers(-3, 3).map(float) if grid else st.floats(-10, 10, allow_subnormal=False)
    T = draw(arrays(np.float64, (n, d), elements=elements))
    n_labels = draw(st.integers(2, n - 1))
    labels = draw(arrays(np.int64, n, elements=st.integers(0, n_labels - 1)))
    labels[:n_labels] = np.arange(n_labels)  # every label used, so 2 <= n_labels <= n - 1
    return T, labels


def codes_of(labels):
    return np.unique(labels, return_inverse=True)[1].ravel()


# --- against scikit-learn --------------------------------------------------------------------------------


@given(data=labelled_points(grid=True), metric=st.sampled_from(["euclidean", "cosine"]))
def test_silhouette_matches_sklearn_with_ties_and_duplicates(data, metric):
    """Both kernels equal sklearn.metrics.silhouette_samples to 1e-10 on integer grids
    (tied distances, duplicate points, zero rows for the cosine metric)."""
    T, labels = data
    expected = metrics.silhouette_samples(T, labels, metric=metric)
    for method in METHODS:
        got = _estimate_silhouette_samples(T, codes_of(labels), metric, None, method)
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-10)
    assert silhouette_score(T, labels, metric=metric) == pytest.approx(
        metrics.silhouette_score(T, labels, metric=metric), abs=1e-10
    )


def sklearn_reference(T, labels, metric):
    """sklearn.metrics.silhouette_samples on exactly computed distances.

    sklearn's euclidean distances use |x|^2 + |y|^2 - 2 x.y, whose cancellation leaves
    identical rows ~1e-7 apart (hypothesis found twelve copies of one point scored 0.4
    instead of 0). Its silhouette conventions are applied to scipy's direct ``cdist`` instead.
    """
    if metric == "cosine":
        return metrics.silhouette_samples(T, labels, metric="cosine")
    return metrics.silhouette_samples(cdist(T, T), labels, metric="precomputed")


@example(data=(np.full((12, 4), 7.29002834), np.array([0, 1] + [0] * 10)), metric="euclidean")
@given(data=labelled_points(grid=False), metric=st.sampled_from(["euclidean", "cosine"]))
def test_silhouette_matches_sklearn_on_real_values(data, metric):
    """silhouette_samples equals sklearn's silhouette on exact distances to 1e-10."""
    T, labels = data
    np.testing.assert_allclose(
        silhouette_samples(T, labels, metric=metric), sklearn_reference(T, labels, metric), rtol=0, atol=1e-10
    )


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
@pytest.mark.parametrize("n_labels", [2, 7, 150])
def test_silhouette_matches_sklearn_across_blocks(rng, metric, n_labels):
    """n = 1100 spans several 256-row blocks and stripes (partial last block, classes
    straddling blocks): both kernels still equal scikit-learn."""
    T = rng.standard_normal((1100, 5)) + rng.integers(0, 3, (1100, 1))
    labels = rng.integers(0, n_labels, 1100)
    expected = metrics.silhouette_samples(T, labels, metric=metric)
    for method in METHODS:
        got = _estimate_silhouette_samples(T, codes_of(labels), metric, None, method)
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-10)


def test_silhouette_closed_form():
    """Two pairs on a line: s = (b - a) / max(a, b) with a = 1 and b = 10.5 or 9.5."""
    T = [[0.0], [1.0], [10.0], [11.0]]
    expected = [9.5 / 10.5, 8.5 / 9.5, 8.5 / 9.5, 9.5 / 10.5]
    np.testing.assert_allclose(silhouette_samples(T, ["a", "a", "b", "b"]), expected, rtol=1e-14)


def test_singleton_class_scores_zero():
    """scikit-learn's convention: a sample alone in its class has silhouette 0."""
    T = [[0.0], [0.1], [5.0], [9.0]]
    values = silhouette_samples(T, [0, 0, 1, 2])
    assert values[2] == 0.0 and values[3] == 0.0
    assert values[0] > 0.9


def test_silhouette_independent_of_thread_count(rng):
    """The stripes are fixed by n, not by the thread count: bit-identical results."""
    T = rng.standard_normal((900, 4))
    labels = rng.integers(0, 4, 900)
    one = silhouette_samples(T, labels, n_jobs=1)
    two = silhouette_samples(T, labels, n_jobs=2)
    np.testing.assert_array_equal(one, two)


def test_stripes_partition_the_blocks():
    """Every row block is owned by exactly one stripe."""
    for n_blocks in range(1, 30):
        for n_stripes in (1, 3, 8):
            starts, blocks = _stripes(n_blocks, min(n_stripes, n_blocks))
            assert sorted(blocks.tolist()) == list(range(n_blocks))
            assert starts[0] == 0 and starts[-1] == n_blocks
            assert np.all(np.diff(starts) >= 0)


# --- cosine structure -----


def brute_force_cosine(T, labels):
    T = np.asarray(T, dtype=float)
    norms = np.linalg.norm(T, axis=1)
    within, between = [], []
    for i in range(len(T)):
        for j in range(len(T)):
            if i == j:
                continue
            denominator = norms[i] * norms[j]
            cos = T[i] @ T[j] / denominator if denominator > 0 else 0.0
            (within if labels[i] == labels[j] else between).append(cos)
    return np.mean(within), np.mean(between)


@given(data=labelled_points(grid=True))
def test_cosine_summary_matches_pairwise_loops(data):
    """Mean within- and between-class cosine similarity over ordered pairs i != j (zero rows
    have similarity 0), computed from class sums, equal the explicit double loop."""
    T, labels = data
    summary = cosine_similarity_summary(T, labels)
    within, between = brute_force_cosine(T, labels)
    assert summary.within_class == pytest.approx(within, abs=1e-10)
    assert summary.between_class == pytest.approx(between, abs=1e-10)
    assert summary.gap == pytest.approx(within - between, abs=1e-10)


def test_cosine_class_matrix(rng):
    """class_similarity[a, b] is the mean similarity between classes a and b; its diagonal
    leaves out i = j."""
    T = rng.standard_normal((30, 3))
    labels = rng.integers(0, 3, 30)
    S = cosine_similarity(T)
    summary = cosine_similarity_summary(T, labels)
    for a in range(3):
        for b in range(3):
            block = S[np.ix_(labels == a, labels == b)]
            if a == b:
                expected = (block.sum() - np.trace(block)) / (block.size - block.shape[0])
            else:
                expected = block.mean()
            assert summary.class_similarity[a, b] == pytest.approx(expected, abs=1e-12)
    np.testing.assert_array_equal(summary.class_sizes, np.bincount(labels))


def test_cosine_matrix_is_class_sorted(rng):
    T = rng.standard_normal((25, 4))
    labels = rng.choice(["cat", "dog", "eel"], 25)
    S, sorted_labels, order = cosine_similarity_matrix(T, labels)
    assert list(sorted_labels) == sorted(labels)
    np.testing.assert_array_equal(sorted_labels, labels[order])
    np.testing.assert_allclose(S, cosine_similarity(T[order]), atol=1e-12)


def test_cosine_matrix_refuses_large_n():
    with pytest.raises(ValueError, match="more than max_samples=3"):
        cosine_similarity_matrix(np.ones((4, 2)), [0, 0, 1, 1], max_samples=3)


# --- the estimator -----


def test_clustering_score_estimator(rng):
    T = rng.standard_normal((60, 3)) + 3 * rng.integers(0, 2, (60, 1))
    y = rng.integers(0, 3, 60)
    est = ClusteringScore(metric="cosine").fit(T, y)
    assert est.score_ == pytest.approx(metrics.silhouette_score(T, y, metric="cosine"), abs=1e-10)
    assert est.score(T, y) == est.score_
    gap = ClusteringScore(measure="cosine_gap").fit(T, y)
    assert gap.score_ == cosine_similarity_summary(T, y).gap
    with pytest.raises(ValueError, match="X has 2 features, but ClusteringScore is expecting 3"):
        est.score(T[:, :2], y)


# --- bad input -----


def test_rejects_nan():
    with pytest.raises(ValueError, match="T contains NaN"):
        silhouette_score([[0.0], [np.nan], [1.0]], [0, 0, 1])


def test_rejects_inf():
    with pytest.raises(ValueError, match="T contains infinity"):
        silhouette_samples([[0.0], [np.inf], [1.0]], [0, 0, 1])


def test_rejects_wrong_rank():
    with pytest.raises(ValueError, match="T must be a 2-D"):
        silhouette_score(np.zeros((3, 2, 2)), [0, 0, 1])


def test_rejects_empty():
    with pytest.raises(ValueError, match=r"0 sample\(s\)"):
        silhouette_score(np.zeros((0, 2)), [])


def test_rejects_labels_of_wrong_length():
    with pytest.raises(ValueError, match="labels has 2 labels but the activations have 3 inputs"):
        silhouette_score(np.zeros((3, 2)), [0, 1])


def test_rejects_single_class():
    with pytest.raises(ValueError, match="Number of labels is 1"):
        silhouette_score(np.arange(6.0).reshape(3, 2), [4, 4, 4])


def test_rejects_one_class_per_sample():
    with pytest.raises(ValueError, match="Number of labels is 3 \\(n_samples = 3\\)"):
        silhouette_samples(np.arange(6.0).reshape(3, 2), [0, 1, 2])


def test_rejects_unknown_metric():
    with pytest.raises(ValueError, match="'metric' parameter"):
        silhouette_score(np.arange(6.0).reshape(3, 2), [0, 0, 1], metric="manhattan")


def test_cosine_summary_rejects_single_class():
    with pytest.raises(ValueError, match="at least 2 classes"):
        cosine_similarity_summary(np.ones((3, 2)), [1, 1, 1])


def test_clustering_score_requires_labels():
    with pytest.raises(ValueError, match="requires y to be passed"):
        ClusteringScore().fit(np.ones((3, 2)), None)
