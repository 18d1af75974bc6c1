"""Every step of every derivation follows from the one before, and the last one is the result.

A step states what it uses besides the step before (``Step.given``):
substitutions ``symbol = expression`` and, where a derivation combines two
conditions, further conditions. Step i+1 follows from step i when, after
substituting step i+1's relations into both (nothing else is expanded):
- symbolically: the residuals lhs - rhs differ by 0, or by a factor free of the
  derived symbol, or one's solution for the derived symbol makes the other
  simplify to 0 (or step i+1 is one of the stated conditions);
- numerically, always: both residuals, as functions of the derived symbol with
  every other symbol at the model's values (and at the derivation's ``at``
  point), have the same root (mpmath, 40 digits), or both vanish at the
  derivation's point; stated conditions vanish there too.
The last step is the result: its right side equals the closed form, or the
equation ``expression = 0`` of a numeric root follows from it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re

import mpmath
import pytest
import sympy as sp
from conftest import SEED_PUMP_MODEL, toml_dumps
from test_channels import BISTABLE
from test_donnan import KCL, bath_model
from test_pump_max import SALT_ONLY
from test_pumpleak import KEENER_SNEYD

from vrest.derive.builtin import BUILTIN_MODELS, resolve_model
from vrest.derive.constants import F, R, T, V
from vrest.derive.derivation import Derivation, NotApplicable
from vrest.derive.errors import ModelWarning
from vrest.derive.functions import exprel, exprel_prime
from vrest.derive.modelfile import load_model, model_from_dict
from vrest.derive.derivations.ouabain import ouabain_report
from vrest.derive.quantities import derive_all

mpmath.mp.dps = 40

USER_MODELS = {
    "seed_pump": SEED_PUMP_MODEL,
    "mixed_leaks_saturating_pump": {
        "model": {"name": "mixed", "temperature": "20 degC"},
        "membrane": {"capacitance": "1 uF/cm^2"},
        "ions": {
            "K": {"valence": 1, "inside": "140 mM", "outside": "5 mM", "permeability": "1e-6 cm/s"},
            "Na": {"valence": 1, "inside": "10 mM", "outside": "145 mM", "conductance": "0.02 mS/cm^2"},
            "Ca": {"valence": 2, "inside": "0.0001 mM", "outside": "2 mM", "permeability": "1e-9 cm/s"},
        },
        "pump": {"max_current": "1 uA/cm^2", "K_half_Na": "10 mM", "K_half_K": "1.5 mM",
                 "stoichiometry": {"Na": 3, "K": -2}},
    },
    "ghk_no_pump": {
        "model": {"name": "ghk_no_pump", "temperature": "25 degC"},
        "membrane": {"capacitance": "1 uF/cm^2"},
        "ions": {
            "K": {"valence": 1, "inside": "120 mM", "outside": "4 mM", "permeability": "2e-6 cm/s"},
            "Na": {"valence": 1, "inside": "15 mM", "outside": "140 mM", "permeability": "1e-7 cm/s"},
        },
    },
    "ghk_fixed_volume": {
        "model": {"name": "ghk_fixed_volume", "temperature": "37 degC"},
        "membrane": {"capacitance": "1 uF/cm^2", "area": "1000 um^2", "volume": "2000 um^3"},
        "ions": {
            "K": {"valence": 1, "inside": "140 mM", "outside": "4 mM", "permeability": "1e-6 cm/s"},
            "Na": {"valence": 1, "inside": "12 mM", "outside": "145 mM", "permeability": "3e-8 cm/s"},
        },
        "pump": {"current": "0.5 uA/cm^2", "stoichiometry": {"Na": 3, "K": -2}},
    },
    # Donnan: KCl 100 mM bath, impermeant anion 50 mM, 25 C, z = -1 and z = -2; a permeant Ca2+
    # (numeric Donnan ratio); Keener & Sneyd's pump-leak model (pump_max).
    "donnan_kcl": bath_model(KCL),
    "donnan_divalent_impermeant": bath_model(KCL, valence=-2),
    "donnan_permeant_ca": bath_model({**KCL, "Cl": (-1, "50 mM", "104 mM"), "Ca": (2, "0.0001 mM", "2 mM")}),
    "keener_sneyd": KEENER_SNEYD,
    # A constant pump with GHK leaks: pump_max where Na_i reaches 0 (the impermeant concentration stays positive).
    "constant_pump_ghk_salt_bath": SALT_ONLY,
    # Gated channels with three resting states: an inward rectifier (open fraction) and a persistent Na current.
    "bistable_channels": BISTABLE,
}


def _exprel_to_exp(expr: sp.Expr) -> sp.Expr:
    x = sp.Wild("x")
    expr = expr.replace(exprel(x), (sp.exp(x) - 1) / x)
    return expr.replace(exprel_prime(x), (x * sp.exp(x) - sp.exp(x) + 1) / x ** 2)


def _substitutions(given) -> tuple[dict, list]:
    """(symbol -> expression, other conditions) of a step's stated relations."""
    subs = {g.lhs: g.rhs for g in given if isinstance(g.lhs, sp.Symbol)}
    return subs, [g for g in given if not isinstance(g.lhs, sp.Symbol)]


