"""The ``skinfo tanh-neuron`` and ``skinfo info-plane`` subcommands."""

import math
import time

from ._cli_common import (
    UsageError,
    add_common_options,
    comma_list,
    finite_float,
    non_negative_float,
    output_folder,
    positive_float,
    positive_int,
    scale,
)

__all__ = ["INFO_PLANE_PRESETS", "add_parser"]

INFO_PLANE_PRESETS = {
    # Paper settings; replicas and checkpoints sized for a few minutes on 2 cores.
    "default": {"epochs": 10000, "checkpoints": 30, "replicas": 20, "n_mc": 1},
    # The authors' counts: 100 replicas per input, 84 checkpoints.
    "authors": {"epochs": 10000, "checkpoints": 84, "replicas": 100, "n_mc": 1},
    # Seconds, for smoke tests.
    "tiny": {"epochs": 30, "checkpoints": 3, "replicas": 2, "n_mc": 1},
}


def _save(fig, path, written):
    # The plot helpers build plain Figure objects (no pyplot state to close).
    fig.savefig(path, dpi=130)
    written.append(path.name)


def _table(rows, columns):
    """Plain-text table: header, rule, rows."""
    cells = [[str(c) for c in columns]] + [[_fmt(row[c]) for c in columns] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    lines = ["  ".join(v.rjust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _fmt(value):
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _run_tanh_neuron(args):
    import numpy as np

    from ..plotting import plot_tanh_neuron
    from ._tanh_neuron import run_tanh_neuron

    if args.w_min >= args.w_max:
        raise UsageError(f"--w-min ({args.w_min}) must be below --w-max ({args.w_max}).")
    start = time.perf_counter()
    written = []
    with output_folder(args) as out:
        weights = np.logspace(math.log10(args.w_min), math.log10(args.w_max), args.n_weights)
        result = run_tanh_neuron(
            weights,
            bias=args.bias,
            noise_std=args.noise_std,
            n_mc=args.n_mc,
            random_state=args.seed,
            n_jobs=args.n_jobs,
        )
        result.to_csv(out / "tanh_neuron.csv")
        result.to_json(out / "tanh_neuron.json")
        written += ["tanh_neuron.csv", "tanh_neuron.json"]
        _save(plot_tanh_neuron(result), out / "tanh_neuron.png", written)
    out = args.out
    sp = np.array(result.column("mi_sp"))
    se = np.array(result.column("mi_sp_se"))
    exact = np.array(result.column("mi_exact"))
    gap = np.abs(sp - exact)
    # 1e-12 nats: the quadrature's own accuracy; rounding is not a Monte Carlo error.
    beyond = gap > 3 * se + 1e-12
    peak = int(np.argmax(exact))
    rows = [result.records[i] for i in sorted({0, peak, len(result) // 2, len(result) - 1})]
    print(_table(rows, ["w", "mi_sp", "mi_sp_se", "mi_exact", "binned_entropy"]))
    worst = f" (largest gap there {gap[beyond].max():.1e} nats)" if beyond.any() else ""
    print(
        f"\nmax |SP - exact| = {gap.max():.2e} nats; {int(beyond.sum())} of {len(result)} weights beyond "
        f"3 standard errors + 1e-12{worst}"
    )
    print(f"wrote {len(written)} files to {out} in {time.perf_counter() - start:.1f} s")
    return 0


def _run_info_plane(args):
    from ._info_plane import compression_summary, run_info_plane

    preset = INFO_PLANE_PRESETS[args.preset]
    settings = {
        key: getattr(args, key) if getattr(args, key) is not None else value for key, value in preset.items()
    }
    start = time.perf_counter()
    written = []
    with output_folder(args) as out:
        result = run_info_plane(
            noise_std=args.noise_std,
            activation=args.activation,
            learning_rate=args.learning_rate,
            batch_size=args.batch_size,
            n_epochs=settings["epochs"],
            n_checkpoints=settings["checkpoints"],
            n_replicas=settings["replicas"],
            n_mc=settings["n_mc"],
            orthonormal_alpha=args.orthonormal,
            method=args.method,
            snapshot_epochs=args.snapshot_epochs,
            random_state=args.seed,
            n_jobs=args.n_jobs,
            verbose=not args.quiet,
            shuffle_labels=args.shuffle_labels,
        )
        elapsed = time.perf_counter() - start
        result.params["wall_time_s"] = round(elapsed, 2)
        stem = result.name.replace("-", "_")
        result.to_csv(out / f"{stem}.csv")
        result.to_json(out / f"{stem}.json")
        written += [f"{stem}.csv", f"{stem}.json"]
        # Imported after the run: matplotlib's ~0.5 s would otherwise delay
        # the training and the start of the kernel warm-up.
        from ..plotting import (
            plot_activation_histograms,
            plot_cosine_heatmaps,
            plot_information_plane,
            plot_layer_curves,
            plot_layer_scatter,
        )

        _save(plot_information_plane(result), out / "information_plane.png", written)
        _save(plot_layer_curves(result), out / "layer_curves.png", written)
        widths = [w for w in result.params["hidden_layer_sizes"].split(",")]
        if any(w in ("2", "3") for w in widths):
            _save(plot_layer_scatter(result), out / "layer_scatter.png", written)
        _save(plot_cosine_heatmaps(result), out / "cosine_heatmaps.png", written)
        value_range = (-1.0, 1.0) if args.activation == "tanh" else None
        _save(
            plot_activation_histograms(result, value_range=value_range),
            out / "activation_histograms.png",
            written,
        )
    out = args.out
    summary = compression_summary(result)
    last = result.where(epoch=result.epochs[-1])
    for row in summary:
        final = next(r for r in last if r["layer"] == row["layer"])
        row["fall_%"] = round(100 * row.pop("fall"), 1)
        row["I(Y;T)"] = final["mi_y"]
        row["H(Bin T)"] = final["binned_entropy"]
        row["silhouette"] = final["silhouette"]
        row.pop("rose")
        if "not_converged" in row:  # checkpoints whose I(X;T) still moves with the replica count
            n_bad = row.pop("not_converged")
            row["converged"] = "yes" if n_bad == 0 else f"no ({n_bad}/{len(result.epochs)})"
    print(f"\nI(X;T) per layer over {len(result.epochs)} checkpoints (nats; log 4096 = 8.318):")
    print(
        _table(
            summary,
            [
                "layer",
                "width",
                "first",
                "peak",
                "peak_epoch",
                "final",
                "fall_%",
                "I(Y;T)",
                "H(Bin T)",
                "silhouette",
            ]
            + (["converged"] if "converged" in summary[0] else []),
        )
    )
    acc = last[0]
    test = "n/a" if acc["test_accuracy"] is None else f"{acc['test_accuracy']:.3f}"
    print(f"\nfinal train accuracy {acc['train_accuracy']:.3f}, test accuracy {test}")
    print(f"wrote {len(written)} files to {out}; training + estimation {elapsed:.1f} s")
    return 0


def add_parser(subparsers):
    """Register ``tanh-neuron`` and ``info-plane``."""
    tanh = subparsers.add_parser(
        "tanh-neuron",
        help="I(X;T) of one noisy tanh neuron against its weight (SP vs exact vs binning)",
        description="T = tanh(wX + b) + Z with X uniform on {-3,-1,1,3}: SP estimate with standard error, "
        "exact value by quadrature and H(Bin T), over log-spaced weights.",
    )
    tanh.add_argument("--noise-std", type=scale, default=0.01, help="noise std (default: %(default)s)")
    tanh.add_argument("--bias", type=finite_float, default=0.0, help="bias b (default: %(default)s)")
    tanh.add_argument(
        "--w-min", type=positive_float, default=1e-3, help="smallest weight (default: %(default)s)"
    )
    tanh.add_argument(
        "--w-max", type=positive_float, default=10.0, help="largest weight (default: %(default)s)"
    )
    tanh.add_argument(
        "--n-weights", type=positive_int(maximum=100_000), default=81, help="weights (default: %(default)s)"
    )
    tanh.add_argument(
        "--n-mc",
        type=positive_int(maximum=10**8),
        default=20000,
        help="Monte Carlo draws per input (default: %(default)s)",
    )
    add_common_options(
        tanh,
        default_out="skinfo-tanh-neuron",
        n_jobs_help="weights evaluated in parallel, -1 for all cores (default: %(default)s)",
    )
    tanh.set_defaults(func=_run_tanh_neuron)

    plane = subparsers.add_parser(
        "info-plane",
        help="train the SZT 12-10-7-5-4-3-2 noisy tanh network and trace its information plane",
        description="Paper settings by default (noise std 0.005, Adam lr 4e-4, batch 256, 80/20 split, "
        "10^4 epochs, log-spaced checkpoints). --preset authors uses 100 replicas and "
        "84 checkpoints; explicit options override the preset.",
    )
    plane.add_argument(
        "--preset",
        choices=sorted(INFO_PLANE_PRESETS),
        default="default",
        help="epochs/checkpoints/replicas preset (default: %(default)s)",
    )
    plane.add_argument("--epochs", type=positive_int(maximum=10**7), default=None, help="training epochs")
    plane.add_argument(
        "--checkpoints", type=positive_int(maximum=10_000), default=None, help="log-spaced checkpoints"
    )
    plane.add_argument(
        "--replicas", type=positive_int(maximum=100_000), default=None, help="noisy passes per input"
    )
    plane.add_argument(
        "--n-mc", type=positive_int(maximum=10**6), default=None, help="Monte Carlo draws per query"
    )
    plane.add_argument("--noise-std", type=scale, default=0.005, help="noise std (default: %(default)s)")
    plane.add_argument(
        "--learning-rate", type=positive_float, default=4e-4, help="Adam step size (default: %(default)s)"
    )
    plane.add_argument(
        "--batch-size",
        type=positive_int(maximum=10**7),
        default=256,
        help="mini-batch (default: %(default)s)",
    )
    plane.add_argument(
        "--activation",
        choices=("tanh", "relu", "linear"),
        default="tanh",
        help="hidden non-linearity (default: %(default)s)",
    )
    plane.add_argument(
        "--orthonormal",
        type=non_negative_float,
        default=0.0,
        metavar="ALPHA",
        help="orthonormality retraction step, 0 = off (default: %(default)s)",
    )
    plane.add_argument(
        "--snapshot-epochs",
        type=comma_list(positive_int(), "1,100,10000"),
        default=None,
        metavar="E1,E2,...",
        help="checkpoint epochs for the scatter and cosine figures "
        "(default: first, middle and last checkpoint)",
    )
    plane.add_argument(
        "--method",
        choices=("auto", "dense", "tree", "pruned"),
        default="auto",
        help="SP mixture evaluation path (default: %(default)s)",
    )
    add_common_options(
        plane,
        default_out="skinfo-info-plane",
        n_jobs_help="checkpoints estimated in parallel (default: %(default)s)",
    )
    plane.add_argument("--shuffle-labels", action="store_true", help="train on randomly permuted labels")
    plane.add_argument("--quiet", action="store_true", help="no progress bars")
    plane.set_defaults(func=_run_info_plane)
