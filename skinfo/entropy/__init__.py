"""Entropy estimators: sample propagation (SP) for noisy layers."""

from ._sp import SPEntropy, gaussian_noise_entropy, sp_entropy

__all__ = ["SPEntropy", "gaussian_noise_entropy", "sp_entropy"]
