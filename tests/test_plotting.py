"""Tests of skinfo.plotting: every function returns a Figure drawing the data it was given."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from skinfo.experiments import ExperimentResult, InfoPlaneResult  # noqa: E402
from skinfo.plotting import (  # noqa: E402
    plot_cosine_heatmaps,
    plot_information_plane,
    plot_layer_curves,
    plot_layer_scatter,
    plot_tanh_neuron,
)

WIDTHS = (4, 3, 2)


@pytest.fixture
def plane(rng):
    """A synthetic information-plane result: 3 layers, 4 epochs, 2 snapshots of 40 inputs."""
    epochs = [1, 10, 100, 1000]
    records = []
    for layer, width in enumerate(WIDTHS, start=1):
        for k, epoch in enumerate(epochs):
            records.append(
                {
                    "epoch": epoch,
                    "layer": layer,
                    "width": width,
                    "mi_x": 8.0 - layer * k * 0.5,
                    "mi_x_se": 0.01,
                    "mi_y": 0.1 * k,
                    "binned_entropy": 7.0 - k,
                    "silhouette": 0.1,
                }
            )
    labels = np.repeat([0, 1], 20)
    snapshots = {e: [rng.uniform(-1, 1, size=(40, w)) for w in WIDTHS] for e in (1, 1000)}
    return InfoPlaneResult(
        "info-plane",
        records,
        {"noise_std": 0.005, "log_n_inputs": np.log(4096)},
        snapshots=snapshots,
        labels=labels,
    )


def test_information_plane_draws_every_layer_point(plane):
    fig = plot_information_plane(plane)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    offsets = np.concatenate([c.get_offsets() for c in ax.collections])
    expected = np.array(
        [
            (r["mi_x"], r["mi_y"])
            for layer in (1, 2, 3)
            for r in sorted(plane.where(layer=layer), key=lambda r: r["epoch"])
        ]
    )
    np.testing.assert_allclose(offsets, expected)


def test_layer_curves_have_one_line_per_layer_and_log_epochs(plane):
    fig = plot_layer_curves(plane)
    left, right = fig.axes[:2]
    assert left.get_xscale() == "log" and right.get_xscale() == "log"
    mi_lines = [line for line in left.get_lines() if line.get_label().startswith("T")]
    assert len(mi_lines) == 3
    np.testing.assert_allclose(mi_lines[1].get_ydata(), plane.series(2, "mi_x")[1])


def test_scatter_picks_the_last_low_dimensional_layer(plane):
    fig = plot_layer_scatter(plane)
    assert len(fig.axes) == 2  # one panel per snapshot
    assert fig.axes[0].get_title() == "T3, epoch 1"
    points = np.concatenate([c.get_offsets() for c in fig.axes[0].collections])
    assert points.shape == (40, 2)


def test_scatter_draws_3d_layers(plane):
    fig = plot_layer_scatter(plane, layer=2, epochs=[1000])
    assert fig.axes[0].name == "3d"


@pytest.mark.parametrize("layer, match", [(1, "width 2 or 3"), (9, "width 2 or 3")])
def test_scatter_rejects_bad_layers(plane, layer, match):
    with pytest.raises(ValueError, match=match):
        plot_layer_scatter(plane, layer=layer)


def test_scatter_rejects_missing_snapshots(plane):
    with pytest.raises(ValueError, match=r"epochs \[10\] have no snapshot"):
        plot_layer_scatter(plane, epochs=[10])


def test_cosine_heatmap_is_the_class_sorted_similarity(plane):
    fig = plot_cosine_heatmaps(plane, layer=1, epochs=[1], max_inputs=40)
    image = fig.axes[0].get_images()[0].get_array()
    T = plane.snapshots[1][0]
    order = np.argsort(plane.labels, kind="stable")
    U = T[order] / np.linalg.norm(T[order], axis=1, keepdims=True)
    # Rows come in random order within each class: compare the sorted within-class blocks.
    np.testing.assert_allclose(np.sort(np.asarray(image).ravel()), np.sort((U @ U.T).ravel()), atol=1e-12)


def test_tanh_neuron_plot_draws_exact_curve():
    records = [
        {"w": w, "mi_sp": 0.5, "mi_sp_se": 0.01, "mi_exact": v, "binned_entropy": 0.7}
        for w, v in [(0.01, 0.2), (1.0, 1.3), (10.0, 0.69)]
    ]
    fig = plot_tanh_neuron(ExperimentResult("tanh-neuron", records, {"noise_std": 0.01}))
    ax = fig.axes[0]
    exact = next(line for line in ax.get_lines() if line.get_label() == "exact (quadrature)")
    np.testing.assert_allclose(exact.get_ydata(), [0.2, 1.3, 0.69])
    assert ax.get_xscale() == "log"


# ---------------------------------------------------------------------------
# Any result: the recorder, estimate_many and the experiments

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.colors import SymLogNorm  # noqa: E402

from skinfo import InfoPlaneRecorder, NoisyMutualInformation, NoisyNetwork  # noqa: E402
from skinfo.experiments import run_info_plane, run_tanh_neuron  # noqa: E402
from skinfo.parallel import estimate_many  # noqa: E402
from skinfo.plotting import plot_estimator_comparison  # noqa: E402


def toy_layers(gain, rng_weights):
    return [lambda A, W=W: np.tanh(gain * A @ W) for W in rng_weights]


@pytest.fixture(scope="module")
def weights():
    rng = np.random.default_rng(7)
    return [rng.normal(size=(3, 4)), rng.normal(size=(4, 2))]


@pytest.fixture(scope="module")
def toy_data():
    rng = np.random.default_rng(8)
    X = rng.normal(size=(24, 3))
    return X, (X[:, 0] > 0).astype(int)


@pytest.fixture(scope="module")
def recorded(weights, toy_data):
    """A recorder run with string layer names, user labels, epoch 0 and a snapshot."""
    X, y = toy_data
    state = {"gain": 1.0}

    def replicas(X):
        net = NoisyNetwork(toy_layers(state["gain"], weights), 0.2, random_state=0)
        return dict(zip(("h1", "h2"), net.sample(X, 3), strict=True))

    def activations(X):
        return dict(
            zip(
                ("h1", "h2"),
                NoisyNetwork(toy_layers(state["gain"], weights), 0.2).activations(X),
                strict=True,
            )
        )

    recorder = InfoPlaneRecorder(
        replicas,
        X,
        y,
        activations=activations,
        layers={"h1": "hidden", "h2": "code"},
        noise_std=0.2,
        epochs=[0, 2, 5],
        snapshot_epochs=[5],
        scores=("binned_entropy", "silhouette", "cosine_gap"),
        random_state=0,
    )
    for epoch in range(6):
        recorder.record(epoch)
        state["gain"] *= 1.5
    return recorder.result_


@pytest.fixture(scope="module")
def many(weights, toy_data):
    """estimate_many over (epoch, layer) tasks, with its own column names and string layers."""
    X, y = toy_data
    tasks = {}
    for epoch, gain in ((0, 1.0), (10, 3.0), (100, 9.0)):
        network = NoisyNetwork(toy_layers(gain, weights), 0.2, random_state=0)
        for name, S in zip(("a", "b"), network.sample(X, 3), strict=True):
            tasks[epoch, name] = S
    return estimate_many(
        NoisyMutualInformation(noise_std=0.2, n_mc=2, random_state=0), tasks, y, key_names=("epoch", "layer")
    )


@pytest.fixture(scope="module")
def experiment():
    return run_info_plane(n_epochs=4, n_checkpoints=2, n_replicas=2, random_state=0)


def scatter_points(ax):
    return np.concatenate([c.get_offsets() for c in ax.collections if not isinstance(c, LineCollection)])


def _corrected(record, key, bias_key):
    """The value the plots draw: bias-corrected when the record carries a bias."""
    return record[key] - (record.get(bias_key) or 0.0)


def test_information_plane_of_every_source(recorded, many, experiment):
    for result, x_key, y_key, x_bias, y_bias in (
        (recorded, "mi_x", "mi_y", "mi_x_bias", "mi_y_bias"),
        (experiment, "mi_x", "mi_y", "mi_x_bias", "mi_y_bias"),
        (many, "mutual_information", "label_information", "bias", "label_bias"),
    ):
        fig = plot_information_plane(result)
        ax = fig.axes[0]
        table = [
            (r["layer"], r["epoch"], _corrected(r, x_key, x_bias), _corrected(r, y_key, y_bias))
            for r in result.records
        ]
        layers = list(dict.fromkeys(r[0] for r in table))
        layers = sorted(layers) if all(isinstance(v, int) for v in layers) else layers
        expected = [
            (x, y)
            for layer in layers
            for (lay, _, x, y) in sorted((t for t in table if t[0] == layer), key=lambda t: t[1])
        ]
        np.testing.assert_allclose(scatter_points(ax), expected)


def test_information_plane_keeps_epoch_zero_and_user_labels(recorded):
    fig = plot_information_plane(recorded)
    ax = fig.axes[0]
    scatter = next(c for c in ax.collections if not isinstance(c, LineCollection))
    assert isinstance(scatter.norm, SymLogNorm)
    assert 0 in scatter.get_array().tolist()
    assert sorted(t.get_text() for t in ax.texts) == ["code", "hidden"]
    fig = plot_information_plane(recorded, layers={"code": "bottleneck"})
    assert [t.get_text() for t in fig.axes[0].texts] == ["bottleneck"]
    with pytest.raises(ValueError, match=r"\['nope'\] are not in the result"):
        plot_information_plane(recorded, layers=["nope"])


def test_information_plane_error_bars_are_two_standard_errors(many):
    fig = plot_information_plane(many, layers=["a"], error_bars=True)
    bars = [c for c in fig.axes[0].collections if isinstance(c, LineCollection)]
    rows = sorted(many.where(layer="a"), key=lambda r: r["epoch"])
    x_bars, y_bars = bars  # errorbar draws the x bars first
    for segment, r in zip(x_bars.get_segments(), rows, strict=True):
        np.testing.assert_allclose(
            segment[:, 0],
            [
                r["mutual_information"] - 2 * r["standard_error"],
                r["mutual_information"] + 2 * r["standard_error"],
            ],
        )
    for segment, r in zip(y_bars.get_segments(), rows, strict=True):
        np.testing.assert_allclose(
            segment[:, 1],
            [
                r["label_information"] - 2 * r["label_standard_error"],
                r["label_information"] + 2 * r["label_standard_error"],
            ],
        )


def test_bias_columns_give_the_corrected_curve(recorded):
    records = [{**r, "mi_x_bias": 0.25, "mi_y_bias": 0.125} for r in recorded.records]
    result = ExperimentResult("biased", records)
    points = scatter_points(plot_information_plane(result, layers=["code"]).axes[0])
    rows = sorted(result.where(layer="code"), key=lambda r: r["epoch"])
    np.testing.assert_allclose(points, [(r["mi_x"] - 0.25, r["mi_y"] - 0.125) for r in rows])
    fig = plot_layer_curves(result, layers=["code"], panels=("mi_x",))
    np.testing.assert_allclose(fig.axes[0].get_lines()[0].get_ydata(), [r["mi_x"] - 0.25 for r in rows])
    assert "bias-corrected" in fig.axes[0].get_title()


def test_layer_curves_of_every_source(recorded, many, experiment):
    fig = plot_layer_curves(many)  # no binned_entropy: its panel is dropped
    assert len(fig.axes) == 1
    line = next(line for line in fig.axes[0].get_lines() if line.get_label() == "b")
    rows = sorted(many.where(layer="b"), key=lambda r: r["epoch"])
    np.testing.assert_allclose(line.get_xdata(), [0, 10, 100])
    np.testing.assert_allclose(line.get_ydata(), [_corrected(r, "mutual_information", "bias") for r in rows])
    assert fig.axes[0].get_xscale() == "symlog"  # epoch 0 stays on the axis
    fig = plot_layer_curves(recorded, panels=("mi_x", "mi_y", "binned_entropy", "silhouette", "cosine_gap"))
    assert len(fig.axes) == 5
    labels = {line.get_label() for line in fig.axes[0].get_lines()}
    assert {"hidden", "code"} <= labels
    fig = plot_layer_curves(experiment)
    assert len(fig.axes) == 2 and fig.axes[0].get_xscale() == "log"


def test_layer_curves_band_is_two_standard_errors(many):
    fig = plot_layer_curves(many, layers=["a"])
    band = fig.axes[0].collections[0].get_paths()[0].vertices
    rows = sorted(many.where(layer="a"), key=lambda r: r["epoch"])
    mi = np.array([_corrected(r, "mutual_information", "bias") for r in rows])
    se = np.array([r["standard_error"] for r in rows])
    for epoch, low, high in zip((0, 10, 100), mi - 2 * se, mi + 2 * se, strict=True):
        ys = band[np.isclose(band[:, 0], epoch), 1]
        assert np.isclose(ys.min(), low) and np.isclose(ys.max(), high)


def test_layer_curves_against_another_column(recorded, many):
    fig = plot_layer_curves(recorded, panels=("binned_entropy", "silhouette"), x="mi_x")
    rows = sorted(recorded.where(layer="hidden"), key=lambda r: r["epoch"])
    line = next(line for line in fig.axes[1].get_lines() if line.get_label() == "hidden")
    np.testing.assert_allclose(line.get_xdata(), [r["mi_x"] for r in rows])
    np.testing.assert_allclose(line.get_ydata(), [r["silhouette"] for r in rows])
    renamed = ExperimentResult("gains", [{**r, "gain": 2.0 ** (r["epoch"] / 10)} for r in many.records])
    fig = plot_layer_curves(renamed, x="gain", xscale="log", panels=("mi_x",))
    assert fig.axes[0].get_xscale() == "log" and fig.axes[0].get_xlabel() == "gain"


def test_missing_required_columns_are_named(many, experiment):
    with pytest.raises(ValueError, match=r"needs the columns \['mi_y'\]"):
        plot_information_plane(ExperimentResult("x", [{"epoch": 1, "layer": 1, "mi_x": 1.0}]))
    with pytest.raises(ValueError, match="has none of the columns"):
        plot_layer_curves(ExperimentResult("x", [{"epoch": 1, "layer": 1, "mi_y": 1.0}]))
    with pytest.raises(ValueError, match="panels"):
        plot_layer_curves(many, panels=("accuracy",))
    with pytest.raises(ValueError, match=r"\['w', 'mi_sp'\]"):
        plot_tanh_neuron(experiment)
    with pytest.raises(ValueError, match="n_features"):
        plot_estimator_comparison(many)
    with pytest.raises(TypeError, match="ExperimentResult"):
        plot_information_plane({"mi_x": 1.0})


def test_snapshot_plots_of_every_source(recorded, many, experiment):
    fig = plot_layer_scatter(recorded)  # "code" is the last layer of width 2
    assert [ax.get_title() for ax in fig.axes] == ["code, epoch 5"]
    np.testing.assert_allclose(
        scatter_points(fig.axes[0]),
        np.concatenate([recorded.snapshots[5]["code"][recorded.labels == c] for c in (0, 1)]),
    )
    fig = plot_cosine_heatmaps(recorded, layer="hidden")
    assert fig.axes[0].get_title() == "hidden cosine, epoch 5"
    assert len(plot_layer_scatter(experiment).axes) == len(experiment.snapshots)
    assert len(plot_cosine_heatmaps(experiment).axes) == len(experiment.snapshots) + 1
    for plot in (plot_layer_scatter, plot_cosine_heatmaps):
        with pytest.raises(ValueError, match="no activation snapshots"):
            plot(many)
    with pytest.raises(ValueError, match="must name a layer of width 2 or 3"):
        plot_layer_scatter(recorded, layer="hidden")


def test_tanh_neuron_plot_of_every_source(weights):
    result = run_tanh_neuron([0.1, 1.0, 10.0], n_mc=20)
    ax = plot_tanh_neuron(result).axes[0]
    assert {"exact (quadrature)", "H(Bin T)"} <= {line.get_label() for line in ax.get_lines()}
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(64, 1))
    tasks = {w: np.tanh(w * x) for w in (0.5, 2.0, 8.0)}
    estimator = NoisyMutualInformation(noise_std=0.1, n_mc=4, random_state=0)
    many = estimate_many(estimator, tasks, key_names=("w",))
    ax = plot_tanh_neuron(many).axes[0]
    assert not any(line.get_label() == "exact (quadrature)" for line in ax.get_lines())  # optional: dropped
    points = ax.get_lines()[0].get_ydata()
    np.testing.assert_allclose(points, many.column("mutual_information"))


def test_helpers_never_touch_pyplot(recorded, experiment):
    plt.close("all")
    plot_information_plane(recorded, error_bars=True)
    plot_layer_curves(recorded)
    plot_layer_scatter(experiment)
    plot_cosine_heatmaps(experiment)
    plot_tanh_neuron(ExperimentResult("t", [{"w": 1.0, "mi_sp": 0.5}]))
    records = [
        {
            "n_features": 1,
            "noise_std": 0.1,
            "case": "mixture",
            "estimator": "kl",
            "n_samples": n,
            "abs_error": 1.0 / n,
        }
        for n in (10, 100)
    ]
    plot_estimator_comparison(ExperimentResult("c", records))
    assert plt.get_fignums() == []


@pytest.mark.slow
def test_torch_recorder_result_plots(toy_data):
    torch = pytest.importorskip("torch")
    from skinfo.torch import GaussianNoise
    from skinfo.torch import InfoPlaneRecorder as TorchRecorder

    X, y = toy_data
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(3, 4),
        torch.nn.Tanh(),
        GaussianNoise(0.2),
        torch.nn.Linear(4, 2),
        torch.nn.Tanh(),
        GaussianNoise(0.2),
    ).double()
    recorder = TorchRecorder(
        model,
        X,
        y,
        layers={"2": "T1", "5": "T2"},
        n_replicas=2,
        epochs=[0, 1],
        snapshot_epochs=[1],
        random_state=0,
    )
    recorder.record(0)
    recorder.record(1)
    result = recorder.result_
    points = scatter_points(plot_information_plane(result).axes[0])
    expected = [
        (_corrected(r, "mi_x", "mi_x_bias"), _corrected(r, "mi_y", "mi_y_bias"))
        for layer in ("T1", "T2")
        for r in sorted(result.where(layer=layer), key=lambda r: r["epoch"])
    ]
    np.testing.assert_allclose(points, expected)
    assert len(plot_layer_curves(result).axes) == 2
    assert plot_layer_scatter(result).axes[0].get_title() == "T2, epoch 1"
