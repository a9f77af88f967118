"""What every ``skinfo`` subcommand shares: option types, the output folder, errors.

A subcommand module (``_cli.py``, ``_compare_cli.py``, a new ``_cnn_cli.py``)
defines ``add_parser(subparsers)`` and is listed in ``skinfo.cli``; it builds
its options from the pieces below and writes its files through
:func:`output_folder`, so every subcommand checks, fails and writes alike::

    from ._cli_common import add_common_options, output_folder, positive_int

    def add_parser(subparsers):
        parser = subparsers.add_parser("cnn", help="...")
        parser.add_argument("--epochs", type=positive_int(maximum=10**6), default=10)
        add_common_options(parser, default_out="skinfo-cnn")   # --out, --overwrite, --seed, --n-jobs
        parser.set_defaults(func=run)

    def run(args):
        with output_folder(args) as out:      # checked before the work starts
            result = ...                      # the long computation
            result.to_csv(out / "cnn.csv")    # files land in a temporary sibling folder
        return 0                              # ... and appear in --out together

Option types
    :func:`positive_int`, :func:`positive_float`, :func:`non_negative_float`,
    :func:`finite_float`, :func:`scale` (a noise std or bandwidth, within
    :data:`skinfo.utils.validation.SCALE_RANGE`), :func:`n_jobs`,
    :func:`seed` and :func:`comma_list` turn the option text into a value or
    raise ``argparse.ArgumentTypeError``; argparse then prints one usage line
    and exits 2.

Errors and exit status (applied by ``skinfo.cli.main`` around ``func``)
    2, usage: bad option values, :class:`UsageError`, and ``ValueError`` /
    ``TypeError`` raised while checking arguments; 1, run-time: ``OSError``
    (for example "cannot write to DIR: Read-only file system"),
    ``MemoryError`` and anything unexpected; 130: Ctrl-C. Each is one line
    on stderr, ``skinfo COMMAND: error: ...``; no traceback unless the
    environment variable ``SKINFO_TRACEBACK`` is set. Warnings are printed
    as one line each, ``skinfo COMMAND: warning: ...``.

Output folder
    :func:`output_folder` writes a run's files into a temporary sibling of
    ``--out`` and moves the folder into place when the block succeeds, so a
    run's files appear together or not at all (an interrupted run leaves
    ``--out`` as it was). An ``--out`` that already holds files is refused
    (exit 2) unless ``--overwrite`` is given, and then only if it is a
    folder written by ``skinfo`` (it holds :data:`MANIFEST`), so
    ``--overwrite`` never deletes files skinfo did not write.
"""

import argparse
import contextlib
import errno
import json
import math
import os
import shutil
import sys
import tempfile
from pathlib import Path

from ..utils.validation import SCALE_RANGE

__all__ = [
    "MANIFEST",
    "RunError",
    "UsageError",
    "add_common_options",
    "comma_list",
    "finite_float",
    "n_jobs",
    "non_negative_float",
    "output_folder",
    "positive_float",
    "positive_int",
    "scale",
    "seed",
]

MANIFEST = "skinfo_run.json"
"""Written into every output folder: the command, its options and the files."""


class UsageError(Exception):
    """A bad combination of options that argparse cannot check alone (exit 2)."""


class RunError(Exception):
    """A run-time failure with a message meant for the user (exit 1)."""


# --------------------------------------------------------------- option types


def _number(text, kind, what):
    try:
        return kind(text)
    except (ValueError, OverflowError):
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None


def positive_int(maximum=None):
    """Type for an integer >= 1 (and <= ``maximum``), e.g. ``--n-mc``."""

    def parse(text):
        value = _number(text, int, "a positive integer")
        if value < 1:
            raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"expected a positive integer <= {maximum}, got {text!r}")
        return value

    parse.__name__ = "positive integer"
    return parse


def _float(text, what):
    value = _number(text, float, what)
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
    return value


def finite_float(text):
    """Type for any finite number, e.g. ``--bias``."""
    return _float(text, "a finite number")


def positive_float(text):
    """Type for a finite number > 0, e.g. ``--learning-rate``."""
    value = _float(text, "a positive number")
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def non_negative_float(text):
    """Type for a finite number >= 0, e.g. ``--orthonormal``."""
    value = _float(text, "a number >= 0")
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return value


def scale(text):
    """Type for a noise std or bandwidth: a positive number in ``SCALE_RANGE``."""
    value = positive_float(text)
    low, high = SCALE_RANGE
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"expected a positive number in [{low:g}, {high:g}], got {text!r}")
    return value


def n_jobs(text):
    """Type for ``--n-jobs``: a non-zero integer, -1 for all cores."""
    value = _number(text, int, "a non-zero integer")
    if value == 0:
        raise argparse.ArgumentTypeError("expected a non-zero integer (-1 for all cores), got 0")
    return value


def seed(text):
    """Type for ``--seed``: an integer in [0, 2**32 - 1] (NumPy's seed range)."""
    value = _number(text, int, "an integer seed")
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"expected an integer seed in [0, 2**32 - 1], got {text!r}")
    return value


