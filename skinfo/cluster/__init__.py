"""Clustering scores of labelled representations: silhouette and cosine structure."""

from ._cka import linear_cka
from ._cosine import CosineSimilaritySummary, cosine_similarity_matrix, cosine_similarity_summary
from ._score import ClusteringScore
from ._silhouette import silhouette_samples, silhouette_score

__all__ = [
    "ClusteringScore",
    "CosineSimilaritySummary",
    "cosine_similarity_matrix",
    "cosine_similarity_summary",
    "linear_cka",
    "silhouette_samples",
    "silhouette_score",
]
