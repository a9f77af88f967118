"""The estimator comparison: exact ground truth, tidy output, the CLI end to end."""

import csv
import itertools
import json
import math

import numpy as np
import pytest
from scipy.special import logsumexp

from skinfo import SPEntropy
from skinfo.cli import main
from skinfo.entropy import gaussian_noise_entropy
from skinfo.experiments import compare_estimators
from skinfo.experiments._compare import n_grid, true_entropy
from skinfo.testing import bpsk_mutual_information, hypercube_constellation

Z = 4.5
COLUMNS = [
    "case",
    "n_features",
    "noise_std",
    "spread",
    "n_samples",
    "repeat",
    "estimator",
    "estimate",
    "standard_error",
    "truth",
    "error",
    "abs_error",
    "bandwidth",
    "seconds",
]


@pytest.mark.parametrize(("d", "noise_std"), [(1, 0.3), (4, 0.5), (15, 0.05)])
def test_hypercube_truth_is_d_times_bpsk(d, noise_std):
    """S uniform on {-1,+1}^d has independent coordinates:
    I(S; S+Z) = h(S+Z) - h(Z) = d I_BPSK(b)."""
    truth = true_entropy("hypercube", d, noise_std, 0.0)
    assert truth - gaussian_noise_entropy(d, noise_std) == pytest.approx(
        d * bpsk_mutual_information(noise_std), rel=1e-10
    )


def test_hypercube_truth_matches_sp_on_all_corners():
    """With all 2^d corners as centres the SP mixture is the true density of
    S + Z, so SP is unbiased: the quadrature truth lies within its MC error."""
    d, noise_std = 4, 0.7
    est = SPEntropy(noise_std=noise_std, n_mc=200, random_state=0).fit(hypercube_constellation(d))
    assert abs(est.entropy_ - true_entropy("hypercube", d, noise_std, 0.0)) < Z * est.standard_error_


def test_mixture_truth_matches_monte_carlo(rng):
    """Corner plus N(0, spread^2) plus N(0, b^2) is corner plus N(0, spread^2 + b^2):
    -E log p(T) under the explicit 2^d-component density, by Monte Carlo."""
    d, noise_std, spread = 3, 0.4, 0.3
    sigma2 = spread**2 + noise_std**2
    corners = np.array(list(itertools.product((-1.0, 1.0), repeat=d)))
    n = 200_000
    T = corners[rng.integers(0, 2**d, n)] + math.sqrt(sigma2) * rng.standard_normal((n, d))
    sq = ((T[:, None, :] - corners[None]) ** 2).sum(axis=2)
    log_p = logsumexp(-sq / (2 * sigma2), axis=1) - d * math.log(2) - 0.5 * d * math.log(2 * math.pi * sigma2)
    mc, se = -log_p.mean(), log_p.std() / math.sqrt(n)
    assert abs(true_entropy("mixture", d, noise_std, spread) - mc) < Z * se


def test_records_are_tidy_and_truthful():
    """Every record has the documented columns; truth is the exact value and
    error = estimate - truth."""
    result = compare_estimators(dims=(2,), noise_stds=(0.3,), n_max=40, random_state=0)
    assert result.columns == COLUMNS
    sizes = n_grid(40)
    assert sorted({r["n_samples"] for r in result.records}) == sizes
    for r in result.records:
        assert r["truth"] == true_entropy(r["case"], 2, 0.3, r["spread"])
        assert r["error"] == pytest.approx(r["estimate"] - r["truth"], abs=1e-12)
        assert (r["standard_error"] is not None) == (r["estimator"] == "sp")
        assert (r["bandwidth"] is not None) == (r["estimator"] == "kde")
    assert {(r["case"], r["estimator"]) for r in result.records} == {
        (c, e) for c in ("mixture", "hypercube") for e in ("sp", "kl", "kde")
    }


def test_sp_on_full_hypercube_sample_is_accurate():
    """Once n >> 2^d every corner is drawn and SP's only error is from the
    empirical corner frequencies and Monte Carlo: tiny at d = 2, n = 1000."""
    result = compare_estimators(
        dims=(2,),
        noise_stds=(0.3,),
        n_max=1000,
        n_min=1000,
        cases=("hypercube",),
        estimators=("sp",),
        n_mc=20,
        random_state=1,
    )
    (row,) = result.records
    assert abs(row["error"]) < 0.02


def test_cli_quick_writes_table_json_and_figure(tmp_path, capsys):
    status = main(["compare-estimators", "--quick", "--out", str(tmp_path / "out"), "--seed", "3"])
    assert status == 0
    with (tmp_path / "out" / "compare_estimators.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == COLUMNS
    assert {int(r["n_features"]) for r in rows} == {2, 3}
    for r in rows:
        d, b, spread = int(r["n_features"]), float(r["noise_std"]), float(r["spread"])
        assert float(r["truth"]) == pytest.approx(true_entropy(r["case"], d, b, spread), rel=1e-12)
    payload = json.loads((tmp_path / "out" / "compare_estimators.json").read_text())
    assert payload["params"]["dims"] == [2, 3]
    assert len(payload["records"]) == len(rows)
    assert (tmp_path / "out" / "compare_estimators.png").stat().st_size > 0
    assert "wrote" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv", [["--dims", "5,x"], ["--noise-stds", "0.1,-1"], ["--n-max", "5"], ["--n-jobs", "0"]]
)
def test_cli_bad_options_exit_2(argv, tmp_path, capsys):
    """argparse rejects malformed lists itself (SystemExit 2); value errors
    become main()'s exit status 2; both print a one-line error, no traceback."""
    try:
        status = main(["compare-estimators", *argv, "--out", str(tmp_path), "--no-plot"])
    except SystemExit as exc:
        status = exc.code
    assert status == 2
    assert "error" in capsys.readouterr().err


def test_bad_estimator_name():
    with pytest.raises(ValueError, match=r"estimators must be a non-empty subset"):
        compare_estimators(estimators=("sp", "binning"))
