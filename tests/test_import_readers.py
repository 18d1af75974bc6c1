"""Other tools' model files read as ODE systems: the roles found, values in SI, and right-hand sides
that agree with Myokit's own evaluation of the same file (its expression trees, evaluated by Myokit,
in the file's units) at the file's initial state and at perturbed states.

The public models and their sources are listed in tests/models/README.md.
"""

from __future__ import annotations

import random
import warnings
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from vrest.derive.importers import read_model_file
from vrest.derive.rest import LambdifyEvaluator, prepare
from vrest.derive.system import TIME
from vrest.derive.units import unit_parts

MODELS = Path(__file__).parent / "models"

# file, number of states (as the papers count them), membrane potential, stimulus, capacitance
CASES = [
    ("noble_model_1962.cellml", 4, "V", "I_stim", "Cm"),
    ("luo_rudy_1991.cellml", 8, "V", "I_stim", "C"),
    ("beeler_reuter_model_1977.cellml", 8, "V", "Istim", "C"),
    ("hodgkin_huxley_squid_axon_model_1952_modified.cellml", 4, "V", "i_Stim", "Cm"),
    ("ten_tusscher_model_2006_epi.cellml", 19, "V", "i_Stim", "Cm"),
    ("courtemanche_ramirez_nattel_1998.cellml", 21, "V", "i_st", "Cm"),
    ("ohara_rudy_2011_endo.cellml", 41, "v", "Istim", "cm"),  # currents in uA/uF: the file's one capacitance (per area)
    ("fox_mcharg_gilmour_2002.cellml", 13, "V", "i_Stim", "C_sc"),  # currents in uA/uF: the file's one capacitance
    ("mcallister_noble_tsien_1975_b.cellml", 10, "V", None, "C"),
    ("cellml2/noble_model_1962.cellml", 4, "V", "I_stim", "Cm"),
    ("cellml2/luo_rudy_1991.cellml", 8, "V", "I_stim", "C"),
    ("cellml2/beeler_reuter_model_1977.cellml", 8, "V", "Istim", "C"),
    ("cellml2/hodgkin_huxley_squid_axon_model_1952_modified.cellml", 4, "V", "i_Stim", "Cm"),
    ("cellml2/ten_tusscher_model_2006_epi.cellml", 19, "V", "i_Stim", "Cm"),  # no annotation: the one capacitance
    ("BIOMD0000000020.xml", 4, "V", None, None),
    ("BIOMD0000000020_l3v2.xml", 4, "V", None, None),
]


@contextmanager
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a reader's notes on the files (SBML Level 2, events left out)
        yield


def _read(name: str):
    with _quiet():
        return read_model_file(MODELS / name)


@pytest.mark.parametrize(("name", "count", "voltage", "stimulus", "capacitance"), CASES, ids=[c[0] for c in CASES])
def test_roles_and_states(name, count, voltage, stimulus, capacitance):
    system = _read(name)
    assert len(system.states) == count
    assert system.roles.voltage.name == voltage
    assert (system.roles.stimulus.name if system.roles.stimulus is not None else None) == stimulus
    assert (system.roles.capacitance.name if system.roles.capacitance is not None else None) == capacitance
    assert system.states[system.voltage_index].unit == "mV"
    seen = set(system.state_symbols) | {p.symbol for p in system.parameters} | {TIME}
    for quantity in system.quantities:  # dependency order: each uses only what comes before it
        assert quantity.expression.free_symbols <= seen, quantity.name
        seen.add(quantity.symbol)


def test_values_are_the_files_decimals_in_si():
    system = _read("noble_model_1962.cellml")
    v = system.states[system.voltage_index]
    assert v.initial == sp.Rational("-81.4147357") / 1000  # "-8.14147357e+01" mV, exactly
    assert system.parameter("Cm").value == sp.Rational(12, 100)  # 12 uF/cm^2 = 0.12 F/m^2
    assert system.parameter("Cm").unit == "uF/cm^2"


def _myokit_model(name: str):
    import myokit.formats

    kind = "sbml" if name.endswith(".xml") else "cellml"
    with _quiet():
        return myokit.formats.importer(kind).model(str(MODELS / name))


def _si(unit) -> float:
    """SI value of one unit, by the units library (pint) from Myokit's name of the unit."""
    text = str(unit).strip("[]") if unit is not None else "1"
    scale, offset, _ = unit_parts(text if text != "1" else "dimensionless")
    assert offset == 0
    return float(scale)


