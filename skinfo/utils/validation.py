"""Input validation: one validator per kind of input.

Each validator returns arrays exactly as the kernels want them (C-contiguous
float64 activations, int64 label codes) and raises a ``ValueError`` or
``TypeError`` that names the argument, the constraint and the value received.

Dtype policy: activations of any real dtype (bool, integer, float16/32/64) are
accepted and converted once to float64, because the mixture log-densities are
accumulated in float64; float64 C-contiguous input is used without a copy.
Objects exposing ``__array__`` or DLPack (PyTorch CPU tensors, JAX arrays, CuPy
through ``.get()``) are read without the caller converting them.

Magnitude policy: a noise std or a bandwidth ``s`` enters the Gaussian
log-densities as ``1 / (2 s^2)`` and ``log(2 pi s^2)``; both are finite and
exact to float64 rounding only for ``s`` in :data:`SCALE_RANGE`
(``1e-150 .. 1e150``), so values outside it are refused with a ValueError.

Size policy: a request whose working arrays would need more than
:func:`max_allocation_bytes` (half of the machine's memory) is refused up
front by :func:`check_allocation`, with the size it needed, instead of
failing later with a MemoryError or swapping.
"""

import math
import numbers
import os

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_array

__all__ = [
    "SCALE_RANGE",
    "as_numpy",
    "check_activations",
    "check_allocation",
    "check_bandwidth",
    "check_labels",
    "check_noise_std",
    "check_positive_int",
    "max_allocation_bytes",
    "power_of_two_scale",
]

SCALE_RANGE = (1e-150, 1e150)
"""Accepted range of ``noise_std`` and ``bandwidth``: ``s**2`` and ``1 / s**2``
stay normal float64 numbers, with room for the ``n_features`` factors."""


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
        raise ValueError(f"{name} must be a {expected} array; got an array of shape {array.shape}.{hint}")
    if array.ndim == 3 and 0 in array.shape[1:]:
        raise ValueError(f"{name} is empty (shape {array.shape}); every axis needs length >= 1.")
    # check_array gives scikit-learn's messages for dtype, emptiness and NaN/inf;
    # those that do not say which argument they are about get its name in front.
    try:
        return _check_array(array, name, dtype, min_rows)
    except ValueError as exc:
        if f"Input {name} " in str(exc) or str(exc).startswith(f"{name} "):
            raise
        raise ValueError(f"{name}: {exc}") from None


def _check_array(array, name, dtype, min_rows):
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


