"""Every public docstring passes numpydoc's validator (the documented subset of its checks).

The public names are those of ``skinfo.__all__`` and of the public subpackages
the API reference documents (``datasets``, ``experiments``, ``plotting``,
``mutual_info``, ``entropy``, ``cluster``, ``networks``, ``parallel``,
``testing``, and ``torch`` when PyTorch is installed). For each class, the
public methods that skinfo itself defines are validated too; methods
inherited from scikit-learn or PyTorch are theirs to document.

The doctests in these docstrings run separately, through pytest's
``--doctest-modules`` (pyproject.toml).
"""

import importlib
import importlib.util
import inspect

import pytest

numpydoc_validate = pytest.importorskip("numpydoc.validate")

MODULES = [
    "skinfo",
    "skinfo.datasets",
    "skinfo.experiments",
    "skinfo.plotting",
    "skinfo.mutual_info",
    "skinfo.entropy",
    "skinfo.cluster",
    "skinfo.networks",
    "skinfo.parallel",
    "skinfo.testing",
]
if importlib.util.find_spec("torch") is not None:
    MODULES.append("skinfo.torch")

# Checks not enforced, and why.
IGNORED = {
    # The summary line says what it is; an extended summary is optional.
    "ES01",
    # "See Also" where it helps the reader, not on every name.
    "SA01",
    # numpydoc's standard allows naming a single return value ("self :
    # SPEntropy", "X : ndarray ..."); only the validator forbids it, and the
    # house style names them.
    "RT02",
}
# Methods are exercised by their class's Examples section (fit, score, ...);
# every public class and function must carry its own.
IGNORED_FOR_METHODS = {"EX01"}

# Known failures in files the docs issue does not own, reported to their
# owners. The test tolerates exactly these codes for these names: a new error
# fails, and so does a listed one that has been fixed (delete its entry).
KNOWN_FAILURES = set()


def _is_skinfo(obj):
    return str(getattr(obj, "__module__", "")).startswith("skinfo")


def _overrides_foreign(cls, attr):
    """True when ``attr`` overrides a method of a non-skinfo base (e.g. ``nn.Module.extra_repr``)."""
    return any(attr in vars(base) and not base.__module__.startswith("skinfo") for base in cls.__mro__[1:])


def _public_objects():
    """(import path, kind) for every documented function, class and own method, once each."""
    seen = set()
    found = []
    for modname in MODULES:
        module = importlib.import_module(modname)
        for name in module.__all__:
            obj = getattr(module, name)
            if not (inspect.isclass(obj) or inspect.isfunction(obj)) or id(obj) in seen:
                continue  # modules, constants, __version__; re-exports are validated once
            seen.add(id(obj))
            path = f"{modname}.{name}"
            found.append((path, "class" if inspect.isclass(obj) else "function"))
            if not inspect.isclass(obj):
                continue
            for attr in sorted(dir(obj)):
                if attr.startswith("_"):
                    continue
                owner = next((k for k in obj.__mro__ if attr in vars(k)), None)
                value = getattr(obj, attr, None)
                # set_*_request is attached to each subclass by scikit-learn: not ours.
                if owner is None or not _is_skinfo(owner) or not _is_skinfo(value):
                    continue
                if callable(value) and not inspect.isclass(value):
                    kind = "override" if _overrides_foreign(obj, attr) else "method"
                    found.append((f"{path}.{attr}", kind))
    return found


def _errors(path, kind):
    result = numpydoc_validate.validate(path)
    ignored = IGNORED | (IGNORED_FOR_METHODS if kind in ("method", "override") else set())
    errors = [(code, message) for code, message in result["errors"] if code not in ignored]
    if kind == "override":
        # An undocumented override keeps the parent's documented contract.
        errors = [(code, message) for code, message in errors if code != "GL08"]
    return errors


PUBLIC = _public_objects()


@pytest.mark.parametrize(("path", "kind"), PUBLIC, ids=[path for path, _ in PUBLIC])
def test_docstring(path, kind):
    """numpydoc's validator reports no error outside the ignored and known codes."""
    errors = _errors(path, kind)
    known = {code for name, code in KNOWN_FAILURES if name == path}
    new = [f"{path}: {code} {text}" for code, text in errors if code not in known]
    assert not new, "\n".join(new)
    fixed = known - {code for code, _ in errors}
    assert not fixed, f"{path}: {sorted(fixed)} no longer fail; delete them from KNOWN_FAILURES"


def test_known_failures_name_public_objects():
    """Every known-failure entry names a validated object (no stale entries)."""
    paths = {path for path, _ in PUBLIC}
    listed = {name for name, _ in KNOWN_FAILURES}
    if "skinfo.torch" not in MODULES:
        listed = {name for name in listed if not name.startswith("skinfo.torch.")}
    stale = sorted(listed - paths)
    assert not stale, f"KNOWN_FAILURES names objects that are not validated: {stale}"


def _api_page_entries(text):
    """Names listed in the autosummary blocks of docs/api.rst (relative to ``skinfo``)."""
    entries = []
    in_block = False
    for line in text.splitlines():
        if line.startswith(".. autosummary::"):
            in_block = True
            continue
        if in_block:
            stripped = line.strip()
            if not stripped or stripped.startswith(":"):
                continue
            if not line.startswith("   "):
                in_block = False
                continue
            entries.append(stripped)
    return entries


def test_api_page_lists_every_public_name():
    """docs/api.rst documents every public class and function of the documented modules."""
    from pathlib import Path

    api_page = Path(__file__).resolve().parents[1] / "docs" / "api.rst"
    if not api_page.exists():
        pytest.skip("docs/api.rst is not part of this installation")
    documented = set()
    for entry in _api_page_entries(api_page.read_text(encoding="utf-8")):
        obj = importlib.import_module("skinfo")
        try:
            for part in entry.split("."):
                obj = getattr(obj, part)
        except ImportError:  # an optional extra (skinfo.torch without torch): not validated either
            continue
        documented.add(id(obj))
    listed = [path for path, kind in PUBLIC if kind in ("class", "function")]
    missing = sorted(path for path in listed if id(_resolve(path)) not in documented)
    assert not missing, f"add these to docs/api.rst: {missing}"


def _resolve(path):
    module_name, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module_name), name)
