"""Training kernel of the small noisy MLP: mini-batch forward/backward passes and Adam.

The paper's network is tiny (widths <= 12, 256-row batches), so NumPy's cost
was call overhead, not arithmetic: ~130,000 Adam steps of a dozen small matmuls
each.  Here one call runs a whole epoch.  Activations are stored transposed,
one row of ``batch`` values per unit, so every inner loop runs over the batch
rows with unit stride and LLVM vectorises it; the reductions over rows (weight
gradients) use eight explicit partial sums for the same reason (without
``fastmath`` LLVM may not reorder a single running sum).

Parameters live in one flat vector with the layout of
``skinfo.networks._mlp._Parameters``: for each layer ``l`` the weights
``W_l`` (``d_in x d_out``, row-major) start at ``param_offsets[l]``, followed
by the ``d_out`` biases.
"""

import numpy as np

from ._fastexp import exp_nonpositive
from ._jit import jit

__all__ = ["ACTIVATION_CODES", "batch_loss_gradient", "fast_tanh", "train_epoch"]

ACTIVATION_CODES = {"tanh": 0, "relu": 1, "linear": 2}
_TANH, _RELU = 0, 1

_BETA1, _BETA2, _EPS = 0.9, 0.999, 1e-8

# Cephes' rational approximation of tanh on |x| < 0.625 (relative error
# < 3e-16), where (1 - e) / (1 + e) with e = exp(-2|x|) would lose digits to
# cancellation.
_P0, _P1, _P2 = -9.64399179425052238628e-1, -9.92877231001918586564e1, -1.61468768441708447952e3
_Q0, _Q1, _Q2 = 1.12811678491632931402e2, 2.23548839060100448583e3, 4.84406305325125486048e3


@jit(inline="always")
def fast_tanh(x):
    """``tanh(x)`` within a few ulp, branch-free so loops calling it vectorise."""
    ax = abs(x)
    # Only used below 0.625; the clip keeps inf/inf out of the branch not taken.
    t = min(max(x, -1.0), 1.0)
    z = t * t
    q = ((z + _Q0) * z + _Q1) * z + _Q2
    small_num = t * (q + z * ((_P0 * z + _P1) * z + _P2))
    e = exp_nonpositive(-2.0 * ax)
    large_num = 1.0 - e if x >= 0.0 else e - 1.0
    # Both branches as fractions: one division per value instead of two.
    small = ax < 0.625
    out = (small_num if small else large_num) / (q if small else 1.0 + e)
    return out if x == x else x  # NaN stays NaN (exp_nonpositive would clamp it)


@jit(inline="always")
def _dot(a, b, n):
    """``sum(a[:n] * b[:n])`` with eight partial sums (vectorisable)."""
    s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = 0.0
    r = 0
    while r + 8 <= n:
        s0 += a[r] * b[r]
        s1 += a[r + 1] * b[r + 1]
        s2 += a[r + 2] * b[r + 2]
        s3 += a[r + 3] * b[r + 3]
        s4 += a[r + 4] * b[r + 4]
        s5 += a[r + 5] * b[r + 5]
        s6 += a[r + 6] * b[r + 6]
        s7 += a[r + 7] * b[r + 7]
        r += 8
    tail = 0.0
    while r < n:
        tail += a[r] * b[r]
        r += 1
    return ((s0 + s4) + (s1 + s5)) + ((s2 + s6) + (s3 + s7)) + tail


@jit(inline="always")
def _sum(a, n):
    """``sum(a[:n])`` with eight partial sums (vectorisable)."""
    s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = 0.0
    r = 0
    while r + 8 <= n:
        s0 += a[r]
        s1 += a[r + 1]
        s2 += a[r + 2]
        s3 += a[r + 3]
        s4 += a[r + 4]
        s5 += a[r + 5]
        s6 += a[r + 6]
        s7 += a[r + 7]
        r += 8
    tail = 0.0
    while r < n:
        tail += a[r]
        r += 1
    return ((s0 + s4) + (s1 + s5)) + ((s2 + s6) + (s3 + s7)) + tail


@jit
def _allocate(sizes, batch_size):
    """Work buffers: activations/derivatives (one row per unit) and deltas."""
    n_units = 0
    max_width = 0
    for width in sizes:
        n_units += width
        max_width = max(max_width, width)
    acts = np.empty((n_units, batch_size))
    derivs = np.empty((n_units, batch_size))
    delta = np.empty((2, max_width, batch_size))
    rowbuf = np.empty((2, batch_size))
    return acts, derivs, delta, rowbuf


