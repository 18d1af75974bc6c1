"""SBML and CellML exports, checked by the real readers and simulators.

Validators: python-libsbml checkConsistency with unit checks on; libcellml Parser,
Validator and Analyser. Simulators: libRoadRunner on the SBML, libcellml's
generated Python integrated by SciPy on the CellML. Both must reproduce vrest's
own V_ss (within 1e-6 mV) and the ouabain time course (within 1e-3 mV at 10 times),
the independent answer being the IR's ODEs integrated by SciPy (codegen.reference)
and the steady state found by Newton (derive.steady_state).
"""

from __future__ import annotations

import math
from dataclasses import replace
from fractions import Fraction

import libcellml
import libsbml
import numpy as np
import pytest
import sympy as sp

import vrest.derive.quantities  # noqa: F401 - derivation modules before steady_state
from vrest.codegen.crosscheck import check as cc
from vrest.codegen.exporters import coherent_units, xml_model as xml_model_module
from vrest.codegen.exporters.cellml import export_cellml
from vrest.codegen.exporters.ids import id_map, valid_id
from vrest.codegen.exporters.sbml import export_sbml, render_sbml
from vrest.codegen.exporters.xml_model import xml_model
from vrest.derive.builtin import BUILTIN_MODELS, resolve_model
from vrest.derive.constants import CODATA_2018, C_m, F, R, T
from vrest.derive.errors import ModelError
from vrest.derive.ions import Ion
from vrest.derive.model import Model, Parameter
from vrest.derive.quantities import Derivations

from conftest import SEED_PUMP_MODEL

# A user model with GHK leaks only, identical concentrations on both sides: V_ss = 0 exactly,
# so the exports start (and stay) at V = 0, where naive GHK code divides 0 by 0.
SYMMETRIC_GHK = {
    "model": {"name": "symmetric", "temperature": "20 degC", "description": "GHK leaks, no gradients"},
    "membrane": {"capacitance": "1 uF/cm^2"},
    "ions": {
        "K": {"valence": 1, "inside": "100 mM", "outside": "100 mM", "permeability": "1e-6 cm/s"},
        "Ca": {"valence": 2, "inside": "2 mM", "outside": "2 mM", "permeability": "1e-8 cm/s"},
    },
}

# A user model with GHK leaks, a divalent ion and a pump under ouabain (its steady-state run starts at V = 0).
USER_GHK = {
    "model": {"name": "user_ghk", "temperature": "30 degC", "description": "GHK <leaks> & a \"pump\""},
    "membrane": {"capacitance": "2 uF/cm^2"},
    "ions": {
        "K": {"valence": 1, "inside": "140 mM", "outside": "5 mM", "permeability": "2e-6 cm/s"},
        "Na": {"valence": 1, "inside": "10 mM", "outside": "140 mM", "permeability": "1e-7 cm/s"},
        "Ca": {"valence": 2, "inside": "0.0001 mM", "outside": "2 mM", "permeability": "1e-9 cm/s"},
    },
    "pump": {"current": "0.5 uA/cm^2", "stoichiometry": {"Na": 3, "K": -2}},
    "scenario": {"ouabain": {"at": "0 s", "set": {"pump": 0}}},
}


@pytest.fixture(params=[*BUILTIN_MODELS, "symmetric", "user_ghk", "seed_pump"])
def model(request, write_model) -> Model:
    users = {"symmetric": SYMMETRIC_GHK, "user_ghk": USER_GHK, "seed_pump": SEED_PUMP_MODEL}
    if request.param in users:
        return resolve_model(str(write_model(users[request.param])))
    return resolve_model(request.param)


def sbml_issues(text: str) -> list[str]:
    """Every error and warning of libsbml's checks, units and modelling practice included."""
    document = libsbml.readSBMLFromString(text)
    document.setConsistencyChecks(libsbml.LIBSBML_CAT_UNITS_CONSISTENCY, True)
    document.setConsistencyChecks(libsbml.LIBSBML_CAT_MODELING_PRACTICE, True)
    document.checkConsistency()
    return [f"{e.getSeverityAsString()} {e.getErrorId()}: {e.getMessage()}"
            for e in (document.getError(i) for i in range(document.getNumErrors()))]


def cellml_issues(text: str) -> list[str]:
    parser = libcellml.Parser()  # strict CellML 2.0
    parsed = parser.parseModel(text)
    validator, analyser = libcellml.Validator(), libcellml.Analyser()
    validator.validateModel(parsed)
    analyser.analyseModel(parsed)
    return [x.issue(i).description() for x in (parser, validator, analyser) for i in range(x.issueCount())]


def sbml_text(model: Model) -> str:
    (text,) = export_sbml(model).values()
    return text


