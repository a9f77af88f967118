"""Replica arrays (m, r, d) from a noisy torch model, for NoisyMutualInformation."""

import contextlib

import numpy as np
import torch
from sklearn.utils import check_random_state

from ..utils.validation import check_positive_int
from ._noise import noise_modules
from ._record import _as_input_tensor, _check_recorded, _evaluation, _resolve_layers

__all__ = ["sample_replicas"]


@contextlib.contextmanager
def _noise_sources(modules, source):
    """Route the noise of ``modules`` through ``source(module, S)`` for the block."""
    previous = [module._noise_source for module in modules]
    for module in modules:
        module._noise_source = source
    try:
        yield
    finally:
        for module, old in zip(modules, previous, strict=True):
            module._noise_source = old


class _PreDrawnNoise:
    """Noise drawn in NumPy for all rows at once, in the order the layers run.

    The draw order (layer by layer, each an array of shape (m * r, d_l), rows
    input-major) is the one :class:`skinfo.NoisyNetwork` uses, so a torch
    model and its NumPy twin give the same replicas for the same seed, and the
    result does not depend on the batch size or the device.
    """

    def __init__(self, calls, n_rows, rng):
        self.calls = calls
        # Stored in the layer's dtype: the cast is the one the addition would do
        # anyway, and a float32 model holds half the memory.
        self.noise = [
            (module.noise_std * rng.standard_normal((n_rows, *shape))).astype(dtype, copy=False)
            for module, shape, dtype in calls
        ]
        self.rows = slice(0, 0)
        self.index = 0

    def start_batch(self, rows):
        self.rows = rows
        self.index = 0

    def __call__(self, module, S):
        if self.index >= len(self.calls) or self.calls[self.index][0] is not module:
            raise RuntimeError(
                "the model called its GaussianNoise modules in a different order than in "
                "the first pass; sample_replicas needs a fixed forward order."
            )
        expected = self.calls[self.index][1]
        if tuple(S.shape[1:]) != expected:
            raise RuntimeError(f"GaussianNoise input changed shape from {expected} to {tuple(S.shape[1:])}.")
        noise = self.noise[self.index][self.rows]
        self.index += 1
        return noise


def _numpy_dtype(torch_dtype):
    """The NumPy twin of a torch float dtype; float64 when there is none (bfloat16)."""
    try:
        return torch.empty(0, dtype=torch_dtype).numpy().dtype
    except TypeError:
        return np.dtype(np.float64)


def _noise_calls(model, row, modules):
    """The (module, per-row shape, dtype) of every GaussianNoise call in one forward pass."""
    calls = []

    def record(module, S):
        calls.append((module, tuple(S.shape[1:]), _numpy_dtype(S.dtype)))
        return torch.zeros_like(S)

    with _noise_sources(modules, record), torch.no_grad():
        model(row)
    return calls


def sample_replicas(
    model,
    X,
    n_replicas,
    layers=None,
    *,
    random_state=None,
    generator=None,
    batch_size=4096,
    device=None,
    flatten=True,
):
    """Run a noisy torch model ``n_replicas`` times per input; pre-noise activations per layer.

    The replica arrays are what :class:`skinfo.NoisyMutualInformation` takes:
    ``S_l[i, k]`` is the pre-noise output of layer ``l`` in the ``k``-th
    noisy pass of input ``i``.

    Parameters
    ----------
    model : torch.nn.Module
        A network with :class:`GaussianNoise` modules. It runs in evaluation
        mode under ``torch.no_grad()``; its modes are restored afterwards.
    X : array-like or torch.Tensor of shape (m, ...)
        Inputs (CPU or GPU); converted to the model's dtype and device.
    n_replicas : int
        Noisy passes r per input.
    layers : str, sequence of str or None, default=None
        Module names as in :func:`record_activations` (a GaussianNoise module
        gives its input, the pre-noise ``S_l``). ``None``: every GaussianNoise
        module.
    random_state : int, RandomState instance or None, default=None
        Seeds the noise, drawn in NumPy for all ``m * r`` rows layer by layer
        (the order :class:`skinfo.NoisyNetwork` uses): the replicas do not
        depend on ``batch_size`` or the device, and equal NoisyNetwork's for
        the NumPy twin of the model. Holds one noise array of shape
        (m * r, d_l) per noisy layer, in the model's dtype.
    generator : torch.Generator, default=None
        Draw the noise with torch on the generator's device instead (no
        pre-drawn arrays: for large or GPU runs). Reproducible for a fixed
        ``batch_size``. Give either ``random_state`` or ``generator``.
    batch_size : int, default=4096
        Rows (input-replica pairs) per forward pass; whole inputs per batch.
    device : str or torch.device, default=None
        Where to run; ``None`` uses the device of the model's parameters.
    flatten : bool, default=True
        Give each layer as (m, r, d_l) with feature maps flattened.

    Returns
    -------
    dict of str to ndarray of shape (m, r, d_l)
        One replica array per requested layer, in the model's dtype.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from skinfo import NoisyMutualInformation
    >>> from skinfo.torch import GaussianNoise, sample_replicas
    >>> torch.manual_seed(0)  # doctest: +ELLIPSIS
    <torch._C.Generator object at ...>
    >>> model = torch.nn.Sequential(
    ...     torch.nn.Linear(2, 3), torch.nn.Tanh(), GaussianNoise(0.1),
    ...     torch.nn.Linear(3, 2), torch.nn.Tanh(), GaussianNoise(0.1))
    >>> replicas = sample_replicas(model, np.eye(2), n_replicas=5, random_state=0)
    >>> {name: S.shape for name, S in replicas.items()}
    {'2': (2, 5, 3), '5': (2, 5, 2)}
    >>> est = NoisyMutualInformation(noise_std=0.1, random_state=0).fit(replicas["5"])
    >>> bool(0.0 <= est.mutual_information_ <= np.log(2) + 1e-9)
    True
    """
    n_replicas = check_positive_int(n_replicas, "n_replicas")
    batch_size = check_positive_int(batch_size, "batch_size")
    if generator is not None and random_state is not None:
        raise ValueError("give either random_state (NumPy noise) or generator (torch noise), not both.")
    modules = _resolve_layers(model, layers)
    X = _as_input_tensor(X, model, device)
    n_inputs = X.shape[0]
    noisy = [module for _, module in noise_modules(model)]
    inputs_per_batch = max(1, batch_size // n_replicas)

    if generator is not None:

        def source(module, S):
            draw = torch.randn(S.shape, generator=generator, dtype=S.dtype, device=generator.device)
            return module.noise_std * draw

        start_batch = None
    else:
        with _evaluation(model, {}):
            calls = _noise_calls(model, X[:1], noisy)
        source = _PreDrawnNoise(calls, n_inputs * n_replicas, check_random_state(random_state))
        start_batch = source.start_batch

    with _noise_sources(noisy, source), _evaluation(model, modules) as recorder:
        recorder.flatten = flatten
        for first in range(0, n_inputs, inputs_per_batch):
            last = min(first + inputs_per_batch, n_inputs)
            if start_batch is not None:
                start_batch(slice(first * n_replicas, last * n_replicas))
            model(X[first:last].repeat_interleave(n_replicas, dim=0))
        recorded = _check_recorded(recorder.take(), n_inputs * n_replicas)
    return {name: S.reshape(n_inputs, n_replicas, *S.shape[1:]) for name, S in recorded.items()}
