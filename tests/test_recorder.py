"""The framework-free InfoPlaneRecorder: same numbers as a hand-written loop, errors before training."""

import numpy as np
import pytest

from skinfo import (
    InfoPlaneRecorder,
    NoisyMutualInformation,
    NoisyNetwork,
    binned_entropy,
    cosine_similarity_summary,
    silhouette_score,
)
from skinfo.experiments import InfoPlaneResult

NOISE_STD = 0.3
N_REPLICAS = 4
SEED_LIMIT = 2**31 - 1


class ToyNet:
    """A two-layer tanh network in NumPy whose weights the test 'trains' by scaling."""

    def __init__(self, rng, sizes=(3, 4, 2)):
        self.weights = [rng.normal(size=(a, b)) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
        self.n_calls = 0

    def layers(self):
        return [lambda A, W=W: np.tanh(A @ W) for W in self.weights]

    def replicas(self, X):
        """Noisy passes from a fixed seed per call count, so the test can replay them."""
        self.n_calls += 1
        net = NoisyNetwork(self.layers(), NOISE_STD, random_state=self.n_calls)
        return dict(zip(("h1", "h2"), net.sample(X, N_REPLICAS), strict=True))

    def activations(self, X):
        return dict(zip(("h1", "h2"), NoisyNetwork(self.layers(), NOISE_STD).activations(X), strict=True))

    def train_step(self):
        self.weights = [1.3 * W for W in self.weights]


@pytest.fixture
def data(rng):
    X = rng.normal(size=(30, 3))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    return X, y


def hand_loop(net, X, y, epochs, seed, n_epochs, scores=True):
    """The documented seeding, written out: sample, fit, score."""
    out = {}
    for epoch in range(n_epochs + 1):
        if epoch in epochs:
            rng = np.random.default_rng([seed, epoch])
            rng.integers(SEED_LIMIT)  # the replica seed (used by the torch twin)
            replicas = net.replicas(X)
            acts = net.activations(X)
            for name in ("h1", "h2"):
                est = NoisyMutualInformation(noise_std=NOISE_STD, random_state=int(rng.integers(SEED_LIMIT)))
                est.fit(replicas[name], y)
                row = {
                    "mi_x": est.mutual_information_,
                    "mi_x_se": est.standard_error_,
                    "mi_y": est.label_information_,
                    "mi_y_se": est.label_standard_error_,
                }
                if scores:
                    T = acts[name]
                    row.update(
                        binned_entropy=binned_entropy(T, 30, value_range=(-1.0, 1.0)),
                        silhouette=silhouette_score(T, y),
                        cosine_gap=cosine_similarity_summary(T, y).gap,
                    )
                out[epoch, name] = row
        net.train_step()
    return out


def test_recorder_equals_hand_written_loop(rng, data, seed):
    X, y = data
    epochs = [0, 2, 5]
    state = rng.bit_generator.state
    reference = hand_loop(ToyNet(rng), X, y, epochs, seed, n_epochs=5)
    rng.bit_generator.state = state
    net = ToyNet(rng)
    net.replicas(X[:2])  # the recorder probes once at construction; keep the call counts aligned
    net.n_calls = 0
    recorder = InfoPlaneRecorder(
        net.replicas,
        X,
        y,
        activations=net.activations,
        noise_std=NOISE_STD,
        epochs=epochs,
        scores=("binned_entropy", "silhouette", "cosine_gap"),
        random_state=seed,
    )
    net.n_calls = 0
    for epoch in range(6):
        added = recorder.record(epoch, note=f"e{epoch}")
        assert len(added) == (2 if epoch in epochs else 0)
        net.train_step()
    result = recorder.result_
    assert isinstance(result, InfoPlaneResult)
    assert result.epochs == epochs and result.layers == ["h1", "h2"]
    for record in result.records:
        expected = reference[record["epoch"], record["layer"]]
        for key, value in expected.items():
            assert record[key] == pytest.approx(value, abs=1e-12, rel=1e-12), key
        assert record["width"] == {"h1": 4, "h2": 2}[record["layer"]]
        assert record["note"] == f"e{record['epoch']}"
    assert result.params["log_n_inputs"] == pytest.approx(np.log(30))


def test_records_depend_only_on_seed_and_epoch(rng, data, seed):
    """Theorem of the seeding scheme: a checkpoint's record does not depend on the other checkpoints."""
    X, y = data
    net = ToyNet(rng)

    def replicas(X):  # deterministic here, so only the estimator seeds differ between runs
        return {"h1": np.tanh(X @ net.weights[0])[:, None, :]}

    one = InfoPlaneRecorder(replicas, X, y, noise_std=NOISE_STD, epochs=[3], random_state=seed)
    many = InfoPlaneRecorder(replicas, X, y, noise_std=NOISE_STD, epochs=[0, 1, 3], random_state=seed)
    for epoch in range(4):
        one.record(epoch)
        many.record(epoch)
    assert one.result_.records == many.result_.where(epoch=3)


def test_labels_and_per_layer_noise(rng, data, seed):
    X, y = data
    net = ToyNet(rng)
    recorder = InfoPlaneRecorder(
        net.replicas,
        X,
        y,
        layers={"h2": "out", "h1": 1},
        noise_std={"h1": 0.2, "h2": 0.5},
        epochs=[0],
        random_state=seed,
    )
    (first, second) = recorder.record(0)
    assert (first["layer"], second["layer"]) == ("out", 1)
    assert recorder.noise_std_ == {"h2": 0.5, "h1": 0.2}
    # the recorded layer "out" used h2's noise: recompute it with that noise
    rng2 = np.random.default_rng([seed, 0])
    rng2.integers(SEED_LIMIT)
    net.n_calls = 1
    S = net.replicas(X)["h2"]
    est = NoisyMutualInformation(noise_std=0.5, random_state=int(rng2.integers(SEED_LIMIT))).fit(S, y)
    assert first["mi_x"] == pytest.approx(est.mutual_information_, abs=1e-12)


def test_without_labels_records_no_label_information(rng, data):
    X, _ = data
    net = ToyNet(rng)
    recorder = InfoPlaneRecorder(net.replicas, X, noise_std=NOISE_STD, epochs=[0], random_state=0)
    (record, _) = recorder.record(0)
    assert record["mi_y"] is None and record["mi_y_se"] is None
    assert 0.0 < record["mi_x"] <= np.log(30) + 1e-9


def test_int_epochs_are_log_spaced_from_zero(rng, data):
    X, y = data
    recorder = InfoPlaneRecorder(ToyNet(rng).replicas, X, y, noise_std=0.1, epochs=4, n_epochs=1000)
    assert recorder.epochs_ == [0, 1, 10, 100, 1000]


def test_snapshots_keep_noise_free_activations(rng, data):
    X, y = data
    net = ToyNet(rng)
    recorder = InfoPlaneRecorder(
        net.replicas, X, y, activations=net.activations, noise_std=0.1, epochs=[0, 1], snapshot_epochs=[1]
    )
    recorder.record(0)
    net.train_step()
    recorder.record(1)
    assert list(recorder.result_.snapshots) == [1]
    np.testing.assert_array_equal(recorder.result_.snapshots[1]["h2"], net.activations(X)["h2"])


def test_record_twice_and_bad_epoch(rng, data):
    X, y = data
    recorder = InfoPlaneRecorder(ToyNet(rng).replicas, X, y, noise_std=0.1, epochs=[0])
    recorder.record(0)
    with pytest.raises(ValueError, match="already recorded"):
        recorder.record(0)
    with pytest.raises(TypeError, match="epoch must be an int"):
        recorder.record(1.0)
    with pytest.raises(ValueError, match="epoch must be >= 0"):
        recorder.record(-1)
    assert recorder.record(7) == []
    with pytest.raises(ValueError, match="overwrite"):
        InfoPlaneRecorder(ToyNet(rng).replicas, X, y, noise_std=0.1, epochs=[1]).record(1, mi_x=0.0)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"epochs": [0, -1]}, ValueError, "epochs must be >= 0"),
        ({"epochs": [0, 1.5]}, TypeError, "epochs must be integers"),
        ({"epochs": [True]}, TypeError, "epochs must be integers"),
        ({"epochs": [0, 11], "n_epochs": 10}, ValueError, r"beyond n_epochs=10"),
        ({"epochs": [2, 2]}, ValueError, "must not repeat"),
        ({"epochs": []}, ValueError, "epochs is empty"),
        ({"epochs": 5}, ValueError, "needs n_epochs"),
        ({"epochs": "1,2"}, TypeError, "sequence of int"),
        ({"layers": ["h3"]}, ValueError, r"\['h3'\] are not layers"),
        ({"layers": {"h1": "a", "h2": "a"}}, ValueError, "labels must be distinct"),
        ({"layers": {"h1": 1.5}}, TypeError, "labels must be str or int"),
        ({"noise_std": 0.0}, ValueError, "noise_std must be a positive"),
        ({"noise_std": {"h1": 0.1}}, ValueError, "no entry for layer 'h2'"),
        ({"noise_std": {"h1": 0.1, "h2": 0.1, "h9": 0.1}}, ValueError, r"\['h9'\]"),
        ({"scores": ("silhouette",)}, ValueError, "activations"),
        ({"scores": ("entropy",)}, ValueError, "unknown"),
        ({"snapshot_epochs": [3]}, ValueError, "not checkpoints"),
        ({"estimator": "sp"}, TypeError, "NoisyMutualInformation"),
        ({"value_range": (1.0, -1.0)}, ValueError, "value_range"),
    ],
)
def test_bad_arguments_fail_at_construction(rng, data, kwargs, error, match):
    X, y = data
    arguments = {"noise_std": 0.1, "epochs": [0], **kwargs}
    with pytest.raises(error, match=match):
        InfoPlaneRecorder(ToyNet(rng).replicas, X, y, **arguments)


