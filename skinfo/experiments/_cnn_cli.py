"""The ``skinfo cnn`` subcommand: noisy vs deterministic CNNs over a noise sweep."""

import argparse
import importlib.util
import os
import time

from ._cli import _save, _table
from ._cli_common import UsageError, add_common_options, non_negative_float, output_folder, positive_float
from ._cli_common import positive_int as _positive_int_type

_positive_int = _positive_int_type()

__all__ = ["add_parser"]


def _noise_list(text):
    values = [non_negative_float(part.strip()) for part in text.split(",") if part.strip()]
    if not values:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated noise levels such as 0,0.1,0.2, got {text!r}"
        )
    if 0.0 not in values:
        raise argparse.ArgumentTypeError(
            f"the sweep must include 0 (the deterministic network), got {text!r}"
        )
    if len(set(values)) != len(values):
        raise argparse.ArgumentTypeError(f"noise levels must not repeat, got {text!r}")
    return tuple(values)


def _layer_list(text):
    from ._cnn import LAYER_NAMES

    values = tuple(part.strip() for part in text.split(",") if part.strip())
    if text.strip().lower() == "none":
        return ()
    if not values or any(v not in LAYER_NAMES for v in values) or len(set(values)) != len(values):
        raise argparse.ArgumentTypeError(
            f"expected distinct layers among {','.join(LAYER_NAMES)} (or none), got {text!r}"
        )
    return values


def _run(args):
    from ._cnn import CNN_PRESETS, TORCH_INSTALL

    if importlib.util.find_spec("torch") is None:
        raise UsageError(f"needs PyTorch; install it with {TORCH_INSTALL}")
    settings = dict(CNN_PRESETS[args.preset])
    for key in (
        "dataset",
        "noise_stds",
        "n_epochs",
        "n_checkpoints",
        "batch_size",
        "learning_rate",
        "n_samples",
        "n_eval",
        "mi_layers",
        "n_mi_inputs",
        "n_replicas",
    ):
        if getattr(args, key) is not None:
            settings[key] = getattr(args, key)
    # Options argparse cannot check alone fail here, before any data is loaded or trained on.
    if settings["n_samples"] is not None and settings["n_samples"] < 20:
        raise ValueError(f"--n-samples must be at least 20; got {settings['n_samples']}.")
    if settings["dataset"] == "digits" and (settings["n_samples"] or 0) > 1797:
        raise ValueError(f"--n-samples must be at most 1797 for digits; got {settings['n_samples']}.")
    from ..plotting import (
        plot_cnn_clustering,
        plot_cnn_cosine_heatmaps,
        plot_cnn_information_plane,
        plot_cnn_validation_error,
    )
    from ._cnn import run_cnn

    # --n-jobs sets the torch threads of training (Numba's follow its own default); -1: all cores.
    n_threads = args.n_jobs if args.n_jobs > 0 else max(1, (os.cpu_count() or 1) + 1 + args.n_jobs)
    start = time.perf_counter()
    written = []
    # MNIST neither cached nor downloadable raises OSError: one line naming the cache folder, exit 1,
    # and --out is left untouched.
    with output_folder(args) as out:
        result = run_cnn(
            **settings,
            activation=args.activation,
            data_home=args.data_home,
            random_state=args.seed,
            n_threads=n_threads,
            verbose=not args.quiet,
        )
        elapsed = time.perf_counter() - start
        result.params["wall_time_s"] = round(elapsed, 2)
        result.to_csv(out / "cnn.csv")
        result.to_json(out / "cnn.json")
        written += ["cnn.csv", "cnn.json"]
        _save(plot_cnn_validation_error(result), out / "cnn_validation_error.png", written)
        _save(plot_cnn_cosine_heatmaps(result), out / "cnn_cosine_heatmaps.png", written)
        _save(plot_cnn_clustering(result), out / "cnn_clustering.png", written)
        if any(r["mi_x"] is not None for r in result.records):
            _save(plot_cnn_information_plane(result), out / "cnn_information_plane.png", written)
    out = args.out

    first, last = result.epochs[0], result.epochs[-1]
    last_layer = result.layers[-1]
    rows = []
    for noise_std in result.noise_stds:
        final = result.where(noise_std=noise_std, epoch=last, layer=last_layer)[0]
        begin = result.where(noise_std=noise_std, epoch=first, layer=last_layer)[0]
        rows.append(
            {
                "noise_std": noise_std,
                "val_error_%": round(100 * final["val_error"], 2),
                "noise_off_%": round(100 * final["val_error_noise_off"], 2),
                "gap_first": begin["cosine_gap"],
                "gap_last": final["cosine_gap"],
                "silhouette": final["silhouette"],
                "cka": final["cka"],
                "I(X;T)": "-" if final["mi_x"] is None else final["mi_x"],
                "I(Y;T)": "-" if final["mi_y"] is None else final["mi_y"],
            }
        )
    print(f"\nlast hidden layer at epochs {first} and {last} (validation error in %, information in nats):")
    print(
        _table(
            rows,
            [
                "noise_std",
                "val_error_%",
                "noise_off_%",
                "gap_first",
                "gap_last",
                "silhouette",
                "cka",
                "I(X;T)",
                "I(Y;T)",
            ],
        )
    )
    errors = result.final_errors()
    noisy = {s: e for s, e in errors.items() if s > 0}
    if noisy:
        best = min(noisy, key=noisy.get)
        print(
            f"\nbest noisy network: noise std {best:g}, validation error {100 * noisy[best]:.2f}% vs "
            f"{100 * errors[0.0]:.2f}% deterministic ({100 * (noisy[best] - errors[0.0]):+.2f} points)"
        )
    print(f"wrote {len(written)} files to {out} in {elapsed:.1f} s")
    return 0


