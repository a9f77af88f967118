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
    noise_modules,
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
    assert np.array_equal(
        NoisyNetwork(torch_layers(model), NOISE_STD).activations(X)[1],
        record_activations(model, X, ["5"])["5"],
    )


def test_generator_noise_statistics(seed):
    """With identity layers, the second pre-noise record is X + Z_1: Z_1 ~ N(0, b^2)."""
    model = torch.nn.Sequential(
        torch.nn.Identity(), GaussianNoise(NOISE_STD), torch.nn.Identity(), GaussianNoise(NOISE_STD)
    )
    X = np.linspace(-1, 1, 50).reshape(-1, 2)
    generator = torch.Generator().manual_seed(seed)
    S = sample_replicas(model, X, n_replicas=400, generator=generator, batch_size=1000)
    first, second = S["1"], S["3"]
    np.testing.assert_array_equal(first, np.broadcast_to(X[:, None, :], first.shape).astype(np.float32))
    Z = (second - first).reshape(-1, 2).astype(np.float64)
    n = Z.shape[0]
    assert np.all(np.abs(Z.mean(axis=0)) < 5 * NOISE_STD / math.sqrt(n))
    assert np.all(np.abs(Z.var(axis=0) - NOISE_STD**2) < 5 * NOISE_STD**2 * math.sqrt(2 / n))
    again = sample_replicas(
        model, X, n_replicas=400, generator=torch.Generator().manual_seed(seed), batch_size=1000
    )
    np.testing.assert_array_equal(again["3"], second)


def test_replicas_feed_the_estimator(seed):
    """Inputs far apart relative to the noise: I(X;T) = log m to rounding error."""
    model = torch.nn.Sequential(
        torch.nn.Identity(), GaussianNoise(0.01), torch.nn.Identity(), GaussianNoise(0.01)
    )
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


# ---------------------------------------------------------------------------
# InfoPlaneRecorder

SEED_LIMIT = 2**31 - 1


def train_epoch(model, X, y, optimizer):
    model.train()
    optimizer.zero_grad()
    loss = torch.nn.functional.cross_entropy(model(torch.from_numpy(X)), torch.from_numpy(y))
    loss.backward()
    optimizer.step()


def test_recorder_equals_hand_written_loop(seed, rng):
    """The acceptance check: recorder records == sample_replicas + NoisyMutualInformation, same seeds."""
    from skinfo.torch import InfoPlaneRecorder

    model = make_mlp(seed)
    X = rng.normal(size=(25, 5))
    y = rng.integers(0, 2, size=25)
    epochs = [0, 1, 4]
    layers = {"2": "T1", "5": "T2"}
    estimator = NoisyMutualInformation(n_mc=3)
    recorder = InfoPlaneRecorder(
        model,
        X,
        y,
        layers=layers,
        n_replicas=4,
        epochs=epochs,
        n_epochs=4,
        estimator=estimator,
        scores=(),
        random_state=seed,
    )
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    expected = {}
    for epoch in range(5):
        if epoch in epochs:
            seeds = np.random.default_rng([seed, epoch])
            replica_seed = int(seeds.integers(SEED_LIMIT))
            replicas = sample_replicas(model, X, 4, list(layers), random_state=replica_seed)
            for name, label in layers.items():
                est_seed = int(seeds.integers(SEED_LIMIT))
                est = NoisyMutualInformation(noise_std=NOISE_STD, n_mc=3, random_state=est_seed)
                est.fit(replicas[name], y)
                expected[epoch, label] = (
                    est.mutual_information_,
                    est.standard_error_,
                    est.label_information_,
                    est.label_standard_error_,
                )
        recorder.record(epoch, train_step=epoch)
        train_epoch(model, X, y, optimizer)
    records = recorder.result_.records
    assert [(r["epoch"], r["layer"]) for r in records] == list(expected)
    for record in records:
        got = (record["mi_x"], record["mi_x_se"], record["mi_y"], record["mi_y_se"])
        np.testing.assert_allclose(got, expected[record["epoch"], record["layer"]], rtol=1e-12, atol=1e-12)
        assert record["width"] == {"T1": 4, "T2": 3}[record["layer"]]
    # the network did train between checkpoints, so the records differ
    assert records[0]["mi_x"] != records[-2]["mi_x"]
    assert recorder.noise_std_ == {"2": NOISE_STD, "5": NOISE_STD}  # read from the GaussianNoise modules


