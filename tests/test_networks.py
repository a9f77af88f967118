"""Tests of skinfo.networks: NoisyNetwork sample propagation and the reference NoisyMLP."""

import numpy as np
import pytest

from skinfo import NoisyMLP, NoisyNetwork
from skinfo.networks import DenseLayer, log_spaced_epochs, orthonormal_retraction
from skinfo.networks._mlp import _forward_backward, _Parameters


def _identity(A):
    return A.copy()


# ---------------------------------------------------------------- NoisyNetwork


def test_sample_shapes_and_deterministic_first_layer(rng, seed):
    """S_1 does not see any noise, so its replicas coincide; deeper replicas differ."""
    W1, W2 = rng.standard_normal((4, 3)), rng.standard_normal((3, 2))
    layers = [lambda A: np.tanh(A @ W1), lambda A: np.tanh(A @ W2)]
    net = NoisyNetwork(layers, noise_std=0.1, random_state=seed)
    X = rng.standard_normal((6, 4))
    S1, S2 = net.sample(X, n_replicas=5)
    assert S1.shape == (6, 5, 3) and S2.shape == (6, 5, 2)
    np.testing.assert_array_equal(S1, np.broadcast_to(np.tanh(X @ W1)[:, None, :], S1.shape))
    assert np.all(np.ptp(S2, axis=1) > 0)
    det1, det2 = net.activations(X)
    np.testing.assert_allclose(det2, np.tanh(np.tanh(X @ W1) @ W2))
    np.testing.assert_array_equal(det1, S1[:, 0])


def test_added_noise_has_mean_zero_and_variance_noise_std_squared(rng, seed):
    """With identity layers S_2 = x + Z_1 and S_3 - S_2 = Z_2: Gaussian N(0, b^2).

    Tolerances from the sample size: the mean has standard deviation b / sqrt(n), the
    sample variance b^2 sqrt(2 / n); 5 of each.
    """
    noise_std = 0.3
    net = NoisyNetwork([_identity, _identity, _identity], noise_std, random_state=seed)
    X = rng.standard_normal((50, 2))
    S1, S2, S3 = net.sample(X, n_replicas=400)
    for Z in (S2 - X[:, None, :], S3 - S2):
        z = Z.ravel()
        n = z.size
        assert abs(z.mean()) < 5 * noise_std / np.sqrt(n)
        assert abs(z.var() - noise_std**2) < 5 * noise_std**2 * np.sqrt(2.0 / n)
    # Noise of the two layers is independent.
    corr = np.corrcoef((S2 - X[:, None, :]).ravel(), (S3 - S2).ravel())[0, 1]
    assert abs(corr) < 5 / np.sqrt(S2.size)


def test_sample_is_reproducible_with_a_seed(rng, seed):
    X = rng.standard_normal((3, 2))
    first = NoisyNetwork([_identity, _identity], 0.1, random_state=seed).sample(X, 4)
    second = NoisyNetwork([_identity, _identity], 0.1, random_state=seed).sample(X, 4)
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)


def test_layer_outputs_from_other_array_types_are_read():
    """A callable returning nested lists (any array-like) works."""
    net = NoisyNetwork([lambda A: (A * 2).tolist()], 0.1, random_state=0)
    (S,) = net.sample(np.ones((2, 3)), 2)
    np.testing.assert_array_equal(S, np.full((2, 2, 3), 2.0))


@pytest.mark.parametrize(
    "layers, error, match",
    [
        ([np.tanh, "not a function"], TypeError, r"layers\[1\] must be callable"),
        (np.tanh, TypeError, "sequence of callables"),
        ([], ValueError, "at least one callable"),
        (3, TypeError, "sequence of callables"),
    ],
)
def test_rejects_bad_layers(layers, error, match):
    with pytest.raises(error, match=match):
        NoisyNetwork(layers, 0.1)


@pytest.mark.parametrize(
    "noise_std, error", [(0.0, ValueError), (-1.0, ValueError), (np.nan, ValueError), ("0.1", TypeError)]
)
def test_rejects_bad_noise_std(noise_std, error):
    with pytest.raises(error, match="noise_std"):
        NoisyNetwork([np.tanh], noise_std)


