"""The paper's convolutional experiment: noisy vs deterministic CNNs over a noise sweep.

Goldfeld et al. (2019) train four-layer convolutional networks with Gaussian
noise after every hidden layer and compare them with the noise-free network:
validation performance across noise levels, clustering of same-class inputs in
every hidden layer (class-sorted cosine similarities) and, where it can be
estimated, I(X;T) by sample propagation. PyTorch is imported only when the
experiment runs (``pip install "skinfo[torch]"``).
"""

import math
import numbers

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state

from .._results import CheckpointAccessors, ExperimentResult
from ..cluster import cosine_similarity_summary, linear_cka, silhouette_score
from ..mutual_info import NoisyMutualInformation, binned_entropy
from ..networks import log_spaced_epochs
from ..utils.validation import check_positive_int

__all__ = ["CNN_PRESETS", "CNNResult", "LAYER_NAMES", "run_cnn"]

# Hidden layers in order; the output layer (linear, no noise) is not scored.
LAYER_NAMES = ("conv1", "conv2", "dense")

TORCH_INSTALL = 'python -m pip install "skinfo[torch]"'

CNN_PRESETS = {
    # Digits 8x8 (bundled with scikit-learn): a few minutes on 2 cores.
    "default": {
        "dataset": "digits",
        "noise_stds": (0.0, 0.05, 0.1, 0.2, 0.4),
        "conv_channels": (8, 16),
        "conv_strides": (1, 2),
        "dense_width": 32,
        "n_epochs": 40,
        "n_checkpoints": 7,
        "batch_size": 32,
        "learning_rate": 1e-3,
        "n_samples": None,
        "n_eval": None,
        "mi_layers": ("dense",),
        "n_mi_inputs": 200,
        "n_replicas": 8,
    },
    # Full-size MNIST: 32/64 filters, 128 dense units, 20 epochs, all 70,000 images.
    "paper": {
        "dataset": "mnist",
        "noise_stds": (0.0, 0.05, 0.1, 0.2, 0.4),
        "conv_channels": (32, 64),
        "conv_strides": (2, 2),
        "dense_width": 128,
        "n_epochs": 20,
        "n_checkpoints": 7,
        "batch_size": 128,
        "learning_rate": 1e-3,
        "n_samples": None,
        "n_eval": 1000,
        "mi_layers": ("dense",),
        "n_mi_inputs": 500,
        "n_replicas": 10,
    },
    # Seconds, for smoke tests.
    "tiny": {
        "dataset": "digits",
        "noise_stds": (0.0, 0.1),
        "conv_channels": (4, 8),
        "conv_strides": (2, 2),
        "dense_width": 16,
        "n_epochs": 3,
        "n_checkpoints": 2,
        "batch_size": 64,
        "learning_rate": 3e-3,
        "n_samples": 400,
        "n_eval": None,
        "mi_layers": ("dense",),
        "n_mi_inputs": 40,
        "n_replicas": 2,
    },
}


def _import_torch():
    try:
        import torch
    except ImportError as exc:
        raise ImportError(f"the CNN experiment needs PyTorch; install it with {TORCH_INSTALL}") from exc
    return torch


