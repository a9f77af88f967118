"""Figures of the experiments (matplotlib is imported only when a function runs)."""

# other plots are added by the experiments issue
from ._cnn import (
    activation_histograms,
    plot_activation_histograms,
    plot_cnn_clustering,
    plot_cnn_cosine_heatmaps,
    plot_cnn_information_plane,
    plot_cnn_validation_error,
)
from ._compare import plot_estimator_comparison
from ._info_plane import (
    plot_cosine_heatmaps,
    plot_information_plane,
    plot_layer_curves,
    plot_layer_scatter,
)
from ._tanh_neuron import plot_tanh_neuron

__all__ = [
    "activation_histograms",
    "plot_activation_histograms",
    "plot_cnn_clustering",
    "plot_cnn_cosine_heatmaps",
    "plot_cnn_information_plane",
    "plot_cnn_validation_error",
    "plot_cosine_heatmaps",
    "plot_estimator_comparison",
    "plot_information_plane",
    "plot_layer_curves",
    "plot_layer_scatter",
    "plot_tanh_neuron",
]
