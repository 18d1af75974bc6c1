"""SBML and CellML exports of imported public models, checked by the real readers.

Each export of Luo-Rudy 1991, Beeler-Reuter 1977, the HH CellML and Noble 1962 must pass
python-libsbml's consistency checks and libcellml's validator and analyser with no error (the
only findings allowed are unit warnings: a published formula such as exp(-0.08 V) carries its
units in its constants, so no reader can confirm them), and evaluate, in libRoadRunner and in
the Python code libcellml generates from it, to the imported system's rates at the file's initial
state (30-digit reference, tests/imported_reference.py) within 1e-9 relative. Re-imported by
vrest, each export rests where the original does to 1e-9 relative.
"""

from __future__ import annotations

import importlib.util
import json
import re

import libcellml
import libsbml
import numpy as np
import pytest
import roadrunner

from conftest import run_cli
from imported_reference import MODELS_DIR, PUBLIC, assert_rates_agree, load, reference_rates, rounding_allowance
from vrest.codegen.cli.rest_cmd import resting_report
from vrest.codegen.exporters.systems import export_system, render_system
from vrest.derive.importers import read_model_file
from vrest.derive.rest import DEFAULT_RANGE


@pytest.fixture(scope="module", params=sorted(PUBLIC))
def imported(request):
    system = load(request.param)
    return request.param, system, reference_rates(system), rounding_allowance(system)


def _sbml(system) -> str:
    (text,) = render_system(system, "sbml").values()
    return text


def _cellml(system) -> str:
    (text,) = render_system(system, "cellml").values()
    return text


def sbml_findings(text: str) -> list[tuple[str, int, str]]:
    """(severity, category, message) of every finding of libsbml's checks, units and modelling practice included."""
    document = libsbml.readSBMLFromString(text)
    document.setConsistencyChecks(libsbml.LIBSBML_CAT_UNITS_CONSISTENCY, True)
    document.setConsistencyChecks(libsbml.LIBSBML_CAT_MODELING_PRACTICE, True)
    document.checkConsistency()
    return [(e.getSeverityAsString(), e.getCategory(), e.getMessage())
            for e in (document.getError(i) for i in range(document.getNumErrors()))]


def cellml_findings(text: str):
    """(level, description) of every issue of libcellml's strict parser, validator and analyser, and the analyser."""
    parser = libcellml.Parser()
    model = parser.parseModel(text)
    validator, analyser = libcellml.Validator(), libcellml.Analyser()
    validator.validateModel(model)
    analyser.analyseModel(model)
    issues = [(x.issue(i).level(), x.issue(i).description()) for x in (parser, validator, analyser)
              for i in range(x.issueCount())]
    return issues, analyser


# The numbers of a model converted to SI carry units (Beeler-Reuter's 70 in d[Ca]_i/dt is per second): written
# as dimensionless, libcellml's analyser found 18 places where an equation's units disagree in Beeler-Reuter's
# CellML export, and libsbml's unit checks warned in every SBML export. Each number now has the unit of its place.

def test_sbml_has_no_finding_but_libsbml_s_own_with_fractional_exponents(imported):
    """Luo-Rudy's g_K = 0.282 sqrt(K_o/5.4 mM): libsbml's unit check drops the unit (m^1.5 mol^-0.5, declared) of
    the number beside sqrt(K_o) and finds m^-5.5 mol^0.5 where S/m^2 belongs; libcellml's analyser, reading the
    same numbers and units in the CellML export, finds nothing (below)."""
    _, system, _, _ = imported
    fractional = re.compile(r"exponent = -?\d+\.\d*[1-9]")
    assert [f for f in sbml_findings(_sbml(system)) if not (f[1] == libsbml.LIBSBML_CAT_UNITS_CONSISTENCY and
                                                              fractional.search(f[2]))] == []


def test_cellml_has_no_issue_at_all_units_included(imported):
    _, system, _, _ = imported
    issues, _ = cellml_findings(_cellml(system))
    assert issues == []


def test_roadrunner_rates_at_the_initial_state(imported):
    _, system, reference, allowance = imported
    runner = roadrunner.RoadRunner(_sbml(system))
    values = runner.getRatesOfChange()
    rates = {runner.model.getStateVectorId(i): float(values[i]) for i in range(len(values))}
    assert_rates_agree(rates, reference, allowance=allowance)


def test_libcellml_generated_code_rates_at_the_initial_state(imported, tmp_path):
    key, system, reference, allowance = imported
    _, analyser = cellml_findings(_cellml(system))
    profile = libcellml.GeneratorProfile(libcellml.GeneratorProfile.Profile.PYTHON)
    code = tmp_path / f"{key}_generated.py"
    code.write_text(libcellml.Generator().implementationCode(analyser.analyserModel(), profile), encoding="utf-8")
    spec = importlib.util.spec_from_file_location(f"generated_{key}", code)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    states, rates = module.create_states_array(), module.create_states_array()
    constants = module.create_constants_array()
    computed, algebraic = module.create_computed_constants_array(), module.create_algebraic_variables_array()
    module.initialise_arrays(states, rates, constants, computed, algebraic)
    module.compute_computed_constants(0.0, states, rates, constants, computed, algebraic)
    module.compute_rates(0.0, states, rates, constants, computed, algebraic)
    got = {info["name"]: float(rate) for info, rate in zip(module.STATE_INFO, rates)}
    assert_rates_agree(got, reference, allowance=allowance)


