"""The units of the numbers in an imported model's SI formulas, for the XML exports (CellML, SBML).

Converting a published model to SI folds its unit conversions into its numbers: Beeler-Reuter's
d[Ca]_i/dt = -1e-7 i_s + 0.07 (1e-7 - [Ca]_i) with mM and ms becomes -10 i_s + 70 (1e-4 - Cai) in SI,
where 70 is per second and 10 is mol/(m A s). Written as dimensionless numbers, the equations'
units disagreed (libcellml's analyser counted 18 places in that export). Each number here gets the
unit its place needs: in a sum, the sum's; as a product's coefficient, what the other factors
leave of it; in an exponent or a function's argument (exp, log), none. Where nothing in a place
can carry its unit (ln of a concentration, a function of V in a rate, the file's own slip of units),
a 1 of that unit stands beside it, so that every equation's units agree and its value is unchanged.
A power 7/5 is written as the double 1.4 (the one pow computes with) and a constant 19^(2/5) as
its double: unit checkers read a number as an exponent, not a quotient.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

import sympy as sp
from vrest.derive.system import TIME

from .si_units import exponents_of

__all__ = ["DIMENSIONLESS", "Dim", "with_number_units"]

Dim = tuple[Fraction, ...]  # exponents of kg, m, s, A, mol, K, cd
DIMENSIONLESS: Dim = (Fraction(0),) * 7
SECOND: Dim = exponents_of("s")


def _times(a: Dim, b: Dim, k: int = 1) -> Dim:
    return tuple(x + k * y for x, y in zip(a, b))


def _power(a: Dim, n) -> Dim:
    return tuple(x * Fraction(n) for x in a)


class _Units:
    """One formula's numbers with their units: placeholders (Dummy) -> (the number, its Dim)."""

    def __init__(self, dims: Mapping[sp.Symbol, Dim]):
        self.dims = dims
        self.numbers: dict[sp.Dummy, tuple[sp.Expr, Dim]] = {}

    def dim(self, e: sp.Expr) -> Dim | None:
        """The unit of e, or None where a number with a unit of its own decides it."""
        if e.is_number:
            return None
        if e.is_Symbol:
            return SECOND if e == TIME else self.dims.get(e)
        if isinstance(e, sp.Add):
            return next((d for d in map(self.dim, e.args) if d is not None), None)
        if isinstance(e, sp.Mul):
            coefficient, rest = e.as_coeff_Mul()
            if coefficient not in (1, -1):
                return None
            out = DIMENSIONLESS
            for factor in sp.Mul.make_args(rest):
                d = self.dim(factor)
                if d is None:
                    return None
                out = _times(out, d)
            return out
        if isinstance(e, sp.Pow):
            base = self.dim(e.base)
            return _power(base, e.exp) if base is not None and e.exp.is_Rational else None
        if isinstance(e, sp.Piecewise):
            return next((d for d in (self.dim(x) for x, _ in e.args) if d is not None), None)
        if isinstance(e, (sp.Abs, sp.Min, sp.Max)):
            return next((d for d in map(self.dim, e.args) if d is not None), None)
        if isinstance(e, sp.Function):
            return DIMENSIONLESS
        return None

    def number(self, value: sp.Expr, dim: Dim | None) -> sp.Expr:
        if dim is None or dim == DIMENSIONLESS:
            return value
        placeholder = sp.Dummy("number")
        self.numbers[placeholder] = (value, dim)
        return placeholder

    def place(self, e: sp.Expr, target: Dim | None) -> sp.Expr:
        """e with each number that needs a unit for e to have ``target`` replaced by a placeholder (a 1 of a unit
        added where nothing in e can carry it)."""
        if target is None:  # a place that asks nothing: the unit e has, else none (its numbers make it so)
            target = self.dim(e) or DIMENSIONLESS
        if e.is_Number:
            return self.number(e, target)
        if e.is_number:  # a constant that must carry a unit, or 19^(2/5) (a quotient as an exponent): its double
            if target == DIMENSIONLESS and not (isinstance(e, sp.Pow) and e.exp.is_Rational and e.exp.q not in (1, 2)):
                return e
            return self.number(sp.Float(float(e)), target)
        if e.is_Symbol or e.is_Atom:  # a symbol of another unit than its place's: times a 1 of the difference
            d = self.dim(e)
            return e if d is None or d == target else self._times_one(_times(target, d, -1), e)
        if isinstance(e, sp.Add):
            return e.func(*(self.place(t, target) for t in e.args), evaluate=False)
        if isinstance(e, sp.Mul):
            return self._product(e, target)
        if isinstance(e, sp.Pow):
            if e.exp.is_Rational:
                # 7/5 as the double 1.4 (pow computes with that double anyway): unit checkers take a number, not
                # a quotient, as an exponent; a square root stays one
                exponent = e.exp if e.exp.q in (1, 2) else sp.Float(float(e.exp))
                return e.func(self.place(e.base, _power(target, 1 / Fraction(e.exp))), exponent, evaluate=False)
            # x^m with m a symbol: x and m pure numbers, the place's unit on a 1 beside it
            return self._times_one(target, e.func(self._pure(e.base), self._pure(e.exp), evaluate=False))
        if isinstance(e, sp.Piecewise):
            return e.func(*((self.place(x, target), self._condition(c)) for x, c in e.args), evaluate=False)
        if isinstance(e, (sp.Abs, sp.Min, sp.Max)):
            return e.func(*(self.place(a, target) for a in e.args), evaluate=False)
        if isinstance(e, sp.Function):  # exp, log, exprel, ...: a pure number in, a pure number out (times a 1
            return self._times_one(target, e.func(*(self._pure(a) for a in e.args), evaluate=False))  # of its place's)
        return e

    def _times_one(self, dim: Dim, e: sp.Expr) -> sp.Expr:
        """e times a 1 of unit ``dim`` (e itself where dim is none): a place whose unit nothing in e can carry."""
        one = self.number(sp.Integer(1), dim)
        return e if one == 1 else sp.Mul(one, e, evaluate=False)

    def _pure(self, e: sp.Expr) -> sp.Expr:
        """e as a pure number: ln(Cai) of a concentration in mol/m^3 is ln(1 [m^3/mol] Cai)."""
        d = self.dim(e)
        if d is not None and d != DIMENSIONLESS:
            return self._times_one(_power(d, -1), self.place(e, d))
        return self.place(e, DIMENSIONLESS)

    def _product(self, e: sp.Mul, target: Dim) -> sp.Expr:
        coefficient, rest = e.as_coeff_Mul()
        factors = sp.Mul.make_args(rest)
        dims = [self.dim(f) for f in factors]
        unknown = [i for i, d in enumerate(dims) if d is None]
        known = DIMENSIONLESS
        for d in dims:
            known = _times(known, d) if d is not None else known
        # the coefficient takes what the factors leave (a -1 too, where they leave something: a 1 of that unit)
        coefficient_dim = DIMENSIONLESS if unknown else _times(target, known, -1)
        # factors whose numbers decide their unit: none, but one (a constant where there is one) what is left
        carrier = next((i for i in unknown if factors[i].is_number), unknown[-1] if unknown else None)
        for i in unknown:
            dims[i] = _times(target, known, -1) if i == carrier else DIMENSIONLESS
        placed = [self.place(f, d) for f, d in zip(factors, dims)]
        if coefficient == 1 and coefficient_dim == DIMENSIONLESS:  # as written: no factor 1 added
            return e.func(*placed, evaluate=False) if len(placed) > 1 else placed[0]
        return e.func(self.number(coefficient, coefficient_dim), *placed, evaluate=False)

    def _condition(self, c):
        if isinstance(c, sp.core.relational.Relational):
            d = self.dim(c.lhs) or self.dim(c.rhs)
            return c.func(self.place(c.lhs, d), self.place(c.rhs, d), evaluate=False)
        if isinstance(c, (sp.And, sp.Or, sp.Not)):
            return c.func(*(self._condition(a) for a in c.args), evaluate=False)
        return c


def with_number_units(formula: sp.Expr, target: Dim, dims: Mapping[sp.Symbol, Dim]
                      ) -> tuple[sp.Expr, dict[sp.Dummy, tuple[sp.Expr, Dim]]]:
    """(formula with placeholders for the numbers that carry a unit, placeholder -> (number, its unit)), for a
    formula whose value has the unit ``target``; ``dims`` gives each symbol's unit."""
    units = _Units(dims)
    placed = units.place(formula, target)
    return placed, units.numbers