def _substitute(expr: sp.Expr, subs: dict) -> sp.Expr:
    for _ in range(8):  # a relation may use another (I_K uses E_K)
        new = sp.sympify(expr).xreplace(subs)
        if new == expr:
            break
        expr = new
    return expr.doit()


class Checker:
    """Compares consecutive steps of one derivation of one model, using only what each step states."""

    def __init__(self, model, derivation: Derivation, named: dict[str, float] | None = None) -> None:
        self.model, self.derivation = model, derivation
        self.named = named or {}  # where a step leaves a derived quantity (E_K, g_leak, r_D) free: its value
        self.at = dict(derivation.at)
        last = derivation.steps[-1].equation
        if isinstance(last.lhs, sp.Symbol):
            self.unknown = last.lhs
        else:
            free = (last.lhs - last.rhs).free_symbols - set(model.values)
            self.unknown = V if V in free else next(iter(free))
        self.values = {**model.values, **{k: sp.Float(v, 30) for k, v in self.at.items()}}
        self.values.pop(self.unknown, None)  # Vol is a parameter, and the unknown of the steady volume
        self.start = mpmath.mpf(self.at.get(self.unknown, derivation.value))
        # The unknown's natural size: R T/F for a potential, else its value at the result.
        thermal = sp.N((R * T / F).xreplace(model.values), 30)
        self.scale = mpmath.mpf(str(thermal)) if self.unknown == V else (abs(self.start) or mpmath.mpf(1))

    def residual(self, equation: sp.Eq, subs: dict) -> sp.Expr:
        return _substitute(equation.lhs - equation.rhs, subs)

    def _fixed(self, expr: sp.Expr, with_unknown: bool = False) -> sp.Expr:
        expr = _exprel_to_exp(expr)
        values = dict(self.values)
        for symbol in expr.free_symbols - set(values) - {self.unknown}:  # symbols the step leaves free
            if symbol.name in self.named:
                values[symbol] = sp.Float(self.named[symbol.name], 30)
            else:
                values[symbol] = sp.Rational(-37, 100) if symbol.is_negative else sp.Rational(37, 100)
        if with_unknown:
            values[self.unknown] = sp.Float(mpmath.nstr(self.start, 40), 40)
        return expr.xreplace(values)

    def root(self, residual: sp.Expr) -> mpmath.mpf:
        """The root in the unknown near its value at the result, found in units of its natural size."""
        y = sp.Dummy("y")
        scaled = self._fixed(residual).xreplace({self.unknown: sp.Float(mpmath.nstr(self.scale, 40), 40) * y})
        f = sp.lambdify(y, scaled, modules="mpmath")
        start = self.start / self.scale
        x = mpmath.findroot(f, start, tol=mpmath.mpf(10) ** -30)
        size = 1 + abs(f(start * mpmath.mpf("1.001") + mpmath.mpf(10) ** -6))
        assert abs(f(x)) < mpmath.mpf(10) ** -20 * size
        return x * self.scale

    def same_root(self, before: sp.Expr, after: sp.Expr) -> bool:
        if self.unknown not in before.free_symbols or self.unknown not in after.free_symbols:
            return False
        try:
            a, b = self.root(before), self.root(after)
        except (ZeroDivisionError, ValueError, AssertionError):
            return False
        return abs(a - b) <= mpmath.mpf(10) ** -12 * self.scale

    def vanishes(self, residual: sp.Expr) -> bool:
        """Zero at the derivation's point (model values, ``at``, the derived symbol at its value)."""
        if not self.at:
            return False
        values = [sp.N(self._fixed(term, with_unknown=True), 40) for term in sp.Add.make_args(residual)]
        scale = max(abs(value) for value in values)
        return abs(sp.Add(*values)) <= 1e-9 * scale

    def symbolic_follows(self, before: sp.Expr, after: sp.Expr) -> bool:
        before, after = _exprel_to_exp(before), _exprel_to_exp(after)
        if _is_zero(before - after, thorough=False):
            return True
        for solved, other in ((after, before), (before, after)):
            if _linear(solved, self.unknown):  # a u + b = 0: u = -b/a
                slope = sp.diff(solved, self.unknown)
                solutions = [[-solved.xreplace({self.unknown: 0}) / slope]]
            else:
                solutions = [_solve(solved, self.unknown)] if self.unknown in solved.free_symbols else []
            for found in solutions:
                if len(found) == 1 and _is_zero(other.xreplace({self.unknown: found[0]}), logs=True):
                    return True
        if _is_zero(before - after):
            return True
        ratio = sp.simplify(before / after)  # a factor free of the unknown, or of one sign (times r_D > 0)
        definite = ratio.is_positive is True or ratio.is_negative is True
        return ratio != 0 and ratio.is_finite is not False and (self.unknown not in ratio.free_symbols or definite)

    def follows(self, before: sp.Eq, after: sp.Eq, given=()) -> tuple[bool, bool]:
        """(symbolically, numerically): ``after`` follows from ``before`` with the relations ``given``."""
        subs, conditions = _substitutions(given)
        b, a = self.residual(before, subs), self.residual(after, subs)
        conditions = [self.residual(c, subs) for c in conditions]
        numeric = (self.same_root(b, a) or all(self.vanishes(r) for r in (b, a, *conditions)))
        if conditions:  # combining conditions: they hold at the derivation's point
            numeric = numeric and all(self.vanishes(c) for c in conditions)
        symbolic = self.symbolic_follows(b, a) or any(self.symbolic_follows(c, a) for c in conditions)
        return symbolic, numeric


