"""A small reference noisy MLP (Adam, mini-batches, noise in training).

Training runs in the Numba kernel ``skinfo._kernels._mlp.train_epoch``; the
NumPy implementation (``_forward_backward``, ``_numpy_epoch``) stays as the
independent reference the tests and ``benchmarks/bench_training.py`` compare with.
"""

import numbers
import queue
import threading
from contextlib import closing

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from .._kernels._mlp import ACTIVATION_CODES, train_epoch
from ..utils._sklearn_shim import (
    Integral,
    Interval,
    Real,
    StrOptions,
    _fit_context,
    check_is_fitted,
    validate_data,
)

__all__ = ["DenseLayer", "NoisyMLP", "log_spaced_epochs", "orthonormal_retraction"]

_ACTIVATIONS = {"tanh", "relu", "linear"}


def log_spaced_epochs(n_epochs, n_checkpoints):
    """``n_checkpoints`` distinct epochs, log-spaced in [1, n_epochs].

    Epoch ``i`` aims at ``n_epochs ** (i / (n_checkpoints - 1))``; where
    rounding would repeat an early epoch the next one is taken instead, so
    the count is exact (the authors' 84 checkpoints of 10^4 epochs start
    1, 2, 3, ... and turn logarithmic after a few dozen).

    Parameters
    ----------
    n_epochs : int
        Last epoch (always included).
    n_checkpoints : int
        Number of checkpoints; capped at ``n_epochs`` (then every epoch).

    Returns
    -------
    int64 ndarray of shape (min(n_checkpoints, n_epochs),)
        Sorted distinct epochs.

    Examples
    --------
    >>> log_spaced_epochs(10000, 5).tolist()
    [1, 10, 100, 1000, 10000]
    >>> log_spaced_epochs(100, 8).tolist()
    [1, 2, 4, 7, 14, 27, 52, 100]
    """
    n_checkpoints = min(int(n_checkpoints), int(n_epochs))
    if n_checkpoints == 1:
        return np.array([n_epochs], dtype=np.int64)
    targets = np.rint(np.logspace(0.0, np.log10(n_epochs), n_checkpoints)).astype(np.int64)
    epochs = np.empty(n_checkpoints, dtype=np.int64)
    previous = 0
    for index, target in enumerate(targets):
        # Room is left for the checkpoints still to come, so the last one is n_epochs.
        previous = min(max(int(target), previous + 1), n_epochs - (n_checkpoints - 1 - index))
        epochs[index] = previous
    return epochs


class DenseLayer:
    """One dense layer ``S = activation(A W + b)`` as a picklable callable.

    Parameters
    ----------
    weights : ndarray of shape (d_in, d_out)
        Weight matrix.
    bias : ndarray of shape (d_out,)
        Bias.
    activation : {"tanh", "relu", "linear", "identity"}
        Non-linearity applied after the affine map ("linear" and "identity"
        apply none).

    Examples
    --------
    >>> import numpy as np
    >>> layer = DenseLayer(np.eye(2), np.zeros(2), "tanh")
    >>> layer(np.array([[0.0, 100.0]])).tolist()
    [[0.0, 1.0]]
    """

    def __init__(self, weights, bias, activation):
        self.weights = np.asarray(weights, dtype=np.float64)
        self.bias = np.asarray(bias, dtype=np.float64)
        self.activation = activation

    def __call__(self, A):
        S = A @ self.weights + self.bias
        if self.activation == "tanh":
            return np.tanh(S, out=S)
        if self.activation == "relu":
            return np.maximum(S, 0.0, out=S)
        return S

    def __repr__(self):
        d_in, d_out = self.weights.shape
        return f"DenseLayer({d_in} -> {d_out}, {self.activation})"


