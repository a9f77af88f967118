"""The ``skinfo`` console script (also ``python -m skinfo``).

Each subcommand lives in its own module, which defines
``add_parser(subparsers)``: it registers the subcommand with
``subparsers.add_parser`` and sets ``func=<callable(args) -> int>`` as a
default.  Bad options exit with status 2 and a one-line message, never a
traceback.
"""

import argparse
import importlib
import sys

__all__ = ["main"]

# Modules that define add_parser(subparsers); one line per subcommand module.
_COMMAND_MODULES = (
    "skinfo.experiments._cli",
    "skinfo.experiments._compare_cli",
    "skinfo.experiments._cnn_cli",
)


class _UsageError(Exception):
    """Raised by subcommands for option values argparse cannot check."""


def build_parser():
    """The argument parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="skinfo",
        description="Information flow in noisy neural networks (Goldfeld et al., ICML 2019).",
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"skinfo {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in _COMMAND_MODULES:
        importlib.import_module(module_name).add_parser(subparsers)
    return parser


def main(argv=None):
    """Run the console script; returns the exit status."""
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
    try:
        return int(args.func(args) or 0)
    except (ValueError, TypeError, _UsageError) as exc:
        print(f"skinfo {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


UsageError = _UsageError
