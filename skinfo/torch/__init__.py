"""PyTorch adapter: noisy modules, activation recording and replica sampling.

Needs PyTorch (``pip install "skinfo[torch]"``); the rest of skinfo does not.
Importing ``skinfo.torch`` without PyTorch succeeds, and using any of its
names raises an ``ImportError`` that says how to install it.

* :class:`GaussianNoise` builds noisy networks (``T = S + Z``), noise on in
  training and when sampling; :func:`deterministic` switches it off.
* :func:`record_activations` records named modules' activations as NumPy
  arrays (forward hooks, ``torch.no_grad()``, batched).
* :func:`sample_replicas` gives the (m, r, d) replica arrays that
  :class:`skinfo.NoisyMutualInformation` takes.
* :class:`InfoPlaneRecorder` records the information plane of a training
  loop at checkpoint epochs.
* :class:`InfoPlaneCallback` (with ``pip install "skinfo[lightning]"``)
  runs the recorder from a PyTorch Lightning ``Trainer``.
* :func:`torch_mixture_log_sum_exp` evaluates the SP mixture with torch on
  the tensors' device.
* :func:`torch_layers` / :func:`to_noisy_network` plug a torch model's layers
  into :class:`skinfo.NoisyNetwork`.
"""

import importlib.util

__all__ = [
    "GaussianNoise",
    "InfoPlaneRecorder",
    "TorchLayer",
    "deterministic",
    "noise_modules",
    "record_activations",
    "sample_replicas",
    "to_noisy_network",
    "torch_layers",
    "torch_mixture_log_sum_exp",
]

_HAS_TORCH = importlib.util.find_spec("torch") is not None
_HAS_LIGHTNING = _HAS_TORCH and any(
    importlib.util.find_spec(name) is not None for name in ("lightning", "pytorch_lightning")
)
if _HAS_LIGHTNING:
    __all__.append("InfoPlaneCallback")

if _HAS_TORCH:
    from ._adapter import TorchLayer, to_noisy_network, torch_layers
    from ._mixture import torch_mixture_log_sum_exp
    from ._noise import GaussianNoise, deterministic, noise_modules
    from ._propagate import sample_replicas
    from ._record import record_activations
    from ._recorder import InfoPlaneRecorder

    def __getattr__(name):
        # Imported on first use: lightning takes seconds to import.
        if name == "InfoPlaneCallback":
            if not _HAS_LIGHTNING:
                raise ImportError(
                    'skinfo.torch.InfoPlaneCallback needs PyTorch Lightning; pip install "skinfo[lightning]".'
                )
            from ._lightning import InfoPlaneCallback

            return InfoPlaneCallback
        raise AttributeError(f"module 'skinfo.torch' has no attribute {name!r}")
else:

    def __getattr__(name):
        if name in __all__:
            raise ImportError(
                f"skinfo.torch.{name} needs PyTorch, which is not installed; "
                'install it with pip install "skinfo[torch]" (CPU build: pip install torch==2.13.0).'
            )
        raise AttributeError(f"module 'skinfo.torch' has no attribute {name!r}")
