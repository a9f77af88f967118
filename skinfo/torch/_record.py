"""Activation recording with forward hooks, batched, without autograd graphs."""

import contextlib

import numpy as np
import torch

from ..utils.validation import check_positive_int
from ._noise import GaussianNoise, deterministic, noise_modules

__all__ = ["record_activations"]


def _model_device_dtype(model):
    for parameter in model.parameters():
        return parameter.device, parameter.dtype
    return torch.device("cpu"), torch.get_default_dtype()


def _as_input_tensor(X, model, device):
    """``X`` (NumPy, array-like or tensor) as a tensor of the model's dtype on ``device``."""
    model_device, dtype = _model_device_dtype(model)
    device = model_device if device is None else torch.device(device)
    if isinstance(X, torch.Tensor):
        tensor = X.detach()
    else:
        array = np.asarray(X)
        if array.dtype.kind not in "biuf":
            raise TypeError(f"X must hold real numbers; got dtype {array.dtype}.")
        tensor = torch.from_numpy(np.ascontiguousarray(array))
    if tensor.ndim < 2:
        raise ValueError(
            f"X must have shape (n_samples, ...) with at least 2 dimensions; got shape {tuple(tensor.shape)}."
        )
    if tensor.shape[0] == 0:
        raise ValueError(f"X is empty (shape {tuple(tensor.shape)}).")
    if tensor.is_floating_point() and not torch.isfinite(tensor).all():
        raise ValueError("Input X contains NaN or infinity; inputs must be finite.")
    return tensor.to(device=device, dtype=dtype)


def _resolve_layers(model, layers):
    """Map requested layer names to modules; ``None`` means every GaussianNoise module."""
    if layers is None:
        found = noise_modules(model)
        if not found:
            raise ValueError(
                "layers=None selects the GaussianNoise modules of the model, but it has none; "
                "name the modules to record (see model.named_modules())."
            )
        return dict(found)
    if isinstance(layers, str):
        layers = [layers]
    named = dict(model.named_modules())
    missing = [name for name in layers if name not in named]
    if missing:
        available = ", ".join(repr(name) for name in named if name)
        raise ValueError(f"layers {missing!r} are not modules of the model; available: {available}.")
    if len(set(layers)) != len(layers):
        raise ValueError(f"layers must not repeat a name; got {list(layers)!r}.")
    return {name: named[name] for name in layers}


class _Recorder:
    """Forward hooks that copy each chosen module's pre-noise output to host memory.

    A :class:`GaussianNoise` module is recorded at its input (the ``S_l`` the
    estimators want); any other module at its output.
    """

    def __init__(self, modules, flatten):
        self.flatten = flatten
        self.batches = {name: [] for name in modules}
        self._handles = []
        for name, module in modules.items():
            if isinstance(module, GaussianNoise):
                hook = module.register_forward_pre_hook(self._pre_hook(name))
            else:
                hook = module.register_forward_hook(self._post_hook(name))
            self._handles.append(hook)

    def _store(self, name, tensor):
        if not isinstance(tensor, torch.Tensor):
            raise TypeError(
                f"module {name!r} returned {type(tensor).__name__}; only modules returning one "
                "tensor can be recorded."
            )
        tensor = tensor.detach()
        if self.flatten:
            tensor = tensor.reshape(tensor.shape[0], -1)
        # Copy: later in-place modules (ReLU(inplace=True)) would overwrite a view.
        self.batches[name].append(tensor.to("cpu", copy=True).numpy())

    def _pre_hook(self, name):
        def hook(module, inputs):
            self._store(name, inputs[0])

        return hook

    def _post_hook(self, name):
        def hook(module, inputs, output):
            self._store(name, output)

        return hook

    def take(self):
        """Concatenate and clear what was recorded since the last call."""
        out = {}
        for name, batches in self.batches.items():
            out[name] = np.concatenate(batches, axis=0) if batches else None
            self.batches[name] = []
        return out

    def remove(self):
        for handle in self._handles:
            handle.remove()


