"""The one 1-D Gaussian-mixture quadrature (run-time code; :mod:`skinfo.testing` re-exports it).

Used by the tanh-neuron experiment for its exact I(X;T), by the estimator
comparison for exact entropies, and by the tests as ground truth.
"""

import itertools
import math

import numpy as np
from scipy import integrate
from scipy.special import logsumexp

__all__ = ["mixture_entropy_1d"]


def mixture_entropy_1d(points, noise_std, weights=None):
    """Entropy of the 1-D Gaussian mixture sum_j w_j N(points_j, noise_std^2) by quadrature.

    The integral of ``-g log g`` is split at the sorted centres and midpoints
    and taken by adaptive Gauss-Kronrod (``scipy.integrate.quad``) on each
    piece, plus two tails, so the result is accurate to ~1e-12 nats.

    Parameters
    ----------
    points : array-like of shape (n,)
        Centres of the mixture components.
    noise_std : float
        Standard deviation of every component.
    weights : array-like of shape (n,), default=None
        Mixture weights (normalised here); uniform when ``None``.

    Returns
    -------
    float
        The entropy h(g), in nats.

    Examples
    --------
    >>> import math
    >>> from skinfo.testing import mixture_entropy_1d
    >>> h_single = mixture_entropy_1d([0.0], 1.0)
    >>> abs(h_single - 0.5 * math.log(2 * math.pi * math.e)) < 1e-10
    True
    """
    points = np.asarray(points, dtype=float).ravel()
    weights = np.full(points.shape, 1.0 / points.size) if weights is None else np.asarray(weights, float)
    weights = weights / weights.sum()
    log_w = np.log(weights)
    log_norm = -0.5 * math.log(2.0 * math.pi * noise_std**2)

    def integrand(t):
        log_g = logsumexp(log_w - 0.5 * ((t - points) / noise_std) ** 2) + log_norm
        return -math.exp(log_g) * log_g

    knots = np.unique(points)
    breaks = np.sort(np.concatenate([knots, 0.5 * (knots[1:] + knots[:-1])]))
    pad = 40.0 * noise_std
    edges = np.concatenate([[breaks[0] - pad], breaks, [breaks[-1] + pad]])
    total = 0.0
    for lo, hi in itertools.pairwise(edges):
        if hi > lo:
            total += integrate.quad(integrand, lo, hi, epsabs=1e-14, epsrel=1e-12, limit=200)[0]
    return total