def cellml_text(model: Model) -> str:
    (text,) = export_cellml(model).values()
    return text


def assert_agrees(answer: cc.Answer, job: cc.Job) -> None:
    assert np.all(np.isfinite(answer.course)) and math.isfinite(answer.v_ss)
    assert abs(answer.v_ss - job.reference_v_ss) * 1e3 <= cc.V_SS_TOLERANCE_MV, (answer.v_ss, job.reference_v_ss)
    deviation = np.max(np.abs(answer.course - job.reference_course)) * 1e3
    assert deviation <= cc.COURSE_TOLERANCE_MV, (answer.course, job.reference_course)


def test_sbml_is_valid_with_units_checked(model):
    assert sbml_issues(sbml_text(model)) == []


def test_cellml_is_valid_and_analysable(model):
    assert cellml_issues(cellml_text(model)) == []


# neuron's and hh's jobs run in every simulator in tests/test_crosscheck_generate.py
CROSSCHECKED = ["neuron", "hh"]
NOT_CROSSCHECKED = [name for name in [*BUILTIN_MODELS, "symmetric", "user_ghk", "seed_pump"]
                    if name not in CROSSCHECKED]


@pytest.mark.parametrize("model", NOT_CROSSCHECKED, indirect=True)
def test_roadrunner_reproduces_vrest(model):
    job = cc.make_job(model, stiff=False)  # adaptive: the long job even for pumpleak (V = 0 start, 1e6 s)
    assert_agrees(cc.roadrunner_answer(model, sbml_text(model), job), job)


@pytest.mark.parametrize("model", NOT_CROSSCHECKED, indirect=True)
def test_cellml_generated_code_reproduces_vrest(model, tmp_path):
    job = cc.make_job(model, stiff=False)
    code = tmp_path / "generated_cellml.py"
    code.write_text(cc.cellml_python(cellml_text(model)), encoding="utf-8")
    assert_agrees(cc.cellml_answer(model, code, job), job)


@pytest.mark.parametrize("name", ["neuron", "squid"])
def test_reference_v_ss_is_the_derived_v_ss(name):
    """For a V-only model the steady state the exports must reach is `vrest derive`'s V_ss."""
    model = resolve_model(name)
    assert cc.make_job(model).reference_v_ss == pytest.approx(Derivations(model).get("V_ss").value, abs=1e-12)


def test_reference_course_is_the_exponential_relaxation():
    """The reference itself, for the ohmic neuron: V(t) = V_leak + (V_ss - V_leak) exp(-t / tau_m) after ouabain."""
    model = resolve_model("neuron")
    job = cc.make_job(model)
    derived = Derivations(model)
    v_leak, v_ss, tau_m = (derived.get(q).value for q in ("V_leak", "V_ss", "tau_m"))
    expected = v_leak + (v_ss - v_leak) * np.exp(-job.times / tau_m)
    assert np.max(np.abs(job.reference_course - expected)) < 1e-9 * 1e-3
    assert v_leak - v_ss == pytest.approx(5e-3, rel=1e-2)  # the seed's 5 mV pump shift


def test_symmetric_ghk_model_starts_at_zero_exactly(write_model):
    model = resolve_model(str(write_model(SYMMETRIC_GHK)))
    context = xml_model(model)
    assert [v.value for v in context.states] == [0.0]
    assert 'id="V" name="membrane potential" value="0.0"' in sbml_text(model)
    runner = cc.roadrunner_load(sbml_text(model))
    result = runner.simulate(0, 0.01, 11, ["V", "I_K", "I_Ca"])
    assert np.all(np.isfinite(result)) and np.all(result[:, 0] == 0.0)


def test_factor_1000_error_passes_libsbml_but_fails_the_simulation_check(monkeypatch):
    """F written in C/mol (SI) while V is in mV: libsbml sees nothing, RoadRunner's numbers do."""
    model = resolve_model("neuron")
    real = coherent_units.to_coherent

    def wrong(value, unit):
        return float(Fraction(value)) if unit == "C/mol" else real(value, unit)

    monkeypatch.setattr(xml_model_module, "to_coherent", wrong)
    broken = render_sbml(xml_model(model))
    assert 'id="F" name="Faraday constant" value="96485.33212"' in broken or "96485.33212" in broken
    assert sbml_issues(broken) == []  # the trap: units look fine to libsbml
    job = cc.make_job(model)
    with pytest.raises(AssertionError):
        assert_agrees(cc.roadrunner_answer(model, broken, job), job)