def test_recorder_scores_are_the_noise_free_scores(seed, rng):
    from skinfo import binned_entropy, cosine_similarity_summary, silhouette_score
    from skinfo.torch import InfoPlaneRecorder

    model = make_mlp(seed)
    X = rng.normal(size=(20, 5))
    y = np.repeat([0, 1], 10)
    recorder = InfoPlaneRecorder(model, X, y, n_replicas=2, epochs=[0], snapshot_epochs=[0])
    (first, _) = recorder.record(0)
    T = record_activations(model, X, ["2"])["2"]
    assert first["layer"] == "2"
    assert first["binned_entropy"] == pytest.approx(binned_entropy(T, 30), abs=1e-12)
    assert first["silhouette"] == pytest.approx(silhouette_score(T, y), abs=1e-12)
    assert first["cosine_gap"] == pytest.approx(cosine_similarity_summary(T, y).gap, abs=1e-12)
    np.testing.assert_array_equal(recorder.result_.snapshots[0]["2"], T)


def test_recorder_leaves_model_and_torch_rng_alone(seed, rng):
    from skinfo.torch import InfoPlaneRecorder

    model = make_mlp(seed).train()
    X = rng.normal(size=(10, 5))
    recorder = InfoPlaneRecorder(model, X, n_replicas=3, epochs=[0], scores=())
    state = torch.get_rng_state()
    recorder.record(0)
    assert torch.equal(state, torch.get_rng_state())
    assert all(module.training for module in model.modules())


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"layers": ["2", "nope"]}, ValueError, r"\['nope'\] are not modules"),
        ({"layers": ["1"]}, ValueError, r"noise_std is needed for layers \['1'\]"),
        ({"epochs": [0, 20], "n_epochs": 10}, ValueError, "beyond n_epochs=10"),
        ({"epochs": [-2]}, ValueError, "epochs must be >= 0"),
        ({"epochs": [0.5]}, TypeError, "epochs must be integers"),
        ({"n_replicas": 0}, ValueError, "n_replicas"),
        ({"noise_std": {"2": 0.1, "9": 0.1}}, ValueError, r"\['9'\]"),
    ],
)
def test_recorder_rejects_bad_arguments(seed, rng, kwargs, error, match):
    from skinfo.torch import InfoPlaneRecorder

    model = make_mlp(seed)
    arguments = {"epochs": [0], **kwargs}
    with pytest.raises(error, match=match):
        InfoPlaneRecorder(model, rng.normal(size=(6, 5)), np.arange(6) % 2, **arguments)


def test_recorder_rejects_bad_inputs_before_training(seed, rng):
    from skinfo.torch import InfoPlaneRecorder

    model = make_mlp(seed)
    with pytest.raises(ValueError, match=r"X of shape \(6, 4\) does not fit the model"):
        InfoPlaneRecorder(model, rng.normal(size=(6, 4)), epochs=[0])
    with pytest.raises(ValueError, match="has 5 labels"):
        InfoPlaneRecorder(model, rng.normal(size=(6, 5)), np.zeros(5), epochs=[0])
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        InfoPlaneRecorder(model, rng.normal(size=6), epochs=[0])
    with pytest.raises(ValueError, match="NaN"):
        InfoPlaneRecorder(model, np.full((6, 5), np.nan), epochs=[0])
    with pytest.raises(TypeError, match="torch.nn.Module"):
        InfoPlaneRecorder(lambda X: X, rng.normal(size=(6, 5)), epochs=[0])


def test_function_recorder_points_torch_users_to_the_torch_twin(seed, rng):
    from skinfo import InfoPlaneRecorder as FunctionRecorder

    with pytest.raises(TypeError, match="skinfo.torch.InfoPlaneRecorder"):
        FunctionRecorder(make_mlp(seed), rng.normal(size=(6, 5)), noise_std=0.1, epochs=[0])


# ---------------------------------------------------------------------------
# torch_mixture_log_sum_exp against the Numba dense path


