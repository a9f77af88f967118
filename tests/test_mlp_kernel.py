"""The NoisyMLP training kernel against the NumPy reference path.

``_forward_backward`` and ``_numpy_epoch`` (NumPy matmuls, the original
implementation) are the slow references; the kernel must agree with them to
rounding.  Also run uncompiled (``tox -e nojit``), so sizes stay small.
"""

import threading

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from skinfo import NoisyMLP
from skinfo._kernels._jit import jit
from skinfo._kernels._mlp import ACTIVATION_CODES, batch_loss_gradient, fast_tanh, train_epoch
from skinfo.networks._mlp import _epoch_draws, _forward_backward, _numpy_epoch, _Parameters

ACTIVATIONS = sorted(ACTIVATION_CODES)


@jit
def _tanh_array(x, out):
    for i in range(x.shape[0]):
        out[i] = fast_tanh(x[i])


def test_fast_tanh_matches_numpy_to_a_few_ulp(rng):
    """Relative error <= 4 ulp everywhere, including around the 0.625 switch
    between the rational and the exponential form, subnormals and saturation
    (the sign of a zero is not kept: no network reads it)."""
    x = np.concatenate(
        [
            rng.uniform(-40, 40, 40_000),
            rng.uniform(-1, 1, 40_000),
            rng.uniform(0.6, 0.65, 10_000),
            10.0 ** rng.uniform(-310, -1, 10_000),
            [0.0, -0.0, 0.625, -0.625, np.nextafter(0.625, 0), 19.0, 400.0, 1e300, np.inf, -np.inf],
        ]
    )
    x = np.concatenate([x, -x])
    out = np.empty_like(x)
    _tanh_array(x, out)
    np.testing.assert_allclose(out, np.tanh(x), rtol=4 * np.finfo(float).eps, atol=0)


def test_fast_tanh_propagates_nan():
    out = np.empty(2)
    _tanh_array(np.array([np.nan, -np.nan]), out)
    assert np.isnan(out).all()


