"""The ``skinfo tanh-neuron`` and ``skinfo info-plane`` subcommands."""

import argparse
import math
import time
from pathlib import Path

__all__ = ["INFO_PLANE_PRESETS", "add_parser"]

INFO_PLANE_PRESETS = {
    # Paper settings; replicas and checkpoints sized for a few minutes on 2 cores.
    "default": {"epochs": 10000, "checkpoints": 30, "replicas": 20, "n_mc": 1},
    # The authors' counts: 100 replicas per input, 84 checkpoints.
    "authors": {"epochs": 10000, "checkpoints": 84, "replicas": 100, "n_mc": 1},
    # Seconds, for smoke tests.
    "tiny": {"epochs": 30, "checkpoints": 3, "replicas": 2, "n_mc": 1},
}


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def _non_negative_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return value


def _n_jobs(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-zero integer, got {text!r}") from None
    if value == 0:
        raise argparse.ArgumentTypeError("expected a non-zero integer (-1 for all cores), got 0")
    return value


def _epoch_list(text):
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        message = f"expected comma-separated epochs such as 1,100,10000, got {text!r}"
        raise argparse.ArgumentTypeError(message) from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected comma-separated positive epochs, got {text!r}")
    return values


def _output_dir(path):
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {path!s} exists and is not a directory.")
    out.mkdir(parents=True, exist_ok=True)
    return out


def _save(fig, path, written):
    fig.savefig(path, dpi=130)
    written.append(path)


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
        raise ValueError(f"--w-min ({args.w_min}) must be below --w-max ({args.w_max}).")
    out = _output_dir(args.out)
    start = time.perf_counter()
    weights = np.logspace(math.log10(args.w_min), math.log10(args.w_max), args.n_weights)
    result = run_tanh_neuron(weights, bias=args.bias, noise_std=args.noise_std, n_mc=args.n_mc,
                             random_state=args.seed)
    written = []
    result.to_csv(out / "tanh_neuron.csv")
    result.to_json(out / "tanh_neuron.json")
    written += [out / "tanh_neuron.csv", out / "tanh_neuron.json"]
    _save(plot_tanh_neuron(result), out / "tanh_neuron.png", written)
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
    print(f"\nmax |SP - exact| = {gap.max():.2e} nats; {int(beyond.sum())} of {len(result)} weights beyond "
          f"3 standard errors + 1e-12{worst}")
    print(f"wrote {len(written)} files to {out} in {time.perf_counter() - start:.1f} s")
    return 0


def _run_info_plane(args):
    from ..plotting import (
        plot_cosine_heatmaps,
        plot_information_plane,
        plot_layer_curves,
        plot_layer_scatter,
    )
    from ._info_plane import compression_summary, run_info_plane

    preset = INFO_PLANE_PRESETS[args.preset]
    settings = {key: getattr(args, key) if getattr(args, key) is not None else value
                for key, value in preset.items()}
    out = _output_dir(args.out)
    start = time.perf_counter()
    result = run_info_plane(
        noise_std=args.noise_std, activation=args.activation, learning_rate=args.learning_rate,
        batch_size=args.batch_size, n_epochs=settings["epochs"], n_checkpoints=settings["checkpoints"],
        n_replicas=settings["replicas"], n_mc=settings["n_mc"], orthonormal_alpha=args.orthonormal,
        method=args.method, snapshot_epochs=args.snapshot_epochs, random_state=args.seed, n_jobs=args.n_jobs,
        verbose=not args.quiet, shuffle_labels=args.shuffle_labels,
    )
    elapsed = time.perf_counter() - start
    result.params["wall_time_s"] = round(elapsed, 2)
    stem = result.name.replace("-", "_")
    written = []
    result.to_csv(out / f"{stem}.csv")
    result.to_json(out / f"{stem}.json")
    written += [out / f"{stem}.csv", out / f"{stem}.json"]
    _save(plot_information_plane(result), out / "information_plane.png", written)
    _save(plot_layer_curves(result), out / "layer_curves.png", written)
    widths = [w for w in result.params["hidden_layer_sizes"].split(",")]
    if any(w in ("2", "3") for w in widths):
        _save(plot_layer_scatter(result), out / "layer_scatter.png", written)
    _save(plot_cosine_heatmaps(result), out / "cosine_heatmaps.png", written)
    from ..plotting import plot_activation_histograms

    _save(plot_activation_histograms(result, value_range=(-1.0, 1.0) if args.activation == "tanh" else None),
          out / "activation_histograms.png", written)
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
    print(_table(summary, ["layer", "width", "first", "peak", "peak_epoch", "final", "fall_%", "I(Y;T)",
                           "H(Bin T)", "silhouette"] + (["converged"] if "converged" in summary[0] else [])))
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
    tanh.add_argument("--out", default="skinfo-tanh-neuron", help="output folder (default: %(default)s)")
    tanh.add_argument("--noise-std", type=_positive_float, default=0.01,
                      help="noise std (default: %(default)s)")
    tanh.add_argument("--bias", type=float, default=0.0, help="bias b (default: %(default)s)")
    tanh.add_argument("--w-min", type=_positive_float, default=1e-3,
                      help="smallest weight (default: %(default)s)")
    tanh.add_argument("--w-max", type=_positive_float, default=10.0,
                      help="largest weight (default: %(default)s)")
    tanh.add_argument("--n-weights", type=_positive_int, default=81, help="weights (default: %(default)s)")
    tanh.add_argument("--n-mc", type=_positive_int, default=20000,
                      help="Monte Carlo draws per input (default: %(default)s)")
    tanh.add_argument("--seed", type=int, default=0, help="random seed (default: %(default)s)")
    tanh.add_argument("--n-jobs", type=_n_jobs, default=1, help="accepted for symmetry; one estimate is tiny")
    tanh.set_defaults(func=_run_tanh_neuron)

    plane = subparsers.add_parser(
        "info-plane",
        help="train the SZT 12-10-7-5-4-3-2 noisy tanh network and trace its information plane",
        description="Paper settings by default (noise std 0.005, Adam lr 4e-4, batch 256, 80/20 split, "
                    "10^4 epochs, log-spaced checkpoints). --preset authors uses 100 replicas and "
                    "84 checkpoints; explicit options override the preset.",
    )
    plane.add_argument("--out", default="skinfo-info-plane", help="output folder (default: %(default)s)")
    plane.add_argument("--preset", choices=sorted(INFO_PLANE_PRESETS), default="default",
                       help="epochs/checkpoints/replicas preset (default: %(default)s)")
    plane.add_argument("--epochs", type=_positive_int, default=None, help="training epochs")
    plane.add_argument("--checkpoints", type=_positive_int, default=None, help="log-spaced checkpoints")
    plane.add_argument("--replicas", type=_positive_int, default=None, help="noisy passes per input")
    plane.add_argument("--n-mc", type=_positive_int, default=None, help="Monte Carlo draws per query")
    plane.add_argument("--noise-std", type=_positive_float, default=0.005,
                       help="noise std (default: %(default)s)")
    plane.add_argument("--learning-rate", type=_positive_float, default=4e-4,
                       help="Adam step size (default: %(default)s)")
    plane.add_argument("--batch-size", type=_positive_int, default=256,
                       help="mini-batch (default: %(default)s)")
    plane.add_argument("--activation", choices=("tanh", "relu", "linear"), default="tanh",
                       help="hidden non-linearity (default: %(default)s)")
    plane.add_argument("--orthonormal", type=_non_negative_float, default=0.0, metavar="ALPHA",
                       help="orthonormality retraction step, 0 = off (default: %(default)s)")
    plane.add_argument("--snapshot-epochs", type=_epoch_list, default=None, metavar="E1,E2,...",
                       help="checkpoint epochs for the scatter and cosine figures "
                            "(default: first, middle and last checkpoint)")
    plane.add_argument("--method", choices=("auto", "dense", "tree"), default="auto",
                       help="SP mixture evaluation path (default: %(default)s)")
    plane.add_argument("--seed", type=int, default=0, help="random seed (default: %(default)s)")
    plane.add_argument("--n-jobs", type=_n_jobs, default=1,
                       help="checkpoints estimated in parallel (default: %(default)s)")
    plane.add_argument("--shuffle-labels", action="store_true", help="train on randomly permuted labels")
    plane.add_argument("--quiet", action="store_true", help="no progress bars")
    plane.set_defaults(func=_run_info_plane)
