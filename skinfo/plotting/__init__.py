"""Figures of the experiments (matplotlib is imported only when a function runs)."""

# other plots are added by the experiments issue
from ._compare import plot_estimator_comparison
from ._info_plane import (
    plot_cosine_heatmaps,
    plot_information_plane,
    plot_layer_curves,
    plot_layer_scatter,
)
from ._replica import plot_replica_convergence  # issue 12
from ._tanh_neuron import plot_tanh_neuron

__all__ = [
    "plot_cosine_heatmaps",
    "plot_estimator_comparison",
    "plot_information_plane",
    "plot_layer_curves",
    "plot_layer_scatter",
    "plot_replica_convergence",
    "plot_tanh_neuron",
]
