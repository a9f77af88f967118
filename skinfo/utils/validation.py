"""Input validation: one validator per kind of input.

Each validator returns arrays exactly as the kernels want them (C-contiguous
float64 activations, int64 label codes) and raises a ``ValueError`` or
``TypeError`` that names the argument, the constraint and the value received.

Dtype policy: activations of any real dtype (bool, integer, float16/32/64) are
accepted and converted once to float64, because the mixture log-densities are
accumulated in float64; float64 C-contiguous input is used without a copy.
Objects exposing ``__array__`` or DLPack (PyTorch CPU tensors, JAX arrays, CuPy
through ``.get()``) are read without the caller converting them.
"""

import math
import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_array

__all__ = [
    "as_numpy",
    "check_activations",
    "check_labels",
    "check_noise_std",
    "check_positive_int",
]


def as_numpy(X, name):
    """Return ``X`` as a NumPy array, reading framework tensors without copies.

    Tensors that track gradients are detached first; tensors on an accelerator
    must be moved to host memory by the caller (the error says how).
    """
    if isinstance(X, np.ndarray):
        return X
    detach = getattr(X, "detach", None)
    if callable(detach) and type(X).__module__.startswith("torch"):
        X = detach()
        device = getattr(X, "device", None)
        if device is not None and getattr(device, "type", "cpu") != "cpu":
            raise TypeError(
                f"{name} is a tensor on device {device!s}; move it to host memory first "
                f"(for example {name}.cpu())."
            )
    if hasattr(X, "__dlpack__") and not hasattr(X, "__array__"):
        try:
            return np.from_dlpack(X)
        except (BufferError, TypeError, RuntimeError) as exc:
            raise TypeError(f"{name} could not be read through DLPack: {exc}") from exc
    try:
        return np.asarray(X)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{name} must be an array-like of real numbers; got {type(X).__name__} ({exc})."
        ) from exc


def check_activations(X, name="S", *, ndims=(2,), min_rows=1, dtype=np.float64):
    """Validate an activation array.

    Parameters
    ----------
    X : array-like
        Activations; shape ``(n_samples, n_features)`` or, when 3 is in
        ``ndims``, ``(n_inputs, n_replicas, n_features)``.
    name : str
        Argument name used in error messages.
    ndims : tuple of int
        Accepted numbers of dimensions.
    min_rows : int
        Minimum size of the first axis.
    dtype : numpy dtype
        Output dtype.

    Returns
    -------
    ndarray
        C-contiguous array of ``dtype``; ``X`` itself when it already is one.
    """
    if sp.issparse(X):
        # scikit-learn's own message, which its estimator checks expect.
        check_array(X, accept_sparse=False, input_name=name)
    array = as_numpy(X, name)
    if array.ndim not in ndims:
        shapes = {
            1: "(n_samples,)",
            2: "(n_samples, n_features)",
            3: "(n_inputs, n_replicas, n_features)",
        }
        expected = " or ".join(f"{d}-D {shapes.get(d, '')}".strip() for d in ndims)
        hint = " Reshape a single feature with X.reshape(-1, 1)." if array.ndim == 1 and 2 in ndims else ""
        raise ValueError(
            f"{name} must be a {expected} array; got an array of shape {array.shape}.{hint}"
        )
    if array.ndim == 3 and 0 in array.shape[1:]:
        raise ValueError(f"{name} is empty (shape {array.shape}); every axis needs length >= 1.")
    # check_array gives scikit-learn's messages for dtype, emptiness and NaN/inf.
    return check_array(
        array,
        dtype=dtype,
        order="C",
        copy=False,
        ensure_2d=array.ndim == 2,
        allow_nd=True,
        ensure_min_samples=min_rows,
        ensure_min_features=1,
        ensure_all_finite=True,
        input_name=name,
    )


def check_noise_std(noise_std, name="noise_std"):
    """Return ``noise_std`` as a positive finite float."""
    if isinstance(noise_std, bool) or not isinstance(noise_std, numbers.Real):
        raise TypeError(f"{name} must be a positive real number; got {noise_std!r}.")
    value = float(noise_std)
    if not math.isfinite(value) or value <= 0.0:
        raise ValueError(f"{name} must be a positive finite number; got {noise_std!r}.")
    return value


def check_positive_int(value, name, minimum=1):
    """Return ``value`` as an int >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= {minimum}; got {value!r}.")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}.")
    return int(value)


def check_labels(y, n_samples, name="y"):
    """Validate labels of ``n_samples`` inputs.

    Returns
    -------
    codes : int64 ndarray of shape (n_samples,)
        Label codes ``0 .. n_classes - 1`` in the sorted order of ``classes``.
    classes : ndarray of shape (n_classes,)
        The distinct labels.
    """
    labels = as_numpy(y, name)
    if labels.ndim == 2 and labels.shape[1] == 1:
        raise ValueError(
            f"{name} must be 1-D of shape ({n_samples},); got shape {labels.shape}. "
            f"Use {name}.ravel() if it holds one label per row."
        )
    if labels.ndim != 1:
        raise ValueError(f"{name} must be 1-D of shape ({n_samples},); got shape {labels.shape}.")
    if labels.shape[0] != n_samples:
        raise ValueError(
            f"{name} has {labels.shape[0]} labels but the activations have {n_samples} inputs; "
            f"give one label per input."
        )
    if labels.dtype.kind == "f" and not np.isfinite(labels).all():
        raise ValueError(f"Input {name} contains NaN or infinity; labels must be finite.")
    if labels.dtype.kind == "O":
        if any(label is None for label in labels):
            raise ValueError(f"Input {name} contains None; every input needs a label.")
    classes, codes = np.unique(labels, return_inverse=True)
    return codes.astype(np.int64).reshape(-1), classes
