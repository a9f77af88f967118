"""estimate_many on a dask.distributed LocalCluster gives the local numbers."""

import joblib
import numpy as np
import pytest

distributed = pytest.importorskip("distributed")

from skinfo import NoisyMutualInformation  # noqa: E402
from skinfo.parallel import estimate_many  # noqa: E402

pytestmark = pytest.mark.dask

# The scheduler's and workers' HTTP servers (dashboard, health) bind to loopback on free ports;
# left to the defaults the scheduler's would take port 8787 on every interface.
LOOPBACK = {"dashboard_address": "127.0.0.1:0", "worker_dashboard_address": "127.0.0.1:0"}


def make_tasks(rng):
    """Per-checkpoint x per-layer replica arrays, with labels, like an information-plane sweep."""
    y = np.repeat([0, 1, 2], 8)
    return {
        (epoch, layer): np.tanh(rng.normal(size=(24, 3, layer)) * epoch + y[:, None, None])
        for epoch in (1, 4)
        for layer in (1, 2, 3)
    }, y


@pytest.fixture(scope="module")
def client():
    # In-process workers talk to the scheduler over dask's inproc transport.
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, **LOOPBACK)
    with cluster, distributed.Client(cluster) as client:
        yield client


@pytest.mark.parametrize("random_state", ["int", "RandomState"])
def test_dask_cluster_matches_local_run(client, rng, seed, random_state):
    tasks, y = make_tasks(rng)

    def estimator():
        state = seed if random_state == "int" else np.random.RandomState(seed)
        return NoisyMutualInformation(noise_std=0.3, n_mc=4, random_state=state, n_jobs=1)

    local = estimate_many(estimator(), tasks, y, key_names=("epoch", "layer"), n_jobs=1)
    with distributed.get_task_stream(client) as stream, joblib.parallel_backend("dask"):
        remote = estimate_many(estimator(), tasks, y, key_names=("epoch", "layer"))
    assert stream.data, "no task ran on the cluster"
    assert remote.records == local.records


def test_dask_records_equal_one_by_one_fits(client, rng, seed):
    """The fan-out computes exactly what a plain loop of fits computes."""
    tasks, y = make_tasks(rng)
    with joblib.parallel_backend("dask"):
        result = estimate_many(
            NoisyMutualInformation(noise_std=0.3, n_mc=4, random_state=seed, n_jobs=1),
            tasks,
            y,
            key_names=("epoch", "layer"),
        )
    for record, S in zip(result.records, tasks.values(), strict=True):
        fitted = NoisyMutualInformation(noise_std=0.3, n_mc=4, random_state=seed).fit(S, y)
        assert record["mutual_information"] == fitted.mutual_information_
        assert record["label_information"] == fitted.label_information_


@pytest.mark.slow
def test_worker_processes_on_loopback_match_local_run(rng, seed):
    """Separate worker processes over TCP on 127.0.0.1, as on a real cluster."""
    tasks, y = make_tasks(rng)
    estimator = NoisyMutualInformation(noise_std=0.3, n_mc=4, random_state=seed, n_jobs=1)
    local = estimate_many(estimator, tasks, y, n_jobs=1)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", **LOOPBACK
        ) as cluster,
        distributed.Client(cluster),
    ):
        with joblib.parallel_backend("dask"):
            remote = estimate_many(estimator, tasks, y)
    assert remote.records == local.records