def _is_zero(expr: sp.Expr, logs: bool = False, thorough: bool = True) -> bool:
    """Cheap canonical forms first, simplify last (only when ``thorough``)."""
    if expr == 0 or sp.expand(expr) == 0:
        return True
    if not thorough:
        return False
    if logs:
        expr = sp.expand_log(expr, force=True)
        if sp.expand(expr) == 0:
            return True
    return sp.simplify(expr) == 0


def _solve(expr: sp.Expr, symbol: sp.Symbol) -> list:
    try:
        return sp.solve(expr, symbol)
    except NotImplementedError:  # no algorithm: the other forms decide
        return []


def _linear(expr: sp.Expr, symbol: sp.Symbol) -> bool:
    return symbol in expr.free_symbols and sp.diff(expr, symbol, 2) == 0


def named_values(derivations) -> dict[str, float]:
    """Each derived quantity's value by symbol name: natural points for the symbols a step leaves free."""
    out = {d.id: d.value for d in derivations}
    if "donnan_ratio" in out:
        out["r_D"] = out["donnan_ratio"]
    if "tau_slow" in out:
        out["lambda_slow"] = -1 / out["tau_slow"]
    return out


def check_derivation(model, derivation: Derivation, label: str, named: dict[str, float] | None = None) -> None:
    assert derivation.steps, f"{label} has no steps"
    checker = Checker(model, derivation, named)
    for i in range(1, len(derivation.steps)):
        step = derivation.steps[i]
        symbolic, numeric = checker.follows(derivation.steps[i - 1].equation, step.equation, step.given)
        where = f"{label} step {i + 1} ({step.text[:60]}...)"
        assert numeric, f"{where}: not the same root as the step before"
        assert symbolic, f"{where}: does not follow symbolically"
    last = derivation.steps[-1].equation
    if derivation.method == "numeric root":
        symbolic, numeric = checker.follows(last, sp.Eq(derivation.expression, 0))
        assert symbolic and numeric, f"{label}: the last step is not the equation solved"
        if checker.at:
            assert checker.vanishes(derivation.expression), f"{label}: the equation is not solved at its point"
    else:
        assert last.lhs.name in (derivation.id, checker.unknown.name), label
        assert sp.simplify(last.rhs - derivation.expression) == 0, f"{label}: the last step is not the result"
        if checker.at:
            value = sp.N(derivation.expression.xreplace(checker.values), 30)
            assert abs(value - derivation.value) <= 1e-9 * abs(derivation.value) + 1e-12, label


def _cases():
    return list(BUILTIN_MODELS) + list(USER_MODELS)


def _model(tmp_path, name):
    if name in USER_MODELS:
        path = tmp_path / "model.toml"
        path.write_text(toml_dumps(USER_MODELS[name]))
        return load_model(path)
    return resolve_model(name)


# Models whose inside composition carries net charge: vrest says so and finds the steady state at zero net charge.
CHARGED = {"ghk_fixed_volume": "+152 mM of net charge", "keener_sneyd": "+63.424 mM of net charge"}


