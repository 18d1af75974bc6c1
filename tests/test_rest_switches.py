"""An experiment's switch that is off in the file takes its timed branch out of the cell at rest.

Severi et al. (2012, rabbit sinoatrial node, CellML) write V = V_clamp(t) if clamp_mode >= 1 else V_ode, with
clamp_mode = 0 and V_clamp a voltage-clamp pulse in time: the cell at rest does not depend on time, and its rest
is the rest of the same cell without the switch. With the switch on, it does (a clamp in time), and is refused."""

from __future__ import annotations

import dataclasses

import pytest
import sympy as sp
from rest_systems import hh_system, symbols

from vrest.derive.errors import ModelError
from vrest.derive.model import Parameter
from vrest.derive.rest import find_resting_states
from vrest.derive.system import TIME, Quantity


def _switched(clamp_mode: int):
    """hh_system with its leak driven by V_eff = V_clamp(t) if clamp_mode >= 1 else V."""
    system = hh_system()
    V, mode, v_hold, v_test, v_eff, v_clamp = symbols("V clamp_mode V_hold V_test V_eff V_clamp")
    I_L, g_L, E_L = symbols("I_L g_L E_L")
    pulse = sp.Piecewise((v_test, (TIME > sp.Rational(1, 10)) & (TIME < sp.Rational(2, 10))), (v_hold, True))
    quantities = [Quantity(v_clamp, pulse, "mV"), Quantity(v_eff, sp.Piecewise((v_clamp, mode >= 1), (V, True)), "mV")]
    quantities += [Quantity(q.symbol, g_L * (v_eff - E_L), q.unit) if q.symbol == I_L else q for q in system.quantities]
    parameters = system.parameters + (Parameter(mode, sp.Integer(clamp_mode), "", ""),
                                      Parameter(v_hold, sp.Rational(-80, 1000), "mV", ""),
                                      Parameter(v_test, sp.Rational(-10, 1000), "mV", ""))
    return dataclasses.replace(system, parameters=parameters, quantities=tuple(quantities))


def test_a_switch_that_is_off_leaves_the_cell_as_it_is_without_it():
    plain = find_resting_states(hh_system())
    switched = find_resting_states(_switched(0))
    assert [s.V for s in switched.resting_states] == pytest.approx([s.V for s in plain.resting_states], abs=1e-12)
    assert [s.stable for s in switched.resting_states] == [s.stable for s in plain.resting_states]


def test_a_switch_that_is_on_leaves_a_rate_in_time_and_is_refused():
    with pytest.raises(ModelError, match="its rate depends on time with the stimulus off"):
        find_resting_states(_switched(1))
