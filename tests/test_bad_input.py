"""A fixed corpus of inputs that once crashed or hung vrest, each answered or refused cleanly within 15 s.

Each case edits a built-in model file (text replacements) or the command line and states what the
one line must name: the key, the value and the allowed range for a refusal. tests/fuzzing.py judges
the run (exit codes, one error line, finite numbers, time); the ranges are derive.limits'.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import xml.dom.minidom
from pathlib import Path

import numpy as np
import pytest

from vrest.codegen.exporters import render_files
from vrest.codegen.simulation import integrate
from vrest.codegen.simulation.integrate import simulate
from vrest.derive.builtin import builtin_text, resolve_model
from vrest.derive.errors import ModelError
from vrest.derive.modelfile import model_from_text
from tests.conftest import run_cli
from tests.fuzzing import judge

ALL = ("derive", "simulate", "export")


def edited(base: str, *replacements: tuple[str, str]) -> str:
    text = builtin_text(base)
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def run(command: str, text: str, tmp_path: Path, *extra: str) -> tuple[str, Path]:
    """judge() of one command on the model ``text``; (its outcome, the export folder)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "model.toml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    argv = {"derive": ("derive", str(path), "--json"),
            "simulate": ("simulate", str(path), "--t-end", "10 s", "--json"),
            "export": ("export", str(path), "--to", "sbml", "-o", str(out))}[command]
    return judge(*argv, *extra, out_dir=out), out


