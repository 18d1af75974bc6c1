"""What the numbers in a claim stand for: 4 is K_o, 61.5 mV is RT ln 10/F, -95 mV is E_K.

A hand calculation replaces symbols by the model's numbers, rounded. To say
which slip it holds, each number is matched with a value the model knows (a
parameter, a constant such as RT/F, a derived quantity, a ratio of two
permeabilities, the log of a concentration ratio) to within the number's own
rounding (half a unit of its last digit, and 2 %). Replacing each matched
number by its symbol turns the claim back into a formula, which the slips of
diagnose.py can read: "E_K = 61.5 mV log10(140/4)" is RT ln 10/F log10(K_i/K_o),
the ratio inverted. A number that matches nothing stays a number: -70 mV for
V_leak is just a value, and no slip is invented for it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

import mpmath
import sympy as sp

from ..constants import F, R, T, V
from ..derivation import NotApplicable
from ..units import unit_factor, unit_parts
from ._numeric import evaluate
from .dimensions import DIMENSIONLESS, Dim, of_expr, of_unit
from .parse import Literal, Written

__all__ = ["Known", "Reading", "known_numbers", "known_value", "number_text", "read_numbers", "si_scale", "to_mpf",
           "unit_scale"]

_MAX_SHARE = mpmath.mpf("0.02")  # a rounded number is within 2 % of what it stands for
_NUMBER = re.compile(r"\d*\.?(\d*)(?:[eE]([-+]?\d+))?")
_UNIT_FACTORS = (mpmath.mpf(1000), mpmath.mpf("0.001"))  # 1000 and 0.001 are unit conversions, not the model's numbers
_RATIO_KINDS = ("P_", "g_")


@dataclass(frozen=True)
class Known:
    """A value the model knows: its name, what it stands for, its SI value, dimension and display unit."""

    name: str
    expr: sp.Expr
    value: float
    dim: Dim | None
    unit: str | None  # the unit the model shows it in (None: a pure number)


@dataclass(frozen=True)
class Reading:
    """A claim read back as a formula: each matched literal replaced by what it stands for."""

    template: sp.Expr  # the claim's template with matched literals replaced (the others still placeholders)
    matched: dict[sp.Symbol, Known]  # literal symbol -> what it stands for
    unmatched: tuple[Literal, ...]  # literals that match nothing the model knows

    @property
    def formula(self) -> sp.Expr:
        """The claim as a formula: matched numbers as symbols, the others as the numbers written."""
        return self.template.xreplace({lit.symbol: lit.value for lit in self.unmatched})


def to_mpf(x) -> mpmath.mpf:
    """An exact SymPy number (or a Fraction) as an mpmath number at the working precision."""
    if isinstance(x, Fraction):
        return mpmath.mpf(x.numerator) / x.denominator
    if not isinstance(x, sp.Basic):
        return mpmath.mpf(x)
    if x.is_Rational:
        return mpmath.mpf(int(x.p)) / int(x.q)
    return mpmath.mpf(str(sp.N(x, 40)))


def si_scale(unit: str | None) -> sp.Rational:
    """SI value of one `unit` (1 for pure numbers)."""
    if unit in (None, "", "1"):
        return sp.Integer(1)
    factor = unit_factor(unit)  # type: ignore[arg-type]
    return sp.Rational(factor.numerator, factor.denominator)


def known_numbers(setting) -> list[Known]:
    """Parameters first, then constants (RT/F, RT ln 10/F), ratios, logs of ratios and derived values."""
    model, values = setting.model, setting.values
    out: list[Known] = []

    def add(name: str, expr: sp.Expr, value, dim: Dim | None, unit: str | None) -> None:
        if value is not None and value != 0:
            out.append(Known(name, expr, float(value), dim, unit))

    point = {s: mpmath.mpf(v) for s, v in setting.problem.reference.items()}
    currents = {symbol: evaluate(setting.problem.expand(definition), point)
                for symbol, definition in model.quantities if symbol.name.startswith("I_")}
    for p in model.parameters:
        if _named_by_a_current(p, values[p.symbol], model, currents):
            continue
        add(p.name, p.symbol, values[p.symbol], of_unit(p.unit), None if p.unit == "1" else p.unit)
    for p in model.parameters:  # 0.667 for 1/r (r = 1.5): only a reciprocal that no decimal writes exactly
        if p.unit == "1" and values[p.symbol] and not _terminates(1 / Fraction(repr(float(values[p.symbol])))):
            add(f"1/{p.name}", 1 / p.symbol, 1 / values[p.symbol], DIMENSIONLESS, None)
    potential = of_unit("mV")
    add("V", V, point.get(V), potential, "mV")
    rtf = R * T / F
    valences = sorted({int(ion.valence) for ion in model.ions if abs(ion.valence) != 1})
    constants = [("RT/F", rtf), ("RT ln 10/F", rtf * sp.log(10))]
    for z in valences:
        constants += [(f"RT/({z}F)", rtf / z), (f"RT ln 10/({z}F)", rtf * sp.log(10) / z)]
    for name, expr in constants:
        add(name, expr, evaluate(expr, point), potential, "mV")
    add("ln 10", sp.log(10), mpmath.log(10), DIMENSIONLESS, None)
    kinds = [p for p in model.parameters if p.name.startswith(_RATIO_KINDS)]
    for a in kinds:
        for b in kinds:
            if a is not b and a.name[:2] == b.name[:2]:
                add(f"{a.name}/{b.name}", a.symbol / b.symbol, values[a.symbol] / values[b.symbol], DIMENSIONLESS, None)
    for ion in model.ions:
        if ion.has_concentrations and ion.inside in values and ion.outside in values:
            for top, bottom in ((ion.outside, ion.inside), (ion.inside, ion.outside)):
                for log, label in ((sp.log(top / bottom), "ln"), (sp.log(top / bottom, 10), "log10")):
                    add(f"{label}({top}/{bottom})", log, evaluate(log, point), DIMENSIONLESS, None)
    derived, _ = _derived(setting)
    for quantity_id, d in derived.items():
        add(quantity_id, setting.symbol(quantity_id), d.value, of_unit(d.unit), d.unit)
    if "g_leak" in derived:  # R_m, the specific membrane resistance
        add("1/g_leak", 1 / setting.symbol("g_leak"), 1 / derived["g_leak"].value, of_unit("ohm*cm^2"), "ohm*cm^2")
    for symbol, value in currents.items():
        if symbol.name not in derived:  # a current at rest
            add(symbol.name, symbol, value, of_unit("uA/cm^2"), "uA/cm^2")
    return out


def _terminates(x: Fraction) -> bool:
    """x is a decimal with finitely many digits (its denominator has no prime factor but 2 and 5)."""
    d = x.denominator
    for prime in (2, 5):
        while d % prime == 0:
            d //= prime
    return d == 1


def _named_by_a_current(parameter, value, model, currents) -> bool:
    """A reference value (I_pump0 at T_ref) that a current at rest equals at the model's own temperature:
    a hand calculation's 0.75 uA/cm^2 stands for I_pump, the name formulas use."""
    return any(current == value and parameter.symbol in definition.free_symbols
               for (symbol, definition) in model.quantities if (current := currents.get(symbol)) is not None)


