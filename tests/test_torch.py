"""PyTorch adapter: noise module, hook recording, replica sampling, NoisyNetwork bridge."""

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from skinfo import NoisyMutualInformation  # noqa: E402
from skinfo.networks import NoisyNetwork  # noqa: E402
from skinfo.torch import (  # noqa: E402
    GaussianNoise,
    TorchLayer,
    deterministic,
    record_activations,
    sample_replicas,
    to_noisy_network,
    torch_layers,
)

pytestmark = pytest.mark.torch

NOISE_STD = 0.2


def make_mlp(seed, sizes=(5, 4, 3), noise_std=NOISE_STD, output=2, dtype=torch.float64):
    """tanh MLP with GaussianNoise after every hidden layer and a noise-free output layer."""
    torch.manual_seed(seed)
    modules = []
    for d_in, d_out in zip(sizes[:-1], sizes[1:], strict=True):
        modules += [torch.nn.Linear(d_in, d_out), torch.nn.Tanh(), GaussianNoise(noise_std)]
    modules.append(torch.nn.Linear(sizes[-1], output))
    return torch.nn.Sequential(*modules).to(dtype)


def numpy_twin(model):
    """The hidden layers of ``make_mlp``'s model as plain NumPy functions (float64)."""
    layers = []
    for module in model:
        if isinstance(module, torch.nn.Linear):
            W = module.weight.detach().double().numpy().copy()
            b = module.bias.detach().double().numpy().copy()
            layers.append((W, b))

    def dense(W, b):
        return lambda A: np.tanh(A @ W.T + b)

    return [dense(W, b) for W, b in layers[:-1]], layers


# ---------------------------------------------------------------------------
# GaussianNoise


def test_noise_statistics(seed):
    """Z = T - S is N(0, b^2 I): mean within 5 standard errors of 0, variance within
    5 standard errors of b^2 (sd of the sample variance is b^2 sqrt(2/n)), and the
    coordinates uncorrelated."""
    generator = torch.Generator().manual_seed(seed)
    noise = GaussianNoise(NOISE_STD, generator=generator)
    S = torch.full((40_000, 3), 2.5, dtype=torch.float64)
    Z = (noise(S) - S).numpy()
    n = Z.shape[0]
    assert np.all(np.abs(Z.mean(axis=0)) < 5 * NOISE_STD / math.sqrt(n))
    assert np.all(np.abs(Z.var(axis=0) - NOISE_STD**2) < 5 * NOISE_STD**2 * math.sqrt(2 / n))
    corr = np.corrcoef(Z.T)[np.triu_indices(3, 1)]
    assert np.all(np.abs(corr) < 5 / math.sqrt(n))


def test_noise_stays_on_in_eval_mode_and_deterministic_restores(seed):
    model = make_mlp(seed).eval()
    model[5].noise_enabled = False  # a switch the user set must survive the context manager
    x = torch.zeros(3, 5, dtype=torch.float64)
    assert not torch.equal(model[2](x[:, :4]), x[:, :4])
    with deterministic(model):
        assert torch.equal(model(x), model(x))
        assert not model[2].noise_enabled
    assert model[2].noise_enabled and not model[5].noise_enabled


def test_seeded_generators_reproduce(seed):
    S = torch.zeros(10, 4)
    first = GaussianNoise(0.5, generator=torch.Generator().manual_seed(seed))(S)
    second = GaussianNoise(0.5, generator=torch.Generator().manual_seed(seed))(S)
    assert torch.equal(first, second)


@pytest.mark.parametrize("noise_std", [0.0, -1.0, float("nan")])
def test_noise_std_must_be_positive(noise_std):
    with pytest.raises(ValueError, match="noise_std must be a positive finite number"):
        GaussianNoise(noise_std)


# ---------------------------------------------------------------------------
# record_activations


def test_record_matches_manual_forward(seed, rng):
    """Hooks record the Linear, tanh and pre-noise outputs a manual NumPy pass computes."""
    model = make_mlp(seed, dtype=torch.float32)
    X = rng.normal(size=(37, 5)).astype(np.float32)
    acts = record_activations(model, X, ["0", "1", "2", "3", "5", "6"], batch_size=8)
    _, params = numpy_twin(model)
    (W0, b0), (W1, b1), (W2, b2) = params
    pre0 = X.astype(np.float64) @ W0.T + b0
    S1 = np.tanh(pre0)
    pre1 = S1 @ W1.T + b1
    S2 = np.tanh(pre1)
    expected = {"0": pre0, "1": S1, "2": S1, "3": pre1, "5": S2, "6": S2 @ W2.T + b2}
    assert list(acts) == list(expected)
    for name, value in expected.items():
        assert acts[name].dtype == np.float32
        np.testing.assert_allclose(acts[name], value, rtol=1e-5, atol=1e-5)


