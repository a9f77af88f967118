"""Validation, random state and thread control."""

from ._threads import effective_n_jobs, numba_threads
from .validation import check_activations, check_labels, check_noise_std

__all__ = ["check_activations", "check_labels", "check_noise_std", "effective_n_jobs", "numba_threads"]