def add_parser(subparsers):
    """Register ``cnn``."""
    from ._cnn import CNN_PRESETS

    parser = subparsers.add_parser(
        "cnn",
        help="noisy vs deterministic CNNs over a noise sweep: validation error, clustering, I(X;T)",
        description="Four-layer CNNs (two 3x3 convolutions, a dense hidden layer, a linear output) with "
        "Gaussian noise after every hidden layer, one per noise level (0 = deterministic), trained "
        "with Adam; per checkpoint and hidden layer: validation error and loss, within- minus "
        "between-class cosine similarity, silhouette, H(Bin T), linear CKA with the deterministic "
        "network, and I(X;T), I(Y;T) by SP for the --mi-layers. Needs PyTorch. --preset paper "
        "runs the full-size MNIST version; explicit options override the preset.",
    )
    parser.add_argument(
        "--preset", choices=sorted(CNN_PRESETS), default="default", help="sizes preset (default: %(default)s)"
    )
    parser.add_argument(
        "--dataset",
        choices=("digits", "mnist"),
        default=None,
        help="scikit-learn's 8x8 digits (offline) or MNIST via fetch_openml (default: the preset's, digits)",
    )
    parser.add_argument(
        "--data-home",
        default=None,
        metavar="DIR",
        help="scikit-learn data folder holding the MNIST cache (default: scikit-learn's)",
    )
    parser.add_argument(
        "--noise-stds",
        type=_noise_list,
        default=None,
        metavar="S0,S1,...",
        help="noise levels, including 0 (default: 0,0.05,0.1,0.2,0.4)",
    )
    parser.add_argument(
        "--activation",
        choices=("tanh", "relu"),
        default="tanh",
        help="hidden non-linearity (default: %(default)s)",
    )
    parser.add_argument("--epochs", dest="n_epochs", type=_positive_int, default=None, help="training epochs")
    parser.add_argument(
        "--checkpoints",
        dest="n_checkpoints",
        type=_positive_int,
        default=None,
        help="log-spaced checkpoints besides the initialisation",
    )
    parser.add_argument("--batch-size", type=_positive_int, default=None, help="mini-batch size")
    parser.add_argument("--learning-rate", type=positive_float, default=None, help="Adam step size")
    parser.add_argument(
        "--n-samples", type=_positive_int, default=None, help="random subset of the images (default: all)"
    )
    parser.add_argument(
        "--n-eval", type=_positive_int, default=None, help="validation inputs for the representation scores"
    )
    parser.add_argument(
        "--mi-layers",
        type=_layer_list,
        default=None,
        metavar="L1,L2",
        help="layers whose I(X;T), I(Y;T) are estimated: conv1,conv2,dense or none (default: dense)",
    )
    parser.add_argument(
        "--mi-inputs",
        dest="n_mi_inputs",
        type=_positive_int,
        default=None,
        help="inputs X of the information estimates",
    )
    parser.add_argument(
        "--replicas",
        dest="n_replicas",
        type=_positive_int,
        default=None,
        help="noisy passes per input for the information estimates",
    )
    add_common_options(
        parser, default_out="skinfo-cnn", n_jobs_help="torch threads for training (default: %(default)s)"
    )
    parser.add_argument("--quiet", action="store_true", help="no per-checkpoint lines")
    parser.set_defaults(func=_run)
    return parser
