"""Framework-agnostic sample propagation through a noisy network."""

import numpy as np
from sklearn.utils import check_random_state

from ..utils.validation import (
    as_numpy,
    check_activations,
    check_allocation,
    check_noise_std,
    check_positive_int,
)

__all__ = ["NoisyNetwork"]


class NoisyNetwork:
    """A network of callables with Gaussian noise after every layer's output.

    The noisy DNN of Goldfeld et al. (2019): ``T_0 = X``,
    ``S_l = layer_l(T_{l-1})`` and ``T_l = S_l + Z_l`` with
    ``Z_l ~ N(0, noise_std^2 I)`` independent across layers and passes. The
    pre-noise outputs ``S_l`` are what :class:`~skinfo.NoisyMutualInformation`
    needs: deterministic given ``x`` for the first layer, sampled by re-running
    the noisy network for deeper ones. Pass hidden layers only; the noise
    after the last given layer never enters a returned ``S_l``.

    Parameters
    ----------
    layers : sequence of callable
        Each maps an array of shape (batch, d_in) to the layer's pre-noise
        output of shape (batch, d_out). Plain NumPy functions work; any
        framework plugs in through a callable returning an array-like
        (tensors exposing ``__array__`` or DLPack are read).
    noise_std : float
        Standard deviation of the Gaussian noise (same units as ``S_l``).
    random_state : int, RandomState instance or None, default=None
        Seeds the noise of :meth:`sample`.

    Examples
    --------
    >>> import numpy as np
    >>> from skinfo import NoisyNetwork
    >>> net = NoisyNetwork([np.tanh, lambda A: 2.0 * A], noise_std=0.1, random_state=0)
    >>> X = np.zeros((5, 3))
    >>> [S.shape for S in net.sample(X, n_replicas=4)]
    [(5, 4, 3), (5, 4, 3)]
    >>> [S.shape for S in net.activations(X)]
    [(5, 3), (5, 3)]
    """

    def __init__(self, layers, noise_std, *, random_state=None):
        if callable(layers) or isinstance(layers, (str, bytes)):
            raise TypeError(
                f"layers must be a sequence of callables; got a single {type(layers).__name__}. "
                "Wrap it in a list."
            )
        try:
            layers = list(layers)
        except TypeError as exc:
            raise TypeError(f"layers must be a sequence of callables; got {type(layers).__name__}.") from exc
        if not layers:
            raise ValueError("layers must hold at least one callable; got an empty sequence.")
        for index, layer in enumerate(layers):
            if not callable(layer):
                raise TypeError(
                    f"layers[{index}] must be callable (batch, d_in) -> (batch, d_out); "
                    f"got {type(layer).__name__}."
                )
        self.layers = layers
        self.noise_std = check_noise_std(noise_std)
        self.random_state = random_state
        self._rng = check_random_state(random_state)

    def _apply(self, index, A):
        out = self.layers[index](A)
        S = as_numpy(out, f"output of layers[{index}]")
        if S.ndim != 2 or S.shape[0] != A.shape[0]:
            raise ValueError(
                f"layers[{index}] must return an array of shape (batch, d_out) with batch={A.shape[0]}; "
                f"got shape {S.shape}."
            )
        return check_activations(S, f"output of layers[{index}]")

    def activations(self, X):
        """Noise-free pre-noise outputs ``S_l`` of every layer.

        Parameters
        ----------
        X : array-like of shape (m, d_0)
            Inputs.

        Returns
        -------
        list of ndarray of shape (m, d_l)
            One array per layer (float64), the deterministic network's
            activations (for binning and clustering scores).
        """
        A = check_activations(X, "X")
        outputs = []
        for index in range(len(self.layers)):
            A = self._apply(index, A)
            outputs.append(A)
        return outputs

    def sample(self, X, n_replicas):
        """``n_replicas`` noisy forward passes per input; pre-noise outputs of every layer.

        Parameters
        ----------
        X : array-like of shape (m, d_0)
            Inputs.
        n_replicas : int
            Independent noisy passes r per input.

        Returns
        -------
        list of ndarray of shape (m, r, d_l)
            ``S_l`` for every layer (float64), replica ``k`` of input ``i``
            at ``[i, k]``. ``S_1`` does not depend on the noise, so its
            replicas coincide (use ``S[:, 0]`` as the deterministic layer);
            deeper layers carry the noise of the layers before them.
        """
        X = check_activations(X, "X")
        n_replicas = check_positive_int(n_replicas, "n_replicas")
        n_inputs = X.shape[0]
        # The outputs of every layer, plus the widest layer's working copies.
        widths = [X.shape[1]]
        probe = X[:1]
        for index in range(len(self.layers)):
            probe = self._apply(index, probe)
            widths.append(probe.shape[1])
        check_allocation(
            n_inputs * n_replicas * (sum(widths[1:]) + 3 * max(widths)),
            f"n_replicas={n_replicas} noisy passes of {n_inputs} inputs",
            fix="Lower n_replicas or pass the inputs in batches.",
        )
        A = np.repeat(X, n_replicas, axis=0)
        outputs = []
        for index in range(len(self.layers)):
            S = self._apply(index, A)
            outputs.append(S.reshape(n_inputs, n_replicas, S.shape[1]))
            A = S + self.noise_std * self._rng.standard_normal(S.shape)
        return outputs

    def __repr__(self):
        return f"NoisyNetwork(n_layers={len(self.layers)}, noise_std={self.noise_std!r})"