class CNNResult(CheckpointAccessors, ExperimentResult):
    """Result of :func:`run_cnn`: tidy records plus class-labelled representations.

    Records have one row per (noise level, checkpoint epoch, hidden layer)
    with columns ``noise_std, network, epoch, layer, layer_name, width,
    val_error, val_loss, val_error_noise_off, val_loss_noise_off,
    train_loss, cosine_within, cosine_between, cosine_gap, silhouette,
    binned_entropy, cka, mi_x, mi_x_se, mi_x_bias, mi_y, mi_y_se, mi_y_bias``
    (errors as fractions, losses and information in nats; ``mi_*`` are
    ``None`` for the deterministic network and for layers not estimated).

    Parameters
    ----------
    name : str
        Experiment name (``"cnn"``).
    records : list of dict
        One dict per (noise_std, epoch, layer) row.
    params : dict, default=None
        The settings that produced the records.
    snapshots : dict of (float, int) to list of ndarray of shape (n_eval, d_l), default=None
        Noise-free representations of every hidden layer, keyed by
        ``(noise_std, epoch)``, for the evaluation inputs (not serialised).
    labels : ndarray of shape (n_eval,), default=None
        Labels of the evaluation inputs.

    Attributes
    ----------
    epochs : list of int
        Sorted checkpoint epochs (0 is the initialisation).
    layers : list of int
        Sorted hidden-layer indices (1-based).
    noise_stds : list of float
        Sorted noise levels (0 is the deterministic network).

    Examples
    --------
    >>> from skinfo.experiments import CNNResult
    >>> records = [{"noise_std": s, "epoch": e, "layer": 3, "val_error": 0.1 - 0.01 * e + s}
    ...            for s in (0.0, 0.1) for e in (0, 5)]
    >>> result = CNNResult("demo", records)
    >>> result.noise_stds, result.epochs
    ([0.0, 0.1], [0, 5])
    >>> epochs, errors = result.series(0.1, 3, "val_error")
    >>> epochs.tolist(), errors.round(2).tolist()
    ([0, 5], [0.2, 0.15])
    """

    def __init__(self, name, records, params=None, snapshots=None, labels=None):
        super().__init__(name, records, params)
        self.snapshots = {} if snapshots is None else dict(snapshots)
        self.labels = labels

    @property
    def noise_stds(self):
        """Sorted noise levels; 0 is the deterministic network."""
        return sorted({r["noise_std"] for r in self.records})

    def series(self, noise_std, layer, key):
        """One column for one network and layer, ordered by epoch.

        Parameters
        ----------
        noise_std : float
            The network's noise level (0: deterministic).
        layer : int
            Hidden-layer index (1-based).
        key : str
            Column name.

        Returns
        -------
        epochs : ndarray of shape (n_checkpoints,)
            The checkpoint epochs, increasing.
        values : float64 ndarray of shape (n_checkpoints,)
            The column's values at those epochs (NaN where missing).
        """
        rows = sorted(self.where(noise_std=noise_std, layer=layer), key=lambda r: r["epoch"])
        return (
            np.array([r["epoch"] for r in rows]),
            np.array([np.nan if r.get(key) is None else r[key] for r in rows], dtype=np.float64),
        )

    def final_errors(self, key="val_error"):
        """Validation error of every network at the last checkpoint.

        Parameters
        ----------
        key : str, default="val_error"
            ``"val_error"`` (noise on, the noisy network as trained) or
            ``"val_error_noise_off"``.

        Returns
        -------
        dict of float to float
            Noise level to error (fraction of misclassified validation inputs).
        """
        last = self.epochs[-1]
        return {s: self.where(noise_std=s, epoch=last)[0][key] for s in self.noise_stds}


def _check_noise_stds(noise_stds):
    if isinstance(noise_stds, numbers.Real):
        noise_stds = [noise_stds]
    values = []
    for value in noise_stds:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"noise_stds must hold real numbers; got {value!r}.")
        if not math.isfinite(float(value)) or value < 0:
            raise ValueError(f"noise_stds must be finite and >= 0; got {value!r}.")
        values.append(float(value))
    if 0.0 not in values:
        raise ValueError(f"noise_stds must include 0, the deterministic reference network; got {values}.")
    if len(set(values)) != len(values):
        raise ValueError(f"noise_stds must not repeat a level; got {values}.")
    return sorted(values)


def _check_pair(value, name):
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2:
        raise ValueError(f"{name} must be a pair of positive integers; got {value!r}.")
    return tuple(check_positive_int(v, name) for v in value)


