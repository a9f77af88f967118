"""Binning: H(Bin T) and the binning core that I(X; Bin T) and I(Y; Bin T) share.

Each unit's activation is quantised and the layer's joint bin pattern is
treated as a discrete variable (Shwartz-Ziv & Tishby 2017; Saxe et al. 2018).
For a deterministic layer and m equiprobable inputs, I(X; Bin T) = H(Bin T):
the entropy of the occupied cells. Goldfeld et al. (ICML 2019) show that it
measures clustering of the representations, not the (constant) I(X; T).
"""

import math
import numbers
import warnings
from dataclasses import dataclass

import numpy as np

from .._kernels._binning import (
    assign_cells,
    equal_width_bin_indices,
    fixed_width_bin_indices,
    hash_rows,
    mixed_radix_codes,
)
from ..base import InformationResult, to_base
from ..utils._sklearn_shim import Integral, Interval, Real, StrOptions, validate_params
from ..utils.validation import check_activations, check_allocation, check_labels

__all__ = [
    "BINNED_CONSTRAINTS",
    "BinnedResult",
    "OutOfRangeWarning",
    "binned_entropy",
    "check_bin_layout",
    "estimate_binned",
    "validate_binned",
]

BINNED_CONSTRAINTS = {
    "n_bins": [Interval(Integral, 1, None, closed="left")],
    "value_range": ["array-like", None],
    "bin_width": [Interval(Real, 0, None, closed="neither"), None],
    "out_of_range": [StrOptions({"clip", "raise"})],
    "bias_correction": [StrOptions({"miller-madow"}), None],
    "base": [None, Interval(Real, 1, None, closed="neither")],
}

# floor(t / bin_width) must stay exactly representable as int64.
_MAX_FIXED_WIDTH_INDEX = 2.0**62
_INT64_CODES = 2**63


class OutOfRangeWarning(UserWarning):
    """Values outside ``value_range`` were counted in the edge bins.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from skinfo import binned_entropy
    >>> from skinfo.mutual_info import OutOfRangeWarning
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = binned_entropy(np.array([[0.5], [2.0]]), n_bins=2)
    >>> any(issubclass(w.category, OutOfRangeWarning) for w in caught)
    True
    """


@dataclass(frozen=True)
class BinnedResult(InformationResult):
    """Result of :func:`binned_mutual_information`; fitted values of :class:`BinnedMutualInformation`.

    With labels it unpacks like the pair it replaces,
    ``mi, label_mi = binned_mutual_information(T, y)``; without, read
    ``.mutual_information``.

    Parameters
    ----------
    entropy : float
        H(Bin T) over all rows (nats unless a ``base`` was given).
    conditional_entropy : float
        Mean over inputs of H(Bin T | X = x).
    mutual_information : float
        I(X; Bin T).
    label_information : float or None
        I(Y; Bin T); ``None`` without labels.
    n_occupied_bins : int
        Number of distinct occupied joint cells.
    bin_edges : ndarray of shape (n_bins + 1,) or None
        Equal-width edges; ``None`` for fixed-width bins.
    bin_width : float
        Width of the bins (activation units).
    n_outside : int
        Values outside ``value_range`` clipped into the edge bins.

    Examples
    --------
    >>> from skinfo import binned_mutual_information
    >>> result = binned_mutual_information([[-0.9], [-0.89], [0.85], [0.86]], n_bins=30)
    >>> result.n_occupied_bins, round(result.mutual_information, 6)
    (2, 0.693147)
    """

    entropy: float
    conditional_entropy: float
    mutual_information: float
    label_information: float | None
    n_occupied_bins: int
    bin_edges: np.ndarray | None
    bin_width: float
    n_outside: int

    _nats = ("entropy", "conditional_entropy", "mutual_information", "label_information")
    _label_fields = ("label_information",)
    _legacy = ("mutual_information", "label_information")


def _check_value_range(value_range):
    """Return ``value_range`` as a ``(low, high)`` pair of finite floats, or None."""
    if value_range is None:
        return None
    try:
        pair = np.asarray(value_range, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"value_range must be None or a pair (low, high) of numbers; got {value_range!r}."
        ) from exc
    if pair.shape != (2,):
        raise ValueError(f"value_range must be None or a pair (low, high); got {value_range!r}.")
    low, high = float(pair[0]), float(pair[1])
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError(f"value_range must hold finite numbers; got {value_range!r}.")
    if not low < high:
        raise ValueError(f"value_range must satisfy low < high; got {value_range!r}.")
    if not math.isfinite(high - low):
        raise ValueError(f"value_range is too wide to split into bins; got {value_range!r}.")
    return low, high


def _check_bin_width(bin_width):
    if bin_width is None:
        return None
    if isinstance(bin_width, bool) or not isinstance(bin_width, numbers.Real):
        raise TypeError(f"bin_width must be None or a positive number; got {bin_width!r}.")
    value = float(bin_width)
    if not (math.isfinite(value) and value > 0.0):
        raise ValueError(f"bin_width must be None or a positive finite number; got {bin_width!r}.")
    return value


