"""Name the usual slip when one explains why a claim is wrong.

A table of candidate transformations of the correct expression, in order;
each candidate is compared with the claim numerically on a few fixed-seed
points, and the first that matches names the slip. If no single slip
matches, pairs of slips are tried (e.g. "sign flipped + V vs mV"). Callers add
their own named alternatives, for instance the correct expression rebuilt
with chord instead of slope conductances (see `chord_and_slope`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import sympy as sp

from ..constants import g_leak
from ._definitions import substitute
from ._numeric import (
    Point,
    Range,
    close,
    evaluate,
    free_symbols,
    rel_diff,
    sample_points,
    wider,
)

__all__ = ["SLIPS", "Context", "absolute_value", "candidates", "chord_and_slope", "diagnose"]

Ranges = Mapping[sp.Symbol, Range]
_SAMPLES = 8
_RTOL = 1e-8
_MAX_TERMS = 8
_MAX_SWAPS = 36
_MAX_INNER = 40  # terms of inner sums tried one at a time
_PAIR_SECONDS = 2.0
ROUNDED_RTOL = 1e-2  # a claim this close is "right up to a rounded constant"


@dataclass(frozen=True)
class Context:
    """What the slips need to know beyond the expressions.

    valences: ion valences, symbols or numbers (default: symbols named z...);
        numbers other than +-1 stand for a valence already substituted.
    coupling: the pump coupling ratio r (default: the symbol named "r").
    alternatives: named wrong versions of the correct expression supplied by
    the caller, e.g. {"chord vs slope conductance": <expr with chord g>}.
    fixed: values substituted into every candidate after its transformation
    (a model's valences and r: "r -> 1" needs r still symbolic).
    definitions: named quantities (V_ss, E_K, g_leak) -> expressions; slips
    are looked for at every level of their expansion, so a slip is named in
    the user's terms ("the term I_pump") when it can be.
    written: the symbols the claim was written with (before fixed values are
    substituted): a fixed valence the claim never mentions was left out.
    kinds: what each symbol is (its unit dimension); two symbols of one kind
    may be swapped (P_K and P_Na). Without it: by name (P_*, g_*, X_i/X_o).
    typed: the symbols the claim was typed with, before any name is expanded;
    a swap is named only of two symbols the user typed (E_Cl's sign, not
    Cl_i and Cl_o, when the claim says E_Cl). None: any.
    """

    valences: Sequence[sp.Expr | int] | None = None
    coupling: sp.Symbol | None = None
    alternatives: Mapping[str, sp.Expr] = field(default_factory=dict)
    fixed: Mapping[sp.Symbol, sp.Expr] = field(default_factory=dict)
    definitions: Mapping[sp.Symbol, sp.Expr] = field(default_factory=dict)
    written: frozenset[sp.Symbol] | None = None
    kinds: Mapping[sp.Symbol, object] | None = None
    typed: frozenset[sp.Symbol] | None = None

    def may_swap(self, a: sp.Symbol, b: sp.Symbol) -> bool:
        return self.typed is None or (a in self.typed and b in self.typed)

    def levels(self, e: sp.Expr) -> list[sp.Expr]:
        """e, then e with definitions substituted once, twice, ... until none are left."""
        out = [e]
        for _ in range(20):
            nxt = substitute(out[-1], self.definitions)
            if nxt == out[-1]:
                break
            out.append(nxt)
        return out

    def expand(self, e: sp.Expr) -> sp.Expr:
        return self.levels(e)[-1]


# A transform yields wrong versions of an expression, optionally labelled.
Transform = Callable[[sp.Expr, Context], Iterable["sp.Expr | tuple[str, sp.Expr]"]]


def _labelled(name: str, transform: Transform, e: sp.Expr, ctx: Context) -> Iterable[tuple[str, sp.Expr]]:
    for cand in transform(e, ctx):
        yield cand if isinstance(cand, tuple) else (name, cand)


def _invert_logs(e: sp.Expr, ctx: Context) -> Iterable[sp.Expr]:
    if e.has(sp.log):
        yield e.replace(lambda x: isinstance(x, sp.log), lambda x: sp.log(1 / x.args[0]))


def _negate(e: sp.Expr, ctx: Context) -> Iterable[sp.Expr]:
    yield -e


def _flip_one_term(e: sp.Expr, ctx: Context) -> Iterable[sp.Expr]:
    """(n - 2 t)/d for each term t of the numerator n (at most 8 terms)."""
    num, den = sp.fraction(sp.together(e))
    terms = sp.Add.make_args(sp.expand(num))
    if 1 < len(terms) <= _MAX_TERMS:
        for t in terms:
            shown = sp.sstr(-t if t.could_extract_minus_sign() else t)
            label = f"sign of the term {shown} flipped" if len(shown) <= 60 else None
            yield (label, (num - 2 * t) / den) if label else (num - 2 * t) / den


def _drop_one_term(e: sp.Expr, ctx: Context) -> Iterable[sp.Expr]:
    """(n - t)/d for each term t of the numerator n: a forgotten term, shown as it is in e (-I_pump/g_leak)."""
    num, den = sp.fraction(sp.together(e))
    terms = sp.Add.make_args(sp.expand(num))
    if 1 < len(terms) <= _MAX_TERMS:
        for t in terms:
            shown = sp.sstr(t / _folded(den, ctx))
            label = f"the term {shown} is missing" if len(shown) <= 60 else None
            yield (label, (num - t) / den) if label else (num - t) / den


def _drop_one_factor(e: sp.Expr, ctx: Context) -> Iterable[sp.Expr]:
    """e without one of its factors: a forgotten factor (the pump's Q10 factor Q_10^((T - T_ref)/dT_10))."""
    factors = [f for f in sp.Mul.make_args(e)  # not a valence: "missing valence z" names that
               if not f.is_number and not any(s.name == "z" or s.name.startswith("z_") for s in f.free_symbols)]
    if 1 < len(factors) <= _MAX_TERMS:
        for f in factors:
            shown = sp.sstr(f)
            label = f"the factor {shown} is missing" if len(shown) <= 60 else None
            yield (label, e / f) if label else e / f


def _drop_inner_term(e: sp.Expr, ctx: Context) -> Iterable[tuple[str, sp.Expr]]:
    """A term left out of a sum inside the expression (P_Na Na_i in the denominator of a log's argument)."""
    count = 0
    for inner in sp.preorder_traversal(e):
        if not inner.is_Add or inner is e or not 1 < len(inner.args) <= _MAX_TERMS:
            continue
        for t in inner.args:
            count += 1
            if count > _MAX_INNER:
                return
            label = f"the term {sp.sstr(t)} is missing (from {sp.sstr(inner)})"
            yield (label if len(label) <= 100 else "one term missing"), e.xreplace({inner: inner - t})


def _drop_ion(e: sp.Expr, ctx: Context) -> Iterable[tuple[str, sp.Expr]]:
    """Every term of one ion left out (its permeability or conductance at 0): GHK's voltage without Cl is two
    terms missing, one slip."""
    for symbol in sorted(e.free_symbols, key=lambda s: s.name):
        head, sep, ion = symbol.name.partition("_")
        if sep and head in ("P", "g") and ion.isalnum():
            without = e.xreplace({symbol: 0})
            if without != e and without != 0:
                yield f"the {ion} terms are missing ({ion} left out, as if {symbol.name} = 0)", without


def _folded(e: sp.Expr, ctx: Context) -> sp.Expr:
    """e written with the name of the quantity it defines, when it is the total leak conductance."""
    if not e.is_Add:
        return e
    for name in (sp.Symbol("g_leak", real=True), g_leak):  # a model's derived id, or the library's symbol
        try:
            if name in ctx.definitions and sp.expand(ctx.definitions[name] - e) == 0:
                return name
        except ValueError:  # a model whose g_leak has no formula
            pass
    return e


def _valences(e: sp.Expr, ctx: Context) -> list[sp.Expr]:
    """Valence symbols in e, and the caller's numeric valences other than +-1."""
    if ctx.valences is None:
        return sorted((s for s in e.free_symbols if s.name.startswith("z")), key=lambda s: s.name)
    out: list[sp.Expr] = []
    for z in ctx.valences:
        z = sp.Integer(z) if isinstance(z, int) else z
        if (z.is_Symbol and z in e.free_symbols) or (z.is_Number and abs(z) != 1 and z not in out):
            out.append(z)
    return out


def _drop_valence(e: sp.Expr, ctx: Context) -> Iterable[sp.Expr | tuple[str, sp.Expr]]:
    for z in _valences(e, ctx):
        value = ctx.fixed.get(z, z) if z.is_Symbol else z
        # The correct side e transformed into the claim: z times it is RT/F where RT/(zF) is right where e divides by
        # z, else a factor z the claim has too many (2 g_Ca (V - E_Ca)); e over z is a missing factor z where e has
        # one (a current's z F P ...), else a z the claim divides by too many
        power = _power_of(z, e)
        yield e * z if power < 0 else (f"a valence too many: the claim is {z} = {value} times the correct side", e * z)
        yield e / z if power > 0 else (f"a valence too many: the claim divides the correct side by {z} = {value}",
                                       e / z)
        if value not in (1, -1):  # the z^2 of a GHK current, z^2 F^2 V/(R T)
            yield f"missing valence z^2: the factor {z}^2 = {value ** 2} was left out", e / z**2
            if power == 0:  # z^2 g_Ca (V - E_Ca): one slip, not the one above twice
                yield f"a valence too many: the claim is {z}^2 = {value ** 2} times the correct side", e * z**2


def _power_of(z: sp.Expr, e: sp.Expr) -> int:
    """The sign of z's power among e's factors: 1 (e = z x ...), -1 (e = .../z), 0 (none; z inside a term, as in
    E_Ca of g_Ca (V - E_Ca)). A number z (2 for Ca2+) is a factor of the coefficient's numerator or denominator."""
    factored = sp.factor_terms(e)
    if not z.is_Number:
        power = factored.as_powers_dict().get(z, sp.Integer(0))
        return 1 if power.is_positive else -1 if power.is_negative else 0
    numerator, denominator = sp.fraction(factored.as_coeff_Mul()[0])
    return -1 if denominator % z == 0 else 1 if numerator % z == 0 else 0


def _swap_sides(e: sp.Expr, ctx: Context) -> Iterable[tuple[str, sp.Expr]]:
    """X_i <-> X_o for one ion (e.g. chloride on the wrong side of GHK)."""
    names = {s.name: s for s in e.free_symbols}
    for name in sorted(names):
        if name.endswith("_i") and name[:-2] + "_o" in names:
            inside, outside = names[name], names[name[:-2] + "_o"]
            if ctx.may_swap(inside, outside):
                yield f"{inside} and {outside} swapped", e.xreplace({inside: outside, outside: inside})


def _kind(s: sp.Symbol, ctx: Context) -> object:
    """What a symbol is, for swaps: its dimension, else guessed from its name."""
    name = s.name
    side = name[-2:] if name.endswith(("_i", "_o")) and len(name) > 2 else ""  # K_o with Na_o, not with Cl_i
    if ctx.kinds is not None:
        kind = ctx.kinds.get(s)
        return (kind, side) if kind else None  # pure numbers (valences, r) are not swapped
    if side:
        return side
    head, sep, _ = name.partition("_")
    return head if sep and head in ("P", "g", "E", "I") else None


def _swap_same_kind(e: sp.Expr, ctx: Context) -> Iterable[tuple[str, sp.Expr]]:
    """Two symbols of the same kind exchanged (P_K and P_Na in GHK, g_K and g_Na as weights)."""
    syms = sorted((s for s in e.free_symbols if _kind(s, ctx) is not None), key=lambda s: s.name)
    pairs = [(a, b) for k, a in enumerate(syms) for b in syms[k + 1 :]
             if _kind(a, ctx) == _kind(b, ctx) and ctx.may_swap(a, b)]
    for a, b in pairs[:_MAX_SWAPS]:
        yield f"{a} and {b} swapped", e.xreplace({a: b, b: a})


def _valence_left_out(e: sp.Expr, ctx: Context) -> Iterable[tuple[str, sp.Expr]]:
    """RT/F for RT/(zF) when z is -1 or 2: a valence the claim does not mention."""
    if ctx.written is None:
        return
    for z in sorted(e.free_symbols, key=lambda s: s.name):
        value = ctx.fixed.get(z)
        if z.name.startswith("z") and value is not None and value != 1 and z not in ctx.written:
            yield f"missing valence z: {z} = {value} was left out", e.xreplace({z: sp.Integer(1)})


def _reciprocal(e: sp.Expr, ctx: Context) -> Iterable[tuple[str, sp.Expr]]:
    """One factor on the wrong side of the fraction bar, or the whole expression upside down."""
    if not (e.is_Mul or e.is_Pow or e.is_Symbol):
        return
    factors = [f for f in sp.Mul.make_args(e) if not f.is_Number]
    for f in factors if len(factors) > 1 else ():  # one factor: the whole claim is upside down
        base, exp = f.as_base_exp()
        if base.is_Number or not exp.is_Number or exp == 0:
            continue
        shown = sp.sstr(_folded(base, ctx))  # g_leak, not g_Cl + g_K + g_Na
        named = f": {shown} multiplies, it should divide" if exp < 0 else f": {shown} divides, it should multiply"
        kind = "a product where a quotient belongs" if exp < 0 else "a quotient where a product belongs"
        yield kind + (named if len(shown) <= 40 else ""), e * base ** (-2 * exp)
    yield "the reciprocal: the claim is upside down", 1 / e


def _log10(e: sp.Expr, ctx: Context) -> Iterable[sp.Expr]:
    if e.has(sp.log):
        yield e.replace(lambda x: isinstance(x, sp.log), lambda x: x / sp.log(10))


def _ln10_twice(e: sp.Expr, ctx: Context) -> Iterable[sp.Expr]:
    """61.5 mV ln(...) or 2.303 RT/F ln(...): the factor ln 10 with a natural log."""
    if e.has(sp.log):
        yield e * sp.log(10)


def _millivolts(e: sp.Expr, ctx: Context) -> Iterable[sp.Expr]:
    yield e * 1000
    yield e / 1000


def _coupling(ctx: Context, e: sp.Expr) -> sp.Symbol | None:
    if ctx.coupling is not None:
        return ctx.coupling if ctx.coupling in e.free_symbols else None
    return next((s for s in e.free_symbols if s.name == "r"), None)


def _drop_ratio(e: sp.Expr, ctx: Context) -> Iterable[sp.Expr]:
    r = _coupling(ctx, e)
    if r is not None:
        yield e.xreplace({r: sp.Integer(1)})


def _invert_ratio(e: sp.Expr, ctx: Context) -> Iterable[sp.Expr]:
    r = _coupling(ctx, e)
    if r is not None:
        yield e.xreplace({r: 1 / r})


# Order matters: the first match is reported.
SLIPS: list[tuple[str, Transform]] = [
    ("missing valence z", _valence_left_out),
    ("ratio inverted", _invert_logs),
    ("sign flipped", _negate),
    ("inside and outside swapped", _swap_sides),
    ("two symbols swapped", _swap_same_kind),
    ("sign of one term flipped", _flip_one_term),
    ("one term missing", _drop_one_term),
    ("one term missing", _drop_inner_term),
    ("one ion left out", _drop_ion),
    ("missing valence z", _drop_valence),
    ("reciprocal", _reciprocal),
    ("log10 instead of ln (the factor 2.303 = ln 10 is missing)", _log10),
    ("ln with the factor 2.303 of log10 (ln 10 counted twice)", _ln10_twice),
    ("V vs mV (factor 1000)", _millivolts),
    ("3:2 ratio dropped (r = 1)", _drop_ratio),
    ("3:2 ratio inverted (r -> 1/r)", _invert_ratio),
    ("one factor missing", _drop_one_factor),
]


def chord_and_slope(current: sp.Expr, voltage: sp.Symbol, reversal: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """(chord, slope) conductance of a current I(V): I/(V - E_rev) and dI/dV."""
    return current / (voltage - reversal), sp.diff(current, voltage)


class _Matcher:
    """Compares candidates with the claim on fixed points, caching the claim's values."""

    def __init__(self, claimed: sp.Expr, correct: sp.Expr, ranges: Ranges, extra: Iterable[sp.Expr]):
        syms = free_symbols(claimed, correct, *extra)
        self.points: list[Point] = sample_points(syms, ranges, _SAMPLES, seed=1)
        self.claimed = [evaluate(claimed, p) for p in self.points]

    def matches(self, candidate: sp.Expr, rtol: float = _RTOL) -> bool:
        hits = 0
        for p, a in zip(self.points, self.claimed):
            c = evaluate(candidate, p)
            if c is None:
                continue
            if a is None or not close(a, c, rtol):
                return False
            hits += 1
        return hits >= 2

    def worst(self, candidate: sp.Expr) -> float:
        """Largest relative difference between the claim and candidate (inf if undefined)."""
        out = 0.0
        for p, a in zip(self.points, self.claimed):
            c = evaluate(candidate, p)
            if c is None:
                continue
            out = float("inf") if a is None else max(out, rel_diff(a, c))
        return out


# The names of slips whose term or factor is too long to show: a later match that names it says more.
_GENERIC = {"sign of one term flipped", "one term missing", "one factor missing"}


def _candidates(correct: sp.Expr, ctx: Context) -> Iterable[tuple[str, sp.Expr]]:
    """(slip, unfixed candidate) for every single slip, named quantities expanded."""
    levels = ctx.levels(correct)
    found: dict[sp.Expr, str] = {}  # each wrong formula once, in the order found
    for name, transform in SLIPS:
        for level in levels:
            for label, cand in _labelled(name, transform, level, ctx):
                cand = ctx.expand(cand)
                # the same wrong formula found at two levels: its first name, unless only a later one says which
                # term or factor (g_K (V - E_K) of hh's I_K: "one term missing" deep in n_inf, "the factor n_K**4")
                if cand not in found or (found[cand] in _GENERIC and label not in _GENERIC):
                    found[cand] = label
    yield from ((label, cand) for cand, label in found.items())
    yield from ((n, ctx.expand(c)) for n, c in ctx.alternatives.items())


def candidates(correct: sp.Expr, ctx: Context) -> list[tuple[str, sp.Expr]]:
    """(slip, wrong version of correct with the context's fixed values) for every single slip."""
    fixed = dict(ctx.fixed)
    return [(name, cand.xreplace(fixed) if fixed else cand) for name, cand in _candidates(correct, ctx)]


def _combine_logs(e: sp.Expr) -> sp.Expr:
    """ln a - ln b -> ln(a/b), so that log arguments can be compared."""

    def pure(x: sp.Expr) -> bool:
        return x.is_Add and all(isinstance(t, sp.log) or isinstance(-t, sp.log) for t in x.args)

    def combine(x: sp.Expr) -> sp.Expr:
        num = [t.args[0] for t in x.args if isinstance(t, sp.log)]
        den = [(-t).args[0] for t in x.args if not isinstance(t, sp.log)]
        return sp.log(sp.Mul(*num) / sp.Mul(*den))

    return e.replace(pure, combine)


def _is_ratio_inversion(claimed: sp.Expr, correct: sp.Expr, m: _Matcher) -> bool:
    """Does some log argument of the claim equal 1/(a log argument of the correct)?"""
    mine = [x.args[0] for x in _combine_logs(claimed).atoms(sp.log)]
    theirs = [x.args[0] for x in _combine_logs(correct).atoms(sp.log)]
    return any(_same(a, 1 / b, m) for a in mine for b in theirs)


def _same(a: sp.Expr, b: sp.Expr, m: _Matcher) -> bool:
    seen = 0
    for p in m.points:
        x, y = evaluate(a, p), evaluate(b, p)
        if x is None or y is None:
            continue
        if not close(x, y, _RTOL):
            return False
        seen += 1
    return seen >= 2


def _label(name: str, claimed: sp.Expr, correct: sp.Expr, m: _Matcher) -> str:
    """The reported name; a log inversion that is a plain negation is a sign slip."""
    if name == "ratio inverted" and not _is_ratio_inversion(claimed, correct, m):
        # ln(b/a) = -ln(a/b): if the claim's logs are not inverted, the sign is.
        return "sign flipped" if m.matches(-correct) else "sign of a log term flipped"
    return name


def absolute_value(claimed: sp.Expr, correct: sp.Expr, ranges: Ranges, ctx: Context | None = None,
                   typed: sp.Expr | None = None) -> str | None:
    """|x| where x (or -x) belongs, or x where |x| does: the two agree on one side of x = 0 only (checked over ranges
    30 times wider). Both sides expanded; x is shown as typed (``typed``: the claim before its names were expanded,
    its absolute values in the same order), else in the model's names where it can be (E_K)."""
    as_typed = {}
    if typed is not None:
        mine, theirs = _absolutes(claimed), _absolutes(typed)
        as_typed = dict(zip(mine, theirs)) if len(mine) == len(theirs) else {}

    def shown(e: sp.Expr) -> str:
        return sp.sstr(_named(e, ctx) if ctx is not None else e)

    for side, other in ((claimed, correct), (correct, claimed)):
        m = _Matcher(other, side, wider(ranges), [])  # the other side's values on the wider points
        for absolute in _absolutes(side):
            x = absolute.args[0]
            for sign in (-1, 1):
                if m.matches(side.xreplace({absolute: sign * x})):
                    base = as_typed[absolute].args[0] if absolute in as_typed else x
                    inner = sp.sstr(base) if absolute in as_typed else shown(x)
                    outer, where = (inner, ">") if sign > 0 else (f"-({inner})" if base.is_Add else f"-{inner}", "<")
                    if side is claimed:
                        return (f"absolute value: |{inner}| is {outer} only where {inner} {where} 0; with {outer} in "
                                "its place the claim holds for every value")
                    return f"absolute value left out: {outer} is |{inner}| only where {inner} {where} 0"
    return None


def _absolutes(e: sp.Expr) -> list[sp.Abs]:
    """The absolute values in e, outermost and leftmost first, each once."""
    return list(dict.fromkeys(x for x in sp.preorder_traversal(e) if isinstance(x, sp.Abs)))


def _named(e: sp.Expr, ctx: Context) -> sp.Expr:
    """e with each defined quantity's expansion written as its name, the largest first (E_K for RT/F ln(K_o/K_i))."""
    expanded = [(name, ctx.expand(d).xreplace(dict(ctx.fixed))) for name, d in ctx.definitions.items()]
    for name, full in sorted(expanded, key=lambda item: -sp.count_ops(item[1])):
        if full.free_symbols and full != name:
            e = e.subs(full, name)
    return e


def _extra_valence(label: str) -> str | None:
    """The valence a slip "a valence too many: the claim is z_Cl = -1 times ..." names; else None."""
    found = re.match(r"a valence too many: the claim is (\S+) = ", label)
    return found.group(1) if found else None


def diagnose(
    claimed: sp.Expr,
    correct: sp.Expr,
    ranges: Ranges,
    context: Context | None = None,
    typed: sp.Expr | None = None,
) -> str | None:
    """Name of the slip that turns the correct expression into the claim, or None.

    claimed has the context's fixed values substituted; correct may not (they
    are substituted into each candidate after its transformation).
    """
    ctx = context or Context()
    fixed = dict(ctx.fixed)

    def fix(e: sp.Expr) -> sp.Expr:
        return e.xreplace(fixed) if fixed else e

    correct_fixed = fix(ctx.expand(correct))
    kink = absolute_value(claimed, correct_fixed, ranges, ctx, typed) \
        if claimed.has(sp.Abs) or correct_fixed.has(sp.Abs) else None
    if kink is not None:  # first: the slips below compare on physiological points, where a kink may never show
        return kink
    singles = list(_candidates(correct, ctx))
    m = _Matcher(claimed, correct_fixed, ranges, [fix(c) for _, c in singles])
    if m.matches(correct_fixed):  # the claim differs only outside those points (beyond a kink): nothing to name
        return None
    for k, (name, cand) in enumerate(singles):
        if m.matches(fix(cand)):
            label = _label(name, claimed, correct_fixed, m)
            if label == "sign of a log term flipped":  # the user's terms say it better: the sign of E_K
                term = next((n for n, c in singles[k + 1 :] if n and n.startswith("sign of the term")
                             and m.matches(fix(c))), None)
                label = term or label
            if label in _GENERIC:  # hh's h_Na left out: a term deep in m_inf matched the claim too, and first
                named = next((n for n, c in singles[k + 1 :] if n and n not in _GENERIC and m.matches(fix(c))), None)
                label = named or label
            if label == "sign flipped" and typed is not None:  # z_Cl g_Cl (V - E_Cl): the valence typed, z_Cl = -1
                typed_names = {s.name for s in typed.free_symbols}
                valence = next((n for n, c in singles[k + 1 :] if n and _extra_valence(n) in typed_names
                                and m.matches(fix(c))), None)
                label = valence or label
            return label
    inverted = _is_ratio_inversion(claimed, correct_fixed, m)
    usable = [(n, c) for n, c in singles if inverted or n != "ratio inverted"]
    deadline = time.monotonic() + _PAIR_SECONDS
    for name, cand in usable:
        if time.monotonic() > deadline:
            break  # pairs are a bonus: never make the user wait for them
        for name2, transform in SLIPS:
            if name.startswith(name2) or (name2 == "ratio inverted" and not inverted):
                continue
            for label, cand2 in _labelled(name2, transform, cand, ctx):
                if m.matches(fix(ctx.expand(cand2))):
                    return f"{name} + {label}"
    worst = m.worst(correct_fixed)
    if worst < ROUNDED_RTOL:
        return f"right only to a relative {worst:.1e}: a rounded constant, an approximation or a small term left out?"
    return None
