"""An SBML file's own protocol: events at fixed times that set parameters run as steps in `vrest simulate`;
other events are left out, said once; `--protocol` replaces the file's events, said too.

The model is Myokit's copy of Hodgkin & Huxley (1952) in the paper's convention (tests/models/myokit), time in
ms, with an event added: the applied current I := -10 at t >= 5 ms. Reference: Myokit 1.39's CVODES run of the
same file with I = -10 from its start (the stimulus switched on at 0), V = 10.0581, 1.6866, -8.3442, 9.6434 mV
after 5, 10, 15, 20 ms: the event's run must give them 5 ms later, and be at rest before."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli

HH = Path(__file__).parent / "models" / "myokit" / "HodgkinHuxley.xml"
MYOKIT_V = [10.0581, 1.6866, -8.3442, 9.6434]  # mV, 5, 10, 15, 20 ms after I is set to -10

_TIME = '<csymbol encoding="text" definitionURL="http://www.sbml.org/sbml/symbols/time">t</csymbol>'


def _event(name: str, trigger: str, variable: str, value: str) -> str:
    return (f'<event id="{name}"><trigger><math xmlns="http://www.w3.org/1998/Math/MathML">{trigger}</math>'
            f'</trigger><listOfEventAssignments><eventAssignment variable="{variable}"><math '
            f'xmlns="http://www.w3.org/1998/Math/MathML">{value}</math></eventAssignment></listOfEventAssignments>'
            '</event>')


def _with_events(tmp_path, *events: str) -> Path:
    text = HH.read_text(encoding="utf-8")
    text = text.replace('<parameter id="I" name="I" metaid="metaid_0000011" value="0"',
                        '<parameter id="I" name="I" metaid="metaid_0000011" value="0" constant="false"')
    path = tmp_path / "hh_events.xml"
    path.write_text(text.replace("  </model>", f"<listOfEvents>{''.join(events)}</listOfEvents>\n  </model>"),
                    encoding="utf-8")
    return path


INJECT = _event("inject", f"<apply><geq/>{_TIME}<cn>5</cn></apply>", "I", "<cn>-10</cn>")


def _run(path, *argv: str) -> tuple[list[float], str]:
    code, out, err = run_cli("simulate", str(path), "--times", "0 ms,3 ms,5 ms,10 ms,15 ms,20 ms,25 ms", "--json",
                             *argv)
    assert code == 0, err
    return json.loads(out)["states"]["V"]["values"], err


def test_an_event_at_a_fixed_time_is_a_step_of_the_run(tmp_path):
    v, err = _run(_with_events(tmp_path, INJECT))
    assert v[:3] == [pytest.approx(-0.00362067, abs=1e-8)] * 3  # at rest until the event
    assert v[3:] == [pytest.approx(x, abs=1e-3) for x in MYOKIT_V]
    assert err == ("vrest: warning: hh_events.xml: events at fixed times run as protocol steps in vrest simulate "
                   "(--protocol replaces them); the system at rest and vrest export leave them out: inject\n")
    again, _ = _run(tmp_path / "hh_events.xml")  # from the cache: the steps are kept with the plan
    assert again == v


def test_the_same_step_written_as_the_time_bound_first_and_in_e_notation(tmp_path):
    """5e0 <= time, -1e1: the same event."""
    path = _with_events(tmp_path, _event("inject", f'<apply><leq/><cn type="e-notation">5<sep/>0</cn>{_TIME}</apply>',
                                         "I", '<apply><minus/><cn type="e-notation">1<sep/>1</cn></apply>'))
    v, _ = _run(path)
    assert v[3:] == [pytest.approx(x, abs=1e-3) for x in MYOKIT_V]


def test_an_event_on_a_state_or_with_a_delay_is_left_out_and_said(tmp_path):
    kick = _event("kick", f"<apply><geq/>{_TIME}<cn>5</cn></apply>", "V", "<cn>-20</cn>")  # assigns a state
    late = _event("late", f"<apply><geq/>{_TIME}<cn>5</cn></apply>", "I", "<cn>-10</cn>").replace(
        "</trigger>", '</trigger><delay><math xmlns="http://www.w3.org/1998/Math/MathML"><cn>1</cn></math></delay>')
    on_v = _event("on_v", "<apply><gt/><ci>V</ci><cn>0</cn></apply>", "I", "<cn>0</cn>")  # a trigger on a state
    at_0 = _event("at_0", f"<apply><geq/>{_TIME}<cn>0</cn></apply>", "I", "<cn>-10</cn>")  # true from the start
    for events, why in (((kick, late, on_v), "kick is not (it sets V, which is no parameter)"),
                        ((late,), "late is not (it has a delay)"),
                        ((on_v,), "on_v is not (its trigger is not time >= a number, or time > a number)"),
                        ((at_0,), ("at_0 is not (its trigger, time >= 0, holds from the start: a step comes at a "
                                   "time after it)"))):
        v, err = _run(_with_events(tmp_path, *events))
        assert v == [pytest.approx(-0.00362067, abs=1e-8)] * 7  # nothing happens: the events are not run
        names = ", ".join(e.split('"')[1] for e in events)
        assert err == (f"vrest: warning: hh_events.xml: events left out, every one ({names}): vrest runs a file's "
                       f"events only where each is a step at a fixed time that sets parameters to numbers, and {why}; "
                       "vrest rests, runs and exports the model without them (give a run's steps with --protocol)\n")


def test_a_pulse_whose_end_cannot_be_run_is_not_run_as_a_step(tmp_path):
    """On at 5 ms, off at 6 ms after a delay: running the first event alone would turn a 1 ms pulse into a step
    that holds for the rest of the run. The events are run all or none."""
    on = _event("on", f"<apply><geq/>{_TIME}<cn>5</cn></apply>", "I", "<cn>-10</cn>")
    off = _event("off", f"<apply><geq/>{_TIME}<cn>5</cn></apply>", "I", "<cn>0</cn>").replace(
        "</trigger>", '</trigger><delay><math xmlns="http://www.w3.org/1998/Math/MathML"><cn>1</cn></math></delay>')
    v, err = _run(_with_events(tmp_path, on, off))
    assert v == [pytest.approx(-0.00362067, abs=1e-8)] * 7
    assert "events left out, every one (on, off)" in err and "off is not (it has a delay)" in err


def test_two_events_that_set_one_parameter_to_two_values_at_once_are_not_run(tmp_path):
    a = _event("a", f"<apply><geq/>{_TIME}<cn>5</cn></apply>", "I", "<cn>-10</cn>")
    b = _event("b", f"<apply><gt/>{_TIME}<cn>5</cn></apply>", "I", "<cn>-20</cn>")
    _, err = _run(_with_events(tmp_path, a, b))
    assert "events left out, every one (a, b)" in err and "two events set I to different values at t = 0.005 s" in err


def test_an_event_after_the_run_is_named_and_the_json_says_the_events_ran(tmp_path):
    code, out, err = run_cli("simulate", str(_with_events(tmp_path, INJECT)), "--times", "0 ms,3 ms", "--json")
    assert code == 0, err
    assert json.loads(out)["protocol"] == "the events of hh_events.xml"
    assert ("vrest: warning: the events of hh_events.xml: step 1 at 0.005 s is not reached: the run ends at 0.003 s "
            "(give a later --t-end or --times to run through it)") in err.splitlines()


def test_a_protocol_given_replaces_the_file_s_events(tmp_path):
    path = _with_events(tmp_path, INJECT)
    protocol = tmp_path / "later.toml"
    protocol.write_text('steps = [{at = "10 ms", set = {I = "-10"}}]\n', encoding="utf-8")
    code, out, err = run_cli("simulate", str(path), "--protocol", str(protocol), "--times", "0 ms,10 ms,15 ms",
                             "--json")
    assert code == 0, err
    v = json.loads(out)["states"]["V"]["values"]
    assert v[1] == pytest.approx(-0.00362067, abs=1e-8) and v[2] == pytest.approx(MYOKIT_V[0], abs=1e-3)
    assert f"vrest: warning: --protocol {protocol}: it replaces the events of hh_events.xml (the file's own " \
           "protocol: inject)" in err.splitlines()


def test_rest_and_export_leave_the_events_out(tmp_path):
    path = _with_events(tmp_path, INJECT)
    code, out, err = run_cli("rest", str(path), "--json")
    assert code == 0, err
    assert json.loads(out)["resting_states"][0]["V"] == pytest.approx(-0.00362067, abs=1e-8)  # I = 0, as written
    for target in ("sbml", "nmodl"):
        code, out, err = run_cli("export", str(path), "--to", target, "-o", str(tmp_path / target))
        assert code == 0, err
        text = (tmp_path / target / Path(out.split()[0]).name).read_text(encoding="utf-8")
        assert "<event" not in text and "NET_RECEIVE" not in text
        note = "The file&#39;s events (inject) are not in" if target == "sbml" else "The file's events (inject) are not in"
        assert f"{note} this export: it is the model without them." in text


def test_a_number_in_a_unit_of_its_own_is_not_read_and_the_event_is_left_out(tmp_path):
    """Level 3 lets a <cn> carry sbml:units; the value is read in the unit of what it sets, so such an event is
    left out rather than run at a value that may be a thousand times off."""
    units = ' xmlns:sbml="http://www.sbml.org/sbml/level3/version2/core" sbml:units="volt"'
    path = _with_events(tmp_path, _event("e_r", f"<apply><geq/>{_TIME}<cn>5</cn></apply>", "E_R",
                                         f"<cn{units}>-0.08</cn>"))
    _, err = _run(path)
    assert "e_r is not (it sets E_R to something other than a number in its unit)" in err


def test_outputs_farther_apart_than_the_events_are_warned(tmp_path):
    """A 1 ms pulse (on at 5 ms, off at 6 ms) in a 2 s run: the default 401 outputs are 5 ms apart, so the action
    potential the pulse starts can fall between two of them; said as for a vrest scenario, and for a --protocol
    with the same pulse. Times given with --times are the user's choice: nothing."""
    on = _event("on", f"<apply><geq/>{_TIME}<cn>5</cn></apply>", "I", "<cn>-10</cn>")
    off = _event("off", f"<apply><geq/>{_TIME}<cn>6</cn></apply>", "I", "<cn>0</cn>")
    path = _with_events(tmp_path, on, off)
    said = ("the output times are 5 ms apart, more than the 1 ms between {} at 5 ms and 6 ms: what V does then can "
            "fall between two outputs, the largest V too (give --times, or a shorter --t-end)")
    code, _, err = run_cli("simulate", str(path), "--t-end", "2 s")
    assert code == 0 and f"vrest: warning: {said.format('hh_events.xml' + chr(39) + 's events')}" in err.splitlines()
    protocol = tmp_path / "pulse.toml"
    protocol.write_text('steps = [{at = "5 ms", set = {I = "-10"}}, {at = "6 ms", set = {I = "0"}}]\n',
                        encoding="utf-8")
    code, _, err = run_cli("simulate", str(path), "--protocol", str(protocol), "--t-end", "2 s")
    assert code == 0 and f"vrest: warning: {said.format('the protocol' + chr(39) + 's steps')}" in err.splitlines()
    code, _, err = run_cli("simulate", str(path), "--times", "0 ms,4 ms,20 ms")
    assert code == 0 and "output times" not in err


