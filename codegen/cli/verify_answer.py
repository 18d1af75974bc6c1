"""The answer of ``vrest verify`` (codegen.cli.verify_cmd reads the arguments): the claim read from the
command line or a file of steps, checked (derive.verify), and said in words or as JSON, with its exit code.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from vrest.derive.builtin import BUILTIN_MODELS, resolve_model
from vrest.derive.derivation import NotApplicable
from vrest.derive.errors import ModelError
from vrest.derive.verify import Value, VerifyResult, setting, verify
from vrest.derive.verify.names import name_listing
from vrest.derive.verify.parse import MAX_CHARS
from vrest.derive.verify.scope import where_text

__all__ = ["answer", "exit_code"]

_MAX_FILE_BYTES = 200_000
_MAX_STEP_LINES = 500
# An argument that reads like a path, not a formula: steps.txt, ./steps, ~/notes.md, /tmp/x
_PATH_LIKE = re.compile(r"^(?:\.{1,2}/|~|/)\S*$|^[\w.~/\\-]+\.(?:txt|md|tex|text|steps)$")


def _claim_text(claim: str) -> tuple[str, bool]:
    """(text, is a file of steps): an existing file is read as steps; a path that is none is refused."""
    if not claim.strip():  # Path("") is the current folder
        raise ModelError("EXPR|EQUATION|FILE", claim, "is empty: give a formula, an equation (E_K = RT/F "
                         "ln(K_o/K_i)) or a file of steps")
    path = Path(claim)
    try:
        is_file = len(claim) < 4096 and "\n" not in claim and path.is_file()
        is_dir = not is_file and len(claim) < 4096 and "\n" not in claim and path.is_dir()
    except (OSError, ValueError):  # e.g. a NUL character: not a path, a formula
        is_file = is_dir = False
    if is_dir:
        raise ModelError("FILE", claim, "is a directory, not a file of steps")
    if not is_file and "=" not in claim and _PATH_LIKE.match(claim.strip()):
        raise ModelError("FILE", claim, "cannot be read: No such file or directory (a claim is a formula or an "
                         "equation; a file holds steps)")
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


def answer(args) -> int:
    """Check the claim of ``args``, print the answer; the exit code (ModelError for bad input)."""
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
        if example.rest_potential is not None:
            lines.append(f"    at V = {_quantity(example.rest_potential)}, the resting state of these inputs")
        claimed, correct = (f"{side} gives" for side in result.compared) if result.compared else ("claimed", "correct")
        lines.append(f"    {claimed} {_quantity(example.claimed)}, {correct} {_quantity(example.correct)}")
    if result.identity is not None:
        lines += _identity(result.identity)
    info = result.approximation
    if info:
        lines += _approximation(info, result.holds)
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


def _approximation(info: dict, holds: bool) -> list[str]:
    """The approximation's lines: what a claim that holds neglects, or the error of one that does not."""
    small, order, error = info["small"], info["order"], info.get("error_order")
    to = info.get("to", "0")
    in_what = "in it" if to == "0" else f"in 1/{small}"  # P_K -> oo: the order counts powers of 1/P_K
    part = "the neglected part" if holds else "the claim's error"
    lines = [f"  approximation: {small} -> {to}, checked to order {order} {in_what}"
             + (f"; {part} is of order {error:g}" if error is not None else "; exact: nothing is neglected")]
    if "leading_neglected_term" in info:
        leading = info.get("leading_neglected_value")
        at = f" (= {_quantity(Value(leading['value'], leading['unit']))} at the model's values)" if leading else ""
        term = "leading neglected term" if holds else "the error's leading term"
        lines.append(f"    {term}: {info['leading_neglected_term']}{at}")
    if "neglected" in info:
        neglected = info["neglected"]  # correct - claimed: an error is said the other way round
        size = _quantity(Value(neglected["value"] if holds else -neglected["value"], neglected["unit"]))
        relative = info.get("neglected_relative")
        share = f", {100 * relative:.3g}% of the correct value" if relative is not None else ""
        value = info.get("small_value")
        at = f" (with {small} = {_quantity(Value(value, info.get('small_unit')))})" if value is not None else ""
        whole = "neglected in all" if holds else "the claim's error (claimed - correct)"
        lines.append(f"    {whole} at the model's values: {size}{share}{at}")
    return lines
