"""NoisyMLP training: the Numba kernel against the NumPy path, side by side.

Run: python benchmarks/bench_training.py [n_epochs] [--full]

The paper's default configuration (SZT 12-bit task, 3277 training rows,
12-10-7-5-4-3-2 tanh, batch 256, Adam 4e-4, noise 0.005, 30 checkpoints).
For ``n_epochs`` (default 500) it times, in one run:

* the NumPy path as it was (``_numpy_epoch``, draws in the same thread);
* the kernel with the draws in the same thread;
* ``NoisyMLP.fit`` (kernel, draws prefetched by a second thread);
* the two parts alone: the kernel on fixed draws, and the draws (one
  permutation and ~95,000 normals per epoch), the floor of any method that
  keeps NumPy's random stream.

Ratios are to the NumPy path. ``--full`` also times the NumPy path and ``fit``
for the paper's 10,000 epochs. Compile time is excluded by a warm-up fit.
"""

import sys
import time

import numpy as np

from skinfo.datasets import load_szt
from skinfo.networks import NoisyMLP
from skinfo.networks._mlp import _numpy_epoch, _Parameters

HIDDEN = (10, 7, 5, 4, 3)
SETTINGS = {
    "noise_std": 0.005,
    "learning_rate": 4e-4,
    "batch_size": 256,
    "checkpoints": 30,
    "random_state": 0,
}


def data():
    X, y = load_szt()
    X = X.astype(np.float64)
    train = np.random.default_rng(0).permutation(X.shape[0])[:3277]
    return X[train], y[train]


def serial(epoch_function, X, codes, n_epochs, draws=True, train=True):
    """The training loop with the draws in the calling thread (the old ``fit``)."""
    generator = np.random.default_rng(0)
    sizes = np.array([X.shape[1], *HIDDEN, 2], dtype=np.int64)
    params = _Parameters(sizes)
    offsets = np.array([offset for offset, _, _ in params.shapes], dtype=np.int64)
    flat = generator.standard_normal(params.size) / np.sqrt(12)
    first, second = np.zeros_like(flat), np.zeros_like(flat)
    noise = generator.standard_normal((X.shape[0], sum(HIDDEN)))
    order = generator.permutation(X.shape[0])
    step = 0
    for _ in range(n_epochs):
        if draws:
            order = generator.permutation(X.shape[0])
            generator.standard_normal(out=noise)
        if train:
            _, step = epoch_function(
                flat, first, second, step, X, codes, order, noise, 0.005, sizes, offsets, 0, 4e-4, 256, 0.0
            )


def timed(func):
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def main(n_epochs=500, full=False):
    from skinfo._kernels._mlp import train_epoch

    X, y = data()
    codes = y.astype(np.int64)
    NoisyMLP(HIDDEN, n_epochs=2, **SETTINGS).fit(X, y)  # compile / load the cache
    rows = [
        ("NumPy path (draws in line)", timed(lambda: serial(_numpy_epoch, X, codes, n_epochs))),
        ("kernel, draws in line", timed(lambda: serial(train_epoch, X, codes, n_epochs))),
        (
            "NoisyMLP.fit (draws prefetched)",
            timed(lambda: NoisyMLP(HIDDEN, n_epochs=n_epochs, **SETTINGS).fit(X, y)),
        ),
        ("  kernel alone", timed(lambda: serial(train_epoch, X, codes, n_epochs, draws=False))),
        ("  draws alone", timed(lambda: serial(train_epoch, X, codes, n_epochs, train=False))),
    ]
    base = rows[0][1]
    print(f"{n_epochs} epochs of the default configuration (3277 rows, batch 256)")
    print(f"{'path':<34}{'wall s':>9}{'ms/epoch':>10}{'speed-up':>10}")
    for label, wall in rows:
        print(f"{label:<34}{wall:>9.2f}{1e3 * wall / n_epochs:>10.3f}{base / wall:>10.1f}")
    if full:
        numpy_wall = timed(lambda: serial(_numpy_epoch, X, codes, 10_000))
        wall = timed(lambda: NoisyMLP(HIDDEN, n_epochs=10_000, **SETTINGS).fit(X, y))
        print(
            f"\n10,000 epochs: NumPy path {numpy_wall:.1f} s, NoisyMLP.fit {wall:.1f} s "
            f"(speed-up {numpy_wall / wall:.1f})"
        )


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if a != "--full"]
    main(int(arguments[0]) if arguments else 500, full="--full" in sys.argv)