def test_a_step_outside_the_model_s_domain_is_one_line_that_says_when(tmp_path):
    """A step that sets the capacitance to 0 at 5 ms: dV/dt divides by it. One line, exit 2, at the step's time,
    the cause a value outside the model's domain (it said "the rates at the start ... an exponential")."""
    protocol = tmp_path / "cm0.toml"
    protocol.write_text('steps = [{at = "5 ms", set = {Cm = 0}}]\n', encoding="utf-8")
    code, out, err = run_cli("simulate", str(HH), "--protocol", str(protocol), "--t-end", "20 ms")
    assert (code, out, err.count("\n")) == (2, "", 1), err
    assert "gave up at model time t = 0.005 s: the rates where it started (the run's start, or a step's) are no " \
           "finite numbers (a state or parameter outside the model's domain: a division by zero" in err
    assert err.rstrip().endswith("the parameters that differ from the model's: Cm = 0")


def test_vrest_s_own_export_runs_its_selected_scenario(tmp_path):
    """vrest's SBML export holds every scenario as events (trigger: scenario == k and time >= S_j_at, values from
    parameters) and selects scenario 1; read back, every event was left out with "its trigger is not time >= a
    number". Now the selected scenario's steps run (neuron's ouabain at 0 s, as libRoadRunner runs the exported
    file), and the other scenarios' events wait for their value of scenario."""
    import numpy as np
    import roadrunner

    code, out, err = run_cli("export", "neuron", "--to", "sbml", "-o", str(tmp_path))
    assert code == 0, err
    path = Path(out.strip())
    runner = roadrunner.RoadRunner(str(path))
    runner.integrator.relative_tolerance, runner.integrator.absolute_tolerance = 1e-12, 1e-14
    times = [0, 0.001, 0.005, 0.03]
    reference = runner.simulate(times=times, selections=["time", "V"])[:, 1]  # mV
    code, out, err = run_cli("simulate", str(path), "--times", ",".join(f"{t} s" for t in times), "--json")
    assert code == 0, err
    assert np.allclose(json.loads(out)["states"]["V"]["values"], reference, rtol=0, atol=1e-5)
    assert reference[-1] - reference[0] > 4  # the pump is off: V relaxes towards the leaks' -71.6 mV
    assert err == EXPORT_EVENTS_WARNING


