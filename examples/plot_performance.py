"""
Performance: the dense and truncated (tree) SP paths
====================================================

:class:`skinfo.SPEntropy` and :class:`skinfo.NoisyMutualInformation` evaluate
the Gaussian mixture at ``n * n_mc`` Monte Carlo points. ``method="dense"``
sums all n centres (O(n^2 n_mc d)). ``method="tree"`` keeps, for every query,
only the centres within a radius chosen so that each log-density is low by at
most 1e-12 nats, found through a neighbour graph of centre blocks: when the
noise is small relative to the spread of the activations (the usual case in
a trained network) the cost grows far slower than n^2. ``"auto"`` probes the
neighbour counts and picks.

This example times both paths on a 3-unit tanh layer at gallery sizes and
checks that they agree to far below the standard error. Timings here are
indicative (the documentation build shares its machine); the tables on the
:doc:`performance page </performance>` come from ``benchmarks/bench_sp.py``.
"""

import time

import matplotlib.pyplot as plt
import numpy as np

from skinfo import SPEntropy

rng = np.random.default_rng(0)
noise_std = 0.02
sizes = [500, 1000, 2000, 4000, 8000]

# Compile the kernels once so the timings exclude JIT compilation.
warm = np.tanh(3 * rng.normal(size=(300, 3)))
for method in ("dense", "tree"):
    SPEntropy(noise_std=noise_std, n_mc=2, method=method, random_state=0).fit(warm)

timings = {"dense": [], "tree": []}
for n in sizes:
    S = np.tanh(3 * rng.normal(size=(n, 3)))
    estimates = {}
    for method in timings:
        start = time.perf_counter()
        est = SPEntropy(noise_std=noise_std, n_mc=2, method=method, random_state=0).fit(S)
        timings[method].append(time.perf_counter() - start)
        estimates[method] = (est.entropy_, est.standard_error_)
    gap = abs(estimates["dense"][0] - estimates["tree"][0])
    print(
        f"n={n:5d}  dense {timings['dense'][-1]:7.3f} s  tree {timings['tree'][-1]:7.3f} s  "
        f"ratio {timings['dense'][-1] / timings['tree'][-1]:5.1f}x  "
        f"|dense - tree| = {gap:.1e} nats (SE {estimates['dense'][1]:.1e})"
    )

fig, ax = plt.subplots(figsize=(5, 3.6), constrained_layout=True)
for method, seconds in timings.items():
    ax.loglog(sizes, seconds, "o-", label=f'method="{method}"')
ax.loglog(sizes, timings["dense"][0] * (np.array(sizes) / sizes[0]) ** 2, "k:", lw=1, label="n^2")
ax.set(xlabel="samples n", ylabel="seconds (n_mc = 2)", title="SPEntropy, d = 3, noise_std = 0.02")
ax.legend()
plt.show()
