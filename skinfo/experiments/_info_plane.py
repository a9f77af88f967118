"""The information plane of the SZT network trained with noise (Goldfeld et al., 2019)."""

import json
import math
import os
import subprocess
import sys
import threading
import time

import numba
import numpy as np
from joblib import Parallel, delayed
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from tqdm.auto import tqdm

from .._kernels._graph import count_within
from .._mixture import _TREE_MAX_FEATURES_BLOCKS, MIXTURE_METHODS
from .._results import CheckpointAccessors, ExperimentResult
from ..cluster import cosine_similarity_summary, silhouette_score
from ..datasets import load_szt
from ..mutual_info import NoisyMutualInformation, binned_entropy
from ..networks import NoisyMLP, NoisyNetwork, log_spaced_epochs
from ..utils.validation import check_noise_std, check_positive_int

__all__ = ["InfoPlaneResult", "compression_summary", "run_info_plane"]


def _layer_scores(T, y, n_bins=30, value_range=(-1.0, 1.0)):
    """Binning and clustering scores of one layer's deterministic activations.

    Parameters
    ----------
    T : ndarray of shape (m, d)
        Noise-free activations of the m equiprobable inputs.
    y : ndarray of shape (m,) or None
        Labels; ``None`` skips the clustering scores.
    n_bins : int
        Number of equal bins across ``value_range`` (per dimension).
    value_range : (float, float)
        Range split into the bins.

    Returns
    -------
    dict
        ``binned_entropy`` H(Bin T) (nats), ``silhouette`` and ``cosine_gap``
        (mean within-class minus mean between-class cosine similarity).
    """
    scores = {"binned_entropy": binned_entropy(T, n_bins, value_range=value_range, out_of_range="clip")}
    if y is None:
        return scores
    # A layer collapsed onto one point (possible at initialisation with ReLU) has no cluster
    # structure to score.
    collapsed = np.ptp(T, axis=0).max() == 0.0
    return {
        **scores,
        "silhouette": 0.0 if collapsed else silhouette_score(T, y),
        "cosine_gap": cosine_similarity_summary(T, y).gap,
    }


class InfoPlaneResult(CheckpointAccessors, ExperimentResult):
    """Result of :func:`run_info_plane`: tidy records plus activation snapshots.

    Records have one row per (checkpoint epoch, layer) with columns
    ``epoch, layer, width, mi_x, mi_x_bias, mi_x_se, mi_x_mc_se,
    mi_x_converged, mi_y, mi_y_bias, mi_y_se, mi_y_mc_se, binned_entropy,
    silhouette, cosine_gap, train_accuracy, test_accuracy, train_loss,
    test_loss`` (information and losses in nats). ``mi_x`` is the SP
    plug-in, ``mi_x - mi_x_bias`` the replica-corrected estimate and
    ``mi_x_se`` its total standard error (``mi_x_mc_se``: the Monte Carlo
    part); ``mi_x_converged`` is False when halving the replicas moved
    ``mi_x`` by more than the combined error and 0.01 nats.

    Parameters
    ----------
    name : str
        Experiment name (``"info-plane"`` or ``"info-plane-orthonormal"``).
    records : list of dict
        One dict per (epoch, layer) row, with at least ``epoch``, ``layer``
        and the columns to be read.
    params : dict, default=None
        The settings that produced the records.
    snapshots : dict of int to list of ndarray of shape (4096, d_l), default=None
        Noise-free activations of every hidden layer at the snapshot epochs
        (not written by ``to_json``/``to_csv``); ``None`` stores none.
    labels : ndarray of shape (4096,), default=None
        The task's labels, for colouring the snapshots.
    model : NoisyMLP, default=None
        The trained network with its checkpoints (not serialised).
    train_indices : ndarray of int, default=None
        Rows of :func:`~skinfo.datasets.load_szt` used for training.
    test_indices : ndarray of int, default=None
        Rows of :func:`~skinfo.datasets.load_szt` used for testing.

    Attributes
    ----------
    epochs : list of int
        Sorted checkpoint epochs.
    layers : list of int
        Sorted hidden-layer indices (1-based).

    Examples
    --------
    >>> from skinfo.experiments import InfoPlaneResult
    >>> records = [{"epoch": e, "layer": layer, "mi_x": 8.0 - 0.5 * k * layer, "mi_y": 0.1 * k}
    ...            for layer in (1, 2) for k, e in enumerate((1, 10, 100))]
    >>> result = InfoPlaneResult("demo", records, {"noise_std": 0.01})
    >>> result.epochs, result.layers
    ([1, 10, 100], [1, 2])
    >>> epochs, mi_x = result.series(2, "mi_x")
    >>> epochs.tolist(), mi_x.tolist()
    ([1, 10, 100], [8.0, 7.0, 6.0])
    """

    def __init__(
        self,
        name,
        records,
        params=None,
        snapshots=None,
        labels=None,
        model=None,
        train_indices=None,
        test_indices=None,
    ):
        super().__init__(name, records, params)
        self.snapshots = {} if snapshots is None else dict(snapshots)
        self.labels = labels
        self.model = model
        self.train_indices = train_indices
        self.test_indices = test_indices

    def series(self, layer, key):
        """One column for one layer, ordered by epoch.

        Parameters
        ----------
        layer : int
            Hidden-layer index (1-based).
        key : str
            Column name.

        Returns
        -------
        epochs : ndarray of shape (n_checkpoints,)
            The checkpoint epochs, increasing.
        values : float64 ndarray of shape (n_checkpoints,)
            The column's values at those epochs (NaN where missing).
        """
        rows = sorted(self.where(layer=layer), key=lambda r: r["epoch"])
        return (
            np.array([r["epoch"] for r in rows]),
            np.array([np.nan if r.get(key) is None else r[key] for r in rows], dtype=np.float64),
        )


