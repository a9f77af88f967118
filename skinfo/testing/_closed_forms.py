"""Ground truth for the estimators: Gaussian entropies, 1-D quadrature, constellations."""

import itertools
import math

import numpy as np

from .._quadrature import mixture_entropy_1d

__all__ = [
    "bpsk_mutual_information",
    "gaussian_entropy",
    "hypercube_constellation",
    "mixture_entropy_1d",
    "separated_constellation",
]


def gaussian_entropy(covariance):
    """Differential entropy of N(mu, covariance), in nats.

    Parameters
    ----------
    covariance : array-like of shape (d, d)
        Positive-definite covariance matrix.

    Returns
    -------
    float
        ``0.5 log det(2 pi e covariance)``.

    Examples
    --------
    >>> round(float(gaussian_entropy([[1.0]])), 6)
    1.418939
    """
    covariance = np.atleast_2d(np.asarray(covariance, dtype=float))
    sign, logdet = np.linalg.slogdet(2.0 * math.pi * math.e * covariance)
    if sign <= 0:
        raise ValueError("covariance must be positive definite.")
    return 0.5 * logdet


def bpsk_mutual_information(noise_std):
    """I(S; S + Z) for S uniform on {-1, +1} and Z ~ N(0, noise_std^2), in nats.

    Parameters
    ----------
    noise_std : float
        Standard deviation of the noise Z.

    Returns
    -------
    float
        ``h(S + Z) - h(Z)`` by 1-D quadrature.

    Examples
    --------
    >>> round(bpsk_mutual_information(0.01), 10) == round(math.log(2), 10)
    True
    """
    noise_entropy = 0.5 * math.log(2.0 * math.pi * math.e * noise_std**2)
    return mixture_entropy_1d([-1.0, 1.0], noise_std) - noise_entropy


def hypercube_constellation(n_features):
    """All 2^d corners of {-1, +1}^d.

    Parameters
    ----------
    n_features : int
        Dimension d.

    Returns
    -------
    ndarray of shape (2 ** n_features, n_features)
        The corners, one per row, in lexicographic order.

    Examples
    --------
    >>> hypercube_constellation(2)
    array([[-1., -1.],
           [-1.,  1.],
           [ 1., -1.],
           [ 1.,  1.]])
    """
    corners = np.array(list(itertools.product((-1.0, 1.0), repeat=n_features)))
    return corners.reshape(2**n_features, n_features)


def separated_constellation(n_points, n_features, noise_std, rng, *, separation=60.0):
    """``n_points`` random points at least ``separation * noise_std`` apart.

    At that distance every cross term of the mixture is below
    ``exp(-separation^2 / 8) * n`` relative, so I(X;T) = log m to rounding.

    Parameters
    ----------
    n_points : int
        Number of points m.
    n_features : int
        Dimension d.
    noise_std : float
        Noise standard deviation the separation is measured in.
    rng : numpy.random.Generator
        Source of the random lattice cells and jitter.
    separation : float, default=60.0
        Minimum distance between points, in units of ``noise_std`` (up to a
        1% jitter of the lattice spacing).

    Returns
    -------
    ndarray of shape (n_points, n_features)
        The points, one per row.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.spatial.distance import pdist
    >>> points = separated_constellation(5, 2, 0.1, np.random.default_rng(0))
    >>> points.shape, bool(pdist(points).min() > 0.9 * 60 * 0.1)
    ((5, 2), True)
    """
    spacing = separation * noise_std
    # Points on a scaled integer lattice, drawn without replacement, are at
    # least one spacing apart.
    side = max(2, math.ceil(n_points ** (1.0 / n_features)) + 1)
    cells = rng.choice(side**n_features, size=n_points, replace=False) if side**n_features < 2**62 else None
    if cells is None:  # pragma: no cover - astronomically large lattices
        raise ValueError("n_features too large for the lattice construction.")
    coords = np.array(np.unravel_index(cells, (side,) * n_features)).T.astype(float)
    return coords * spacing + rng.normal(scale=0.01 * spacing, size=coords.shape)
