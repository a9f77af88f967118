"""Plots of the information-plane experiment."""

import numpy as np

from ..cluster import cosine_similarity_matrix
from ._columns import ResultTable, epoch_axis, layer_label, split_layers

__all__ = [
    "plot_cosine_heatmaps",
    "plot_information_plane",
    "plot_layer_curves",
    "plot_layer_scatter",
]


def _new_figure(width, height):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def plot_information_plane(result, *, layers=None, error_bars=False, ax=None):
    """I(Y;T_l) against I(X;T_l), one curve per layer, points coloured by epoch.

    Reads the columns ``epoch``, ``layer``, ``mi_x``, ``mi_y`` and, when
    present, ``mi_x_se``, ``mi_y_se``, ``mi_x_bias``, ``mi_y_bias`` (see the
    column table in :mod:`skinfo.plotting`). With bias columns the
    bias-corrected values are drawn.

    Parameters
    ----------
    result : ExperimentResult
        Any result with those columns: :func:`skinfo.experiments.run_info_plane`,
        :class:`skinfo.InfoPlaneRecorder`'s ``result_``, or
        :func:`skinfo.parallel.estimate_many` with ``key_names=("epoch",
        "layer")``.
    layers : sequence of (int or str), dict, or None, default=None
        Layers to draw (values of the ``layer`` column); a dict maps each to
        the label drawn next to its curve. ``None`` draws all.
    error_bars : bool, default=False
        Draw +-2 standard errors in both directions (from ``mi_x_se`` and
        ``mi_y_se``, where present).
    ax : matplotlib Axes, default=None
        Axes to draw on; ``None`` makes a new Figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the plot. Epochs are coloured on a log scale
        (symmetric-log when epoch 0 is present, so it keeps its colour).

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
    from matplotlib.colors import LogNorm, SymLogNorm

    table = ResultTable(result, ("epoch", "layer", "mi_x", "mi_y"), "plot_information_plane")
    chosen, labels = split_layers(layers)
    if ax is None:
        fig = _new_figure(6.5, 4.5)
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    epochs = np.array([r["epoch"] for r in table.records], dtype=np.float64)
    if epochs.min() <= 0:
        norm = SymLogNorm(linthresh=1.0, linscale=0.5, vmin=0.0, vmax=max(epochs.max(), 1.0))
    else:
        norm = LogNorm(vmin=epochs.min(), vmax=max(epochs.max(), epochs.min() + 1))
    cmap = colormaps["viridis"]
    scatter = None
    corrected = False
    for k, layer in enumerate(table.layers(chosen)):
        rows = table.rows(layer)
        ep = np.array([r["epoch"] for r in rows])
        mi_x, se_x, corrected_x = table.information(rows, "mi_x")
        mi_y, se_y, corrected_y = table.information(rows, "mi_y")
        corrected = corrected or corrected_x or corrected_y
        if error_bars and (se_x is not None or se_y is not None):
            ax.errorbar(
                mi_x,
                mi_y,
                xerr=None if se_x is None else 2 * se_x,
                yerr=None if se_y is None else 2 * se_y,
                fmt="none",
                ecolor=f"C{k % 10}",
                elinewidth=0.8,
                alpha=0.6,
                zorder=1,
            )
        ax.plot(mi_x, mi_y, color="grey", lw=0.8, zorder=1)
        scatter = ax.scatter(mi_x, mi_y, c=ep, cmap=cmap, norm=norm, s=18, zorder=2)
        ax.annotate(
            layer_label(layer, labels),
            (mi_x[-1], mi_y[-1]),
            textcoords="offset points",
            xytext=(4, -10),
            fontsize=8,
        )
    if scatter is not None:
        fig.colorbar(scatter, ax=ax, label="epoch")
    suffix = " (bias-corrected)" if corrected else ""
    ax.set_xlabel(f"I(X;T) [nats]{suffix}")
    ax.set_ylabel(f"I(Y;T) [nats]{suffix}")
    noise = getattr(result, "params", {}).get("noise_std")
    title = f"Information plane ({result.name}"
    ax.set_title(title + (f", noise std {noise})" if isinstance(noise, (int, float)) else ")"))
    return fig


_CURVE_TITLES = {
    "mi_x": ("I(X;T) by sample propagation", "nats"),
    "mi_y": ("I(Y;T) by sample propagation", "nats"),
    "binned_entropy": ("H(Bin T) of noise-free activations", "nats"),
    "silhouette": ("silhouette by label", "score"),
    "cosine_gap": ("cosine gap (within - between class)", "score"),
}


def plot_layer_curves(result, *, layers=None, panels=("mi_x", "binned_entropy"), x="epoch", xscale=None):
    """Per-layer curves against epoch (or any column): I(X;T_l) with +-2 SE band, H(Bin T_l), ...

    Reads ``epoch``, ``layer`` and the columns named in ``panels`` (see the
    column table in :mod:`skinfo.plotting`); information columns are drawn
    bias-corrected when a ``*_bias`` column exists, with a +-2 SE band from
    ``*_se`` when present.

    Parameters
    ----------
    result : ExperimentResult
        Any result with ``epoch``, ``layer`` and at least one panel's column
        (experiments, :class:`skinfo.InfoPlaneRecorder`,
        :func:`skinfo.parallel.estimate_many` with ``key_names=("epoch",
        "layer")``).
    layers : sequence of (int or str), dict, or None, default=None
        Layers to draw; a dict maps each to its legend label. ``None``: all.
    panels : sequence of str, default=("mi_x", "binned_entropy")
        Columns among ``"mi_x"``, ``"mi_y"``, ``"binned_entropy"``,
        ``"silhouette"``, ``"cosine_gap"``: one panel each, left to right; a
        column the result lacks drops its panel.
    x : str, default="epoch"
        Column on the horizontal axis: ``"epoch"``, ``"mi_x"`` (scores
        against I(X;T), bias-corrected when possible) or any numeric column
        (e.g. a key of :func:`skinfo.parallel.estimate_many`).
    xscale : str, default=None
        Horizontal scale; ``None``: logarithmic for epochs (symmetric-log
        when epoch 0 is present), linear otherwise.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per available column.

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
    unknown = [p for p in panels if p not in _CURVE_TITLES]
    if unknown:
        raise ValueError(f"panels {unknown!r} are unknown; choose from {list(_CURVE_TITLES)!r}.")
    table = ResultTable(result, (x, "layer"), "plot_layer_curves")
    available = [p for p in panels if table.has(p) and p != x]
    if not available:
        raise ValueError(
            f"the result has none of the columns {list(panels)!r}; its columns are {table.columns()!r}."
        )
    chosen, labels = split_layers(layers)
    fig = _new_figure(5.0 * len(available), 4.0)
    axes = fig.subplots(1, len(available), squeeze=False)[0]
    nats_axes = [ax for ax, key in zip(axes, available, strict=True) if key in ("mi_x", "binned_entropy")]
    for other in nats_axes[1:]:
        other.sharey(nats_axes[0])
    all_x = []
    for k, layer in enumerate(table.layers(chosen)):
        if x in ("mi_x", "mi_y"):
            # A trajectory: points joined in epoch order when there are epochs.
            rows = table.rows(layer, by="epoch" if table.has("epoch") else table.key(x))
            ep = table.information(rows, x)[0]
        else:
            rows = table.rows(layer, by=table.key(x))
            ep = table.values(rows, x)
        all_x.extend(ep.tolist())
        color = f"C{k % 10}"
        label = layer_label(layer, labels)
        for ax, key in zip(axes, available, strict=True):
            if key in ("mi_x", "mi_y"):
                values, se, _ = table.information(rows, key)
                if se is not None:
                    ax.fill_between(ep, values - 2 * se, values + 2 * se, color=color, alpha=0.2, lw=0)
            else:
                values = table.values(rows, key)
            ax.plot(ep, values, color=color, marker=".", label=label)
    log_m = getattr(result, "params", {}).get("log_n_inputs")
    for ax, key in zip(axes, available, strict=True):
        title, unit = _CURVE_TITLES[key]
        if key in ("mi_x", "mi_y") and table.has(f"{key}_bias"):
            title += " (bias-corrected)"
        if xscale is not None:
            ax.set_xscale(xscale)
        elif x == "epoch":
            epoch_axis(ax, all_x)
        ax.set_xlabel({"epoch": "epoch", "mi_x": "I(X;T) [nats]", "mi_y": "I(Y;T) [nats]"}.get(x, x))
        ax.set_title(title, fontsize=10)
        ax.set_ylabel(unit)
        if log_m and key in ("mi_x", "binned_entropy") and x != "mi_x":
            ax.axhline(log_m, color="grey", ls=":", lw=0.8)
    axes[0].legend(frameon=False, fontsize=8)
    return fig


