"""Plot of the single tanh neuron experiment."""

import numpy as np

from ._columns import ResultTable

__all__ = ["plot_tanh_neuron"]


def plot_tanh_neuron(result, *, ax=None):
    """I(X;T) of the single tanh neuron against w: SP +- 2 SE, quadrature, H(Bin T).

    Reads ``w`` and ``mi_sp`` (or ``mutual_information``), and when present
    ``mi_sp_se`` (or ``standard_error``), ``mi_exact`` and ``binned_entropy``;
    a missing optional column drops its curve (see :mod:`skinfo.plotting`).

    Parameters
    ----------
    result : ExperimentResult
        Output of :func:`skinfo.experiments.run_tanh_neuron`, or any result
        with those columns (e.g. :func:`skinfo.parallel.estimate_many` with
        ``key_names=("w",)``).
    ax : matplotlib Axes, default=None
        Axes to draw on; ``None`` makes a new Figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the plot (log w axis when every w is positive).

    Examples
    --------
    >>> from skinfo.experiments import run_tanh_neuron
    >>> from skinfo.plotting import plot_tanh_neuron
    >>> fig = plot_tanh_neuron(run_tanh_neuron([0.01, 0.1, 1.0, 5.0], n_mc=50))
    >>> len(fig.axes)
    1
    """
    from matplotlib.figure import Figure

    table = ResultTable(result, ("w", "mi_sp"), "plot_tanh_neuron")
    if ax is None:
        fig = Figure(figsize=(6.0, 4.0), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    rows = sorted(table.records, key=lambda r: r["w"])
    w = table.values(rows, "w")
    sp = table.values(rows, "mi_sp")
    if table.has("mi_exact"):
        ax.plot(w, table.values(rows, "mi_exact"), color="black", lw=1.5, label="exact (quadrature)")
    if table.has("mi_sp_se"):
        ax.errorbar(
            w,
            sp,
            yerr=2 * table.values(rows, "mi_sp_se"),
            fmt="o",
            ms=3,
            color="C0",
            label="SP estimate (±2 SE)",
        )
    else:
        ax.plot(w, sp, "o", ms=3, color="C0", label="SP estimate")
    if table.has("binned_entropy"):
        ax.plot(w, table.values(rows, "binned_entropy"), color="C3", ls="--", label="H(Bin T)")
    if np.all(w > 0):
        ax.set_xscale("log")
    ax.axhline(np.log(4), color="grey", lw=0.5, ls=":")
    ax.axhline(np.log(2), color="grey", lw=0.5, ls=":")
    ax.set_xlabel("weight w")
    ax.set_ylabel("nats")
    noise = getattr(result, "params", {}).get("noise_std")
    ax.set_title("T = tanh(wX + b) + Z" + (f", noise std {noise}" if noise is not None else ""))
    ax.legend(frameon=False)
    return fig
