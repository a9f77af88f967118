"""Reproducible experiments of Goldfeld et al. (ICML 2019) and its companion paper."""

# --- tanh neuron, information plane ---
from ._info_plane import InfoPlaneResult, compression_summary, run_info_plane
from .._results import ExperimentResult
from ._tanh_neuron import mixture_mutual_information, run_tanh_neuron

# --- convolutional experiment ---
from ._cnn import CNNResult, run_cnn

# --- estimator comparison ---
from ._compare import EstimatorComparison, compare_estimators

__all__ = [
    "CNNResult",
    "EstimatorComparison",
    "ExperimentResult",
    "InfoPlaneResult",
    "compare_estimators",
    "compression_summary",
    "mixture_mutual_information",
    "run_cnn",
    "run_info_plane",
    "run_tanh_neuron",
]
