"""The ODE-system layer built from each built-in cell description: the same equations, roles and values."""

from __future__ import annotations

import random

import pytest
import sympy as sp

from vrest.derive.builtin import BUILTIN_MODELS, resolve_model
from vrest.derive.constants import C_m, V
from vrest.derive.system import from_model


@pytest.mark.parametrize("name", BUILTIN_MODELS)
def test_the_system_has_the_models_equations_states_and_parameters(name):
    model = resolve_model(name)
    system = from_model(model)
    assert system.state_symbols == tuple(s.symbol for s in model.states)
    assert system.parameters == model.dynamic_parameters
    assert system.roles.voltage == V and system.voltage_index == 0 and system.roles.capacitance == C_m
    assert {ion.I for ion in model.ions} <= set(system.roles.currents)
    rhs, expected = system.rhs(), model.rhs()
    free = set().union(*(e.free_symbols for e in expected.values()))
    assert set().union(*(e.free_symbols for e in rhs.values())) == free  # no quantity symbol left over
    rng = random.Random(0)
    for _ in range(3):  # equal at random points (both sides are exact SymPy)
        point = {s: sp.Rational(rng.randint(1, 999), 997) for s in free}
        point[V] = sp.Rational(rng.randint(-100, 50), 1000)
        for state in system.state_symbols:
            assert sp.N(rhs[state].xreplace(point) - expected[state].xreplace(point), 30) == 0


def test_quantities_come_in_dependency_order_with_units():
    system = from_model(resolve_model("pumpleak"))
    seen = set(system.state_symbols) | set(system.values)
    for quantity in system.quantities:
        assert quantity.expression.free_symbols <= seen, quantity.name
        seen.add(quantity.symbol)
    assert system.quantity("K_i").unit == "mM" and system.quantity("E_K").unit == "mV"
    assert system.quantity("I_K").unit == "uA/cm^2"
