"""`vrest simulate`'s text table says when it shows only some of the run's times; empty times are refused;
a run that ends before a scenario step says the step is not reached."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_cli


def test_the_table_says_how_many_times_it_shows():
    code, out, _ = run_cli("simulate", "neuron", "--scenario", "high_K")
    assert code == 0
    lines = out.strip().splitlines()
    rows = [line for line in lines[1:] if not line.startswith("(")]
    code, document, _ = run_cli("simulate", "neuron", "--scenario", "high_K", "--json")
    total = len(json.loads(document)["t"]["values"])
    assert total == 401 and len(rows) == 22  # every 20th time, and V's largest sample
    v = [float(row.split()[1]) for row in rows]
    assert lines[-1].startswith(f"(22 of the run's 401 times shown, V's smallest and largest of all 401 among them: "
                                f"{min(v):g} mV at t = ")
    assert f", {max(v):g} mV at t = " in lines[-1]
    assert lines[-1].endswith("; --json or --out FILE.csv give them all)")


def test_a_table_with_every_time_says_nothing_more():
    code, out, _ = run_cli("simulate", "neuron", "--times", "0 s,1 ms,5 ms")
    assert code == 0 and len(out.strip().splitlines()) == 4 and "shown" not in out


@pytest.mark.parametrize("key, value", [("--times", ""), ("--times", "  "), ("--t-end", "")])
def test_empty_times_are_refused(key, value):
    code, out, err = run_cli("simulate", "neuron", key, value)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith(f"vrest: error: {key} = {value!r}: is empty")


def test_a_step_after_the_end_of_the_run_is_said():
    code, _, err = run_cli("simulate", "pumpleak", "--scenario", "high_K", "--t-end", "5 min")
    assert code == 0
    assert ("vrest: warning: scenario high_K: step 2 at 600 s is not reached: the run ends at 300 s (give a later "
            "--t-end or --times to run through it)") in err.splitlines()
    code, _, err = run_cli("simulate", "pumpleak", "--scenario", "high_K", "--times", "0 s,11 min")
    assert code == 0 and "not reached" not in err


def test_the_given_start_reads_back_as_the_file_gives_it():
    """pumpleak's file gives K 134.5, Na 15.5, Cl 3.7 mM in 178.9 um^3: --json and --out start at those numbers,
    not at the 15.499999999999998 of amount / volume."""
    code, document, _ = run_cli("simulate", "pumpleak", "--start", "given", "--times", "0 s,1 ms", "--json")
    assert code == 0
    states = json.loads(document)["states"]
    assert [states[name]["values"][0] for name in ("K_i", "Na_i", "Cl_i", "volume")] == [134.5, 15.5, 3.7, 178.9]


def test_the_csv_gives_the_given_start_as_the_file_does(tmp_path):
    out = tmp_path / "run.csv"
    code, _, _ = run_cli("simulate", "pumpleak", "--start", "given", "--times", "0 s,1 ms", "--out", str(out))
    assert code == 0
    assert out.read_text().splitlines()[1].split(",")[2:] == ["134.5", "15.5", "3.7", "178.9"]


def test_a_range_of_times_is_that_many_evenly_spaced_both_ends_included():
    """"0..2 s 2001" is every millisecond: each time the double nearest k/1000 s (Python's division of two whole
    numbers is correctly rounded); "1.5..2.5 ms 3" the three decimals."""
    code, document, err = run_cli("simulate", "neuron", "--times", "0..2 s 2001", "--json")
    assert code == 0, err
    assert json.loads(document)["t"]["values"] == [k / 1000 for k in range(2001)]
    code, document, err = run_cli("simulate", "neuron", "--times", "1.5..2.5 ms 3", "--json")
    assert code == 0 and json.loads(document)["t"]["values"] == [0.0015, 0.002, 0.0025]
    for glued in ("1.5..2.5ms 3", "1.5e-3..2.5e-3s 3", "1.5 ms..2.5 ms 3e0"):  # units as a list takes them
        code, document, err = run_cli("simulate", "neuron", "--times", glued, "--json")
        assert code == 0 and json.loads(document)["t"]["values"] == [0.0015, 0.002, 0.0025], glued


def test_a_scenario_sweep_takes_a_range_of_times():
    code, document, err = run_cli("sweep", "neuron", "--vary", "ions.K.outside=3, 10 mM", "--scenario", "ouabain",
                                  "--times", "0..1 h 5", "--json")
    assert code == 0, err
    (t,) = [dim for dim in json.loads(document)["dims"] if dim["key"] == "t"]
    assert t["unit"] == "s" and t["values"] == [0, 900, 1800, 2700, 3600]


@pytest.mark.parametrize("times, problem", [
    ("0..20 ms", 'how many times? end the range with a count, e.g. "0..2 s 2001" (every ms)'),
    ("0..20 ms 1", 'a range needs a count of at least 2 (one time: give it alone, e.g. "2 s")'),
    ("5..2 ms 4", "the range must go from an earlier to a later time"),
    ("0..2 2001", 'the times need a unit, e.g. "0..2 s 2001"'),
    ("0..2 s 100001", "100001 output times, more than the 100000 allowed"),
    ("-1..2 s 3", "the first time, -1 s: must not be negative"),
    ("0..1e12 s 3", "the last time, 1e12 s: outside the allowed range 0 s to 1e11 s"),
    ("0..2 parsec 3", "the first time, 0 parsec: unit 'parsec' is not a time"),
    ("0..x s 3", "the last time 'x' is no number"),
    ("0 s,1 ms..2 ms 3", 'a range is the whole of the times, e.g. "0..2 s 2001", not an item of a list'),
    ("0..30 ms 1e6", "1000000 output times, more than the 100000 allowed"),  # a whole number, written so
    ("0..30 ms 2.5", "the count 2.5 is no whole number of times"),
    ("0..20 ms log 3", "output times are evenly spaced: leave out the spacing"),
    ("0...2 s 3", 'a range of times is FIRST..LAST unit COUNT, e.g. "0..2 s 2001"'),
])
def test_a_bad_range_of_times_is_one_line_naming_it(times, problem):
    code, out, err = run_cli("simulate", "neuron", "--times", times)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith(f"vrest: error: --times = {times!r}: {problem}")
