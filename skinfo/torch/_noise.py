"""The Gaussian-noise module of a noisy network, and switching its noise off."""

import contextlib

import torch
from torch import nn

from ..utils.validation import check_noise_std

__all__ = ["GaussianNoise", "deterministic", "noise_modules"]


class GaussianNoise(nn.Module):
    """Adds ``N(0, noise_std^2 I)`` noise to its input: ``T = S + Z``.

    Unlike dropout, the noise is part of the model (the noisy DNN of Goldfeld
    et al., 2019): it stays on in ``model.eval()`` mode, because sampling the
    network for information estimates needs it there too. Turn it off for a
    deterministic pass with :func:`deterministic` or ``noise_enabled``.

    Parameters
    ----------
    noise_std : float
        Standard deviation of the noise, in the units of the input.
    generator : torch.Generator, default=None
        Source of the noise; ``None`` uses torch's global generator (seed it
        with ``torch.manual_seed``). Noise is drawn on the generator's device
        and moved to the input's.

    Attributes
    ----------
    noise_enabled : bool
        Whether :meth:`forward` adds noise; ``True`` after construction.

    Examples
    --------
    >>> import torch
    >>> from skinfo.torch import GaussianNoise, deterministic
    >>> model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Tanh(), GaussianNoise(0.1))
    >>> x = torch.zeros(4, 3)
    >>> bool(torch.equal(model(x), model(x)))
    False
    >>> with deterministic(model):
    ...     bool(torch.equal(model(x), model(x)))
    True
    """

    def __init__(self, noise_std, *, generator=None):
        super().__init__()
        self.noise_std = check_noise_std(noise_std)
        self.generator = generator
        self.noise_enabled = True
        # Set by the propagation helpers: source(module, S) returns the noise
        # for one call (NumPy array or tensor), so it can come from a NumPy
        # random_state, reproducible across devices and batch sizes.
        self._noise_source = None

    def forward(self, S):
        """Return ``S + Z`` (or ``S`` itself when the noise is off).

        Parameters
        ----------
        S : torch.Tensor of shape (batch, ...)
            Pre-noise activations.

        Returns
        -------
        torch.Tensor of the shape of ``S``
            ``S + Z``, or ``S`` itself when ``noise_enabled`` is False.
        """
        if not self.noise_enabled:
            return S
        if self._noise_source is not None:
            noise = torch.as_tensor(self._noise_source(self, S), dtype=S.dtype, device=S.device)
            return S + noise
        device = S.device if self.generator is None else self.generator.device
        standard = torch.randn(S.shape, generator=self.generator, dtype=S.dtype, device=device)
        return S + self.noise_std * standard.to(S.device)

    def extra_repr(self):
        return f"noise_std={self.noise_std!r}"


def noise_modules(model):
    """The :class:`GaussianNoise` modules of ``model`` with their names.

    Parameters
    ----------
    model : torch.nn.Module
        The network to search, submodules included.

    Returns
    -------
    list of (str, GaussianNoise)
        In registration order (``model.named_modules()``).

    Examples
    --------
    >>> import torch
    >>> from skinfo.torch import GaussianNoise, noise_modules
    >>> model = torch.nn.Sequential(torch.nn.Linear(3, 2), GaussianNoise(0.1), torch.nn.Tanh())
    >>> [(name, module.noise_std) for name, module in noise_modules(model)]
    [('1', 0.1)]
    """
    return [(name, module) for name, module in model.named_modules() if isinstance(module, GaussianNoise)]


@contextlib.contextmanager
def deterministic(model):
    """Switch every :class:`GaussianNoise` of ``model`` off, restoring it after.

    Parameters
    ----------
    model : torch.nn.Module
        The network; switches set off before the block stay off after it.

    Yields
    ------
    model : torch.nn.Module
        The same model, noise-free inside the block.

    Examples
    --------
    >>> import torch
    >>> from skinfo.torch import GaussianNoise, deterministic
    >>> model = torch.nn.Sequential(torch.nn.Linear(3, 2), GaussianNoise(0.1))
    >>> with deterministic(model):
    ...     model[1].noise_enabled
    False
    >>> model[1].noise_enabled
    True
    """
    modules = [module for _, module in noise_modules(model)]
    previous = [module.noise_enabled for module in modules]
    for module in modules:
        module.noise_enabled = False
    try:
        yield model
    finally:
        for module, enabled in zip(modules, previous, strict=True):
            module.noise_enabled = enabled
