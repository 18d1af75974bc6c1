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
import re
from pathlib import Path

from vrest.derive.builtin import BUILTIN_MODELS, DEFAULT_MODEL, resolve_model
from vrest.derive.derivation import NotApplicable
from vrest.derive.errors import ModelError
from vrest.derive.verify import Value, VerifyResult, setting, verify
from vrest.derive.verify.names import name_listing
from vrest.derive.verify.parse import MAX_CHARS
from vrest.derive.verify.scope import where_text
from vrest.derive.verify.tolerance import DEFAULT_TOLERANCE

_MAX_FILE_BYTES = 200_000
_MAX_STEP_LINES = 500
# An argument that reads like a path, not a formula: steps.txt, ./steps, ~/notes.md, /tmp/x
_PATH_LIKE = re.compile(r"^(?:\.{1,2}/|~|/)\S*$|^[\w.~/\\-]+\.(?:txt|md|tex|text|steps)$")

_DESCRIPTION = """\
Check a formula against a derived quantity (--against ID), an equation 'LHS = RHS', or a file
of steps. Names are the model's (list them with --names): V is the membrane potential, not the
unit volt (write 'volt'); log and ln are the natural logarithm, log10 base 10. Plain text or
LaTeX (\\frac, \\ln, \\cdot, [K^+]_o, ...).

Numbers may carry units (61.5 mV, 96485 C/mol, 8.314 J/(mol K), 37 degC, 1 uF/cm^2). A number
without a unit is a pure number, except that a side written in numbers only (E_K = -0.095) is a
value in SI units (volts, seconds) of the quantity it is compared with. A claim with numbers is a
claim about this model: it holds when it is within --tolerance (default {tolerance} of the correct
value) at the model's values, with V and every steady-state quantity at the model's resting state;
the answer says how far it is. A formula (a claim with symbols, with or without numbers) must hold
for every value of its symbols: with its numbers read as what they stand for (26.7 mV as RT/F;
a number that stands for nothing, such as 0.5 or 4, is exact) it is tested at random points
around the model's values with V free. One that holds only at rest (an extra term g_K (V - V_ss))
or only at the model's values holds "at rest only" or "at the model's values only", and the
answer says how it differs elsewhere. A claim of another dimension never holds.

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
        description=_DESCRIPTION.format(tolerance=DEFAULT_TOLERANCE.text),
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
        "('0.01'); default "
        + DEFAULT_TOLERANCE.text.replace("%", "%%"),
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output, with the tolerance in effect; "
                        "a claim or model that is refused also prints {\"error\": ...} (exit code 2)")
    parser.set_defaults(run=run)


def _claim_text(claim: str) -> tuple[str, bool]:
    """(text, is a file of steps): an existing file is read as steps; a path that is none is refused."""
    path = Path(claim)
    try:
        is_file = len(claim) < 4096 and "\n" not in claim and path.is_file()
        is_dir = not is_file and len(claim) < 4096 and "\n" not in claim and path.is_dir()
    except (OSError, ValueError):  # e.g. a NUL character: not a path, a formula
        is_file = is_dir = False
    if is_dir:
        raise ModelError("FILE", claim, "is a directory, not a file of steps")
    if not is_file and "=" not in claim and _PATH_LIKE.match(claim.strip()):
        raise ModelError("FILE", claim, "no such file (a claim is a formula or an equation; a file holds steps)")
    if not is_file:
        return claim, False
    if path.stat().st_size > _MAX_FILE_BYTES:
        raise ModelError("FILE", claim, f"larger than {_MAX_FILE_BYTES} bytes")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelError("FILE", claim, f"cannot be read: {exc}") from None
    if text.count("\n") > _MAX_STEP_LINES:
        raise ModelError("FILE", claim, f"more than {_MAX_STEP_LINES} lines")
    return text, True


def run(args) -> int:
    try:
        return _run(args)
    except ModelError as error:
        if args.json:  # scripts read stdout: the same one line, as JSON; the CLI prints it on stderr too
            print(json.dumps({"model": args.model, "holds": None, "error": str(error)}, indent=2))
        raise


def _run(args) -> int:
    if args.names:
        model = resolve_model(args.model)
        print("\n".join(name_listing(setting(model))))
        return 0
    if args.claim is None:
        raise ModelError("EXPR|EQUATION|FILE", None, "missing: give a claim, or --names to list the names it may use")
    text, steps = _claim_text(args.claim)
    if not steps and len(text) > MAX_CHARS:
        raise ModelError("EXPR", None, f"{len(text)} characters long; the limit is {MAX_CHARS}")
    try:
        model = resolve_model(args.model)
        result = verify(text, args.against, model, approx=args.approx, to_order=args.to_order, steps=steps,
                        tolerance=args.tolerance)
    except ModelError:
        raise
    except (ValueError, NotApplicable, RecursionError, OverflowError) as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        if "unknown name" in message or "unknown unit or name" in message:
            message += f" (vrest verify --names --model {args.model} lists the names)"
        raise ModelError("verify", None, message) from None
    if args.json:
        document = {"model": model.name, **result.to_json()}
        if args.model not in BUILTIN_MODELS:
            document = {"model": model.name, "model_file": args.model, **result.to_json()}
        print(json.dumps(document, indent=2))
    else:
        print(_human(result))
    return exit_code(result)


def exit_code(result: VerifyResult) -> int:
    """0 holds (a formula: for every value), 3 holds at rest or at the model's values only, 1 does not hold."""
    if not result.holds:
        return 1
    return 3 if result.conditional else 0


