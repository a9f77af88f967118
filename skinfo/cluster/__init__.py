"""Clustering scores of labelled representations: silhouette and cosine structure."""

from ._cosine import CosineSimilaritySummary, cosine_similarity_matrix, cosine_similarity_summary
from ._score import ClusteringScore
from ._silhouette import silhouette_samples, silhouette_score

__all__ = [
    "ClusteringScore",
    "CosineSimilaritySummary",
    "cosine_similarity_matrix",
    "cosine_similarity_summary",
    "silhouette_samples",
    "silhouette_score",
]
