"""Kolchinsky-Tracey pairwise bounds: skinfo's O(n)-memory kernel vs the dense NumPy n x n way.

Run: ``python benchmarks/bench_bounds.py [--quick] [--sizes 4096 20000]``.  Each
(method, n) runs in a fresh subprocess so its peak resident memory (ru_maxrss,
minus the process's resident size just before the timed call) is its own; the
kernel is warmed up before timing, so compile time is excluded.  One table,
times and ratios measured side by side in this run.

Competitor: the dense way written sensibly (one n x n Gram matrix turned in
place into squared distances, one n x n exp buffer), i.e. about 2 n^2 doubles.
The KL and Bhattacharyya row sums need no running maximum (the diagonal term
is exp(0) = 1), so no logsumexp temporaries.
"""

import argparse
import json
import math
import resource
import subprocess
import sys
import time

import numpy as np


def dense_bounds(S, noise_std):
    n, d = S.shape
    S = S - S.mean(axis=0)
    sq = np.einsum("ij,ij->i", S, S)
    G = S @ S.T
    G *= -2.0
    G += sq[:, None]
    G += sq[None, :]
    np.maximum(G, 0.0, out=G)
    G *= -0.5 / noise_std**2
    E = np.exp(G)
    kl = np.log(E.sum(axis=1))
    G *= 0.25
    np.exp(G, out=E)
    bh = np.log(E.sum(axis=1))
    h_noise = 0.5 * d * math.log(2 * math.pi * math.e * noise_std**2)
    return h_noise + math.log(n) - bh.mean(), h_noise + math.log(n) - kl.mean()


def _rss_bytes():
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * resource.getpagesize()


def run_one(method, n, d, noise_std, repeat):
    """Time one method in this process; print a JSON line."""
    from skinfo import pairwise_entropy_bounds

    S = np.tanh(np.random.default_rng(0).normal(size=(n, d)))
    if method == "dense":
        func = dense_bounds
    else:
        n_jobs = None if method == "skinfo" else int(method.split("-")[1])

        def func(S, noise_std):
            return pairwise_entropy_bounds(S, noise_std, n_jobs=n_jobs)

    func(S[:256], noise_std)  # compile / warm caches
    baseline = _rss_bytes()
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        value = func(S, noise_std)
        best = min(best, time.perf_counter() - start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - baseline
    print(json.dumps({"seconds": best, "peak_bytes": max(peak, 0), "lower": value[0], "upper": value[1]}))


def spawn(method, n, d, noise_std, repeat):
    out = subprocess.run(
        [sys.executable, __file__, "--one", method, str(n), str(d), str(noise_std), str(repeat)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n = 2048 only")
    parser.add_argument("--sizes", type=int, nargs="+", default=[4096, 20000])
    parser.add_argument("--one", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        method, n, d, noise_std, repeat = args.one
        run_one(method, int(n), int(d), float(noise_std), int(repeat))
        return
    import numba

    sizes = [2048] if args.quick else args.sizes
    d, noise_std = 12, 0.5
    print(f"numba threads: {numba.config.NUMBA_NUM_THREADS}; d={d}, noise_std={noise_std}, tanh(N(0,1)) data")
    print(
        f"{'n':>6} {'threads':>7} | {'skinfo s':>9} {'dense s':>9} {'dense/skinfo':>12} | "
        f"{'skinfo MiB':>10} {'dense MiB':>10} {'mem ratio':>9} | {'max |diff| nats':>15}"
    )
    for n in sizes:
        repeat = 3 if n <= 8192 else 1
        dense = spawn("dense", n, d, noise_std, repeat)
        for method, threads in (("skinfo-1", "1"), ("skinfo", "all")):
            ours = spawn(method, n, d, noise_std, repeat)
            diff = max(abs(ours["lower"] - dense["lower"]), abs(ours["upper"] - dense["upper"]))
            mib_ours = ours["peak_bytes"] / 2**20
            mib_dense = dense["peak_bytes"] / 2**20
            print(
                f"{n:>6} {threads:>7} | {ours['seconds']:>9.3f} {dense['seconds']:>9.3f} "
                f"{dense['seconds'] / ours['seconds']:>12.1f} | {mib_ours:>10.1f} {mib_dense:>10.1f} "
                f"{mib_dense / max(mib_ours, 0.1):>9.0f} | {diff:>15.2e}"
            )
    print(
        "memory: peak resident growth during the timed call (skinfo: the n x 4 sums, the sorted and "
        "centred copy of S, two 256 x 256 tiles per thread); dense NumPy is single-threaded except "
        "its BLAS Gram matrix"
    )


if __name__ == "__main__":
    main()