def test_record_flattens_feature_maps(seed, rng):
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.ReLU(inplace=True), GaussianNoise(0.1))
    X = torch.from_numpy(rng.normal(size=(6, 1, 5, 5)).astype(np.float32))
    acts = record_activations(model, X, ["0", "2"], batch_size=4)
    conv = model[0](X).detach().numpy()
    # The conv output is copied before the in-place ReLU overwrites it.
    np.testing.assert_allclose(acts["0"], conv.reshape(6, -1), rtol=1e-6)
    np.testing.assert_allclose(acts["2"], np.maximum(conv, 0).reshape(6, -1), rtol=1e-6)
    kept = record_activations(model, X, ["0"], flatten=False)["0"]
    assert kept.shape == (6, 2, 3, 3)


def test_record_from_a_data_loader(seed, rng):
    """A DataLoader of (inputs, targets) batches gives the rows of the array path, in order."""
    model = make_mlp(seed, dtype=torch.float32)
    X = rng.normal(size=(23, 5)).astype(np.float32)
    dataset = torch.utils.data.TensorDataset(torch.from_numpy(X), torch.zeros(23))
    loader = torch.utils.data.DataLoader(dataset, batch_size=6, shuffle=False)
    from_loader = record_activations(model, loader, ["3", "5"])
    from_array = record_activations(model, X, ["3", "5"])
    for name in from_array:
        np.testing.assert_allclose(from_loader[name], from_array[name], rtol=1e-6, atol=1e-7)


def test_record_empty_data_loader(seed):
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.zeros(0, 5)), batch_size=4)
    with pytest.raises(ValueError, match="X yielded no batches"):
        record_activations(make_mlp(seed, dtype=torch.float32), loader, ["3"])


def test_record_leaves_model_as_it_was(seed):
    model = make_mlp(seed).train()
    record_activations(model, np.ones((4, 5)), ["1", "2"], noise=True)
    assert all(module.training for module in model.modules())
    assert all(not module._forward_hooks and not module._forward_pre_hooks for module in model.modules())
    assert all(module._noise_source is None for module in model if isinstance(module, GaussianNoise))


def test_record_keeps_no_graph(seed):
    model = make_mlp(seed)
    acts = record_activations(model, torch.ones(3, 5, requires_grad=True, dtype=torch.float64), ["3"])
    assert isinstance(acts["3"], np.ndarray)


def test_record_unknown_layer():
    with pytest.raises(ValueError, match=r"layers \['nope'\] are not modules of the model"):
        record_activations(make_mlp(0), np.ones((2, 5)), ["nope"])


def test_record_layers_none_without_noise_modules():
    with pytest.raises(ValueError, match="has none"):
        record_activations(torch.nn.Linear(3, 2), np.ones((2, 3)))


def test_record_repeated_layer_name():
    with pytest.raises(ValueError, match="must not repeat a name"):
        record_activations(make_mlp(0), np.ones((2, 5)), ["1", "1"])


def test_record_rejects_nan():
    X = np.ones((2, 5))
    X[1, 2] = np.nan
    with pytest.raises(ValueError, match="X contains NaN or infinity"):
        record_activations(make_mlp(0), X, ["1"])


def test_record_rejects_bad_batch_size():
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1; got 0"):
        record_activations(make_mlp(0), np.ones((2, 5)), ["1"], batch_size=0)


def test_record_rejects_one_dimensional_input():
    with pytest.raises(ValueError, match=r"at least 2 dimensions; got shape \(5,\)"):
        record_activations(make_mlp(0), np.ones(5), ["1"])


def test_record_module_called_twice():
    shared = torch.nn.Tanh()

    class Twice(torch.nn.Module):
        def forward(self, x):
            return torch.cat([shared(x), shared(x)], dim=0)

    model = torch.nn.Sequential(Twice())
    model.add_module("shared", shared)
    with pytest.raises(ValueError, match="called more than once"):
        record_activations(model, np.ones((2, 3)), ["shared"])


# ---------------------------------------------------------------------------
# sample_replicas and the NoisyNetwork bridge


@pytest.mark.parametrize("batch_size", [4096, 7])
def test_replicas_equal_noisy_network(seed, rng, batch_size):
    """Same seed, same network: the torch replicas are NoisyNetwork's, for any batch size."""
    model = make_mlp(seed)
    X = rng.normal(size=(9, 5))
    ours = sample_replicas(model, X, n_replicas=6, random_state=seed, batch_size=batch_size)
    layers, _ = numpy_twin(model)
    reference = NoisyNetwork(layers, NOISE_STD, random_state=seed).sample(X, n_replicas=6)
    assert list(ours) == ["2", "5"]
    for S_torch, S_numpy in zip(ours.values(), reference, strict=True):
        assert S_torch.shape == S_numpy.shape
        np.testing.assert_allclose(S_torch, S_numpy, rtol=1e-12, atol=1e-12)


def test_float32_replicas_match_noisy_network(seed, rng):
    """A float32 model gets the same noise (cast once) and float32-accurate replicas."""
    model = make_mlp(seed, dtype=torch.float32)
    X = rng.normal(size=(11, 5))
    layers, _ = numpy_twin(model)
    reference = NoisyNetwork(layers, NOISE_STD, random_state=seed).sample(X, n_replicas=4)
    for batch_size in (4096, 5):
        ours = sample_replicas(model, X, n_replicas=4, random_state=seed, batch_size=batch_size)
        for S_torch, S_numpy in zip(ours.values(), reference, strict=True):
            assert S_torch.dtype == np.float32
            np.testing.assert_allclose(S_torch, S_numpy, rtol=1e-5, atol=1e-6)


