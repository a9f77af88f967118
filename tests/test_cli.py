"""Tests of the ``skinfo tanh-neuron`` and ``skinfo info-plane`` commands and the shared CLI policy."""

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import skinfo.experiments._cli as tanh_cli
from skinfo.cli import main
from skinfo.experiments import ExperimentResult, run_tanh_neuron
from skinfo.experiments._cli_common import MANIFEST

REPO = Path(__file__).resolve().parents[1]


def test_info_plane_tiny_preset_writes_results_and_figures(tmp_path, capsys):
    out = tmp_path / "plane"
    status = main(
        [
            "info-plane",
            "--preset",
            "tiny",
            "--epochs",
            "8",
            "--checkpoints",
            "2",
            "--out",
            str(out),
            "--quiet",
            "--seed",
            "1",
            "--snapshot-epochs",
            "8",
        ]
    )
    assert status == 0
    names = {p.name for p in out.iterdir()}
    assert names == {
        "info_plane.csv",
        "info_plane.json",
        "information_plane.png",
        "layer_curves.png",
        "layer_scatter.png",
        "cosine_heatmaps.png",
        "activation_histograms.png",
        MANIFEST,
    }
    result = ExperimentResult.from_json(out / "info_plane.json")
    assert result.params["n_epochs"] == 8 and result.params["n_replicas"] == 2
    assert sorted({r["epoch"] for r in result.records}) == [1, 8]
    back = ExperimentResult.read_csv(out / "info_plane.csv", name="info-plane", params=result.params)
    assert back == result
    printed = capsys.readouterr().out
    assert "final train accuracy" in printed and "fall_%" in printed


def test_info_plane_orthonormal_option_changes_the_result_name(tmp_path):
    out = tmp_path / "ortho"
    assert (
        main(
            [
                "info-plane",
                "--preset",
                "tiny",
                "--epochs",
                "2",
                "--checkpoints",
                "1",
                "--orthonormal",
                "0.01",
                "--out",
                str(out),
                "--quiet",
            ]
        )
        == 0
    )
    payload = json.loads((out / "info_plane_orthonormal.json").read_text())
    assert payload["name"] == "info-plane-orthonormal" and payload["params"]["orthonormal_alpha"] == 0.01


