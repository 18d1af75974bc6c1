"""The stimulus of a file that does not annotate it: the one current of V's equation (totals opened) whose
definition holds time, else the one that depends on time through other values and on no state. Where none
or several qualify, the refusal names the currents that depend on time, not the clock they read."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import run_cli
from test_import_bad_input import MATHML, _cellml, _refused
from vrest.derive.errors import ModelWarning
from vrest.derive.importers import read_model_file

MYOKIT_LR = Path(__file__).parent / "models" / "myokit" / "lr-1991-exported-1.cellml"

UNITS = '''<units name="uA_per_cm2"><unit units="ampere" prefix="micro"/><unit units="metre" prefix="centi"
 exponent="-2"/></units>
<units name="mS_per_cm2"><unit units="siemens" prefix="milli"/><unit units="metre" prefix="centi" exponent="-2"/>
</units>
<units name="uF_per_cm2"><unit units="farad" prefix="micro"/><unit units="metre" prefix="centi" exponent="-2"/>
</units>'''


def _pulse(name: str, amplitude: str, clock: str = "time") -> str:
    """``name`` = ``amplitude`` while 10 <= ``clock`` < 11 ms, else 0."""
    return f'''<apply><eq/><ci>{name}</ci><piecewise><piece><cn cellml:units="uA_per_cm2">{amplitude}</cn>
      <apply><and/><apply><geq/><ci>{clock}</ci><cn cellml:units="ms">10</cn></apply>
        <apply><lt/><ci>{clock}</ci><cn cellml:units="ms">11</cn></apply></apply></piece>
      <otherwise><cn cellml:units="uA_per_cm2">0</cn></otherwise></piecewise></apply>'''


def _leak_cell(variables: str, equations: str, total: str) -> str:
    """dV/dt = -(``total``)/Cm with i_K = g (V - E): at rest without its pulses V = E = -70 mV."""
    return _cellml(UNITS + f'''<component name="cell">
  <variable name="time" units="ms"/>
  <variable name="V" units="mV" initial_value="-60"/>
  <variable name="E" units="mV" initial_value="-70"/>
  <variable name="g" units="mS_per_cm2" initial_value="0.3"/>
  <variable name="Cm" units="uF_per_cm2" initial_value="1"/>
  <variable name="i_K" units="uA_per_cm2"/>
  {variables}
  <math xmlns="{MATHML}">
    <apply><eq/><apply><diff/><bvar><ci>time</ci></bvar><ci>V</ci></apply>
      <apply><divide/><apply><minus/>{total}</apply><ci>Cm</ci></apply></apply>
    <apply><eq/><ci>i_K</ci><apply><times/><ci>g</ci><apply><minus/><ci>V</ci><ci>E</ci></apply></apply></apply>
    {equations}
  </math>
</component>''')


def test_myokits_export_of_luo_rudy_rests_with_its_stimulus_found_through_pace():
    """Myokit writes i_stim = pace * stim_amplitude, pace a pulse of the cycle's time ctime: i_stim holds no time
    itself. It was not found, and vrest rest refused the file ("states.V: its rate depends on time"). Reference:
    Myokit's own evaluation of the file's derivatives with i_stim set to 0, LSODA over 60 s (rtol 1e-11) from
    the file's state, polished by SciPy's fsolve: -84.528570471 mV."""
    with pytest.warns(ModelWarning, match=re.escape("units do not agree in the file's equations (the first Myokit finds: "
                                                    "Subtraction requires equal units, got [mV]")):  # its E_b has no unit
        system = read_model_file(MYOKIT_LR)
    assert system.roles.stimulus.name == "i_stim"
    assert "i_stim" not in {c.name for c in system.roles.currents}
    code, out, err = run_cli("rest", str(MYOKIT_LR), "--json")
    assert code == 0, err
    (state,) = json.loads(out)["resting_states"]
    assert state["stable"] and state["V"] == pytest.approx(-84.528570471, abs=1e-8)


def test_a_pulse_inside_a_total_current_is_the_stimulus(tmp_path):
    """Decker 2009 as Myokit keeps it: i_Stim is a term of the total kiont, not of V's equation itself."""
    path = tmp_path / "total.cellml"
    path.write_text(_leak_cell('<variable name="i_stim" units="uA_per_cm2"/>\n'
                               '<variable name="i_tot" units="uA_per_cm2"/>',
                               '<apply><eq/><ci>i_tot</ci><apply><plus/><ci>i_K</ci><ci>i_stim</ci></apply></apply>'
                               + _pulse("i_stim", "-20"), "<ci>i_tot</ci>"))
    assert read_model_file(path).roles.stimulus.name == "i_stim"
    code, out, err = run_cli("rest", str(path))
    assert code == 0, err
    assert "one stable resting state, at -70.00 mV" in out