@pytest.mark.parametrize("name", [c[0] for c in CASES if c[0] != "BIOMD0000000020.xml"])
def test_right_hand_sides_agree_with_myokits_evaluation(name):
    """f_SI(y) = (unit of x / unit of t) * Myokit's dx/dt in file units, the stimulus off in both."""
    system = _read(name)
    model = _myokit_model(name)
    stimulus = system.roles.stimulus
    if stimulus is not None:
        variable = next(v for v in model.variables(deep=True) if v.name() == stimulus.name)
        variable.set_rhs(0)
    prepared = prepare(system)
    evaluator = LambdifyEvaluator(prepared)
    time_factor = _si(model.time().unit()) if model.time().unit() is not None else 1.0
    if name.startswith("BIOMD"):
        time_factor = 1e-3  # the model's unit definition "time" is the millisecond
    states = list(model.states())
    by_name = {s.symbol.name: i for i, s in enumerate(system.states)}
    order = [by_name[s.name()] for s in states]
    factors = np.array([_si(s.unit()) for s in states])
    rng = random.Random(17)
    y_file = np.array([s.initial_value(True) for s in states])
    for trial in range(4):
        point = y_file if trial == 0 else y_file * np.array([1 + rng.uniform(-0.02, 0.02) for _ in states])
        expected = np.array(model.evaluate_derivatives(state=list(point)))
        y_si = np.zeros(len(states))
        y_si[order] = point * factors
        got = evaluator.rhs(y_si, prepared.p)[order] / (factors / time_factor)
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12 * np.max(np.abs(expected)))


@pytest.mark.parametrize("name", ["noble_model_1962", "luo_rudy_1991", "hodgkin_huxley_squid_axon_model_1952_modified"])
def test_cellml2_conversion_is_the_same_system(name):
    first, second = _read(f"{name}.cellml"), _read(f"cellml2/{name}.cellml")
    assert {s.symbol.name: s.initial for s in first.states} == {s.symbol.name: s.initial for s in second.states}
    assert {p.name: p.value for p in first.parameters} == {p.name: p.value for p in second.parameters}
    a, b = first.rhs(), second.rhs()
    point = {s.symbol: s.initial * Fraction(101, 100) for s in first.states} | first.values
    point[TIME] = 0  # the stimulus pulse has not started
    for state in first.state_symbols:
        va = sp.N(a[state].xreplace(point), 30)
        vb = sp.N(b[state].xreplace(point), 30)
        assert abs(va - vb) <= 1e-25 * (1 + abs(va)), state


@pytest.mark.parametrize(("text", "factor", "shown"), [
    ("mV", Fraction(1, 1000), "mV"),
    ("uF/cm^2", Fraction(1, 100), "uF/cm^2"),  # 1e-6 F / 1e-4 m^2
    ("A/F", Fraction(1), "A/F"),
    ("mS/uF", Fraction(1000), "mS/uF"),  # 1e-3 S / 1e-6 F = 1000 /s
    ("mM^1.5", Fraction(1), "mol^1.5/m^4.5"),  # mM = mol/m^3 exactly; a power the units library is not given
    ("ms", Fraction(1, 1000), "ms"),
])
def test_units_of_a_file_in_si(text, factor, shown):
    import myokit

    from vrest.derive.importers.si import Dimension, display_unit

    dimension = Dimension.of(myokit.parse_unit(text))
    assert dimension.factor == factor
    assert display_unit(dimension) == shown


@pytest.mark.parametrize(("name", "period"), [
    ("ten_tusscher_model_2006_epi.cellml", ("stim_period",)),  # t - floor(t/stim_period)*stim_period
    ("beeler_reuter_model_1977.cellml", ("IstimPeriod",)),  # floor((t - IstimStart)/IstimPeriod)
    ("ohara_rudy_2011_endo.cellml", ("i_Stim_Period",)),
    ("cellml2/luo_rudy_1991.cellml", ("stim_period",)),
    ("mcallister_noble_tsien_1975_b.cellml", ()),  # no stimulus
    ("BIOMD0000000020.xml", ()),
])
def test_the_stimulus_period_is_the_divisor_of_time_in_its_pulse_train(name, period):
    from vrest.derive.importers.stimulus_timing import stimulus_periods

    assert stimulus_periods(_read(name)) == period