def test_tanh_neuron_writes_results_and_figure(tmp_path, capsys):
    out = tmp_path / "tanh"
    assert main(["tanh-neuron", "--n-weights", "5", "--n-mc", "50", "--out", str(out)]) == 0
    names = {p.name for p in out.iterdir()}
    assert names == {"tanh_neuron.csv", "tanh_neuron.json", "tanh_neuron.png", MANIFEST}
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
        (
            ["info-plane", "--epochs", "100", "--checkpoints", "3", "--snapshot-epochs", "7"],
            "snapshot_epochs [7] are not checkpoints; checkpoints are [1, 10, 100]",
        ),
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
        [
            sys.executable,
            "-m",
            "skinfo",
            "tanh-neuron",
            "--n-weights",
            "3",
            "--n-mc",
            "20",
            "--out",
            str(out),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    assert (out / "tanh_neuron.png").exists() and (out / "tanh_neuron.csv").exists()


def test_python_dash_m_skinfo_bad_option_exits_2(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "skinfo", "info-plane", "--checkpoints", "-3"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 2
    assert "--checkpoints" in completed.stderr and "Traceback" not in completed.stderr


# ------------------------------------------------------------- shared CLI policy


def _one_error_line(err, command="tanh-neuron"):
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith(f"skinfo {command}: error: ") and "Traceback" not in err
    return lines[0]


def _fake_run(monkeypatch, action):
    """Replace the tanh-neuron computation by ``action(n_jobs)`` (fast, or failing on purpose)."""

    def fake(weights, *, n_jobs=None, **kwargs):
        return action(n_jobs)

    monkeypatch.setattr("skinfo.experiments._tanh_neuron.run_tanh_neuron", fake)


def _tiny_result(n_jobs=None):
    records = [
        {
            "w": w,
            "bias": 0.0,
            "noise_std": 0.01,
            "mi_sp": 0.1,
            "mi_sp_se": 0.01,
            "mi_exact": 0.1,
            "binned_entropy": 0.5,
        }
        for w in (0.1, 1.0)
    ]
    return ExperimentResult("tanh-neuron", records, {"n_jobs": n_jobs})


@pytest.mark.parametrize(
    "argv",
    [
        ["--noise-std", "1e-300"],
        ["--noise-std", "1e300"],
        ["--noise-std", "nan"],
        ["--bias", "inf"],
        ["--seed", "-1"],
        ["--n-weights", "10000000"],
    ],
)
def test_usage_errors_are_one_line_with_exit_2(argv, tmp_path, capsys):
    assert main(["tanh-neuron", *argv, "--out", str(tmp_path / "x")]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert argv[0] in line
    assert not (tmp_path / "x").exists()


def test_unknown_command_is_one_line(capsys):
    assert main(["no-such-command"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "invalid choice" in err


def test_out_holding_results_is_refused_unless_overwrite(tmp_path, capsys, monkeypatch):
    _fake_run(monkeypatch, _tiny_result)
    out = tmp_path / "run"
    assert main(["tanh-neuron", "--out", str(out)]) == 0
    first = (out / "tanh_neuron.csv").read_text()
    (out / "tanh_neuron.csv").write_text("edited")
    capsys.readouterr()
    assert main(["tanh-neuron", "--out", str(out)]) == 2
    assert "--overwrite" in _one_error_line(capsys.readouterr().err)
    assert (out / "tanh_neuron.csv").read_text() == "edited"
    assert main(["tanh-neuron", "--out", str(out), "--overwrite"]) == 0
    assert (out / "tanh_neuron.csv").read_text() == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # no staging folders left


def test_overwrite_never_replaces_a_folder_skinfo_did_not_write(tmp_path, capsys, monkeypatch):
    _fake_run(monkeypatch, _tiny_result)
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["tanh-neuron", "--out", str(tmp_path), "--overwrite"]) == 2
    assert "did not write" in _one_error_line(capsys.readouterr().err)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_empty_existing_out_is_used(tmp_path, monkeypatch):
    _fake_run(monkeypatch, _tiny_result)
    assert main(["tanh-neuron", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "tanh_neuron.json").exists()


@pytest.mark.parametrize(
    "error, status, words",
    [
        (KeyboardInterrupt(), 130, "interrupted"),
        (MemoryError(), 1, "out of memory"),
        (OSError(errno.ENOSPC, "No space left on device", "/x"), 1, "no space left on device"),
        (RuntimeError("boom"), 1, "RuntimeError: boom"),
        (ValueError("n_mc is too large"), 2, "n_mc is too large"),
    ],
)
def test_failures_are_one_line_and_leave_no_partial_output(
    error, status, words, tmp_path, capsys, monkeypatch
):
    """The run fails after some files were written: --out must not appear at all."""

    def write_then_fail(n_jobs):
        raise error

    _fake_run(monkeypatch, write_then_fail)
    out = tmp_path / "run"
    assert main(["tanh-neuron", "--out", str(out)]) == status
    assert words.lower() in _one_error_line(capsys.readouterr().err).lower()
    assert list(tmp_path.iterdir()) == []


def test_interrupted_overwrite_keeps_the_earlier_run_whole(tmp_path, capsys, monkeypatch):
    _fake_run(monkeypatch, _tiny_result)
    out = tmp_path / "run"
    assert main(["tanh-neuron", "--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    original_save = tanh_cli._save

    def save_then_interrupt(fig, path, written):
        original_save(fig, path, written)
        raise KeyboardInterrupt

    monkeypatch.setattr(tanh_cli, "_save", save_then_interrupt)
    assert main(["tanh-neuron", "--out", str(out), "--overwrite"]) == 130
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_read_only_file_system_is_a_one_line_runtime_error(tmp_path, capsys, monkeypatch):
    _fake_run(monkeypatch, _tiny_result)

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr("tempfile.mkdtemp", read_only)
    assert main(["tanh-neuron", "--out", str(tmp_path / "run")]) == 1
    line = _one_error_line(capsys.readouterr().err)
    assert f"cannot write to {tmp_path / 'run'}: read-only file system" in line


def test_out_under_a_file_is_a_usage_error(tmp_path, capsys):
    (tmp_path / "file").write_text("")
    assert main(["tanh-neuron", "--out", str(tmp_path / "file" / "sub")]) == 2
    assert "is a file" in _one_error_line(capsys.readouterr().err)


def test_tanh_neuron_passes_n_jobs_on(tmp_path, monkeypatch):
    seen = []
    _fake_run(monkeypatch, lambda n_jobs: seen.append(n_jobs) or _tiny_result(n_jobs))
    assert main(["tanh-neuron", "--n-jobs", "2", "--out", str(tmp_path / "run")]) == 0
    assert seen == [2]


def test_run_tanh_neuron_records_do_not_depend_on_n_jobs():
    """Seeds are drawn per weight before the fan-out, so the parallel run equals the serial one."""
    import joblib

    weights = [0.01, 0.5, 3.0]
    serial = run_tanh_neuron(weights, n_mc=50, random_state=4, n_jobs=1)
    with joblib.parallel_backend("threading"):
        parallel = run_tanh_neuron(weights, n_mc=50, random_state=4, n_jobs=2)
    assert parallel == serial


def test_warnings_are_one_line(tmp_path, capsys, monkeypatch):
    import warnings

    def warn(n_jobs):
        warnings.warn("something odd\nover two lines", UserWarning, stacklevel=1)
        return _tiny_result()

    _fake_run(monkeypatch, warn)
    assert main(["tanh-neuron", "--out", str(tmp_path / "run")]) == 0
    err = capsys.readouterr().err
    assert err.strip() == "skinfo tanh-neuron: warning: something odd over two lines (UserWarning)"


def test_manifest_lists_the_files_and_options(tmp_path, monkeypatch):
    _fake_run(monkeypatch, _tiny_result)
    out = tmp_path / "run"
    assert main(["tanh-neuron", "--out", str(out), "--seed", "7"]) == 0
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["command"] == "tanh-neuron" and manifest["options"]["seed"] == 7
    assert set(manifest["files"]) == {p.name for p in out.iterdir()} - {MANIFEST}
    assert os.path.basename(manifest["options"]["out"]) == "run"