def _load(dataset, n_samples, data_home, seed):
    """Images (n, 1, h, w) float32 in [0, 1] and int labels."""
    if dataset == "mnist":
        from ..datasets import load_mnist

        return load_mnist(data_home=data_home, n_samples=n_samples, random_state=seed)
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32).reshape(-1, 1, 8, 8)
    y = y.astype(np.int64)
    if n_samples is not None:
        if n_samples > X.shape[0]:
            raise ValueError(f"n_samples must be at most {X.shape[0]} for digits; got {n_samples}.")
        rows = np.sort(check_random_state(seed).choice(X.shape[0], n_samples, replace=False))
        X, y = X[rows], y[rows]
    return X, y


def _build_cnn(
    image_shape, n_classes, *, conv_channels, conv_strides, dense_width, activation, noise_std, generator
):
    """conv -> f -> noise -> conv -> f -> noise -> dense -> f -> noise -> linear output.

    Modules are named (``conv1``, ``act1``, ``noise1`` ...); a noise-free
    network has ``nn.Identity`` in the noise slots, so every network records
    the same names.
    """
    from collections import OrderedDict

    _import_torch()
    from torch import nn

    from ..torch import GaussianNoise

    def noise():
        return GaussianNoise(noise_std, generator=generator) if noise_std > 0 else nn.Identity()

    def act():
        return nn.Tanh() if activation == "tanh" else nn.ReLU()

    channels, height, width = image_shape
    modules = OrderedDict()
    for index, (out_channels, stride) in enumerate(zip(conv_channels, conv_strides, strict=True), start=1):
        modules[f"conv{index}"] = nn.Conv2d(channels, out_channels, 3, stride=stride, padding=1)
        modules[f"act{index}"] = act()
        modules[f"noise{index}"] = noise()
        channels = out_channels
        height, width = (height - 1) // stride + 1, (width - 1) // stride + 1
    modules["flatten"] = nn.Flatten()
    modules["dense"] = nn.Linear(channels * height * width, dense_width)
    modules["act3"] = act()
    modules["noise3"] = noise()
    modules["output"] = nn.Linear(dense_width, n_classes)
    return nn.Sequential(modules)


def _train_epoch(model, optimizer, X, y, batch_size, generator):
    """One pass over shuffled mini-batches, noise on; returns the mean loss (nats)."""
    import torch

    model.train()
    order = torch.randperm(X.shape[0], generator=generator)
    total = 0.0
    for batch in order.split(batch_size):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(X[batch]), y[batch])
        loss.backward()
        optimizer.step()
        total += float(loss.detach()) * len(batch)
    return total / X.shape[0]


def _validation(model, X, y, *, noise, batch_size=2048):
    """Error (fraction) and mean cross-entropy (nats), noise on or off, no autograd."""
    import torch

    from ..torch import deterministic

    model.eval()
    errors, loss = 0, 0.0
    with torch.no_grad(), deterministic(model) if not noise else _nullcontext():
        for start in range(0, X.shape[0], batch_size):
            logits = model(X[start : start + batch_size])
            target = y[start : start + batch_size]
            errors += int((logits.argmax(dim=1) != target).sum())
            loss += float(torch.nn.functional.cross_entropy(logits, target, reduction="sum"))
    return errors / X.shape[0], loss / X.shape[0]


def _nullcontext():
    import contextlib

    return contextlib.nullcontext()


def _representations(model, X):
    """Noise-free activations of the hidden layers, one (n, d_l) float32 array each."""
    from ..torch import record_activations

    recorded = record_activations(model, X, [f"act{index}" for index in range(1, 4)], noise=False)
    return [np.asarray(recorded[f"act{index}"], dtype=np.float32) for index in range(1, 4)]


def _clustering_scores(T, y, value_range, n_bins):
    summary = cosine_similarity_summary(T, y)
    # A layer collapsed onto one point (ReLU at initialisation can do it) has no clusters to score.
    collapsed = np.ptp(T, axis=0).max() == 0.0
    return {
        "cosine_within": float(summary.within_class),
        "cosine_between": float(summary.between_class),
        "cosine_gap": float(summary.gap),
        "silhouette": 0.0 if collapsed else float(silhouette_score(T, y)),
        "binned_entropy": binned_entropy(T, n_bins, value_range=value_range, out_of_range="clip"),
    }


