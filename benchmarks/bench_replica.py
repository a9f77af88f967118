"""Extra cost of the replica-bias correction, side by side with the plug-in.

Run: python benchmarks/bench_replica.py [n_epochs]

Trains the SZT network of ``skinfo info-plane`` (default settings) for
``n_epochs`` (default 1000), samples every hidden layer with the default 20
replicas, and times on each deeper layer (the first is deterministic: no
correction) the plug-in ``_estimate_noisy_mi`` and the correction
``_estimate_replica_correction`` with the info-plane defaults (n_mc=1,
query_replicas=1), one after the other in one run. Prints the ratio
correction / plug-in per layer and the bias and total error found. Compile
time is excluded by a warm-up call.
"""

import sys
import time

import numpy as np

from skinfo.datasets import load_szt
from skinfo.mutual_info._noisy import _estimate_noisy_mi
from skinfo.mutual_info._replica import _estimate_replica_correction
from skinfo.networks import NoisyMLP, NoisyNetwork


def best_of(func, repeats=3):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        out = func()
        times.append(time.perf_counter() - start)
    return out, min(times)


def main(n_epochs=1000, noise_std=0.005, n_replicas=20):
    X, y = load_szt()
    X = X.astype(np.float64)
    mlp = NoisyMLP(n_epochs=n_epochs, noise_std=noise_std, checkpoints=1, random_state=0).fit(X, y)
    net = NoisyNetwork(mlp.layers(mlp.checkpoint_epochs_[-1]), noise_std, random_state=0)
    samples = net.sample(X, n_replicas)
    codes = y.astype(np.int64)
    args = (noise_std, 1, 1, "auto", 0, None)
    _estimate_replica_correction(
        samples[1][:64], codes[:64], *args, _estimate_noisy_mi(samples[1][:64], codes[:64], *args)
    )
    print(f"layer  width  plug-in_s  correction_s  ratio   mi_x   bias_x   se_x  mc_se_x  (epoch {n_epochs})")
    total_plugin = total_correction = 0.0
    for index, S in enumerate(samples[1:], start=2):
        plugin, t_plugin = best_of(lambda S=S: _estimate_noisy_mi(S, codes, *args))
        corr, t_corr = best_of(lambda S=S, p=plugin: _estimate_replica_correction(S, codes, *args, p))
        total_plugin += t_plugin
        total_correction += t_corr
        print(
            f"{index:5d}  {S.shape[2]:5d}  {t_plugin:9.3f}  {t_corr:12.3f}  {t_corr / t_plugin:5.2f}  "
            f"{plugin.mutual_information:5.3f}  {corr.bias:7.3f}  {corr.standard_error:5.3f}  "
            f"{corr.mc_standard_error:7.3f}"
        )
    print(
        f"layers 2-5: plug-in {total_plugin:.3f} s, correction {total_correction:.3f} s, "
        f"ratio {total_correction / total_plugin:.2f} (shared machine: compare ratios, not seconds)"
    )


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]))
