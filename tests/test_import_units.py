"""The units ``vrest rest`` shows for an imported model: the same for a CellML 2.0 conversion (which
has lost the file's annotations) as for its CellML 1.0 original, and the units of vrest's own models
for vrest's own exports read back."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import pytest

from conftest import run_cli
from vrest.derive.importers import read_model_file

MODELS = Path(__file__).parent / "models"
GENERATED = Path(__file__).resolve().parents[1] / "generated"


def _rest(path: str) -> dict:
    code, out, err = run_cli("rest", path, "--json")
    assert code == 0, err
    (state,) = [s for s in json.loads(out)["resting_states"] if s["stable"]]  # O'Hara-Rudy has unstable ones too
    return state


# file; the capacitance its currents (A/F) were divided by, as the file writes it; its SI value;
# the units of slope conductance and input resistance that follow from the capacitance's dimension
PER_CAPACITANCE = [
    # ten Tusscher's original annotates Cm membrane_capacitance: a route to its numbers that owes nothing to units
    ("ten_tusscher_model_2006_epi.cellml", "Cm", 0.185e-6, "nS", "Mohm"),  # Cm = 0.185 microF
    ("ohara_rudy_2011_endo.cellml", "cm", 1e-2, "mS/cm^2", "kohm*cm^2"),  # cm = 1 microF_per_centimeter_squared
]


@pytest.mark.parametrize(("name", "capacitance", "value", "conductance", "resistance"), PER_CAPACITANCE,
                         ids=[p[0] for p in PER_CAPACITANCE])
def test_a_cellml2_conversion_shows_the_slope_conductance_as_its_original_does(name, capacitance, value,
                                                                                 conductance, resistance):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        system = read_model_file(MODELS / "cellml2" / name)  # no oxmeta annotation left
    assert system.roles.capacitance.name == capacitance
    assert next(p.value for p in system.parameters if p.symbol == system.roles.capacitance) == pytest.approx(value)
    original, converted = _rest(str(MODELS / name)), _rest(str(MODELS / "cellml2" / name))
    for state in (original, converted):
        assert state["slope_conductance"]["unit"] == conductance and state["input_resistance"]["unit"] == resistance
        assert state["slope_conductance"]["value"] > 0  # a stable rest: more outward current when depolarised
    assert converted["slope_conductance"]["value"] == pytest.approx(original["slope_conductance"]["value"], rel=1e-9)
    assert converted["input_resistance"]["value"] == pytest.approx(original["input_resistance"]["value"], rel=1e-9)


@pytest.mark.parametrize("suffix", ["cellml", "sbml.xml"])
def test_vrests_own_export_read_back_shows_the_units_of_vrests_model(suffix):
    own = _rest("pumpleak")
    imported = _rest(str(GENERATED / "pumpleak" / f"pumpleak.{suffix}"))
    for kind in ("states", "currents"):
        for name, entry in own[kind].items():
            assert imported[kind][name]["unit"] == entry["unit"], (kind, name)
            assert imported[kind][name]["value"] == pytest.approx(entry["value"], rel=1e-7, abs=1e-9), (kind, name)
    assert own["states"]["N_K"]["unit"] == "fmol" and own["currents"]["I_Na"]["unit"] == "uA/cm^2"


def test_membrane_currents_and_capacitance_per_area_show_in_uA_and_uF_per_cm2():
    """Beeler-Reuter gives its currents in uA/mm^2 and C in uF/mm^2: vrest shows them as it shows every membrane's,
    uA/cm^2 and uF/cm^2. The value: Myokit's own evaluation of i_K1 (in the file's uA/mm^2) at vrest's rest, x 100."""
    import myokit.formats

    path = MODELS / "beeler_reuter_model_1977.cellml"
    code, out, err = run_cli("rest", str(path), "--json")
    assert code == 0, err
    (state,) = json.loads(out)["resting_states"]
    model = myokit.formats.importer("cellml").model(str(path))
    assert {s.name(): str(s.unit()) for s in model.states()}["V"] == "[mV]"  # as vrest shows V: no conversion
    model.set_initial_values([state["states"][s.name()]["value"] for s in model.states()])  # mV, mM: as the file
    (i_k1,) = [v for v in model.variables(deep=True) if v.name() == "i_K1"]
    assert str(i_k1.unit()) == "[A/m^2]"  # the file's uA/mm^2, as Myokit names it
    shown = state["currents"]["i_K1"]
    assert shown["unit"] == "uA/cm^2" and shown["value"] == pytest.approx(100 * i_k1.eval(), rel=1e-12)
    code, text, err = run_cli("rest", str(path))
    # named beside the conductance it gives, not beside the resistance (which a student read as depending on C_m)
    assert re.search(r"slope conductance: \S+ mS/cm\^2 \(with the file's capacitance C = 1 uF/cm\^2\), input resistance "
                     r"\S+ kohm\*cm\^2\n", text), text
    assert f"i_K1 {shown['value']:.5g} uA/cm^2" in text


# file; its parameters of whole-cell capacitance, current and volume with the unit the file declares them in
WHOLE_CELL = [
    ("courtemanche_ramirez_nattel_1998.cellml", {"Cm": "pF", "stim_amplitude": "pA", "V_cell": "um^3"}),
    ("ten_tusscher_model_2006_epi.cellml", {"V_c": "um^3", "V_sr": "um^3", "V_ss": "um^3"}),
]


@pytest.mark.parametrize("target", ["cellml", "sbml"])
@pytest.mark.parametrize(("name", "units"), WHOLE_CELL, ids=[w[0] for w in WHOLE_CELL])
def test_an_si_export_read_back_shows_a_cells_capacitance_current_and_volume_as_the_original(name, units, target,
                                                                                           tmp_path):
    """vrest's exports write F, A and m^3; read back, they show in pF, pA and um^3, as the files above declare."""
    from vrest.codegen.exporters.systems import export_system

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        original = read_model_file(MODELS / name)
        (path,) = export_system(original, target, tmp_path)
        again = read_model_file(path)
    before = {p.name: p for p in original.parameters}
    after = {p.name: p for p in again.parameters}
    for parameter, unit in units.items():
        assert before[parameter].unit == after[parameter].unit == unit, parameter
        assert after[parameter].value == before[parameter].value, parameter  # exact SI, as in the file
    if name.startswith("ten_tusscher"):  # Cm = 0.185 microF in the file: 1.85e-7 F = 185000 pF read back
        state = _rest(str(path))
        assert after["Cm"].unit == "pF" and before["Cm"].unit == "uF"
        assert state["currents"]["i_K1"]["unit"] == "A/F"
        code, out, err = run_cli("rest", str(path), "--json")
        assert json.loads(out)["capacitance"]["unit"] == "pF"
        assert json.loads(out)["capacitance"]["value"] == pytest.approx(185000.0, rel=1e-12)


@pytest.mark.parametrize(("text", "shown"), [
    ("F", "pF"), ("A", "pA"), ("m^3", "um^3"),  # SI, as vrest's exports write them: a cell's units
    ("uF", "uF"), ("pA", "pA"), ("uL", "uL"), ("um^3", "um^3"),  # a file's own prefixed unit stays
])
def test_a_whole_cell_capacitance_current_and_volume_in_si_show_in_a_cells_units(text, shown):
    import myokit

    from vrest.derive.importers.si import Dimension, display_unit

    assert display_unit(Dimension.of(myokit.parse_unit(text))) == shown
