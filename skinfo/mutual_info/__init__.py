"""Mutual-information estimators for noisy layers."""

from ._noisy import NoisyMutualInformation, noisy_mutual_information

__all__ = ["NoisyMutualInformation", "noisy_mutual_information"]