@pytest.mark.parametrize("n_replicas, error", [(0, ValueError), (-2, ValueError), (1.5, TypeError)])
def test_rejects_bad_replica_counts(n_replicas, error):
    with pytest.raises(error, match="n_replicas"):
        NoisyNetwork([np.tanh], 0.1).sample(np.ones((2, 2)), n_replicas)


@pytest.mark.parametrize(
    "layer, match",
    [
        (lambda A: A.sum(axis=1), r"layers\[0\] must return an array of shape \(batch, d_out\)"),
        (lambda A: A[:1], r"batch=8; got shape \(1, 2\)"),  # 4 inputs x 2 replicas
        (lambda A: A * np.nan, "NaN"),
    ],
)
def test_rejects_wrong_layer_outputs(layer, match):
    net = NoisyNetwork([layer], 0.1)
    with pytest.raises(ValueError, match=match):
        net.sample(np.ones((4, 2)), 2)


# ---------------------------------------------------------------- NoisyMLP gradients


def _loss_only(flat, params, X, onehot, noise, activation):
    weights, biases = params.views(flat)
    grad = np.zeros_like(flat)
    gw, gb = params.views(grad)
    return _forward_backward(weights, biases, gw, gb, X, onehot, noise, activation), grad


@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("with_noise", [False, True])
def test_gradient_matches_central_finite_differences(rng, activation, with_noise):
    """Back-propagation equals (L(p + h e_k) - L(p - h e_k)) / 2h for every parameter.

    A fixed noise array is a constant input, so the check holds with it too.
    """
    params = _Parameters([4, 5, 3, 3])
    flat = rng.standard_normal(params.size) * 0.7
    X = rng.standard_normal((9, 4))
    onehot = np.eye(3)[rng.integers(0, 3, size=9)]
    noise = 0.1 * rng.standard_normal((9, 8)) if with_noise else None
    _, grad = _loss_only(flat, params, X, onehot, noise, activation)
    h = 1e-6
    numeric = np.empty_like(flat)
    for k in range(flat.size):
        up, down = flat.copy(), flat.copy()
        up[k] += h
        down[k] -= h
        numeric[k] = (
            _loss_only(up, params, X, onehot, noise, activation)[0]
            - _loss_only(down, params, X, onehot, noise, activation)[0]
        ) / (2 * h)
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8)


def test_loss_is_the_mean_cross_entropy(rng):
    """Compared with a plain softmax written in the test."""
    params = _Parameters([3, 4, 2])
    flat = rng.standard_normal(params.size)
    X = rng.standard_normal((7, 3))
    labels = rng.integers(0, 2, size=7)
    loss, _ = _loss_only(flat, params, X, np.eye(2)[labels], None, "tanh")
    (W1, W2), (b1, b2) = params.views(flat)
    logits = np.tanh(X @ W1 + b1) @ W2 + b2
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    assert loss == pytest.approx(-np.mean(np.log(p[np.arange(7), labels])), rel=1e-12)


# ---------------------------------------------------------------- NoisyMLP training


def _xor():
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]] * 16)
    return X, np.array([0, 1, 1, 0] * 16)


def test_mlp_checkpoints_hold_the_weights_of_their_epochs(seed):
    """The last checkpoint equals the final weights; epoch 0 is the initialisation;
    retraining with the checkpoint epoch as n_epochs reproduces a middle checkpoint."""
    X, y = _xor()
    kwargs = {"noise_std": 0.01, "learning_rate": 0.05, "random_state": seed}
    mlp = NoisyMLP((6,), n_epochs=40, checkpoints=[0, 10, 40], **kwargs).fit(X, y)
    assert mlp.checkpoint_epochs_.tolist() == [0, 10, 40]
    for final, stored in zip(
        mlp.coefs_, [layer.weights for layer in mlp.layers(40, include_output=True)], strict=True
    ):
        np.testing.assert_array_equal(final, stored)
    short = NoisyMLP((6,), n_epochs=10, checkpoints=[0, 10], **kwargs).fit(X, y)
    np.testing.assert_array_equal(short.layers(0)[0].weights, mlp.layers(0)[0].weights)
    np.testing.assert_array_equal(short.coefs_[0], mlp.layers(10)[0].weights)
    assert not np.array_equal(mlp.layers(0)[0].weights, mlp.coefs_[0])