class _Parameters:
    """All weights and biases in one flat vector (Adam updates it in a few ufunc calls)."""

    def __init__(self, sizes):
        self.sizes = tuple(sizes)
        self.shapes = []
        offset = 0
        for d_in, d_out in zip(self.sizes[:-1], self.sizes[1:], strict=True):
            self.shapes.append((offset, d_in, d_out))
            offset += d_in * d_out + d_out
        self.size = offset

    def views(self, flat):
        """(weights, biases) lists viewing ``flat``."""
        weights, biases = [], []
        for offset, d_in, d_out in self.shapes:
            end = offset + d_in * d_out
            weights.append(flat[offset:end].reshape(d_in, d_out))
            biases.append(flat[end : end + d_out])
        return weights, biases


def _activate(S, activation):
    if activation == "tanh":
        return np.tanh(S)
    if activation == "linear":
        return S
    return np.maximum(S, 0.0)


def _activation_derivative(H, S, activation):
    if activation == "tanh":
        return 1.0 - H * H
    if activation == "linear":
        return np.ones_like(S)
    return (S > 0.0).astype(np.float64)


def orthonormal_retraction(W, alpha):
    """One step ``W <- W - alpha (W W^T W - W)`` towards orthonormal columns, in place.

    The gradient step of ``||W^T W - I||^2 / 4``: for ``d_out <= d_in`` its
    fixed points with full rank have ``W^T W = I`` (the formula is the same
    for ``W`` and ``W^T``, so the convention of the weight layout does not
    matter).

    Parameters
    ----------
    W : ndarray of shape (d_in, d_out)
        Weight matrix, updated in place.
    alpha : float
        Step size.

    Returns
    -------
    ndarray of shape (d_in, d_out)
        ``W`` itself.

    Examples
    --------
    >>> import numpy as np
    >>> from skinfo.networks import orthonormal_retraction
    >>> W = np.array([[1.2, 0.0], [0.0, 0.9], [0.0, 0.0]])
    >>> orthonormal_retraction(W, 0.25) is W
    True
    >>> for _ in range(50):
    ...     _ = orthonormal_retraction(W, 0.25)
    >>> np.allclose(W.T @ W, np.eye(2))
    True
    """
    W -= alpha * (W @ (W.T @ W) - W)
    return W


def _log_softmax(logits):
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def _forward_backward(weights, biases, grad_weights, grad_biases, X, onehot, noise, activation):
    """Mean cross-entropy of a mini-batch and its gradient (written into the grad views).

    ``noise`` (batch, sum of hidden widths) is added to each hidden layer's
    output; it enters the gradient as a constant (T = S + Z, dT/dS = I).
    """
    n_hidden = len(weights) - 1
    inputs, pre, post = [X], [], []
    A = X
    column = 0
    for layer in range(n_hidden):
        S = A @ weights[layer] + biases[layer]
        H = _activate(S, activation)
        width = H.shape[1]
        A = H + noise[:, column : column + width] if noise is not None else H
        column += width
        pre.append(S)
        post.append(H)
        inputs.append(A)
    logits = A @ weights[-1] + biases[-1]
    log_proba = _log_softmax(logits)
    n_rows = X.shape[0]
    loss = -float(np.sum(log_proba * onehot)) / n_rows
    delta = (np.exp(log_proba) - onehot) / n_rows
    for layer in range(n_hidden, -1, -1):
        np.dot(inputs[layer].T, delta, out=grad_weights[layer])
        np.sum(delta, axis=0, out=grad_biases[layer])
        if layer > 0:
            delta = (delta @ weights[layer].T) * _activation_derivative(
                post[layer - 1], pre[layer - 1], activation
            )
    return loss


