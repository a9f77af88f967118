"""Cost of the information-plane experiment: training and per-checkpoint estimation.

Run: python benchmarks/bench_info_plane.py [n_epochs]

Trains the SZT 12-10-7-5-4-3-2 noisy tanh network (paper settings) for
``n_epochs`` (default 2000) with 3 checkpoints, then times the estimation of
one checkpoint (all five layers: SP I(X;T), I(Y;T), H(Bin T), silhouette,
cosine gap) with the default replica count (20) and the authors' (100).
Prints one table with wall and CPU times and the ratio to the default;
extrapolates a full run (10^4 epochs, 30 or 84 checkpoints). Compile time is
excluded by a warm-up checkpoint.
"""

import sys
import time

import numpy as np

from skinfo.datasets import load_szt
from skinfo.experiments._info_plane import _checkpoint_records
from skinfo.networks import NoisyMLP


def timed(func):
    wall, cpu = time.perf_counter(), time.process_time()
    out = func()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def main(n_epochs=2000):
    X, y = load_szt()
    X = X.astype(np.float64)
    rng = np.random.default_rng(0)
    order = rng.permutation(4096)
    train, test = order[:3277], order[3277:]
    mlp, train_wall, train_cpu = timed(
        lambda: NoisyMLP(n_epochs=n_epochs, checkpoints=3, random_state=0).fit(X[train], y[train])
    )
    epochs = mlp.checkpoint_epochs_.tolist()

    def estimate(epoch, n_replicas):
        return _checkpoint_records(
            mlp, epoch, X, y, train, test, 0.005, n_replicas, 1, 1, "auto", 30, (-1.0, 1.0), 0, False
        )

    estimate(epochs[0], 2)  # JIT warm-up
    rows = [("training", f"{n_epochs} epochs", train_wall, train_cpu)]
    for n_replicas in (20, 100):
        for epoch in epochs:
            _, wall, cpu = timed(lambda epoch=epoch, r=n_replicas: estimate(epoch, r))
            rows.append((f"checkpoint {epoch}", f"r={n_replicas}", wall, cpu))
    base = {label: wall for label, setting, wall, _ in rows if setting == "r=20"}
    print(f"{'stage':<18}{'setting':<14}{'wall s':>9}{'cpu s':>9}{'ratio vs r=20':>15}")
    for label, setting, wall, cpu in rows:
        ratio = f"{wall / base[label]:.2f}" if label in base else ""
        print(f"{label:<18}{setting:<14}{wall:>9.2f}{cpu:>9.2f}{ratio:>15}")
    per_epoch = train_wall / n_epochs
    mean20 = np.mean([w for label, s, w, _ in rows if s == "r=20"])
    mean100 = np.mean([w for label, s, w, _ in rows if s == "r=100"])
    print(
        f"\nextrapolated full run: default (30 checkpoints, r=20) "
        f"{1e4 * per_epoch + 30 * mean20:.0f} s; authors (84 checkpoints, r=100) "
        f"{1e4 * per_epoch + 84 * mean100:.0f} s (machine load included)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