def groups_for(n_inputs, n_replicas, codes, n_query):
    """The Groups layout NoisyMutualInformation builds (inputs sorted by class)."""
    from skinfo._mixture import Groups

    class_sizes = np.bincount(codes)
    input_bounds = np.arange(n_inputs + 1, dtype=np.int64) * n_replicas
    class_bounds = np.concatenate([[0], np.cumsum(class_sizes)]).astype(np.int64) * n_replicas
    query_input = np.repeat(np.arange(n_inputs, dtype=np.int64), n_query)
    return Groups(input_bounds, class_bounds, query_input, codes[query_input])


@pytest.mark.parametrize("n_features", [3, 60])
@pytest.mark.parametrize("block_size", [7, 2048])
def test_torch_mixture_equals_numba_dense(rng, n_features, block_size):
    from skinfo._mixture import mixture_log_sum_exp
    from skinfo.torch import torch_mixture_log_sum_exp

    n_inputs, n_replicas, n_query, noise_std = 23, 3, 2, 0.4
    codes = np.sort(rng.integers(0, 3, size=n_inputs))
    centres = rng.normal(size=(n_inputs * n_replicas, n_features))
    queries = np.repeat(centres[::n_replicas], n_query, axis=0) + noise_std * rng.normal(
        size=(n_inputs * n_query, n_features)
    )
    groups = groups_for(n_inputs, n_replicas, codes, n_query)
    expected, _ = mixture_log_sum_exp(queries, centres, noise_std, groups=groups, method="dense")
    got = torch_mixture_log_sum_exp(queries, centres, noise_std, groups, block_size=block_size)
    assert got.dtype == np.float64 and got.shape == (n_inputs * n_query, 3)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


def test_torch_mixture_separated_clusters_underflow(rng):
    """Two clusters 60 noise stds apart: a query's other-class sum is ~exp(-1800) below the total,
    far under float64 resolution of the total; each column is its own log-sum-exp, so it stays exact."""
    from skinfo._mixture import Groups, mixture_log_sum_exp
    from skinfo.torch import torch_mixture_log_sum_exp

    noise_std = 0.1
    centres = np.concatenate([rng.normal(size=(8, 2)) * 0.05, 6.0 + rng.normal(size=(8, 2)) * 0.05])
    queries = centres + noise_std * rng.normal(size=centres.shape)
    # Each query's "input" range is its own centre; its "class" range is the OTHER cluster.
    own = np.arange(16, dtype=np.int64)
    other = np.where(own < 8, 1, 0).astype(np.int64)
    groups = Groups(np.arange(17, dtype=np.int64), np.array([0, 8, 16], dtype=np.int64), own, other)
    expected, _ = mixture_log_sum_exp(queries, centres, noise_std, groups=groups, method="dense")
    got = torch_mixture_log_sum_exp(queries, centres, noise_std, groups, block_size=5)
    assert np.all(expected[:, 2] < expected[:, 0] - 1000)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)
    # plain reference for the far column
    far = np.array(
        [
            np.logaddexp.reduce(-np.sum((q - centres[8 * o : 8 * o + 8]) ** 2, axis=1) / (2 * noise_std**2))
            for q, o in zip(queries, other, strict=True)
        ]
    )
    np.testing.assert_allclose(got[:, 2], far, rtol=1e-12)


def test_torch_mixture_empty_ranges_and_tensor_input(rng):
    from skinfo._mixture import Groups
    from skinfo.torch import torch_mixture_log_sum_exp

    centres = torch.from_numpy(rng.normal(size=(5, 2)))
    queries = torch.from_numpy(rng.normal(size=(4, 2)))
    got = torch_mixture_log_sum_exp(queries, centres, 0.5, Groups.none(4))
    squared = ((queries[:, None, :] - centres[None]) ** 2).sum(-1).numpy()
    np.testing.assert_allclose(got[:, 0], np.logaddexp.reduce(-squared / 0.5, axis=1), rtol=1e-12)
    assert np.all(got[:, 1:] == -np.inf)
    with pytest.raises(ValueError, match="features"):
        torch_mixture_log_sum_exp(queries, centres[:, :1], 0.5, Groups.none(4))
    with pytest.raises(ValueError, match="noise_std"):
        torch_mixture_log_sum_exp(queries, centres, 0.0, Groups.none(4))