@contextlib.contextmanager
def _evaluation(model, modules):
    """No autograd, eval mode (dropout off, batch-norm frozen), hooks removed after."""
    training = {module: module.training for module in model.modules()}
    recorder = _Recorder(modules, flatten=True)
    model.eval()
    try:
        with torch.no_grad():
            yield recorder
    finally:
        recorder.remove()
        for module, mode in training.items():
            module.training = mode


def record_activations(model, X, layers=None, *, noise=False, batch_size=1024, flatten=True, device=None):
    """Record the activations of named modules of a torch model, as NumPy arrays.

    The model runs in evaluation mode under ``torch.no_grad()`` (no autograd
    graph is kept), ``batch_size`` rows at a time, so memory holds one batch
    of every layer plus the recorded arrays.

    Parameters
    ----------
    model : torch.nn.Module
        The network; it is not modified (its train/eval modes and noise
        switches are restored).
    X : array-like, torch.Tensor of shape (n_samples, ...) or DataLoader
        Inputs, on any device; converted to the model's dtype and device. A
        ``torch.utils.data.DataLoader`` is run batch by batch as it yields
        (the first item of a tuple batch is the input; ``batch_size`` is
        then the loader's).
    layers : str, sequence of str or None, default=None
        Names from ``model.named_modules()``. A :class:`GaussianNoise` module
        is recorded at its input, the pre-noise ``S_l``; any other module at
        its output. ``None`` records every GaussianNoise module.
    noise : bool, default=False
        Keep the GaussianNoise modules on. ``False`` gives the deterministic
        network's activations (for binning and clustering scores).
    batch_size : int, default=1024
        Rows per forward pass.
    flatten : bool, default=True
        Reshape each record to (n_samples, n_features), as the estimators
        take it (convolutional maps become vectors).
    device : str or torch.device, default=None
        Where to run; ``None`` uses the device of the model's parameters.

    Returns
    -------
    dict of str to ndarray of shape (n_samples, n_features)
        One array per requested layer, in request order, in the model's
        dtype (float32 stays float32: the estimators convert once).

    Examples
    --------
    >>> import numpy as np, torch
    >>> from skinfo.torch import GaussianNoise, record_activations
    >>> model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Tanh(), GaussianNoise(0.1))
    >>> acts = record_activations(model, np.ones((10, 4)), ["1", "2"])
    >>> {name: a.shape for name, a in acts.items()}
    {'1': (10, 3), '2': (10, 3)}
    >>> bool(np.array_equal(acts["1"], acts["2"]))  # the GaussianNoise input is the tanh output
    True
    """
    batch_size = check_positive_int(batch_size, "batch_size")
    modules = _resolve_layers(model, layers)
    if isinstance(X, torch.utils.data.DataLoader):
        batches = (
            _as_input_tensor(batch[0] if isinstance(batch, (tuple, list)) else batch, model, device)
            for batch in X
        )
    else:
        X = _as_input_tensor(X, model, device)
        batches = (X[start : start + batch_size] for start in range(0, X.shape[0], batch_size))
    n_rows = 0
    switch = contextlib.nullcontext() if noise else deterministic(model)
    with switch, _evaluation(model, modules) as recorder:
        recorder.flatten = flatten
        for batch in batches:
            model(batch)
            n_rows += batch.shape[0]
        recorded = recorder.take()
    if n_rows == 0:
        raise ValueError("X yielded no batches; nothing to record.")
    return _check_recorded(recorded, n_rows)


def _check_recorded(recorded, n_rows):
    for name, value in recorded.items():
        if value is None:
            raise ValueError(f"layer {name!r} was not called in the model's forward pass.")
        if value.shape[0] != n_rows:
            raise ValueError(
                f"layer {name!r} produced {value.shape[0]} rows for {n_rows} inputs; a module called "
                "more than once per forward pass cannot be recorded by name."
            )
    return recorded
