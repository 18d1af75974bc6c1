"""The units ``vrest rest`` shows for an imported model: the same for a CellML 2.0 conversion (which
has lost the file's annotations) as for its CellML 1.0 original, and the units of vrest's own models
for vrest's own exports read back."""

from __future__ import annotations

import json
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
    assert "(with the file's capacitance C = 1 uF/cm^2)" in text
    assert f"i_K1 {shown['value']:.5g} uA/cm^2" in text
