"""Tests of the tanh-neuron and information-plane experiments and their result objects."""

import math

import numpy as np
import pytest

from skinfo.datasets import load_szt
from skinfo.experiments import (
    ExperimentResult,
    InfoPlaneResult,
    compression_summary,
    mixture_mutual_information,
    run_info_plane,
    run_tanh_neuron,
)

LOG_4096 = math.log(4096)


def _plain_mixture_mi(centres, noise_std, n_grid=400001):
    """I(X;T) = h(T) - h(Z) by the trapezoid rule on a fine grid, written plainly."""
    centres = np.asarray(centres, dtype=float)
    t = np.linspace(centres.min() - 14 * noise_std, centres.max() + 14 * noise_std, n_grid)
    density = np.mean(np.exp(-((t[:, None] - centres) ** 2) / (2 * noise_std**2)), axis=1)
    density /= math.sqrt(2 * math.pi) * noise_std
    integrand = np.where(density > 0, -density * np.log(np.where(density > 0, density, 1.0)), 0.0)
    h_t = float(np.sum((integrand[1:] + integrand[:-1]) / 2 * np.diff(t)))
    return h_t - 0.5 * math.log(2 * math.pi * math.e * noise_std**2)


@pytest.mark.parametrize(
    "centres, noise_std",
    [([-1.0, 0.0, 0.02, 1.0], 0.05), ([0.1, 0.3], 0.2), ([-0.96, -0.76, 0.76, 0.96], 0.1)],
)
def test_quadrature_matches_a_plain_grid_integral(centres, noise_std):
    assert mixture_mutual_information(centres, noise_std) == pytest.approx(
        _plain_mixture_mi(centres, noise_std), abs=1e-7
    )


def test_quadrature_closed_form_limits():
    """Coinciding centres carry no information; m far-apart centres carry log m."""
    assert mixture_mutual_information([0.3, 0.3, 0.3, 0.3], 0.1) == pytest.approx(0.0, abs=1e-12)
    assert mixture_mutual_information([-3.0, -1.0, 1.0, 3.0], 0.01) == pytest.approx(math.log(4), abs=1e-12)


def test_tanh_neuron_sp_agrees_with_quadrature_within_three_standard_errors():
    """With four centres the SP mixture is the true density, so SP is unbiased.

    At every w, |SP - exact| <= 3 SE + 1e-4 nats: the floor covers weights where neighbouring
    outputs are 7-10 noise std apart, where the information lost comes from draws of
    probability 1e-4..1e-7 that a finite sample usually misses, so the sample SE understates
    the error (see the experiment's Notes).
    """
    result = run_tanh_neuron(np.logspace(-3, 1, 17), noise_std=0.01, n_mc=20000, random_state=0)
    sp = np.array(result.column("mi_sp"))
    se = np.array(result.column("mi_sp_se"))
    exact = np.array(result.column("mi_exact"))
    assert np.all(np.abs(sp - exact) <= 3 * se + 1e-4)
    # Away from that band the plain 3-SE criterion holds.
    separated = (np.abs(exact - np.log(4)) > 1e-3) & (np.abs(exact - np.log(2)) > 1e-3)
    assert np.all(np.abs(sp - exact)[separated] <= 3 * se[separated])


def test_tanh_neuron_rises_then_falls_and_binning_counts_bins():
    """I(X;T) goes from ~0 (w -> 0) to log 4 (separated outputs) to log 2 (saturated tanh).

    H(Bin T) of four equiprobable outputs is the entropy of their bin occupancy.
    """
    weights = [1e-4, 0.3, 20.0]
    result = run_tanh_neuron(weights, noise_std=0.01, n_mc=100, n_bins=30, random_state=0)
    exact = result.column("mi_exact")
    assert exact[0] < 0.01
    assert exact[1] == pytest.approx(math.log(4), abs=1e-9)
    assert exact[2] == pytest.approx(math.log(2), abs=1e-9)
    for w, h in zip(weights, result.column("binned_entropy"), strict=True):
        outputs = np.tanh(w * np.array([-3.0, -1.0, 1.0, 3.0]))
        bins = np.clip(np.floor((outputs + 1) / 2 * 30), 0, 29)
        _, counts = np.unique(bins, return_counts=True)
        assert h == pytest.approx(-np.sum(counts / 4 * np.log(counts / 4)), abs=1e-12)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"weights": []}, ValueError, "weights"),
        ({"weights": [1.0, np.inf]}, ValueError, "weights"),
        ({"noise_std": 0.0}, ValueError, "noise_std"),
        ({"n_mc": 0}, ValueError, "n_mc"),
        ({"bias": np.nan}, ValueError, "bias"),
    ],
)
def test_tanh_neuron_rejects_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        run_tanh_neuron(**{"weights": [1.0], **kwargs})


# ---------------------------------------------------------------- result objects


def _example_result():
    records = [
        {"epoch": 1, "layer": 1, "mi_x": 8.317766166719343, "note": "a,b", "flag": True, "missing": None},
        {"epoch": 10, "layer": 2, "mi_x": -1.5e-17, "note": "plain", "flag": False, "missing": None},
    ]
    return ExperimentResult("demo", records, {"noise_std": 0.005, "n_epochs": 10})


def test_json_round_trip_is_exact(tmp_path):
    result = _example_result()
    path = tmp_path / "r.json"
    result.to_json(path)
    assert ExperimentResult.from_json(path) == result
    assert ExperimentResult.from_json(result.to_json()) == result


