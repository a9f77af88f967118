"""Plot of :func:`skinfo.replica_convergence`."""

import numpy as np

__all__ = ["plot_replica_convergence"]


def plot_replica_convergence(result, *, labels=False, ax=None):
    """Plug-in and corrected I(X;T) against the number of replicas.

    The plug-in (circles, ±2 Monte Carlo standard errors) falls as r grows;
    the corrected estimate (line, band of ±2 total standard errors) should
    stay flat. Sizes where halving r moved the plug-in by more than the
    combined error (and 0.01 nats) are marked "not converged" (open circles).

    Parameters
    ----------
    result : ExperimentResult
        Output of :func:`skinfo.replica_convergence`.
    labels : bool, default=False
        Plot I(Y;T) (the ``label_*`` columns) instead of I(X;T).
    ax : matplotlib Axes, default=None
        Axes to draw on; ``None`` makes a new Figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the plot.

    Examples
    --------
    >>> import numpy as np
    >>> from skinfo import replica_convergence
    >>> from skinfo.plotting import plot_replica_convergence
    >>> rng = np.random.default_rng(0)
    >>> S = rng.normal(size=(32, 1, 2)) + 0.1 * rng.normal(size=(32, 8, 2))
    >>> fig = plot_replica_convergence(replica_convergence(S, noise_std=0.1, random_state=0))
    >>> len(fig.axes)
    1
    """
    from matplotlib.figure import Figure

    if ax is None:
        fig = Figure(figsize=(5.0, 3.5), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    prefix, key, name = (
        ("label_", "label_information", "I(Y;T)") if labels else ("", "mutual_information", "I(X;T)")
    )
    if key not in result.columns:
        raise ValueError(f"result has no column {key!r}; run replica_convergence with y to plot labels.")
    n = np.array(result.column("n_replicas"), dtype=float)
    plugin = np.array(result.column(key), dtype=float)
    mc_se = np.array(result.column(prefix + "mc_standard_error"), dtype=float)
    corrected = np.array(result.column(prefix + "corrected"), dtype=float)
    se = np.array(result.column(prefix + "standard_error"), dtype=float)
    not_converged = np.array([c is False for c in result.column(prefix + "converged")])
    ax.fill_between(n, corrected - 2 * se, corrected + 2 * se, color="C1", alpha=0.25, lw=0)
    ax.plot(n, corrected, color="C1", marker="s", ms=3, label="corrected (±2 total SE)")
    ax.errorbar(n, plugin, yerr=2 * mc_se, fmt="o", ms=4, color="C0", label="plug-in (±2 MC SE)")
    if not_converged.any():
        ax.plot(
            n[not_converged], plugin[not_converged], "o", ms=9, mfc="none", color="C3", label="not converged"
        )
    ax.set_xscale("log", base=2)
    ax.set_xticks(n, [str(int(v)) for v in n])
    ax.set_xlabel("replicas per input r")
    ax.set_ylabel(f"{name} (nats)")
    ax.legend(frameon=False)
    return fig
