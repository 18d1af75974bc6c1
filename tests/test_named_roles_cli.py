"""--voltage and --stimulus in every command that takes them: both forms the help offers (name and
component.name) name the same variable; a name that is not the membrane potential or the stimulus is refused
with one line saying what is wrong with that name, the same line in rest, simulate, export, sweep and derive,
and nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli

MODELS = Path(__file__).parent / "models"
HH_FILES = [MODELS / "hodgkin_huxley_squid_axon_model_1952_modified.cellml",
            MODELS / "cellml2" / "hodgkin_huxley_squid_axon_model_1952_modified.cellml"]
HH2 = HH_FILES[1]


def _error(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("vrest: error:")]


def _refused_everywhere(path: Path, args: tuple[str, ...], tmp_path: Path) -> str:
    """The one error line of rest, simulate, derive, sweep and export with ``args``: the same in each."""
    out_dir = tmp_path / "out"
    lines = set()
    for command in (("rest",), ("simulate", "--t-end", "1 ms"), ("derive",), ("sweep", "--vary", "Cm=1,2 uF/cm^2"),
                    ("export", "--to", "sbml", "-o", str(out_dir))):
        code, out, err = run_cli(command[0], str(path), *command[1:], *args)
        assert code == 2 and out == "", (command, err)
        assert len(_error(err)) == 1 and "Traceback" not in err, (command, err)
        lines.add(_error(err)[0])
    assert not out_dir.exists()  # export wrote nothing
    assert len(lines) == 1, lines
    return lines.pop()


@pytest.mark.parametrize("path", HH_FILES, ids=["cellml1", "cellml2"])
def test_component_dot_name_is_the_plain_name(path, tmp_path):
    """--voltage membrane.V and --stimulus membrane.i_Stim give what V and i_Stim give, in every command."""
    for voltage, stimulus in (("membrane.V", "membrane.i_Stim"),):
        for role, qualified, plain in (("--voltage", voltage, "V"), ("--stimulus", stimulus, "i_Stim")):
            code, by_component, err = run_cli("rest", str(path), role, qualified, "--json")
            assert code == 0, err
            code, by_name, err = run_cli("rest", str(path), role, plain, "--json")
            assert code == 0, err
            assert json.loads(by_component) == json.loads(by_name)
    code, by_component, err = run_cli("simulate", str(path), "--voltage", "membrane.V", "--t-end", "1 ms", "--json")
    assert code == 0, err
    code, by_name, err = run_cli("simulate", str(path), "--voltage", "V", "--t-end", "1 ms", "--json")
    assert json.loads(by_component) == json.loads(by_name)
    sweeps = [run_cli("sweep", str(path), "--vary", "g_L=0.3,0.4 mS/cm^2", "--json", *role)
              for role in (("--voltage", "membrane.V"), ("--voltage", "V"))]
    assert all(code == 0 for code, _, _ in sweeps) and json.loads(sweeps[0][1]) == json.loads(sweeps[1][1])
    derived = [run_cli("derive", str(path), "--json", *role) for role in (("--voltage", "membrane.V"), ())]
    assert all(code == 0 for code, _, _ in derived) and json.loads(derived[0][1]) == json.loads(derived[1][1])
    code, out, err = run_cli("sensitivity", str(path), "--vary", "g_K=30..45 mS/cm^2", "--vary",
                             "g_L=0.2..0.4 mS/cm^2", "--quantity", "V_rest", "--samples", "8",
                             "--voltage", "membrane.V")
    assert code == 0 and "Traceback" not in err, err
    code, out, err = run_cli("export", str(path), "--voltage", "membrane.V", "--to", "sbml", "-o", str(tmp_path / "q"))
    code_plain, out_plain, err = run_cli("export", str(path), "--voltage", "V", "--to", "sbml", "-o",
                                         str(tmp_path / "p"))
    assert code == code_plain == 0, err
    written = sorted(p.name for p in (tmp_path / "q").iterdir())
    assert written == sorted(p.name for p in (tmp_path / "p").iterdir()) and written
    for name in written:
        assert (tmp_path / "q" / name).read_bytes() == (tmp_path / "p" / name).read_bytes()


def test_an_unknown_component_dot_name_is_one_line(tmp_path):
    line = _refused_everywhere(HH2, ("--voltage", "membrane.nosuch"), tmp_path)
    assert line == ("vrest: error: --voltage = 'membrane.nosuch': no such variable in "
                    "hodgkin_huxley_squid_axon_model_1952_modified.cellml")


def test_a_state_that_is_no_voltage_quoted_as_given(tmp_path):
    line = _refused_everywhere(HH2, ("--voltage", "sodium_channel_m_gate.m"), tmp_path)
    assert line == ("vrest: error: --voltage = 'sodium_channel_m_gate.m': not a membrane potential: it has no "
                    "unit (states in a unit of voltage: V)")


def test_a_conductance_is_no_stimulus_and_export_refuses_it_too(tmp_path):
    """export used to write the model with g_L = 0 and the pulse train kept; now the same line as rest."""
    line = _refused_everywhere(HH2, ("--stimulus", "g_L"), tmp_path)
    assert line == ("vrest: error: --stimulus = 'g_L': g_L is a parameter in mS/cm^2, not a current: name the "
                    "injected current (its unit: A, A/m^2 or A/F)")


def test_a_membrane_current_is_no_stimulus_when_time_stays(tmp_path):
    line = _refused_everywhere(HH2, ("--stimulus", "i_Na"), tmp_path)
    assert line == ("vrest: error: --stimulus = 'i_Na': i_Na does not depend on time: it is no stimulus (the "
                    "current that does: i_Stim; name it: --stimulus i_Stim)")


def test_the_stimulus_amplitude_is_no_stimulus(tmp_path):
    line = _refused_everywhere(HH2, ("--stimulus", "stim_amplitude"), tmp_path)
    assert line == ("vrest: error: --stimulus = 'stim_amplitude': stim_amplitude is a parameter of i_Stim, not the "
                    "stimulus current: vrest turns the current itself off, the one that depends on time (name it: "
                    "--stimulus i_Stim)")
    code, _, err = run_cli("simulate", str(HH2), "--stimulus", "stim_amplitude", "--stimulus-on", "--t-end", "1 ms")
    assert code == 2 and _error(err) == [line]


def _two_voltages(tmp_path: Path) -> Path:
    """The CellML 2.0 HH file with one more state W in millivolts (dW/dt = -W/tau_W), in no other equation."""
    text = HH2.read_text()
    extra = """  <component name="extra">
    <variable name="time" units="millisecond" interface="public"/>
    <variable name="W" units="millivolt" initial_value="0"/>
    <variable name="tau_W" units="millisecond" initial_value="5"/>
    <math xmlns="http://www.w3.org/1998/Math/MathML" xmlns:cellml="http://www.cellml.org/cellml/2.0#">
      <apply><eq/><apply><diff/><bvar><ci>time</ci></bvar><ci>W</ci></apply>
        <apply><divide/><apply><minus/><ci>W</ci></apply><ci>tau_W</ci></apply></apply>
    </math>
  </component>
  <connection component_1="environment" component_2="extra">
    <map_variables variable_1="time" variable_2="time"/>
  </connection>