EVENTS = "scenario = 1: ouabain_step1; scenario = 2: high_K_step1, high_K_step2; scenario = 3: cooling_step1"
EXPORT_EVENTS_WARNING = ("vrest: warning: neuron.sbml.xml: events at fixed times run as protocol steps in vrest simulate "
                         "(--protocol replaces them); the system at rest and vrest export leave them out: "
                         "ouabain_step1, high_K_step1, cooling_step1, high_K_step2; each runs where its trigger's value "
                         f"holds ({EVENTS}; vrest simulate --set scenario=N selects one)\n")


def test_a_scenario_selected_with_set_runs_as_libroadrunner_runs_it(tmp_path):
    """`--set scenario=2` on vrest's own SBML export ran scenario 1 all the same (the steps were chosen when the file
    was read, at its own scenario = 1): a wrong answer with no warning. It runs neuron's high_K (K_o 4 -> 20 mM at
    0 s, back at 100 ms) as libRoadRunner runs the file with scenario = 2; scenario 3 (cooling) another course."""
    import numpy as np
    import roadrunner

    code, out, err = run_cli("export", "neuron", "--to", "sbml", "-o", str(tmp_path))
    assert code == 0, err
    path = Path(out.strip())
    times = [0, 0.002, 0.05, 0.1, 0.102, 0.2]
    courses = {}
    for scenario in (2, 3):
        runner = roadrunner.RoadRunner(str(path))
        runner.setValue("init(scenario)", scenario)  # and reset: ouabain's event at 0 s fired when the file loaded
        runner.reset()
        runner.integrator.relative_tolerance, runner.integrator.absolute_tolerance = 1e-12, 1e-14
        reference = runner.simulate(times=times, selections=["time", "V"])[:, 1]  # mV
        code, out, err = run_cli("simulate", str(path), "--set", f"scenario={scenario}",
                                 "--times", ",".join(f"{t} s" for t in times), "--json")
        assert code == 0 and err == EXPORT_EVENTS_WARNING, err
        courses[scenario] = np.array(json.loads(out)["states"]["V"]["values"])
        assert np.allclose(courses[scenario], reference, rtol=0, atol=1e-5), (scenario, courses[scenario], reference)
    code, out, err = run_cli("simulate", str(path), "--set", "scenario=5", "--times", "0 s,30 ms")  # none has 5
    assert code == 0 and err.endswith("vrest: warning: no event of neuron.sbml.xml fires with scenario = 5: the run "
                                      f"has no steps (its events: {EVENTS})\n")
    high_k = courses[2]
    assert high_k[2] - high_k[0] > 10 and abs(high_k[-1] - high_k[0]) < 1  # depolarised by the bath, then back
    assert not np.allclose(courses[3], high_k, atol=1)


