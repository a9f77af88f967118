"""Plots of the convolutional experiment and the information-plane activation histograms."""

import numpy as np

from ..cluster import cosine_similarity_matrix

__all__ = [
    "activation_histograms",
    "plot_activation_histograms",
    "plot_cnn_clustering",
    "plot_cnn_cosine_heatmaps",
    "plot_cnn_information_plane",
    "plot_cnn_validation_error",
]


def _new_figure(width, height):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _layer_label(result, layer):
    rows = result.where(layer=layer)
    name = rows[0].get("layer_name") if rows else None
    return f"T{layer}" if name is None else f"T{layer} ({name})"


def plot_cnn_validation_error(result, *, ax=None):
    """Final validation error against noise level, the deterministic network marked.

    Parameters
    ----------
    result : CNNResult
        Output of :func:`skinfo.experiments.run_cnn`.
    ax : matplotlib Axes, default=None
        Axes to draw on; ``None`` makes a new Figure.

    Returns
    -------
    matplotlib.figure.Figure
        Error (%) with the noise on and off against the noise std; the
        deterministic network (noise 0) as a star and a dashed line.

    Examples
    --------
    >>> from skinfo.experiments import CNNResult
    >>> from skinfo.plotting import plot_cnn_validation_error
    >>> records = [{"noise_std": s, "epoch": 5, "layer": 1, "val_error": 0.03 + s / 10,
    ...             "val_error_noise_off": 0.03} for s in (0.0, 0.1, 0.2)]
    >>> fig = plot_cnn_validation_error(CNNResult("demo", records))
    >>> len(fig.axes)
    1
    """
    if ax is None:
        fig = _new_figure(5.5, 4.0)
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    on = result.final_errors("val_error")
    off = result.final_errors("val_error_noise_off")
    noisy = [s for s in result.noise_stds if s > 0]
    ax.plot(noisy, [100 * on[s] for s in noisy], "o-", color="C0", label="noisy network (noise on)")
    ax.plot(
        noisy, [100 * off[s] for s in noisy], "s--", color="C1", mfc="none", label="noisy network, noise off"
    )
    if 0.0 in on:
        ax.axhline(100 * on[0.0], color="black", ls=":", lw=1)
        ax.plot([0.0], [100 * on[0.0]], "*", color="black", ms=13, label="deterministic (noise 0)")
    ax.set_xlabel("noise std")
    ax.set_ylabel("validation error [%]")
    ax.set_title(f"Validation error at epoch {result.epochs[-1]}")
    ax.legend(fontsize=8)
    return fig


