"""Mutual-information estimators for noisy layers.

The entropy estimators that used to live here (``KLEntropy``,
``PairwiseEntropyBounds``, ``binned_entropy``) are in :mod:`skinfo.entropy`;
they stay importable from here.
"""

from ..entropy import (
    BinnedResult,
    KLEntropy,
    OutOfRangeWarning,
    PairwiseBoundsResult,
    PairwiseEntropyBounds,
    binned_entropy,
    kl_entropy,
    pairwise_entropy_bounds,
)
from ._binned import BinnedMutualInformation, binned_mutual_information
from ._bounds import PairwiseMutualInformationBounds, pairwise_mutual_information_bounds
from ._knn import KSGMutualInformation, KSGResult, ksg_mutual_information
from ._noisy import NoisyMIResult, NoisyMutualInformation, noisy_mutual_information
from ._selection import information_scorer, sp_feature_relevance

__all__ = [
    "BinnedMutualInformation",
    "BinnedResult",
    "KLEntropy",
    "KSGMutualInformation",
    "KSGResult",
    "NoisyMIResult",
    "NoisyMutualInformation",
    "OutOfRangeWarning",
    "PairwiseBoundsResult",
    "PairwiseEntropyBounds",
    "PairwiseMutualInformationBounds",
    "binned_entropy",
    "binned_mutual_information",
    "information_scorer",
    "kl_entropy",
    "ksg_mutual_information",
    "noisy_mutual_information",
    "pairwise_entropy_bounds",
    "pairwise_mutual_information_bounds",
    "sp_feature_relevance",
]
