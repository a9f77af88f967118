"""Fan estimates out over checkpoints, layers and noise levels with joblib.

:func:`estimate_many` fits a clone of one estimator per task through
``joblib.Parallel``. joblib picks the engine, so the same call runs serially,
on local processes (``n_jobs``) or on a dask.distributed cluster, without code
changes::

    from dask.distributed import Client
    import joblib

    client = Client("tcp://scheduler:8786")      # or LocalCluster()
    with joblib.parallel_backend("dask"):
        result = estimate_many(NoisyMutualInformation(noise_std=0.1, n_jobs=1, random_state=0), tasks)

Every worker needs skinfo installed (``pip install "skinfo[dask]"`` on the
scheduler, the workers and the client).

Threads: each task's Numba kernels use the estimator's ``n_jobs`` threads.
joblib's default process backend (loky) already caps Numba and BLAS threads in
its workers at ``cores // n_jobs``; the threading and dask backends do not, so
give the estimator ``n_jobs=1`` there, or start dask workers with one thread
each and a thread count per task that fits the machine.
"""

import numbers
from collections.abc import Mapping

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, clone

from ._results import ExperimentResult

__all__ = ["estimate_many"]


def _fit_one(estimator, S, y):
    fitted = estimator.fit(S, y)
    return {
        name[:-1]: value.item() if isinstance(value, np.generic) else value
        for name, value in vars(fitted).items()
        if name.endswith("_")
        and not name.startswith("_")
        and isinstance(value, (numbers.Number, str, np.generic))
    }


def _split_task(key, value):
    if isinstance(value, tuple):
        if len(value) != 2:
            raise ValueError(f"task {key!r} must be S or a pair (S, y); got a tuple of length {len(value)}.")
        return value
    return value, None


def _seeded_clones(estimator, n_tasks):
    """One clone per task; a RandomState instance becomes one int seed per task.

    Seeds are drawn here, in task order, so every engine and worker count
    gives the same numbers. An int (or None) random_state is shared by all
    tasks: common random numbers, the same as fitting them one by one.
    """
    params = estimator.get_params(deep=False)
    random_state = params.get("random_state")
    if isinstance(random_state, np.random.RandomState):
        seeds = random_state.randint(np.iinfo(np.int32).max, size=n_tasks)
        return [clone(estimator).set_params(random_state=int(seed)) for seed in seeds]
    if isinstance(random_state, np.random.Generator):
        seeds = random_state.integers(np.iinfo(np.int32).max, size=n_tasks)
        return [clone(estimator).set_params(random_state=int(seed)) for seed in seeds]
    return [clone(estimator) for _ in range(n_tasks)]


def estimate_many(estimator, tasks, y=None, *, key_names=None, n_jobs=None, backend=None, verbose=0):
    """Fit ``estimator`` to many activation arrays in parallel; one tidy record each.

    Parameters
    ----------
    estimator : skinfo estimator
        Fitted afresh (a clone) for every task, for example
        ``NoisyMutualInformation(noise_std=0.1, random_state=0)``. Its
        ``n_jobs`` sets the Numba threads inside each task.
    tasks : mapping of key to array-like or to (array-like, labels)
        Key (a scalar or a tuple such as ``(epoch, layer)``) to activations
        ``S`` of shape (m, d) or (m, r, d), or to ``(S, y)`` with the task's
        own labels of shape (m,).
    y : array-like of shape (m,), default=None
        Labels shared by every task given as a bare ``S``.
    key_names : sequence of str, default=None
        Column names of the key parts (``("epoch", "layer")``); ``None`` gives
        ``"key"`` for scalar keys and ``"key_0"``, ``"key_1"``, ... for tuples.
    n_jobs : int, default=None
        Parallel tasks (joblib's meaning: ``None`` is 1 unless inside a
        ``joblib.parallel_backend`` context, ``-1`` all workers).
    backend : str, default=None
        The joblib backend; ``None`` uses the active ``joblib.parallel_backend``
        (for example ``"dask"``) or joblib's default (loky processes).
    verbose : int, default=0
        Verbosity of joblib's progress messages.

    Returns
    -------
    skinfo.experiments.ExperimentResult
        One record per task, in the order of ``tasks``: the key columns, then
        every scalar fitted attribute with its trailing underscore dropped
        (``mutual_information``, ``standard_error``, ``label_information`` ...,
        in nats unless the estimator's ``base``). Converts with
        ``to_frame()`` (pandas) and round-trips through ``to_csv`` /
        ``to_json``.

    Notes
    -----
    The records do not depend on ``n_jobs`` or the backend: each task is one
    deterministic fit given its seed (an int ``random_state`` is shared by
    all tasks; a RandomState instance is turned into one seed per task before
    the fan-out).

    Examples
    --------
    >>> import numpy as np
    >>> from skinfo import NoisyMutualInformation
    >>> from skinfo.parallel import estimate_many
    >>> rng = np.random.default_rng(0)
    >>> tasks = {(epoch, layer): rng.normal(size=(20, layer)) for epoch in (1, 10) for layer in (1, 2)}
    >>> result = estimate_many(NoisyMutualInformation(noise_std=0.5, random_state=0), tasks,
    ...                        key_names=("epoch", "layer"))
    >>> len(result), result.columns[:2], "mutual_information" in result.columns
    (4, ['epoch', 'layer'], True)
    >>> [record["layer"] for record in result.where(epoch=10)]
    [1, 2]
    """
    if not isinstance(estimator, BaseEstimator):
        raise TypeError(f"estimator must be a scikit-learn style estimator; got {type(estimator).__name__}.")
    if not isinstance(tasks, Mapping):
        raise TypeError(
            f"tasks must be a mapping from key to activations (or (activations, labels)); "
            f"got {type(tasks).__name__}."
        )
    if not tasks:
        raise ValueError("tasks is empty; give at least one key -> activations entry.")
    keys = list(tasks)
    key_parts = [key if isinstance(key, tuple) else (key,) for key in keys]
    widths = {len(parts) for parts in key_parts}
    if len(widths) != 1:
        raise ValueError(f"task keys must all have the same length; got lengths {sorted(widths)}.")
    width = widths.pop()
    if key_names is None:
        key_names = (
            ("key",)
            if width == 1 and not isinstance(keys[0], tuple)
            else tuple(f"key_{i}" for i in range(width))
        )
    key_names = tuple(key_names)
    if len(key_names) != width:
        raise ValueError(f"key_names has {len(key_names)} names for keys of length {width}: {key_names!r}.")

    pairs = [_split_task(key, tasks[key]) for key in keys]
    jobs = (
        delayed(_fit_one)(clone_, S, y if task_y is None else task_y)
        for clone_, (S, task_y) in zip(_seeded_clones(estimator, len(keys)), pairs, strict=True)
    )
    results = Parallel(n_jobs=n_jobs, backend=backend, verbose=verbose)(jobs)

    records = [
        {**dict(zip(key_names, parts, strict=True)), **fitted}
        for parts, fitted in zip(key_parts, results, strict=True)
    ]
    params = {
        "estimator": type(estimator).__name__,
        **{
            k: v
            for k, v in estimator.get_params(deep=False).items()
            if v is None or isinstance(v, (numbers.Number, str))
        },
    }
    return ExperimentResult("estimate_many", records, params)