def test_wrongly_scaled_voltage_unit_is_caught_by_the_simulation_check():
    """The initial V written in volts under a mV unit: the time course check fails."""
    model = resolve_model("neuron")
    context = xml_model(model)
    states = tuple(replace(v, value=v.value / 1000) if v.id == "V" else v for v in context.states)
    broken = render_sbml(replace(context, states=states))
    assert sbml_issues(broken) == []
    job = cc.make_job(model)
    with pytest.raises(AssertionError):
        assert_agrees(cc.roadrunner_answer(model, broken, job), job)


# -- ids and escaping ---------------------------------------------------------------


@pytest.mark.parametrize(("name", "expected"), [
    ("Na", "Na"), ("Na+", "Na_plus"), ("Ca2+", "Ca2_plus"), ("K-leak", "K_leak"), ("my ion", "my_ion"),
    ("a<b", "a_b"), ("2x", "id_2x"), ("_x", "x"), ("+", "plus"), ("é", "id"),
])
def test_valid_id(name, expected):
    assert valid_id(name) == expected


def test_colliding_names_are_a_clear_error():
    with pytest.raises(ModelError, match="Na_plus"):
        id_map(["Na+", "Na_plus"])


def _odd_model(names: tuple[str, str]) -> Model:
    """A Python-built model whose ion names are not identifiers, with XML specials in its text."""
    ions = tuple(Ion(name, 1) for name in names)
    parameters = [Parameter(R, CODATA_2018[R], "J/(mol*K)", "gas constant"),
                  Parameter(F, CODATA_2018[F], "C/mol", "Faraday constant"),
                  Parameter(T, sp.Rational(31015, 100), "K", "temperature"),
                  Parameter(C_m, sp.Rational(1, 100), "uF/cm^2", "capacitance <per area>")]
    for ion, (inside, outside) in zip(ions, [(140, 5), (10, 145)]):
        parameters += [Parameter(ion.z, sp.Integer(1), "1", f"valence of {ion.name}"),
                       Parameter(ion.inside, sp.Integer(inside), "mM", f"[{ion.name}] inside"),
                       Parameter(ion.outside, sp.Integer(outside), "mM", f"[{ion.name}] outside"),
                       Parameter(ion.g, sp.Rational(1, 2), "mS/cm^2", f"{ion.name} & co. leak")]
    return Model("odd", "a cell with <odd> names & \"quotes\"", "R&D <lab>", ions, tuple(parameters))


def test_odd_names_become_valid_ids_and_text_is_escaped():
    model = _odd_model(("Na+", "K-leak"))
    sbml, cellml = sbml_text(model), cellml_text(model)
    assert sbml_issues(sbml) == [] and cellml_issues(cellml) == []
    assert 'id="Na_plus_i"' in sbml and 'name="K_leak_o"' in cellml
    assert "a cell with &lt;odd&gt; names &amp; &#34;quotes&#34;" in sbml
    assert "R&amp;D &lt;lab&gt;" in sbml and "R&amp;D &lt;lab&gt;" in cellml
    assert 'name="[Na+] inside"' in sbml
    job = cc.make_job(model)
    assert_agrees(cc.roadrunner_answer(model, sbml, job), job)


def test_odd_names_that_collide_are_refused():
    with pytest.raises(ModelError, match="rename one of them"):
        export_sbml(_odd_model(("Na+", "Na_plus")))


# -- exports are deterministic ---------------------------------------------------------


def test_exports_are_byte_identical_between_runs():
    model = resolve_model("pumpleak")
    assert sbml_text(model) == sbml_text(model) and cellml_text(model) == cellml_text(model)


def test_the_sbml_notes_say_how_to_choose_no_scenario_when_a_step_is_at_0_s():
    """pumpleak's ouabain step is at 0 s: its event fires as libRoadRunner loads the file (the file selects
    ouabain), and setting the selector's current value afterwards left the pump blocked. The notes say how to
    choose instead; done their way, V stays for an hour where the file starts it (the pumped steady state,
    vrest's V_ss), and choosing ouabain again runs down as before."""
    model = resolve_model("pumpleak")
    text = sbml_text(model)
    assert "libRoadRunner: r['init(scenario)'] = 0; r.reset()" in text
    runner = cc.roadrunner_load(text)
    assert runner["I_max"] == 0.0  # the step at 0 s, done at load
    runner["init(scenario)"] = 0
    runner.reset()
    held = runner.simulate(0, 3600, 3, ["time", "V", "I_max"])
    v_ss = float(Derivations(model).get("V_ss").value) * 1e3
    assert held[0, 1] == pytest.approx(v_ss, abs=1e-9)  # the file's start
    assert np.all(held[:, 2] == pytest.approx(15.0)) and np.max(np.abs(held[:, 1] - v_ss)) < 1e-6
    runner["init(scenario)"] = 1
    runner.reset()
    assert runner["I_max"] == 0.0 and runner.simulate(0, 3600, 3, ["time", "V"])[-1, 1] > v_ss + 50
