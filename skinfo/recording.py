"""Record the information plane of any training loop, one checkpoint at a time.

:class:`InfoPlaneRecorder` is framework-free: it takes a function that maps
inputs to per-layer replica arrays (JAX, Keras, NumPy, anything), and at the
checkpoint epochs of the user's loop estimates I(X;T_l), I(Y;T_l) with their
errors (:class:`~skinfo.NoisyMutualInformation`) and, optionally, binning and
clustering scores of noise-free activations. Its records feed every helper of
:mod:`skinfo.plotting`. :class:`skinfo.torch.InfoPlaneRecorder` is the PyTorch
twin, built from a model with :class:`~skinfo.torch.GaussianNoise` layers.
"""

import math
import numbers
import time
from collections.abc import Mapping

import numpy as np
from sklearn.base import clone
from sklearn.utils import check_random_state
from tqdm.auto import tqdm

from .cluster import cosine_similarity_summary, silhouette_score
from .mutual_info import NoisyMutualInformation, binned_entropy
from .networks import log_spaced_epochs
from .utils.validation import check_labels, check_noise_std, check_positive_int

__all__ = ["InfoPlaneRecorder"]

SCORES = ("binned_entropy", "silhouette", "cosine_gap")
# Fitted attributes of the estimator written as columns when the estimator
# has them (the replica-bias attributes exist only in newer estimators).
_ESTIMATOR_COLUMNS = {
    "mi_x": "mutual_information_",
    "mi_x_se": "standard_error_",
    "mi_y": "label_information_",
    "mi_y_se": "label_standard_error_",
    "mi_x_bias": "bias_",
    "mi_y_bias": "label_bias_",
    "mi_x_mc_se": "mc_standard_error_",
    "mi_y_mc_se": "label_mc_standard_error_",
}
_SEED_LIMIT = 2**31 - 1


def _check_epochs(epochs, n_epochs):
    """Sorted distinct checkpoint epochs (ints >= 0, <= n_epochs when given)."""
    if n_epochs is not None:
        n_epochs = check_positive_int(n_epochs, "n_epochs")
    if isinstance(epochs, numbers.Integral) and not isinstance(epochs, bool):
        if n_epochs is None:
            raise ValueError(
                f"epochs={epochs!r} asks for log-spaced checkpoints, which needs n_epochs (the last "
                "epoch of training); give n_epochs or a list of epochs."
            )
        count = check_positive_int(epochs, "epochs")
        return [0, *log_spaced_epochs(n_epochs, count).tolist()]
    if isinstance(epochs, (str, bytes)) or not hasattr(epochs, "__iter__"):
        raise TypeError(f"epochs must be a sequence of int epochs or an int count; got {epochs!r}.")
    epochs = list(epochs)
    if not epochs:
        raise ValueError("epochs is empty; give at least one checkpoint epoch.")
    bad = [e for e in epochs if isinstance(e, bool) or not isinstance(e, numbers.Integral)]
    if bad:
        raise TypeError(f"epochs must be integers; got {bad!r}.")
    epochs = [int(e) for e in epochs]
    negative = [e for e in epochs if e < 0]
    if negative:
        raise ValueError(f"epochs must be >= 0 (0 is the untrained network); got {negative!r}.")
    if n_epochs is not None:
        late = [e for e in epochs if e > n_epochs]
        if late:
            raise ValueError(
                f"epochs {late!r} are beyond n_epochs={n_epochs}; checkpoints must be in [0, {n_epochs}]."
            )
    if len(set(epochs)) != len(epochs):
        raise ValueError(f"epochs must not repeat; got {epochs!r}.")
    return sorted(epochs)


