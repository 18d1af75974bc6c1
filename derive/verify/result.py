"""The result of a verification, shaped like `vrest verify --json` (docs/model-format.md).

    {"holds": bool, "method": "symbolic" | "numeric", "diagnosis": str | null,
     "counterexample": {"inputs": {...}, "claimed": {...}, "correct": {...}} | null}

Each value in a counterexample is {"value": number, "unit": str | null}; the
units come from the caller. Optional extra keys (allowed by the contract):
"line" for step chains, "detail" for a human sentence, "approximation" for
--approx / --to-order checks, "numeric" for a claim written with numbers
(tolerance, claimed and correct value at the model's values, difference,
relative_difference, exact_at, inputs_differ), "dimensions" when the claim
has the wrong unit dimension, "tolerance" (the one in effect), "notes" (how a
claim was read where a user may not expect it: "0.5 V" is half the membrane
potential), "holds_only" (always; null but for a formula that holds at rest or at the
model's values only) and "identity" for such a formula (see scope.py):

    "holds_only": "rest" | "model_values",
    "identity": {"holds": false, "condition": "V = V_ss" | null, "difference": str | null,
                 "difference_of": [str, str] | null, "diagnosis": str | null,
                 "counterexample": {...} | null, "reason": str | null}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Counterexample", "Identity", "Value", "VerifyResult"]


@dataclass(frozen=True)
class Value:
    """A number with its unit (None when dimensionless or unknown)."""

    value: float
    unit: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "unit": self.unit}


@dataclass(frozen=True)
class Counterexample:
    """Inputs where the claim and the correct expression differ, and both values."""

    inputs: dict[str, Value]
    claimed: Value | None  # None: the claim is undefined there
    correct: Value | None
    rest_potential: Value | None = None  # V there, where a side takes V at the inputs' resting state (I_K at V_ss)

    def to_json(self) -> dict[str, Any]:
        return {
            "inputs": {k: v.to_json() for k, v in self.inputs.items()},
            "claimed": self.claimed.to_json() if self.claimed else None,
            "correct": self.correct.to_json() if self.correct else None,
            "rest_potential": self.rest_potential.to_json() if self.rest_potential else None,
        }


@dataclass(frozen=True)
class Identity:
    """A formula tested as an identity (random points around the model's values, V free): how it differs.

    difference: one side minus the other (difference_of names them), where that is short
    (the right side - I_K = 0.5*g_K*(V - V_ss));
    diagnosis: the slip that explains it; counterexample: a point where it fails (for a claim that
    holds at rest: V alone, every other input at the model's values); reason: why it could not be
    tested (a value known only at the model's values).
    """

    holds: bool
    difference: str | None = None
    diagnosis: str | None = None
    counterexample: Counterexample | None = None
    reason: str | None = None
    condition: str | None = None  # where it holds: "V = V_ss" (at rest), None (at the model's values)
    difference_of: tuple[str, str] | None = None  # what difference is: (the right side, I_K) for right - I_K
    exact: bool = True  # where it holds, to rounding (a formula); False: within the tolerance (a rounded value)

    def to_json(self) -> dict[str, Any]:
        return {
            "holds": self.holds,
            "condition": self.condition,
            "difference_of": list(self.difference_of) if self.difference_of else None,
            "difference": self.difference,
            "diagnosis": self.diagnosis,
            "counterexample": self.counterexample.to_json() if self.counterexample else None,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class VerifyResult:
    """Verdict of one verification; `to_json()` is the contract's JSON object."""

    holds: bool
    method: str  # "symbolic" | "numeric"
    diagnosis: str | None = None
    counterexample: Counterexample | None = None
    line: int | None = None  # steps: line of the first wrong step
    detail: str | None = None
    approximation: dict[str, Any] | None = field(default=None)
    numeric: dict[str, Any] | None = None  # a claim with numbers: how close, and why not
    dimensions: dict[str, Any] | None = None  # the claim's and the correct dimension, when they differ
    tolerance: dict[str, Any] | None = None
    notes: tuple[str, ...] = ()  # how the claim was read, where a user may not expect it (0.5 V: V is the potential)
    # A formula that holds only at rest ("rest") or only at the model's values ("model_values"), and
    # what the test of it as an identity found (scope.py); None: it holds for every value (or is a value).
    holds_only: str | None = None
    identity: Identity | None = None
    # what the counterexample's claimed and correct values are, where not the claim and the model's quantity: a
    # chain of steps compares a line with the one before ("line 5", "line 4"); for the text answer only
    compared: tuple[str, str] | None = None

    @property
    def conditional(self) -> bool:
        """Does the claim hold, but only at rest or at the model's values (not as an identity)?"""
        return self.holds and self.holds_only is not None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "holds": self.holds,
            "method": self.method,
            "diagnosis": self.diagnosis,
            "counterexample": self.counterexample.to_json() if self.counterexample else None,
        }
        if self.line is not None:
            out["line"] = self.line
        if self.detail is not None:
            out["detail"] = self.detail
        if self.approximation is not None:
            out["approximation"] = self.approximation
        if self.numeric is not None:
            out["numeric"] = self.numeric
        if self.dimensions is not None:
            out["dimensions"] = self.dimensions
        if self.tolerance is not None:
            out["tolerance"] = self.tolerance
        if self.notes:
            out["notes"] = list(self.notes)
        out["holds_only"] = self.holds_only  # null too: a script reads it whatever the verdict
        if self.identity is not None:
            out["identity"] = self.identity.to_json()
        return out
