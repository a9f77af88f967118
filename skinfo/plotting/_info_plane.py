"""Plots of the information-plane experiment."""

import numpy as np

from ..cluster import cosine_similarity_matrix

__all__ = [
    "plot_cosine_heatmaps",
    "plot_information_plane",
    "plot_layer_curves",
    "plot_layer_scatter",
]


def _new_figure(width, height):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def plot_information_plane(result, *, layers=None, ax=None):
    """I(Y;T_l) against I(X;T_l), one curve per layer, points coloured by epoch.

    Parameters
    ----------
    result : InfoPlaneResult
        Output of :func:`skinfo.experiments.run_info_plane`.
    layers : sequence of int, default=None
        Hidden layers (1-based) to draw; ``None`` draws all.
    ax : matplotlib Axes, default=None
        Axes to draw on; ``None`` makes a new Figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the plot.

    Examples
    --------
    >>> from skinfo.experiments import InfoPlaneResult
    >>> from skinfo.plotting import plot_information_plane
    >>> records = [{"epoch": e, "layer": layer, "mi_x": 8.0 - 0.5 * k * layer, "mi_y": 0.1 * k}
    ...            for layer in (1, 2) for k, e in enumerate((1, 10, 100))]
    >>> fig = plot_information_plane(InfoPlaneResult("demo", records, {"noise_std": 0.01}))
    >>> len(fig.axes)  # the plane and its epoch colorbar
    2
    """
    from matplotlib import colormaps
    from matplotlib.colors import LogNorm

    if ax is None:
        fig = _new_figure(6.5, 4.5)
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    epochs = np.array(result.epochs)
    norm = LogNorm(vmin=max(epochs.min(), 1), vmax=max(epochs.max(), 2))
    cmap = colormaps["viridis"]
    scatter = None
    for layer in layers or result.layers:
        ep, mi_x = result.series(layer, "mi_x")
        _, mi_y = result.series(layer, "mi_y")
        ax.plot(mi_x, mi_y, color="grey", lw=0.8, zorder=1)
        scatter = ax.scatter(mi_x, mi_y, c=np.maximum(ep, 1), cmap=cmap, norm=norm, s=18, zorder=2)
        ax.annotate(f"T{layer}", (mi_x[-1], mi_y[-1]), textcoords="offset points", xytext=(4, -10),
                    fontsize=8)
    if scatter is not None:
        fig.colorbar(scatter, ax=ax, label="epoch")
    ax.set_xlabel("I(X;T) [nats]")
    ax.set_ylabel("I(Y;T) [nats]")
    ax.set_title(f"Information plane ({result.name}, noise std {result.params.get('noise_std')})")
    return fig


def plot_layer_curves(result, *, layers=None):
    """I(X;T_l) (SP, with ±2 SE band) and H(Bin T_l) against epoch on a log axis.

    Parameters
    ----------
    result : InfoPlaneResult
        Output of :func:`skinfo.experiments.run_info_plane`.
    layers : sequence of int, default=None
        Hidden layers (1-based) to draw; ``None`` draws all.

    Returns
    -------
    matplotlib.figure.Figure
        Two panels: I(X;T_l) and H(Bin T_l), one curve per layer.

    Examples
    --------
    >>> from skinfo.experiments import InfoPlaneResult
    >>> from skinfo.plotting import plot_layer_curves
    >>> records = [{"epoch": e, "layer": layer, "mi_x": 8.0 - 0.5 * k * layer, "mi_x_se": 0.01,
    ...             "binned_entropy": 7.0 - k} for layer in (1, 2) for k, e in enumerate((1, 10, 100))]
    >>> fig = plot_layer_curves(InfoPlaneResult("demo", records))
    >>> len(fig.axes), fig.axes[0].get_xscale()
    (2, 'log')
    """
    fig = _new_figure(10.0, 4.0)
    left, right = fig.subplots(1, 2, sharey=True)
    for layer in layers or result.layers:
        ep, mi = result.series(layer, "mi_x")
        _, se = result.series(layer, "mi_x_se")
        _, binned = result.series(layer, "binned_entropy")
        color = f"C{(layer - 1) % 10}"
        left.plot(ep, mi, color=color, marker=".", label=f"T{layer}")
        left.fill_between(ep, mi - 2 * se, mi + 2 * se, color=color, alpha=0.2, lw=0)
        right.plot(ep, binned, color=color, marker=".", label=f"T{layer}")
    log_m = result.params.get("log_n_inputs")
    for ax, title in ((left, "I(X;T) by sample propagation"), (right, "H(Bin T) of noise-free activations")):
        ax.set_xscale("log")
        ax.set_xlabel("epoch")
        ax.set_title(title)
        if log_m:
            ax.axhline(log_m, color="grey", ls=":", lw=0.8)
    left.set_ylabel("nats")
    left.legend(frameon=False, fontsize=8)
    return fig


