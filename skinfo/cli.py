"""The ``skinfo`` console script (also ``python -m skinfo``).

Each subcommand lives in its own module, which defines
``add_parser(subparsers)``: it registers the subcommand with
``subparsers.add_parser`` and sets ``func=<callable(args) -> int>`` as a
default. The option types, the atomic output folder and the error policy
they share are in :mod:`skinfo.experiments._cli_common` (read its docstring
before adding a subcommand). Every failure is one line on stderr: exit 2 for
usage errors, 1 for run-time errors, 130 for Ctrl-C; never a traceback
(set ``SKINFO_TRACEBACK=1`` to see one).
"""

import argparse
import importlib
import os
import warnings

__all__ = ["main"]

# Modules that define add_parser(subparsers); one line per subcommand module.
_COMMAND_MODULES = (
    "skinfo.experiments._cli",
    "skinfo.experiments._compare_cli",
    "skinfo.experiments._cnn_cli",
)


class _OneLineParser(argparse.ArgumentParser):
    """argparse with a one-line error (usage stays available through --help)."""

    def error(self, message):
        from .experiments._cli_common import report

        report(self.prog.removeprefix("skinfo").strip(), "error", f"{message} (see {self.prog} --help)")
        self.exit(2)


def build_parser():
    """The argument parser with every registered subcommand."""
    parser = _OneLineParser(
        prog="skinfo",
        description="Information flow in noisy neural networks (Goldfeld et al., ICML 2019).",
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"skinfo {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in _COMMAND_MODULES:
        importlib.import_module(module_name).add_parser(subparsers)
    return parser


def _one_line_warning(command):
    from .experiments._cli_common import report

    def show(message, category, filename, lineno, file=None, line=None):
        report(command, "warning", f"{message} ({category.__name__})")

    return show


def main(argv=None):
    """Run the console script; returns the exit status."""
    from .experiments._cli_common import RunError, UsageError, report

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        # argparse has printed usage and the error (or --help); hand back its status
        # so in-process callers get a return value, as for every other outcome.
        return 0 if exc.code is None else int(exc.code) if isinstance(exc.code, int) else 2
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    command = args.command
    with warnings.catch_warnings():
        warnings.showwarning = _one_line_warning(command)
        try:
            return int(args.func(args) or 0)
        except KeyboardInterrupt:
            report(command, "error", "interrupted")
            return 130
        except (UsageError, ValueError, TypeError) as exc:
            if os.environ.get("SKINFO_TRACEBACK"):
                raise
            report(command, "error", exc)
            return 2
        except RunError as exc:
            report(command, "error", exc)
            return 1
        except MemoryError:
            report(
                command,
                "error",
                "out of memory; ask for less (fewer replicas, Monte Carlo draws, samples or checkpoints)",
            )
            return 1
        except OSError as exc:
            if os.environ.get("SKINFO_TRACEBACK"):
                raise
            where = f" ({exc.filename})" if exc.filename else ""
            report(command, "error", f"{exc.strerror or exc}{where}")
            return 1
        except Exception as exc:  # noqa: BLE001 - the CLI promises one line, never a traceback
            if os.environ.get("SKINFO_TRACEBACK"):
                raise
            report(command, "error", f"{type(exc).__name__}: {exc} (set SKINFO_TRACEBACK=1 for details)")
            return 1
