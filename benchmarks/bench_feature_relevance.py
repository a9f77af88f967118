"""SP feature relevance: sp_feature_relevance vs one NoisyMutualInformation per column vs sklearn's kNN MI.

Run: ``python benchmarks/bench_feature_relevance.py``. One table of wall times
(best of 3 after a warm-up, compile time excluded) and ratios to
``sp_feature_relevance``, on the digits (integer pixels: 17 distinct values)
and on the same data with a little continuous jitter (all values distinct).
"""

import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.feature_selection import mutual_info_classif

from skinfo import NoisyMutualInformation
from skinfo.mutual_info import sp_feature_relevance

N_MC = 5


def per_column(X, y):
    Xs = X / np.where(X.std(axis=0) > 0, X.std(axis=0), 1.0)
    estimator = NoisyMutualInformation(noise_std=0.5, n_mc=N_MC, random_state=0)
    return [
        estimator.fit(Xs[:, [j]], y).label_information_ if np.ptp(Xs[:, j]) > 0 else 0.0
        for j in range(X.shape[1])
    ]


def best_of(fn, repeats=3):
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    X, y = load_digits(return_X_y=True)
    jittered = X + np.random.default_rng(0).normal(scale=0.01, size=X.shape)
    print(f"{'data':24s} {'method':40s} {'seconds':>8} {'ratio':>7}")
    for label, data in [("digits (17 levels)", X), ("digits + jitter", jittered)]:
        methods = {
            "sp_feature_relevance": lambda data=data: sp_feature_relevance(
                data, y, n_mc=N_MC, random_state=0
            ),
            "NoisyMutualInformation per column": lambda data=data: per_column(data, y),
            "sklearn mutual_info_classif (kNN)": lambda data=data: mutual_info_classif(
                data, y, random_state=0
            ),
        }
        reference = None
        for name, fn in methods.items():
            seconds = best_of(fn)
            reference = reference or seconds
            print(f"{label:24s} {name:40s} {seconds:8.3f} {seconds / reference:7.2f}")


if __name__ == "__main__":
    main()
