"""Every step of every derivation follows from the one before, and the last one is the result.

"Follows" is checked twice, independently of how the derivation built its steps:
- symbolically: after expanding the named quantities (E_X, I_X, I_pump, derived
  ids) the residuals lhs - rhs of the two steps differ by 0, or by a factor free
  of the derived symbol, or the later step's solution for the derived symbol
  makes the earlier residual simplify to 0;
- numerically: both residuals, as functions of the derived symbol with every
  other symbol at the model's values, have the same root (mpmath, 40 digits).
"""

from __future__ import annotations

import mpmath
import pytest
import sympy as sp

from conftest import SEED_PUMP_MODEL
from derive.builtin import BUILTIN_MODELS, resolve_model
from derive.constants import V
from derive.derivation import Derivation
from derive.functions import exprel, exprel_prime
from derive.modelfile import load_model
from derive.quantities import derive_all

mpmath.mp.dps = 40

# The derivations whose steps are equivalence transformations in one derived symbol (part A of issue 3).
# Donnan and pump-leak steps substitute relations (X_i = X_o r_D^z) and are checked by their own tests.
CHECKED = {"V_ghk", "V_leak", "V_ss", "dV_pump", "V_mullins_noda", "g_leak", "tau_m", "tau_slow"}

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
}


def _exprel_to_exp(expr: sp.Expr) -> sp.Expr:
    x = sp.Wild("x")
    expr = expr.replace(exprel(x), (sp.exp(x) - 1) / x)
    return expr.replace(exprel_prime(x), (x * sp.exp(x) - sp.exp(x) + 1) / x ** 2)


class Checker:
    """Expands and compares the steps of one derivation of one model."""

    def __init__(self, model, derived: dict[str, Derivation], derivation: Derivation) -> None:
        self.model, self.derived, self.derivation = model, derived, derivation
        last = derivation.steps[-1].equation
        self.unknown = last.lhs if isinstance(last.lhs, sp.Symbol) else V
        self.valences = {ion.z: ion.valence for ion in model.ions}

    def expand(self, expr: sp.Expr) -> sp.Expr:
        unknown = self.unknown.name
        definitions = {s: d for s, d in self.model.quantities if s.name != unknown}
        for _ in range(6):
            expr = sp.sympify(expr).xreplace(definitions)
            named = {}
            for symbol in expr.free_symbols:
                other = self.derived.get(symbol.name)
                if other is not None and symbol.name != unknown and other.steps is not None:
                    named[symbol] = (sp.Float(other.value, 30) if other.method in ("numeric root", "given")
                                     else other.expression)
            expr = expr.xreplace(named)
        return expr.doit().xreplace(self.valences)

    def residual(self, equation: sp.Eq) -> sp.Expr:
        return self.expand(equation.lhs - equation.rhs)

    def point(self, expr: sp.Expr) -> dict:
        values = dict(self.model.values)
        if self.unknown != V and "V_ss" in self.derived:
            values[V] = sp.Float(self.derived["V_ss"].value, 30)
        for symbol in expr.free_symbols - set(values) - {self.unknown}:
            values[symbol] = sp.Rational(-37, 100) if symbol.is_negative else sp.Rational(37, 100)
        return values

    def root(self, residual: sp.Expr) -> mpmath.mpf:
        fixed = _exprel_to_exp(residual).xreplace({k: v for k, v in self.point(residual).items()
                                                    if k != self.unknown})
        f = sp.lambdify(self.unknown, fixed, modules="mpmath")
        start = mpmath.mpf(self.derivation.value) if self.unknown.name == self.derivation.id or self.unknown == V \
            else mpmath.mpf(1)
        if self.unknown == V and self.derivation.unit != "mV":
            start = mpmath.mpf(self.derived["V_ss"].value)
        x = mpmath.findroot(f, start, tol=mpmath.mpf(10) ** -30)
        assert abs(f(x)) < mpmath.mpf(10) ** -20 * (1 + abs(f(start * mpmath.mpf("1.001") + mpmath.mpf(10) ** -6)))
        return x

    def symbolic_follows(self, before: sp.Expr, after: sp.Expr) -> bool:
        before, after = _exprel_to_exp(before), _exprel_to_exp(after)
        if _is_zero(before - after, thorough=False):
            return True
        for solved, other in ((after, before), (before, after)):
            if _linear(solved, self.unknown):  # a u + b = 0: u = -b/a
                slope = sp.diff(solved, self.unknown)
                solutions = [[-solved.xreplace({self.unknown: 0}) / slope]]
            else:
                solutions = [sp.solve(solved, self.unknown)] if self.unknown in solved.free_symbols else []
            for found in solutions:
                if len(found) == 1 and _is_zero(other.xreplace({self.unknown: found[0]}), logs=True):
                    return True
        if _is_zero(before - after):
            return True
        ratio = sp.simplify(before / after)
        return self.unknown not in ratio.free_symbols and ratio != 0 and ratio.is_finite is not False


def _linear(expr: sp.Expr, symbol: sp.Symbol) -> bool:
    return symbol in expr.free_symbols and sp.diff(expr, symbol, 2) == 0


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


def _cases():
    models = [(name, lambda name=name: resolve_model(name)) for name in BUILTIN_MODELS]
    models += [(name, lambda data=data: data) for name, data in USER_MODELS.items()]
    return models


def _load(tmp_path, source):
    from conftest import toml_dumps

    data = source()
    if isinstance(data, dict):
        path = tmp_path / "model.toml"
        path.write_text(toml_dumps(data))
        return load_model(path)
    return data


@pytest.mark.parametrize("name,source", _cases(), ids=[name for name, _ in _cases()])
def test_every_step_follows(tmp_path, name, source):
    model = _load(tmp_path, source)
    derived, _ = derive_all(model)
    checked = 0
    for quantity_id, derivation in derived.items():
        if derivation.method == "given":
            continue
        if quantity_id not in CHECKED and not quantity_id.startswith("E_"):
            continue
        assert derivation.steps, f"{name} {quantity_id} has no steps"
        checker = Checker(model, derived, derivation)
        residuals = [checker.residual(step.equation) for step in derivation.steps]
        roots = [checker.root(res) for res in residuals]
        for i in range(1, len(residuals)):
            label = f"{name} {quantity_id} step {i + 1} ({derivation.steps[i].text[:50]}...)"
            assert abs(roots[i] - roots[i - 1]) <= mpmath.mpf(10) ** -12 * abs(roots[i]), label
            assert checker.symbolic_follows(residuals[i - 1], residuals[i]), label
        last = derivation.steps[-1].equation
        if derivation.method == "numeric root":
            assert sp.simplify(last.lhs - last.rhs - derivation.expression) == 0, quantity_id
        else:
            assert last.lhs.name in (quantity_id, checker.unknown.name), quantity_id
            assert sp.simplify(last.rhs - derivation.expression) == 0, quantity_id
        checked += 1
    assert checked >= 3


def test_a_wrong_step_is_caught():
    """The checker is not vacuous: a pump sign slip in the chord-conductance steps fails both checks."""
    model = resolve_model("neuron")
    derived, _ = derive_all(model)
    steady = derived["V_ss"]
    checker = Checker(model, derived, steady)
    collected = steady.steps[2].equation
    wrong = sp.Eq(collected.lhs, collected.rhs.xreplace({sp.Symbol("I_pump", real=True): -sp.Symbol("I_pump", real=True)}))
    before, after = checker.residual(steady.steps[1].equation), checker.residual(wrong)
    assert not checker.symbolic_follows(before, after)
    assert abs(checker.root(before) - checker.root(after)) > 1e-4
