"""Linear centred kernel alignment (CKA) between two representations of the same inputs."""

import numpy as np

from ..utils.validation import check_activations

__all__ = ["linear_cka"]


def linear_cka(X, Y):
    """Linear CKA similarity of two representations of the same inputs.

    ``CKA(X, Y) = ||Yc^T Xc||_F^2 / (||Xc^T Xc||_F ||Yc^T Yc||_F)`` with
    ``Xc``, ``Yc`` the column-centred representations (Kornblith et al.,
    2019). It equals the HSIC alignment of the linear Gram matrices
    ``tr(K H L H) / sqrt(tr(K H K H) tr(L H L H))`` with ``K = X X^T``,
    ``L = Y Y^T`` and ``H`` the centring matrix, is invariant to orthogonal
    transforms and isotropic scaling of either representation, and needs no
    common width: it compares two layers (or two networks' layers) by the
    geometry they give the inputs.

    Parameters
    ----------
    X : array-like of shape (n_samples, d_x)
        First representation, one row per input.
    Y : array-like of shape (n_samples, d_y)
        Second representation of the same inputs, in the same order.

    Returns
    -------
    float
        Similarity in [0, 1] (dimensionless); 1 when ``Y`` is an orthogonal
        transform of ``X`` up to scale and shift. A constant representation
        has no geometry to compare: the result is then 0.0 by convention.

    Examples
    --------
    >>> import numpy as np
    >>> from skinfo.cluster import linear_cka
    >>> X = np.random.default_rng(0).normal(size=(50, 4))
    >>> Q = np.linalg.qr(np.random.default_rng(1).normal(size=(4, 4)))[0]
    >>> round(linear_cka(X, 3.0 * X @ Q + 1.0), 12)
    1.0
    """
    X = check_activations(X, "X", ndims=(2,), min_rows=2)
    Y = check_activations(Y, "Y", ndims=(2,), min_rows=2)
    if X.shape[0] != Y.shape[0]:
        raise ValueError(f"X and Y must have one row per input each; got {X.shape[0]} and {Y.shape[0]} rows.")
    Xc = X - X.mean(axis=0)
    Yc = Y - Y.mean(axis=0)
    # Feature-space form when the widths are small, Gram-matrix form when the
    # inputs are fewer: both are the same number, the smaller product is cheaper.
    if X.shape[0] < max(X.shape[1], Y.shape[1]):
        K, L = Xc @ Xc.T, Yc @ Yc.T
        cross, norm_x, norm_y = np.vdot(K, L), np.linalg.norm(K), np.linalg.norm(L)
    else:
        cross = np.linalg.norm(Yc.T @ Xc) ** 2
        norm_x, norm_y = np.linalg.norm(Xc.T @ Xc), np.linalg.norm(Yc.T @ Yc)
    if norm_x == 0.0 or norm_y == 0.0:
        return 0.0
    return float(min(max(cross / (norm_x * norm_y), 0.0), 1.0))
