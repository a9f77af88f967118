"""Tests of the ``skinfo tanh-neuron`` and ``skinfo info-plane`` commands."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from skinfo.cli import main
from skinfo.experiments import ExperimentResult

REPO = Path(__file__).resolve().parents[1]


def test_info_plane_tiny_preset_writes_results_and_figures(tmp_path, capsys):
    out = tmp_path / "plane"
    status = main(["info-plane", "--preset", "tiny", "--epochs", "8", "--checkpoints", "2", "--out", str(out),
                   "--quiet", "--seed", "1", "--snapshot-epochs", "8"])
    assert status == 0
    names = {p.name for p in out.iterdir()}
    assert names == {"info_plane.csv", "info_plane.json", "information_plane.png", "layer_curves.png",
                     "layer_scatter.png", "cosine_heatmaps.png", "activation_histograms.png"}
    result = ExperimentResult.from_json(out / "info_plane.json")
    assert result.params["n_epochs"] == 8 and result.params["n_replicas"] == 2
    assert sorted({r["epoch"] for r in result.records}) == [1, 8]
    back = ExperimentResult.read_csv(out / "info_plane.csv", name="info-plane", params=result.params)
    assert back == result
    printed = capsys.readouterr().out
    assert "final train accuracy" in printed and "fall_%" in printed


def test_info_plane_orthonormal_option_changes_the_result_name(tmp_path):
    out = tmp_path / "ortho"
    assert main(["info-plane", "--preset", "tiny", "--epochs", "2", "--checkpoints", "1", "--orthonormal",
                 "0.01", "--out", str(out), "--quiet"]) == 0
    payload = json.loads((out / "info_plane_orthonormal.json").read_text())
    assert payload["name"] == "info-plane-orthonormal" and payload["params"]["orthonormal_alpha"] == 0.01


def test_tanh_neuron_writes_results_and_figure(tmp_path, capsys):
    out = tmp_path / "tanh"
    assert main(["tanh-neuron", "--n-weights", "5", "--n-mc", "50", "--out", str(out)]) == 0
    assert {p.name for p in out.iterdir()} == {"tanh_neuron.csv", "tanh_neuron.json", "tanh_neuron.png"}
    result = ExperimentResult.from_json(out / "tanh_neuron.json")
    assert len(result) == 5 and result.records[0]["w"] == pytest.approx(1e-3)
    assert "beyond" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["info-plane", "--replicas", "0"], "argument --replicas: expected a positive integer, got '0'"),
        (["info-plane", "--noise-std", "-0.1"], "argument --noise-std: expected a positive number"),
        (["info-plane", "--activation", "sigmoid"], "invalid choice: 'sigmoid'"),
        (["info-plane", "--preset", "huge"], "invalid choice: 'huge'"),
        (["info-plane", "--n-jobs", "0"], "argument --n-jobs"),
        (["info-plane", "--epochs", "ten"], "argument --epochs: expected a positive integer, got 'ten'"),
        (["tanh-neuron", "--w-min", "5", "--w-max", "1"], "--w-min (5.0) must be below --w-max (1.0)"),
        (["tanh-neuron", "--n-mc", "1.5"], "argument --n-mc"),
        (["tanh-neuron", "--bogus"], "unrecognized arguments: --bogus"),
        (["info-plane", "--snapshot-epochs", "1,x"], "argument --snapshot-epochs: expected comma-separated"),
        (["info-plane", "--epochs", "100", "--checkpoints", "3", "--snapshot-epochs", "7"],
         "snapshot_epochs [7] are not checkpoints; checkpoints are [1, 10, 100]"),
    ],
)
def test_bad_options_exit_2_with_a_message_and_no_traceback(argv, message, capsys, tmp_path):
    assert main([*argv, "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_out_must_be_a_directory(tmp_path, capsys):
    target = tmp_path / "file.txt"
    target.write_text("")
    assert main(["tanh-neuron", "--n-weights", "2", "--out", str(target)]) == 2
    assert "is not a directory" in capsys.readouterr().err


def test_python_dash_m_skinfo_runs_tanh_neuron(tmp_path):
    out = tmp_path / "sub"
    completed = subprocess.run(
        [sys.executable, "-m", "skinfo", "tanh-neuron", "--n-weights", "3", "--n-mc", "20",
         "--out", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    assert (out / "tanh_neuron.png").exists() and (out / "tanh_neuron.csv").exists()


def test_python_dash_m_skinfo_bad_option_exits_2(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "skinfo", "info-plane", "--checkpoints", "-3"],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    assert completed.returncode == 2
    assert "--checkpoints" in completed.stderr and "Traceback" not in completed.stderr
