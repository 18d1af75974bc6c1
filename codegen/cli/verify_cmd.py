"""``vrest verify``: is a hand-derived formula, equation or chain of steps right?

    vrest verify "RT/F ln(K_o/K_i)" --against E_K [--model MODEL]
    vrest verify "dV_pump = -I_pump/g_leak"
    vrest verify steps.txt                      # one step per line, '#' comments
    vrest verify "RT/F ln(K_o/K_i)" --against V_ghk --model squid --approx "P_Na/P_K -> 0"
    vrest verify "1 + x" ... --to-order "1 in x"
    vrest verify "E_K = 61.5 mV log10(4/140)" --tolerance 0.5%
    vrest verify "-(R*T/F)*log(K_i/K_o)" --against E_K      # a claim may start with '-'
    vrest verify --names --model squid                       # the names a claim may use

Exit codes: 0 the claim holds (a formula: for every value of its symbols), 1 it does
not, 2 bad input (one line on stderr; with --json also {"error": ...} on stdout), 3 a
formula that holds only at rest or only at the model's values (the answer says how it
differs elsewhere).
"""

from __future__ import annotations

import argparse
import json

from vrest.derive.builtin import DEFAULT_MODEL
from vrest.derive.claim_tolerance import DEFAULT_TEXT
from vrest.derive.errors import ModelError

_DESCRIPTION = """\
Check a formula against a derived quantity (--against ID), an equation 'LHS = RHS', or a file
of steps. Names are the model's (list them with --names): V is the membrane potential, not the
unit volt (write 'volt'); log and ln are the natural logarithm, log10 base 10. Plain text or
LaTeX (\\frac, \\ln, \\cdot, [K^+]_o, ...).

Numbers may carry units (61.5 mV, 96485 C/mol, 8.314 J/(mol K), 37 degC, 1 uF/cm^2). A number
without a unit is a pure number, except that a side written in numbers only (E_K = -0.095) is a
value in SI units (volts, seconds) of the quantity it is compared with. A claim with numbers is
a claim about this model: it holds when it is within --tolerance (default {tolerance} of the
correct value) at the model's values, with V and every steady-state quantity at the model's
resting state (a gate at its steady state x_inf(V)); the answer says how far it is. A formula (a
claim with symbols, with or without numbers) must hold for every value of its symbols: with its
numbers read as what they stand for (26.7 mV as RT/F; a number that stands for nothing, such as
0.5 or 4, is exact) it is tested at random points around the model's values with V free. One
that holds only at rest (an extra term g_K (V - V_ss)) or only at the model's values holds "at
rest only" or "at the model's values only", and the answer says how it differs elsewhere. A
claim of another dimension never holds.

A file of steps holds one step per line: '#' starts a comment, blank lines are skipped, a line
that starts with '=' continues the one before ('= 26.7 mV ln(4/140)'); the first line that does
not follow is named. --approx 'EXPR -> 0' (or '-> oo') checks a formula in a limit, to the order
--to-order gives (0: the limit itself); the answer also says how large the neglected part is at
the model's values.

Exit code 0: holds (a formula: for every value of its symbols), 1: does not hold, 2: bad input,
3: holds at rest only or at the model's values only."""


class _ClaimsMayStartWithMinus:
    """An argument that starts with one '-' but is no option of this parser is a claim.

    "-(R*T/F)*log(K_i/K_o)", "-RT/F ln(K_i/K_o)": argparse would take them for
    unknown options. Arguments starting with '--' keep argparse's meaning.
    """

    def _parse_optional(self, arg_string):
        parsed = super()._parse_optional(arg_string)  # type: ignore[misc]
        if parsed is None or arg_string.startswith("--"):
            return parsed
        first = parsed[0] if isinstance(parsed, list) else parsed  # a list of tuples from Python 3.12.7 on
        return None if first[0] is None else parsed


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "verify",
        help="check a hand derivation: a formula, an equation or a file of steps",
        description=_DESCRIPTION.format(tolerance=DEFAULT_TEXT),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    # The subcommand's parser is made by the shared parser class; this one also reads claims like "-RT/F ...".
    parser.__class__ = type("VerifyParser", (_ClaimsMayStartWithMinus, type(parser)), {})
    parser.add_argument("claim", metavar="EXPR|EQUATION|FILE", nargs="?",
                        help="a formula, an equation 'LHS = RHS', or a file of steps")
    parser.add_argument("--names", action="store_true",
                        help="list the names a claim may use with the model (parameters, quantities, ids) and exit")
    parser.add_argument("--against", metavar="ID", help="a derived quantity id: E_K, V_ss, dV_pump, tau_m, ...")
    parser.add_argument("--model", default=DEFAULT_MODEL,
                        help=f"a built-in model name or a TOML model file (default: {DEFAULT_MODEL})")
    parser.add_argument("--approx", metavar="'EXPR -> 0'",
                        help="check the claim in a limit, e.g. 'P_Na/P_K -> 0' or 'P_K -> oo'")
    parser.add_argument("--to-order", metavar="'N [in SYMBOL]'", help="check the claim to order N in a small quantity")
    parser.add_argument(
        "--tolerance", metavar="TOL",
        help="how close a claim written with numbers must be at the model's values: a percentage of the correct "
        "value ('0.5%%'), an absolute value with a unit ('0.1 mV'), or a bare number for a quantity without unit "
        f"('0.01'); default {DEFAULT_TEXT.replace('%', '%%')}",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output, with the tolerance in effect; "
                        "a claim or model that is refused also prints {\"error\": ...} (exit code 2)")
    parser.set_defaults(run=run)


def run(args) -> int:
    from .verify_answer import answer  # SymPy and the model setting: not for --help

    try:
        return answer(args)
    except ModelError as error:
        if args.json:  # scripts read stdout: the same one line, as JSON; the CLI prints it on stderr too
            print(json.dumps({"model": args.model, "holds": None, "error": str(error)}, indent=2))
        raise
