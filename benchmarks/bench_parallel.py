"""estimate_many over checkpoints x layers: serial, joblib processes, dask LocalCluster.

Run: ``python benchmarks/bench_parallel.py`` (the dask rows need
``skinfo[dask]``). One table of wall times (best of 2 after a warm-up that
also starts the workers) and ratios to the serial run. Every row uses one
Numba thread per task, so the ratios show what the fan-out alone buys.
"""

import time

import joblib
import numpy as np

from skinfo import NoisyMutualInformation
from skinfo.parallel import estimate_many


def make_tasks(n_checkpoints=4, n_layers=3, m=512, r=8, d=6, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=m)
    return {
        (c, l): np.tanh((c + 1) * rng.normal(size=(m, r, d)) + y[:, None, None])
        for c in range(n_checkpoints)
        for l in range(n_layers)
    }, y


def best_of(fn, repeats=2):
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    tasks, y = make_tasks()
    estimator = NoisyMutualInformation(noise_std=0.1, n_mc=4, random_state=0, n_jobs=1)
    rows = [("serial (n_jobs=1)", best_of(lambda: estimate_many(estimator, tasks, y, n_jobs=1)))]
    rows.append(("joblib loky, n_jobs=2", best_of(lambda: estimate_many(estimator, tasks, y, n_jobs=2))))
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        print("(dask.distributed not installed: dask rows skipped)")
    else:
        for processes in (False, True):
            # Loopback only: TCP on 127.0.0.1 for worker processes, HTTP servers on free local ports.
            cluster = LocalCluster(
                n_workers=2,
                threads_per_worker=1,
                processes=processes,
                host="127.0.0.1" if processes else None,
                dashboard_address="127.0.0.1:0",
                worker_dashboard_address="127.0.0.1:0",
            )
            with cluster, Client(cluster), joblib.parallel_backend("dask"):
                label = f"dask LocalCluster 2x1, processes={processes}"
                rows.append((label, best_of(lambda: estimate_many(estimator, tasks, y))))
    serial = rows[0][1]
    print(f"{len(tasks)} tasks of shape {next(iter(tasks.values())).shape}, n_mc=4")
    print(f"{'engine':40s} {'seconds':>9} {'ratio':>7}")
    for label, seconds in rows:
        print(f"{label:40s} {seconds:9.3f} {seconds / serial:7.2f}")


if __name__ == "__main__":
    main()
