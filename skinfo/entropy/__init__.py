"""Entropy estimators: sample propagation (SP) for noisy layers."""

from ._kde import KDEEntropy, kde_entropy
from ._sp import SPEntropy, gaussian_noise_entropy, sp_entropy

__all__ = ["KDEEntropy", "kde_entropy", "SPEntropy", "gaussian_noise_entropy", "sp_entropy"]