def test_a_current_switched_by_time_that_depends_on_the_state_is_no_stimulus(tmp_path):
    """A current a protocol switches on from 10 to 500 ms (i_p = on(t) 0.1 (V - E)) depends on time through others,
    as Myokit's stimulus does, but on V too: a membrane current, not an injected one. With no other candidate the
    file is refused, and the refusal names the current that depends on time (not its clock)."""
    path = tmp_path / "pump.cellml"
    path.write_text(_leak_cell('<variable name="on" units="dimensionless"/>\n'
                               '<variable name="i_p" units="uA_per_cm2"/>',
                               '''<apply><eq/><ci>on</ci><piecewise><piece><cn cellml:units="dimensionless">1</cn>
      <apply><and/><apply><geq/><ci>time</ci><cn cellml:units="ms">10</cn></apply>
        <apply><lt/><ci>time</ci><cn cellml:units="ms">500</cn></apply></apply></piece>
      <otherwise><cn cellml:units="dimensionless">0</cn></otherwise></piecewise></apply>
    <apply><eq/><ci>i_p</ci><apply><times/><ci>on</ci><cn cellml:units="mS_per_cm2">0.1</cn>
      <apply><minus/><ci>V</ci><ci>E</ci></apply></apply></apply>''',
                               "<apply><plus/><ci>i_K</ci><ci>i_p</ci></apply>"))
    assert read_model_file(path).roles.stimulus is None
    _refused(path, "states.V: its rate depends on time with the stimulus off",
             "(the current that depends on time: i_p; name it: --stimulus i_p)")


def test_two_pulses_are_no_one_stimulus_and_both_are_named(tmp_path):
    path = tmp_path / "two.cellml"
    path.write_text(_leak_cell('<variable name="i_a" units="uA_per_cm2"/>\n<variable name="i_b" units="uA_per_cm2"/>',
                               _pulse("i_a", "-20") + _pulse("i_b", "-5"),
                               "<apply><plus/><ci>i_K</ci><ci>i_a</ci><ci>i_b</ci></apply>"))
    _refused(path, "(currents that depend on time: i_a, i_b; name the stimulus: --stimulus i_a)")
    code, _, err = run_cli("rest", str(path), "--stimulus", "i_b")
    assert code == 2 and "with i_b off, i_a still depends on time" in err


def test_a_wrong_stimulus_is_told_the_current_not_the_clock():
    """Myokit's Luo-Rudy: the hint named ctime, a time in ms, which vrest then refused as no current."""
    code, out, err = run_cli("rest", str(MYOKIT_LR), "--stimulus", "IK1")
    assert code == 2 and out == ""
    assert err == ("vrest: error: --stimulus = 'IK1': IK1 does not depend on time: it is no stimulus (the current "
                   "that does: i_stim; name it: --stimulus i_stim)\n")


def test_a_term_that_is_0_at_the_file_s_values_is_no_unnamed_current(tmp_path):
    """Myokit writes an unpaced model's stimulus as amplitude * pace, pace a constant 0 and neither in a unit of
    current (Myokit's Beeler-Reuter as CellML 2.0): no current of V's equation is left unnamed at rest, where the
    list showed the currents' rounding (-6e-17 uA/cm^2) as one."""
    path = tmp_path / "pace.cellml"
    path.write_text(_leak_cell('<variable name="pace" units="dimensionless" initial_value="0"/>\n'
                               '<variable name="amplitude" units="dimensionless" initial_value="-25"/>', "",
                               "<apply><plus/><ci>i_K</ci><apply><times/><ci>amplitude</ci><ci>pace</ci></apply>"
                               "</apply>"))
    code, out, err = run_cli("rest", str(path), "--json")
    assert code == 0, err
    (state,) = json.loads(out)["resting_states"]
    assert state["V"] == -70.0 and list(state["currents"]) == ["i_K"]
    paced = tmp_path / "paced.cellml"  # paced: the term is held, the remainder of the named current at rest
    paced.write_text(path.read_text().replace('name="pace" units="dimensionless" initial_value="0"',
                                              'name="pace" units="dimensionless" initial_value="0.01"'))
    code, out, err = run_cli("rest", str(paced), "--json")
    assert code == 0, err
    (state,) = json.loads(out)["resting_states"]
    assert state["V"] == pytest.approx(-70 + 0.25 / 0.3, abs=1e-9)  # g (V - E) = 0.25 uA/cm^2
    assert state["currents"]["(unnamed terms of V's equation)"]["value"] == pytest.approx(-0.25, abs=1e-12)