def test_mlp_learns_xor_and_predicts_probabilities(seed):
    X, y = _xor()
    mlp = NoisyMLP((8,), noise_std=0.01, learning_rate=0.05, n_epochs=300, random_state=seed).fit(X, y)
    proba = mlp.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert mlp.score(X, y) == 1.0
    assert mlp.log_loss(X, y) < np.log(2) / 4
    assert mlp.loss_curve_.shape == (300,) and mlp.loss_curve_[-1] < mlp.loss_curve_[0]


def test_orthonormal_retraction_converges_to_orthonormal_columns(rng):
    """Repeated steps drive W^T W to the identity for d_out <= d_in."""
    W = rng.standard_normal((6, 3)) * 0.5
    for _ in range(500):
        orthonormal_retraction(W, 0.1)
    np.testing.assert_allclose(W.T @ W, np.eye(3), atol=1e-8)


def test_training_with_retraction_keeps_hidden_weights_near_orthonormal(seed):
    X, y = _xor()
    kwargs = {"noise_std": 0.01, "learning_rate": 0.01, "n_epochs": 100, "random_state": seed}
    plain = NoisyMLP((2,), **kwargs).fit(X, y)
    ortho = NoisyMLP((2,), orthonormal_alpha=0.2, **kwargs).fit(X, y)
    W_ortho, W_plain = ortho.coefs_[0], plain.coefs_[0]
    assert np.linalg.norm(W_ortho.T @ W_ortho - np.eye(2)) < 0.1
    assert np.linalg.norm(W_plain.T @ W_plain - np.eye(2)) > 0.1


def test_log_spaced_epochs_are_distinct_and_end_at_n_epochs():
    epochs = log_spaced_epochs(10000, 84)
    assert epochs[0] == 1 and epochs[-1] == 10000
    assert np.all(np.diff(epochs) > 0) and len(epochs) == 84
    np.testing.assert_array_equal(log_spaced_epochs(5, 9), [1, 2, 3, 4, 5])
    ratios = epochs[-10:][1:] / epochs[-10:][:-1]
    np.testing.assert_allclose(ratios, 10 ** (4 / 83), rtol=1e-3)


def test_dense_layer_matches_plain_formula(rng):
    W, b, A = rng.standard_normal((3, 2)), rng.standard_normal(2), rng.standard_normal((5, 3))
    np.testing.assert_allclose(DenseLayer(W, b, "tanh")(A), np.tanh(A @ W + b))
    np.testing.assert_allclose(DenseLayer(W, b, "relu")(A), np.maximum(A @ W + b, 0))


@pytest.mark.parametrize(
    "params, fit_args, error, match",
    [
        ({"checkpoints": [5, 50]}, None, ValueError, r"checkpoints must lie in \[0, n_epochs=10\]"),
        ({"checkpoints": [1.5]}, None, ValueError, "integer epochs"),
        ({"hidden_layer_sizes": (3, 0)}, None, ValueError, "hidden_layer_sizes"),
        ({"activation": "sigmoid"}, None, ValueError, "activation"),
        ({"noise_std": -0.1}, None, ValueError, "noise_std"),
        ({}, "one-class", ValueError, "at least two classes"),
    ],
)
def test_mlp_rejects_bad_parameters(params, fit_args, error, match):
    X, y = _xor()
    if fit_args == "one-class":
        y = np.zeros_like(y)
    with pytest.raises(error, match=match):
        NoisyMLP(**{"hidden_layer_sizes": (3,), "n_epochs": 10, **params}).fit(X, y)


def test_mlp_rejects_unknown_checkpoint(seed):
    X, y = _xor()
    mlp = NoisyMLP((3,), n_epochs=5, checkpoints=[5], random_state=seed).fit(X, y)
    with pytest.raises(ValueError, match=r"checkpoint must be one of the stored epochs \[5\]"):
        mlp.layers(3)
