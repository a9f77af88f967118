"""skinfo: information flow in (noisy) neural networks, scikit-learn style."""

__version__ = "0.1.0"

# --- core: SP entropy and noisy-layer mutual information (issue 2) ---
from .entropy import SPEntropy, sp_entropy
from .mutual_info import NoisyMutualInformation, noisy_mutual_information

# --- binning and clustering (issue 3) ---
from .cluster import (
    ClusteringScore,
    CosineSimilaritySummary,
    cosine_similarity_matrix,
    cosine_similarity_summary,
    silhouette_samples,
    silhouette_score,
)
from .entropy import binned_entropy
from .mutual_info import BinnedMutualInformation, binned_mutual_information

# --- networks, datasets, experiments (issue 4) ---
from . import datasets
from .networks import NoisyMLP, NoisyNetwork

# --- baselines: bounds, kNN, KDE (issue 5) ---
from .entropy import (
    KDEEntropy,
    KLEntropy,
    PairwiseEntropyBounds,
    kde_entropy,
    kl_entropy,
    pairwise_entropy_bounds,
)
from .mutual_info import (
    KSGMutualInformation,
    PairwiseMutualInformationBounds,
    ksg_mutual_information,
    pairwise_mutual_information_bounds,
)

__all__ = [
    # binning and clustering (issue 3)
    "BinnedMutualInformation",
    "ClusteringScore",
    "CosineSimilaritySummary",
    "binned_entropy",
    "binned_mutual_information",
    "cosine_similarity_matrix",
    "cosine_similarity_summary",
    "silhouette_samples",
    "silhouette_score",
    # baselines (issue 5)
    "KDEEntropy",
    "KLEntropy",
    "KSGMutualInformation",
    "PairwiseEntropyBounds",
    "PairwiseMutualInformationBounds",
    "kde_entropy",
    "kl_entropy",
    "ksg_mutual_information",
    "pairwise_entropy_bounds",
    "pairwise_mutual_information_bounds",
    "NoisyMLP",
    "NoisyMutualInformation",
    "NoisyNetwork",
    "SPEntropy",
    "__version__",
    "datasets",
    "noisy_mutual_information",
    "sp_entropy",
]
