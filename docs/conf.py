"""Sphinx configuration of the skinfo documentation.

Build (warnings are errors, as in CI and the ``docs`` tox env)::

    sphinx-build -W --keep-going -b html docs docs/_build/html

Environment variables:

``SKINFO_DOCS_OFFLINE``
    ``1`` turns intersphinx off, ``0`` forces it on; unset, it is on only when
    numpy.org answers within a few seconds.  Offline builds must still pass
    with ``-W``, and intersphinx's "failed to reach any of the inventories"
    warning carries no warning type, so ``suppress_warnings`` cannot silence
    it: the only clean way is not to ask.
``SKINFO_DOCS_GALLERY``
    ``0`` renders the gallery without running the examples (a quick text-only
    build); anything else runs them.
"""

import importlib.util
import os
import re
import socket
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
# The repository, not an installed copy, is documented (the tests run the same way).
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(DOCS / "sphinxext"))

import skinfo  # noqa: E402

project = "skinfo"
author = "skinfo developers"
copyright = "skinfo developers, BSD-3-Clause"  # noqa: A001 (Sphinx's name)
release = skinfo.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

exclude_patterns = [
    "_build",
    "Thumbs.db",
    ".DS_Store",
    "**.ipynb_checkpoints",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
    "auto_examples/*.json",
]
templates_path = ["_templates"]
root_doc = "index"
# Single backticks in docstrings mean code, as in scikit-learn.
default_role = "literal"

# --- API reference ---------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"inherited-members": False}
# numpydoc renders the member tables itself; autosummary's class template
# lists the public methods, so numpydoc's own member list would repeat them
# (and link to pages that do not exist).
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
# The docstring test (tests/test_docstrings.py) is the validator; the build
# does not repeat it.
numpydoc_validation_checks = set()


def _own_methods():
    """Public methods skinfo itself defines, per documented class.

    The class pages list these only: inherited scikit-learn and PyTorch
    methods (``get_params``, ``set_fit_request``, ``nn.Module.apply`` ...)
    are documented by their projects, and their docstrings cross-reference
    labels that exist only in those projects' docs.
    """
    import importlib
    import inspect

    modules = [
        "skinfo",
        "skinfo.mutual_info",
        "skinfo.entropy",
        "skinfo.cluster",
        "skinfo.networks",
        "skinfo.experiments",
        "skinfo.datasets",
        "skinfo.plotting",
        "skinfo.testing",
    ]
    if HAVE_TORCH:
        modules.append("skinfo.torch")
    own = {}
    for modname in modules:
        module = importlib.import_module(modname)
        for name in module.__all__:
            cls = getattr(module, name)
            if not inspect.isclass(cls):
                continue
            methods = []
            for attr in dir(cls):
                if attr.startswith("_"):
                    continue
                owner = next((k for k in cls.__mro__ if attr in vars(k)), None)
                if owner is None or not owner.__module__.startswith("skinfo"):
                    continue
                value = getattr(cls, attr, None)
                # scikit-learn attaches set_*_request to every subclass: owned by
                # the subclass, written by scikit-learn.
                if not str(getattr(value, "__module__", "")).startswith("skinfo"):
                    continue
                if callable(value) and not inspect.isclass(value):
                    methods.append(attr)
            own[f"{modname}.{name}"] = methods
    return own


def _importable(name):
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


HAVE_TORCH = _importable("torch")
HAVE_DISTRIBUTED = _importable("distributed")
if not HAVE_TORCH:
    # skinfo.torch documents PyTorch classes; without PyTorch autodoc imports
    # it against a mock so the API page still builds (the docs extra does not
    # pull in a 200 MB wheel).
    autodoc_mock_imports = ["torch"]

autosummary_context = {"skinfo_methods": _own_methods()}

# --- intersphinx -----------------------------------------------------------


def _online(host="numpy.org", port=443, timeout=3.0):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


_offline_flag = os.environ.get("SKINFO_DOCS_OFFLINE")
if _offline_flag is None:
    USE_INTERSPHINX = _online()
else:
    USE_INTERSPHINX = _offline_flag.strip() in {"0", "", "false", "no"}

intersphinx_timeout = 10
intersphinx_mapping = (
    {
        "python": ("https://docs.python.org/3", None),
        "numpy": ("https://numpy.org/doc/stable/", None),
        "scipy": ("https://docs.scipy.org/doc/scipy/", None),
        "sklearn": ("https://scikit-learn.org/stable/", None),
        "matplotlib": ("https://matplotlib.org/stable/", None),
        "joblib": ("https://joblib.readthedocs.io/en/stable/", None),
    }
    if USE_INTERSPHINX
    else {}
)

# --- gallery ---------------------------------------------------------------


def _needs(path, modules):
    """True when an example imports one of ``modules`` (at top level or via skinfo)."""
    text = path.read_text(encoding="utf-8")
    return any(re.search(rf"^\s*(import|from)\s+{re.escape(m)}\b", text, re.MULTILINE) for m in modules)


def _runnable_examples():
    """Names of the examples whose optional dependencies are installed.

    Examples needing PyTorch (``import torch`` / ``skinfo.torch``) or
    dask.distributed are still rendered without them, but not executed:
    sphinx-gallery runs only files matching ``filename_pattern``, so the
    pattern lists the runnable ones and a build without the extras passes.
    """
    runnable = []
    for path in sorted((ROOT / "examples").glob("plot_*.py")):
        if not HAVE_TORCH and _needs(path, ["torch", "skinfo.torch"]):
            continue
        if not HAVE_DISTRIBUTED and _needs(path, ["distributed", "dask"]):
            continue
        runnable.append(path.name)
    return runnable


_RUNNABLE = _runnable_examples()
sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": "/(" + "|".join(re.escape(name) for name in _RUNNABLE) + ")$" if _RUNNABLE else "^$",
    "plot_gallery": "False" if os.environ.get("SKINFO_DOCS_GALLERY", "1").strip() == "0" else "True",
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "remove_config_comments": True,
    # skinfo.plotting returns pyplot-free Figures, which the matplotlib scraper
    # cannot see; skinfo_gallery's scraper shows them (it runs first so it can
    # tell them from pyplot's).
    "image_scrapers": ("skinfo_gallery.figure_scraper", "matplotlib"),
    "matplotlib_animations": False,
    # An example that raises must fail the build, not become a red box.
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
    "show_memory": False,
    "min_reported_time": 1,
}

# --- HTML ------------------------------------------------------------------
if importlib.util.find_spec("pydata_sphinx_theme") is not None:
    html_theme = "pydata_sphinx_theme"
    html_theme_options = {
        "navigation_depth": 2,
        "show_toc_level": 2,
        "secondary_sidebar_items": ["page-toc"],
    }
else:  # the built-in theme keeps a minimal install working
    html_theme = "alabaster"
html_title = f"skinfo {release}"
html_static_path = []
html_show_sourcelink = False

os.environ.setdefault("MPLBACKEND", "Agg")
