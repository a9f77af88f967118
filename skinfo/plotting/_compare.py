"""Convergence figure of the estimator comparison: |error| vs n, one panel per (d, noise)."""

import numpy as np

from ._columns import ResultTable

__all__ = ["plot_estimator_comparison"]

_COLOURS = {"sp": "tab:blue", "kl": "tab:orange", "kde": "tab:green"}
_LABELS = {"sp": "SP (samples of S)", "kl": "kNN / KL (noisy samples)", "kde": "KDE (noisy samples)"}
_STYLES = {"mixture": "-", "hypercube": "--"}


def plot_estimator_comparison(result, path=None):
    """Absolute error of each estimator against n, one panel per (d, noise level).

    Parameters
    ----------
    result : EstimatorComparison or ExperimentResult
        Output of :func:`skinfo.experiments.compare_estimators`, or any
        result with the columns ``n_features``, ``noise_std``, ``case``,
        ``estimator`` (``"sp"``, ``"kl"``, ``"kde"``), ``n_samples``,
        ``abs_error`` and, optionally, ``standard_error``.
    path : str or path-like, default=None
        Where to save the figure (format from the suffix); ``None`` only returns it.

    Returns
    -------
    matplotlib.figure.Figure
        Rows: dimensions d; columns: noise levels. Colour: estimator; solid
        line: corners with Gaussian spread; dashed: pure hypercube. Points are
        the mean absolute error (nats) over repeats; SP also shows its
        standard error as a band.

    Examples
    --------
    >>> from skinfo.experiments import compare_estimators
    >>> from skinfo.plotting import plot_estimator_comparison
    >>> result = compare_estimators(dims=(2,), noise_stds=(0.2,), n_max=30, estimators=("kl",))
    >>> fig = plot_estimator_comparison(result)
    >>> len(fig.axes)
    1
    """
    from matplotlib.figure import Figure

    records = ResultTable(
        result,
        ("n_features", "noise_std", "case", "estimator", "n_samples", "abs_error"),
        "plot_estimator_comparison",
    ).records
    dims = sorted({r["n_features"] for r in records})
    noise_stds = sorted({r["noise_std"] for r in records})
    fig = Figure(figsize=(3.6 * len(noise_stds), 2.9 * len(dims)))
    axes = fig.subplots(len(dims), len(noise_stds), squeeze=False, sharex=True)
    for row, d in enumerate(dims):
        for col, noise_std in enumerate(noise_stds):
            ax = axes[row, col]
            for case in _STYLES:
                for estimator in _COLOURS:
                    rows = [
                        r
                        for r in records
                        if r["n_features"] == d
                        and r["noise_std"] == noise_std
                        and r["case"] == case
                        and r["estimator"] == estimator
                    ]
                    if not rows:
                        continue
                    sizes = sorted({r["n_samples"] for r in rows})
                    err = [np.mean([r["abs_error"] for r in rows if r["n_samples"] == n]) for n in sizes]
                    label = f"{_LABELS[estimator]}, {case}" if row == 0 and col == 0 else None
                    ax.plot(
                        sizes, err, _STYLES[case], marker="o", ms=3, color=_COLOURS[estimator], label=label
                    )
                    if estimator == "sp":
                        se = [
                            np.mean([r.get("standard_error") or 0.0 for r in rows if r["n_samples"] == n])
                            for n in sizes
                        ]
                        ax.fill_between(
                            sizes,
                            np.maximum(np.subtract(err, se), 1e-4),
                            np.add(err, se),
                            color=_COLOURS[estimator],
                            alpha=0.15,
                            lw=0,
                        )
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_title(f"d = {d}, noise_std = {noise_std:g}", fontsize=9)
            if row == len(dims) - 1:
                ax.set_xlabel("n (samples)")
            if col == 0:
                ax.set_ylabel("|error| (nats)")
            ax.grid(True, which="major", alpha=0.3)
    fig.legend(loc="lower center", ncol=3, fontsize=8, frameon=False, bbox_to_anchor=(0.5, 0.0))
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    if path is not None:
        fig.savefig(path, dpi=120)
    return fig
