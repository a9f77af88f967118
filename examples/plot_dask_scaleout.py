"""
Scaling out: many checkpoints x layers on a dask.distributed cluster
====================================================================

:func:`skinfo.parallel.estimate_many` fits one estimator per task (a
checkpoint x layer replica array) through ``joblib.Parallel``. joblib chooses
the engine, so the same call runs in this process, on local worker processes
(``n_jobs=4``) or on a dask.distributed cluster, without code changes::

    with joblib.parallel_backend("dask"):
        result = estimate_many(estimator, tasks, y)

Here the cluster is a :class:`~distributed.LocalCluster` (two in-process
workers, one thread each). On a real cluster, start a scheduler and workers
on the machines (every one needs ``pip install "skinfo[dask]"``)::

    dask scheduler                                   # on the head node, port 8786
    dask worker tcp://HEAD:8786 --nthreads 1 --nworkers 8  # on each compute node

and connect with ``Client("tcp://HEAD:8786")`` instead of the LocalCluster.
Give the estimator ``n_jobs`` = the threads each task may use (Numba threads
inside one estimate), and the workers ``--nthreads 1`` so the two do not
oversubscribe the cores. Seeds are fixed before the fan-out, so the cluster's
numbers equal the local ones exactly, as this example checks.

The "checkpoints" here are one random tanh network ``12 -> 8 -> 6 -> 4`` with
its weights scaled up step by step, imitating training's growing weights:
the deep layers saturate, their noisy replicas cluster and I(X;T) falls.
"""

import joblib
import numpy as np

from skinfo import NoisyMutualInformation, NoisyNetwork
from skinfo.parallel import estimate_many
from skinfo.plotting import plot_layer_curves

SEED = 0
NOISE_STD = 0.1
GAINS = [0.25, 0.5, 1.0, 2.0, 4.0, 8.0]
rng = np.random.default_rng(SEED)

# 256 inputs: 12-bit patterns; the label is whether more than 6 bits are set.
X = rng.integers(0, 2, size=(256, 12)).astype(float)
y = (X.sum(axis=1) > 6).astype(int)
weights = [rng.normal(size=(d_in, d_out)) / np.sqrt(d_in) for d_in, d_out in [(12, 8), (8, 6), (6, 4)]]


def dense(W):
    return lambda A: np.tanh(A @ W)


# %%
# One task per checkpoint x layer: replica arrays of shape (m, r, d).
tasks = {}
for gain in GAINS:
    network = NoisyNetwork([dense(gain * W) for W in weights], NOISE_STD, random_state=SEED)
    for layer, S in enumerate(network.sample(X, n_replicas=8), start=1):
        tasks[gain, layer] = S
estimator = NoisyMutualInformation(noise_std=NOISE_STD, n_mc=4, random_state=SEED, n_jobs=1)

# %%
# The same call, locally and on the cluster.
local = estimate_many(estimator, tasks, y, key_names=("gain", "layer"))
try:
    from distributed import Client, LocalCluster
except ImportError:  # pragma: no cover - dask is an optional extra
    print('dask.distributed is not installed (pip install "skinfo[dask]"); showing the local run.')
    result = local
else:
    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address="127.0.0.1:0"
    )
    with cluster, Client(cluster) as client, joblib.parallel_backend("dask"):
        print(client)
        result = estimate_many(estimator, tasks, y, key_names=("gain", "layer"))
    print("cluster records equal the local ones:", result.records == local.records)

# %%
# Results as data: a pandas DataFrame when pandas is installed, and CSV/JSON
# files (``result.to_csv(path)``, ``result.to_json(path)``) either way.
try:
    print(result.to_frame().pivot(index="gain", columns="layer", values="mutual_information").round(2))
except ImportError:
    for record in result.records:
        print(record["gain"], record["layer"], round(record["mutual_information"], 2))

# %%
# The plotting helpers read estimate_many's columns (``mutual_information``,
# ``standard_error``, ...) directly; here against the gain instead of epochs,
# I(X;T_l) with a +-2 SE band and I(Y;T_l).
fig = plot_layer_curves(result, panels=("mi_x", "mi_y"), x="gain", xscale="log")
