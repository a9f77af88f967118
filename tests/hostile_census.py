"""Census of hostile inputs: how many get a clean error, a correct value, or neither.

Not a test module (pytest does not collect it): run it to count, for the
issue's closing note, against any checkout::

    PYTHONPATH=/path/to/checkout python tests/hostile_census.py [--verbose]

It runs the named cases of ``tests/test_hardening.py`` (``CASES``) and a grid
of every public entry point against hostile arrays and labels, each under a
memory cap (address space 6 GB) and a time cap (60 s), and sorts each
outcome as in ``test_hardening.outcome``.
"""

import importlib.util
import math
import resource
import signal
import sys
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def _load_cases():
    spec = importlib.util.spec_from_file_location("test_hardening", HERE / "test_hardening.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _TimeoutError(Exception):
    pass


def _alarm(signum, frame):
    raise _TimeoutError("ran for more than 60 s")


def _hostile_arrays():
    rng = np.random.default_rng(7)
    base = rng.normal(size=(12, 3))
    arrays = {
        "empty": np.empty((0, 3)),
        "no-features": np.empty((12, 0)),
        "1-D": base[:, 0],
        "3-D": base.reshape(12, 3, 1),
        "nan": np.where(np.arange(36).reshape(12, 3) == 5, np.nan, base),
        "inf": np.where(np.arange(36).reshape(12, 3) == 5, np.inf, base),
        "complex": base + 1j,
        "strings": base.astype(str),
        "object-numbers": base.astype(object),
        "bool": base > 0,
        "float16": base.astype(np.float16),
        "int64-huge": (base * 2**61).astype(np.int64),
        "single-row": base[:1],
        "constant": np.ones((12, 3)),
        "duplicates": np.repeat(base[:3], 4, axis=0),
        "scale-1e-300": base * 1e-300,
        "scale-1e-160": base * 1e-160,
        "scale-1e-12": base * 1e-12,
        "scale-1e155": base * 1e155,
        "scale-1e200": base * 1e200,
        "scale-1e300": base * 1e300,
        "shift-1e15": base + 1e15,
        "max-float": np.full((12, 3), 1.7e308) * np.sign(base),
        "subnormal": base * 5e-324,
        "list-of-lists": base.tolist(),
        "ragged": [[1.0, 2.0], [3.0]] * 6,
        "none": None,
        "wide-d12": rng.normal(size=(12, 12)) * 1e160,
    }
    return arrays


def _labels(n):
    codes = np.arange(n) % 2
    nan_labels = codes.astype(object)
    if n:
        nan_labels[0] = float("nan")
    return {
        "int": codes,
        "str": np.array(["a", "b"])[codes],
        "object-nan": nan_labels,
        "mixed": np.array(["a", 1] * max(n, 1), dtype=object)[:n],
        "single-class": np.zeros(n, dtype=int),
        "wrong-length": codes[:-1] if n else np.array([0]),
        "float-nan": np.where(codes == 0, np.nan, 1.0),
    }


def _entry_points(th):
    import skinfo
    from skinfo.mutual_info import sp_feature_relevance

    def finite(value):
        return all(
            math.isfinite(float(v))
            for v in (value if np.ndim(value) or isinstance(value, tuple) else [value])
        )

    def n_rows(X):
        return int(np.prod(np.shape(X)[:-1]))

    def sp_bounds(value, X):
        h, se = th._fields(value)[:2]
        d = np.shape(X)[-1]
        hz = th._gaussian_entropy(d, 0.1)
        return math.isfinite(h) and hz - 6 * se - 1e-9 <= h <= hz + math.log(n_rows(X)) + 6 * se + 1e-9

    def mi_bounds(value, X):
        mi, se = th._fields(value)[:2]
        return math.isfinite(mi) and -6 * se - 1e-9 <= mi <= math.log(n_rows(X)) + 6 * se + 1e-9

    def binned_bounds(value, X):
        v = th._first(value)
        return 0.0 <= v <= math.log(n_rows(X)) + 1e-12

    def in_unit(value, X):
        return -1.0 <= float(value) <= 1.0

    def gap_bounds(value, X):
        return -2.0 <= value.gap <= 2.0 and -1 <= value.within_class <= 1

    def bounds_pair(value, X):
        low, high = th._fields(value)[:2]
        d = np.shape(X)[-1]
        hz = th._gaussian_entropy(d, 0.1)
        tol = 1e-9 * max(1.0, abs(hz))
        return hz - tol <= low <= high + tol <= hz + math.log(n_rows(X)) + 2 * tol

    def finite_value(value, X):
        return finite(th._first(value))

    def relevance(value, X):
        return np.all(np.isfinite(value)) and np.all(value >= -1e-9) and np.all(value <= math.log(2) + 0.5)

    unsupervised = [
        ("sp_entropy", lambda X: skinfo.sp_entropy(X, 0.1, n_mc=10, random_state=0), ("S",), sp_bounds),
        (
            "noisy_mutual_information",
            lambda X: skinfo.noisy_mutual_information(X, noise_std=0.1, n_mc=10, random_state=0),
            ("S",),
            mi_bounds,
        ),
        ("pairwise_entropy_bounds", lambda X: skinfo.pairwise_entropy_bounds(X, 0.1), ("S",), bounds_pair),
        (
            "binned_entropy",
            lambda X: skinfo.binned_entropy(X, value_range=None),
            ("T", "value_range"),
            binned_bounds,
        ),
        ("kl_entropy", lambda X: skinfo.kl_entropy(X, random_state=0), ("X", "k"), finite_value),
        ("kde_entropy", lambda X: skinfo.kde_entropy(X, bandwidth="scott"), ("X", "bandwidth"), finite_value),
        (
            "SPEntropy",
            lambda X: skinfo.SPEntropy(0.1, n_mc=5, random_state=0).fit(X).entropy_,
            ("S", "X"),
            lambda v, X: math.isfinite(v),
        ),
    ]
    supervised = [
        (
            "noisy_mutual_information(y)",
            lambda X, y: skinfo.noisy_mutual_information(X, y, 0.1, n_mc=10, random_state=0),
            ("S", "y"),
            mi_bounds,
        ),
        (
            "binned_mutual_information",
            lambda X, y: skinfo.binned_mutual_information(X, y, value_range=None),
            ("T", "y", "value_range"),
            binned_bounds,
        ),
        ("silhouette_score", lambda X, y: skinfo.silhouette_score(X, y), ("T", "labels"), in_unit),
        (
            "cosine_similarity_summary",
            lambda X, y: skinfo.cosine_similarity_summary(X, y),
            ("T", "labels"),
            gap_bounds,
        ),
        (
            "sp_feature_relevance",
            lambda X, y: sp_feature_relevance(X, y, noise_std=0.5, n_mc=5, random_state=0),
            ("X", "y"),
            relevance,
        ),
    ]
    return unsupervised, supervised


def _grid_cases(th):
    unsupervised, supervised = _entry_points(th)
    arrays = _hostile_arrays()
    cases = []
    for name, call, names, check in unsupervised:
        for kind, X in arrays.items():
            cases.append(
                th.Case(
                    f"{name}[{kind}]",
                    (lambda c=call, X=X: c(X)),
                    names,
                    (lambda v, chk=check, X=X: chk(v, X)),
                )
            )
    for name, call, names, check in supervised:
        for kind, X in arrays.items():
            n = 0 if X is None or (isinstance(X, np.ndarray) and X.ndim == 0) else len(X)
            for label_kind, y in _labels(n).items():
                if (
                    kind not in ("scale-1e200", "scale-1e-300", "nan", "3-D", "constant", "wide-d12")
                    and label_kind != "int"
                ):
                    continue  # labels are crossed with a few arrays only
                cases.append(
                    th.Case(
                        f"{name}[{kind},{label_kind}]",
                        (lambda c=call, X=X, y=y: c(X, y)),
                        names,
                        (lambda v, chk=check, X=X: chk(v, X)),
                    )
                )
    return cases


def main(verbose=False):
    resource.setrlimit(resource.RLIMIT_AS, (6 * 2**30, 6 * 2**30))
    signal.signal(signal.SIGALRM, _alarm)
    warnings.simplefilter("ignore")
    th = _load_cases()
    groups = {"issue cases": th.CASES, "entry-point grid": _grid_cases(th)}
    totals = {}
    for group, cases in groups.items():
        counts = {"error": 0, "correct": 0, "neither": 0}
        for case in cases:
            signal.alarm(60)
            try:
                kind, detail = th.outcome(case)
            except _TimeoutError as exc:
                kind, detail = "neither", str(exc)
            finally:
                signal.alarm(0)
            counts[kind] += 1
            if verbose or kind == "neither":
                print(f"{kind:8s} {case.id}: {detail[:160]}")
        totals[group] = counts
    for group, counts in totals.items():
        print(
            f"{group}: {sum(counts.values())} cases: {counts['error']} clean errors, "
            f"{counts['correct']} correct, "
            f"{counts['neither']} neither"
        )


if __name__ == "__main__":
    main(verbose="--verbose" in sys.argv)