def compression_summary(result, key="mi_x"):
    """Per layer: start, peak, end and relative fall of a column over epochs.

    Parameters
    ----------
    result : InfoPlaneResult
        An information-plane result.
    key : str, default="mi_x"
        Column to summarise.

    Returns
    -------
    list of dict
        One dict per layer with ``layer, width, first, peak, peak_epoch,
        final, fall, rose`` where ``fall = (peak - final) / peak`` (0 when
        the peak is not positive) and ``rose = peak > first``; plus
        ``not_converged``, the number of checkpoints whose estimate was not
        converged in the replica count, when ``result`` has a
        ``<key>_converged`` column. A layer whose column holds only None/NaN
        gets NaN values and ``peak_epoch=None``.

    Examples
    --------
    >>> from skinfo.experiments import InfoPlaneResult, compression_summary
    >>> records = [{"epoch": e, "layer": 1, "width": 3, "mi_x": v}
    ...            for e, v in ((1, 8.0), (10, 8.3), (100, 7.5))]
    >>> (row,) = compression_summary(InfoPlaneResult("demo", records))
    >>> row["peak"], row["peak_epoch"], row["final"], round(row["fall"], 3), row["rose"]
    (8.3, 10, 7.5, 0.096, True)
    """
    if not isinstance(result, InfoPlaneResult):
        raise TypeError(f"result must be an InfoPlaneResult; got {type(result).__name__}.")
    if key not in result.columns:
        raise ValueError(f"key={key!r} is not a column of result; columns are {result.columns}.")
    rows = []
    for layer in result.layers:
        epochs, values = result.series(layer, key)
        width = result.where(layer=layer)[0].get("width")
        if np.isnan(values).all():
            # Nothing recorded for this layer: say so with NaN rather than invent a peak.
            rows.append(
                {
                    "layer": layer,
                    "width": width,
                    "first": math.nan,
                    "peak": math.nan,
                    "peak_epoch": None,
                    "final": math.nan,
                    "fall": math.nan,
                    "rose": False,
                }
            )
            continue
        peak_index = int(np.nanargmax(values))
        peak = float(values[peak_index])
        rows.append(
            {
                "layer": layer,
                "width": width,
                "first": float(values[0]),
                "peak": peak,
                "peak_epoch": int(epochs[peak_index]),
                "final": float(values[-1]),
                "fall": (peak - float(values[-1])) / peak if peak > 0 else 0.0,
                "rose": bool(peak > values[0]),
            }
        )
        if f"{key}_converged" in result.columns:
            flags = [r.get(f"{key}_converged") for r in result.where(layer=layer)]
            rows[-1]["not_converged"] = sum(flag is False for flag in flags)
    return rows