def _derived(setting):
    try:
        return setting.derivations.all()
    except (NotApplicable, ArithmeticError, ValueError):
        return {}, {}


def _rounding(lit: Literal) -> mpmath.mpf:
    """Half a unit of the last digit the number was written with (0.05 for 61.5, 0.5 for 4)."""
    m = _NUMBER.match(lit.text.lstrip("+-"))
    decimals = len(m.group(1)) if m else 0
    exponent = int(m.group(2)) if m and m.group(2) else 0
    return mpmath.mpf(10) ** (exponent - decimals) / 2


def number_text(lit: Literal) -> str:
    """The number as the user wrote it, without its unit ("61.5" of "61.5 mV")."""
    return lit.text.split(" ", 1)[0] if lit.unit is not None else lit.text


def _in_exponents(template: sp.Expr) -> set[sp.Symbol]:
    """Literals that are exponents (the 2 of x^2, the 3 of x^(3/2)): they stand for nothing. A number in an
    exponent that holds a name too may (the 10 K of Q_10^((T - T_ref)/(10 K)) is the Q10 law's dT_10)."""
    out: set[sp.Symbol] = set()
    for p in template.atoms(sp.Pow):
        if all(isinstance(s, sp.Dummy) for s in p.exp.free_symbols):
            out |= p.exp.free_symbols
    return out


def _readings(lit: Literal, known: Known, si_side: bool) -> Iterable[tuple[mpmath.mpf, sp.Expr]]:
    """(the number the literal would be, the expression to put in its place) for each way to read it."""
    if lit.unit is not None:
        if known.dim is None or known.dim == lit.dim:
            yield mpmath.mpf(known.value) / unit_scale(lit), known.expr
        return
    if not known.dim:  # a pure number: as it is
        yield mpmath.mpf(known.value), known.expr
        return
    if known.unit is not None and not unit_parts(known.unit)[1]:  # a bare number in the model's unit (4 for 4 mM
        scale = si_scale(known.unit)                               # in 4/140; none for an offset unit: degC)
        yield mpmath.mpf(known.value) / mpmath.mpf(scale.p) * scale.q, known.expr / scale
    if si_side:  # a side of numbers only is in SI units
        yield mpmath.mpf(known.value), known.expr


def unit_scale(lit: Literal) -> mpmath.mpf:
    """SI value of one unit of the literal (its value over its number)."""
    return to_mpf(lit.value) / to_mpf(lit.number) if lit.number != 0 else mpmath.mpf(1)


