"""SP estimator speed: skinfo vs the dense NumPy/SciPy way vs the authors' KDE way.

Run: ``python benchmarks/bench_sp.py [--quick] [--mnist]``.  Prints one table
per target; every ratio is measured side by side in this run, compile time
excluded (each kernel is warmed up first).

Competitors
  (a) dense NumPy/SciPy: blocked ``cdist(..., "sqeuclidean")`` + ``scipy.special.logsumexp``
  (b) authors' way: ``KernelDensity(bandwidth=b, rtol=1e-3)`` fitted on the centres,
      ``score_samples`` on the Monte Carlo points (naive Monte Carlo, no control variate)
  (c) the previous dense kernel design: one buffer of all n_centres exponents
      per query (max, exp, sum over the whole row), re-written below
  floor: this machine's exp throughput (skinfo's vectorised exp, all threads) plus
      the BLAS time of the cross terms for the same number of pairs.
  (d) the previous exp (degree-12 polynomial, re-written below) next to the
      kernels' table exp, in the exp table and as a second floor column.
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
from skinfo._kernels._common import exp_affine_sum, lane_sum, range_max, sq_dist_into
from skinfo._kernels._fastexp import exp_nonpositive, fma
from skinfo._kernels._jit import jit, parallel_jit
from skinfo._kernels._mixture import mixture_lse_direct
from skinfo._mixture import Groups, mixture_log_sum_exp
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


@jit
def _exp_row(values, shift):
    # As the kernels do it: each 1024-value tile is copied into an L1-resident
    # buffer (where the distance pass writes it), exponentiated in place and
    # summed in the same pass (a serial function: inside a prange body the
    # loops lose vectorisation).
    buf = np.empty(1024)
    total = 0.0
    for start in range(0, values.shape[0], 1024):
        width = min(values.shape[0], start + 1024) - start
        row = values[start : start + width]  # a slice: no wraparound check blocking SIMD
        for j in range(width):
            buf[j] = row[j]
        total += exp_affine_sum(buf, width, 1.0, -shift)
    return total


@jit
def _exp_row_horner12(values, shift):
    """:func:`_exp_row` with the previous kernels' exp (``exp_nonpositive``,
    degree-12 Taylor by Horner, 18 vector FP operations per 8 values against
    12 for the table exp) and a separate lane sum."""
    buf = np.empty(1024)
    total = 0.0
    for start in range(0, values.shape[0], 1024):
        width = min(values.shape[0], start + 1024) - start
        row = values[start : start + width]
        for j in range(width):
            buf[j] = row[j]
        for j in range(width):
            buf[j] = exp_nonpositive(fma(buf[j], 1.0, -shift))
        total += lane_sum(buf, 0, width)
    return total


@parallel_jit
def _exp_stream(values, reps, out):
    for r in numba.prange(reps):
        out[r] = _exp_row(values, 0.001 * r)


@parallel_jit
def _exp_stream_horner12(values, reps, out):
    for r in numba.prange(reps):
        out[r] = _exp_row_horner12(values, 0.001 * r)


def exp_table(n_values=409_600, reps=512, threads=(1, 2)):
    """exp throughput: the kernels' table exp vs the previous degree-12 exp,
    interleaved in one run (best of 5 each), on 1 and 2 threads."""
    print(f"\n== exp throughput: {reps} x {n_values} values in [-20, 0] (G values/s) ==")
    print(f"{'threads':>7} | {'table exp':>9} {'degree-12 exp':>13} | {'ratio':>5} | {'max rel diff':>12}")
    values = -np.random.default_rng(0).random(n_values) * 20
    out_new = np.empty(reps)
    out_old = np.empty(reps)
    _exp_stream(values, 2, out_new[:2])
    _exp_stream_horner12(values, 2, out_old[:2])
    default = numba.get_num_threads()
    try:
        for n_threads in threads:
            if n_threads > default:
                continue
            numba.set_num_threads(n_threads)
            t_new = t_old = math.inf
            for _ in range(5):
                t_new = min(t_new, best_time(lambda: _exp_stream(values, reps, out_new), repeat=1))
                t_old = min(t_old, best_time(lambda: _exp_stream_horner12(values, reps, out_old), repeat=1))
            g = reps * n_values / 1e9
            diff = np.max(np.abs(out_new / out_old - 1))
            print(
                f"{n_threads:>7} | {g / t_new:>9.2f} {g / t_old:>13.2f} | {t_old / t_new:>5.2f} | {diff:>12.1e}"
            )
    finally:
        numba.set_num_threads(default)


def floor_seconds(n_queries, n_centres, n_features):
    """exp of every pair on all threads + the GEMM of the cross terms.

    The GEMM writes every cross term to memory, which a streaming kernel
    never does: at small d it is memory-bound and this "floor" can be
    slower than the kernel itself (see :func:`exp_floor_seconds`)."""
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


def exp_floor_seconds(n_queries, n_centres, stream=_exp_stream):
    """exp of every pair on all threads: what no dense kernel can beat
    (``stream=_exp_stream_horner12``: with the previous exp, for reference)."""
    values = -np.random.default_rng(0).random(n_centres) * 20
    out = np.empty(n_queries)
    stream(values, 2, out[:2])
    return best_time(lambda: stream(values, n_queries, out), repeat=2)


@jit
def _dist_block(queries, centres_t, q_lo, q_hi):
    # The distance half of the dense kernel alone, in its order: each tile of
    # centres passes every query of the block, its squared distances written
    # to an L1 buffer (the exp half is exp_floor_seconds).
    buf = np.empty(1024)
    total = 0.0
    n_centres = centres_t.shape[1]
    for start in range(0, n_centres, 1024):
        width = min(n_centres, start + 1024) - start
        for q in range(q_lo, q_hi):
            sq_dist_into(buf, queries[q], centres_t, start, width)
            total += buf[0]
    return total


@parallel_jit
def _dist_stream(queries, centres_t, out):
    n_queries = queries.shape[0]
    for block in numba.prange((n_queries + 63) // 64):
        out[block] = _dist_block(queries, centres_t, block * 64, min(n_queries, block * 64 + 64))


def dist_floor_seconds(queries, centres_t):
    """Squared distances of every pair on all threads, the dense kernel's
    other half: with :func:`exp_floor_seconds` the floor of a kernel that
    forms exact distances (no expansion) and their exponentials."""
    out = np.empty((queries.shape[0] + 63) // 64)
    _dist_stream(queries[:8], centres_t[:, :100].copy(), out[:1])
    return best_time(lambda: _dist_stream(queries, centres_t, out), repeat=2)


@parallel_jit
def _row_buffer_lse(queries, centres_t, inv_two_var, out):
    """The previous dense design: a buffer of every centre's exponent per query."""
    n_queries = queries.shape[0]
    n_centres = centres_t.shape[1]
    for block in numba.prange((n_queries + 63) // 64):
        buf = np.empty(n_centres)
        for q in range(block * 64, min(n_queries, block * 64 + 64)):
            sq_dist_into(buf, queries[q], centres_t, 0, n_centres)
            for j in range(n_centres):
                buf[j] = -buf[j] * inv_two_var
            m = range_max(buf, 0, n_centres)
            for j in range(n_centres):
                buf[j] = exp_nonpositive(buf[j] - m)
            out[q] = m + math.log(lane_sum(buf, 0, n_centres))


def streaming_table(n_queries=4096, n_centres=409_600, dims=(3, 5, 10)):
    """Kernel evaluations per second of the dense path at many centres.

    Columns: the streaming kernel with a running maximum (any queries), the
    same kernel scaling by each query's own-centre term (the SP estimators'
    Monte Carlo queries; one pass, no tile bound), the previous row-buffer
    design, and this machine's floor: the kernels' table exp of every pair on
    all threads, each tile first copied into the L1 buffer as the distance
    pass writes it (the distances add 3d flops a pair on top; the own-shift
    kernel forms distances and exponentials in one pass without that buffer
    round trip, so at small d it can beat this floor), next to the same floor
    with the previous degree-12 exp, and the floor of exact distances: that
    exp pass plus a pass forming every squared distance the same way (tile
    by tile into the L1 buffer).  Above d ~ 5 the distances cost more than
    the exp, so the exp alone is no floor there.  A last column gives the effective rate
    of the full SP path on these queries (tiles in k-d tree order, far tiles
    bounded away), counting every pair as evaluated.
    """
    print(
        f"\n== dense kernel throughput: {n_queries} queries x {n_centres} centres (G kernel evaluations/s) =="
    )
    print(
        f"{'d':>4} | {'running-max G/s':>15} {'own-shift G/s':>13} {'row-buffer G/s':>14} {'exp floor G/s':>13} "
        f"{'deg-12 floor':>12} {'exp+dist floor':>14} | {'own-shift/floor':>15} {'own-shift/exp+dist':>18} | "
        f"{'SP path eff. G/s':>16} | {'|diff|':>8}"
    )
    rng = np.random.default_rng(0)
    no_ranges = np.zeros(n_queries, dtype=np.int64)
    for d in dims:
        centres = np.tanh(rng.normal(size=(n_centres, d)))
        own = np.arange(n_queries, dtype=np.int64)
        queries = centres[own] + 0.1 * rng.normal(size=(n_queries, d))
        centres_t = np.ascontiguousarray((centres - centres.mean(0)).T)
        shifted = queries - centres.mean(0)
        noise_shift = -np.sum((queries - centres[own]) ** 2, axis=1) * 50.0
        no_tiles = (np.empty((0, d)), np.empty(0))
        out = np.empty((n_queries, 3))

        def kernel(shift, out=out, shifted=shifted, centres_t=centres_t, no_tiles=no_tiles):
            ranges = (no_ranges, no_ranges, no_ranges, no_ranges)
            mixture_lse_direct(shifted, centres_t, 50.0, shift, *no_tiles, *ranges, out)
            return out[:, 0].copy()

        running = np.empty(0)
        mixture_lse_direct(
            shifted[:8], centres_t[:, :100].copy(), 50.0, running, *no_tiles, *([no_ranges[:8]] * 4), out[:8]
        )
        t_running = best_time(lambda: kernel(running), repeat=2)
        t_shift = best_time(lambda: kernel(noise_shift), repeat=2)
        new = kernel(noise_shift)
        old = np.empty(n_queries)
        _row_buffer_lse(shifted[:8], centres_t[:, :100].copy(), 50.0, old[:8])
        t_old = best_time(lambda: _row_buffer_lse(shifted, centres_t, 50.0, old), repeat=2)
        t_floor = exp_floor_seconds(n_queries, n_centres)
        t_floor_old = exp_floor_seconds(n_queries, n_centres, stream=_exp_stream_horner12)
        t_dist = dist_floor_seconds(shifted, centres_t)
        mixture_log_sum_exp(queries[:8], centres[:2000], 0.1, query_centre=own[:8], method="dense")
        t_sp = best_time(
            lambda: mixture_log_sum_exp(queries, centres, 0.1, query_centre=own, method="dense"), repeat=2
        )
        evals = n_queries * n_centres / 1e9
        print(
            f"{d:>4} | {evals / t_running:>15.2f} {evals / t_shift:>13.2f} {evals / t_old:>14.2f} "
            f"{evals / t_floor:>13.2f} {evals / t_floor_old:>12.2f} {evals / (t_floor + t_dist):>14.2f} | "
            f"{t_shift / t_floor:>15.2f} {t_shift / (t_floor + t_dist):>18.2f} | {evals / t_sp:>16.2f} | "
            f"{np.abs(new - old).max():>8.1e}"
        )


def layered_replicas(n_inputs, n_replicas, n_features, noise_std, n_classes=10, n_mc=10, seed=0):
    """A class-clustered noisy layer in NoisyMutualInformation's layout: inputs
    sorted by class, ``n_replicas`` noisy passes each, ``n_mc`` Monte Carlo
    queries around each input's first replica."""
    rng = np.random.default_rng(seed)
    codes = np.sort(rng.integers(0, n_classes, n_inputs))
    base = np.tanh(
        rng.normal(size=(n_classes, n_features))[codes] + 0.5 * rng.normal(size=(n_inputs, n_features))
    )
    centres = (base[:, None, :] + noise_std * rng.normal(size=(n_inputs, n_replicas, n_features))).reshape(
        -1, n_features
    )
    input_bounds = np.arange(n_inputs + 1, dtype=np.int64) * n_replicas
    class_bounds = np.searchsorted(codes, np.arange(n_classes + 1)).astype(np.int64) * n_replicas
    query_input = np.repeat(np.arange(n_inputs, dtype=np.int64), n_mc)
    query_centre = query_input * n_replicas
    queries = centres[query_centre] + noise_std * rng.normal(size=(query_input.shape[0], n_features))
    groups = Groups(input_bounds, class_bounds, query_input, codes[query_input])
    return queries, centres, groups, query_centre, input_bounds


def pruned_table(configs, noise_std=0.05):
    """High-dimensional class-clustered layers: pruned vs dense (the dense path
    is timed on a fraction of the queries and scaled, since it is linear in them)."""
    print(
        f"\n== high-dimensional pruning: class-clustered tanh layer, 10 classes, noise {noise_std}, n_mc=10 =="
    )
    print(
        f"{'m':>6} {'r':>3} {'d':>5} | {'auto s':>7} {'path':>6} | {'dense s (scaled)':>16} | "
        f"{'dense/auto':>10} | {'max|diff| vs exact':>18}"
    )
    for n_inputs, n_replicas, n_features, fraction in configs:
        queries, centres, groups, query_centre, bounds = layered_replicas(
            n_inputs, n_replicas, n_features, noise_std
        )
        mixture_log_sum_exp(
            queries[:50], centres[:3000], noise_std, query_centre=query_centre[:50], method="pruned"
        )
        start = time.perf_counter()
        lse, used = mixture_log_sum_exp(
            queries, centres, noise_std, groups=groups, query_centre=query_centre, blocks=bounds
        )
        t_auto = time.perf_counter() - start
        k = max(64, int(fraction * queries.shape[0]))
        part = Groups(
            groups.input_bounds, groups.class_bounds, groups.query_input[:k], groups.query_class[:k]
        )
        start = time.perf_counter()
        mixture_log_sum_exp(queries[:k], centres, noise_std, groups=part, method="dense")
        t_dense = (time.perf_counter() - start) * queries.shape[0] / k
        # Exact reference on a few queries (float64 direct distances, SciPy logsumexp).
        pick = np.arange(0, queries.shape[0], max(1, queries.shape[0] // 200))
        exact = np.array(
            [logsumexp(-np.sum((centres - queries[q]) ** 2, axis=1) / (2 * noise_std**2)) for q in pick]
        )
        err = np.abs(lse[pick, 0] - exact).max()
        print(
            f"{n_inputs:>6} {n_replicas:>3} {n_features:>5} | {t_auto:>7.2f} {used:>6} | {t_dense:>16.1f} | "
            f"{t_dense / t_auto:>10.1f} | {err:>18.2e}"
        )


def path_choice_table(configs):
    """``method="auto"`` against the best explicit method on a grid.

    "overhead": auto's best time over the best explicit method's (the cost of
    a wrong choice plus auto's probes); "own cost": the probes alone, as the
    median paired difference between auto and the method it chose."""
    print("\n== path choice: auto vs the best explicit method (seconds; overhead = auto / best - 1) ==")
    print(
        f"{'case':>34} | {'dense':>7} {'tree':>7} {'pruned':>7} | {'auto':>7} {'chose':>6} | {'overhead':>8} "
        f"{'own cost':>8}"
    )
    for label, make in configs:
        args, kwargs = make()
        times = {}
        for method in ("dense", "tree", "pruned", "auto"):
            try:
                mixture_log_sum_exp(*args, **kwargs, method=method)  # warm-up
                times[method] = math.inf
            except ValueError:
                times[method] = None
        # Methods timed in rounds (best of at least 7 each, more for short
        # calls: ~0.5 s of the fastest), in a fresh random order each round,
        # so none gains or loses from always running after another (caches,
        # freed memory, CPU frequency).
        rounds = np.random.default_rng(0)
        runnable = [method for method, best in times.items() if best is not None]
        start = time.perf_counter()
        mixture_log_sum_exp(*args, **kwargs, method="auto")
        n_rounds = max(7, min(60, int(0.5 / max(time.perf_counter() - start, 1e-4))))
        for _ in range(n_rounds):
            for method in rounds.permutation(runnable):
                start = time.perf_counter()
                mixture_log_sum_exp(*args, **kwargs, method=method)
                times[method] = min(times[method], time.perf_counter() - start)
        times = {m: math.inf if t is None else t for m, t in times.items()}
        chose = mixture_log_sum_exp(*args, **kwargs, method="auto")[1]
        best = min(times[m] for m in ("dense", "tree", "pruned"))
        # auto's own cost (its probes), free of the run-to-run drift that
        # moves whole rows by ~10 %: the median of paired differences between
        # auto and the path it chose, run back to back.
        differences = []
        for _ in range(max(11, n_rounds)):
            pair = {}
            for method in rounds.permutation(["auto", chose]):
                start = time.perf_counter()
                mixture_log_sum_exp(*args, **kwargs, method=method)
                pair[method] = time.perf_counter() - start
            differences.append(pair["auto"] - pair[chose])
        own_cost = float(np.median(differences)) / times[chose]
        print(
            f"{label:>34} | {times['dense']:>7.3f} {times['tree']:>7.3f} {times['pruned']:>7.3f} | "
            f"{times['auto']:>7.3f} {chose:>6} | {times['auto'] / best - 1:>8.1%} {own_cost:>8.1%}"
        )


def _sp_case(n, d, noise_std, seed=0):
    def make():
        rng = np.random.default_rng(seed)
        S = np.tanh(rng.normal(size=(n, d)))
        own = np.arange(n, dtype=np.int64)
        return (S + noise_std * rng.normal(size=S.shape), S, noise_std), {"query_centre": own}

    return make


def _mi_case(m, r, d, noise_std):
    def make():
        queries, centres, groups, query_centre, bounds = layered_replicas(m, r, d, noise_std, n_mc=2)
        return (queries, centres, noise_std), {
            "groups": groups,
            "query_centre": query_centre,
            "blocks": bounds,
        }

    return make


def gemm_crossover_table(dims=(8, 16, 24, 32, 48, 64), n_queries=2048, n_centres=20480):
    """Direct distance loop vs BLAS cross terms in the streaming dense kernel."""
    import skinfo._mixture as planner

    print(
        f"\n== dense: direct loop vs BLAS cross terms ({n_queries} x {n_centres}); planner switches at "
        f"d >= {planner._GEMM_MIN_FEATURES} =="
    )
    print(f"{'d':>4} | {'direct s':>8} {'gemm s':>8} | {'direct/gemm':>11}")
    saved = planner._GEMM_MIN_FEATURES
    rng = np.random.default_rng(0)
    try:
        for d in dims:
            centres = np.tanh(rng.normal(size=(n_centres, d)))
            queries = centres[:n_queries] + 0.1 * rng.normal(size=(n_queries, d))
            row = []
            for switch in (10**9, 0):
                planner._GEMM_MIN_FEATURES = switch
                mixture_log_sum_exp(queries[:8], centres, 0.1, method="dense")
                row.append(
                    best_time(lambda: mixture_log_sum_exp(queries, centres, 0.1, method="dense"), repeat=2)
                )
            print(f"{d:>4} | {row[0]:>8.3f} {row[1]:>8.3f} | {row[0] / row[1]:>11.2f}")
    finally:
        planner._GEMM_MIN_FEATURES = saved


def dense_table(configs):
    print("\n== dense path: skinfo vs blocked cdist+logsumexp vs machine floor ==")
    print(
        f"{'n':>6} {'d':>5} {'n_mc':>5} | {'skinfo s':>9} {'numpy s':>9} {'floor s':>8} | "
        f"{'numpy/skinfo':>12} {'skinfo/floor':>12} | {'|diff| nats':>11}"
    )
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
        print(
            f"{n:>6} {d:>5} {n_mc:>5} | {t_ours:>9.3f} {t_np:>9.3f} {t_floor:>8.3f} | "
            f"{t_np / t_ours:>12.1f} {t_ours / t_floor:>12.2f} | {diff:>11.2e}"
        )


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
        out[s : s + block] = logsumexp(
            -cdist(T[s : s + block], S, "sqeuclidean") / (2 * noise_std**2), axis=1
        )
    return out - math.log(S.shape[0]) - 0.5 * S.shape[1] * math.log(2 * math.pi * noise_std**2)


def small_noise_table(sizes, noise_std=0.005, n_features=5):
    print("\n== small-noise path (b=0.005, d=5, clustered tanh data: 4096 inputs x r noisy replicas) ==")
    print(
        "seconds per Monte Carlo draw per centre; 'SPEntropy' treats the pooled samples as n unrelated"
        " points, 'NoisyMI' uses each input's replicas as a block (its I(X;T) fit scores every pooled"
        " replica as a query here)"
    )
    print(
        f"{'n':>7} | {'KDE s':>7} | {'SPEntropy n_mc=1':>16} {'ratio':>6} | {'n_mc=10 per draw':>16} {'ratio':>6} | "
        f"{'NoisyMI per draw':>16} {'ratio':>6} | {'max err skinfo':>14} {'max err KDE':>11}"
    )
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
        print(
            f"{n:>7} | {t_kde:>7.3f} | {t_one:>16.3f} {t_kde / t_one:>6.1f} | {t_ten:>16.3f} {t_kde / t_ten:>6.1f} | "
            f"{t_mi:>16.3f} {t_kde / t_mi:>6.1f} | {err_ours:>14.2e} {err_kde:>11.2e}"
            f"   [methods {est.method_}, {mi.method_}]"
        )


def time_to_standard_error(target=0.01, noise_std=0.005, n_features=4, n_replicas=20):
    """Seconds to reach SE <= target on I(X;T) of an SZT-like layer."""
    print(
        f"\n== time to a standard error of {target} nats on I(X;T), SZT-like layer (4096 inputs, d={n_features}) =="
    )
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
    print(
        f"skinfo: n_mc={n_mc}, SE={est.standard_error_:.2e} nats, I(X;T)={est.mutual_information_:.3f}, "
        f"{t_ours:.2f} s [method={est.method_}]"
    )
    print(
        f"KDE (authors): {t_draw:.2f} s per draw per centre over {centres.shape[0]} centres; naive SE after one "
        f"draw {naive_se_one_draw:.2e} nats (h(T) term alone); needs {draws_needed} draw(s) for {target}"
    )
    print(
        f"ratio vs the authors' 1000 draws per centre: {1000 * t_draw / t_ours:.0f}x;"
        f" vs KDE draws needed for the same SE: {draws_needed * t_draw / t_ours:.1f}x"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (a smoke run)")
    parser.add_argument("--mnist", action="store_true", help="add the MNIST-sized layer (m=60000, d=128)")
    args = parser.parse_args()
    print(f"numba threads: {numba.get_num_threads()}, threading layer on first use")
    if args.quick:
        exp_table(40960, 256)
        streaming_table(1024, 40960, dims=(5,))
        pruned_table([(1000, 10, 128, 0.1)])
        path_choice_table([("SP n=4096 d=12 b=0.1", _sp_case(4096, 12, 0.1))])
        dense_table([(1024, 12, 1)])
        small_noise_table([40960])
        return
    exp_table()
    streaming_table()
    pruned_table(
        [(2000, 10, 1024, 0.05), (10000, 10, 128, 0.02)] + ([(60000, 10, 128, 0.002)] if args.mnist else [])
    )
    gemm_crossover_table()
    path_choice_table(
        [
            ("SP n=4096 d=12 b=0.1", _sp_case(4096, 12, 0.1)),
            ("SP n=10000 d=32 b=0.1", _sp_case(10000, 32, 0.1)),
            ("SP n=40960 d=5 b=0.005", _sp_case(40960, 5, 0.005)),
            ("SP n=20000 d=4 b=0.03", _sp_case(20000, 4, 0.03)),
            ("SP n=20000 d=2 b=0.05", _sp_case(20000, 2, 0.05)),
            ("SP n=4096 d=5 b=0.05", _sp_case(4096, 5, 0.05)),
            ("MI m=2000 r=10 d=128 b=0.05", _mi_case(2000, 10, 128, 0.05)),
            ("MI m=1000 r=10 d=64 b=1.0", _mi_case(1000, 10, 64, 1.0)),
            ("MI m=4096 r=20 d=7 b=0.005", _mi_case(4096, 20, 7, 0.005)),
            ("MI m=4096 r=20 d=10 b=0.05", _mi_case(4096, 20, 10, 0.05)),
        ]
    )
    dense_table([(4096, 12, 1), (4096, 12, 10), (2000, 1000, 1)])
    small_noise_table([40960, 163840])
    time_to_standard_error()


if __name__ == "__main__":
    main()
