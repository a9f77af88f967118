"""Silhouette score: skinfo's O(n)-memory Numba kernel vs sklearn.metrics.silhouette_score.

Run from the repository root: ``python benchmarks/bench_silhouette.py``. Gaussian
clusters in d = 12; times are the best of a few runs after a warm-up (JIT compile
time excluded); skinfo uses all Numba threads, sklearn its defaults. Besides wall
times the table gives the ratio of CPU times (summed over threads): the work ratio,
which a machine shared with other jobs distorts less than the wall-time ratio.
"""

import sys
import time
from pathlib import Path

import numpy as np
from sklearn import metrics

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from skinfo import silhouette_score  # noqa: E402

CASES = [(4096, 2), (4096, 10), (20000, 2), (20000, 10)]
N_FEATURES = 12


def best_time(func, repeats, *args, **kwargs):
    """Best wall time, the CPU time of that run, and the result."""
    runs = []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = func(*args, **kwargs)
        runs.append((time.perf_counter() - start, time.process_time() - start_cpu))
    wall, cpu = min(runs)
    return wall, cpu, result


def main():
    rng = np.random.default_rng(0)
    for metric in ("euclidean", "cosine"):
        silhouette_score(rng.standard_normal((600, N_FEATURES)), rng.integers(0, 3, 600), metric=metric)
    header = ("n", "labels", "metric", "skinfo (s)", "sklearn (s)", "ratio", "cpu ratio", "|diff|")
    print("{:>6} {:>6} {:>9} {:>11} {:>12} {:>7} {:>9} {:>9}".format(*header))
    for metric in ("euclidean", "cosine"):
        for n, n_labels in CASES:
            labels = rng.integers(0, n_labels, n)
            T = rng.standard_normal((n, N_FEATURES)) + 0.5 * labels[:, None]
            ours, ours_cpu, s_ours = best_time(silhouette_score, 3, T, labels, metric=metric)
            sklearn_repeats = 1 if n > 5000 else 2
            theirs, theirs_cpu, s_theirs = best_time(
                metrics.silhouette_score, sklearn_repeats, T, labels, metric=metric
            )
            print(
                f"{n:6d} {n_labels:6d} {metric:>9} {ours:11.4f} {theirs:12.4f} {theirs / ours:6.1f}x "
                f"{theirs_cpu / ours_cpu:8.1f}x {abs(s_ours - s_theirs):9.1e}"
            )


if __name__ == "__main__":
    main()
