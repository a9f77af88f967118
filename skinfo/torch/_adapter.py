"""Torch layers as the NumPy callables :class:`skinfo.NoisyNetwork` takes."""

import numpy as np
import torch
from torch import nn

from ._noise import GaussianNoise

__all__ = ["TorchLayer", "to_noisy_network", "torch_layers"]


class TorchLayer:
    """A torch module as a callable from NumPy (batch, d_in) to NumPy (batch, d_out).

    Runs the module in evaluation mode under ``torch.no_grad()`` on the
    device of its parameters, in their dtype; the module's train/eval mode is
    restored after each call.

    Parameters
    ----------
    module : torch.nn.Module
        Maps a tensor of shape (batch, d_in) to (batch, d_out) (or a feature
        map, flattened to (batch, d_out) on return).
    device : str or torch.device, default=None
        Where to run; ``None``: the device of the module's parameters (CPU if
        it has none).

    Examples
    --------
    >>> import numpy as np, torch
    >>> from skinfo.torch import TorchLayer
    >>> layer = TorchLayer(torch.nn.Tanh())
    >>> layer(np.zeros((2, 3))).shape
    (2, 3)
    """

    def __init__(self, module, device=None):
        if not isinstance(module, nn.Module):
            raise TypeError(f"module must be a torch.nn.Module; got {type(module).__name__}.")
        self.module = module
        self.device = device

    def __call__(self, A):
        parameter = next(self.module.parameters(), None)
        dtype = torch.get_default_dtype() if parameter is None else parameter.dtype
        device = self.device
        if device is None:
            device = torch.device("cpu") if parameter is None else parameter.device
        tensor = torch.as_tensor(np.asarray(A), dtype=dtype, device=device)
        training = {module: module.training for module in self.module.modules()}
        self.module.eval()
        try:
            with torch.no_grad():
                out = self.module(tensor)
        finally:
            for module, mode in training.items():
                module.training = mode
        return out.detach().reshape(out.shape[0], -1).cpu().numpy()

    def __repr__(self):
        return f"TorchLayer({self.module!r})"


def _split_at_noise(model):
    if not isinstance(model, nn.Sequential):
        raise TypeError(
            f"model must be a torch.nn.Sequential whose GaussianNoise modules separate the layers; "
            f"got {type(model).__name__}. Pass a list of modules, one per layer, instead."
        )
    segments, current, noises = [], [], []
    for module in model:
        if isinstance(module, GaussianNoise):
            if not current:
                raise ValueError("model has a GaussianNoise module with no layer before it.")
            segments.append(nn.Sequential(*current))
            noises.append(module)
            current = []
        else:
            current.append(module)
    output = nn.Sequential(*current) if current else None
    return segments, noises, output


def torch_layers(model, *, include_output=False, device=None):
    """Split a noisy ``nn.Sequential`` at its GaussianNoise modules into NumPy callables.

    Layer ``l`` is everything between the (l-1)-th and the l-th
    :class:`GaussianNoise`; its output is the pre-noise ``S_l``.

    Parameters
    ----------
    model : torch.nn.Sequential or sequence of torch.nn.Module
        The noisy network, or one module per layer (used as they are).
    include_output : bool, default=False
        Append the modules after the last GaussianNoise (the output layer) as
        one more callable. :class:`skinfo.NoisyNetwork` adds noise after every
        layer it is given, so pass hidden layers only when the output layer is
        noise-free.
    device : str or torch.device, default=None
        Where the callables run; ``None``: the parameters' device.

    Returns
    -------
    list of TorchLayer
        One callable per layer, mapping NumPy (batch, d_in) to (batch, d_l).

    Examples
    --------
    >>> import torch
    >>> from skinfo.torch import GaussianNoise, torch_layers
    >>> model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Tanh(), GaussianNoise(0.1),
    ...                             torch.nn.Linear(3, 2))
    >>> len(torch_layers(model)), len(torch_layers(model, include_output=True))
    (1, 2)
    """
    if isinstance(model, nn.Sequential):
        segments, _, output = _split_at_noise(model)
        if include_output and output is not None:
            segments.append(output)
    elif isinstance(model, nn.Module):
        raise TypeError(
            f"model must be a torch.nn.Sequential or a list of modules; got {type(model).__name__}."
        )
    else:
        segments = list(model)
    if not segments:
        raise ValueError("model has no layer followed by a GaussianNoise module; nothing to propagate.")
    return [TorchLayer(segment, device=device) for segment in segments]


def to_noisy_network(model, *, noise_std=None, include_output=False, random_state=None, device=None):
    """A :class:`skinfo.NoisyNetwork` running the layers of a noisy torch ``nn.Sequential``.

    Parameters
    ----------
    model : torch.nn.Sequential
        Layers separated by :class:`GaussianNoise` modules.
    noise_std : float, default=None
        Noise of the NoisyNetwork; ``None`` takes it from the model's
        GaussianNoise modules, which must then agree.
    include_output : bool, default=False
        Also propagate through the modules after the last GaussianNoise, as
        in :func:`torch_layers`.
    random_state : int, RandomState instance or None, default=None
        Seeds the NoisyNetwork's noise.
    device : str or torch.device, default=None
        Where the layers run; ``None``: the parameters' device.

    Returns
    -------
    skinfo.NoisyNetwork
        A network whose layers are :class:`TorchLayer` callables.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from skinfo.torch import GaussianNoise, to_noisy_network
    >>> model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Tanh(), GaussianNoise(0.1))
    >>> net = to_noisy_network(model, random_state=0)
    >>> [S.shape for S in net.sample(np.ones((5, 4)), n_replicas=2)]
    [(5, 2, 3)]
    """
    from ..networks import NoisyNetwork

    layers = torch_layers(model, include_output=include_output, device=device)
    if noise_std is None:
        levels = {module.noise_std for module in _split_at_noise(model)[1]}
        if len(levels) != 1:
            raise ValueError(
                f"the model's GaussianNoise modules have different noise_std {sorted(levels)}; "
                "NoisyNetwork uses one level, so pass noise_std explicitly."
            )
        noise_std = levels.pop()
    return NoisyNetwork(layers, noise_std, random_state=random_state)