def _replicas(model, X, mi_layers, n_replicas, seed):
    """Pre-noise (m, r, d_l) replica arrays of the chosen layers, noise on."""
    from ..torch import sample_replicas

    names = {f"act{LAYER_NAMES.index(name) + 1}": name for name in mi_layers}
    replicas = sample_replicas(model, X, n_replicas, layers=list(names), random_state=seed)
    return {name: replicas[module] for module, name in names.items()}


def _information(replicas, noise_std, y, n_mc, seed):
    """I(X;T_l), I(Y;T_l) by SP for each layer's replicas, with their errors."""
    rng = np.random.default_rng(seed)
    out = {}
    for name, S in replicas.items():
        S = np.asarray(S, dtype=np.float64)
        # S_1 is a deterministic function of x: one replica gives its entropy exactly.
        layer_input = S[:, 0] if name == "conv1" else S
        est = NoisyMutualInformation(noise_std, n_mc=n_mc, random_state=int(rng.integers(2**31 - 1))).fit(
            layer_input, y
        )
        out[name] = {
            "mi_x": est.mutual_information_,
            "mi_x_se": est.standard_error_,
            # bias_ / label_bias_ arrive with the total-error work; None until then.
            "mi_x_bias": getattr(est, "bias_", None),
            "mi_y": est.label_information_,
            "mi_y_se": est.label_standard_error_,
            "mi_y_bias": getattr(est, "label_bias_", None),
        }
    return out


def _check_run_options(
    dataset,
    activation,
    conv_channels,
    conv_strides,
    dense_width,
    n_epochs,
    n_checkpoints,
    learning_rate,
    batch_size,
    validation_size,
    n_samples,
    n_eval,
    mi_layers,
    n_mi_inputs,
    n_replicas,
    n_mc,
    n_bins,
    n_threads,
):
    if dataset not in ("digits", "mnist"):
        raise ValueError(f"dataset must be 'digits' or 'mnist'; got {dataset!r}.")
    if activation not in ("tanh", "relu"):
        raise ValueError(f"activation must be 'tanh' or 'relu'; got {activation!r}.")
    conv_channels = _check_pair(conv_channels, "conv_channels")
    conv_strides = _check_pair(conv_strides, "conv_strides")
    for value, name in (
        (dense_width, "dense_width"),
        (n_epochs, "n_epochs"),
        (n_checkpoints, "n_checkpoints"),
        (batch_size, "batch_size"),
        (n_mi_inputs, "n_mi_inputs"),
        (n_replicas, "n_replicas"),
        (n_mc, "n_mc"),
        (n_bins, "n_bins"),
    ):
        check_positive_int(value, name)
    if n_threads is not None:
        check_positive_int(n_threads, "n_threads")
    if n_samples is not None:
        check_positive_int(n_samples, "n_samples", minimum=20)
    if n_eval is not None:
        check_positive_int(n_eval, "n_eval", minimum=2)
    if (
        isinstance(learning_rate, bool)
        or not isinstance(learning_rate, numbers.Real)
        or not (math.isfinite(learning_rate) and learning_rate > 0)
    ):
        raise ValueError(f"learning_rate must be a positive finite number; got {learning_rate!r}.")
    if (
        isinstance(validation_size, bool)
        or not isinstance(validation_size, numbers.Real)
        or not (0.0 < validation_size < 1.0)
    ):
        raise ValueError(f"validation_size must be in (0, 1); got {validation_size!r}.")
    mi_layers = (
        () if mi_layers is None else ((mi_layers,) if isinstance(mi_layers, str) else tuple(mi_layers))
    )
    unknown = [name for name in mi_layers if name not in LAYER_NAMES]
    if unknown or len(set(mi_layers)) != len(mi_layers):
        raise ValueError(
            f"mi_layers must be distinct names among {list(LAYER_NAMES)}; got {list(mi_layers)}."
        )
    return conv_channels, conv_strides, mi_layers