def _all_derivations(model) -> list[Derivation]:
    charged = CHARGED.get(model.name)
    with pytest.warns(ModelWarning, match=re.escape(charged)) if charged else contextlib.nullcontext():
        derived, _ = derive_all(model)
        out = [d for d in derived.values() if d.method != "given"]
        try:
            report = ouabain_report(model)
        except NotApplicable:
            return out
    return out + [d for d in report.derivations if d.id not in derived]


_DERIVED: dict[str, list[Derivation]] = {}


def _derivations_of(tmp_path, name) -> list[Derivation]:
    """_all_derivations of a case, computed once in a run of this file (the chains test reads those checked above)."""
    if name not in _DERIVED:
        _DERIVED[name] = _all_derivations(_model(tmp_path, name))
    return _DERIVED[name]


@pytest.mark.parametrize("name", _cases())
def test_every_step_follows(tmp_path, name):
    model = _model(tmp_path, name)
    derivations = _derivations_of(tmp_path, name)
    assert len(derivations) >= 3
    named = named_values(derivations)
    for derivation in derivations:
        check_derivation(model, derivation, f"{name} {derivation.id}", named)


def test_the_donnan_pump_leak_and_ouabain_chains_are_covered(tmp_path):
    """The chains that substitute relations or combine conditions are among those checked above."""
    ids = {d.id for d in _derivations_of(tmp_path, "keener_sneyd")}
    pump_max = next(d for d in _derivations_of(tmp_path, "constant_pump_ghk_salt_bath") if d.id == "pump_max")
    assert "Na_i falls to 0" in pump_max.description  # the other way the finite volumes end
    assert {"donnan_ratio", "V_donnan", "osmotic_excess", "volume_ss", "pump_max", "Delta_V_ouabain",
            "tau_slow"} <= ids
    # Keener & Sneyd's salt-only bath has no end state with the pump off (the volume grows without bound)
    assert "V_end_ouabain" in {d.id for d in _derivations_of(tmp_path, "pumpleak")}
    numeric = {d.id: d.method for d in _derivations_of(tmp_path, "donnan_permeant_ca")}
    assert numeric["donnan_ratio"] == "numeric root" and numeric["V_donnan"] == "numeric"


def test_a_wrong_step_is_caught():
    """The checker is not vacuous: a pump sign slip in the chord-conductance steps fails both checks."""
    model = resolve_model("neuron")
    derived, _ = derive_all(model)
    steady = derived["V_ss"]
    checker = Checker(model, steady)
    collected = steady.steps[2].equation
    pump = sp.Symbol("I_pump", real=True)
    wrong = sp.Eq(collected.lhs, collected.rhs.xreplace({pump: -pump}))
    assert checker.follows(steady.steps[1].equation, collected) == (True, True)
    assert checker.follows(steady.steps[1].equation, wrong) == (False, False)


def test_a_wrong_given_is_caught():
    """X_i = X_o r_D^(-z) (the ratio upside down) does not take electroneutrality to the Donnan balance."""
    model = model_from_dict(bath_model(KCL))
    derived, _ = derive_all(model)
    ratio = derived["donnan_ratio"]
    checker = Checker(model, ratio)
    first, second = ratio.steps[:2]
    assert checker.follows(first.equation, second.equation, second.given) == (True, True)
    wrong = tuple(sp.Eq(g.lhs, g.rhs.xreplace({sp.Symbol("r_D", positive=True): 1 / sp.Symbol("r_D", positive=True)}))
                  for g in second.given)
    assert checker.follows(first.equation, second.equation, wrong) == (False, False)
    check_derivation(model, ratio, "donnan_ratio")
    broken = dataclasses.replace(ratio, steps=(first, dataclasses.replace(second, given=wrong)) + ratio.steps[2:])
    with pytest.raises(AssertionError):
        check_derivation(model, broken, "broken donnan_ratio")


def test_a_wrong_condition_is_caught(tmp_path):
    """pump_max combines electroneutrality with the osmotic balance; a doubled bath osmolarity is not satisfied."""
    model = _model(tmp_path, "keener_sneyd")
    derived, _ = derive_all(model)
    pump_max = derived["pump_max"]
    checker = Checker(model, pump_max)
    before, last = pump_max.steps[-2], pump_max.steps[-1]
    assert checker.follows(before.equation, last.equation, last.given) == (True, True)
    wrong = tuple(sp.Eq(g.lhs, 2 * g.rhs) if not isinstance(g.lhs, sp.Symbol) else g for g in last.given)
    wrong_last = sp.Eq(last.equation.lhs, 2 * last.equation.rhs)
    assert checker.follows(before.equation, wrong_last, wrong)[1] is False