def test_an_export_that_selects_no_scenario_runs_none(tmp_path):
    """With the export's scenario parameter at 0 no event fires: the run stays at the file's steady state, as
    libRoadRunner runs the same edited file (the warning once named an empty list of steps; it names the events
    that wait for their value of scenario)."""
    import roadrunner

    code, out, err = run_cli("export", "neuron", "--to", "sbml", "-o", str(tmp_path))
    assert code == 0, err
    path = Path(out.strip())
    text = path.read_text(encoding="utf-8")
    selected = 'name="scenario to run: 0 none, k the k-th scenario of the model" value="1.0"'
    assert selected in text
    path.write_text(text.replace(selected, selected.replace('value="1.0"', 'value="0"')), encoding="utf-8")
    code, out, err = run_cli("simulate", str(path), "--times", "0 s,30 ms", "--json")
    assert code == 0 and err == EXPORT_EVENTS_WARNING + (f"vrest: warning: no event of neuron.sbml.xml fires with "
                                                         f"scenario = 0: the run has no steps (its events: {EVENTS})\n")
    runner = roadrunner.RoadRunner(str(path))
    runner.integrator.relative_tolerance, runner.integrator.absolute_tolerance = 1e-12, 1e-14
    reference = runner.simulate(times=[0, 0.03], selections=["time", "V"])[:, 1]  # mV
    assert abs(reference[1] - reference[0]) < 1e-6  # no step: V stays where the file starts
    assert json.loads(out)["states"]["V"]["values"] == [pytest.approx(x, abs=1e-6) for x in reference]
