"""Noisy networks: sample propagation through callables and a reference NumPy MLP."""

from ._mlp import DenseLayer, NoisyMLP, log_spaced_epochs, orthonormal_retraction
from ._noisy import NoisyNetwork

__all__ = ["DenseLayer", "NoisyMLP", "NoisyNetwork", "log_spaced_epochs", "orthonormal_retraction"]