def _number(value: float) -> str:
    return f"{value:.6g}"


def _quantity(v: Value | None) -> str:
    if v is None:
        return "undefined"
    unit = "" if v.unit in (None, "1") else f" {v.unit}"
    return f"{_number(v.value)}{unit}"


def _human(result: VerifyResult) -> str:
    if result.conditional:
        lines = [f"holds {where_text(result)}"]
    elif result.holds:
        lines = [f"holds ({result.method})"]
    else:
        lines = ["does not hold" + (f" (line {result.line})" if result.line is not None else "")]
    if result.detail:
        lines.append(f"  {result.detail}")
    numeric = result.numeric
    if numeric and result.holds and numeric.get("claimed"):
        claimed, correct = (Value(numeric[k]["value"], numeric[k]["unit"]) for k in ("claimed", "correct"))
        lines.append(f"  claimed {_quantity(claimed)}, correct {_quantity(correct)}")
    if result.diagnosis and result.diagnosis.startswith("wrong dimension:"):
        lines.append(f"  {result.diagnosis}")
    elif result.diagnosis:
        lines.append(f"  likely slip: {result.diagnosis}")
    example = result.counterexample
    if example is not None:
        inputs = ", ".join(f"{name} = {_quantity(v)}" for name, v in example.inputs.items())
        lines.append(f"  counterexample: {inputs}" if inputs else "  counterexample at the model's values:")
        lines.append(f"    claimed {_quantity(example.claimed)}, correct {_quantity(example.correct)}")
    if result.identity is not None:
        lines += _identity(result.identity)
    info = result.approximation
    if info:
        lines += _approximation(info)
    lines += [f"  note: {note}" for note in result.notes]
    return "\n".join(lines)


def _identity(identity) -> list[str]:
    """How a claim that holds at rest or at the model's values differs elsewhere."""
    if identity.reason is not None and identity.counterexample is None:
        return []  # the verdict says why it was not tested elsewhere
    lines = []
    if identity.difference is not None:
        claim, correct = identity.difference_of or ("the claim", "the correct side")
        at = f", which is 0 only at {identity.condition}" if identity.condition else ""
        lines.append(f"  elsewhere {claim} - {correct} = {identity.difference}{at}")
    elif identity.diagnosis is not None:
        lines.append(f"  as a formula, likely slip: {identity.diagnosis}")
    elif identity.reason is not None:
        lines.append(f"  {identity.reason}")
    example = identity.counterexample
    if example is not None:
        inputs = ", ".join(f"{name} = {_quantity(v)}" for name, v in example.inputs.items())
        others = " (every other input at the model's values)" if list(example.inputs) == ["V"] else ""
        lines.append(f"  counterexample: {inputs}{others}")
        lines.append(f"    claimed {_quantity(example.claimed)}, correct {_quantity(example.correct)}")
    return lines


def _approximation(info: dict) -> list[str]:
    small, order, error = info["small"], info["order"], info.get("error_order")
    lines = [f"  approximation: {small} -> {info.get('to', '0')}, checked to order {order} in it"
             + (f"; the neglected part is of order {error:g}" if error is not None else "; exact: nothing is neglected")]
    if "leading_neglected_term" in info:
        leading = info.get("leading_neglected_value")
        at = f" (= {_quantity(Value(leading['value'], leading['unit']))} at the model's values)" if leading else ""
        lines.append(f"    leading neglected term: {info['leading_neglected_term']}{at}")
    if "neglected" in info:
        neglected = info["neglected"]
        size = _quantity(Value(neglected["value"], neglected["unit"]))
        relative = info.get("neglected_relative")
        share = f", {100 * relative:.3g}% of the correct value" if relative is not None else ""
        value = info.get("small_value")
        at = f" (with {small} = {_quantity(Value(value, info.get('small_unit')))})" if value is not None else ""
        lines.append(f"    neglected in all at the model's values: {size}{share}{at}")
    return lines