def plot_cnn_cosine_heatmaps(result, noise_std=None, *, max_inputs=300, random_state=0):
    """Class-sorted cosine-similarity matrices per layer: noisy and deterministic, first and last epoch.

    Parameters
    ----------
    result : CNNResult
        Output of :func:`skinfo.experiments.run_cnn` (its ``snapshots``).
    noise_std : float, default=None
        The noisy network shown; ``None`` takes the level with the lowest
        final validation error among the noisy ones.
    max_inputs : int, default=300
        Inputs drawn (without replacement, then class-sorted) per matrix.
    random_state : int, default=0
        Seeds the subsample (the same inputs in every panel).

    Returns
    -------
    matplotlib.figure.Figure
        Rows: noisy and deterministic network at the first and last
        snapshot epoch; columns: hidden layers.

    Examples
    --------
    >>> import numpy as np
    >>> from skinfo.experiments import CNNResult
    >>> from skinfo.plotting import plot_cnn_cosine_heatmaps
    >>> rng = np.random.default_rng(0)
    >>> snapshots = {(s, e): [rng.normal(size=(8, 3))] for s in (0.0, 0.1) for e in (0, 5)}
    >>> records = [{"noise_std": s, "epoch": e, "layer": 1, "val_error": 0.1}
    ...            for s in (0.0, 0.1) for e in (0, 5)]
    >>> result = CNNResult("demo", records, snapshots=snapshots, labels=np.repeat([0, 1], 4))
    >>> len(plot_cnn_cosine_heatmaps(result).axes)  # 4 heatmaps and a colorbar
    5
    """
    if not result.snapshots:
        raise ValueError("result has no representation snapshots to plot.")
    if noise_std is None:
        errors = {s: e for s, e in result.final_errors().items() if s > 0}
        if not errors:
            raise ValueError("result has no noisy network (noise_std > 0) to plot.")
        noise_std = min(errors, key=errors.get)
    snapshot_epochs = sorted({epoch for level, epoch in result.snapshots if level == noise_std})
    if not snapshot_epochs:
        raise ValueError(f"result has no snapshots of the network with noise_std={noise_std}.")
    panels = [(noise_std, epoch) for epoch in snapshot_epochs]
    panels += [(0.0, epoch) for epoch in snapshot_epochs if (0.0, epoch) in result.snapshots]
    n_layers = len(result.snapshots[panels[0]])
    labels = np.asarray(result.labels)
    rows = np.arange(labels.shape[0])
    if rows.shape[0] > max_inputs:
        rows = np.random.default_rng(random_state).choice(rows, size=max_inputs, replace=False)
    fig = _new_figure(3.0 * n_layers + 0.8, 2.9 * len(panels))
    image = None
    for i, (level, epoch) in enumerate(panels):
        for layer in range(1, n_layers + 1):
            similarity, sorted_labels, _ = cosine_similarity_matrix(
                result.snapshots[level, epoch][layer - 1][rows], labels[rows], max_samples=rows.shape[0]
            )
            ax = fig.add_subplot(len(panels), n_layers, i * n_layers + layer)
            image = ax.imshow(similarity, vmin=-1, vmax=1, cmap="RdBu_r", interpolation="nearest")
            for boundary in np.searchsorted(sorted_labels, np.unique(sorted_labels)[1:]):
                ax.axhline(boundary - 0.5, color="black", lw=0.4)
                ax.axvline(boundary - 0.5, color="black", lw=0.4)
            network = "deterministic" if level == 0 else f"noise {level:g}"
            ax.set_title(f"{_layer_label(result, layer)}, {network}, epoch {epoch}", fontsize=8)
            ax.set_xticks([])
            ax.set_yticks([])
    fig.colorbar(image, ax=fig.axes, label="cosine similarity", shrink=0.6)
    return fig


def plot_cnn_clustering(result, *, keys=("cosine_gap", "silhouette", "cka")):
    """Clustering scores against epoch: one panel per (score, layer), one line per noise level.

    Parameters
    ----------
    result : CNNResult
        Output of :func:`skinfo.experiments.run_cnn`.
    keys : sequence of str, default=("cosine_gap", "silhouette", "cka")
        Columns to draw, one row of panels each.

    Returns
    -------
    matplotlib.figure.Figure
        Scores against epoch (symlog axis, epoch 0 is the initialisation);
        the deterministic network in black.

    Examples
    --------
    >>> from skinfo.experiments import CNNResult
    >>> from skinfo.plotting import plot_cnn_clustering
    >>> records = [{"noise_std": s, "epoch": e, "layer": 1, "cosine_gap": 0.1 * e, "silhouette": 0.0,
    ...             "cka": 1.0} for s in (0.0, 0.1) for e in (0, 1, 5)]
    >>> len(plot_cnn_clustering(CNNResult("demo", records)).axes)
    3
    """
    from matplotlib import colormaps

    layers = result.layers
    fig = _new_figure(3.2 * len(layers), 2.5 * len(keys))
    noisy = [s for s in result.noise_stds if s > 0]
    cmap = colormaps["viridis"]
    for row, key in enumerate(keys):
        for column, layer in enumerate(layers):
            ax = fig.add_subplot(len(keys), len(layers), row * len(layers) + column + 1)
            for level in result.noise_stds:
                epochs, values = result.series(level, layer, key)
                if level == 0:
                    ax.plot(epochs, values, "k*-", lw=1.6, ms=5, label="deterministic", zorder=3)
                else:
                    color = cmap(noisy.index(level) / max(len(noisy) - 1, 1) * 0.85)
                    ax.plot(epochs, values, "o-", color=color, lw=1, ms=3, label=f"noise {level:g}")
            ax.set_xscale("symlog", linthresh=1)
            ax.set_title(f"{_layer_label(result, layer)}: {key}", fontsize=9)
            if row == len(keys) - 1:
                ax.set_xlabel("epoch")
            if row == 0 and column == 0:
                ax.legend(fontsize=7)
    return fig


