"""SP estimator speed: skinfo vs the dense NumPy/SciPy way vs the authors' KDE way.

Run: ``python benchmarks/bench_sp.py [--quick]``.  Prints one table per
target of issue 2; every ratio is measured side by side in this run, compile
time excluded (each kernel is warmed up first).

Competitors
  (a) dense NumPy/SciPy: blocked ``cdist(..., "sqeuclidean")`` + ``scipy.special.logsumexp``
  (b) authors' way: ``KernelDensity(bandwidth=b, rtol=1e-3)`` fitted on the centres,
      ``score_samples`` on the Monte Carlo points (naive Monte Carlo, no control variate)
  floor: this machine's exp throughput (skinfo's vectorised exp, all threads) plus
      the BLAS time of the cross terms for the same number of pairs.
"""

import argparse
import math
import time

import numba
import numpy as np
from scipy.spatial.distance import cdist
from scipy.special import logsumexp
from sklearn.neighbors import KernelDensity

from skinfo import NoisyMutualInformation, SPEntropy
from skinfo._kernels._fastexp import exp_nonpositive
from skinfo._kernels._jit import parallel_jit
from skinfo._mixture import mixture_log_sum_exp
from skinfo.entropy import gaussian_noise_entropy


def best_time(func, repeat=3):
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def numpy_sp_entropy(S, noise_std, n_mc, rng, block=1024):
    """The obvious way: blocked cdist + logsumexp, same control-variate estimate."""
    n, d = S.shape
    total = 0.0
    for start in range(0, n, block):
        stop = min(n, start + block)
        noise = noise_std * rng.standard_normal((stop - start, n_mc, d)).reshape(-1, d)
        queries = np.repeat(S[start:stop], n_mc, axis=0) + noise
        lse = logsumexp(-cdist(queries, S, "sqeuclidean") / (2 * noise_std**2), axis=1)
        total += np.sum(lse + 0.5 * np.einsum("ij,ij->i", noise, noise) / noise_std**2)
    return gaussian_noise_entropy(d, noise_std) + math.log(n) - total / (n * n_mc)


@parallel_jit
def _exp_stream(values, reps, out):
    for r in numba.prange(reps):
        s = 0.0
        for j in range(values.shape[0]):
            s += exp_nonpositive(values[j] - 0.001 * r)
        out[r] = s


