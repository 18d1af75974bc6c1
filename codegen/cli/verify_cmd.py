"""``vrest verify``: is a hand-derived formula, equation or chain of steps right?

    vrest verify "RT/F ln(K_o/K_i)" --against E_K [--model MODEL]
    vrest verify "dV_pump = -I_pump/g_leak"
    vrest verify steps.txt                      # one step per line, '#' comments
    vrest verify "RT/F ln(K_o/K_i)" --against V_ghk --model squid --approx "P_Na/P_K -> 0"
    vrest verify "1 + x" ... --to-order "1 in x"
    vrest verify "E_K = 61.5 mV log10(4/140)" --tolerance 0.5%
    vrest verify "-(R*T/F)*log(K_i/K_o)" --against E_K      # a claim may start with '-'

Exit codes: 0 the claim holds, 1 it does not, 2 bad input (one line on stderr).
"""

from __future__ import annotations

import json
from pathlib import Path

from vrest.derive.builtin import DEFAULT_MODEL
from vrest.derive.derivation import NotApplicable
from vrest.derive.errors import ModelError
from vrest.derive.verify import Value, VerifyResult, verify
from vrest.derive.verify.parse import MAX_CHARS
from vrest.derive.verify.tolerance import DEFAULT_TOLERANCE

_MAX_FILE_BYTES = 200_000
_MAX_STEP_LINES = 500


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
        description="Check a formula against a derived quantity (--against ID), an equation 'LHS = RHS', "
        "or a file with one step per line. Numbers may carry units (61.5 mV, 96485 C/mol, 8.314 J/(mol K), "
        "37 degC); a bare number is in SI units (volts). A claim written with numbers is checked at the "
        f"model's values within --tolerance (default {DEFAULT_TOLERANCE.text} of the correct value). "
        "Exit code 0: holds, 1: does not hold, 2: bad input.",
    )
    # The subcommand's parser is made by the shared parser class; this one also reads claims like "-RT/F ...".
    parser.__class__ = type("VerifyParser", (_ClaimsMayStartWithMinus, type(parser)), {})
    parser.add_argument("claim", metavar="EXPR|EQUATION|FILE",
                        help="a formula, an equation 'LHS = RHS', or a file of steps")
    parser.add_argument("--against", metavar="ID", help="a derived quantity id: E_K, V_ss, dV_pump, tau_m, ...")
    parser.add_argument("--model", default=DEFAULT_MODEL,
                        help=f"a built-in model name or a TOML model file (default: {DEFAULT_MODEL})")
    parser.add_argument("--approx", metavar="'EXPR -> 0'", help="check the claim in a limit, e.g. 'P_Na/P_K -> 0'")
    parser.add_argument("--to-order", metavar="'N [in SYMBOL]'", help="check the claim to order N in a small quantity")
    parser.add_argument(
        "--tolerance", metavar="TOL",
        help="how close a claim written with numbers must be at the model's values: a percentage of the correct "
        "value ('0.5%%') or an absolute value with a unit ('0.1 mV'); default "
        + DEFAULT_TOLERANCE.text.replace("%", "%%"),
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output, with the tolerance in effect")
    parser.set_defaults(run=run)


def _claim_text(claim: str) -> tuple[str, bool]:
    """(text, is a file of steps): an existing file is read as steps."""
    path = Path(claim)
    try:
        is_file = len(claim) < 4096 and "\n" not in claim and path.is_file()
    except (OSError, ValueError):  # e.g. a NUL character: not a path, a formula
        is_file = False
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
    text, steps = _claim_text(args.claim)
    if not steps and len(text) > MAX_CHARS:
        raise ModelError("EXPR", None, f"{len(text)} characters long; the limit is {MAX_CHARS}")
    try:
        result = verify(text, args.against, args.model, approx=args.approx, to_order=args.to_order, steps=steps,
                        tolerance=args.tolerance)
    except ModelError:
        raise
    except (ValueError, NotApplicable, RecursionError, OverflowError) as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        raise ModelError("verify", None, message) from None
    if args.json:
        document = {"model": args.model, **result.to_json()}
        print(json.dumps(document, indent=2))
    else:
        print(_human(result))
    return 0 if result.holds else 1


def _number(value: float) -> str:
    return f"{value:.6g}"


def _quantity(v: Value | None) -> str:
    if v is None:
        return "undefined"
    unit = "" if v.unit in (None, "1") else f" {v.unit}"
    return f"{_number(v.value)}{unit}"


def _human(result: VerifyResult) -> str:
    if result.holds:
        lines = [f"holds ({result.method})"]
    else:
        lines = ["does not hold" + (f" (line {result.line})" if result.line is not None else "")]
    if result.detail:
        lines.append(f"  {result.detail}")
    numeric = result.numeric
    if numeric and result.holds and numeric.get("claimed"):
        claimed, correct = (Value(numeric[k]["value"], numeric[k]["unit"]) for k in ("claimed", "correct"))
        lines.append(f"  claimed {_quantity(claimed)}, correct {_quantity(correct)}")
    if result.diagnosis:
        lines.append(f"  likely slip: {result.diagnosis}")
    example = result.counterexample
    if example is not None:
        inputs = ", ".join(f"{name} = {_quantity(v)}" for name, v in example.inputs.items())
        lines.append(f"  counterexample: {inputs}" if inputs else "  counterexample at the model's values:")
        lines.append(f"    claimed {_quantity(example.claimed)}, correct {_quantity(example.correct)}")
    info = result.approximation
    if info:
        order = info.get("error_order")
        lines.append(f"  approximation: {info['small']} -> 0 to order {info['order']}"
                     + (f"; the error is of order {order:g}" if order is not None else "; exact"))
        if "leading_neglected_term" in info:
            lines.append(f"    leading neglected term: {info['leading_neglected_term']}")
        if "neglected" in info:
            neglected = info["neglected"]
            size = _quantity(Value(neglected["value"], neglected["unit"]))
            small = info.get("small_value")
            small_value = Value(small, info.get("small_unit")) if small is not None else None
            at = f" (at {info['small']} = {_quantity(small_value)})" if small_value is not None else ""
            lines.append(f"    neglected at the model's values: {size}{at}")
    return "\n".join(lines)