def test_to_noisy_network_matches_numpy_twin(seed, rng):
    model = make_mlp(seed)
    X = rng.normal(size=(8, 5))
    bridged = to_noisy_network(model, random_state=seed).sample(X, n_replicas=3)
    layers, _ = numpy_twin(model)
    reference = NoisyNetwork(layers, NOISE_STD, random_state=seed).sample(X, n_replicas=3)
    for S_torch, S_numpy in zip(bridged, reference, strict=True):
        np.testing.assert_allclose(S_torch, S_numpy, rtol=1e-12, atol=1e-12)
    assert np.array_equal(NoisyNetwork(torch_layers(model), NOISE_STD).activations(X)[1],
                          record_activations(model, X, ["5"])["5"])


def test_generator_noise_statistics(seed):
    """With identity layers, the second pre-noise record is X + Z_1: Z_1 ~ N(0, b^2)."""
    model = torch.nn.Sequential(torch.nn.Identity(), GaussianNoise(NOISE_STD), torch.nn.Identity(),
                                GaussianNoise(NOISE_STD))
    X = np.linspace(-1, 1, 50).reshape(-1, 2)
    generator = torch.Generator().manual_seed(seed)
    S = sample_replicas(model, X, n_replicas=400, generator=generator, batch_size=1000)
    first, second = S["1"], S["3"]
    np.testing.assert_array_equal(first, np.broadcast_to(X[:, None, :], first.shape).astype(np.float32))
    Z = (second - first).reshape(-1, 2).astype(np.float64)
    n = Z.shape[0]
    assert np.all(np.abs(Z.mean(axis=0)) < 5 * NOISE_STD / math.sqrt(n))
    assert np.all(np.abs(Z.var(axis=0) - NOISE_STD**2) < 5 * NOISE_STD**2 * math.sqrt(2 / n))
    again = sample_replicas(model, X, n_replicas=400, generator=torch.Generator().manual_seed(seed),
                            batch_size=1000)
    np.testing.assert_array_equal(again["3"], second)


def test_replicas_feed_the_estimator(seed):
    """Inputs far apart relative to the noise: I(X;T) = log m to rounding error."""
    model = torch.nn.Sequential(torch.nn.Identity(), GaussianNoise(0.01), torch.nn.Identity(),
                                GaussianNoise(0.01))
    X = 10.0 * np.arange(6, dtype=np.float64).reshape(-1, 1)
    S = sample_replicas(model, X, n_replicas=8, random_state=seed)["3"]
    est = NoisyMutualInformation(noise_std=0.01, random_state=seed).fit(S)
    assert est.mutual_information_ == pytest.approx(math.log(6), abs=1e-9)


def test_replicas_reject_both_seeds():
    with pytest.raises(ValueError, match="either random_state"):
        sample_replicas(make_mlp(0), np.ones((2, 5)), 2, random_state=0, generator=torch.Generator())


def test_replicas_reject_zero_replicas():
    with pytest.raises(ValueError, match="n_replicas must be an integer >= 1; got 0"):
        sample_replicas(make_mlp(0), np.ones((2, 5)), 0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_replicas_on_gpu_equal_cpu(seed, rng):
    model = make_mlp(seed)
    X = rng.normal(size=(5, 5))
    cpu = sample_replicas(model, X, 3, random_state=seed)
    gpu = sample_replicas(model.cuda(), torch.from_numpy(X).cuda(), 3, random_state=seed)
    for name in cpu:
        np.testing.assert_allclose(gpu[name], cpu[name], rtol=1e-10)


# ---------------------------------------------------------------------------
# torch_layers / TorchLayer


def test_torch_layer_restores_training_mode():
    module = torch.nn.Sequential(torch.nn.Dropout(0.5)).train()
    out = TorchLayer(module)(np.ones((100, 4)))
    np.testing.assert_array_equal(out, np.ones((100, 4)))  # dropout is off inside the call
    assert module.training and module[0].training


def test_torch_layers_needs_sequential():
    with pytest.raises(TypeError, match="must be a torch.nn.Sequential or a list of modules"):
        torch_layers(torch.nn.Linear(2, 2))


def test_torch_layers_noise_first():
    with pytest.raises(ValueError, match="GaussianNoise module with no layer before it"):
        torch_layers(torch.nn.Sequential(GaussianNoise(0.1), torch.nn.Tanh()))


def test_to_noisy_network_mixed_noise_levels():
    model = torch.nn.Sequential(torch.nn.Tanh(), GaussianNoise(0.1), torch.nn.Tanh(), GaussianNoise(0.2))
    with pytest.raises(ValueError, match=r"different noise_std \[0.1, 0.2\]"):
        to_noisy_network(model)
