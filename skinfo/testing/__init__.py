"""Closed-form cases and hypothesis strategies, public so users can test with them.

The hypothesis strategies need ``hypothesis`` (the ``test`` extra); the
closed forms need only NumPy and SciPy.
"""

from ._closed_forms import (
    bpsk_mutual_information,
    gaussian_entropy,
    hypercube_constellation,
    mixture_entropy_1d,
    noisy_linear_network_case,
    separated_constellation,
)

__all__ = [
    "bpsk_mutual_information",
    "gaussian_entropy",
    "hypercube_constellation",
    "mixture_entropy_1d",
    "noisy_linear_network_case",
    "separated_constellation",
]