# Kernel groups warmed up in separate processes (see _start_warmup): each group
# compiles a disjoint set of Numba functions, so two processes never write the
# same function's cache index with different signatures.
_WARMUP_GROUPS = ("dense", "tree")
# Seconds a child may still run once the training has ended (it needs ~10 s
# here); one still running then is killed and the run compiles what is
# missing in-process, at normal priority, keeping every kernel the child
# already cached.  Counted from the end of training, since the children run
# at low priority and may have had little CPU before it; kept short because
# other busy processes could starve a low-priority child indefinitely.
_WARMUP_TIMEOUT = 60.0
# The children's niceness: they compile on the cycles the training leaves
# idle.  At equal priority the two compiling processes and the training's
# two threads (kernel and noise sampler, in lockstep) shared two cores
# badly: the training took 2.4x as long, 34 s against 14 s of CPU-bound
# work plus 18 s of compiling.
_WARMUP_NICENESS = 19
_WARMUP_CHILD = """
import os, sys
root, package, spec = sys.argv[1:4]
if root not in sys.path:
    sys.path.insert(0, root)
import json
try:
    os.nice(int(sys.argv[4]))
except (AttributeError, OSError):  # no niceness on this platform: run as is
    pass
import skinfo
# Compile only for the package the parent runs, or its cache would be of no use.
if not os.path.samefile(os.path.dirname(skinfo.__file__), package):
    sys.exit(3)
from skinfo.experiments._info_plane import _warm_group
_warm_group(*json.loads(spec))
"""


def _warm_group(group, noise_std, method, n_bins, value_range, max_width=12):
    """Run every kernel of one warm-up group on tiny data, so Numba compiles it
    (and writes its cache) or loads it from the cache.

    ``"dense"``: the dense mixture kernels (the only path when ``method`` is
    not ``"auto"``) and the silhouette.  ``"tree"``: the tree and pruned
    paths ``"auto"`` can choose, its probe, and the binned entropy.  The two
    compile similar amounts (~13-14 s each on the reference machine).
    """
    rng = np.random.default_rng(0)
    S = np.tanh(rng.normal(size=(64, 2, 3)))
    y = np.repeat([0, 1], 32)
    if group == "dense":
        paths = ("dense",) if method == "auto" else (method,)
    elif method == "auto":
        # "auto" takes the pruned path only above the tree's block limit.
        paths = ("tree",) + (("pruned",) if max_width > _TREE_MAX_FEATURES_BLOCKS else ())
    else:
        paths = ()
    for path in paths:
        for layer in (S, S[:, 0]):  # a noisy deeper layer and the deterministic first
            NoisyMutualInformation(noise_std, n_mc=1, method=path, random_state=0, n_jobs=1).fit(layer, y)
    # The kernels of _layer_scores, split between the groups to even them out.
    if group == "dense":
        silhouette_score(S[:, 0], y)
    else:
        binned_entropy(
            S[:, 0],
            n_bins,
            value_range=None if value_range is None else tuple(value_range),
            out_of_range="clip",
        )
        if method == "auto":
            # The probe "auto" runs before planning a large layer (not reached on tiny data).
            first = np.ascontiguousarray(S[:, 0])
            count_within(first[:4], np.ascontiguousarray(first.T), 1.0)


def _group_cached(group, method):
    """Whether kernels the group compiles (the last of each path) are in
    Numba's cache for this machine already; then its child would only cost
    an import beside the training.  Reads Numba's cache index (private API:
    any surprise counts as "not cached")."""
    from .._kernels._binning import assign_cells
    from .._kernels._mixture import _direct_block_fixed, _runs_block
    from .._kernels._silhouette import silhouette_from_sums

    if group == "dense":
        sentinels = (_direct_block_fixed, silhouette_from_sums)
    else:
        sentinels = (assign_cells,) + ((_runs_block, count_within) if method == "auto" else ())
    try:
        for dispatcher in sentinels:
            magic = dispatcher.targetctx.codegen().magic_tuple()
            if not any(key[1] == magic for key in dispatcher._cache._cache_file._load_index()):
                return False
    except Exception:
        return False
    return True


def _compile_in_thread(args, failures):
    """Fallback warm-up when no child process can be started: every group in a
    thread beside the training (compilation holds the GIL, so it overlaps less)."""
    try:
        for group in _WARMUP_GROUPS:
            _warm_group(group, *args)
    except Exception as exc:  # re-raised in the main thread after training
        failures.append(exc)