def plot_cnn_information_plane(result, *, layers=None):
    """I(Y;T) against I(X;T) of the noisy networks' estimated layers, coloured by epoch.

    Parameters
    ----------
    result : CNNResult
        Output of :func:`skinfo.experiments.run_cnn`.
    layers : sequence of int, default=None
        Hidden layers (1-based) to draw; ``None``: every layer with estimates.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per noise level; the bounds log(n inputs) and log(n
        classes) dashed when the result's params give them.

    Examples
    --------
    >>> from skinfo.experiments import CNNResult
    >>> from skinfo.plotting import plot_cnn_information_plane
    >>> records = [{"noise_std": 0.1, "epoch": e, "layer": 3, "mi_x": 4.0 + e / 10, "mi_y": 1.0 + e / 10}
    ...            for e in (0, 1, 5)]
    >>> len(plot_cnn_information_plane(CNNResult("demo", records)).axes)  # a panel and its colorbar
    2
    """
    from matplotlib.colors import Normalize

    levels = [
        s for s in result.noise_stds if any(r.get("mi_x") is not None for r in result.where(noise_std=s))
    ]
    if not levels:
        raise ValueError("result has no I(X;T) estimates to plot (mi_layers was empty).")
    if layers is None:
        layers = [
            layer
            for layer in result.layers
            if any(r.get("mi_x") is not None for r in result.where(layer=layer))
        ]
    epochs = np.array(result.epochs)
    norm = Normalize(vmin=np.log1p(epochs.min()), vmax=np.log1p(max(epochs.max(), 1)))
    fig = _new_figure(3.4 * len(levels) + 0.8, 3.4)
    scatter = None
    for k, level in enumerate(levels):
        ax = fig.add_subplot(1, len(levels), k + 1)
        for marker, layer in zip("osD^", layers, strict=False):
            ep, mi_x = result.series(level, layer, "mi_x")
            _, mi_y = result.series(level, layer, "mi_y")
            ax.plot(mi_x, mi_y, color="grey", lw=0.8, zorder=1)
            scatter = ax.scatter(
                mi_x,
                mi_y,
                c=np.log1p(ep),
                norm=norm,
                cmap="viridis",
                marker=marker,
                s=22,
                zorder=2,
                label=_layer_label(result, layer),
            )
        if "log_n_mi_inputs" in result.params:
            ax.axvline(result.params["log_n_mi_inputs"], color="k", ls="--", lw=0.8)
        if "log_n_classes" in result.params:
            ax.axhline(result.params["log_n_classes"], color="k", ls=":", lw=0.8)
        ax.set_xlabel("I(X;T) [nats]")
        if k == 0:
            ax.set_ylabel("I(Y;T) [nats]")
            ax.legend(fontsize=7, loc="lower right")
        ax.set_title(f"noise std {level:g}", fontsize=9)
    fig.colorbar(scatter, ax=fig.axes, label="log(1 + epoch)")
    return fig