def test_bad_inputs_fail_at_construction(rng, data):
    X, y = data
    net = ToyNet(rng)
    with pytest.raises(ValueError, match="30 inputs|has 29 labels"):
        InfoPlaneRecorder(net.replicas, X, y[:-1], noise_std=0.1, epochs=[0])
    with pytest.raises(ValueError, match="n_inputs >= 1"):
        InfoPlaneRecorder(net.replicas, X[:0], None, noise_std=0.1, epochs=[0])
    with pytest.raises(
        ValueError, match=r"replicas\(X\[:2\]\) failed"
    ):  # the probe call fails inside the user's function
        InfoPlaneRecorder(net.replicas, X[:, :2], y, noise_std=0.1, epochs=[0])
    with pytest.raises(ValueError, match="score the clustering by label"):
        InfoPlaneRecorder(
            net.replicas,
            X,
            None,
            activations=net.activations,
            scores=("cosine_gap",),
            noise_std=0.1,
            epochs=[0],
        )
    with pytest.raises(TypeError, match="callable"):
        InfoPlaneRecorder(np.zeros(3), X, y, noise_std=0.1, epochs=[0])


def test_function_output_is_checked(data):
    X, y = data
    with pytest.raises(TypeError, match="must return a dict"):
        InfoPlaneRecorder(lambda X: np.zeros((len(X), 2, 3)), X, y, noise_std=0.1, epochs=[0])
    with pytest.raises(ValueError, match=r"must have shape \(m, r, d\) or \(m, d\) with m = 2"):
        InfoPlaneRecorder(lambda X: {"a": np.zeros((5, 2, 3))}, X, y, noise_std=0.1, epochs=[0])