def _start_warmup(args):
    """Compile (or load from Numba's cache) every kernel a checkpoint uses
    while the network trains.

    Each group of kernels compiles in its own child process, which writes
    Numba's on-disk cache (every kernel has ``cache=True``); the checkpoints
    then load the kernels from the cache in about a second.  Compilation
    holds the GIL, so in a thread it would stall the training loop and run
    serially; child processes use both cores.  The children run at the
    lowest priority: they take the cycles the training leaves idle (the
    parent's own compile of the training kernel, the gaps of its two
    threads) and finish at full speed once it ends, rather than slowing
    the lockstep training threads down.  Numba writes cache files
    atomically (temporary file, then rename), and the parent waits for the
    children before it calls a kernel, so it never compiles one twice.  A
    child that fails or cannot start costs nothing but its time: the parent
    compiles what is missing on first use.

    Returns
    -------
    finish : callable
        Waits for the warm-up (killing a child stuck past the timeout) and
        returns the children's exit codes (empty when none was needed);
        ``finish(abort=True)`` stops it at once.  Raises the fallback
        thread's exception, if any.
    """
    if numba.config.DISABLE_JIT:
        return lambda abort=False: []
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    children = []
    try:
        for group in _WARMUP_GROUPS:
            if _group_cached(group, args[1]):
                continue
            children.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-c",
                        _WARMUP_CHILD,
                        os.path.dirname(package),
                        package,
                        json.dumps([group, *args]),
                        str(_WARMUP_NICENESS),
                    ],
                    # The children only compile: keep their (unused) thread pools small.
                    env={**os.environ, "NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"},
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
    except (OSError, TypeError, ValueError):  # no usable interpreter to start (e.g. embedded Python)
        for child in children:
            child.kill()
            child.wait()
        failures = []
        thread = threading.Thread(target=_compile_in_thread, args=(args, failures), daemon=True)
        thread.start()

        def finish_thread(abort=False):
            if not abort:
                thread.join()
                if failures:
                    raise failures[0]
            return []

        return finish_thread

    def finish(abort=False):
        deadline = time.monotonic() + _WARMUP_TIMEOUT
        for child in children:
            if abort:
                child.kill()
            try:
                child.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        return [child.returncode for child in children]

    return finish


def _checkpoint_records(
    mlp,
    epoch,
    X,
    y,
    train,
    test,
    noise_std,
    n_replicas,
    n_mc,
    query_replicas,
    method,
    n_bins,
    value_range,
    seed,
    keep_snapshot,
):
    rng = np.random.default_rng(seed)
    net = NoisyNetwork(mlp.layers(epoch), noise_std, random_state=int(rng.integers(2**31 - 1)))
    deterministic = net.activations(X)
    samples = net.sample(X, n_replicas)
    fit = {
        "train_accuracy": float(np.mean(mlp.predict(X[train], checkpoint=epoch) == y[train])),
        "test_accuracy": (
            float(np.mean(mlp.predict(X[test], checkpoint=epoch) == y[test])) if len(test) else None
        ),
        "train_loss": mlp.log_loss(X[train], y[train], checkpoint=epoch),
        "test_loss": mlp.log_loss(X[test], y[test], checkpoint=epoch) if len(test) else None,
    }
    records = []
    for index, S in enumerate(samples):
        # S_1 is deterministic given x: its conditional entropy is exact.
        layer_input = S[:, 0] if index == 0 else S
        estimator = NoisyMutualInformation(
            noise_std,
            n_mc=n_mc,
            query_replicas=query_replicas,
            method=method,
            random_state=int(rng.integers(2**31 - 1)),
            n_jobs=None,
        ).fit(layer_input, y)
        records.append(
            {
                "epoch": int(epoch),
                "layer": index + 1,
                "width": int(S.shape[2]),
                "mi_x": estimator.mutual_information_,
                # Replica bias and the total SE of the corrected mi_x - mi_x_bias.
                "mi_x_bias": estimator.bias_,
                "mi_x_se": estimator.standard_error_,
                "mi_x_mc_se": estimator.mc_standard_error_,
                "mi_x_converged": estimator.converged_,
                "mi_y": estimator.label_information_,
                "mi_y_bias": estimator.label_bias_,
                "mi_y_se": estimator.label_standard_error_,
                "mi_y_mc_se": estimator.label_mc_standard_error_,
                **_layer_scores(deterministic[index], y, n_bins, value_range),
                **fit,
            }
        )
    return records, (deterministic if keep_snapshot else None)


