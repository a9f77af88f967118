"""The convolutional experiment, linear CKA, the MNIST loader and the info-plane variants."""

import importlib.util
import math
from urllib.error import URLError

import numpy as np
import pytest
from sklearn.utils import Bunch

from skinfo.cli import main
from skinfo.cluster import linear_cka

HAVE_TORCH = importlib.util.find_spec("torch") is not None

# Seconds: enough to exercise every column and figure.
TINY = {
    "noise_stds": (0.0, 0.3),
    "conv_channels": (3, 4),
    "conv_strides": (2, 2),
    "dense_width": 8,
    "n_epochs": 2,
    "n_checkpoints": 1,
    "batch_size": 64,
    "learning_rate": 3e-3,
    "n_samples": 200,
    "mi_layers": ("conv1", "dense"),
    "n_mi_inputs": 20,
    "n_replicas": 2,
}


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


@pytest.fixture(scope="module")
def tiny_result():
    pytest.importorskip("torch")
    from skinfo.experiments import run_cnn

    return run_cnn(**TINY, random_state=3)


# ---------------------------------------------------------------- linear CKA


def _cka_by_hsic(X, Y):
    """tr(K H L H) / sqrt(tr(K H K H) tr(L H L H)) with the n x n centring matrix H."""
    n = X.shape[0]
    H = np.eye(n) - np.ones((n, n)) / n
    K, L = X @ X.T, Y @ Y.T
    hsic = np.trace(K @ H @ L @ H)
    return hsic / math.sqrt(np.trace(K @ H @ K @ H) * np.trace(L @ H @ L @ H))


@pytest.mark.parametrize(("n", "d_x", "d_y"), [(30, 4, 6), (8, 20, 3), (12, 12, 12)])
def test_linear_cka_equals_the_hsic_formula(rng, n, d_x, d_y):
    """Both internal forms (features and Gram matrices) agree with the centred-Gram definition."""
    X = rng.normal(size=(n, d_x))
    Y = np.tanh(X @ rng.normal(size=(d_x, d_y))) + 0.3 * rng.normal(size=(n, d_y))
    assert linear_cka(X, Y) == pytest.approx(_cka_by_hsic(X, Y), rel=1e-10)


def test_linear_cka_invariances_and_range(rng):
    """Invariant to orthogonal maps, isotropic scaling and shifts; symmetric; in [0, 1]."""
    X = rng.normal(size=(40, 5))
    Q = np.linalg.qr(rng.normal(size=(5, 5)))[0]
    Y = rng.normal(size=(40, 3))
    assert linear_cka(X, 2.5 * X @ Q - 4.0) == pytest.approx(1.0, abs=1e-12)
    assert linear_cka(X, Y) == pytest.approx(linear_cka(Y, X), rel=1e-12)
    assert linear_cka(X, Y) == pytest.approx(linear_cka(3.0 * X @ Q + 1.0, Y), rel=1e-10)
    assert 0.0 <= linear_cka(X, Y) <= 1.0


def test_linear_cka_bad_input():
    with pytest.raises(ValueError, match="one row per input"):
        linear_cka(np.ones((5, 2)), np.ones((4, 2)))
    with pytest.raises(ValueError, match="NaN|infinity"):
        linear_cka(np.full((5, 2), np.nan), np.ones((5, 2)))
    with pytest.raises(ValueError, match="2-D"):
        linear_cka(np.ones(5), np.ones((5, 2)))
    # A constant representation has no geometry: the documented value is 0.
    assert linear_cka(np.ones((6, 2)), np.arange(12.0).reshape(6, 2)) == 0.0


# ---------------------------------------------------------------- scores of the experiment


def _dense_cosine_gap(T, labels):
    """Mean cos over ordered same-class pairs i != j minus mean over different-class pairs."""
    units = T / np.linalg.norm(T, axis=1, keepdims=True)
    cosine = units @ units.T
    same = labels[:, None] == labels[None, :]
    off_diagonal = ~np.eye(len(labels), dtype=bool)
    return cosine[same & off_diagonal].mean() - cosine[~same].mean()


def test_cosine_scores_equal_a_dense_computation(rng):
    from skinfo.experiments._cnn import _clustering_scores

    labels = rng.integers(0, 4, size=60)
    T = np.tanh(rng.normal(size=(60, 7)) + labels[:, None])
    scores = _clustering_scores(T, labels, (-1.0, 1.0), 30)
    assert scores["cosine_gap"] == pytest.approx(_dense_cosine_gap(T, labels), rel=1e-10)
    assert scores["cosine_within"] - scores["cosine_between"] == pytest.approx(scores["cosine_gap"])