def _network(rng, sizes, scale=0.7):
    params = _Parameters(sizes)
    flat = rng.standard_normal(params.size) * scale
    offsets = np.array([offset for offset, _, _ in params.shapes], dtype=np.int64)
    return params, flat, np.array(sizes, dtype=np.int64), offsets


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("noise_std", [0.0, 0.3])
@pytest.mark.parametrize(
    "sizes, n_rows",
    [
        ([12, 10, 7, 5, 4, 3, 2], 256),
        ([3, 4, 2], 1),
        ([4, 5, 3, 3], 9),
        ([2, 1, 17, 3], 37),
        ([5, 13, 4], 100),
    ],
)
def test_one_step_loss_and_gradient_equal_numpy(rng, activation, noise_std, sizes, n_rows):
    """Kernel and ``_forward_backward`` give the same mean cross-entropy and
    gradient for one batch (row counts below, at and off the 8-row unrolling)."""
    params, flat, sizes_array, offsets = _network(rng, sizes)
    X = rng.standard_normal((n_rows, sizes[0]))
    codes = rng.integers(0, sizes[-1], size=n_rows)
    noise = rng.standard_normal((n_rows, sum(sizes[1:-1])))
    expected_grad = np.zeros(params.size)
    weights, biases = params.views(flat)
    grad_weights, grad_biases = params.views(expected_grad)
    expected = _forward_backward(
        weights,
        biases,
        grad_weights,
        grad_biases,
        X,
        np.eye(sizes[-1])[codes],
        noise_std * noise if noise_std > 0 else None,
        activation,
    )
    grad = np.full(params.size, np.nan)
    loss = batch_loss_gradient(
        flat, grad, X, codes, noise, noise_std, sizes_array, offsets, ACTIVATION_CODES[activation]
    )
    assert loss == pytest.approx(expected, rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(grad, expected_grad, rtol=0, atol=1e-12)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("alpha", [0.0, 0.05])
def test_one_epoch_equals_numpy_epoch_with_batch_tail(rng, activation, alpha):
    """Adam state, parameters, summed loss and step count after an epoch of
    37 rows in batches of 8 (a 5-row tail) equal the NumPy epoch's."""
    sizes = [3, 6, 4, 2]
    params, flat, sizes_array, offsets = _network(rng, sizes, scale=0.5)
    X = rng.standard_normal((37, 3))
    codes = rng.integers(0, 2, size=37)
    order = rng.permutation(37)
    noise = rng.standard_normal((37, 10))
    states = []
    for epoch_function in (train_epoch, _numpy_epoch):
        state = [flat.copy(), np.full(params.size, 0.01), np.full(params.size, 0.02)]
        total, step = epoch_function(
            *state,
            4,
            X,
            codes,
            order,
            noise,
            0.1,
            sizes_array,
            offsets,
            ACTIVATION_CODES[activation],
            0.01,
            8,
            alpha,
        )
        states.append((state, total, step))
    (kernel_state, kernel_total, kernel_step), (numpy_state, numpy_total, numpy_step) = states
    assert kernel_step == numpy_step == 4 + 5
    assert kernel_total == pytest.approx(numpy_total, rel=1e-12)
    for got, expected in zip(kernel_state, numpy_state, strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)
    assert not np.allclose(kernel_state[0], flat)


class _NumpyMLP(NoisyMLP):
    """The same estimator trained by the NumPy reference epoch."""

    _epoch_function = staticmethod(_numpy_epoch)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("alpha", [0.0, 0.1])
@pytest.mark.parametrize("noise_std", [0.0, 0.05])
def test_training_run_equals_numpy_reference(rng, activation, alpha, noise_std):
    """20 epochs (60 rows, batches of 16: a 12-row tail) give the NumPy path's
    weights, checkpoints and loss curve to rounding."""
    X = rng.standard_normal((60, 4))
    y = (X[:, 0] * X[:, 1] > 0).astype(int) + (X[:, 2] > 1)
    kwargs = {
        "hidden_layer_sizes": (5, 3),
        "activation": activation,
        "noise_std": noise_std,
        "learning_rate": 0.02,
        "batch_size": 16,
        "n_epochs": 20,
        "checkpoints": [0, 3, 20],
        "orthonormal_alpha": alpha,
        "random_state": 7,
    }
    kernel = NoisyMLP(**kwargs).fit(X, y)
    reference = _NumpyMLP(**kwargs).fit(X, y)
    np.testing.assert_allclose(kernel.loss_curve_, reference.loss_curve_, rtol=1e-10)
    for epoch in (0, 3, 20):
        for got, expected in zip(
            kernel.layers(epoch, include_output=True),
            reference.layers(epoch, include_output=True),
            strict=True,
        ):
            np.testing.assert_allclose(got.weights, expected.weights, rtol=0, atol=1e-9)
            np.testing.assert_allclose(got.bias, expected.bias, rtol=0, atol=1e-9)
    assert kernel.loss_curve_[-1] < kernel.loss_curve_[0]


def test_verbose_training_gives_the_same_weights(rng, capsys):
    X = rng.standard_normal((30, 3))
    y = (X[:, 0] > 0).astype(int)
    kwargs = {"hidden_layer_sizes": (4,), "n_epochs": 5, "random_state": 3}
    quiet = NoisyMLP(**kwargs).fit(X, y)
    loud = NoisyMLP(verbose=True, **kwargs).fit(X, y)
    for got, expected in zip(loud.coefs_, quiet.coefs_, strict=True):
        np.testing.assert_array_equal(got, expected)
    assert "training" in capsys.readouterr().err


@given(n_rows=st.integers(1, 40), noise_width=st.integers(0, 5), n_epochs=st.integers(0, 6))
def test_prefetched_draws_follow_the_plain_stream(n_rows, noise_width, n_epochs):
    """The background thread draws exactly what a plain loop would: each
    epoch's permutation, then its noise, in epoch order."""
    plain = np.random.default_rng(11)
    expected = []
    for _ in range(n_epochs):
        order = plain.permutation(n_rows)
        noise = plain.standard_normal((n_rows, noise_width)) if noise_width else np.empty((n_rows, 0))
        expected.append((order, noise))
    got = [
        (order.copy(), noise.copy())
        for order, noise in _epoch_draws(np.random.default_rng(11), n_rows, (n_rows, noise_width), n_epochs)
    ]
    assert len(got) == n_epochs
    for (order, noise), (ref_order, ref_noise) in zip(got, expected, strict=True):
        np.testing.assert_array_equal(order, ref_order)
        np.testing.assert_array_equal(noise, ref_noise)


def test_prefetched_draws_stop_when_abandoned():
    """Leaving the loop early ends the producer thread (no thread left blocked)."""
    draws = _epoch_draws(np.random.default_rng(0), 5, (5, 2), 1000)
    next(draws)
    draws.close()
    assert not any(thread.name == "skinfo-mlp-draws" for thread in threading.enumerate())
