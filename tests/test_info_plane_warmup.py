"""Tests of the information-plane warm-up: kernels compiled in child processes while the network trains.

The warm-up is only worth its time if it compiles exactly what a checkpoint
uses, and only safe if its two child processes never write different entries
of one function's Numba cache index (see ``_WARMUP_GROUPS``).  Both are
checked in fresh interpreters, where no other test has touched the kernels.
"""

import json
import os
import subprocess
import sys
import time

import pytest

from skinfo.experiments import _info_plane

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(_info_plane.__file__)))
_ARGS = (0.05, "auto", 30, (-1.0, 1.0), 10)

# Prints {kernel: [signatures]} of every skinfo kernel used so far in this interpreter.
_SIGNATURES = """
import importlib, json, pkgutil
import skinfo._kernels
from numba.core.registry import CPUDispatcher

def signatures():
    found = {}
    for info in pkgutil.iter_modules(skinfo._kernels.__path__):
        module = importlib.import_module("skinfo._kernels." + info.name)
        for obj in vars(module).values():
            if isinstance(obj, CPUDispatcher) and obj.signatures:
                name = obj.py_func.__module__ + "." + obj.py_func.__qualname__
                found[name] = sorted(str(sig) for sig in obj.signatures)
    return found
"""


def _kernel_signatures(body):
    """Run ``body`` in a fresh interpreter and return the kernel signatures it used."""
    code = _SIGNATURES + body + "\nprint(json.dumps(signatures()))\n"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [_ROOT, os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def _warm(group):
    return f"\nfrom skinfo.experiments._info_plane import _warm_group\n_warm_group({group!r}, *{_ARGS!r})\n"


@pytest.mark.slow
def test_warmup_groups_never_compile_one_kernel_for_different_signatures():
    """Two children writing different signatures of one function could swap its cache entries."""
    dense = _kernel_signatures(_warm("dense"))
    tree = _kernel_signatures(_warm("tree"))
    assert dense and tree
    for name in set(dense) & set(tree):
        assert dense[name] == tree[name], name


@pytest.mark.slow
def test_warmup_covers_every_estimation_kernel_of_a_run():
    """After the warm-up, a run (its own warm-up switched off) needs no new kernel signature
    except the training kernels, which the parent compiles itself before training."""
    body = (
        _warm("dense")
        + _warm("tree")
        + "warm = signatures()\n"
        + "from skinfo.experiments import _info_plane, run_info_plane\n"
        + "_info_plane._start_warmup = lambda args: (lambda abort=False: [])\n"
        + "run_info_plane(n_epochs=12, n_checkpoints=3, n_replicas=3, random_state=3)\n"
        + "print(json.dumps(warm))\n"
    )
    code = _SIGNATURES + body + "print(json.dumps(signatures()))\n"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [_ROOT, os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    warm, after = (json.loads(line) for line in done.stdout.splitlines()[-2:])
    new = {
        name: sorted(set(sigs) - set(warm.get(name, [])))
        for name, sigs in after.items()
        if not name.startswith("skinfo._kernels._mlp.") and set(sigs) - set(warm.get(name, []))
    }
    assert new == {}


@pytest.fixture
def cold_cache(monkeypatch):
    """Make the warm-up start its children even where Numba's cache is warm."""
    monkeypatch.setattr(_info_plane, "_group_cached", lambda group, method: False)


@pytest.mark.slow
def test_warmup_children_compile_and_exit_cleanly(cold_cache):
    finish = _info_plane._start_warmup(_ARGS)
    assert finish() == [0] * len(_info_plane._WARMUP_GROUPS)


def test_a_failing_child_is_tolerated(cold_cache, monkeypatch):
    """A child that fails leaves the compilation to the parent: no error, just its exit code."""
    monkeypatch.setattr(_info_plane, "_WARMUP_CHILD", "import sys; sys.exit(5)")
    assert _info_plane._start_warmup(_ARGS)() == [5] * len(_info_plane._WARMUP_GROUPS)


def test_a_stuck_child_is_killed_at_the_timeout(cold_cache, monkeypatch):
    monkeypatch.setattr(_info_plane, "_WARMUP_CHILD", "import time; time.sleep(60)")
    monkeypatch.setattr(_info_plane, "_WARMUP_TIMEOUT", 0.5)
    start = time.monotonic()
    codes = _info_plane._start_warmup(_ARGS)()
    assert time.monotonic() - start < 30
    assert all(code not in (0, None) for code in codes)


def test_abort_stops_the_children_at_once(cold_cache, monkeypatch):
    monkeypatch.setattr(_info_plane, "_WARMUP_CHILD", "import time; time.sleep(60)")
    start = time.monotonic()
    codes = _info_plane._start_warmup(_ARGS)(abort=True)
    assert time.monotonic() - start < 30
    assert all(code not in (0, None) for code in codes)


def test_training_error_stops_the_warmup(cold_cache, monkeypatch):
    """An error in training ends the run at once instead of waiting for the children."""
    monkeypatch.setattr(_info_plane, "_WARMUP_CHILD", "import time; time.sleep(60)")

    def broken_fit(self, X, y):
        raise RuntimeError("training failed")

    monkeypatch.setattr(_info_plane.NoisyMLP, "fit", broken_fit)
    start = time.monotonic()
    with pytest.raises(RuntimeError, match="training failed"):
        _info_plane.run_info_plane(n_epochs=2, n_checkpoints=1, n_replicas=1)
    assert time.monotonic() - start < 30


def test_without_a_child_process_the_warmup_runs_in_a_thread(cold_cache, monkeypatch):
    def no_process(*args, **kwargs):
        raise OSError("no interpreter to start")

    monkeypatch.setattr(_info_plane.subprocess, "Popen", no_process)
    calls = []
    monkeypatch.setattr(_info_plane, "_warm_group", lambda group, *args: calls.append(group))
    assert _info_plane._start_warmup(_ARGS)() == []
    assert calls == list(_info_plane._WARMUP_GROUPS)


def test_thread_warmup_errors_reach_the_caller(cold_cache, monkeypatch):
    monkeypatch.setattr(_info_plane.subprocess, "Popen", lambda *a, **k: (_ for _ in ()).throw(OSError()))

    def broken(group, *args):
        raise ValueError("warm-up failed")

    monkeypatch.setattr(_info_plane, "_warm_group", broken)
    with pytest.raises(ValueError, match="warm-up failed"):
        _info_plane._start_warmup(_ARGS)()


@pytest.mark.parametrize("group", _info_plane._WARMUP_GROUPS)
def test_a_warmed_group_reads_as_cached(group):
    _info_plane._warm_group(group, *_ARGS)
    assert _info_plane._group_cached(group, "auto")


def test_an_empty_cache_reads_as_not_cached(tmp_path):
    code = (
        "from skinfo.experiments._info_plane import _WARMUP_GROUPS, _group_cached\n"
        "print([_group_cached(group, 'auto') for group in _WARMUP_GROUPS])\n"
    )
    env = {
        **os.environ,
        "NUMBA_CACHE_DIR": str(tmp_path),
        "PYTHONPATH": os.pathsep.join(filter(None, [_ROOT, os.environ.get("PYTHONPATH")])),
    }
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["[False,", "False]"]