@jit
def _loss_gradient(
    flat,
    grad,
    X,
    codes,
    order,
    start,
    n,
    noise,
    noise_std,
    sizes,
    param_offsets,
    activation,
    acts,
    derivs,
    delta,
    rowbuf,
):
    """Summed cross-entropy (nats) of rows ``order[start:start + n]``; writes
    the gradient of the *mean* into ``grad``.

    ``noise[start + r]`` (standard normals, scaled by ``noise_std``) is added
    to the hidden outputs of batch row ``r``, hidden layers side by side.
    """
    n_layers = sizes.shape[0] - 1
    n_features = sizes[0]
    # Layer l's input rows start at unit offset sum(sizes[:l]); logits last.
    for f in range(n_features):
        row = acts[f]
        for r in range(n):
            row[r] = X[order[start + r], f]
    in_off = 0
    column = 0
    for layer in range(n_layers):
        d_in = sizes[layer]
        d_out = sizes[layer + 1]
        w_off = param_offsets[layer]
        b_off = w_off + d_in * d_out
        out_off = in_off + d_in
        hidden = layer < n_layers - 1
        for j in range(d_out):
            out = acts[out_off + j]
            for r in range(n):
                out[r] = 0.0
            for i in range(d_in):
                w = flat[w_off + i * d_out + j]
                a = acts[in_off + i]
                for r in range(n):
                    out[r] += w * a[r]
            bias = flat[b_off + j]
            if not hidden:
                for r in range(n):
                    out[r] += bias
                continue
            der = derivs[out_off + j]
            if activation == _TANH:
                for r in range(n):
                    h = fast_tanh(out[r] + bias)
                    out[r] = h
                    der[r] = 1.0 - h * h
            elif activation == _RELU:
                for r in range(n):
                    s = out[r] + bias
                    out[r] = max(s, 0.0)
                    der[r] = 1.0 if s > 0.0 else 0.0
            else:
                for r in range(n):
                    out[r] += bias
                    der[r] = 1.0
            if noise_std > 0.0:
                for r in range(n):
                    out[r] += noise_std * noise[start + r, column + j]
        if hidden:
            column += d_out
        in_off = out_off
    # Log-softmax cross-entropy over the logits rows acts[in_off : in_off + C].
    n_classes = sizes[n_layers]
    row_max = rowbuf[0]
    log_norm = rowbuf[1]
    for r in range(n):
        row_max[r] = acts[in_off, r]
    for c in range(1, n_classes):
        logits = acts[in_off + c]
        for r in range(n):
            row_max[r] = max(row_max[r], logits[r])
    for r in range(n):
        log_norm[r] = 0.0
    for c in range(n_classes):
        logits = acts[in_off + c]
        for r in range(n):
            log_norm[r] += exp_nonpositive(logits[r] - row_max[r])
    for r in range(n):
        log_norm[r] = np.log(log_norm[r])
    loss = 0.0
    inv_n = 1.0 / n
    current = delta[0]
    for c in range(n_classes):
        logits = acts[in_off + c]
        d = current[c]
        for r in range(n):
            d[r] = exp_nonpositive((logits[r] - row_max[r]) - log_norm[r])
    for r in range(n):
        code = codes[order[start + r]]
        loss -= (acts[in_off + code, r] - row_max[r]) - log_norm[r]
        current[code, r] -= 1.0
    for c in range(n_classes):
        d = current[c]
        for r in range(n):
            d[r] *= inv_n
    # Backward: delta of layer l's output -> its gradients -> delta of its input.
    side = 0
    for layer in range(n_layers - 1, -1, -1):
        d_in = sizes[layer]
        d_out = sizes[layer + 1]
        w_off = param_offsets[layer]
        b_off = w_off + d_in * d_out
        in_off -= d_in
        current = delta[side]
        for i in range(d_in):
            a = acts[in_off + i]
            for j in range(d_out):
                grad[w_off + i * d_out + j] = _dot(a, current[j], n)
        for j in range(d_out):
            grad[b_off + j] = _sum(current[j], n)
        if layer == 0:
            break
        previous = delta[1 - side]
        for i in range(d_in):
            d = previous[i]
            for r in range(n):
                d[r] = 0.0
            for j in range(d_out):
                w = flat[w_off + i * d_out + j]
                c = current[j]
                for r in range(n):
                    d[r] += w * c[r]
            der = derivs[in_off + i]
            for r in range(n):
                d[r] *= der[r]
        side = 1 - side
    return loss


