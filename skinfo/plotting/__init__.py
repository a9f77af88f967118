"""Figures of any result (matplotlib is imported only when a function runs).

Every helper takes an :class:`~skinfo.experiments.ExperimentResult` and reads
named columns of its records, so results of the experiments, of
:class:`skinfo.InfoPlaneRecorder` / :class:`skinfo.torch.InfoPlaneRecorder`
and of :func:`skinfo.parallel.estimate_many` all plot the same way. Helpers
return a :class:`matplotlib.figure.Figure` and never touch pyplot's state.
A missing optional column drops its panel or curve; a missing required one
raises a ``ValueError`` naming it.

Columns (information in nats), with the name :func:`skinfo.parallel.estimate_many`
writes for the same quantity:

==================  ===========================  ==================================================
column              estimate_many name           meaning
==================  ===========================  ==================================================
``epoch``           key name ``"epoch"``         training epochs done (int >= 0; 0 is untrained)
``layer``           key name ``"layer"``         layer: int (1-based, drawn "T<l>") or str label
``width``           --                           number of units d of the layer
``mi_x``            ``mutual_information``       plug-in I(X;T) by sample propagation
``mi_x_se``         ``standard_error``           standard error of ``mi_x`` (of the corrected
                                                  value when ``mi_x_bias`` exists)
``mi_x_bias``       ``bias``                     estimated replica bias; plots draw
                                                  ``mi_x - mi_x_bias``
``mi_x_mc_se``      ``mc_standard_error``        Monte Carlo part of the standard error
``mi_y``            ``label_information``        I(Y;T)
``mi_y_se``         ``label_standard_error``     its standard error
``mi_y_bias``       ``label_bias``               replica bias of ``mi_y``
``mi_y_mc_se``      ``label_mc_standard_error``  Monte Carlo part of ``mi_y_se``
``binned_entropy``  --                           H(Bin T) of the noise-free activations
``silhouette``      --                           silhouette of the noise-free activations by label
``cosine_gap``      --                           within- minus between-class mean cosine similarity
``w``               key name ``"w"``             weight of the single tanh neuron
``mi_sp``           ``mutual_information``       SP estimate of the tanh neuron's I(X;T)
``mi_sp_se``        ``standard_error``           its standard error
``mi_exact``        --                           quadrature value of the tanh neuron's I(X;T)
==================  ===========================  ==================================================

Bands and error bars are +-2 standard errors. Epoch axes are logarithmic;
when epoch 0 is present they are symmetric-log (linear below 1) so epoch 0
stays visible. ``plot_layer_scatter`` and ``plot_cosine_heatmaps`` need
activation snapshots (``result.snapshots``: per epoch a list of arrays, one
per 1-based layer, or a dict from layer label to array) and ``result.labels``.
"""

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
from ._replica import plot_replica_convergence
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
    "plot_replica_convergence",
    "plot_tanh_neuron",
]