def run_info_plane(
    *,
    noise_std=0.005,
    hidden_layer_sizes=(10, 7, 5, 4, 3),
    activation="tanh",
    learning_rate=4e-4,
    batch_size=256,
    n_epochs=10000,
    n_checkpoints=30,
    n_replicas=20,
    n_mc=1,
    query_replicas=1,
    test_size=0.2,
    orthonormal_alpha=0.0,
    n_bins=30,
    snapshot_epochs=None,
    method="auto",
    random_state=0,
    n_jobs=1,
    verbose=False,
    shuffle_labels=False,
):
    """Train the SZT network with noise and trace every layer in the information plane.

    The 12-10-7-5-4-3-2 tanh network of Goldfeld et al. (2019) on the 12-bit
    task of Shwartz-Ziv & Tishby, trained with Gaussian noise after every
    hidden layer (Adam, mini-batches, 80/20 split). At each log-spaced
    checkpoint and for each hidden layer ``T_l = S_l + Z_l``: I(X;T_l) and
    I(Y;T_l) by sample propagation over all 4096 equiprobable inputs (``S_1``
    deterministic, deeper ``S_l`` from ``n_replicas`` noisy passes per input),
    H(Bin T_l), silhouette and cosine-gap scores of the noise-free
    activations, and train/test accuracy and loss.

    Parameters
    ----------
    noise_std : float, default=0.005
        Noise standard deviation, in training and in the estimates.
    hidden_layer_sizes : tuple of int, default=(10, 7, 5, 4, 3)
        Hidden widths.
    activation : {"tanh", "relu", "linear"}, default="tanh"
        Hidden non-linearity ("linear": none; H(Bin T) then bins each
        layer's own range).
    learning_rate : float, default=4e-4
        Adam step size.
    batch_size : int, default=256
        Mini-batch size.
    n_epochs : int, default=10000
        Training epochs.
    n_checkpoints : int, default=30
        Distinct log-spaced checkpoints in [1, n_epochs] (at most n_epochs).
    n_replicas : int, default=20
        Noisy passes per input for layers >= 2 (all are mixture centres).
    n_mc : int, default=1
        Monte Carlo noise draws per query point.
    query_replicas : int, default=1
        Replicas per input used as query points.
    test_size : float, default=0.2
        Held-out share of the 4096 inputs (stratified).
    orthonormal_alpha : float, default=0.0
        Orthonormality retraction step (0: off); see :class:`~skinfo.NoisyMLP`.
    n_bins : int, default=30
        Bins over the activation range for H(Bin T).
    snapshot_epochs : sequence of int or None, default=None
        Checkpoints whose activations are kept for plots; ``None`` keeps the
        first, a middle and the last checkpoint.
    method : {"auto", "dense", "tree", "pruned"}, default="auto"
        Mixture evaluation path of the SP estimates.
    random_state : int, default=0
        Seeds the split, the initialisation, training and estimates.
    n_jobs : int, default=1
        Checkpoints estimated in parallel (joblib); 1 leaves both cores to
        the Numba threads inside each estimate. Results do not depend on it.
    verbose : bool, default=False
        Progress bars for training and checkpoints.
    shuffle_labels : bool, default=False
        Train and measure on randomly permuted labels (the authors' random-
        label control): the class counts stay, the rule is gone.

    Returns
    -------
    InfoPlaneResult
        Records per (epoch, layer); information in nats.

    Examples
    --------
    >>> from skinfo.experiments import run_info_plane, compression_summary
    >>> result = run_info_plane(n_epochs=20, n_checkpoints=2, n_replicas=2, random_state=0)
    >>> result.epochs, result.layers
    ([1, 20], [1, 2, 3, 4, 5])
    >>> 8.0 < compression_summary(result)[0]["final"] <= 8.32
    True
    """
    noise_std = check_noise_std(noise_std)
    n_checkpoints = check_positive_int(n_checkpoints, "n_checkpoints")
    n_replicas = check_positive_int(n_replicas, "n_replicas")
    n_mc = check_positive_int(n_mc, "n_mc")
    query_replicas = check_positive_int(query_replicas, "query_replicas")
    n_bins = check_positive_int(n_bins, "n_bins")
    n_epochs = check_positive_int(n_epochs, "n_epochs")
    if not 0.0 <= float(test_size) < 1.0:
        raise ValueError(f"test_size must be in [0, 1); got {test_size!r}.")
    if method not in MIXTURE_METHODS:
        raise ValueError(f"method must be one of {', '.join(map(repr, MIXTURE_METHODS))}; got {method!r}.")
    # Known before training, so a bad snapshot request fails fast.
    epochs = log_spaced_epochs(n_epochs, n_checkpoints).tolist()
    if snapshot_epochs is None:
        keep = {epochs[0], epochs[len(epochs) // 2], epochs[-1]}
    else:
        keep = {int(e) for e in snapshot_epochs}
        missing = sorted(keep - set(epochs))
        if missing:
            raise ValueError(f"snapshot_epochs {missing} are not checkpoints; checkpoints are {epochs}.")
    seed_rng = check_random_state(random_state)
    base_seed = int(seed_rng.randint(2**31 - 1))
    X, y = load_szt()
    X = X.astype(np.float64)
    if shuffle_labels:
        y = np.random.default_rng(base_seed).permutation(y)
    indices = np.arange(X.shape[0])
    if test_size > 0:
        train, test = train_test_split(indices, test_size=test_size, stratify=y, random_state=base_seed)
    else:
        train, test = indices, indices[:0]
    value_range = {"tanh": (-1.0, 1.0), "relu": (0.0, 1.0)}.get(activation)  # linear: each layer's range
    finish_warmup = _start_warmup(
        (float(max(noise_std, 0.05)), method, n_bins, value_range, int(max(hidden_layer_sizes)))
    )
    try:
        mlp = NoisyMLP(
            hidden_layer_sizes,
            activation=activation,
            noise_std=noise_std,
            learning_rate=learning_rate,
            batch_size=batch_size,
            n_epochs=n_epochs,
            checkpoints=n_checkpoints,
            orthonormal_alpha=orthonormal_alpha,
            random_state=base_seed,
            verbose=verbose,
        ).fit(X[train], y[train])
    except BaseException:
        finish_warmup(abort=True)
        raise
    finish_warmup()
    seeds = np.random.SeedSequence(base_seed).generate_state(len(epochs))
    jobs = (
        delayed(_checkpoint_records)(
            mlp,
            epoch,
            X,
            y,
            train,
            test,
            noise_std,
            n_replicas,
            n_mc,
            query_replicas,
            method,
            n_bins,
            value_range,
            int(seed),
            epoch in keep,
        )
        for epoch, seed in zip(epochs, seeds, strict=True)
    )
    outputs = Parallel(n_jobs=n_jobs, return_as="generator")(jobs)
    records, snapshots = [], {}
    for epoch, (rows, snapshot) in zip(
        epochs, tqdm(outputs, total=len(epochs), disable=not verbose, desc="estimating"), strict=True
    ):
        records.extend(rows)
        if snapshot is not None:
            snapshots[epoch] = snapshot
    params = {
        "noise_std": noise_std,
        "hidden_layer_sizes": ",".join(map(str, hidden_layer_sizes)),
        "activation": activation,
        "learning_rate": learning_rate,
        "batch_size": batch_size,
        "n_epochs": n_epochs,
        "n_checkpoints": len(epochs),
        "n_replicas": n_replicas,
        "n_mc": n_mc,
        "query_replicas": query_replicas,
        "test_size": test_size,
        "orthonormal_alpha": orthonormal_alpha,
        "n_bins": n_bins,
        "method": method,
        "random_state": random_state if isinstance(random_state, int) else None,
        "log_n_inputs": math.log(X.shape[0]),
        "shuffle_labels": bool(shuffle_labels),
    }
    name = "info-plane-orthonormal" if orthonormal_alpha > 0 else "info-plane"
    return InfoPlaneResult(
        name,
        records,
        params,
        snapshots=snapshots,
        labels=y,
        model=mlp,
        train_indices=train,
        test_indices=test,
    )
