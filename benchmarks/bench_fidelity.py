"""The authors' full fidelity: 1000 replicas per input, time and memory.

Run: python benchmarks/bench_fidelity.py [--epochs N] [--replicas R1,R2,...] [--checkpoints E1,E2,...]
                                        [--figure PATH]

Goldfeld et al. (2019) sample each deeper noisy layer of the SZT network with
1000 noisy forward passes per input (4,096,000 mixture centres per layer).
This script trains the ``skinfo info-plane`` network once (default settings,
10,000 epochs) and, at a few checkpoints, measures every hidden layer's
I(X;T) with ``NoisyMutualInformation`` (n_mc = 1, one query replica per
input, replica correction on) at each replica count, reporting per layer:
the plug-in, the estimated replica bias, the total standard error, the path
taken, the wall time, and the peak resident memory of the process. Each
replica count runs in a fresh subprocess so its peak memory is its own.

``--figure`` draws the corrected I(X;T) with +/- 2 SE bars per layer and
replica count, and the time per layer, to PATH (PNG).
"""

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np


def _trained_network(n_epochs, noise_std, seed=0):
    from skinfo.datasets import load_szt
    from skinfo.networks import NoisyMLP

    X, y = load_szt()
    X = X.astype(np.float64)
    mlp = NoisyMLP(
        (10, 7, 5, 4, 3), noise_std=noise_std, n_epochs=n_epochs, checkpoints=30, random_state=seed
    ).fit(X, y)
    return mlp, X, y


def _measure(n_epochs, n_replicas, checkpoints, noise_std):
    """One replica count (run in its own process): rows as dicts."""
    from skinfo import NoisyMutualInformation
    from skinfo.networks import NoisyNetwork

    mlp, X, y = _trained_network(n_epochs, noise_std)
    epochs = mlp.checkpoint_epochs_
    # Warm-up: compile every path outside the timings.
    S = NoisyNetwork(mlp.layers(int(epochs[-1])), noise_std, random_state=0).sample(X[:64], 4)
    for method in ("dense", "tree", "pruned"):
        NoisyMutualInformation(noise_std, n_mc=1, method=method, random_state=0).fit(S[1], y[:64])
    rows = []
    for wanted in checkpoints:
        epoch = int(epochs[np.argmin(np.abs(epochs - wanted))])
        start = time.perf_counter()
        samples = NoisyNetwork(mlp.layers(epoch), noise_std, random_state=1).sample(X, n_replicas)
        t_sample = time.perf_counter() - start
        for index, S in enumerate(samples):
            layer_input = S[:, 0] if index == 0 else S
            start = time.perf_counter()
            est = NoisyMutualInformation(noise_std, n_mc=1, random_state=2).fit(layer_input, y)
            rows.append(
                {
                    "replicas": n_replicas,
                    "epoch": epoch,
                    "layer": index + 1,
                    "seconds": time.perf_counter() - start,
                    "sample_seconds": t_sample if index == 0 else 0.0,
                    "method": est.method_,
                    "plugin": est.mutual_information_,
                    "bias": est.bias_,
                    "se": est.standard_error_,
                    "converged": bool(est.converged_),
                }
            )
        del samples
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB -> GiB
    for row in rows:
        row["peak_gib"] = peak
    return rows


def _figure(rows, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    replicas = sorted({r["replicas"] for r in rows})
    epochs = sorted({r["epoch"] for r in rows})
    fig, axes = plt.subplots(1, len(epochs) + 1, figsize=(4 * (len(epochs) + 1), 3.6))
    for ax, epoch in zip(axes, epochs, strict=False):
        for k, r in enumerate(replicas):
            sel = [row for row in rows if row["epoch"] == epoch and row["replicas"] == r]
            layers = np.array([row["layer"] for row in sel]) + 0.12 * (k - (len(replicas) - 1) / 2)
            corrected = np.array([row["plugin"] - row["bias"] for row in sel])
            ax.errorbar(
                layers, corrected, yerr=2 * np.array([row["se"] for row in sel]), fmt="o", label=f"r={r}"
            )
        ax.set(title=f"epoch {epoch}", xlabel="layer", ylabel="I(X;T) corrected (nats)")
        ax.legend()
    ax = axes[-1]
    for r in replicas:
        sel = [row for row in rows if row["replicas"] == r]
        per_layer = [
            np.mean([row["seconds"] for row in sel if row["layer"] == layer]) for layer in range(1, 6)
        ]
        ax.plot(range(1, 6), per_layer, "o-", label=f"r={r}")
    ax.set(yscale="log", title="time per layer (mean over checkpoints)", xlabel="layer", ylabel="seconds")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10000)
    parser.add_argument("--replicas", default="100,1000")
    parser.add_argument("--checkpoints", default="10,300,10000")
    parser.add_argument("--noise-std", type=float, default=0.005)
    parser.add_argument("--figure", default=None)
    parser.add_argument("--worker", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    checkpoints = [int(e) for e in args.checkpoints.split(",")]
    if args.worker is not None:
        print(json.dumps(_measure(args.epochs, args.worker, checkpoints, args.noise_std)))
        return
    rows = []
    for n_replicas in [int(r) for r in args.replicas.split(",")]:
        out = subprocess.run(
            [sys.executable, __file__, "--worker", str(n_replicas), "--epochs", str(args.epochs),
             "--checkpoints", args.checkpoints, "--noise-std", str(args.noise_std)],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        rows.extend(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"SZT network, {args.epochs} epochs, noise {args.noise_std}; NoisyMutualInformation(n_mc=1)")
    print(
        f"{'r':>5} {'epoch':>6} {'layer':>5} | {'path':>12} {'seconds':>8} | {'plug-in':>8} {'bias':>8} "
        f"{'SE':>7} {'conv':>5} | {'peak GiB':>8}"
    )
    for row in rows:
        print(
            f"{row['replicas']:>5} {row['epoch']:>6} {row['layer']:>5} | {row['method']:>12} "
            f"{row['seconds']:>8.2f} | {row['plugin']:>8.3f} {row['bias']:>8.3f} {row['se']:>7.3f} "
            f"{'yes' if row['converged'] else 'no':>5} | {row['peak_gib']:>8.2f}"
        )
    for n_replicas in sorted({row["replicas"] for row in rows}):
        sel = [row for row in rows if row["replicas"] == n_replicas]
        per_checkpoint = sum(row["seconds"] + row["sample_seconds"] for row in sel) / len(checkpoints)
        print(
            f"r={n_replicas}: {per_checkpoint:.1f} s per checkpoint (sampling + 5 layers), "
            f"peak resident memory {sel[0]['peak_gib']:.2f} GiB"
        )
    if args.figure:
        _figure(rows, args.figure)
        print(f"figure: {args.figure}")


if __name__ == "__main__":
    main()