def test_recorded_cosine_gap_and_cka_match_the_snapshots(tiny_result):
    """The records' scores are those of the stored noise-free representations."""
    result = tiny_result
    last = result.epochs[-1]
    noisy = max(result.noise_stds)
    for layer in result.layers:
        T = result.snapshots[noisy, last][layer - 1].astype(np.float64)
        reference = result.snapshots[0.0, last][layer - 1].astype(np.float64)
        (row,) = result.where(noise_std=noisy, epoch=last, layer=layer)
        assert row["cosine_gap"] == pytest.approx(_dense_cosine_gap(T, result.labels), rel=1e-9)
        assert row["cka"] == pytest.approx(_cka_by_hsic(T, reference), rel=1e-9)
        (det,) = result.where(noise_std=0.0, epoch=last, layer=layer)
        assert det["cka"] == pytest.approx(1.0)


def test_result_columns_and_information_bounds(tiny_result):
    result = tiny_result
    assert result.noise_stds == [0.0, 0.3]
    assert result.epochs == [0, 2]
    assert result.layers == [1, 2, 3]
    for column in (
        "epoch",
        "layer",
        "noise_std",
        "mi_x",
        "mi_x_se",
        "mi_x_bias",
        "mi_y",
        "mi_y_se",
        "mi_y_bias",
    ):
        assert column in result.columns
    for row in result.records:
        if row["noise_std"] == 0 or row["layer_name"] == "conv2":
            assert row["mi_x"] is None and row["mi_y"] is None
        else:
            # I(X;T) <= H(X) = log n_inputs; I(Y;T) <= H(Y) <= log 10 (up to Monte Carlo error).
            slack = 4 * row["mi_x_se"] + 1e-9
            assert -slack <= row["mi_x"] <= result.params["log_n_mi_inputs"] + slack
            assert row["mi_y"] <= math.log(10) + 4 * row["mi_y_se"] + 1e-9
        assert 0.0 <= row["val_error"] <= 1.0
        # The deterministic network's noise-on and noise-off evaluations are one and the same.
        if row["noise_std"] == 0:
            assert row["val_error"] == row["val_error_noise_off"]


# ---------------------------------------------------------------- noise on/off by phase


def test_noise_on_in_training_and_estimates_off_for_deterministic_evaluation(torch, monkeypatch):
    """Hooks on every GaussianNoise record, per phase, whether it changed its input."""
    from skinfo.experiments import _cnn
    from skinfo.torch import GaussianNoise

    phase = {"name": None}
    seen = []

    def hook(module, inputs, output):
        seen.append((phase["name"], module.noise_enabled, not torch.equal(inputs[0], output)))

    build = _cnn._build_cnn

    def build_with_hooks(*args, **kwargs):
        model = build(*args, **kwargs)
        for module in model.modules():
            if isinstance(module, GaussianNoise):
                module.register_forward_hook(hook)
        return model

    def in_phase(name, function):
        def wrapped(*args, **kwargs):
            phase["name"] = name if name != "validation" else f"validation-noise-{kwargs['noise']}"
            try:
                return function(*args, **kwargs)
            finally:
                phase["name"] = None

        return wrapped

    monkeypatch.setattr(_cnn, "_build_cnn", build_with_hooks)
    for name in ("_train_epoch", "_validation", "_representations", "_replicas"):
        monkeypatch.setattr(_cnn, name, in_phase(name.strip("_").removeprefix("_"), getattr(_cnn, name)))
    _cnn.run_cnn(**{**TINY, "noise_stds": (0.0, 0.5), "n_epochs": 1}, random_state=0)
    phases = {}
    for name, enabled, changed in seen:
        phases.setdefault(name, set()).add((enabled, changed))
    assert None not in phases, "a noise module ran outside the known phases"
    assert phases["train_epoch"] == {(True, True)}
    # sample_replicas first probes the layer shapes with zero noise, then adds the drawn noise.
    assert {enabled for enabled, _ in phases["replicas"]} == {True}
    assert (True, True) in phases["replicas"]
    assert phases["validation-noise-True"] == {(True, True)}
    assert phases["representations"] == {(False, False)}
    assert phases["validation-noise-False"] == {(False, False)}