def _check_layers(layers, available):
    """``{name: label}`` in request order; ``available`` lists the valid names (None: any)."""
    if layers is None:
        if available is None:
            raise ValueError("layers=None needs the layer names the model offers; name the layers.")
        return {name: name for name in available}
    if isinstance(layers, str):
        layers = [layers]
    if isinstance(layers, Mapping):
        mapping = dict(layers)
    else:
        names = list(layers)
        if len(set(names)) != len(names):
            raise ValueError(f"layers must not repeat a name; got {names!r}.")
        mapping = {name: name for name in names}
    if not mapping:
        raise ValueError("layers is empty; name at least one layer.")
    labels = list(mapping.values())
    if len(set(labels)) != len(labels):
        raise ValueError(f"layer labels must be distinct; got {labels!r}.")
    bad_labels = [
        label for label in labels if isinstance(label, bool) or not isinstance(label, (str, numbers.Integral))
    ]
    if bad_labels:
        raise TypeError(
            f"layer labels must be str or int (they become the 'layer' column); got {bad_labels!r}."
        )
    if available is not None:
        missing = [name for name in mapping if name not in available]
        if missing:
            raise ValueError(
                f"layers {missing!r} are not layers of the model; available: "
                f"{', '.join(map(repr, available))}."
            )
    return mapping


def _check_noise(noise_std, layers, default=None):
    """Per-layer noise std; ``default`` gives the layers' own noise when ``noise_std`` is None."""
    if isinstance(noise_std, Mapping):
        unknown = [name for name in noise_std if name not in layers]
        if unknown:
            raise ValueError(
                f"noise_std names layers {unknown!r} that are not recorded; recorded layers "
                f"are {list(layers)!r}."
            )
        out = {}
        for name in layers:
            if name in noise_std:
                out[name] = check_noise_std(noise_std[name], f"noise_std[{name!r}]")
            elif default is not None and default.get(name) is not None:
                out[name] = default[name]
            else:
                raise ValueError(f"noise_std has no entry for layer {name!r}; give one per layer.")
        return out
    if noise_std is None:
        missing = [name for name in layers if default is None or default.get(name) is None]
        if missing:
            raise ValueError(
                f"noise_std is needed for layers {missing!r}, which are not noise modules; "
                "give noise_std (a float or a per-layer dict)."
            )
        return {name: default[name] for name in layers}
    value = check_noise_std(noise_std)
    return dict.fromkeys(layers, value)


def _check_scores(scores, has_labels):
    if isinstance(scores, str):
        scores = (scores,)
    scores = tuple(scores)
    unknown = [s for s in scores if s not in SCORES]
    if unknown:
        raise ValueError(f"scores {unknown!r} are unknown; choose from {SCORES!r}.")
    if len(set(scores)) != len(scores):
        raise ValueError(f"scores must not repeat; got {scores!r}.")
    needs_labels = [s for s in scores if s != "binned_entropy"]
    if needs_labels and not has_labels:
        raise ValueError(f"scores {needs_labels!r} score the clustering by label; give y.")
    return scores


def _base_seed(random_state):
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if not 0 <= random_state < 2**32:
            raise ValueError(f"random_state must be in [0, 2**32); got {random_state!r}.")
        return int(random_state)
    return int(check_random_state(random_state).randint(_SEED_LIMIT))


def _n_inputs(X):
    shape = np.shape(X)
    if len(shape) < 1 or shape[0] == 0:
        raise ValueError(f"X must have shape (n_inputs, ...) with n_inputs >= 1; got shape {shape}.")
    return int(shape[0])


def _probe(function, probe, what):
    try:
        return function(probe)
    except (TypeError, ValueError, RuntimeError, IndexError) as exc:
        raise ValueError(
            f"{what}(X[:{len(probe)}]) failed, so X does not fit the network "
            f"(X has shape {np.shape(probe)[1:]} per input): {exc}"
        ) from exc