@jit
def batch_loss_gradient(flat, grad, X, codes, noise, noise_std, sizes, param_offsets, activation):
    """Mean cross-entropy (nats) of all rows of ``X`` as one batch; its
    gradient is written into ``grad``.

    Parameters
    ----------
    flat, grad : float64 arrays of shape (n_params,)
        Parameters and the gradient buffer.
    X : float64 array of shape (n, n_features)
    codes : int64 array of shape (n,)
        Class index of each row.
    noise : float64 array of shape (n, n_hidden_units)
        Standard normals (ignored when ``noise_std == 0``).
    noise_std : float
    sizes : int64 array of shape (n_layers + 1,)
        Layer widths, input first, classes last.
    param_offsets : int64 array of shape (n_layers,)
    activation : int
        Code from ``ACTIVATION_CODES``.

    Returns
    -------
    float
        Mean cross-entropy in nats.
    """
    n = X.shape[0]
    acts, derivs, delta, rowbuf = _allocate(sizes, n)
    order = np.arange(n)
    total = _loss_gradient(
        flat,
        grad,
        X,
        codes,
        order,
        0,
        n,
        noise,
        noise_std,
        sizes,
        param_offsets,
        activation,
        acts,
        derivs,
        delta,
        rowbuf,
    )
    return total / n


@jit
def _retract(flat, offset, d_in, d_out, alpha, gram, row):
    """``W <- W - alpha (W (W^T W) - W)`` in place for the W at ``flat[offset:]``."""
    for k in range(d_out):
        for j in range(d_out):
            s = 0.0
            for i in range(d_in):
                s += flat[offset + i * d_out + k] * flat[offset + i * d_out + j]
            gram[k, j] = s
    for i in range(d_in):
        base = offset + i * d_out
        for j in range(d_out):
            s = 0.0
            for k in range(d_out):
                s += flat[base + k] * gram[k, j]
            row[j] = s
        for j in range(d_out):
            flat[base + j] -= alpha * (row[j] - flat[base + j])


@jit
def train_epoch(
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
    """One epoch of Adam on the mini-batches ``order[k * batch_size : (k + 1) * batch_size]``.

    Parameters
    ----------
    flat, first_moment, second_moment : float64 arrays of shape (n_params,)
        Parameters and Adam's moment estimates, updated in place.
    step : int
        Adam steps taken before this epoch.
    X : float64 array of shape (n_rows, n_features)
    codes : int64 array of shape (n_rows,)
        Class index of each row.
    order : int64 array of shape (n_rows,)
        This epoch's permutation of the rows.
    noise : float64 array of shape (n_rows, n_hidden_units)
        Standard normals; the k-th batch uses rows ``k * batch_size ...`` in
        order (not permuted), scaled by ``noise_std``.
    noise_std : float
        0 trains without noise (``noise`` is then not read).
    sizes : int64 array of shape (n_layers + 1,)
    param_offsets : int64 array of shape (n_layers,)
    activation : int
        Code from ``ACTIVATION_CODES``.
    learning_rate : float
    batch_size : int
    orthonormal_alpha : float
        Retraction step applied to every hidden W after each Adam step (0: off).

    Returns
    -------
    total : float
        Sum over batches of (mean batch cross-entropy x batch rows), nats.
    step : int
        Adam steps taken after this epoch.
    """
    n_rows = X.shape[0]
    n_params = flat.shape[0]
    n_layers = sizes.shape[0] - 1
    acts, derivs, delta, rowbuf = _allocate(sizes, batch_size)
    grad = np.empty(n_params)
    max_width = 0
    for width in sizes:
        max_width = max(max_width, width)
    gram = np.empty((max_width, max_width))
    row = np.empty(max_width)
    total = 0.0
    for start in range(0, n_rows, batch_size):
        n = min(batch_size, n_rows - start)
        total += _loss_gradient(
            flat,
            grad,
            X,
            codes,
            order,
            start,
            n,
            noise,
            noise_std,
            sizes,
            param_offsets,
            activation,
            acts,
            derivs,
            delta,
            rowbuf,
        )
        step += 1
        # The same operation order as the NumPy reference, element by element.
        # Float exponents: libm pow, as Python's float power (Numba's int power differs in rounding).
        step_size = learning_rate * np.sqrt(1.0 - _BETA2 ** float(step)) / (1.0 - _BETA1 ** float(step))
        for k in range(n_params):
            g = grad[k]
            m = first_moment[k] * _BETA1 + (1.0 - _BETA1) * g
            v = second_moment[k] * _BETA2 + (1.0 - _BETA2) * (g * g)
            first_moment[k] = m
            second_moment[k] = v
            flat[k] -= (m / (np.sqrt(v) + _EPS)) * step_size
        if orthonormal_alpha > 0.0:
            for layer in range(n_layers - 1):
                _retract(
                    flat, param_offsets[layer], sizes[layer], sizes[layer + 1], orthonormal_alpha, gram, row
                )
    return total, step
