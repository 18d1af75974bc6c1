"""The ``vrest`` command line: a thin layer over the library.

Each subcommand lives in its own module with ``register(subparsers)``; it sets
``run(args) -> int`` as the parser default. Exit codes: 0 success, 1 a negative
answer, 2 bad input or usage (one line on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from derive.errors import ModelError

from .. import __version__
from . import crosscheck_cmd, derive_cmd, export_cmd, generate_cmd, models_cmd, plot_cmd, simulate_cmd, verify_cmd

__all__ = ["main", "COMMANDS"]

# One module per subcommand; adding a command adds one name here.
COMMANDS = [derive_cmd, models_cmd, export_cmd, generate_cmd, plot_cmd, crosscheck_cmd, simulate_cmd, verify_cmd]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit code 2, as for every bad input
        raise ModelError("", None, f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="vrest", description="Physics of the resting membrane potential: derive, export, verify.")
    parser.add_argument("--version", action="version", version=f"vrest {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers.required = True
    for command in COMMANDS:
        command.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return int(args.run(args) or 0)
    except ModelError as error:
        print(f"vrest: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("vrest: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