def plot_layer_scatter(result, layer=None, *, epochs=None):
    """Noise-free activations of a 2-D or 3-D layer coloured by label, at snapshot epochs.

    Parameters
    ----------
    result : InfoPlaneResult
        Output of :func:`skinfo.experiments.run_info_plane` (its ``snapshots``).
    layer : int, default=None
        Hidden layer (1-based) of width 2 or 3; ``None`` takes the last one
        of such width.
    epochs : sequence of int, default=None
        Snapshot epochs to draw; ``None`` draws all snapshots.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per epoch.

    Examples
    --------
    >>> import numpy as np
    >>> from skinfo.experiments import InfoPlaneResult
    >>> from skinfo.plotting import plot_layer_scatter
    >>> rng = np.random.default_rng(0)
    >>> snapshots = {e: [rng.uniform(-1, 1, size=(8, w)) for w in (4, 2)] for e in (1, 100)}
    >>> result = InfoPlaneResult("demo", [], snapshots=snapshots, labels=np.repeat([0, 1], 4))
    >>> fig = plot_layer_scatter(result)  # layer 2, the last of width 2 or 3
    >>> [ax.get_title() for ax in fig.axes]
    ['T2, epoch 1', 'T2, epoch 100']
    """
    if not result.snapshots:
        raise ValueError("result has no activation snapshots to plot.")
    epochs = sorted(result.snapshots) if epochs is None else list(epochs)
    missing = [e for e in epochs if e not in result.snapshots]
    if missing:
        raise ValueError(f"epochs {missing} have no snapshot; snapshots are {sorted(result.snapshots)}.")
    widths = [a.shape[1] for a in result.snapshots[epochs[0]]]
    if layer is None:
        candidates = [i + 1 for i, w in enumerate(widths) if w in (2, 3)]
        if not candidates:
            raise ValueError(f"no hidden layer has width 2 or 3; widths are {widths}.")
        layer = candidates[-1]
    if not 1 <= layer <= len(widths) or widths[layer - 1] not in (2, 3):
        raise ValueError(f"layer must index a hidden layer of width 2 or 3; got {layer} (widths {widths}).")
    dims = widths[layer - 1]
    fig = _new_figure(4.0 * len(epochs), 4.0)
    labels = np.asarray(result.labels)
    for k, epoch in enumerate(epochs):
        T = result.snapshots[epoch][layer - 1]
        ax = fig.add_subplot(1, len(epochs), k + 1, projection="3d" if dims == 3 else None)
        for code, color in zip(np.unique(labels), ("C0", "C3", "C2", "C1"), strict=False):
            rows = labels == code
            ax.scatter(*T[rows].T, s=3, alpha=0.5, color=color, label=f"y={code}")
        ax.set_title(f"T{layer}, epoch {epoch}")
        if k == 0:
            ax.legend(frameon=False, markerscale=3)
    return fig


def plot_cosine_heatmaps(result, layer=None, *, epochs=None, max_inputs=512, random_state=0):
    """Class-sorted cosine-similarity matrices of a layer's activations at snapshot epochs.

    Parameters
    ----------
    result : InfoPlaneResult
        Output of :func:`skinfo.experiments.run_info_plane` (its ``snapshots``).
    layer : int, default=None
        Hidden layer (1-based); ``None`` takes the last one.
    epochs : sequence of int, default=None
        Snapshot epochs; ``None`` draws all snapshots.
    max_inputs : int, default=512
        Inputs drawn (without replacement, kept class-sorted) so the matrix
        stays small.
    random_state : int, default=0
        Seeds the subsample.

    Returns
    -------
    matplotlib.figure.Figure
        One heatmap per epoch, inputs sorted by class.

    Examples
    --------
    >>> import numpy as np
    >>> from skinfo.experiments import InfoPlaneResult
    >>> from skinfo.plotting import plot_cosine_heatmaps
    >>> rng = np.random.default_rng(0)
    >>> snapshots = {e: [rng.uniform(-1, 1, size=(8, w)) for w in (4, 2)] for e in (1, 100)}
    >>> result = InfoPlaneResult("demo", [], snapshots=snapshots, labels=np.repeat([0, 1], 4))
    >>> fig = plot_cosine_heatmaps(result)
    >>> len(fig.axes)  # two heatmaps and the shared colorbar
    3
    """
    if not result.snapshots:
        raise ValueError("result has no activation snapshots to plot.")
    epochs = sorted(result.snapshots) if epochs is None else list(epochs)
    n_layers = len(result.snapshots[epochs[0]])
    layer = n_layers if layer is None else layer
    if not 1 <= layer <= n_layers:
        raise ValueError(f"layer must be in [1, {n_layers}]; got {layer}.")
    labels = np.asarray(result.labels)
    rng = np.random.default_rng(random_state)
    rows = np.arange(labels.shape[0])
    if rows.shape[0] > max_inputs:
        rows = rng.choice(rows, size=max_inputs, replace=False)
    fig = _new_figure(3.6 * len(epochs), 3.4)
    image = None
    for k, epoch in enumerate(epochs):
        similarity, sorted_labels, _ = cosine_similarity_matrix(
            result.snapshots[epoch][layer - 1][rows], labels[rows], max_samples=max(rows.shape[0], 1)
        )
        ax = fig.add_subplot(1, len(epochs), k + 1)
        image = ax.imshow(similarity, vmin=-1, vmax=1, cmap="RdBu_r", interpolation="nearest")
        boundary = np.searchsorted(sorted_labels, np.unique(sorted_labels)[1:])
        for b in boundary:
            ax.axhline(b - 0.5, color="black", lw=0.6)
            ax.axvline(b - 0.5, color="black", lw=0.6)
        ax.set_title(f"T{layer} cosine, epoch {epoch}")
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(image, ax=fig.axes, shrink=0.8, label="cosine similarity")
    return fig