# ---------------------------------------------------------------------------
# Lightning callback


@pytest.mark.slow
def test_lightning_callback_records_like_the_plain_loop(seed, rng):
    """Trainer + callback gives the records of recorder.record(0..n) around the same training."""
    pl = pytest.importorskip("lightning.pytorch")
    from skinfo.torch import InfoPlaneCallback, InfoPlaneRecorder

    X = rng.normal(size=(32, 5))
    y = (X[:, 0] > 0).astype(np.int64)

    class Net(pl.LightningModule):
        def __init__(self):
            super().__init__()
            self.body = make_mlp(seed)
            # Training noise from the modules' own generators: Lightning's data loading draws
            # from torch's global RNG, the plain loop does not.
            for k, (_, module) in enumerate(noise_modules(self.body)):
                module.generator = torch.Generator().manual_seed(seed + k)

        def forward(self, x):
            return self.body(x)

        def training_step(self, batch, _):
            loss = torch.nn.functional.cross_entropy(self(batch[0]), batch[1])
            self.log("train_loss", loss, on_epoch=True, on_step=False)
            return loss

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=0.3)

    def loader():
        data = torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(y))
        return torch.utils.data.DataLoader(data, batch_size=32)  # one full batch: no shuffling order

    arguments = {
        "layers": {"body.2": "T1", "body.5": "T2"},
        "n_replicas": 3,
        "epochs": [0, 1, 3],
        "scores": (),
        "random_state": seed,
    }
    net = Net()
    recorder = InfoPlaneRecorder(net, X, y, **arguments)
    trainer = pl.Trainer(
        max_epochs=3,
        callbacks=[InfoPlaneCallback(recorder, extra_metrics=("train_loss",))],
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        accelerator="cpu",
        deterministic=True,
    )
    trainer.fit(net, loader())
    assert recorder.result_.epochs == [0, 1, 3]
    assert recorder.result_.where(epoch=0)[0]["train_loss"] is None
    assert recorder.result_.where(epoch=3)[0]["train_loss"] > 0

    # The same training by hand (full-batch SGD from the same initial weights).
    plain = Net()
    by_hand = InfoPlaneRecorder(plain, X, y, **arguments)
    optimizer = torch.optim.SGD(plain.parameters(), lr=0.3)
    for epoch in range(4):
        by_hand.record(epoch)
        if epoch < 3:
            plain.train()
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(plain(torch.from_numpy(X)), torch.from_numpy(y)).backward()
            optimizer.step()
    for got, want in zip(recorder.result_.records, by_hand.result_.records, strict=True):
        assert (got["epoch"], got["layer"]) == (want["epoch"], want["layer"])
        np.testing.assert_allclose(got["mi_x"], want["mi_x"], rtol=1e-12)
        np.testing.assert_allclose(got["mi_y"], want["mi_y"], rtol=1e-12)


def test_lightning_callback_needs_a_recorder():
    pytest.importorskip("lightning.pytorch")
    from skinfo.torch import InfoPlaneCallback

    with pytest.raises(TypeError, match="InfoPlaneRecorder"):
        InfoPlaneCallback(object())


def test_torch_mixture_masked_paths_equal_numba(rng, monkeypatch):
    """Many distinct class ranges (masked fold) and long input ranges (folded, not gathered)."""
    import skinfo.torch._mixture as torch_mixture
    from skinfo._mixture import mixture_log_sum_exp

    monkeypatch.setattr(torch_mixture, "_MAX_GATHER_WIDTH", 0)
    n_inputs, n_replicas, noise_std = 90, 2, 0.3
    codes = np.arange(n_inputs)  # one class per input: 90 distinct class ranges
    centres = rng.normal(size=(n_inputs * n_replicas, 4))
    queries = centres[::n_replicas] + noise_std * rng.normal(size=(n_inputs, 4))
    groups = groups_for(n_inputs, n_replicas, codes, 1)
    expected, _ = mixture_log_sum_exp(queries, centres, noise_std, groups=groups, method="dense")
    got = torch_mixture.torch_mixture_log_sum_exp(queries, centres, noise_std, groups, block_size=50)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)
