"""Entropy estimators: SP for noisy layers, pairwise bounds, kNN, KDE, binning."""

from ._binned import BinnedResult, OutOfRangeWarning, binned_entropy
from ._kde import KDEEntropy, KDEResult, kde_entropy, select_kde_bandwidth
from ._knn import KLEntropy, KLEntropyResult, kl_entropy
from ._pairwise import (
    PairwiseBoundsResult,
    PairwiseEntropyBounds,
    PairwiseEntropyBoundsResult,
    pairwise_entropy_bounds,
)
from ._sp import SPEntropy, SPEntropyResult, gaussian_noise_entropy, sp_entropy

__all__ = [
    "BinnedResult",
    "KDEEntropy",
    "KDEResult",
    "KLEntropy",
    "KLEntropyResult",
    "OutOfRangeWarning",
    "PairwiseBoundsResult",
    "PairwiseEntropyBounds",
    "PairwiseEntropyBoundsResult",
    "SPEntropy",
    "SPEntropyResult",
    "binned_entropy",
    "gaussian_noise_entropy",
    "kde_entropy",
    "kl_entropy",
    "pairwise_entropy_bounds",
    "select_kde_bandwidth",
    "sp_entropy",
]
