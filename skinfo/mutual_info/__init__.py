"""Mutual-information estimators for noisy layers."""

from ._binned import (  # issue 3
    BinnedMutualInformation,
    OutOfRangeWarning,
    binned_entropy,
    binned_mutual_information,
)
from ._bounds import (
    PairwiseEntropyBounds,
    PairwiseMutualInformationBounds,
    pairwise_entropy_bounds,
    pairwise_mutual_information_bounds,
)
from ._knn import KLEntropy, KSGMutualInformation, kl_entropy, ksg_mutual_information
from ._noisy import NoisyMutualInformation, noisy_mutual_information
from ._replica import replica_convergence  # issue 12
from ._selection import information_scorer, sp_feature_relevance  # issue 6

__all__ = [
    "BinnedMutualInformation",
    "OutOfRangeWarning",
    "binned_entropy",
    "binned_mutual_information",
    "KLEntropy",
    "KSGMutualInformation",
    "PairwiseEntropyBounds",
    "PairwiseMutualInformationBounds",
    "kl_entropy",
    "ksg_mutual_information",
    "pairwise_entropy_bounds",
    "pairwise_mutual_information_bounds",
    "NoisyMutualInformation",
    "noisy_mutual_information",
    "replica_convergence",
    "information_scorer",
    "sp_feature_relevance",
]