def match(lit: Literal, knowns: Iterable[Known], si_side: bool, prefer: set[sp.Symbol] = frozenset(),
          fits: Callable[[sp.Expr], bool] | None = None) -> tuple[Known, sp.Expr] | None:
    """What the literal stands for (and the expression for it), or None; the closest match wins. ``fits``: whether
    the claim with that expression in the number's place still adds only like to like."""
    number = to_mpf(lit.number)
    if number == 0 or (lit.unit is None and number in _UNIT_FACTORS):
        return None
    limit = _rounding(lit)
    best = None
    for known in knowns:
        for value, expr in _readings(lit, known, si_side):
            for sign in (1, -1):
                gap = abs(number - sign * value)
                if gap <= limit and gap <= _MAX_SHARE * abs(value) and (fits is None or fits(sign * expr)):
                    rank = (gap / abs(value), not (known.expr.free_symbols & prefer))
                    if best is None or rank < best[0]:
                        best = (rank, known, sign * expr)
    return None if best is None else (best[1], best[2])


def read_numbers(written: Written, knowns: Iterable[Known], prefer: set[sp.Symbol] = frozenset(),
                 target: sp.Expr | None = None, dimensions: Mapping[sp.Symbol, Dim | None] | None = None) -> Reading:
    """The claim with every number that matches a known value replaced by its symbol (see Reading). A number is
    not read as a value of what the claim writes by name: in (K_o - 4 mM) or K_o/(4 mM) the 4 mM is the number
    4 mM, not K_o, else the term cancels and a wrong formula reads as an identity; nor as the ``target``, what
    the claim is a formula for (I_K = 3.85 uA/cm^2 K_o/(20 mM) is no formula I_K = I_K K_o/(20 mM))."""
    named = {s for s in written.template.free_symbols if not isinstance(s, sp.Dummy)}
    if isinstance(target, sp.Symbol):
        named.add(target)
    knowns = [known for known in knowns if not known.expr.free_symbols & named]
    si_side = written.dim is None
    skip = _in_exponents(written.template)
    repl: dict[sp.Symbol, sp.Expr] = {}
    matched: dict[sp.Symbol, Known] = {}
    for lit in written.literals:
        fits = None if dimensions is None or lit.unit is not None else _fits(written.template, lit.symbol, dimensions)
        found = None if lit.symbol in skip else match(lit, knowns, si_side, prefer, fits)
        if found is not None:
            matched[lit.symbol], repl[lit.symbol] = found
    # Each bare number again, with the others read: the 5 of log10(5/140) fits anything beside a bare 140, but beside
    # K_i (140 mM) only a concentration (not dV_pump, 5.04 mV)
    for lit in written.literals if dimensions is not None else ():
        if lit.unit is None and lit.symbol in matched:
            others = written.template.xreplace({s: e for s, e in repl.items() if s != lit.symbol})
            found = match(lit, knowns, si_side, prefer, _fits(others, lit.symbol, dimensions))
            if found is None:
                del matched[lit.symbol], repl[lit.symbol]
            else:
                matched[lit.symbol], repl[lit.symbol] = found
    unmatched = [lit for lit in written.literals if lit.symbol not in matched]
    return Reading(written.template.xreplace(repl), matched, tuple(unmatched))


def _fits(template: sp.Expr, placeholder: sp.Symbol, dimensions: Mapping[sp.Symbol, Dim | None]):
    """expr -> whether every sum of ``template`` with expr in the bare number's place adds like to like, and every
    log and exp takes a pure number: the 4 of 4 P_Ca Ca_o beside P_K K_o is no potential (dV_pump = -4 mV), nor the
    5 of log10(5/140) (K_i's 140 mM beside it), whatever its digits."""
    def fits(expr: sp.Expr) -> bool:
        placed = template.xreplace({placeholder: expr})
        for add in placed.atoms(sp.Add):
            known = {d for d in (of_expr(term, dimensions) for term in add.args) if d is not None}
            if len(known) > 1:
                return False
        for function in placed.atoms(sp.log, sp.exp):
            if of_expr(function.args[0], dimensions) not in (None, DIMENSIONLESS):
                return False
        return True
    return fits


def known_value(value: mpmath.mpf, knowns: Iterable[Known], bare: bool = False,
                dim: Dim | None = None) -> tuple[Known, int] | None:
    """The known value (and sign) that `value` (SI; a bare number may be in the model's unit) equals to 1e-9;
    with ``dim`` (a number written with a unit), only a known of that dimension: 18.38 mV is no current."""
    knowns = [k for k in knowns if dim is None or k.dim is None or k.dim == dim]
    for sign in (1, -1):  # the same sign first: log10(K_i/K_o) rather than -log10(K_o/K_i)
        for known in knowns:
            candidates = [mpmath.mpf(known.value)]
            if bare and known.unit is not None:
                scale = si_scale(known.unit)
                candidates.append(mpmath.mpf(known.value) * scale.q / scale.p)
            if any(abs(value - sign * target) <= mpmath.mpf("1e-9") * abs(target) for target in candidates):
                return known, sign
    return None