def test_deterministic_network_has_no_noise_modules(torch):
    from skinfo.experiments._cnn import _build_cnn
    from skinfo.torch import GaussianNoise

    kwargs = {
        "conv_channels": (2, 3),
        "conv_strides": (1, 2),
        "dense_width": 5,
        "activation": "tanh",
        "generator": None,
    }
    noisy = _build_cnn((1, 8, 8), 10, noise_std=0.1, **kwargs)
    plain = _build_cnn((1, 8, 8), 10, noise_std=0.0, **kwargs)
    assert sum(isinstance(m, GaussianNoise) for m in noisy.modules()) == 3
    assert not any(isinstance(m, GaussianNoise) for m in plain.modules())
    assert noisy(torch.zeros(2, 1, 8, 8)).shape == (2, 10)


# ---------------------------------------------------------------- reproducibility


def test_same_seed_gives_identical_records(torch, tiny_result):
    from skinfo.experiments import run_cnn

    again = run_cnn(**TINY, random_state=3)
    assert again.records == tiny_result.records
    other = run_cnn(**TINY, random_state=4)
    assert other.records != tiny_result.records


def test_result_round_trips_through_csv_and_json(tiny_result, tmp_path):
    from skinfo.experiments import ExperimentResult

    tiny_result.to_csv(tmp_path / "cnn.csv")
    back = ExperimentResult.read_csv(tmp_path / "cnn.csv", name="cnn", params=tiny_result.params)
    assert back.records == tiny_result.records
    assert ExperimentResult.from_json(tiny_result.to_json()).records == tiny_result.records


# ---------------------------------------------------------------- bad options


@pytest.fixture
def no_training(monkeypatch):
    """Make any training step fail the test."""
    from skinfo.experiments import _cnn

    def forbidden(*args, **kwargs):
        raise AssertionError("training started")

    monkeypatch.setattr(_cnn, "_train_epoch", forbidden)
    monkeypatch.setattr(_cnn, "_load", forbidden)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--noise-stds", "0.1,0.2"], "must include 0"),
        (["--noise-stds", "0,-0.1"], ">= 0"),
        (["--noise-stds", "0,0.1,0.1"], "must not repeat"),
        (["--mi-layers", "conv3"], "distinct layers"),
        (["--epochs", "0"], "positive integer"),
        (["--dataset", "cifar"], "invalid choice"),
        (["--activation", "sigmoid"], "invalid choice"),
        (["--n-samples", "5"], "at least 20"),
        (["--n-samples", "5000"], "at most 1797"),
    ],
)
def test_bad_options_exit_2_before_training(no_training, tmp_path, capsys, options, message):
    status = main(["cnn", "--out", str(tmp_path / "out"), "--quiet", *options])
    assert status == 2
    err = capsys.readouterr().err
    assert message in err
    assert not (tmp_path / "out" / "cnn.csv").exists()


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"noise_stds": (0.1,)}, ValueError, "must include 0"),
        ({"noise_stds": (0.0, math.inf)}, ValueError, "finite"),
        ({"noise_stds": (0.0, "a")}, TypeError, "real numbers"),
        ({"dataset": "cifar"}, ValueError, "dataset"),
        ({"activation": "linear"}, ValueError, "activation"),
        ({"conv_channels": (4,)}, ValueError, "conv_channels"),
        ({"mi_layers": ("output",)}, ValueError, "mi_layers"),
        ({"validation_size": 1.0}, ValueError, "validation_size"),
        ({"learning_rate": 0.0}, ValueError, "learning_rate"),
        ({"n_epochs": 0}, ValueError, "n_epochs"),
    ],
)
def test_run_cnn_rejects_bad_arguments_before_training(no_training, kwargs, error, message):
    from skinfo.experiments import run_cnn

    with pytest.raises(error, match=message):
        run_cnn(**kwargs)


