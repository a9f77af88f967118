"""Figures of the experiments (matplotlib is imported only when a function runs)."""

# other plots are added by the experiments issue
from ._compare import plot_estimator_comparison

__all__ = ["plot_estimator_comparison"]