def _numpy_epoch(
    flat,
    first_moment,
    second_moment,
    step,
    X,
    codes,
    order,
    noise,
    noise_std,
    sizes,
    param_offsets,
    activation,
    learning_rate,
    batch_size,
    orthonormal_alpha,
):
    """The NumPy reference of :func:`skinfo._kernels._mlp.train_epoch` (same
    arguments and results), kept to test the kernel and to benchmark it."""
    params = _Parameters(sizes)
    weights, biases = params.views(flat)
    grad = np.zeros_like(flat)
    grad_weights, grad_biases = params.views(grad)
    scratch = np.empty_like(flat)
    name = {code: name for name, code in ACTIVATION_CODES.items()}[activation]
    onehot = np.eye(sizes[-1])[codes]
    scaled_noise = noise_std * noise if noise_std > 0 else None
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    total = 0.0
    for start in range(0, X.shape[0], batch_size):
        rows = order[start : start + batch_size]
        batch_noise = scaled_noise[start : start + batch_size] if scaled_noise is not None else None
        loss = _forward_backward(
            weights, biases, grad_weights, grad_biases, X[rows], onehot[rows], batch_noise, name
        )
        total += loss * rows.shape[0]
        step += 1
        first_moment *= beta1
        first_moment += (1.0 - beta1) * grad
        second_moment *= beta2
        np.multiply(grad, grad, out=scratch)
        second_moment += (1.0 - beta2) * scratch
        step_size = learning_rate * np.sqrt(1.0 - beta2**step) / (1.0 - beta1**step)
        np.sqrt(second_moment, out=scratch)
        scratch += eps
        np.divide(first_moment, scratch, out=scratch)
        scratch *= step_size
        flat -= scratch
        if orthonormal_alpha > 0.0:
            for W in weights[:-1]:
                orthonormal_retraction(W, orthonormal_alpha)
    return total, step


def _epoch_draws(generator, n_rows, noise_shape, n_epochs):
    """Yield each epoch's ``(order, noise)``, drawn ahead in a thread.

    The draws come from ``generator`` in the order of a plain loop (the
    permutation, then the noise, epoch after epoch), so the random stream
    does not change; only their wall time overlaps the training of the
    previous epochs (the kernel and NumPy's normal sampler both release the
    GIL).  At the paper's sizes the ~95,000 normals of an epoch cost about as
    much as its training.  ``noise`` is a buffer valid until the next
    iteration; with ``noise_shape[1] == 0`` no noise is drawn.
    """
    # Three buffers: the producer may run up to two epochs ahead, which
    # absorbs jitter when other processes share the cores.
    buffers = [np.empty(noise_shape) for _ in range(3)]
    free, ready = queue.Queue(), queue.Queue()
    for slot in range(len(buffers)):
        free.put(slot)
    stop = threading.Event()

    def produce():
        try:
            for _ in range(n_epochs):
                slot = free.get()
                if stop.is_set():
                    return
                order = generator.permutation(n_rows)
                if noise_shape[1] > 0:
                    generator.standard_normal(out=buffers[slot])
                ready.put((slot, order, None))
        except BaseException as error:  # handed to the consumer, raised there
            ready.put((None, None, error))

    thread = threading.Thread(target=produce, name="skinfo-mlp-draws", daemon=True)
    thread.start()
    try:
        for _ in range(n_epochs):
            slot, order, error = ready.get()
            if error is not None:
                raise error
            yield order, buffers[slot]
            free.put(slot)
    finally:
        stop.set()
        free.put(0)  # wakes the producer if it waits for a buffer
        thread.join()


