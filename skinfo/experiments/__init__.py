"""Reproducible experiments of Goldfeld et al. (ICML 2019) and its companion paper."""

# --- tanh neuron, information plane (issue 4) ---

# --- estimator comparison (issue 5) ---
from ._compare import EstimatorComparison, compare_estimators

__all__ = ["EstimatorComparison", "compare_estimators"]