def test_csv_round_trip_is_exact(tmp_path):
    result = _example_result()
    path = tmp_path / "demo.csv"
    result.to_csv(path)
    back = ExperimentResult.read_csv(path, params=result.params)
    assert back == result
    assert back.records[0]["mi_x"] == 8.317766166719343


def test_result_columns_and_filters():
    result = _example_result()
    assert result.columns == ["epoch", "layer", "mi_x", "note", "flag", "missing"]
    assert result.where(layer=2)[0]["epoch"] == 10
    with pytest.raises(KeyError, match="not a column"):
        result.column("nope")


def test_to_frame_has_one_row_per_record():
    pd = pytest.importorskip("pandas")
    frame = _example_result().to_frame()
    assert isinstance(frame, pd.DataFrame) and frame.shape == (2, 6)


def test_compression_summary_on_a_known_series():
    """Peak 6 at epoch 10, final 3: fall (6 - 3) / 6 = 0.5, and it rose from 4."""
    records = [{"epoch": e, "layer": 1, "width": 3, "mi_x": v} for e, v in [(1, 4.0), (10, 6.0), (100, 3.0)]]
    (row,) = compression_summary(InfoPlaneResult("x", records))
    assert (row["first"], row["peak"], row["peak_epoch"], row["final"]) == (4.0, 6.0, 10, 3.0)
    assert row["fall"] == pytest.approx(0.5) and row["rose"]


# ---------------------------------------------------------------- information plane (tiny run)


@pytest.fixture(scope="module")
def tiny_plane():
    return run_info_plane(n_epochs=12, n_checkpoints=3, n_replicas=3, random_state=3)


def test_info_plane_records_cover_every_checkpoint_and_layer(tiny_plane):
    result = tiny_plane
    assert result.layers == [1, 2, 3, 4, 5]
    assert len(result) == len(result.epochs) * 5
    assert result.epochs[-1] == 12
    widths = {r["layer"]: r["width"] for r in result.records}
    assert widths == {1: 10, 2: 7, 3: 5, 4: 4, 5: 3}


def test_info_plane_estimates_respect_their_bounds(tiny_plane):
    """I(X;T) <= log 4096 and I(Y;T) <= H(Y) <= log 2 (up to 5 standard errors);
    H(Bin T) <= log 4096 for 4096 equiprobable inputs."""
    for r in tiny_plane.records:
        assert r["mi_x"] <= LOG_4096 + 5 * r["mi_x_se"] + 1e-9
        assert r["mi_y"] <= math.log(2) + 5 * r["mi_y_se"] + 1e-9
        assert 0.0 <= r["binned_entropy"] <= LOG_4096 + 1e-9
        assert -1.0 <= r["silhouette"] <= 1.0


def test_info_plane_snapshots_and_accuracy_match_a_plain_forward_pass(tiny_plane):
    """Snapshots are the noise-free tanh activations of the checkpoint weights; the recorded
    train/test accuracies are those of the plain argmax of the output layer."""
    result = tiny_plane
    X, y = load_szt()
    X = X.astype(float)
    for epoch, snapshot in result.snapshots.items():
        layers = result.model.layers(epoch, include_output=True)
        A = X
        for k, layer in enumerate(layers[:-1]):
            A = np.tanh(A @ layer.weights + layer.bias)
            np.testing.assert_allclose(snapshot[k], A, atol=1e-12)
        predicted = np.argmax(A @ layers[-1].weights + layers[-1].bias, axis=1)
        row = result.where(epoch=epoch, layer=1)[0]
        for key, rows in (("train_accuracy", result.train_indices), ("test_accuracy", result.test_indices)):
            assert row[key] == pytest.approx(np.mean(predicted[rows] == y[rows]))


def test_info_plane_split_is_80_20_and_disjoint(tiny_plane):
    train, test = tiny_plane.train_indices, tiny_plane.test_indices
    assert len(set(train) & set(test)) == 0 and len(train) + len(test) == 4096
    assert abs(len(test) - 0.2 * 4096) <= 1


def test_info_plane_is_reproducible_with_a_seed(tiny_plane):
    again = run_info_plane(n_epochs=12, n_checkpoints=3, n_replicas=3, random_state=3)
    assert again == tiny_plane


def test_orthonormal_variant_is_named_and_runs():
    result = run_info_plane(n_epochs=3, n_checkpoints=1, n_replicas=2, orthonormal_alpha=0.01, random_state=0)
    assert result.name == "info-plane-orthonormal" and result.params["orthonormal_alpha"] == 0.01


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"n_replicas": 0}, ValueError, "n_replicas"),
        ({"noise_std": -1.0}, ValueError, "noise_std"),
        ({"test_size": 1.0}, ValueError, "test_size"),
        ({"method": "exact"}, ValueError, "method"),
        ({"snapshot_epochs": [7]}, ValueError, r"snapshot_epochs \[7\] are not checkpoints"),
    ],
)
def test_info_plane_rejects_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        run_info_plane(**{"n_epochs": 2, "n_checkpoints": 1, "n_replicas": 1, **kwargs})


@pytest.mark.slow
def test_info_plane_does_not_depend_on_n_jobs(tiny_plane):
    """Checkpoints draw their noise from per-checkpoint seeds, so joblib workers change nothing."""
    assert run_info_plane(n_epochs=12, n_checkpoints=3, n_replicas=3, random_state=3, n_jobs=2) == tiny_plane
