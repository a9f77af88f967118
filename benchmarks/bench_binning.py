"""Binned entropy H(Bin T): skinfo's O(m d) hash counting vs the np.unique(axis=0) way.

Run from the repository root: ``python benchmarks/bench_binning.py``. Both sides bin
tanh activations into 30 equal-width bins on [-1, 1] and return the plug-in entropy;
times are the best of several runs after a warm-up (JIT compile time excluded).
"""

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from skinfo import binned_entropy  # noqa: E402

SHAPES = [(4096, 12), (60000, 12), (60000, 100)]
REPEATS = 5


def numpy_unique_entropy(T, n_bins=30):
    """The obvious way: digitize, np.unique over rows, entropy of the counts."""
    edges = np.linspace(-1.0, 1.0, n_bins + 1)
    digitized = np.digitize(T, edges[1:-1])
    _, counts = np.unique(digitized, axis=0, return_counts=True)
    p = counts / counts.sum()
    return float(-np.sum(p * np.log(p)))


def best_time(func, *args):
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        result = func(*args)
        times.append(time.perf_counter() - start)
    return min(times), result


def main():
    rng = np.random.default_rng(0)
    binned_entropy(np.tanh(rng.standard_normal((64, 12))))  # compile / load the cache
    print(f"{'shape':>14} {'skinfo (ms)':>12} {'np.unique (ms)':>15} {'ratio':>7} {'|dH|':>9}")
    for shape in SHAPES:
        T = np.tanh(rng.standard_normal(shape) * 0.7)
        ours, h_ours = best_time(binned_entropy, T)
        theirs, h_theirs = best_time(numpy_unique_entropy, T)
        print(
            f"{str(shape):>14} {ours * 1e3:12.2f} {theirs * 1e3:15.2f} {theirs / ours:6.1f}x "
            f"{abs(h_ours - h_theirs):9.1e}"
        )


if __name__ == "__main__":
    main()