def test_without_torch_the_command_exits_2_with_the_install_line(monkeypatch, tmp_path, capsys):
    find_spec = importlib.util.find_spec

    def no_torch(name, *args, **kwargs):
        return None if name == "torch" else find_spec(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", no_torch)
    assert main(["cnn", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert 'python -m pip install "skinfo[torch]"' in err


# ---------------------------------------------------------------- MNIST loader


def _fake_openml(tmp_path, rng, n=30):
    """Write a small mnist_784-shaped file into data_home and a fetch_openml that reads it."""
    pixels = rng.integers(0, 256, size=(n, 784)).astype(np.float64)
    labels = np.array([str(d) for d in rng.integers(0, 10, size=n)], dtype=object)
    folder = tmp_path / "openml"
    folder.mkdir(parents=True)
    np.savez(folder / "mnist_784.npz", data=pixels, target=labels.astype(str))
    calls = []

    def fetch_openml(name, *, version, as_frame, data_home, parser, **kwargs):
        calls.append((name, version, as_frame, data_home))
        stored = np.load(f"{data_home}/openml/{name}.npz")
        return Bunch(data=stored["data"], target=stored["target"].astype(object))

    return pixels, labels, fetch_openml, calls


def test_load_mnist_reads_the_cached_file(monkeypatch, tmp_path, rng):
    from skinfo.datasets import _mnist, load_mnist

    pixels, labels, fetch, calls = _fake_openml(tmp_path, rng)
    monkeypatch.setattr(_mnist.sklearn_datasets, "fetch_openml", fetch)
    X, y = load_mnist(data_home=tmp_path)
    assert calls == [("mnist_784", 1, False, str(tmp_path))]
    assert X.shape == (30, 1, 28, 28) and X.dtype == np.float32
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y, labels.astype(int))
    np.testing.assert_allclose(X[7, 0], pixels[7].reshape(28, 28) / 255.0, rtol=1e-6)
    # A seeded subsample keeps pairs (image, label) together and is reproducible.
    Xs, ys = load_mnist(data_home=tmp_path, n_samples=10, random_state=0)
    Xs2, ys2 = load_mnist(data_home=tmp_path, n_samples=10, random_state=0)
    np.testing.assert_array_equal(Xs, Xs2)
    for image, label in zip(Xs, ys, strict=True):
        row = np.flatnonzero((X.reshape(30, -1) == image.reshape(-1)).all(axis=1))[0]
        assert y[row] == label
    with pytest.raises(ValueError, match="at most 30"):
        load_mnist(data_home=tmp_path, n_samples=31)


def test_load_mnist_offline_names_the_cache_folder(monkeypatch, tmp_path):
    from skinfo.datasets import _mnist, load_mnist

    def offline(*args, **kwargs):
        raise URLError("Temporary failure in name resolution")

    monkeypatch.setattr(_mnist.sklearn_datasets, "fetch_openml", offline)
    with pytest.raises(OSError, match="cache folder") as info:
        load_mnist(data_home=tmp_path)
    assert str(tmp_path / "openml") in str(info.value)


def test_mnist_offline_command_fails_with_one_line(torch, monkeypatch, tmp_path, capsys):
    from skinfo.datasets import _mnist
    from skinfo.experiments import _cnn

    def offline(*args, **kwargs):
        raise URLError("no network")

    def forbidden(*args, **kwargs):
        raise AssertionError("training started")

    monkeypatch.setattr(_mnist.sklearn_datasets, "fetch_openml", offline)
    monkeypatch.setattr(_cnn, "_train_epoch", forbidden)
    status = main(["cnn", "--dataset", "mnist", "--data-home", str(tmp_path), "--out", str(tmp_path / "o")])
    assert status == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and str(tmp_path / "openml") in err


def test_mnist_images_train_through_run_cnn(torch, monkeypatch, tmp_path, rng):
    """28x28 inputs go through the same network builder (strides shrink 28 -> 14 -> 7)."""
    from skinfo.datasets import _mnist
    from skinfo.experiments import run_cnn

    _, _, fetch, _ = _fake_openml(tmp_path, rng, n=60)
    monkeypatch.setattr(_mnist.sklearn_datasets, "fetch_openml", fetch)
    result = run_cnn(
        **{**TINY, "n_samples": None, "mi_layers": (), "noise_stds": (0.0, 0.1)},
        dataset="mnist",
        data_home=tmp_path,
        random_state=0,
    )
    widths = {row["layer_name"]: row["width"] for row in result.records}
    assert widths == {"conv1": 3 * 14 * 14, "conv2": 4 * 7 * 7, "dense": 8}


# ---------------------------------------------------------------- command and figures


@pytest.mark.slow
def test_cnn_command_writes_tables_and_figures(torch, tmp_path, capsys):
    status = main(["cnn", "--preset", "tiny", "--out", str(tmp_path), "--quiet"])
    assert status == 0
    names = {path.name for path in tmp_path.iterdir()}
    assert {
        "cnn.csv",
        "cnn.json",
        "cnn_validation_error.png",
        "cnn_cosine_heatmaps.png",
        "cnn_clustering.png",
        "cnn_information_plane.png",
    } <= names
    assert "best noisy network" in capsys.readouterr().out


# ---------------------------------------------------------------- acceptance on digits (reduced run)


@pytest.mark.slow
def test_noisy_cnn_matches_deterministic_and_both_cluster(torch):
    """Reduced default run: the best noisy network is within 1.5 points of the deterministic one
    and the last hidden layer's within- minus between-class cosine rises over training for both."""
    from skinfo.experiments import run_cnn

    result = run_cnn(noise_stds=(0.0, 0.05, 0.1), n_epochs=15, n_checkpoints=3, mi_layers=(), random_state=0)
    errors = result.final_errors()
    best = min(errors[s] for s in errors if s > 0)
    assert best <= errors[0.0] + 0.015
    for noise_std in result.noise_stds:
        _, gap = result.series(noise_std, result.layers[-1], "cosine_gap")
        assert gap[-1] > gap[0] + 0.2


# ---------------------------------------------------------------- info-plane variants


@pytest.mark.slow
def test_shuffle_labels_permutes_labels_and_keeps_class_counts():
    from skinfo.datasets import load_szt
    from skinfo.experiments import run_info_plane

    _, y = load_szt()
    result = run_info_plane(n_epochs=2, n_checkpoints=1, n_replicas=1, shuffle_labels=True, random_state=0)
    shuffled = np.asarray(result.labels)
    np.testing.assert_array_equal(np.bincount(shuffled), np.bincount(y))
    assert np.mean(shuffled != y) > 0.3
    assert result.params["shuffle_labels"] is True


def test_linear_activation_network_is_affine(rng):
    """Every hidden layer, and so the whole network, maps convex combinations to convex combinations."""
    from skinfo.networks import NoisyMLP

    X = rng.normal(size=(40, 3))
    y = (X[:, 0] > 0).astype(int)
    mlp = NoisyMLP((4, 3), activation="linear", n_epochs=5, learning_rate=0.01, random_state=0).fit(X, y)
    a, b, t = rng.normal(size=(5, 3)), rng.normal(size=(5, 3)), 0.3
    A_mix, A_a, A_b = t * a + (1 - t) * b, a, b
    for layer in mlp.layers():
        A_mix, A_a, A_b = layer(A_mix), layer(A_a), layer(A_b)
        np.testing.assert_allclose(A_mix, t * A_a + (1 - t) * A_b, atol=1e-12)
    # A tanh network is not affine: the same check fails.
    curved = NoisyMLP((4, 3), n_epochs=5, random_state=0).fit(X, y)
    first = curved.layers()[0]
    assert not np.allclose(first(t * a + (1 - t) * b), t * first(a) + (1 - t) * first(b))


def test_linear_activation_gradient_matches_finite_differences(rng):
    from skinfo.networks._mlp import _forward_backward, _Parameters

    params = _Parameters([3, 4, 2])
    flat = rng.normal(size=params.size) * 0.5
    X = rng.normal(size=(6, 3))
    onehot = np.eye(2)[rng.integers(0, 2, size=6)]

    def loss(p):
        weights, biases = params.views(p)
        grad = np.zeros_like(p)
        gw, gb = params.views(grad)
        return _forward_backward(weights, biases, gw, gb, X, onehot, None, "linear"), grad

    _, grad = loss(flat)
    h = 1e-6
    numeric = np.array([(loss(flat + h * e)[0] - loss(flat - h * e)[0]) / (2 * h) for e in np.eye(flat.size)])
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8)


@pytest.mark.slow
def test_activation_histograms_equal_numpy_histograms():
    from skinfo.datasets import load_szt
    from skinfo.experiments import run_info_plane
    from skinfo.plotting import activation_histograms, plot_activation_histograms

    result = run_info_plane(n_epochs=3, n_checkpoints=2, n_replicas=1, random_state=0)
    epochs, edges, counts = activation_histograms(result, n_bins=100)
    assert counts.shape == (5, 2, 100)
    np.testing.assert_allclose(counts.sum(axis=2), 1.0)
    X = load_szt()[0].astype(np.float64)
    A = X
    for layer, dense in enumerate(result.model.layers(int(epochs[-1]))):
        A = dense(A)
        reference, _ = np.histogram(np.clip(A.ravel(), -1, 1), bins=100, range=(-1, 1))
        np.testing.assert_allclose(counts[layer, -1], reference / A.size, atol=1e-12)
    assert len(plot_activation_histograms(result).axes) == 6


@pytest.mark.slow
def test_info_plane_command_accepts_the_variants(tmp_path, capsys):
    status = main(
        [
            "info-plane",
            "--preset",
            "tiny",
            "--activation",
            "linear",
            "--shuffle-labels",
            "--quiet",
            "--out",
            str(tmp_path),
        ]
    )
    assert status == 0
    assert (tmp_path / "activation_histograms.png").exists()
