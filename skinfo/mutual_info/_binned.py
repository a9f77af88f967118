"""Binning estimator of I(X; Bin T) and I(Y; Bin T).

The binning itself (and H(Bin T)) lives in :mod:`skinfo.entropy._binned`.
Goldfeld et al. (ICML 2019) show that for a deterministic layer these measure
clustering of the representations, not the (constant) I(X; T).
"""

from ..base import InformationEstimator
from ..entropy._binned import (
    BINNED_CONSTRAINTS,
    BinnedResult,
    check_bin_layout,
    estimate_binned,
    validate_binned,
)
from ..utils._sklearn_shim import validate_params

__all__ = ["BinnedMutualInformation", "binned_mutual_information"]


@validate_params(
    {"T": ["array-like"], "y": ["array-like", None], **BINNED_CONSTRAINTS},
    prefer_skip_nested_validation=True,
)
def binned_mutual_information(
    T,
    y=None,
    n_bins=30,
    *,
    value_range=(-1.0, 1.0),
    bin_width=None,
    out_of_range="clip",
    bias_correction=None,
    base=None,
):
    """Binning estimate of I(X; Bin T) (and I(Y; Bin T)), X uniform over the inputs.

    Parameters
    ----------
    T : array-like of shape (m, d) or (m, r, d)
        Activations of m equiprobable inputs: deterministic (2-D) or ``r``
        noisy replicas per input (3-D).
    y : array-like of shape (m,), default=None
        Labels; when given, I(Y; Bin T) is returned too.
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
    BinnedResult
        ``mutual_information`` (I(X; Bin T), nats unless ``base``; equals
        H(Bin T) for 2-D ``T``), ``label_information`` (with ``y``), the
        entropies and the bin layout; unpacks as ``mi, label_mi`` with ``y``.

    Examples
    --------
    >>> import numpy as np
    >>> from skinfo import binned_mutual_information
    >>> T = np.array([[-0.9], [-0.89], [0.85], [0.86]])  # two occupied bins of 30
    >>> mi, label_mi = binned_mutual_information(T, y=[0, 0, 1, 1])
    >>> bool(np.isclose(mi, np.log(2))), bool(np.isclose(label_mi, np.log(2)))
    (True, True)
    """
    T, codes, value_range, bin_width = validate_binned(T, y, value_range, bin_width)
    result = estimate_binned(T, codes, n_bins, value_range, bin_width, out_of_range, bias_correction)
    return result.in_base(base)


class BinnedMutualInformation(InformationEstimator):
    """Binning estimator of H(Bin T), I(X; Bin T) and I(Y; Bin T).

    Every unit's activation is assigned to a bin, the row of bin numbers is
    the layer's joint cell, and the cells' frequencies over the m equiprobable
    inputs (times r replicas) give the plug-in entropies
    ``I(X; Bin T) = H(Bin T) - (1/m) sum_x H(Bin T | X = x)`` and
    ``I(Y; Bin T) = H(Bin T) - H(Bin T | Y)``.

    Parameters
    ----------
    n_bins : int, default=30
        Number of equal-width bins over ``value_range`` per unit (Shwartz-Ziv &
        Tishby: 30 bins on [-1, 1] for tanh). Ignored when ``bin_width`` is set.
    value_range : (float, float) or None, default=(-1.0, 1.0)
        Range split into ``n_bins`` bins. Bin ``k`` is
        ``[edge_k, edge_{k+1})``; the top edge belongs to the last bin, as in
        ``numpy.histogram``. ``None`` uses the minimum and maximum of the data
        (over all units; a constant sample gets ``(v - 0.5, v + 0.5)``), taken
        afresh for every array given to ``fit`` or ``score``.
    bin_width : float, default=None
        When set, bins are ``floor(t / bin_width)`` with no range limit (Saxe
        et al.: 0.07 for tanh), and ``n_bins`` and ``value_range`` are ignored.
    out_of_range : {"clip", "raise"}, default="clip"
        Values outside ``value_range`` never wrap around: ``"clip"`` counts
        them in the first or last bin and emits an :class:`OutOfRangeWarning`
        saying how many there were; ``"raise"`` raises a ``ValueError``.
    bias_correction : {"miller-madow"} or None, default=None
        ``None`` gives the plug-in entropies; ``"miller-madow"`` adds
        ``(K - 1) / (2 N)`` to every entropy of N samples occupying K cells
        (to each conditional entropy term with its own K and N).
    base : float, default=None
        Logarithm base of the results; ``None`` gives nats.

    Attributes
    ----------
    entropy_ : float
        H(Bin T) over all m r rows (nats unless ``base``).
    conditional_entropy_ : float
        Mean over inputs of H(Bin T | X = x); 0 for deterministic ``T``.
    mutual_information_ : float
        I(X; Bin T) = ``entropy_ - conditional_entropy_``.
    label_information_ : float
        I(Y; Bin T); only set when labels were given to ``fit``.
    n_occupied_bins_ : int
        Number of distinct occupied joint cells.
    bin_edges_ : ndarray of shape (n_bins + 1,) or None
        Edges of the equal-width bins along every unit; ``None`` in the
        fixed-width scheme (edges ``k * bin_width``).
    bin_width_ : float
        Width of the bins used (in activation units).
    n_outside_ : int
        Number of values outside ``value_range`` clipped into the edge bins.
    n_features_in_ : int
        Number of units d.
    n_inputs_ : int
        Number of inputs m.
    n_replicas_ : int
        Replicas per input r (1 for deterministic activations).

    See Also
    --------
    binned_mutual_information : The function form.
    NoisyMutualInformation : The SP estimate for a noisy layer.

    Notes
    -----
    Joint cells are counted in O(m r d) without sorting: each row of bin
    numbers gets an exact mixed-radix code when the number of possible cells
    fits in int64, and otherwise a 64-bit hash whose equal values are
    confirmed by comparing the rows, so the counts are exact for any d.

    For a deterministic network on a finite input set, I(X; T) is constant
    (log m for an injective layer) and ``mutual_information_`` equals
    ``entropy_``: it falls when representations cluster, so it measures
    clustering, not information (Goldfeld et al., ICML 2019).

    Examples
    --------
    >>> import numpy as np
    >>> from skinfo import BinnedMutualInformation
    >>> T = np.array([[-0.95, 0.1], [-0.94, 0.1], [0.5, 0.5], [0.52, 0.51]])
    >>> est = BinnedMutualInformation(n_bins=10).fit(T, y=[0, 0, 1, 1])
    >>> est.n_occupied_bins_, round(est.mutual_information_, 6), round(est.label_information_, 6)
    (2, 0.693147, 0.693147)
    """

    _parameter_constraints = dict(BINNED_CONSTRAINTS)
    _input_name = "T"
    _input_ndims = (2, 3)
    _labels = "optional"
    _result = BinnedResult
    _score_field = "mutual_information"

    def __init__(
        self,
        n_bins=30,
        *,
        value_range=(-1.0, 1.0),
        bin_width=None,
        out_of_range="clip",
        bias_correction=None,
        base=None,
    ):
        self.n_bins = n_bins
        self.value_range = value_range
        self.bin_width = bin_width
        self.out_of_range = out_of_range
        self.bias_correction = bias_correction
        self.base = base

    def _estimate(self, T, codes):
        value_range, bin_width = check_bin_layout(self.value_range, self.bin_width)
        return estimate_binned(
            T, codes, self.n_bins, value_range, bin_width, self.out_of_range, self.bias_correction
        )