NEURON_PUMP = ('set = { pump = 0 }',)
# (id, model text, commands, words the refusal line must hold; None: an answer)
REFUSED = [
    # 1. a scenario factor that is not a number
    ("pump factor nan", edited("neuron", ("set = { pump = 0 }", "set = { pump = nan }")), ALL,
     ["scenario.ouabain.set.pump", "nan"]),
    ("pump factor inf", edited("neuron", ("set = { pump = 0 }", "set = { pump = inf }")), ALL,
     ["scenario.ouabain.set.pump", "inf", "0 to 1e6"]),
    # 2. deep nesting
    ("unit nested 1000 deep", edited("neuron", ('"140 mM"', '"140 ' + "(" * 1000 + "mM" + ")" * 1000 + '"')), ALL,
     ["ions.K.inside", "nested 1000 deep", "at most 64 characters and 4 levels"]),
    ("TOML array nested 1000 deep", edited("neuron") + "\nx = " + "[" * 1000 + "]" * 1000 + "\n", ALL,
     ["nested too deep"]),
    # 3. huge numbers
    ("a 5000-digit concentration", edited("neuron", ('"140 mM"', '"' + "1" * 5000 + ' mM"')), ALL,
     ["ions.K.inside", "5000 characters", "at most 40"]),
    ("a 5000-digit valence", edited("neuron", ("valence = -1", "valence = " + "1" * 5000)), ALL,
     ["not a model file vrest reads", "4300 digits"]),
    ("1e999999 mM", edited("neuron", ('"140 mM"', '"1e999999 mM"')), ALL,
     ["ions.K.inside", "'1e999999 mM'", "1e-15 mM to 1e5 mM", "denser than any liquid"]),
    ("1e400 K", edited("neuron", ('"37 degC"', '"1e400 K"')), ALL,
     ["model.temperature", "'1e400 K'", "1 K (-272.15 degC) to 647.096 K", "critical point of water"]),
    # 4. temperatures near 0 K, a valence of 1e18
    ("1e-300 K", edited("neuron", ('"37 degC"', '"1e-300 K"')), ALL, ["model.temperature", "'1e-300 K'", "1 K"]),
    ("-273.14 degC", edited("squid", ('"20 degC"', '"-273.14 degC"')), ALL, ["model.temperature", "-273.14 degC"]),
    ("valence 1e18", edited("neuron", ("valence = 1\ninside = \"140 mM\"",
                                       "valence = 1000000000000000000\ninside = \"140 mM\"")), ALL,
     ["ions.K.valence", "1000000000000000000", "-10 to 10"]),
    # 5. values with no steady state, refused at the door
    ("pump current 1e6 uA/cm^2", edited("neuron", ('"0.75 uA/cm^2"', '"1e6 uA/cm^2"')), ALL,
     ["pump.current", "'1e6 uA/cm^2'", "0 uA/cm^2 to 1e4 uA/cm^2"]),
    ("1e10 K", edited("neuron", ('"37 degC"', '"1e10 K"')), ALL, ["model.temperature", "'1e10 K'"]),
    ("conductances 1e-300", edited("neuron", ('"0.1 mS/cm^2"', '"1e-300 mS/cm^2"'),
                                   ('"0.015 mS/cm^2"', '"1e-300 mS/cm^2"'), ('"0.035 mS/cm^2"', '"1e-300 mS/cm^2"')),
     ALL, ["ions.K.conductance", "'1e-300 mS/cm^2'", "1e-12 mS/cm^2 to 1e7 mS/cm^2", "lipid bilayer"]),
    ("reversal 1e308 mV", edited("neuron", ('inside = "140 mM"\noutside = "4 mM"', 'reversal = "1e308 mV"')), ALL,
     ["ions.K.reversal", "'1e308 mV'", "-2000 mV to 2000 mV"]),
    ("water permeability 1e300", edited("pumpleak", ('"1.0892e-10 cm/s/Pa"', '"1e300 cm/s/Pa"')), ALL,
     ["membrane.water_permeability", "1e-22 cm/s/Pa to 1e-4 cm/s/Pa"]),
    ("bath 1e6 mM", edited("pumpleak", ('impermeant = "10 mM"', 'impermeant = "1e6 mM"')), ALL,
     ["bath.impermeant", "'1e6 mM'", "1e-15 mM to 1e5 mM"]),
    # 6. a 300-character name
    ("300-character name", edited("neuron", ('name = "neuron"', 'name = "' + "n" * 300 + '"')), ALL,
     ["model.name", "300 name characters", "64"]),
    # 7. text from the file that would reach generated code
    ("NUL in the description", edited("neuron", ('description = "', 'description = "\\u0000')), ALL,
     ["model.description", "control character", "\\x00"]),
    ("ion named K newline", edited("neuron", ("[ions.K]", '[ions."K\\n"]')), ALL, ["ions.K\\n", "ion name"]),
    # 8. a stoichiometry of 42
    ("stoichiometry Na = 42", edited("pumpleak", ("Na = 3\nK = -2", "Na = 42\nK = -2")), ALL,
     ["pump.stoichiometry.Na", "= 42", "-10 to 10"]),
    # 9. what hung
    ("outside 1e-999999 mM", edited("neuron", ('outside = "4 mM"', 'outside = "1e-999999 mM"')), ALL,
     ["ions.K.outside", "'1e-999999 mM'", "1e-15 mM to 1e5 mM"]),
    ("conductance 1e999999", edited("neuron", ('"0.1 mS/cm^2"', '"1e999999 mS/cm^2"')), ALL,
     ["ions.K.conductance", "1e-12 mS/cm^2 to 1e7 mS/cm^2"]),
    ("stoichiometry 1e9", edited("neuron", ("Na = 3\nK = -2", "Na = 1000000000\nK = -2")), ALL,
     ["pump.stoichiometry.Na", "1000000000", "-10 to 10"]),
    ("capacitance 1e-300", edited("neuron", ('"1 uF/cm^2"', '"1e-300 uF/cm^2"')), ALL,
     ["membrane.capacitance", "1e-6 uF/cm^2 to 1000 uF/cm^2"]),
    ("area 1e300", edited("pumpleak", ('"314.159265358979 um^2"', '"1e300 um^2"')), ALL,
     ["membrane.area", "'1e300 um^2'", "1e-3 um^2 to 1e12 um^2"]),
    ("60 extra ions", edited("neuron", ("[pump]", "".join(
        f'[ions.X{k}]\nvalence = 1\ninside = "1 mM"\noutside = "1 mM"\nconductance = "0.001 mS/cm^2"\n\n'
        for k in range(60)) + "[pump]")), ALL, ["ions", "63 ions", "12"]),
    # 10. refusals that came with noise
    ("volume 1e-300", edited("pumpleak", ('"178.9 um^3"', '"1e-300 um^3"')), ALL,
     ["membrane.volume", "'1e-300 um^3'", "1e-6 um^3 to 1e15 um^3"]),
    ("an unusual value, then a refusal", edited("neuron", ('"37 degC"', '"37 K"'), ('"140 mM"', '"-1 mM"')), ALL,
     ["ions.K.inside", "positive"]),
    # 11. accepted though wrong
    ("name with a newline", edited("neuron", ('name = "neuron"', 'name = "m\\n"')), ALL,
     ["model.name", "'m\\n'", "identifier"]),
    ("negative pump current", edited("neuron", ('"0.75 uA/cm^2"', '"-0.75 uA/cm^2"')), ALL,
     ["pump.current", "'-0.75 uA/cm^2'", "backwards", "+1 charge per cycle"]),
    ("a scenario at -5 s", edited("neuron", ('at = "0 s"', 'at = "-5 s"')), ALL,
     ["scenario.ouabain.at", "'-5 s'", "0 s to 1e11 s"]),
    # "37 C" is the coulomb
    ("37 C", edited("neuron", ('"37 degC"', '"37 C"')), ALL,
     ["model.temperature", "'37 C'", "not a temperature", "did you mean '37 degC'?"]),
    # a bare number that is a cell's temperature in degC
    ("temperature without a unit", edited("neuron", ('"37 degC"', '"20"')), ALL,
     ["model.temperature", "'20'", "a unit is required", "such as '20 degC'"]),
]


