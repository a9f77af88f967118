"""skinfo: information flow in (noisy) neural networks, scikit-learn style."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("skinfo")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

# --- sample propagation: entropy and noisy-layer mutual information ---
from .entropy import SPEntropy, sp_entropy
from .mutual_info import NoisyMutualInformation, noisy_mutual_information, replica_convergence

# --- binning and clustering ---
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

# --- networks, datasets, measuring your own network ---
from . import datasets
from .networks import NoisyMLP, NoisyNetwork
from .recording import InfoPlaneRecorder

# --- baselines: pairwise bounds, kNN, KDE ---
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
    "binned_entropy",
    "binned_mutual_information",
    "BinnedMutualInformation",
    "ClusteringScore",
    "cosine_similarity_matrix",
    "cosine_similarity_summary",
    "CosineSimilaritySummary",
    "datasets",
    "InfoPlaneRecorder",
    "kde_entropy",
    "KDEEntropy",
    "kl_entropy",
    "KLEntropy",
    "ksg_mutual_information",
    "KSGMutualInformation",
    "noisy_mutual_information",
    "NoisyMLP",
    "NoisyMutualInformation",
    "NoisyNetwork",
    "pairwise_entropy_bounds",
    "pairwise_mutual_information_bounds",
    "PairwiseEntropyBounds",
    "PairwiseMutualInformationBounds",
    "replica_convergence",
    "silhouette_samples",
    "silhouette_score",
    "sp_entropy",
    "SPEntropy",
    "__version__",
]
