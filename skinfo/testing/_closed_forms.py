"""Ground truth for the estimators: Gaussian entropies, 1-D quadrature, constellations."""

import itertools
import math
from dataclasses import dataclass

import numpy as np

from .._quadrature import mixture_entropy_1d

__all__ = [
    "bpsk_mutual_information",
    "gaussian_entropy",
    "hypercube_constellation",
    "mixture_entropy_1d",
    "noisy_linear_network_case",
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


@dataclass(frozen=True)
class NoisyLinearNetworkCase:
    """A two-layer noisy linear network with exact I(X;T2); see :func:`noisy_linear_network_case`."""

    means: np.ndarray
    mixing: np.ndarray
    noise_std: float
    mutual_information: float
    standard_error: float
    conditional_entropy: float

    def sample(self, n_replicas, rng):
        """Pre-noise activations ``S2 = x W1 W2 + Z1 W2`` of shape (m, n_replicas, d).

        Parameters
        ----------
        n_replicas : int
            Noisy forward passes per input.
        rng : numpy.random.Generator
            Source of the first layer's noise Z1.

        Returns
        -------
        ndarray of shape (m, n_replicas, d)
            ``n_replicas`` samples of S2 per input; T2 = S2 + Z2 with
            Z2 ~ N(0, noise_std^2 I) is the layer the estimators see.
        """
        n_inputs = self.means.shape[0]
        first_noise = self.noise_std * rng.standard_normal((n_inputs, n_replicas, self.mixing.shape[0]))
        return self.means[:, None, :] + first_noise @ self.mixing


def noisy_linear_network_case(
    n_inputs, n_features, noise_std, rng, *, input_scale=1.0, weight_scale=1.0, n_mc=2000
):
    """Noisy linear network T1 = x W1 + Z1, T2 = T1 W2 + Z2 with I(X;T2) known.

    For m equiprobable inputs x, T2 | X = x is Gaussian,
    ``N(x W1 W2, noise_std^2 (W2^T W2 + I))``, so h(T2 | X) is closed form;
    h(T2) is the entropy of a Gaussian mixture with one shared covariance.
    Whitened by that covariance it is an isotropic unit-variance mixture, and
    ``I(X;T2) = I(X; T2 whitened)`` is the deterministic SP estimate with
    ``n_mc`` draws per input (Monte Carlo error ``standard_error``, ~1e-3
    nats with the default). Replicated activations from :meth:`sample` are
    what a replica-based I(X;T2) estimate sees.

    Parameters
    ----------
    n_inputs : int
        Number of inputs m (rows of x, drawn N(0, input_scale^2 I)).
    n_features : int
        Width d of x, T1 and T2.
    noise_std : float
        Standard deviation of both noises Z1 and Z2.
    rng : numpy.random.Generator
        Source of x, W1 and W2 (entries ``N(0, weight_scale^2 / d)``).
    input_scale : float, default=1.0
        Scale of the inputs.
    weight_scale : float, default=1.0
        Scale of the weights; larger spreads each input's noise cloud
        ``Z1 W2`` relative to ``noise_std``, so more replicas are needed.
    n_mc : int, default=2000
        Monte Carlo draws per input for the whitened mixture entropy.

    Returns
    -------
    NoisyLinearNetworkCase
        ``means`` (m, d) = x W1 W2, ``mixing`` W2 (d, d), ``noise_std``,
        ``mutual_information`` I(X;T2) in nats and its ``standard_error``,
        ``conditional_entropy`` h(T2 | X) in nats, and ``sample``.

    Examples
    --------
    >>> import numpy as np
    >>> case = noisy_linear_network_case(32, 2, 0.1, np.random.default_rng(0), n_mc=200)
    >>> case.sample(4, np.random.default_rng(1)).shape
    (32, 4, 2)
    >>> bool(0.0 < case.mutual_information <= np.log(32))
    True
    """
    from ..mutual_info import noisy_mutual_information

    if noise_std <= 0:
        raise ValueError(f"noise_std must be positive; got {noise_std!r}.")
    inputs = input_scale * rng.standard_normal((n_inputs, n_features))
    first = weight_scale * rng.standard_normal((n_features, n_features)) / math.sqrt(n_features)
    mixing = weight_scale * rng.standard_normal((n_features, n_features)) / math.sqrt(n_features)
    means = inputs @ first @ mixing
    covariance = noise_std**2 * (mixing.T @ mixing + np.eye(n_features))
    whitened = np.linalg.solve(np.linalg.cholesky(covariance), means.T).T
    truth = noisy_mutual_information(
        whitened, noise_std=1.0, n_mc=n_mc, method="dense", random_state=int(rng.integers(2**31 - 1))
    )
    return NoisyLinearNetworkCase(
        means,
        mixing,
        float(noise_std),
        truth.mutual_information,
        truth.standard_error,
        gaussian_entropy(covariance),
    )