class NoisyMLP(ClassifierMixin, BaseEstimator):
    """A small noisy MLP classifier, the paper's reference network.

    Hidden layers ``T_l = f(T_{l-1} W_l + b_l) + Z_l`` with ``Z_l ~ N(0,
    noise_std^2 I)`` during training (as in Goldfeld et al., 2019), a softmax
    output trained by cross-entropy with Adam on shuffled mini-batches, and
    copies of the weights at chosen epochs.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(10, 7, 5, 4, 3)
        Widths of the hidden layers (the paper's 12-10-7-5-4-3-2 network).
    activation : {"tanh", "relu", "linear"}, default="tanh"
        Hidden non-linearity ("linear": none, as in the authors' linear
        variant).
    noise_std : float, default=0.005
        Standard deviation of the Gaussian noise added to every hidden
        layer's output during training; 0 trains a deterministic network.
    learning_rate : float, default=4e-4
        Adam step size.
    batch_size : int, default=256
        Mini-batch size (capped at the number of training rows).
    n_epochs : int, default=1000
        Passes over the training data. The paper trains for 10^4 epochs
        (what :func:`~skinfo.experiments.run_info_plane` and ``skinfo
        info-plane`` use); the shorter default keeps a plain ``fit`` quick.
    checkpoints : int, array-like of int or None, default=None
        Epochs at which the weights are copied: ``None`` keeps only the
        final weights, an int ``k`` keeps ``k`` distinct log-spaced epochs
        in ``[1, n_epochs]`` (see :func:`log_spaced_epochs`), an array keeps
        exactly those epochs (0 is the initialisation).
    orthonormal_alpha : float, default=0.0
        Step of the orthonormality retraction ``W <- W - alpha (W W^T W - W)``
        applied to every hidden weight matrix after each Adam step; 0 turns
        it off.
    init_scale : float, default=1.0
        Weights start as ``N(0, init_scale^2 / d_in)``, biases at 0.
    random_state : int, RandomState instance or None, default=None
        Seeds the initialisation, shuffling and training noise.
    verbose : bool, default=False
        Show a progress bar over epochs.

    Attributes
    ----------
    coefs_ : list of ndarray of shape (d_in, d_out)
        Final weights, one per layer (the last is the output layer).
    intercepts_ : list of ndarray of shape (d_out,)
        Final biases.
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_features_in_ : int
        Input dimension.
    checkpoint_epochs_ : int64 ndarray of shape (n_checkpoints,)
        Epochs of the stored checkpoints (sorted).
    loss_curve_ : ndarray of shape (n_epochs,)
        Mean mini-batch cross-entropy (nats) of each epoch, noise included.

    Examples
    --------
    >>> import numpy as np
    >>> from skinfo.networks import NoisyMLP
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]] * 8)
    >>> y = np.array([0, 1, 1, 0] * 8)
    >>> mlp = NoisyMLP((8,), noise_std=0.01, learning_rate=0.05, n_epochs=300,
    ...                checkpoints=3, random_state=0).fit(X, y)
    >>> mlp.score(X, y)
    1.0
    >>> mlp.checkpoint_epochs_.tolist()
    [1, 17, 300]
    >>> [layer.weights.shape for layer in mlp.layers()]
    [(2, 8)]
    """

    # One epoch of training; tests swap in the NumPy reference ``_numpy_epoch``.
    _epoch_function = staticmethod(train_epoch)

    _parameter_constraints = {
        "hidden_layer_sizes": ["array-like"],
        "activation": [StrOptions(_ACTIVATIONS)],
        "noise_std": [Interval(Real, 0, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "n_epochs": [Interval(Integral, 1, None, closed="left")],
        "checkpoints": [Interval(Integral, 1, None, closed="left"), "array-like", None],
        "orthonormal_alpha": [Interval(Real, 0, None, closed="left")],
        "init_scale": [Interval(Real, 0, None, closed="neither")],
        "random_state": ["random_state"],
        "verbose": ["boolean"],
    }

    def __init__(
        self,
        hidden_layer_sizes=(10, 7, 5, 4, 3),
        *,
        activation="tanh",
        noise_std=0.005,
        learning_rate=4e-4,
        batch_size=256,
        n_epochs=1000,
        checkpoints=None,
        orthonormal_alpha=0.0,
        init_scale=1.0,
        random_state=None,
        verbose=False,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.noise_std = noise_std
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_epochs = n_epochs
        self.checkpoints = checkpoints
        self.orthonormal_alpha = orthonormal_alpha
        self.init_scale = init_scale
        self.random_state = random_state
        self.verbose = verbose

    def _checkpoint_epochs(self):
        if self.checkpoints is None:
            return np.array([self.n_epochs], dtype=np.int64)
        if isinstance(self.checkpoints, numbers.Integral):
            return log_spaced_epochs(self.n_epochs, int(self.checkpoints))
        epochs = np.asarray(self.checkpoints)
        if epochs.ndim != 1 or epochs.size == 0 or epochs.dtype.kind not in "iu":
            raise ValueError(
                "checkpoints must be an int or a non-empty 1-D array of integer epochs; "
                f"got {self.checkpoints!r}."
            )
        if epochs.min() < 0 or epochs.max() > self.n_epochs:
            raise ValueError(f"checkpoints must lie in [0, n_epochs={self.n_epochs}]; got {epochs.tolist()}.")
        return np.unique(epochs.astype(np.int64))

    def _hidden_sizes(self):
        sizes = np.asarray(self.hidden_layer_sizes)
        if sizes.ndim != 1 or sizes.size == 0 or sizes.dtype.kind not in "iu" or sizes.min() < 1:
            raise ValueError(
                "hidden_layer_sizes must be a non-empty sequence of positive integers; "
                f"got {self.hidden_layer_sizes!r}."
            )
        return [int(s) for s in sizes]

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train on ``(X, y)``, storing the weights at the checkpoint epochs.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training inputs.
        y : array-like of shape (n_samples,)
            Class labels (at least two classes).

        Returns
        -------
        self : NoisyMLP
            The trained network.

        Notes
        -----
        Each epoch runs in one compiled kernel call (forward and backward
        passes, Adam and the optional retraction for every mini-batch). The
        epoch's shuffle and training noise are drawn from the seeded
        generator by a background thread a few epochs ahead, in the order of a
        plain loop, so the random stream does not depend on the timing; the
        weights equal those of a NumPy implementation up to floating-point
        rounding of the sums.
        """
        # A classifier: scikit-learn's own validation gives users the messages they know.
        X, y = validate_data(self, X, y, dtype=np.float64, order="C")
        check_classification_targets(y)
        classes, codes = np.unique(y, return_inverse=True)
        if classes.shape[0] < 2:
            raise ValueError(f"y must hold at least two classes (1 class given); got {classes.tolist()}.")
        checkpoint_epochs = self._checkpoint_epochs()
        hidden = self._hidden_sizes()
        rng = check_random_state(self.random_state)
        generator = np.random.default_rng(rng.randint(np.iinfo(np.int32).max))
        n_rows, n_features = X.shape
        sizes = [n_features, *hidden, classes.shape[0]]
        params = _Parameters(sizes)
        flat = np.zeros(params.size)
        weights, biases = params.views(flat)
        for W in weights:
            W[...] = generator.standard_normal(W.shape) * (self.init_scale / np.sqrt(W.shape[0]))
        class_codes = codes.astype(np.int64)
        sizes_array = np.asarray(sizes, dtype=np.int64)
        offsets = np.array([offset for offset, _, _ in params.shapes], dtype=np.int64)
        activation = ACTIVATION_CODES[self.activation]
        first_moment = np.zeros_like(flat)
        second_moment = np.zeros_like(flat)
        batch_size = min(self.batch_size, n_rows)
        noise_std = float(self.noise_std)
        noise_shape = (n_rows, sum(hidden)) if noise_std > 0 else (n_rows, 0)
        snapshots = {}
        if checkpoint_epochs[0] == 0:
            snapshots[0] = flat.copy()
        wanted = set(checkpoint_epochs.tolist())
        loss_curve = np.empty(self.n_epochs)
        step = 0
        epoch_function = type(self)._epoch_function
        # The NumPy reference multiplies tiny matrices: BLAS threads only add synchronisation cost.
        epochs = tqdm(range(1, self.n_epochs + 1), disable=not self.verbose, desc="training", leave=False)
        draws = _epoch_draws(generator, n_rows, noise_shape, self.n_epochs)
        with threadpool_limits(limits=1), closing(draws):
            for epoch, (order, noise) in zip(epochs, draws, strict=True):
                total, step = epoch_function(
                    flat,
                    first_moment,
                    second_moment,
                    step,
                    X,
                    class_codes,
                    order,
                    noise,
                    noise_std,
                    sizes_array,
                    offsets,
                    activation,
                    float(self.learning_rate),
                    batch_size,
                    float(self.orthonormal_alpha),
                )
                loss_curve[epoch - 1] = total / n_rows
                if epoch in wanted:
                    snapshots[epoch] = flat.copy()
        self._params = params
        self._snapshots = snapshots
        self._final = flat
        self.coefs_ = [W.copy() for W in weights]
        self.intercepts_ = [b.copy() for b in biases]
        self.classes_ = classes
        self.n_features_in_ = n_features
        self.checkpoint_epochs_ = checkpoint_epochs
        self.loss_curve_ = loss_curve
        return self

    def _weights(self, checkpoint):
        check_is_fitted(self)
        if checkpoint is None:
            return self.coefs_, self.intercepts_
        if (
            isinstance(checkpoint, bool)
            or not isinstance(checkpoint, numbers.Integral)
            or int(checkpoint) not in self._snapshots
        ):
            raise ValueError(
                f"checkpoint must be one of the stored epochs {self.checkpoint_epochs_.tolist()} "
                f"or None; got {checkpoint!r}."
            )
        weights, biases = self._params.views(self._snapshots[int(checkpoint)])
        return [W.copy() for W in weights], [b.copy() for b in biases]

    def layers(self, checkpoint=None, *, include_output=False):
        """The network's layers as callables, for :class:`~skinfo.NoisyNetwork`.

        Parameters
        ----------
        checkpoint : int or None, default=None
            Epoch of a stored checkpoint; ``None`` uses the final weights.
        include_output : bool, default=False
            Append the output layer (returning logits).

        Returns
        -------
        list of DenseLayer
            Hidden layers mapping (batch, d_in) to their pre-noise output
            (batch, d_out), and optionally the logit layer.
        """
        weights, biases = self._weights(checkpoint)
        layers = [DenseLayer(W, b, self.activation) for W, b in zip(weights[:-1], biases[:-1], strict=True)]
        if include_output:
            layers.append(DenseLayer(weights[-1], biases[-1], "identity"))
        return layers

    def _log_proba(self, X, checkpoint):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, order="C", reset=False)
        A = X
        for layer in self.layers(checkpoint, include_output=True):
            A = layer(A)
        return _log_softmax(A)

    def predict_proba(self, X, checkpoint=None):
        """Class probabilities of the noise-free network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs.
        checkpoint : int or None, default=None
            Epoch of a stored checkpoint; ``None`` uses the final weights.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Softmax outputs.
        """
        return np.exp(self._log_proba(X, checkpoint))

    def predict(self, X, checkpoint=None):
        """Most probable class of the noise-free network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs.
        checkpoint : int or None, default=None
            Epoch of a stored checkpoint; ``None`` uses the final weights.

        Returns
        -------
        ndarray of shape (n_samples,)
            Predicted labels.
        """
        log_proba = self._log_proba(X, checkpoint)
        return self.classes_[np.argmax(log_proba, axis=1)]

    def log_loss(self, X, y, checkpoint=None):
        """Mean cross-entropy (nats) of the noise-free network on ``(X, y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs.
        y : array-like of shape (n_samples,)
            Labels, all among ``classes_``.
        checkpoint : int or None, default=None
            Epoch of a stored checkpoint; ``None`` uses the final weights.

        Returns
        -------
        float
            Mean negative log-likelihood in nats.
        """
        log_proba = self._log_proba(X, checkpoint)
        labels = np.asarray(y)
        index = np.searchsorted(self.classes_, labels)
        index = np.clip(index, 0, self.classes_.shape[0] - 1)
        if labels.shape != (log_proba.shape[0],) or not np.all(self.classes_[index] == labels):
            raise ValueError("y must hold one label per row of X, each among classes_.")
        return -float(log_proba[np.arange(labels.shape[0]), index].mean())