def run_cnn(
    *,
    dataset="digits",
    noise_stds=(0.0, 0.05, 0.1, 0.2, 0.4),
    activation="tanh",
    conv_channels=(8, 16),
    conv_strides=(1, 2),
    dense_width=32,
    n_epochs=40,
    n_checkpoints=7,
    learning_rate=1e-3,
    batch_size=32,
    validation_size=0.2,
    n_samples=None,
    n_eval=None,
    mi_layers=("dense",),
    n_mi_inputs=200,
    n_replicas=8,
    n_mc=1,
    n_bins=30,
    data_home=None,
    random_state=0,
    n_threads=1,
    verbose=False,
):
    """Train noisy and deterministic CNNs over a noise sweep and score their representations.

    For every noise level (0 is the deterministic network) a four-layer CNN
    (3x3 convolution, 3x3 convolution, dense hidden layer, linear output; tanh
    or ReLU) with ``T_l = f(S_l) + Z_l``, ``Z_l ~ N(0, noise_std^2 I)`` after
    every hidden layer is trained with Adam on the training split. All
    networks share the initial weights, the mini-batch order and the standard
    normal noise draws (scaled by their ``noise_std``), so they differ by
    their noise level only. At the initialisation (epoch 0) and at log-spaced
    epochs, and for each hidden layer, it records:

    * validation error and cross-entropy with the noise on (the noisy network
      as trained) and off (its deterministic evaluation);
    * on the noise-free representations of the validation inputs: mean
      within-class and between-class cosine similarity and their gap,
      silhouette, H(Bin T), and linear CKA with the deterministic network's
      same layer at the same epoch;
    * for the noisy networks and the layers in ``mi_layers``: I(X;T) and
      I(Y;T) by sample propagation with their standard errors (noise on),
      X uniform over ``n_mi_inputs`` validation inputs.

    Every torch pass (training, validation, representations, replicas) runs
    first and the scores after: PyTorch CPU training interleaved with Numba's
    OpenMP regions ran about 9x slower. The representations of all
    checkpoints are therefore held in memory (float32) until the end.

    Parameters
    ----------
    dataset : {"digits", "mnist"}, default="digits"
        scikit-learn's bundled 8x8 digits (offline), or MNIST via
        :func:`~skinfo.datasets.load_mnist` (downloaded once, then cached).
    noise_stds : sequence of float, default=(0.0, 0.05, 0.1, 0.2, 0.4)
        Noise levels of the sweep, in units of the activations (tanh values
        lie in [-1, 1]); must include 0, the deterministic reference.
    activation : {"tanh", "relu"}, default="tanh"
        Hidden non-linearity.
    conv_channels : (int, int), default=(8, 16)
        Filters of the two convolutions.
    conv_strides : (int, int), default=(1, 2)
        Strides of the two convolutions (padding 1 keeps ``ceil(h / stride)``).
    dense_width : int, default=32
        Units of the dense hidden layer.
    n_epochs : int, default=40
        Training epochs.
    n_checkpoints : int, default=7
        Log-spaced checkpoints in [1, n_epochs], plus the initialisation.
    learning_rate : float, default=1e-3
        Adam step size.
    batch_size : int, default=32
        Mini-batch size.
    validation_size : float, default=0.2
        Share of the data held out for validation (stratified).
    n_samples : int, default=None
        Use a random subset of this many images; ``None`` uses all.
    n_eval : int, default=None
        Validation inputs used for the representation scores (a random
        subset); ``None`` uses the whole validation split.
    mi_layers : sequence of {"conv1", "conv2", "dense"}, default=("dense",)
        Layers whose I(X;T), I(Y;T) are estimated in the noisy networks.
    n_mi_inputs : int, default=200
        Validation inputs forming X for the information estimates (capped at
        the validation size); I(X;T) <= log n_mi_inputs.
    n_replicas : int, default=8
        Noisy passes per input for the information estimates.
    n_mc : int, default=1
        Monte Carlo noise draws per query point.
    n_bins : int, default=30
        Bins per unit for H(Bin T) (over [-1, 1] for tanh, the data's range
        for ReLU).
    data_home : str or path-like, default=None
        The scikit-learn data folder for MNIST.
    random_state : int, default=0
        Seeds the split, subsets, initialisation, batch order, noise and
        estimates: the same seed gives identical records.
    n_threads : int or None, default=1
        Torch threads while training (restored afterwards); ``None`` keeps
        torch's setting. These small networks train fastest on one thread.
    verbose : bool, default=False
        Print one line per checkpoint.

    Returns
    -------
    CNNResult
        Records per (noise level, epoch, layer); information in nats.

    Examples
    --------
    >>> from skinfo.experiments import run_cnn
    >>> result = run_cnn(noise_stds=(0.0, 0.1), n_epochs=2, n_checkpoints=1, n_samples=200,
    ...                  n_mi_inputs=20, n_replicas=2, random_state=0)  # doctest: +SKIP
    >>> result.noise_stds, result.epochs, result.layers  # doctest: +SKIP
    ([0.0, 0.1], [0, 2], [1, 2, 3])
    """
    noise_stds = _check_noise_stds(noise_stds)
    conv_channels, conv_strides, mi_layers = _check_run_options(
        dataset,
        activation,
        conv_channels,
        conv_strides,
        dense_width,
        n_epochs,
        n_checkpoints,
        learning_rate,
        batch_size,
        validation_size,
        n_samples,
        n_eval,
        mi_layers,
        n_mi_inputs,
        n_replicas,
        n_mc,
        n_bins,
        n_threads,
    )
    torch = _import_torch()
    base_seed = int(check_random_state(random_state).randint(2**31 - 1))
    seeds = np.random.SeedSequence(base_seed).generate_state(8)
    X, y = _load(dataset, n_samples, data_home, int(seeds[0]))
    indices = np.arange(X.shape[0])
    train, valid = train_test_split(
        indices, test_size=validation_size, stratify=y, random_state=int(seeds[1])
    )
    valid = np.sort(valid)
    subset_rng = np.random.default_rng(seeds[2])
    evaluation = (
        valid
        if n_eval is None or n_eval >= len(valid)
        else np.sort(subset_rng.choice(valid, n_eval, replace=False))
    )
    mi_rows = np.sort(subset_rng.choice(valid, min(n_mi_inputs, len(valid)), replace=False))
    epochs = [0, *log_spaced_epochs(n_epochs, n_checkpoints).tolist()]
    value_range = (-1.0, 1.0) if activation == "tanh" else None

    tensors = {
        name: torch.from_numpy(np.ascontiguousarray(X[rows]))
        for name, rows in (("train", train), ("valid", valid), ("eval", evaluation), ("mi", mi_rows))
    }
    y_train, y_valid = torch.from_numpy(y[train]), torch.from_numpy(y[valid])
    n_classes = int(y.max()) + 1

    threads = torch.get_num_threads()
    if n_threads is not None:
        torch.set_num_threads(n_threads)
    # Two phases: every torch pass first (training, validation, representations, replicas), then
    # every score. Interleaving them made training ~9x slower here: after a Numba OpenMP region
    # (2 threads) torch's CPU kernels in the same process competed with the spinning OpenMP pool.
    passes = {}
    try:
        for noise_std in noise_stds:
            noise_generator = torch.Generator().manual_seed(int(seeds[3]))
            # Same initial weights and batch order for every network: they differ by their noise only.
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(int(seeds[4]))
                model = _build_cnn(
                    X.shape[1:],
                    n_classes,
                    conv_channels=conv_channels,
                    conv_strides=conv_strides,
                    dense_width=dense_width,
                    activation=activation,
                    noise_std=noise_std,
                    generator=noise_generator,
                )
            order_generator = torch.Generator().manual_seed(int(seeds[5]))
            optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
            train_loss = None
            for epoch in range(n_epochs + 1):
                if epoch in epochs:
                    val_error, val_loss = _validation(model, tensors["valid"], y_valid, noise=True)
                    off_error, off_loss = _validation(model, tensors["valid"], y_valid, noise=False)
                    passes[noise_std, epoch] = {
                        "val_error": val_error,
                        "val_loss": val_loss,
                        "val_error_noise_off": off_error,
                        "val_loss_noise_off": off_loss,
                        "train_loss": train_loss,
                        "layers": _representations(model, tensors["eval"]),
                        "replicas": _replicas(
                            model, tensors["mi"], mi_layers, n_replicas, int(seeds[6]) + epoch
                        )
                        if noise_std > 0 and mi_layers
                        else {},
                    }
                    if verbose:
                        print(
                            f"noise {noise_std:g} epoch {epoch}: validation error {val_error:.4f}", flush=True
                        )
                if epoch < n_epochs:
                    train_loss = _train_epoch(
                        model, optimizer, tensors["train"], y_train, batch_size, order_generator
                    )
    finally:
        torch.set_num_threads(threads)

    records, snapshots = [], {}
    null_information = dict.fromkeys(("mi_x", "mi_x_se", "mi_x_bias", "mi_y", "mi_y_se", "mi_y_bias"))
    for (noise_std, epoch), measured in passes.items():
        if epoch in (epochs[0], epochs[-1]):
            snapshots[noise_std, epoch] = measured["layers"]
        layers = [T.astype(np.float64) for T in measured["layers"]]
        reference = [T.astype(np.float64) for T in passes[0.0, epoch]["layers"]]
        information = _information(measured["replicas"], noise_std, y[mi_rows], n_mc, int(seeds[7]) + epoch)
        fit = {key: value for key, value in measured.items() if key not in ("layers", "replicas")}
        for index, (name, T) in enumerate(zip(LAYER_NAMES, layers, strict=True), start=1):
            records.append(
                {
                    "noise_std": noise_std,
                    "network": "deterministic" if noise_std == 0 else "noisy",
                    "epoch": int(epoch),
                    "layer": index,
                    "layer_name": name,
                    "width": int(T.shape[1]),
                    **fit,
                    **_clustering_scores(T, y[evaluation], value_range, n_bins),
                    "cka": linear_cka(T, reference[index - 1]),
                    **information.get(name, null_information),
                }
            )
    params = {
        "dataset": dataset,
        "noise_stds": ",".join(f"{s:g}" for s in noise_stds),
        "activation": activation,
        "conv_channels": ",".join(map(str, conv_channels)),
        "conv_strides": ",".join(map(str, conv_strides)),
        "dense_width": dense_width,
        "n_epochs": n_epochs,
        "n_checkpoints": len(epochs),
        "learning_rate": learning_rate,
        "batch_size": batch_size,
        "validation_size": validation_size,
        "n_samples": int(X.shape[0]),
        "n_train": int(len(train)),
        "n_validation": int(len(valid)),
        "n_eval": int(len(evaluation)),
        "mi_layers": ",".join(mi_layers),
        "n_mi_inputs": int(len(mi_rows)),
        "n_replicas": n_replicas,
        "n_mc": n_mc,
        "n_bins": n_bins,
        "random_state": random_state if isinstance(random_state, numbers.Integral) else None,
        "log_n_mi_inputs": math.log(len(mi_rows)),
        "log_n_classes": math.log(n_classes),
    }
    return CNNResult("cnn", records, params, snapshots=snapshots, labels=y[evaluation])
