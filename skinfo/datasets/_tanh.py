"""The single-neuron example of Goldfeld et al. (2019): X uniform on {-3, -1, 1, 3}."""

import numpy as np
from sklearn.utils import check_random_state

from ..utils.validation import check_positive_int

__all__ = ["TANH_NEURON_INPUTS", "load_tanh_neuron"]

TANH_NEURON_INPUTS = np.array([-3.0, -1.0, 1.0, 3.0])
"""The four equiprobable inputs of the single tanh neuron."""


def load_tanh_neuron(n_samples=None, *, random_state=None):
    """Return the inputs of the single tanh neuron, X uniform on {-3, -1, 1, 3}.

    Parameters
    ----------
    n_samples : int, default=None
        ``None`` returns the four support points once (each has probability
        1/4, which is what the exact and SP computations use); an integer
        draws that many i.i.d. samples.
    random_state : int, RandomState instance or None, default=None
        Seeds the draw when ``n_samples`` is given.

    Returns
    -------
    X : float64 ndarray of shape (4, 1) or (n_samples, 1)
        The inputs.

    Examples
    --------
    >>> from skinfo.datasets import load_tanh_neuron
    >>> load_tanh_neuron().ravel().tolist()
    [-3.0, -1.0, 1.0, 3.0]
    >>> load_tanh_neuron(5, random_state=0).shape
    (5, 1)
    """
    if n_samples is None:
        return TANH_NEURON_INPUTS.reshape(-1, 1).copy()
    n_samples = check_positive_int(n_samples, "n_samples")
    rng = check_random_state(random_state)
    return rng.choice(TANH_NEURON_INPUTS, size=n_samples).reshape(-1, 1)