def _check_scale(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a positive real number; got {value!r}.")
    number = float(value)
    if not math.isfinite(number) or number <= 0.0:
        raise ValueError(f"{name} must be a positive finite number; got {value!r}.")
    low, high = SCALE_RANGE
    if not low <= number <= high:
        raise ValueError(
            f"{name} must be in the range [{low:g}, {high:g}], where the Gaussian log-densities are "
            f"computed without overflow; got {value!r}. Rescale the activations and {name} together."
        )
    return number


def check_noise_std(noise_std, name="noise_std"):
    """Return ``noise_std`` as a float in :data:`SCALE_RANGE`.

    Parameters
    ----------
    noise_std : float
        Standard deviation of the Gaussian noise.
    name : str, default="noise_std"
        Argument name used in error messages.

    Returns
    -------
    float
        ``noise_std`` as a Python float.
    """
    return _check_scale(noise_std, name)


def check_bandwidth(bandwidth, name="bandwidth"):
    """Return a numeric kernel ``bandwidth`` as a float in :data:`SCALE_RANGE`.

    Parameters
    ----------
    bandwidth : float
        Standard deviation of the Gaussian kernel.
    name : str, default="bandwidth"
        Argument name used in error messages.

    Returns
    -------
    float
        ``bandwidth`` as a Python float.
    """
    return _check_scale(bandwidth, name)


def check_positive_int(value, name, minimum=1, maximum=None):
    """Return ``value`` as an int in ``[minimum, maximum]``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= {minimum}; got {value!r}.")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}.")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be an integer in [{minimum}, {maximum}]; got {value!r}.")
    return int(value)


def max_allocation_bytes():
    """Largest working set one request may ask for: half the physical memory.

    Falls back to 8 GiB where the platform does not report its memory. The
    environment variable ``SKINFO_MAX_BYTES`` overrides it.
    """
    override = os.environ.get("SKINFO_MAX_BYTES")
    if override:
        return int(float(override))
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, OSError, ValueError):
        total = 16 * 2**30
    return total // 2


def _format_bytes(n_bytes):
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB"):
        if n_bytes < 1000 or unit == "PB":
            return f"{n_bytes:.0f} {unit}" if unit == "bytes" else f"{n_bytes:.1f} {unit}"
        n_bytes /= 1000
    return None  # not reached


def check_allocation(n_values, what, *, itemsize=8, fix=""):
    """Refuse a request whose working array would not fit in memory.

    Parameters
    ----------
    n_values : int or float
        Number of array elements the request needs (an exact product of the
        sizes; give a Python int so it cannot overflow).
    what : str
        The request, naming the arguments, e.g.
        ``"n_mc=10**9 noise draws of 100 x 10 activations"``.
    itemsize : int, default=8
        Bytes per element.
    fix : str, default=""
        A sentence saying how to ask for less.

    Returns
    -------
    int
        The number of bytes needed.

    Raises
    ------
    ValueError
        When the request needs more than :func:`max_allocation_bytes`; the
        message states both sizes.
    """
    needed = int(n_values) * int(itemsize)
    limit = max_allocation_bytes()
    if needed > limit:
        raise ValueError(
            f"{what} would need {_format_bytes(needed)} of memory, more than the "
            f"{_format_bytes(limit)} allowed (half of this machine's memory).{' ' + fix if fix else ''}"
        )
    return needed


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
    if labels.dtype.kind == "c":
        raise TypeError(f"{name} must hold real numbers, strings or booleans; got complex labels.")
    if labels.dtype.kind == "f" and not np.isfinite(labels).all():
        raise ValueError(f"Input {name} contains NaN or infinity; labels must be finite.")
    if labels.dtype.kind in "mMV":
        raise TypeError(f"{name} must hold numbers, strings or booleans; got dtype {labels.dtype}.")
    if labels.dtype.kind == "O":
        _check_object_labels(labels, name)
    try:
        classes, codes = np.unique(labels, return_inverse=True)
    except TypeError as exc:
        raise TypeError(f"{name} labels cannot be sorted ({exc}); give labels of one kind.") from None
    return codes.astype(np.int64).reshape(-1), classes


def _check_object_labels(labels, name):
    """Object labels: no missing values (each NaN would be its own class), one kind."""
    kinds = set()
    for label in labels:
        if label is None:
            raise ValueError(f"Input {name} contains None; every input needs a label.")
        if isinstance(label, (float, np.floating)) and not math.isfinite(label):
            raise ValueError(f"Input {name} contains NaN or infinity; labels must be finite.")
        if isinstance(label, (str, np.str_, bytes)):
            kinds.add("str")
        elif isinstance(label, (numbers.Number, np.generic)):
            if label != label:  # NaN-like numbers of other types (Decimal('NaN'), pandas.NA).
                raise ValueError(f"Input {name} contains a missing value; every input needs a label.")
            kinds.add("number")
        else:
            try:
                missing = bool(label != label)
            except (TypeError, ValueError):
                missing = True
            if missing:
                raise ValueError(
                    f"Input {name} contains a missing value {label!r}; every input needs a label."
                )
            raise TypeError(
                f"{name} must hold numbers, strings or booleans; got a {type(label).__name__} ({label!r})."
            )
    if len(kinds) > 1:
        raise TypeError(
            f"{name} mixes strings and numbers; give labels of one kind (for example all strings)."
        )


def power_of_two_scale(X, safe=(1e-100, 1e100)):
    """A power of two ``c`` such that ``X / c`` is exact and of magnitude ~1.

    Scale-equivariant estimators (entropies shift by ``d log c``, silhouettes
    and mutual information do not change) run on ``X / c`` when the largest
    ``|X|`` is outside ``safe``, so squared distances neither overflow (data
    ~1e155 and above) nor underflow. Inside ``safe`` it returns 1.0 and the
    arithmetic is untouched.

    Parameters
    ----------
    X : ndarray
        Finite values.
    safe : (float, float), default=(1e-100, 1e100)
        Magnitudes that need no rescaling.

    Returns
    -------
    float
        ``2**k`` with ``max |X / c|`` in [1, 2), or 1.0.
    """
    largest = float(np.max(np.abs(X))) if X.size else 0.0
    if largest == 0.0 or safe[0] <= largest <= safe[1]:
        return 1.0
    # 2**(e - 1) <= largest < 2**e; dividing by 2**(e - 1) cannot overflow, even at 1.7e308.
    return math.ldexp(1.0, math.frexp(largest)[1] - 1)