def _bin_indices(values, n_bins, value_range, bin_width, out_of_range):
    """Per-unit bin indices of ``values`` (n, d) and the bin count of each column.

    Returns
    -------
    indices : int64 ndarray of shape (n, d)
        Bins ``0 .. radices[k] - 1`` of column ``k``.
    radices : list of int
        Number of possible bins of every column.
    edges : float64 ndarray of shape (n_bins + 1,) or None
        Equal-width edges; None in the fixed-width scheme.
    width : float
        Bin width used.
    n_outside : int
        Values outside ``value_range`` that were clipped into the edge bins.
    """
    n_features = values.shape[1]
    indices = np.empty(values.shape, dtype=np.int64)
    if bin_width is not None:
        largest = float(np.abs(values).max())
        if largest / bin_width >= _MAX_FIXED_WIDTH_INDEX:
            raise ValueError(
                f"bin_width={bin_width!r} is too small for activations as large as {largest!r}: "
                f"bin numbers would exceed 2**62."
            )
        fixed_width_bin_indices(values, bin_width, indices)
        # Shift every column to start at bin 0 so exact codes stay small.
        indices -= indices.min(axis=0)
        radices = [int(r) + 1 for r in indices.max(axis=0)]
        return indices, radices, None, bin_width, 0

    if value_range is None:
        low, high = float(values.min()), float(values.max())
        if low == high:
            # numpy.histogram's convention for a constant sample.
            low, high = low - 0.5, high + 0.5
        if not math.isfinite(high - low):
            raise ValueError(
                f"The range of T, ({low!r}, {high!r}), is too wide to split into bins; "
                f"give value_range or bin_width."
            )
    else:
        low, high = value_range
    check_allocation(
        n_bins + 1, f"n_bins={n_bins} bin edges", fix="Ask for fewer bins (more bins than rows add nothing)."
    )
    edges = np.linspace(low, high, n_bins + 1)
    n_outside = int(equal_width_bin_indices(values, edges, indices))
    if n_outside:
        message = f"{n_outside} of {values.size} values of T lie outside value_range=({low!r}, {high!r})"
        if out_of_range == "raise":
            raise ValueError(f"{message}; widen value_range, use value_range=None, or out_of_range='clip'.")
        warnings.warn(
            f"{message}; they were counted in the first or last bin. Widen value_range or use "
            f"value_range=None to bin over the data's own range.",
            OutOfRangeWarning,
            stacklevel=4,
        )
    return indices, [n_bins] * n_features, edges, (high - low) / n_bins, n_outside


def _joint_cells(indices, radices, force_hash=False):
    """Dense id of every row's joint bin pattern, in O(n d).

    The mixed-radix code is the row itself when ``prod(radices)`` fits in int64;
    otherwise rows are hashed and equal hashes are confirmed by comparing the
    rows, so collisions never merge different cells.

    Returns
    -------
    cells : int64 ndarray of shape (n,)
    n_cells : int
    """
    n = indices.shape[0]
    keys = np.empty(n, dtype=np.int64)
    exact = not force_hash and math.prod(radices) < _INT64_CODES
    if exact:
        mixed_radix_codes(indices, np.asarray(radices, dtype=np.int64), keys)
    else:
        hash_rows(indices, keys)
    cells = np.empty(n, dtype=np.int64)
    n_cells = int(assign_cells(keys, indices, not exact, cells))
    return cells, n_cells


def _entropy_from_counts(counts, total):
    """Plug-in entropy ``log N - (1/N) sum c log c``, in nats."""
    counts = counts.astype(np.float64)
    value = math.log(total) - float(np.sum(counts * np.log(counts))) / total
    # Rounding can leave a few ulps outside [0, log N] (e.g. -2e-16 for one cell).
    return min(max(value, 0.0), math.log(total))


def _conditional_entropy(cells, n_cells, groups, group_sizes):
    """Plug-in H(cell | group) in nats and the number of occupied (group, cell) pairs.

    ``H = (1/N) sum_pairs c log(n_group / c)``, with pair counts found by
    the same hash-table kernel on the exact key ``group * n_cells + cell``.
    """
    total = cells.shape[0]
    keys = groups * n_cells + cells
    pair_ids = np.empty(total, dtype=np.int64)
    n_pairs = int(assign_cells(keys, keys.reshape(-1, 1), False, pair_ids))
    pair_counts = np.bincount(pair_ids, minlength=n_pairs).astype(np.float64)
    pair_group = np.empty(n_pairs, dtype=np.int64)
    pair_group[pair_ids] = groups
    conditional = float(np.sum(pair_counts * np.log(group_sizes[pair_group] / pair_counts))) / total
    return conditional, n_pairs


