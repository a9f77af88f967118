"""Plot of the single tanh neuron experiment."""

import numpy as np

__all__ = ["plot_tanh_neuron"]


def plot_tanh_neuron(result, *, ax=None):
    """I(X;T) of the single tanh neuron against w: SP +- 2 SE, quadrature, H(Bin T).

    Parameters
    ----------
    result : ExperimentResult
        Output of :func:`skinfo.experiments.run_tanh_neuron`.
    ax : matplotlib Axes, default=None
        Axes to draw on; ``None`` makes a new Figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the plot.

    Examples
    --------
    >>> from skinfo.experiments import run_tanh_neuron
    >>> from skinfo.plotting import plot_tanh_neuron
    >>> fig = plot_tanh_neuron(run_tanh_neuron([0.01, 0.1, 1.0, 5.0], n_mc=50))
    >>> len(fig.axes)
    1
    """
    from matplotlib.figure import Figure

    if ax is None:
        fig = Figure(figsize=(6.0, 4.0), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    w = np.array(result.column("w"))
    sp = np.array(result.column("mi_sp"))
    se = np.array(result.column("mi_sp_se"))
    ax.plot(w, result.column("mi_exact"), color="black", lw=1.5, label="exact (quadrature)")
    ax.errorbar(w, sp, yerr=2 * se, fmt="o", ms=3, color="C0", label="SP estimate (±2 SE)")
    ax.plot(w, result.column("binned_entropy"), color="C3", ls="--", label="H(Bin T)")
    if np.all(w > 0):
        ax.set_xscale("log")
    ax.axhline(np.log(4), color="grey", lw=0.5, ls=":")
    ax.axhline(np.log(2), color="grey", lw=0.5, ls=":")
    ax.set_xlabel("weight w")
    ax.set_ylabel("nats")
    noise = result.params.get("noise_std")
    ax.set_title(f"T = tanh(wX + b) + Z, noise std {noise}")
    ax.legend(frameon=False)
    return fig
