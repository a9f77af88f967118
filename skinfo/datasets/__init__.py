"""Datasets of the paper's experiments, generated rather than shipped."""

from ._mnist import load_mnist
from ._szt import load_szt
from ._tanh import TANH_NEURON_INPUTS, load_tanh_neuron

__all__ = ["TANH_NEURON_INPUTS", "load_mnist", "load_szt", "load_tanh_neuron"]
