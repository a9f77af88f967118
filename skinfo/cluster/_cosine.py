"""Class-wise cosine-similarity structure of labelled representations."""

from dataclasses import dataclass

import numpy as np

from ..utils._sklearn_shim import Integral, Interval, validate_params
from ..utils.validation import check_activations, check_labels
from ._silhouette import _unit_rows

__all__ = ["CosineSimilaritySummary", "cosine_similarity_matrix", "cosine_similarity_summary"]


@dataclass(frozen=True)
class CosineSimilaritySummary:
    """Mean cosine similarities within and between classes.

    Returned by :func:`cosine_similarity_summary`; the parameters are its
    fields.

    Parameters
    ----------
    within_class : float
        Mean within-class cosine similarity.
    between_class : float
        Mean between-class cosine similarity.
    gap : float
        ``within_class - between_class``.
    class_similarity : ndarray of shape (n_classes, n_classes)
        Mean similarity between the members of two classes.
    classes : ndarray of shape (n_classes,)
        The distinct labels.
    class_sizes : ndarray of shape (n_classes,)
        Members per class.

    Attributes
    ----------
    within_class : float
        Mean of ``cos(t_i, t_j)`` over ordered pairs ``i != j`` of the same
        class (dimensionless, in [-1, 1]).
    between_class : float
        Mean of ``cos(t_i, t_j)`` over pairs of different classes.
    gap : float
        ``within_class - between_class``: grows as same-class
        representations cluster and classes separate.
    class_similarity : ndarray of shape (n_classes, n_classes)
        Mean similarity between the members of two classes; the diagonal
        excludes ``i = j`` and is NaN for a class with one member.
    classes : ndarray of shape (n_classes,)
        The distinct labels, in the order of ``class_similarity``.
    class_sizes : ndarray of shape (n_classes,)
        Members per class.

    Examples
    --------
    >>> import numpy as np
    >>> from skinfo import cosine_similarity_summary
    >>> T = np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 1.0], [0.0, 3.0]])
    >>> summary = cosine_similarity_summary(T, [0, 0, 1, 1])
    >>> float(summary.within_class), float(summary.between_class), float(summary.gap)
    (1.0, 0.0, 1.0)
    """

    within_class: float
    between_class: float
    gap: float
    class_similarity: np.ndarray
    classes: np.ndarray
    class_sizes: np.ndarray


def _check_cosine_input(T, labels):
    T = check_activations(T, "T", ndims=(2,))
    codes, classes = check_labels(labels, T.shape[0], "labels")
    return T, codes, classes


@validate_params({"T": ["array-like"], "labels": ["array-like"]}, prefer_skip_nested_validation=True)
def cosine_similarity_summary(T, labels):
    """Mean within-class and between-class cosine similarity, in O(n d).

    With unit rows ``u_i = t_i / |t_i|`` (zero rows stay zero, similarity 0
    to everything, as in scikit-learn) and class sums ``v_a = sum_{i in a} u_i``,
    the similarities summed over the pairs of classes ``a`` and ``b`` are
    ``v_a . v_b``; the ``i = j`` terms ``|u_i|^2`` are removed from the
    diagonal. No n x n matrix is formed.

    Parameters
    ----------
    T : array-like of shape (n_samples, n_features)
        Representations (e.g. a layer's activations).
    labels : array-like of shape (n_samples,)
        Class of every sample; at least 2 classes, at least one of them with
        2 or more members.

    Returns
    -------
    CosineSimilaritySummary
        ``within_class``, ``between_class``, ``gap`` and the per-class matrix.

    Examples
    --------
    >>> from skinfo import cosine_similarity_summary
    >>> T = [[1.0, 0.0], [2.0, 0.0], [0.0, 1.0], [0.0, 3.0]]
    >>> summary = cosine_similarity_summary(T, [0, 0, 1, 1])
    >>> summary.within_class, summary.between_class, summary.gap
    (1.0, 0.0, 1.0)
    """
    T, codes, classes = _check_cosine_input(T, labels)
    sizes = np.bincount(codes, minlength=classes.shape[0])
    if classes.shape[0] < 2 or sizes.max() < 2:
        raise ValueError(
            f"labels must have at least 2 classes and a class with 2 or more members; got "
            f"{classes.shape[0]} class(es) of sizes {sizes.tolist()[:10]}."
        )
    units = _unit_rows(T)
    order = np.argsort(codes, kind="stable")
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    class_sums = np.add.reduceat(units[order], starts, axis=0)
    self_terms = np.bincount(codes, weights=np.einsum("ij,ij->i", units, units), minlength=sizes.shape[0])
    totals = class_sums @ class_sums.T
    within_totals = np.diag(totals) - self_terms
    within_pairs = sizes * (sizes - 1)
    between_total = totals.sum() - np.trace(totals)
    n = T.shape[0]
    between_pairs = n * n - np.sum(sizes * sizes)
    class_similarity = totals / np.outer(sizes, sizes)
    with np.errstate(invalid="ignore", divide="ignore"):
        np.fill_diagonal(class_similarity, within_totals / within_pairs)
    within = float(within_totals.sum() / within_pairs.sum())
    between = float(between_total / between_pairs)
    return CosineSimilaritySummary(
        within_class=within,
        between_class=between,
        gap=within - between,
        class_similarity=class_similarity,
        classes=classes,
        class_sizes=sizes,
    )


@validate_params(
    {
        "T": ["array-like"],
        "labels": ["array-like"],
        "max_samples": [Interval(Integral, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def cosine_similarity_matrix(T, labels, *, max_samples=5000):
    """Cosine-similarity matrix with the samples sorted by class, for plotting.

    Parameters
    ----------
    T : array-like of shape (n_samples, n_features)
        Representations.
    labels : array-like of shape (n_samples,)
        Class of every sample.
    max_samples : int, default=5000
        Largest ``n_samples`` accepted: the result is an n x n matrix
        (200 MB at n = 5000). Subsample the rows for larger sets.

    Returns
    -------
    similarity : ndarray of shape (n_samples, n_samples)
        ``cos(t_i, t_j)`` of the class-sorted samples (0 for a zero row,
        so its diagonal entry is 0 too).
    sorted_labels : ndarray of shape (n_samples,)
        The labels in the matrix's order.
    order : ndarray of shape (n_samples,)
        Indices into ``T``: row ``k`` of ``similarity`` is sample ``order[k]``
        (stable within a class).

    Examples
    --------
    >>> from skinfo import cosine_similarity_matrix
    >>> S, sorted_labels, order = cosine_similarity_matrix([[0.0, 1.0], [1.0, 0.0], [0.0, 2.0]], [1, 0, 1])
    >>> S.round(3).tolist(), sorted_labels.tolist(), order.tolist()
    ([[1.0, 0.0, 0.0], [0.0, 1.0, 1.0], [0.0, 1.0, 1.0]], [0, 1, 1], [1, 0, 2])
    """
    T, codes, classes = _check_cosine_input(T, labels)
    if T.shape[0] > max_samples:
        raise ValueError(
            f"cosine_similarity_matrix builds an n x n matrix; T has n = {T.shape[0]} rows, more than "
            f"max_samples={max_samples}. Subsample the rows or raise max_samples."
        )
    order = np.argsort(codes, kind="stable")
    units = _unit_rows(T)[order]
    return units @ units.T, classes[codes[order]], order