def comma_list(item_type, example, *, max_items=1000):
    """Type for a comma-separated list, each item parsed by ``item_type``."""

    def parse(text):
        parts = [part.strip() for part in text.split(",") if part.strip()]
        if not parts:
            raise argparse.ArgumentTypeError(
                f"expected comma-separated values such as {example}, got {text!r}"
            )
        if len(parts) > max_items:
            raise argparse.ArgumentTypeError(f"expected at most {max_items} values, got {len(parts)}")
        try:
            return tuple(item_type(part) for part in parts)
        except argparse.ArgumentTypeError as exc:
            raise argparse.ArgumentTypeError(
                f"expected comma-separated values such as {example}, got {text!r} ({exc})"
            ) from None

    parse.__name__ = "comma-separated list"
    return parse


def add_common_options(
    parser, *, default_out, n_jobs_default=1, n_jobs_help="parallel jobs (default: %(default)s)"
):
    """Add ``--out``, ``--overwrite``, ``--seed`` and ``--n-jobs`` to a subcommand."""
    parser.add_argument("--out", default=default_out, help="output folder (default: %(default)s)")
    parser.add_argument(
        "--overwrite", action="store_true", help="replace the results of an earlier run in --out"
    )
    parser.add_argument("--seed", type=seed, default=0, help="random seed (default: %(default)s)")
    parser.add_argument("--n-jobs", type=n_jobs, default=n_jobs_default, help=n_jobs_help)


# -------------------------------------------------------------- output folder


def _cannot_write(path, exc):
    reason = exc.strerror or str(exc)
    return RunError(f"cannot write to {path}: {reason[:1].lower() + reason[1:]}")


def _check_out(out, overwrite):
    """Refuse a bad --out before any work is done; returns True when it holds results."""
    if out.is_symlink() and not out.exists():
        raise UsageError(f"--out {out} is a broken symbolic link.")
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} exists and is not a directory.")
    if not out.exists():
        for parent in out.parents:
            if parent.exists():
                if not parent.is_dir():
                    raise UsageError(f"--out {out}: {parent} is a file, not a directory.")
                break
        return False
    try:
        entries = sorted(p.name for p in out.iterdir())
    except OSError as exc:
        raise _cannot_write(out, exc) from None
    if not entries:
        return False
    if not overwrite:
        raise UsageError(
            f"--out {out} already holds {len(entries)} file(s) ({', '.join(entries[:3])}"
            f"{', ...' if len(entries) > 3 else ''}); pass --overwrite to replace an earlier run, "
            f"or choose another folder."
        )
    if MANIFEST not in entries:
        raise UsageError(
            f"--out {out} holds files that skinfo did not write (no {MANIFEST}); --overwrite only "
            f"replaces an earlier skinfo run. Choose another folder."
        )
    return True


@contextlib.contextmanager
def output_folder(args, *, out=None):
    """Write a run's files atomically into ``args.out``.

    Checks ``--out`` on entry (before the work inside the block), yields a
    temporary sibling folder to write into, and on success moves it into
    place (replacing an earlier run when ``args.overwrite``) together with
    :data:`MANIFEST`. On any failure or Ctrl-C the temporary folder is
    removed and ``--out`` is left as it was.

    Parameters
    ----------
    args : argparse.Namespace
        Needs ``out``, ``overwrite`` and ``command``; every other attribute
        that is a plain value is recorded in the manifest.
    out : str or Path, default=None
        Folder to use instead of ``args.out``.

    Yields
    ------
    Path
        The temporary folder; write the run's files into it.
    """
    out = Path(args.out if out is None else out).expanduser()
    replace = _check_out(out, getattr(args, "overwrite", False))
    parent = out.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=parent))
    except OSError as exc:
        raise _cannot_write(out, exc) from None
    try:
        yield staging
        _write_manifest(staging, args)
        _move_into_place(staging, out, replace)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _write_manifest(folder, args):
    from .. import __version__

    options = {
        key: value
        for key, value in sorted(vars(args).items())
        if key != "func" and (value is None or isinstance(value, (bool, int, float, str)))
    }
    for key, value in vars(args).items():
        if isinstance(value, (list, tuple)):
            options[key] = list(value)
    manifest = {
        "command": getattr(args, "command", None),
        "skinfo_version": __version__,
        "options": options,
        "files": sorted(p.name for p in folder.iterdir()),
    }
    try:
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, allow_nan=False))
    except OSError as exc:
        raise _cannot_write(folder, exc) from None


def _move_into_place(staging, out, replace):
    try:
        if replace:
            previous = Path(tempfile.mkdtemp(prefix=f".{out.name}.previous-", dir=staging.parent))
            previous.rmdir()
            os.replace(out, previous)
            try:
                os.replace(staging, out)
            except OSError:
                os.replace(previous, out)
                raise
            shutil.rmtree(previous, ignore_errors=True)
            return
        if out.exists():
            out.rmdir()  # empty (checked on entry); a file written since then makes this fail
        os.replace(staging, out)
    except OSError as exc:
        if exc.errno in (errno.ENOTEMPTY, errno.EEXIST):
            raise RunError(f"cannot write to {out}: another process wrote into it during the run") from None
        raise _cannot_write(out, exc) from None


# ---------------------------------------------------------------- reporting


def report(command, kind, message):
    """Print one line ``skinfo COMMAND: KIND: message`` to stderr."""
    text = " ".join(str(message).split())
    print(f"skinfo {command}: {kind}: {text}" if command else f"skinfo: {kind}: {text}", file=sys.stderr)