@pytest.mark.parametrize("text, commands, words", [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_refused_in_one_line(tmp_path, text, commands, words):
    for command in commands:
        line, out = run(command, text, tmp_path / command)
        assert line.startswith("vrest: error: ") and "\n" not in line, (command, line)
        for word in words:
            assert word in line, (command, word, line)
        assert not out.exists() or not any(out.iterdir())


def test_the_listed_failures_are_in_the_corpus():
    """The issue's items 1-11 each have a case above (or a test below)."""
    names = " ".join(c[0] for c in REFUSED)
    for needle in ("nan", "inf", "nested", "5000-digit", "1e999999", "1e400 K", "1e-300 K", "-273.14", "valence 1e18",
                   "1e6", "1e10 K", "1e-300", "1e308", "water permeability", "bath", "300-character", "NUL",
                   "newline", "42", "1e-999999", "1e9", "capacitance", "area", "60 extra", "volume", "-5 s"):
        assert needle in names, needle


# -- 5: no steady state is one line with what to try -------------------------------------

# GHK K, Na and Ca (z = 2) with moving concentrations and a constant pump of 0.5 uA/cm^2: the Ca leak has
# nothing that pumps Ca out, so no state holds every ion still.
CALCIUM_CELL = """
[model]
name = "kca"
temperature = "37 degC"
[membrane]
capacitance = "1 uF/cm^2"
area = "1000 um^2"
volume = "2000 um^3"
[ions.K]
valence = 1
inside = "140 mM"
outside = "5 mM"
permeability = "1e-6 cm/s"
[ions.Na]
valence = 1
inside = "12 mM"
outside = "145 mM"
permeability = "5e-8 cm/s"
[ions.Ca]
valence = 2
inside = "1e-4 mM"
outside = "2 mM"
permeability = "1e-7 cm/s"
[pump]
current = "0.5 uA/cm^2"
stoichiometry = { Na = 3, K = -2 }
"""


def test_crosscheck_of_a_model_without_steady_state_is_one_line(tmp_path):
    path = tmp_path / "kca.toml"
    path.write_text(CALCIUM_CELL, encoding="utf-8")
    line = judge("crosscheck", str(path), "-o", str(tmp_path / "out"), limit=60).splitlines()[-1]  # after warnings
    assert line.startswith("vrest: error: model = 'kca': no steady state to start from: "), line


@pytest.mark.parametrize("text, reason", [
    (CALCIUM_CELL, "Newton cannot reduce the residual"),
    (edited("pumpleak", ("Na = 3\nK = -2", "Na = -2\nK = 3")), "Newton did not converge"),
], ids=["calcium without extrusion", "pumpleak stoichiometry Na = -2, K = 3"])
def test_no_steady_state_is_one_line_saying_what_to_try(tmp_path, text, reason):
    line, _ = run("simulate", text, tmp_path)
    assert "no steady state to start from" in line and reason in line, line
    assert "`--start given` runs from the model file's own state" in line
    assert judge("derive", str(tmp_path / "model.toml"), "--json").startswith("answer")


def test_without_a_steady_state_start_given_still_runs(tmp_path):
    """What the refusal suggests works: the file's own state, on a fresh plan and on the cached one."""
    path = tmp_path / "kca.toml"
    path.write_text(CALCIUM_CELL, encoding="utf-8")
    for _ in range(2):
        assert judge("simulate", str(path), "--start", "given", "--t-end", "10 s", "--json").startswith("answer")
        assert "no steady state to start from" in judge("simulate", str(path), "--t-end", "10 s", "--json")


def test_a_pump_no_leak_can_balance_is_refused_by_simulate_and_export(tmp_path):
    """GHK leaks of 1e-20 cm/s against the squid's 1 uA/cm^2 pump: the current stays outward to -12.8 V."""
    text = edited("squid", ('"1e-6 cm/s"', '"1e-20 cm/s"'), ('"4e-8 cm/s"', '"1e-20 cm/s"'),
                  ('"4.5e-7 cm/s"', '"1e-20 cm/s"'))
    for command in ("simulate", "export"):
        lines, out = run(command, text, tmp_path / command)
        assert "the total membrane current (outward positive) stays positive down to -12.8 V" in lines, lines
        assert lines.count("vrest: warning: ") == 3 and "'1e-20 cm/s' is below 1e-14 cm/s" in lines  # P_K, P_Na, P_Cl
        assert not out.exists() or not any(out.iterdir())
    assert "cannot export model squid: it has no state to start from" in lines


# -- 3, 9, 10: command-line durations --------------------------------------------------------------------

@pytest.mark.parametrize("t_end, words", [
    ("1e400 s", ["--t-end", "'1e400 s'", "1e-12 s to 1e11 s"]),
    ("1e300 s", ["--t-end", "'1e300 s'", "no cell lives that long"]),
    ("1e-300 s", ["--t-end", "'1e-300 s'", "1e-12 s to 1e11 s", "continuum"]),
    ("1" * 5000 + " s", ["--t-end", "at most 40"]),
])
def test_odd_durations_are_refused_in_one_line(t_end, words):
    line = judge("simulate", "neuron", "--t-end", t_end, "--json")
    for word in words:
        assert word in line, (word, line)


@pytest.mark.parametrize("model", ["neuron", "pumpleak", "squid"])
@pytest.mark.parametrize("t_end", ["1e-12 s", "1e11 s"])
def test_the_longest_and_shortest_runs_hold_the_steady_state(model, t_end):
    """From the steady state without a scenario nothing moves, over 1 ps or 3200 years alike."""
    code, out, err = run_cli("simulate", model, "--t-end", t_end, "--json")
    assert code == 0, err
    v = np.array(json.loads(out)["states"]["V"]["values"])
    assert np.ptp(v) < 1e-6  # mV


# -- 6, 7: names and text never become file names or code -----------------------------------------------

def test_a_long_name_from_python_simulates_from_paths_of_hashes():
    model = dataclasses.replace(resolve_model("neuron"), name="n" * 300)
    result = simulate(model, times=[0.0, 1e-3])
    assert result.model == "n" * 300 and np.all(np.isfinite(result.y))


def test_text_from_python_stays_text_in_every_export():
    hostile = 'a\x00b """ */ -- <x>&\n__import__("os").system("false") \u2028 \\ end-'
    model = dataclasses.replace(resolve_model("neuron"), description=hostile, source=hostile)
    files = render_files(model, "all")
    for name, text in files.items():
        assert "\x00" not in text, name
        if name.endswith(".py"):
            tree = ast.parse(text)
            calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "__import__"]
            assert not calls, name
        if name.endswith((".xml", ".cellml", ".nml")):
            xml.dom.minidom.parseString(text.encode("utf-8"))


# -- 8: a result with NaN is refused ---------------------------------------------------------------------

def test_a_run_with_nan_is_refused():
    with pytest.raises(ModelError, match="the run is not finite from t = 0 s on"):
        simulate(resolve_model("neuron"), times=[0.0, 1e-3], params={"I_pump0": float("nan")}, solver="scipy")


# -- 9: the solver's budget ------------------------------------------------------------------------------

def test_a_run_past_its_budget_says_so(monkeypatch):
    monkeypatch.setattr(integrate, "MAX_RHS_CALLS", 20)
    with pytest.raises(ModelError, match=r"the solver gave up at t = .* after 20 evaluations of its rates in Python "
                                         r"\(SciPy's path.*CVODE has no such limit"):
        simulate(resolve_model("pumpleak"), "ouabain", times=[0.0, 3 * 3600.0], solver="scipy")


def test_a_50_MB_file_is_refused_without_reading_it(tmp_path):
    ion = '[ions.X{}]\nvalence = 1\ninside = "1 mM"\noutside = "1 mM"\nconductance = "1 mS/cm^2"\n'
    path = tmp_path / "big.toml"
    path.write_text(builtin_text("neuron") + "".join(ion.format(k) for k in range(583_000)), encoding="utf-8")
    assert path.stat().st_size > 50e6
    line = judge("derive", str(path), "--json", limit=15)
    assert "bytes: more than the 1000000 vrest reads" in line
    with pytest.raises(ModelError, match="characters: more than the 1000000"):
        model_from_text(path.read_text(encoding="utf-8"))


# -- 10: warnings are one line each --------------------------------------------------------

def test_37_kelvin_is_used_with_one_warning_line(tmp_path):
    path = tmp_path / "cold.toml"
    path.write_text(edited("neuron", ('"37 degC"', '"37 K"')), encoding="utf-8")
    code, out, err = run_cli("derive", str(path), "--json")
    assert code == 0
    assert err.splitlines() == [
        "vrest: warning: model.temperature = '37 K' is below 253.15 K (-20 degC), unusual for a living cell "
        "(living cells: -20 degC (bacteria in sea-ice brine) to 122 degC (Methanopyrus kandleri)); used as given; "
        "did you mean '37 degC'?"]
    # E_K = (R T / F) ln(4/140) at T = 37 K, R and F of CODATA 2018: -11.3349 mV, as the user saw it
    e_k = 8.314462618 * 37 / 96485.33212 * np.log(4 / 140) * 1e3
    assert json.loads(out)["quantities"]["E_K"]["value"] == pytest.approx(e_k, rel=1e-9)


def test_37_kelvin_in_a_scenario_step_gets_the_same_hint(tmp_path):
    path = tmp_path / "warm.toml"
    path.write_text(edited("neuron", ('"model.temperature" = "27 degC"', '"model.temperature" = "37 K"')),
                    encoding="utf-8")
    code, _, err = run_cli("derive", str(path))
    assert code == 0
    assert err.splitlines() == [(
        "vrest: warning: scenario.cooling.set.model.temperature = '37 K' is below 253.15 K (-20 degC), unusual for a "
        "living cell (living cells: -20 degC (bacteria in sea-ice brine) to 122 degC (Methanopyrus kandleri)); used "
        "as given; did you mean '37 degC'?")]


def test_a_cached_simulation_repeats_the_warning(tmp_path):
    path = tmp_path / "cold.toml"
    path.write_text(edited("neuron", ('"37 degC"', '"37 K"')), encoding="utf-8")
    for _ in range(2):  # a miss, then a hit
        code, _, err = run_cli("simulate", str(path), "--t-end", "1 ms", "--json")
        assert code == 0
        assert len(err.splitlines()) == 1 and "'37 K'" in err and "did you mean '37 degC'?" in err


# -- 11 --------------------------------------------------------------------------------------------------

def test_an_empty_model_argument_is_refused():
    line = judge("derive", "")
    assert line.startswith("vrest: error: MODEL = '': empty"), line


def test_a_pump_running_in_its_own_forward_direction_is_accepted(tmp_path):
    """Stoichiometry Na = -3, K = 2 moves -1 charge out per cycle: its forward current is inward (negative)."""
    text = edited("neuron", ("Na = 3\nK = -2", "Na = -3\nK = 2"), ('"0.75 uA/cm^2"', '"-0.75 uA/cm^2"'))
    assert run("derive", text, tmp_path)[0].startswith("answer")


@pytest.mark.parametrize("option, named", [(["--set", "g_K=1"], "--set = 'g_K=1': "),  # not "['g_K=1']"
                                           (["--stimulus-on"], "--stimulus-on: ")])  # not "= true"
def test_the_options_of_a_cellml_or_sbml_run_say_what_a_vrest_model_has_instead(option, named):
    code, out, err = run_cli("simulate", "neuron", *option)
    assert (code, out, err.count("\n")) == (2, "", 1), err
    assert err.startswith(f"vrest: error: {named}"), err
    assert "applies to a CellML or SBML model only; a vrest model's parameters change in its scenarios " \
           "([scenario.NAME] in the model file, --scenario NAME) or in a protocol file (--protocol FILE.toml)" in err