def estimate_binned(T, codes, n_bins, value_range, bin_width, out_of_range, bias_correction):
    """H(Bin T), mean_x H(Bin T | X = x), I(X; Bin T) and I(Y; Bin T) in nats.

    Parameters
    ----------
    T : float64 ndarray of shape (m, r, d)
        Activations of m equiprobable inputs, r replicas each (r = 1:
        deterministic layer).
    codes : int64 ndarray of shape (m,) or None
        Label codes.
    n_bins, value_range, bin_width, out_of_range, bias_correction
        As in :class:`BinnedMutualInformation` (already validated).

    Returns
    -------
    BinnedResult
        In nats.
    """
    n_inputs, n_replicas, n_features = T.shape
    flat = T.reshape(n_inputs * n_replicas, n_features)
    total = flat.shape[0]
    indices, radices, edges, width, n_outside = _bin_indices(
        flat, n_bins, value_range, bin_width, out_of_range
    )
    cells, n_cells = _joint_cells(indices, radices)
    counts = np.bincount(cells, minlength=n_cells)
    entropy = _entropy_from_counts(counts, total)
    miller_madow = bias_correction == "miller-madow"
    if miller_madow:
        entropy += (n_cells - 1) / (2.0 * total)

    if n_replicas == 1:
        # Every input is its own cell: H(Bin T | X = x) = 0 exactly.
        conditional = 0.0
    else:
        inputs = np.repeat(np.arange(n_inputs, dtype=np.int64), n_replicas)
        conditional, n_pairs = _conditional_entropy(
            cells, n_cells, inputs, np.full(n_inputs, n_replicas, dtype=np.float64)
        )
        if miller_madow:
            # sum_x p(x) (K_x - 1) / (2 n_x) = (sum_x K_x - m) / (2 N)
            conditional += (n_pairs - n_inputs) / (2.0 * total)

    label_information = None
    if codes is not None:
        rows_labels = np.repeat(codes, n_replicas)
        class_sizes = np.bincount(rows_labels).astype(np.float64)
        given_label, n_pairs = _conditional_entropy(cells, n_cells, rows_labels, class_sizes)
        if miller_madow:
            given_label += (n_pairs - np.count_nonzero(class_sizes)) / (2.0 * total)
        label_information = entropy - given_label

    return BinnedResult(
        entropy=entropy,
        conditional_entropy=conditional,
        mutual_information=entropy - conditional,
        label_information=label_information,
        n_occupied_bins=n_cells,
        bin_edges=edges,
        bin_width=float(width),
        n_outside=n_outside,
    )


def check_bin_layout(value_range, bin_width):
    """Checked ``(value_range, bin_width)``: a finite (low, high) pair or None; a positive width or None."""
    return _check_value_range(value_range), _check_bin_width(bin_width)


def validate_binned(T, y, value_range, bin_width):
    """Activations as (m, r, d) float64, label codes, and the checked bin layout."""
    T = check_activations(T, "T", ndims=(2, 3))
    if T.ndim == 2:
        T = T[:, None, :]
    codes = None if y is None else check_labels(y, T.shape[0], "y")[0]
    return (T, codes, *check_bin_layout(value_range, bin_width))


@validate_params(
    {"T": ["array-like"], **BINNED_CONSTRAINTS},
    prefer_skip_nested_validation=True,
)
def binned_entropy(
    T,
    n_bins=30,
    *,
    value_range=(-1.0, 1.0),
    bin_width=None,
    out_of_range="clip",
    bias_correction=None,
    base=None,
):
    """Entropy H(Bin T) of the joint bin pattern of the rows of ``T``.

    Parameters
    ----------
    T : array-like of shape (n_samples, d) or (m, r, d)
        Activations; a 3-D array is pooled over its first two axes.
    n_bins : int, default=30
        Equal-width bins per unit over ``value_range``.
    value_range : (float, float) or None, default=(-1.0, 1.0)
        Range split into ``n_bins`` bins; ``None`` uses the data's range.
    bin_width : float, default=None
        Fixed-width bins ``floor(t / bin_width)`` instead (ignores ``n_bins``
        and ``value_range``).
    out_of_range : {"clip", "raise"}, default="clip"
        Values outside ``value_range``: counted in the edge bins with an
        :class:`OutOfRangeWarning`, or a ``ValueError``.
    bias_correction : {"miller-madow"} or None, default=None
        Miller-Madow correction of every entropy; ``None``: plug-in.
    base : float, default=None
        Logarithm base of the result; ``None`` gives nats.

    Returns
    -------
    float
        H(Bin T) (nats unless ``base``), between 0 and ``log n_samples`` for
        the plug-in estimate.

    Examples
    --------
    >>> from skinfo import binned_entropy
    >>> T = [[0.05, 0.9], [0.06, 0.91], [-0.5, 0.2], [0.7, -0.7]]
    >>> round(binned_entropy(T, n_bins=10), 6)  # cells {2, 1, 1} of 4 rows
    1.039721
    """
    T, _, value_range, bin_width = validate_binned(T, None, value_range, bin_width)
    T = T.reshape(-1, 1, T.shape[2])
    result = estimate_binned(T, None, n_bins, value_range, bin_width, out_of_range, bias_correction)
    return to_base(result.entropy, base)