def _snapshot_layers(result, epochs):
    """``{layer: activations}`` of the first epoch: lists are 1-based layers, dicts keep their labels."""
    snapshots = getattr(result, "snapshots", None)
    if not snapshots:
        raise ValueError(
            "result has no activation snapshots to plot (run_info_plane keeps some; "
            "InfoPlaneRecorder keeps them with snapshot_epochs=...)."
        )
    epochs = sorted(snapshots) if epochs is None else list(epochs)
    missing = [e for e in epochs if e not in snapshots]
    if missing:
        raise ValueError(f"epochs {missing} have no snapshot; snapshots are {sorted(snapshots)}.")
    return epochs, [_as_layer_dict(snapshots[e]) for e in epochs]


def _as_layer_dict(snapshot):
    if isinstance(snapshot, dict):
        return {layer: np.asarray(T) for layer, T in snapshot.items()}
    return {index + 1: np.asarray(T) for index, T in enumerate(snapshot)}


def plot_layer_scatter(result, layer=None, *, epochs=None):
    """Noise-free activations of a 2-D or 3-D layer coloured by label, at snapshot epochs.

    Parameters
    ----------
    result : InfoPlaneResult
        A result with ``snapshots`` and ``labels``:
        :func:`skinfo.experiments.run_info_plane`, or
        :class:`skinfo.InfoPlaneRecorder` with ``snapshot_epochs``.
    layer : int or str, default=None
        Layer of width 2 or 3: 1-based index for the experiments' list
        snapshots, the layer label for the recorder's. ``None`` takes the
        last one of such width.
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
    epochs, snapshots = _snapshot_layers(result, epochs)
    widths = {key: T.reshape(T.shape[0], -1).shape[1] for key, T in snapshots[0].items()}
    if layer is None:
        candidates = [key for key, w in widths.items() if w in (2, 3)]
        if not candidates:
            raise ValueError(f"no hidden layer has width 2 or 3; widths are {list(widths.values())}.")
        layer = candidates[-1]
    if layer not in widths or widths[layer] not in (2, 3):
        raise ValueError(f"layer must name a layer of width 2 or 3; got {layer!r} (widths {widths}).")
    dims = widths[layer]
    fig = _new_figure(4.0 * len(epochs), 4.0)
    labels = np.asarray(result.labels)
    for k, (epoch, snapshot) in enumerate(zip(epochs, snapshots, strict=True)):
        T = snapshot[layer].reshape(labels.shape[0], -1)
        ax = fig.add_subplot(1, len(epochs), k + 1, projection="3d" if dims == 3 else None)
        for code, color in zip(np.unique(labels), ("C0", "C3", "C2", "C1"), strict=False):
            rows = labels == code
            ax.scatter(*T[rows].T, s=3, alpha=0.5, color=color, label=f"y={code}")
        ax.set_title(f"{layer_label(layer)}, epoch {epoch}")
        if k == 0:
            ax.legend(frameon=False, markerscale=3)
    return fig


def plot_cosine_heatmaps(result, layer=None, *, epochs=None, max_inputs=512, random_state=0):
    """Class-sorted cosine-similarity matrices of a layer's activations at snapshot epochs.

    Parameters
    ----------
    result : InfoPlaneResult
        A result with ``snapshots`` and ``labels`` (as in
        :func:`plot_layer_scatter`).
    layer : int or str, default=None
        1-based index for list snapshots, the label for the recorder's;
        ``None`` takes the last one.
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
    epochs, snapshots = _snapshot_layers(result, epochs)
    keys = list(snapshots[0])
    layer = keys[-1] if layer is None else layer
    if layer not in keys:
        raise ValueError(f"layer must be one of {keys}; got {layer!r}.")
    labels = np.asarray(result.labels)
    rng = np.random.default_rng(random_state)
    rows = np.arange(labels.shape[0])
    if rows.shape[0] > max_inputs:
        rows = rng.choice(rows, size=max_inputs, replace=False)
    fig = _new_figure(3.6 * len(epochs), 3.4)
    image = None
    for k, (epoch, snapshot) in enumerate(zip(epochs, snapshots, strict=True)):
        T = snapshot[layer].reshape(labels.shape[0], -1)
        similarity, sorted_labels, _ = cosine_similarity_matrix(
            T[rows], labels[rows], max_samples=max(rows.shape[0], 1)
        )
        ax = fig.add_subplot(1, len(epochs), k + 1)
        image = ax.imshow(similarity, vmin=-1, vmax=1, cmap="RdBu_r", interpolation="nearest")
        boundary = np.searchsorted(sorted_labels, np.unique(sorted_labels)[1:])
        for b in boundary:
            ax.axhline(b - 0.5, color="black", lw=0.6)
            ax.axvline(b - 0.5, color="black", lw=0.6)
        ax.set_title(f"{layer_label(layer)} cosine, epoch {epoch}")
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(image, ax=fig.axes, shrink=0.8, label="cosine similarity")
    return fig