"""
    anchor = '  <component name="environment">'
    assert text.count(anchor) == 1
    path = tmp_path / "twov.cellml"
    path.write_text(text.replace(anchor, extra + anchor))
    return path


def test_a_voltage_state_that_is_not_the_membrane_potential(tmp_path):
    """--voltage W: the stimulus is in V's rate, not W's; the line asks about W, not for a stimulus name."""
    line = _refused_everywhere(_two_voltages(tmp_path), ("--voltage", "W"), tmp_path)
    assert line == ("vrest: error: --voltage = 'W': no stimulus in the rate of W, while i_Stim depends on time: is "
                    "W the membrane potential? (else name the stimulus: --stimulus NAME)")


def test_derive_takes_voltage_where_the_file_needs_it(tmp_path):
    """derive FILE asks for --voltage when two states are voltages, and takes it: the same rest as vrest rest,
    and as the file without W (W is in no other equation)."""
    path = _two_voltages(tmp_path)
    code, out, err = run_cli("derive", str(path))
    assert code == 2 and "--voltage NAME" in err
    code, derived, err = run_cli("derive", str(path), "--voltage", "V", "--json")
    assert code == 0, err
    code, rested, err = run_cli("rest", str(path), "--voltage", "V", "--json")
    assert code == 0, err
    code, original, err = run_cli("derive", str(HH2), "--json")
    assert code == 0, err
    v_derived = [s["V"] for s in json.loads(derived)["resting_states"]]
    assert v_derived == [s["V"] for s in json.loads(original)["resting_states"]] and len(v_derived) == 1
    v_rest = [s["V"] for s in json.loads(rested)["resting_states"]]
    assert v_rest == pytest.approx(v_derived, abs=1e-9)


@pytest.mark.parametrize("command", [("simulate", "--t-end", "1 ms"), ("export", "--to", "sbml", "-o", "D"),
                                     ("derive",), ("sweep", "--vary", "pump=0,1")])
@pytest.mark.parametrize("option", ["--voltage", "--stimulus"])
def test_a_vrest_model_refuses_the_options_in_one_line(command, option, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(command[0], "neuron", *command[1:], option, "V")
    assert code == 2 and out == "" and not (tmp_path / "D").exists()
    assert _error(err) == [f"vrest: error: {option} = 'V': only for a CellML or SBML file"]


@pytest.mark.parametrize(("model", "name", "words"), [
    ("hh", "g_L", "g_L is a parameter in mS/cm^2, not a current"),  # once silently 0: hh "rested" at -75.88 mV
    ("neuron", "g_K", "g_K is a parameter in mS/cm^2, not a current"),
    ("hh", "C_m", "C_m is a parameter in uF/cm^2, not a current"),
    ("hh", "I_Na", "no rate of model hh is written in I_Na, so it cannot be turned off at rest"),
])
def test_vrest_rest_of_a_vrest_model_refuses_a_stimulus_that_is_none(model, name, words):
    code, out, err = run_cli("rest", model, "--stimulus", name)
    assert (code, out) == (2, "") and err.count("\n") == 1 and words in err
    code, out, _ = run_cli("rest", "hh", "--stimulus", "I_stim")  # hh's own injected current: off at rest anyway
    assert code == 0 and "one stable resting state, at -65.00 mV" in out
