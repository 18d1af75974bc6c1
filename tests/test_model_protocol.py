"""`vrest simulate MODEL --protocol FILE.toml` for vrest's own models: an experiment in its own file, written as a
[scenario.NAME] table, run as a scenario would be.

The neuron (ohmic K, Na, Cl leaks of 0.1, 0.015, 0.035 mS/cm^2, a constant 0.75 uA/cm^2 pump, 1 uF/cm^2, 37 C)
is one RC circuit: after each step of the bath's K+ it relaxes to the new chord-conductance V_ss with
tau_m = C_m/g = 6.667 ms, computed here with mpmath."""

from __future__ import annotations

import json

import mpmath as mp
import pytest
from conftest import run_cli

RT_F = mp.mpf("8.314462618") * mp.mpf("310.15") / mp.mpf("96485.33212") * 1000  # mV
G = {"K": mp.mpf("0.1"), "Na": mp.mpf("0.015"), "Cl": mp.mpf("0.035")}
PUMP, TAU = mp.mpf("0.75"), mp.mpf(1) / mp.mpf("0.15")  # uA/cm^2, ms


def v_ss(k_o):
    e = {"K": RT_F * mp.log(k_o / 140), "Na": RT_F * mp.log(mp.mpf(145) / 12), "Cl": -RT_F * mp.log(mp.mpf(110) / 10)}
    return (sum(G[x] * e[x] for x in G) - PUMP) / sum(G.values())


PULSE = """description = "bath K 4 -> 20 mM at 10 ms, back at 30 ms"
steps = [
  { at = "10 ms", set = { "ions.K.outside" = "20 mM" } },
  { at = "30 ms", set = { "ions.K.outside" = "4 mM" } },
]
"""