def floor_seconds(n_queries, n_centres, n_features):
    """exp of every pair on all threads + the GEMM of the cross terms."""
    values = -np.random.default_rng(0).random(n_centres) * 20
    out = np.empty(n_queries)
    _exp_stream(values, 2, out[:2])
    t_exp = best_time(lambda: _exp_stream(values, n_queries, out), repeat=2)
    A = np.random.default_rng(1).normal(size=(n_queries, n_features))
    B = np.random.default_rng(2).normal(size=(n_features, n_centres))
    chunk = max(1, (1 << 26) // n_centres)

    def gemm():
        for s in range(0, n_queries, chunk):
            A[s : s + chunk] @ B

    return t_exp + best_time(gemm, repeat=2)


def dense_table(configs):
    print("\n== dense path: skinfo vs blocked cdist+logsumexp vs machine floor ==")
    print(f"{'n':>6} {'d':>5} {'n_mc':>5} | {'skinfo s':>9} {'numpy s':>9} {'floor s':>8} | "
          f"{'numpy/skinfo':>12} {'skinfo/floor':>12} | {'|diff| nats':>11}")
    for n, d, n_mc in configs:
        rng = np.random.default_rng(0)
        S = np.tanh(rng.normal(size=(n, d)))
        noise_std = 0.1 if d < 100 else 1.0
        est = SPEntropy(noise_std=noise_std, n_mc=n_mc, method="dense", random_state=0)
        est.fit(S[:50])  # compile
        t_ours = best_time(lambda: est.fit(S))
        t_np = best_time(lambda: numpy_sp_entropy(S, noise_std, n_mc, np.random.default_rng(0)), repeat=1)
        diff = abs(est.entropy_ - numpy_sp_entropy(S, noise_std, n_mc, np.random.default_rng(5)))
        t_floor = floor_seconds(n * n_mc, n, d)
        print(f"{n:>6} {d:>5} {n_mc:>5} | {t_ours:>9.3f} {t_np:>9.3f} {t_floor:>8.3f} | "
              f"{t_np / t_ours:>12.1f} {t_ours / t_floor:>12.2f} | {diff:>11.2e}")


def clustered_layer(n_inputs, n_replicas, n_features, noise_std, seed=0):
    """tanh-like clustered activations: 12-bit inputs through a saturating layer,
    ``n_replicas`` noisy copies each (what a noisy deeper layer produces)."""
    rng = np.random.default_rng(seed)
    bits = ((np.arange(n_inputs)[:, None] >> np.arange(12)) & 1).astype(float)
    W = rng.normal(size=(12, n_features)) * 2.0
    base = np.tanh(bits @ W - W.sum(0) / 2)
    return base[:, None, :] + noise_std * rng.normal(size=(n_inputs, n_replicas, n_features))


def exact_log_density(S, T, noise_std, block=256):
    out = np.empty(T.shape[0])
    for s in range(0, T.shape[0], block):
        out[s : s + block] = logsumexp(-cdist(T[s : s + block], S, "sqeuclidean") / (2 * noise_std**2), axis=1)
    return out - math.log(S.shape[0]) - 0.5 * S.shape[1] * math.log(2 * math.pi * noise_std**2)


def small_noise_table(sizes, noise_std=0.005, n_features=5):
    print("\n== small-noise path (b=0.005, d=5, clustered tanh data: 4096 inputs x r noisy replicas) ==")
    print("seconds per Monte Carlo draw per centre; 'SPEntropy' treats the pooled samples as n unrelated"
          " points, 'NoisyMI' uses each input's replicas as a block (its I(X;T) fit scores every pooled"
          " replica as a query here)")
    print(f"{'n':>7} | {'KDE s':>7} | {'SPEntropy n_mc=1':>16} {'ratio':>6} | {'n_mc=10 per draw':>16} {'ratio':>6} | "
          f"{'NoisyMI per draw':>16} {'ratio':>6} | {'max err skinfo':>14} {'max err KDE':>11}")
    for n in sizes:
        n_replicas = n // 4096
        layer = clustered_layer(4096, n_replicas, n_features, noise_std)
        S = layer.reshape(-1, n_features)
        rng = np.random.default_rng(1)
        T = S + noise_std * rng.standard_normal(S.shape)
        est = SPEntropy(noise_std=noise_std, n_mc=1, random_state=0)
        est.fit(S[:3000])
        t_one = best_time(lambda: est.fit(S), repeat=2)
        est10 = SPEntropy(noise_std=noise_std, n_mc=10, random_state=0)
        t_ten = best_time(lambda: est10.fit(S), repeat=1) / 10
        mi = NoisyMutualInformation(noise_std=noise_std, n_mc=2, query_replicas=n_replicas, random_state=0)
        t_mi = best_time(lambda: mi.fit(layer), repeat=1) / 2
        kde = KernelDensity(bandwidth=noise_std, rtol=1e-3).fit(S)
        t_kde = best_time(lambda: kde.score_samples(T), repeat=1)
        pick = rng.choice(n, 2000, replace=False)
        exact = exact_log_density(S, T[pick], noise_std)
        lse, _ = mixture_log_sum_exp(T[pick], S, noise_std, query_centre=pick, method="tree")
        ours = lse[:, 0] - math.log(n) - 0.5 * n_features * math.log(2 * math.pi * noise_std**2)
        err_ours = np.abs(ours - exact).max()
        err_kde = np.abs(kde.score_samples(T[pick]) - exact).max()
        print(f"{n:>7} | {t_kde:>7.3f} | {t_one:>16.3f} {t_kde / t_one:>6.1f} | {t_ten:>16.3f} {t_kde / t_ten:>6.1f} | "
              f"{t_mi:>16.3f} {t_kde / t_mi:>6.1f} | {err_ours:>14.2e} {err_kde:>11.2e}"
              f"   [methods {est.method_}, {mi.method_}]")


def time_to_standard_error(target=0.01, noise_std=0.005, n_features=4, n_replicas=20):
    """Seconds to reach SE <= target on I(X;T) of an SZT-like layer."""
    print(f"\n== time to a standard error of {target} nats on I(X;T), SZT-like layer (4096 inputs, d={n_features}) ==")
    S = clustered_layer(4096, n_replicas, n_features, noise_std)
    # skinfo: control variate + common random numbers; grow n_mc until SE <= target.
    est = NoisyMutualInformation(noise_std=noise_std, n_mc=1, random_state=0).fit(S[:100])
    n_mc = 1
    while True:
        est.set_params(n_mc=n_mc)
        t_ours = best_time(lambda: est.fit(S), repeat=1)
        if est.standard_error_ <= target or n_mc >= 64:
            break
        n_mc *= 2
    # Authors: naive MC on h(T) with KDE over all pooled centres; h(T|X) likewise
    # over each input's replicas. Time one draw per centre of the h(T) term (the
    # dominant cost), then extrapolate to their 1000 draws per centre.
    centres = S.reshape(-1, n_features)
    rng = np.random.default_rng(3)
    kde = KernelDensity(bandwidth=noise_std, rtol=1e-3).fit(centres)
    queries = centres + noise_std * rng.standard_normal(centres.shape)
    t_draw = best_time(lambda: kde.score_samples(queries), repeat=1)
    naive = -kde.score_samples(queries)
    naive_se_one_draw = naive.std() / math.sqrt(naive.size)
    draws_needed = max(1, math.ceil((naive_se_one_draw / target) ** 2))
    print(f"skinfo: n_mc={n_mc}, SE={est.standard_error_:.2e} nats, I(X;T)={est.mutual_information_:.3f}, "
          f"{t_ours:.2f} s [method={est.method_}]")
    print(f"KDE (authors): {t_draw:.2f} s per draw per centre over {centres.shape[0]} centres; naive SE after one "
          f"draw {naive_se_one_draw:.2e} nats (h(T) term alone); needs {draws_needed} draw(s) for {target}")
    print(f"ratio vs the authors' 1000 draws per centre: {1000 * t_draw / t_ours:.0f}x;"
          f" vs KDE draws needed for the same SE: {draws_needed * t_draw / t_ours:.1f}x")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (a smoke run)")
    args = parser.parse_args()
    print(f"numba threads: {numba.get_num_threads()}, threading layer on first use")
    if args.quick:
        dense_table([(1024, 12, 1)])
        small_noise_table([40960])
    else:
        dense_table([(4096, 12, 1), (4096, 12, 10), (2000, 1000, 1)])
        small_noise_table([40960, 163840])
        time_to_standard_error()


if __name__ == "__main__":
    main()
