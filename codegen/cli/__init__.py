"""The ``vrest`` command line: a thin layer over the library.

Each subcommand lives in its own module with ``register(subparsers)``; it sets
``run(args) -> int`` as the parser default. Exit codes: 0 success, 1 a negative
answer, 2 bad input or usage (one line on stderr, no traceback).

Command modules are imported lazily: only the one named on the command line is
imported (all of them for ``vrest --help`` or an unknown command). Each builds its
parser without SymPy, SciPy, Jinja2 or Matplotlib (~1 s of imports) and imports
what the work needs when it runs, so the help and `vrest rest` or `vrest simulate`
of a cached model file do not pay for them.
"""

from __future__ import annotations

import os

# Before NumPy loads: vrest's matrices have tens of rows, where BLAS threads only wait for each other; on a
# busy machine (a laptop at work, a Dask worker beside others) they made the rest engine's SVD 25 times slower.
for _threads in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_threads, "1")

import argparse  # noqa: E402 - after the thread counts
import difflib
import importlib
import sys
import warnings
from collections.abc import Sequence

from vrest.derive.errors import ModelError, ModelWarning, one_line

from .. import __version__
from .range_option import gather_range_values, range_spellings

__all__ = ["main", "COMMANDS", "build_parser"]

# Command name -> its module in codegen.cli; adding a command adds one entry here.
COMMANDS = {
    "derive": "derive_cmd",
    "models": "models_cmd",
    "export": "export_cmd",
    "generate": "generate_cmd",
    "plot": "plot_cmd",
    "simulate": "simulate_cmd",
    "crosscheck": "crosscheck_cmd",
    "verify": "verify_cmd",
    "rest": "rest_cmd",
    "sweep": "sweep_cmd",
    "sensitivity": "sensitivity_cmd",
}


class _Parser(argparse.ArgumentParser):
    options: Sequence[str] = ()  # the command's option strings, for a misspelled one (set by main)

    def error(self, message: str):  # one line, exit code 2, as for every bad input
        command = self.prog.removeprefix("vrest").strip()  # main() prints "vrest: error: " itself
        raise ModelError("", None, (f"{command}: {message}" if command else message) + self._closest(message))

    def _closest(self, message: str) -> str:
        """'; did you mean '--quantity'?' for an unrecognized --qantity (or -quantity); else nothing."""
        if not message.startswith("unrecognized arguments:") or not self.options:
            return ""
        rest = message.split()[2:]
        if rest[:1] == ["in"] and "--to-order" in self.options:  # --to-order 1 in I_pump: the shell split it
            return f"; --to-order's value has spaces: quote it whole, --to-order \"N {' '.join(rest)}\""
        if rest == ["-"] and "--approx" in self.options:  # --approx x -> 0: the shell took "> 0" as a redirection
            return ("; --approx's value holds '->', which the shell reads as '-' and a redirection to a file: quote it "
                    "whole, --approx \"P_Na/P_K -> 0\"")
        for word in (w.split("=")[0] for w in rest if w.startswith("-")):
            if word == "--model":  # vrest verify's option, typed for another command
                return "; the model is the command's first argument, not an option (vrest COMMAND MODEL ...)"
            if len(word.lstrip("-")) < 3:  # -t: too short to say which option was meant (not --set)
                continue
            for spelled in (word, "-" + word) if not word.startswith("--") else (word,):
                close = difflib.get_close_matches(spelled, self.options, n=1, cutoff=0.75)
                if close:
                    return f"; did you mean '{close[0]}'?"
        return ""


def _chosen(argv: Sequence[str]) -> list[str]:
    """The commands whose modules the parser needs: the one named in ``argv``, else all.

    The top-level parser has only flags (-h, --version), so the first argument not
    starting with "-" is the command.
    """
    name = next((arg for arg in argv if not arg.startswith("-")), None)
    return [name] if name in COMMANDS else list(COMMANDS)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser with the subcommands ``argv`` needs (None: every subcommand)."""
    parser = _Parser(prog="vrest", description="Physics of the resting membrane potential: derive, export, verify. "
                     "Model files, scenarios and every command's JSON: docs/model-format.md.",
                     epilog="Bad input is refused in one line, exit code 2: a value that cannot describe a cell, "
                     "with its allowed range; a value physical but unusual for a living cell is used, with a "
                     "one-line warning.")
    parser.add_argument("--version", action="version", version=f"vrest {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers.required = True
    for name in _chosen(argv) if argv is not None else COMMANDS:
        importlib.import_module(f"{__name__}.{COMMANDS[name]}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    with warnings.catch_warnings():
        warnings.simplefilter("always", ModelWarning)
        warnings.showwarning = _one_line_warnings()
        try:
            parser = build_parser(argv)
            parser.options = _command_options(parser, argv)
            args = parser.parse_args(gather_range_values(argv, range_spellings(parser.options)))
            return int(args.run(args) or 0)
        except ModelError as error:
            print(f"vrest: error: {error}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print("vrest: interrupted", file=sys.stderr)
            return 130
        except BrokenPipeError:
            return 0


def _command_options(parser: argparse.ArgumentParser, argv: Sequence[str]) -> list[str]:
    """The option strings of the command named in ``argv`` (none for an unknown command)."""
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    name = _chosen(argv)
    return list(commands[name[0]]._option_string_actions) if len(name) == 1 else []


def _one_line_warnings():
    """Every warning as one line ``vrest: warning: ...`` on stderr, each message once: vrest's own (ModelWarning)
    and a library's alike, without the source line Python would print."""
    shown: set[str] = set()

    def show_warning(message, category, filename, lineno, file=None, line=None):
        text = one_line(str(message))
        if text not in shown:
            shown.add(text)
            print(f"vrest: warning: {text}", file=sys.stderr)

    return show_warning