class InfoPlaneRecorder:
    """Information plane of a training run: call :meth:`record` once per epoch.

    Framework-free: ``replicas`` maps inputs to the pre-noise activations of
    ``r`` noisy passes per input, one ``(m, r, d)`` array per layer. At every
    checkpoint epoch :meth:`record` evaluates it on ``X``, fits
    :class:`~skinfo.NoisyMutualInformation` per layer (I(X;T) and, with
    ``y``, I(Y;T), with their standard errors) and the requested ``scores``
    on the noise-free ``activations``, and appends one record per layer to
    :attr:`result_`. Other epochs cost nothing. PyTorch users have
    :class:`skinfo.torch.InfoPlaneRecorder`, which builds both functions
    from the model.

    Every argument is checked at construction, before any training: the two
    functions are called once on the first two inputs to check the layer
    names and shapes.

    Parameters
    ----------
    replicas : callable
        ``replicas(X) -> {layer_name: array of shape (m, r, d)}``, the
        pre-noise activations ``S_l`` of ``r`` noisy passes of each input (a
        layer deterministic given x may give ``r = 1`` or 2-D ``(m, d)``).
        It owns its randomness: seed it for reproducible records.
    X : array-like of shape (m, ...)
        Inputs, equiprobable (I(X;T) <= log m). Passed to the functions
        unchanged, so it may be any framework's array.
    y : array-like of shape (m,), default=None
        Labels; ``None`` records no I(Y;T) and no clustering scores.
    activations : callable, default=None
        ``activations(X) -> {layer_name: array of shape (m, d)}``, the
        noise-free activations for ``scores``; needed when ``scores`` is not
        empty.
    layers : sequence of str, dict of str to (str or int), or None, default=None
        Layers to record, as named by ``replicas``; a dict maps each name to
        the label written in the ``layer`` column (``{"dense_1": "T1"}``).
        ``None``: every layer ``replicas`` returns, under its own name.
    noise_std : float or dict of str to float
        Standard deviation of each layer's Gaussian noise (one for all, or
        one per layer name).
    epochs : sequence of int, or int
        Checkpoint epochs (0 is the untrained network). An int ``k`` means
        epoch 0 plus ``k`` log-spaced epochs in ``[1, n_epochs]``.
    n_epochs : int, default=None
        Last epoch of the run; when given, epochs beyond it are rejected.
    scores : sequence of {"binned_entropy", "silhouette", "cosine_gap"}, default=()
        Scores of the noise-free activations: H(Bin T) with ``n_bins`` bins
        per unit over ``value_range`` (nats), the silhouette and the cosine
        gap by label (see :func:`skinfo.cosine_similarity_summary`).
    estimator : NoisyMutualInformation, default=None
        Template cloned for every (checkpoint, layer) with that layer's
        ``noise_std`` and a derived ``random_state``; ``None`` uses
        ``NoisyMutualInformation()`` with its defaults.
    n_bins : int, default=30
        Bins per unit of ``value_range`` for ``"binned_entropy"``.
    value_range : (float, float), default=(-1.0, 1.0)
        Activation range split into bins (tanh's; ``(0, 1)`` for sigmoid).
    snapshot_epochs : sequence of int, default=None
        Checkpoints whose noise-free activations are kept in
        ``result_.snapshots`` (for :func:`skinfo.plotting.plot_layer_scatter`);
        needs ``activations``. ``None`` keeps none.
    random_state : int, RandomState instance or None, default=None
        Seeds the estimates. Checkpoint ``epoch`` draws its seeds from
        ``rng = np.random.default_rng([seed, epoch])``: first
        ``rng.integers(2**31 - 1)`` for the replicas (used by the torch
        recorder), then one such integer per layer, in layer order, as the
        estimator's ``random_state``. A record therefore depends only on the
        seed, the epoch and the network, not on which other epochs ran.
    verbose : bool, default=False
        Show a progress bar over the checkpoints.

    Attributes
    ----------
    result_ : skinfo.experiments.InfoPlaneResult
        The records so far, one per (checkpoint, layer), with the columns of
        :mod:`skinfo.plotting` (``epoch``, ``layer``, ``width``, ``mi_x``,
        ``mi_x_se``, ``mi_y``, ``mi_y_se`` in nats, the requested scores, the
        bias columns when the estimator reports them, and any extra columns
        given to :meth:`record`).
    epochs_ : list of int
        Sorted checkpoint epochs.
    layers_ : dict of str to (str or int)
        Layer name to label, in recording order.
    noise_std_ : dict of str to float
        Noise standard deviation used for each layer name.
    random_state_ : int
        The seed of the checkpoint seeds.
    checkpoint_seconds_ : dict of int to float
        Wall time of each recorded checkpoint (sampling and estimates).

    See Also
    --------
    skinfo.torch.InfoPlaneRecorder : The PyTorch twin.
    skinfo.plotting.plot_information_plane : Draws :attr:`result_`.

    Notes
    -----
    Time budget per checkpoint: one evaluation of ``replicas`` and, per
    layer, an SP estimate with ``m * r`` mixture centres and ``m * n_mc``
    queries (``O(m^2 r n_mc d)``). Measured on a shared 2-core machine (two
    Numba threads): m = 500 inputs, r = 10 replicas, two tanh layers of
    width 16 and 8, the default ``n_mc=10``, all three scores: 0.5-0.65 s
    per checkpoint, plus Numba's one-off compilation at the first.

    Examples
    --------
    >>> import numpy as np
    >>> from skinfo import InfoPlaneRecorder
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 3)); y = (X[:, 0] > 0).astype(int)
    >>> W = rng.normal(size=(3, 2))
    >>> def replicas(X):  # a 1-layer noisy net: S is deterministic, r = 1
    ...     return {"dense": np.tanh(X @ W)[:, None, :]}
    >>> recorder = InfoPlaneRecorder(replicas, X, y, noise_std=0.1, epochs=[0, 5], random_state=0)
    >>> for epoch in range(6):
    ...     W *= 1.2                     # "training"
    ...     _ = recorder.record(epoch)
    >>> recorder.result_.epochs, recorder.result_.layers
    ([0, 5], ['dense'])
    >>> bool(0 < recorder.result_.records[-1]["mi_x"] <= np.log(40))
    True
    """

    def __init__(
        self,
        replicas,
        X,
        y=None,
        *,
        activations=None,
        layers=None,
        noise_std,
        epochs,
        n_epochs=None,
        scores=(),
        estimator=None,
        n_bins=30,
        value_range=(-1.0, 1.0),
        snapshot_epochs=None,
        random_state=None,
        verbose=False,
    ):
        if not callable(replicas):
            raise TypeError(
                f"replicas must be a callable X -> {{layer: (m, r, d) array}}; got {type(replicas).__name__}."
            )
        if hasattr(replicas, "named_modules") and hasattr(replicas, "parameters"):
            raise TypeError(
                "replicas is a torch module; use skinfo.torch.InfoPlaneRecorder(model, X, y, ...) "
                "for PyTorch models."
            )
        if activations is not None and not callable(activations):
            raise TypeError(
                f"activations must be a callable X -> {{layer: (m, d) array}} or None; got "
                f"{type(activations).__name__}."
            )
        self._replicas_fn = replicas
        self._activations_fn = activations
        self.X = X
        n_inputs = _n_inputs(X)
        self._setup(
            n_inputs,
            y,
            noise_std,
            epochs,
            n_epochs,
            scores,
            estimator,
            n_bins,
            value_range,
            snapshot_epochs,
            random_state,
            verbose,
        )
        probe = X[: min(2, n_inputs)]
        available = list(
            self._checked_output(_probe(replicas, probe, "replicas"), None, "replicas", probe_rows=len(probe))
        )
        self.layers_ = _check_layers(layers, available)
        self.noise_std_ = _check_noise(noise_std, self.layers_)
        if self._needs_activations:
            if activations is None:
                raise ValueError(
                    "scores and snapshot_epochs need the noise-free activations; give "
                    "activations=callable X -> {layer: (m, d) array}."
                )
            self._checked_output(
                _probe(activations, probe, "activations"), self.layers_, "activations", probe_rows=len(probe)
            )
        self._start_result()

    # -- set-up shared with the torch recorder -------------------------------------------------

    def _setup(
        self,
        n_inputs,
        y,
        noise_std,
        epochs,
        n_epochs,
        scores,
        estimator,
        n_bins,
        value_range,
        snapshot_epochs,
        random_state,
        verbose,
    ):
        self.n_inputs_ = n_inputs
        self._codes = None if y is None else check_labels(y, n_inputs, "y")[0]
        self.epochs_ = _check_epochs(epochs, n_epochs)
        self.n_epochs = n_epochs
        self.scores = _check_scores(scores, y is not None)
        if estimator is None:
            estimator = NoisyMutualInformation()
        if not isinstance(estimator, NoisyMutualInformation):
            raise TypeError(f"estimator must be a NoisyMutualInformation; got {type(estimator).__name__}.")
        self.estimator = estimator
        self.n_bins = check_positive_int(n_bins, "n_bins")
        low, high = (float(v) for v in value_range)
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise ValueError(f"value_range must be finite (low, high) with low < high; got {value_range!r}.")
        self.value_range = (low, high)
        snapshot_epochs = [] if snapshot_epochs is None else list(snapshot_epochs)
        missing = sorted(set(snapshot_epochs) - set(self.epochs_))
        if missing:
            raise ValueError(
                f"snapshot_epochs {missing!r} are not checkpoints; checkpoints are {self.epochs_}."
            )
        self.snapshot_epochs = sorted(set(snapshot_epochs))
        self._needs_activations = bool(self.scores or self.snapshot_epochs)
        self.random_state_ = _base_seed(random_state)
        self.verbose = verbose
        self.checkpoint_seconds_ = {}
        self._bar = None

    def _start_result(self):
        from .experiments import InfoPlaneResult

        noise = set(self.noise_std_.values())
        params = {
            "noise_std": noise.pop() if len(noise) == 1 else dict(self.noise_std_),
            "n_inputs": self.n_inputs_,
            "log_n_inputs": math.log(self.n_inputs_),
            "epochs": list(self.epochs_),
            "layers": {str(name): label for name, label in self.layers_.items()},
            "scores": list(self.scores),
            "random_state": self.random_state_,
            **{
                f"estimator_{k}": v
                for k, v in self.estimator.get_params().items()
                if k not in ("noise_std", "random_state")
                and (v is None or isinstance(v, (numbers.Number, str)))
            },
            **self._extra_params(),
        }
        labels = None if self._codes is None else self._codes.copy()
        self.result_ = InfoPlaneResult("recorded-info-plane", [], params, labels=labels)
        self._recorded = set()

    def _extra_params(self):
        return {}

    def _checked_output(self, output, layers, what, probe_rows=None):
        """``output`` of a replicas/activations function as float arrays, checked."""
        if not isinstance(output, Mapping):
            raise TypeError(f"{what}(X) must return a dict {{layer: array}}; got {type(output).__name__}.")
        names = list(output) if layers is None else list(layers)
        missing = [name for name in names if name not in output]
        if missing:
            raise ValueError(f"{what}(X) returned no layers {missing!r}; it returned {list(output)!r}.")
        rows = self.n_inputs_ if probe_rows is None else probe_rows
        ndims = (2, 3) if what == "replicas" else (2,)
        out = {}
        for name in names:
            array = np.asarray(output[name])
            if array.ndim not in ndims or array.shape[0] != rows:
                want = "(m, r, d) or (m, d)" if what == "replicas" else "(m, d)"
                raise ValueError(
                    f"{what}(X)[{name!r}] must have shape {want} with m = {rows} inputs; "
                    f"got shape {array.shape}."
                )
            out[name] = array
        return out

    # -- the part a framework twin replaces ----------------------------------------------------

    def _sample(self, seed):
        """Replica arrays ``{name: (m, r, d)}`` at this checkpoint (``seed`` unused here)."""
        return self._checked_output(self._replicas_fn(self.X), self.layers_, "replicas")

    def _deterministic(self):
        """Noise-free activations ``{name: (m, d)}``."""
        return self._checked_output(self._activations_fn(self.X), self.layers_, "activations")

    # -- recording -----------------------------------------------------------------------------

    def record(self, epoch, **extra):
        """Measure the network at ``epoch`` if it is a checkpoint; otherwise do nothing.

        Parameters
        ----------
        epoch : int
            Epochs of training done so far (0 before training).
        **extra
            Further columns written into this checkpoint's records, for
            example ``train_loss=loss`` (numbers, strings or None).

        Returns
        -------
        list of dict
            The records added (one per layer), empty when ``epoch`` is not a
            checkpoint.
        """
        if isinstance(epoch, bool) or not isinstance(epoch, numbers.Integral):
            raise TypeError(f"epoch must be an int; got {epoch!r}.")
        epoch = int(epoch)
        if epoch < 0:
            raise ValueError(f"epoch must be >= 0; got {epoch}.")
        if epoch not in self.epochs_:
            return []
        if epoch in self._recorded:
            raise ValueError(f"epoch {epoch} was already recorded.")
        clash = sorted(set(extra) & {"epoch", "layer", "width", *_ESTIMATOR_COLUMNS, *SCORES})
        if clash:
            raise ValueError(f"extra columns {clash!r} would overwrite measured columns.")
        if self.verbose and self._bar is None:
            self._bar = tqdm(total=len(self.epochs_), desc="info plane", unit="checkpoint")
        start = time.perf_counter()
        records = self._checkpoint(epoch, extra)
        self.checkpoint_seconds_[epoch] = time.perf_counter() - start
        self._recorded.add(epoch)
        self.result_.records.extend(records)
        if self._bar is not None:
            self._bar.update(1)
            self._bar.set_postfix(epoch=epoch, seconds=f"{self.checkpoint_seconds_[epoch]:.2f}")
            if len(self._recorded) == len(self.epochs_):
                self._bar.close()
                self._bar = None
        return records

    def _checkpoint(self, epoch, extra):
        rng = np.random.default_rng([self.random_state_, epoch])
        replicas = self._sample(int(rng.integers(_SEED_LIMIT)))
        deterministic = self._deterministic() if self._needs_activations else None
        records = []
        for name, label in self.layers_.items():
            S = replicas[name]
            if S.ndim == 3 and S.shape[1] > 1 and np.array_equal(S, np.broadcast_to(S[:, :1], S.shape)):
                # Deterministic given x (the first noisy layer): its conditional
                # entropy is exact and one centre per input suffices.
                S = S[:, 0]
            estimator = clone(self.estimator).set_params(
                noise_std=self.noise_std_[name], random_state=int(rng.integers(_SEED_LIMIT))
            )
            estimator.fit(S, self._codes)
            record = {"epoch": epoch, "layer": label, "width": int(S.shape[-1])}
            for column, attribute in _ESTIMATOR_COLUMNS.items():
                value = getattr(estimator, attribute, None)
                if value is not None or column in ("mi_y", "mi_y_se"):
                    record[column] = None if value is None else float(value)
            if deterministic is not None:
                record.update(self._scores(deterministic[name]))
            record.update(extra)
            records.append(record)
        if deterministic is not None and epoch in self.snapshot_epochs:
            self.result_.snapshots[epoch] = {
                label: np.asarray(deterministic[name], dtype=np.float64).reshape(self.n_inputs_, -1)
                for name, label in self.layers_.items()
            }
        return records

    def _scores(self, T):
        T = np.asarray(T, dtype=np.float64).reshape(self.n_inputs_, -1)
        out = {}
        if "binned_entropy" in self.scores:
            out["binned_entropy"] = float(
                binned_entropy(T, self.n_bins, value_range=self.value_range, out_of_range="clip")
            )
        # A layer collapsed onto one point has no cluster structure to score.
        collapsed = np.ptp(T, axis=0).max() == 0.0
        if "silhouette" in self.scores:
            out["silhouette"] = 0.0 if collapsed else float(silhouette_score(T, self._codes))
        if "cosine_gap" in self.scores:
            out["cosine_gap"] = float(cosine_similarity_summary(T, self._codes).gap)
        return out