def _resting_voltages(path) -> list[tuple[float, bool]]:
    report = resting_report(str(path), DEFAULT_RANGE)
    return [(state.V, state.stable) for state in report.resting_states]


@pytest.mark.parametrize("target", ["sbml", "cellml"])
def test_round_trip_rests_where_the_original_does(imported, target, tmp_path):
    key, system, _, _ = imported
    (path,) = export_system(system, target, tmp_path)
    original = _resting_voltages(load_path(key))
    again = _resting_voltages(path)
    assert len(again) == len(original) >= 1
    for (v, stable), (v0, stable0) in zip(again, original):
        assert stable == stable0
        assert abs(v - v0) <= 1e-9 * abs(v0), (key, target, v, v0)


@pytest.mark.parametrize("target", ["sbml", "cellml"])
def test_round_trip_lists_the_same_currents_at_rest_without_the_stimulus(imported, target, tmp_path):
    """The export writes the stimulus switched off (0): read back, it is no current at rest, as in the original."""
    key, system, _, _ = imported
    (path,) = export_system(system, target, tmp_path)
    original, again = _currents_at_rest(load_path(key)), _currents_at_rest(path)
    assert again == original
    assert system.roles.stimulus.name not in {name for name, _ in original}
    assert len(original) >= 3  # HH has the fewest: i_Na, i_K, i_L


def _currents_at_rest(path) -> list[tuple[str, str]]:
    """(name, unit) of each current at rest in `vrest rest --json`, in the file's order."""
    code, out, err = run_cli("rest", str(path), "--json")
    assert code == 0, err
    return [(name, entry["unit"]) for name, entry in json.loads(out)["currents"].items()]


def load_path(key: str):
    from imported_reference import MODELS_DIR

    return MODELS_DIR / PUBLIC[key]


def test_exports_are_byte_identical_between_runs(imported):
    _, system, _, _ = imported
    assert render_system(system, "all") == render_system(load(imported[0]), "all")
    assert np.isfinite(list(imported[2].values())).all()


def test_a_constant_factor_below_the_double_range_is_not_split_off_an_exponential():
    """Livshitz & Rudy (2007) switch a gate with exp(-(V + 40)/0.024), V in mV: in SI exp(-1666.7 - 41666.7 V).
    SymPy split off exp(-1666.7) = 1e-724, which the exports wrote as 0, so below -18 mV every export computed
    0 exp(+large) = NaN: libRoadRunner failed at t = 0, and vrest's reading of its own SBML had the Na channel
    inactivated. The SBML export's rates now agree with the file's at its start (30 digits), and libRoadRunner
    runs it to where an LSODA run of Myokit's reading of the file comes to rest (test_import_rest.py)."""
    system = read_model_file(MODELS_DIR / "livshitz_rudy_2007.cellml")
    files = {**render_system(system, "sbml"), **render_system(system, "nmodl"), **render_system(system, "brian2")}
    assert not any("0.0*exp" in text or "0 / exp" in text for text in files.values())
    runner = roadrunner.RoadRunner(_sbml(system))
    values = runner.getRatesOfChange()
    rates = {runner.model.getStateVectorId(i): float(values[i]) for i in range(len(values))}
    assert_rates_agree(rates, reference_rates(system), allowance=rounding_allowance(system))
    runner.timeCourseSelections = ["time", "V"]
    end = runner.simulate(0, 20000, 3)[-1, 1]
    assert end * 1e3 == pytest.approx(-90.0033208522224, abs=1e-6)


def test_the_sbml_export_carries_the_role_of_a_potential_without_a_unit(tmp_path):
    """Chay 1997 (BIOMD0000000378) needs --voltage; its SBML export annotates V (oxmeta membrane_voltage), so the
    export is read back without it and has the original's equilibrium. CellML 2.0 has no place for the
    annotation: its export needs --voltage again, said as for the original."""
    source = str(MODELS_DIR / "BIOMD0000000378.xml")
    code, out, err = run_cli("export", source, "--voltage", "V_membrane_amount", "--to", "all", "-o", str(tmp_path))
    assert code == 0, err
    original = resting_report(source, DEFAULT_RANGE, voltage="V_membrane_amount").resting_states
    again = resting_report(str(tmp_path / "Chay1997_CalciumConcentration.sbml.xml"), DEFAULT_RANGE).resting_states
    assert [s.stable for s in again] == [s.stable for s in original] == [False]
    assert [s.V for s in again] == pytest.approx([s.V for s in original], rel=1e-9)
    document = libsbml.readSBMLFromFile(str(tmp_path / "Chay1997_CalciumConcentration.sbml.xml"))
    term = document.getModel().getParameter("V_membrane_amount").getCVTerm(0)
    assert term.getResourceURI(0) == "https://chaste.comlab.ox.ac.uk/cellml/ns/oxford-metadata#membrane_voltage"
    code, _, err = run_cli("rest", str(tmp_path / "Chay1997_CalciumConcentration.cellml"))
    assert code == 2 and "name it with --voltage NAME" in err
