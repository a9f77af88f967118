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
    fields. It holds O(n_classes * n_features) numbers; the
    ``n_classes x n_classes`` matrix :attr:`class_similarity` is formed only
    when it is read.

    Parameters
    ----------
    within_class : float
        Mean within-class cosine similarity.
    between_class : float
        Mean between-class cosine similarity.
    gap : float
        ``within_class - between_class``.
    classes : ndarray of shape (n_classes,)
        The distinct labels.
    class_sizes : ndarray of shape (n_classes,)
        Members per class.
    class_sums : ndarray of shape (n_classes, n_features)
        Sum of the unit rows of each class.
    self_terms : ndarray of shape (n_classes,)
        Sum of ``|u_i|^2`` over each class (its size, less its zero rows).

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
    classes : ndarray of shape (n_classes,)
        The distinct labels, in the order of ``class_similarity``.
    class_sizes : ndarray of shape (n_classes,)
        Members per class.
    class_sums : ndarray of shape (n_classes, n_features)
        Sum of the unit rows of each class.
    self_terms : ndarray of shape (n_classes,)
        Sum of ``|u_i|^2`` over each class.
    class_similarity : ndarray of shape (n_classes, n_classes)
        Mean similarity between the members of two classes; the diagonal
        excludes ``i = j`` and is NaN for a class with one member. Computed
        on access, in O(n_classes^2) memory.

    Examples
    --------
    >>> import numpy as np
    >>> from skinfo import cosine_similarity_summary
    >>> T = np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 1.0], [0.0, 3.0]])
    >>> summary = cosine_similarity_summary(T, [0, 0, 1, 1])
    >>> float(summary.within_class), float(summary.between_class), float(summary.gap)
    (1.0, 0.0, 1.0)
    >>> summary.class_similarity.tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """

    within_class: float
    between_class: float
    gap: float
    classes: np.ndarray
    class_sizes: np.ndarray
    class_sums: np.ndarray
    self_terms: np.ndarray

    @property
    def class_similarity(self):
        """Mean similarity between the members of two classes, (n_classes, n_classes)."""
        sizes = self.class_sizes
        totals = self.class_sums @ self.class_sums.T
        similarity = totals / np.outer(sizes, sizes)
        with np.errstate(invalid="ignore", divide="ignore"):
            within = (np.diag(totals) - self.self_terms) / (sizes * (sizes - 1))
        np.fill_diagonal(similarity, within)
        return similarity


def _check_cosine_input(T, labels):
    T = check_activations(T, "T", ndims=(2,))
    codes, classes = check_labels(labels, T.shape[0], "labels")
    return T, codes, classes


@validate_params({"T": ["array-like"], "labels": ["array-like"]}, prefer_skip_nested_validation=True)
def cosine_similarity_summary(T, labels):
    """Mean within-class and between-class cosine similarity, in O(n d) time.

    With unit rows ``u_i = t_i / |t_i|`` (zero rows stay zero, similarity 0
    to everything, as in scikit-learn) and class sums ``v_a = sum_{i in a} u_i``,
    the similarities summed over the pairs of classes ``a`` and ``b`` are
    ``v_a . v_b``; the ``i = j`` terms ``|u_i|^2`` are removed from the
    diagonal. No n x n matrix is formed.

    Memory: O(n_samples * n_features + n_classes * n_features); the
    per-class matrix ``class_similarity`` of the result is formed only when
    read (O(n_classes^2)).

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
    n_classes, n_features = sizes.shape[0], T.shape[1]
    class_sums = np.zeros((n_classes, n_features))
    np.add.at(class_sums, codes, units)
    self_terms = np.bincount(codes, weights=np.einsum("ij,ij->i", units, units), minlength=n_classes)
    # Pair sums from O(n_classes d) quantities: sum_{a,b} v_a . v_b = |sum_a v_a|^2
    # and the a = b terms |v_a|^2; no n_classes x n_classes matrix.
    class_norms_sq = np.einsum("ij,ij->i", class_sums, class_sums)
    grand_sum = class_sums.sum(axis=0)
    within_total = float(class_norms_sq.sum() - self_terms.sum())
    between_total = float(grand_sum @ grand_sum - class_norms_sq.sum())
    n = T.shape[0]
    within_pairs = float(np.sum(sizes * (sizes - 1.0)))
    between_pairs = float(n) * n - float(np.sum(sizes * sizes.astype(np.float64)))
    # Rounding can push a mean of cosines a few ulps past +-1.
    within = float(np.clip(within_total / within_pairs, -1.0, 1.0))
    between = float(np.clip(between_total / between_pairs, -1.0, 1.0))
    return CosineSimilaritySummary(
        within_class=within,
        between_class=between,
        gap=within - between,
        classes=classes,
        class_sizes=sizes,
        class_sums=class_sums,
        self_terms=self_terms,
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
