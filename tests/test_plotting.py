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
            records.append({"epoch": epoch, "layer": layer, "width": width, "mi_x": 8.0 - layer * k * 0.5,
                            "mi_x_se": 0.01, "mi_y": 0.1 * k, "binned_entropy": 7.0 - k, "silhouette": 0.1})
    labels = np.repeat([0, 1], 20)
    snapshots = {e: [rng.uniform(-1, 1, size=(40, w)) for w in WIDTHS] for e in (1, 1000)}
    return InfoPlaneResult("info-plane", records, {"noise_std": 0.005, "log_n_inputs": np.log(4096)},
                           snapshots=snapshots, labels=labels)


def test_information_plane_draws_every_layer_point(plane):
    fig = plot_information_plane(plane)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    offsets = np.concatenate([c.get_offsets() for c in ax.collections])
    expected = np.array([(r["mi_x"], r["mi_y"]) for layer in (1, 2, 3)
                         for r in sorted(plane.where(layer=layer), key=lambda r: r["epoch"])])
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
    records = [{"w": w, "mi_sp": 0.5, "mi_sp_se": 0.01, "mi_exact": v, "binned_entropy": 0.7}
               for w, v in [(0.01, 0.2), (1.0, 1.3), (10.0, 0.69)]]
    fig = plot_tanh_neuron(ExperimentResult("tanh-neuron", records, {"noise_std": 0.01}))
    ax = fig.axes[0]
    exact = next(line for line in ax.get_lines() if line.get_label() == "exact (quadrature)")
    np.testing.assert_allclose(exact.get_ydata(), [0.2, 1.3, 0.69])
    assert ax.get_xscale() == "log"
