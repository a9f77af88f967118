"""MNIST through scikit-learn's ``fetch_openml`` and its on-disk cache."""

import os
from pathlib import Path
from urllib.error import URLError

import numpy as np
from sklearn import datasets as sklearn_datasets
from sklearn.utils import check_random_state

from ..utils.validation import check_positive_int

__all__ = ["load_mnist"]

_N_PIXELS = 28 * 28


def _cache_folder(data_home=None):
    """The folder where ``fetch_openml`` caches MNIST (``<data_home>/openml``)."""
    return Path(sklearn_datasets.get_data_home(data_home)) / "openml"


def load_mnist(*, data_home=None, n_samples=None, random_state=None):
    """The MNIST digits as (n, 1, 28, 28) float32 images in [0, 1] and int labels.

    Reads ``mnist_784`` (version 1, 70,000 images) with
    :func:`sklearn.datasets.fetch_openml`, which downloads it once (about
    55 MB) and then reads its cache in ``data_home``.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The scikit-learn data folder; ``None`` uses
        :func:`sklearn.datasets.get_data_home` (``SCIKIT_LEARN_DATA`` or
        ``~/scikit_learn_data``).
    n_samples : int, default=None
        Keep this many images, drawn without replacement with
        ``random_state`` (class proportions as in MNIST up to sampling);
        ``None`` keeps all of them in OpenML's order.
    random_state : int, RandomState instance or None, default=None
        Seeds the subsample.

    Returns
    -------
    X : float32 ndarray of shape (n_samples, 1, 28, 28)
        Grey levels divided by 255.
    y : int64 ndarray of shape (n_samples,)
        Digit labels 0-9.

    Raises
    ------
    OSError
        When MNIST is neither cached nor downloadable; the message names the
        cache folder to fill (or the option to point at it).

    Examples
    --------
    >>> from skinfo.datasets import load_mnist
    >>> X, y = load_mnist(n_samples=100, random_state=0)  # doctest: +SKIP
    >>> X.shape, y.shape  # doctest: +SKIP
    ((100, 1, 28, 28), (100,))
    """
    if n_samples is not None:
        n_samples = check_positive_int(n_samples, "n_samples")
    folder = _cache_folder(data_home)
    try:
        bunch = sklearn_datasets.fetch_openml(
            "mnist_784",
            version=1,
            as_frame=False,
            parser="auto",
            data_home=None if data_home is None else os.fspath(data_home),
        )
    except (URLError, OSError, TimeoutError) as exc:
        # fetch_openml's own errors (a URL error deep in its retry loop) do not
        # say where the cache lives, which is what an offline user needs.
        reason = getattr(exc, "reason", exc)
        raise OSError(
            f"MNIST is not in the cache folder {folder} and could not be downloaded ({reason}); "
            "run once with network access, or pass data_home (--data-home) pointing at a folder "
            "holding scikit-learn's openml cache."
        ) from exc
    X = np.asarray(bunch.data)
    y = np.asarray(bunch.target)
    if X.ndim != 2 or X.shape[1] != _N_PIXELS or X.shape[0] != y.shape[0]:
        raise ValueError(
            f"the cached mnist_784 in {folder} has data of shape {X.shape} and {y.shape[0]} labels; "
            f"expected (n, {_N_PIXELS}) with one label per row. Delete the cache and download again."
        )
    labels = y.astype(np.int64)
    if n_samples is not None:
        if n_samples > X.shape[0]:
            raise ValueError(f"n_samples must be at most {X.shape[0]} (MNIST's size); got {n_samples}.")
        rows = np.sort(check_random_state(random_state).choice(X.shape[0], n_samples, replace=False))
        X, labels = X[rows], labels[rows]
    images = (X.astype(np.float32) / np.float32(255.0)).reshape(-1, 1, 28, 28)
    return np.ascontiguousarray(images), labels