def activation_histograms(result, *, n_bins=100, value_range=(-1.0, 1.0)):
    """Each hidden layer's pooled neuron values at every checkpoint, as histograms.

    The activations are recomputed from the trained network's checkpoints
    (``result.model``) on all 4096 SZT inputs, noise-free; every neuron of a
    layer is pooled into one histogram, as in Shwartz-Ziv & Tishby's figure.

    Parameters
    ----------
    result : InfoPlaneResult
        Output of :func:`skinfo.experiments.run_info_plane` (its ``model``).
    n_bins : int, default=100
        Equal bins over ``value_range``.
    value_range : (float, float) or None, default=(-1.0, 1.0)
        Range of the bins; values outside fall into the edge bins. ``None``
        uses the range of all layers and checkpoints.

    Returns
    -------
    epochs : int64 ndarray of shape (n_checkpoints,)
        The checkpoint epochs.
    edges : ndarray of shape (n_bins + 1,)
        Bin edges.
    counts : ndarray of shape (n_layers, n_checkpoints, n_bins)
        Share of the layer's (input, neuron) values in each bin (each
        histogram sums to 1).

    Examples
    --------
    >>> from skinfo.experiments import run_info_plane
    >>> from skinfo.plotting import activation_histograms
    >>> result = run_info_plane(n_epochs=3, n_checkpoints=2, n_replicas=1, random_state=0)  # doctest: +SKIP
    >>> epochs, edges, counts = activation_histograms(result)  # doctest: +SKIP
    >>> counts.shape  # doctest: +SKIP
    (5, 2, 100)
    """
    from ..datasets import load_szt

    if getattr(result, "model", None) is None:
        raise ValueError("result has no trained model (result.model); run run_info_plane to get one.")
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)) or n_bins < 1:
        raise ValueError(f"n_bins must be a positive integer; got {n_bins!r}.")
    X = load_szt()[0].astype(np.float64)
    model = result.model
    epochs = np.asarray(model.checkpoint_epochs_, dtype=np.int64)
    per_epoch = []
    for epoch in epochs:
        A, layers = X, []
        for layer in model.layers(int(epoch)):
            A = layer(A)
            layers.append(A.ravel())
        per_epoch.append(layers)
    if value_range is None:
        values = np.concatenate([v for layers in per_epoch for v in layers])
        value_range = (
            float(values.min()),
            float(values.max()) if values.max() > values.min() else values.min() + 1,
        )
    low, high = map(float, value_range)
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError(f"value_range must be finite (low, high) with low < high; got {value_range!r}.")
    edges = np.linspace(low, high, n_bins + 1)
    n_layers = len(per_epoch[0])
    counts = np.zeros((n_layers, len(epochs), n_bins))
    for k, layers in enumerate(per_epoch):
        for layer, values in enumerate(layers):
            codes = np.clip(((values - low) / (high - low) * n_bins).astype(np.int64), 0, n_bins - 1)
            counts[layer, k] = np.bincount(codes, minlength=n_bins) / values.size
    return epochs, edges, counts


def plot_activation_histograms(result, *, n_bins=100, value_range=(-1.0, 1.0)):
    """Per-layer activation histograms over the log epoch axis (Shwartz-Ziv & Tishby's top row).

    Parameters
    ----------
    result : InfoPlaneResult
        Output of :func:`skinfo.experiments.run_info_plane` (its ``model``).
    n_bins : int, default=100
        Bins over ``value_range``.
    value_range : (float, float) or None, default=(-1.0, 1.0)
        Range of the bins (see :func:`activation_histograms`).

    Returns
    -------
    matplotlib.figure.Figure
        One panel per hidden layer: activation value against epoch (log
        axis), colour the log share of values in the bin.

    Examples
    --------
    >>> from skinfo.experiments import run_info_plane
    >>> from skinfo.plotting import plot_activation_histograms
    >>> result = run_info_plane(n_epochs=3, n_checkpoints=2, n_replicas=1, random_state=0)  # doctest: +SKIP
    >>> len(plot_activation_histograms(result).axes)  # doctest: +SKIP
    6
    """
    from matplotlib.colors import LogNorm

    epochs, edges, counts = activation_histograms(result, n_bins=n_bins, value_range=value_range)
    n_layers = counts.shape[0]
    fig = _new_figure(2.6 * n_layers + 0.8, 3.0)
    # Columns centred on each checkpoint on a log axis; epoch 0 (if any) is drawn at 0.5.
    x = np.maximum(epochs.astype(np.float64), 0.5)
    if x.size > 1:
        mids = np.sqrt(x[:-1] * x[1:])
        x_edges = np.concatenate([[x[0] ** 2 / mids[0]], mids, [x[-1] ** 2 / mids[-1]]])
    else:
        x_edges = np.array([x[0] / 1.5, x[0] * 1.5])
    positive = counts[counts > 0]
    norm = LogNorm(vmin=positive.min() if positive.size else 1e-6, vmax=1.0)
    mesh = None
    for layer in range(n_layers):
        ax = fig.add_subplot(1, n_layers, layer + 1)
        shares = np.ma.masked_equal(counts[layer].T, 0.0)
        mesh = ax.pcolormesh(x_edges, edges, shares, norm=norm, cmap="magma_r", shading="flat")
        ax.set_xscale("log")
        ax.set_title(f"T{layer + 1}", fontsize=9)
        ax.set_xlabel("epoch")
        if layer == 0:
            ax.set_ylabel("activation value")
    fig.colorbar(mesh, ax=fig.axes, label="share of values")
    return fig