def test_a_protocol_file_runs_its_steps(tmp_path):
    path = tmp_path / "high_k.toml"
    path.write_text(PULSE, encoding="utf-8")
    times = [0, 9, 11, 20, 29, 31, 40]
    code, out, err = run_cli("simulate", "neuron", "--protocol", str(path), "--times",
                             ",".join(f"{t} ms" for t in times), "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert (doc["scenario"], doc["protocol"]) == (None, str(path))
    rest, high = v_ss(mp.mpf(4)), v_ss(mp.mpf(20))
    at_30 = high + (rest - high) * mp.exp(-20 / TAU)

    def expected(t):
        if t < 10:
            return rest
        if t < 30:
            return high + (rest - high) * mp.exp(-(t - 10) / TAU)
        return rest + (at_30 - rest) * mp.exp(-(t - 30) / TAU)

    for t, v in zip(times, doc["states"]["V"]["values"]):
        assert v == pytest.approx(float(expected(mp.mpf(t))), abs=1e-4), t


def test_a_sweep_runs_the_protocol_from_each_point_s_rest(tmp_path):
    """Each point starts at the rest of its own K_o; the protocol's steps set K_o for all (20 mM, then 4 mM)."""
    path = tmp_path / "high_k.toml"
    path.write_text(PULSE, encoding="utf-8")
    code, out, err = run_cli("sweep", "neuron", "--vary", "ions.K.outside=4, 10 mM", "--protocol", str(path),
                             "--times", "5 ms,40 ms", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert (doc["scenario"], doc["protocol"]) == ("protocol", str(path))
    rest, high = v_ss(mp.mpf(4)), v_ss(mp.mpf(20))
    for start, (v_5, v_40) in zip((rest, v_ss(mp.mpf(10))), doc["states"]["V"]["values"]):
        at_30 = high + (start - high) * mp.exp(-20 / TAU)
        assert v_5 == pytest.approx(float(start), abs=1e-6)
        assert v_40 == pytest.approx(float(rest + (at_30 - rest) * mp.exp(-10 / TAU)), abs=1e-4)
    code, out, err = run_cli("sweep", "neuron", "--vary", "ions.K.outside=4, 10 mM", "--protocol", str(path),
                             "--times", "0 s,20 ms")
    assert code == 0 and err == (f"vrest: warning: protocol {path}: step 2 at 0.03 s is not reached: the run ends at "
                                 "0.02 s (give a later last time in --times to run through it)\n")
    code, out, err = run_cli("sweep", "neuron", "--vary", "ions.K.outside=4, 10 mM", "--protocol", str(path))
    assert (code, out) == (2, "") and err == f"vrest: error: --protocol = '{path}': needs --times T1,T2,... (the output times)\n"


@pytest.mark.parametrize("text, said", [
    ('steps = [{ at = "10 ms", set = { "ions.K.outsid" = "20 mM" } }]\n',
     ("--protocol bad.toml: steps[1].set.ions.K.outsid = '20 mM': unknown key for a scenario step; did you mean "
      "'ions.K.outside'?")),
    ('at = "10 ms"\nset = { "ions.K.outside" = "-20 mM" }\n',
     "--protocol bad.toml: set.ions.K.outside = '-20 mM': must be positive"),
    ("foo = 1\n", "--protocol bad.toml: foo = 1: unknown key"),
    ("steps = [\n", "--protocol = '{path}': not a TOML file"),
])
def test_a_bad_protocol_file_is_one_line_naming_its_key(tmp_path, text, said):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    code, out, err = run_cli("simulate", "neuron", "--protocol", str(path))
    assert (code, out, err.count("\n")) == (2, "", 1), err
    assert err.startswith("vrest: error: " + said.format(path=path)), err


def test_a_protocol_and_a_scenario_are_not_run_together(tmp_path):
    path = tmp_path / "high_k.toml"
    path.write_text(PULSE, encoding="utf-8")
    code, out, err = run_cli("simulate", "neuron", "--protocol", str(path), "--scenario", "ouabain")
    assert (code, out) == (2, "") and "give a scenario or a protocol, not both (--scenario ouabain)" in err


def test_the_readme_s_protocol_example_is_what_vrest_prints(tmp_path, monkeypatch):
    from pathlib import Path

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    block = readme.split("$ cat pulse.toml\n", 1)[1].split("```", 1)[0]
    text, rest = block.split("$ vrest simulate ", 1)
    command, shown = rest.split("\n", 1)
    (tmp_path / "pulse.toml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert command == 'neuron --protocol pulse.toml --times "0 ms,20 ms,40 ms"'
    code, out, err = run_cli("simulate", "neuron", "--protocol", "pulse.toml", "--times", "0 ms,20 ms,40 ms")
    assert code == 0 and err == "", err
    assert out == shown


def test_derive_takes_a_protocol_file_as_a_scenario(tmp_path):
    """Each step: V just before it and the new V_ss, as the RC circuit above gives them."""
    path = tmp_path / "high_k.toml"
    path.write_text(PULSE, encoding="utf-8")
    code, out, err = run_cli("derive", "neuron", "--protocol", str(path), "--json")
    assert code == 0, err
    scenario = json.loads(out)["scenario"]
    assert scenario["description"] == "bath K 4 -> 20 mM at 10 ms, back at 30 ms (from high_k.toml)"
    steps = scenario["steps"]
    rest, high = v_ss(mp.mpf(4)), v_ss(mp.mpf(20))
    assert steps[0]["quantities"]["V_ss"]["value"] == pytest.approx(float(high), rel=1e-12)
    assert steps[1]["quantities"]["V_before"]["value"] == pytest.approx(
        float(high + (rest - high) * mp.exp(-20 / TAU)), abs=1e-6)
    assert steps[1]["quantities"]["V_ss"]["value"] == pytest.approx(float(rest), rel=1e-12)
    code, out, err = run_cli("derive", "neuron", "--protocol", str(path), "--scenario", "ouabain")
    assert (code, out) == (2, "") and "give a scenario or a protocol, not both" in err


@pytest.mark.parametrize("model, text, said", [
    ("neuron", "", "--protocol bad.toml: the file holds no steps"),
    ("neuron", 'scale = { "channels.K.conductance" = 0.5 }\n',
     ("--protocol bad.toml: scale.channels.K.conductance = 0.5: cannot change in a scenario step: the model has no "
      "channel K (its channels: none)")),
    ("hh", 'scale = { "channels.X.conductance" = 0.5 }\n',
     ("--protocol bad.toml: scale.channels.X.conductance = 0.5: cannot change in a scenario step: the model has no "
      "channel X (its channels: Na, K, L)")),
])
def test_an_empty_protocol_or_a_channel_the_model_lacks_is_said_so(tmp_path, model, text, said):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    code, out, err = run_cli("simulate", model, "--protocol", str(path))
    assert (code, out, err.count("\n")) == (2, "", 1), err
    assert err.startswith("vrest: error: " + said), err


def test_a_stimulus_in_a_protocol_is_injected_into_any_model(tmp_path):
    """The neuron's file injects no current (its scenarios set none), and a protocol's pulse was refused: a passive
    cell's charging curve is the first experiment. 1 uA/cm^2 from 5 to 25 ms into the RC circuit: V rises by
    I/g (1 - exp(-t/tau_m)) and falls back as exp(-t/tau_m) (mpmath). hh has a stimulus current of its own."""
    path = tmp_path / "stim.toml"
    path.write_text('steps = [{at = "5 ms", set = {"stimulus.current" = "1 uA/cm^2"}}, '
                    '{at = "25 ms", set = {"stimulus.current" = "0 uA/cm^2"}}]\n', encoding="utf-8")
    code, out, err = run_cli("simulate", "neuron", "--protocol", str(path), "--times", "0 ms,5 ms,15 ms,25 ms,35 ms",
                             "--json")
    assert code == 0 and err == "", err
    step = 1 / sum(G.values())  # mV: I/g
    rise = [0, 0, step * (1 - mp.exp(-10 / TAU)), step * (1 - mp.exp(-20 / TAU))]
    expected = [v_ss(4) + x for x in rise + [rise[-1] * mp.exp(-10 / TAU)]]
    assert json.loads(out)["states"]["V"]["values"] == pytest.approx([float(v) for v in expected], abs=1e-5)
    code, out, err = run_cli("simulate", "hh", "--protocol", str(path), "--times", "0 ms,4 ms,5 ms", "--json")
    assert code == 0, err
    v = json.loads(out)["states"]["V"]["values"]
    assert v[1] == pytest.approx(v[0], abs=1e-9) and v[2] == pytest.approx(v[0], abs=1e-9)  # at rest until 5 ms


def test_a_built_in_model_s_file_can_be_copied_and_read_back(tmp_path):
    """`vrest models --toml NAME` prints the file vrest reads; written to a file it is the same model."""
    code, out, err = run_cli("models", "--toml", "pumpleak")
    assert code == 0 and err == "", err
    path = tmp_path / "my_cell.toml"
    path.write_text(out, encoding="utf-8")
    code, mine, err = run_cli("derive", str(path), "--quantity", "V_ss,volume_ss", "--json")
    assert code == 0, err
    code, built_in, err = run_cli("derive", "pumpleak", "--quantity", "V_ss,volume_ss", "--json")
    assert json.loads(mine)["quantities"] == json.loads(built_in)["quantities"]
    code, out, err = run_cli("models", "--toml", "nope")
    assert (code, out) == (2, "") and "no built-in model of that name (one of neuron, squid, pumpleak, hh)" in err


def test_a_sweep_warns_of_a_step_that_unbalances_the_bath_as_simulate_does(tmp_path):
    """pumpleak's bath is balanced (K_o + Na_o = Cl_o = 145 mM); K_o 3 -> 20 mM alone leaves 17 mM more cations."""
    path = tmp_path / "pulse.toml"
    path.write_text('steps = [{ at = "10 s", set = { "ions.K.outside" = "20 mM" } }]\n', encoding="utf-8")
    said = "step 1 at 10 s: the bath is not electroneutral: K_o + Na_o = 162 mM against Cl_o = 145 mM"
    for command in (("simulate", "pumpleak"), ("sweep", "pumpleak", "--vary", "pump=1, 0.5")):
        code, _, err = run_cli(*command, "--protocol", str(path), "--times", "0 s,20 s")
        assert code == 0 and said in err, (command, err)


def test_a_warmed_pump_is_named_as_the_cause(tmp_path):
    """37 -> 100 degC: the pump's q10 of 3 makes the neuron's 0.75 uA/cm^2 0.75 x 3^6.3 (mpmath), and V runs to
    -5151 mV; only V was warned ("outside the physical range"), not why."""
    path = tmp_path / "hot.toml"
    path.write_text('steps = [{at = "10 ms", set = {"model.temperature" = "100 degC"}}]\n', encoding="utf-8")
    code, _, err = run_cli("simulate", "neuron", "--protocol", str(path), "--times", "0 ms,60 ms")
    assert code == 0, err
    rate = mp.mpf("0.75") * 3 ** ((mp.mpf("373.15") - mp.mpf("310.15")) / 10)  # 759.98 uA/cm^2
    assert (f"steps[1].set.model.temperature = '100 degC': the pump's q10 of 3 makes its rate {float(rate):.3g} "
            "uA/cm^2 there (0.75 uA/cm^2 at 37 degC), above 100 uA/cm^2") in err, err
    path.write_text('steps = [{at = "10 ms", set = {"model.temperature" = "27 degC"}}]\n', encoding="utf-8")
    code, _, err = run_cli("simulate", "neuron", "--protocol", str(path), "--times", "0 ms,60 ms")
    assert code == 0 and err == "", err  # cooling: nothing to say


def test_a_protocols_figure_names_its_file(tmp_path, monkeypatch):
    """The figure of hh with a protocol file was titled "hh, scenario protocol" (the name the file's steps take
    among the model's scenarios); a CellML run's names the file: both now "protocol stim.toml"."""
    from vrest.codegen import plotting

    titles = []
    monkeypatch.setattr(plotting, "plot_panels", lambda t, panels, title, path, *a, **k: titles.append(title) or path)
    path = tmp_path / "stim.toml"
    path.write_text('steps = [{at = "1 ms", set = {"stimulus.current" = "10 uA/cm^2"}}]\n', encoding="utf-8")
    assert run_cli("simulate", "hh", "--protocol", str(path), "--plot", str(tmp_path / "f.png"))[0] == 0
    assert titles == ["hh, protocol stim.toml"]


@pytest.mark.parametrize("current, said", [
    ("-1e6 uA/cm^2", "error: --protocol stim.toml: steps[1].set.stimulus.current = '-1e6 uA/cm^2': outside the "
                     "allowed range -1e4 uA/cm^2 to 1e4 uA/cm^2: below -1e4 uA/cm^2 an injected current would charge "
                     "1 uF/cm^2 of membrane by 10 V in a millisecond"),  # was "0 to 1e4", a pump's reasons
    ("2000 uA/cm^2", "warning: --protocol stim.toml: steps[1].set.stimulus.current = '2000 uA/cm^2' is above 1000 "
                     "uA/cm^2, unusual for a living cell (stimuli of excitable cells"),
])
def test_an_injected_current_has_an_electrodes_range(tmp_path, current, said):
    path = tmp_path / "stim.toml"
    path.write_text(f'steps = [{{at = "1 ms", set = {{"stimulus.current" = "{current}"}}}}]\n', encoding="utf-8")
    code, _, err = run_cli("simulate", "neuron", "--protocol", str(path), "--times", "0 ms,2 ms")
    assert err.startswith(f"vrest: {said}"), err
    assert code == (2 if "error" in said else 0)
