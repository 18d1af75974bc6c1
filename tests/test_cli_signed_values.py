"""A value that starts with '-' after an option that takes one (``--range -150..60mV``) is that option's value,
in every command, through the real entry point; unknown options are still refused.

The resting potential of the Hodgkin-Huxley file comes from the equations written out with mpmath in
test_sweep_imported (hh_rest); the squid model's is compared between the forms of --range.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli
from test_sweep_imported import hh_rest

from vrest.codegen.cli import main
from vrest.codegen.cli.range_option import RANGE_HELP, gather_range_values, range_spellings

HH = str(Path(__file__).parent / "models" / "hodgkin_huxley_squid_axon_model_1952_modified.cellml")


SEP = "\0"
RANGE = {"--range"}


@pytest.mark.parametrize(("argv", "gathered"), [
    (["rest", "m", "--range", "-150..60mV"], ["rest", "m", "--range=-150..60mV"]),
    (["rest", "m", "--range", "-.1..0.05V", "--json"], ["rest", "m", "--range=-.1..0.05V", "--json"]),
    (["rest", "m", "--range", "-150", "60"], ["rest", "m", f"--range=-150{SEP}60"]),
    (["rest", "m", "--range", "-150 mV", "60 mV"], ["rest", "m", f"--range=-150 mV{SEP}60 mV"]),
    (["rest", "--range", "-150mV", "60mV", "m"], ["rest", f"--range=-150mV{SEP}60mV", "m"]),
    (["rest", "m", "--range=-150mV", "-60mV"], ["rest", "m", f"--range=-150mV{SEP}-60mV"]),
    (["rest", "m", "--range", "--json"], ["rest", "m", "--range", "--json"]),
    (["rest", "m", "--json", "-150..60mV"], ["rest", "m", "--json", "-150..60mV"]),  # --json takes no value
    (["rest", "--", "--range", "-150..60mV"], ["rest", "--", "--range", "-150..60mV"]),
    # a unit typed as a word of its own, without quotes: it belongs to the value before it (was "unrecognized
    # arguments: V"); a unit word after a value with its unit ends the range
    (["rest", "m", "--range", "-100..-50", "mV"], ["rest", "m", "--range=-100..-50 mV"]),
    (["rest", "m", "--range", "-100", "mV", "-50", "mV"], ["rest", "m", f"--range=-100 mV{SEP}-50 mV"]),
    (["rest", "--range", "-150..60mV", "V", "m"], ["rest", "--range=-150..60mV", "V", "m"]),
])
def test_the_values_of_range_are_gathered_into_one_argument(argv, gathered):
    assert gather_range_values(argv, RANGE) == gathered


def test_range_is_recognised_abbreviated_only_where_argparse_would_take_the_abbreviation():
    assert range_spellings(["--range", "--json", "--start"]) == {"--r", "--ra", "--ran", "--rang", "--range"}
    assert range_spellings(["--range", "--rtol"]) == {"--ra", "--ran", "--rang", "--range"}
    assert range_spellings(["--rtol", "--reduced"]) == set()


@pytest.mark.parametrize("command", ["rest", "sweep", "sensitivity"])
def test_range_help_is_one_text_in_every_command_that_takes_it(command, capsys):
    """--help of rest, sweep and sensitivity lists the forms and says that a unit is required."""
    with pytest.raises(SystemExit):
        main([command, "--help"])
    assert " ".join(RANGE_HELP.split()) in " ".join(capsys.readouterr().out.split())
    assert "'-150 mV' '60 mV'" in RANGE_HELP and "a unit is required" in RANGE_HELP


def test_rest_reads_every_form_of_a_range_that_starts_with_minus():
    expected = json.loads(run_cli("rest", "squid", "--json", "--range", "-100..0 mV")[1])
    assert expected["range"] == {"unit": "mV", "values": [-100.0, 0.0]}
    for form in (["--range", "-100..0mV"], ["--range=-100..0mV"], ["--range", "-0.1..0V"],
                 ["--range", "-100 mV", "0 mV"], ["--range", "-100mV", "0mV"], ["--range", "-100mV", "0 mV"],
                 ["--range=-100mV", "-0mV"], ["--rang", "-100..0mV"], ["--ran", "-100 mV", "0 mV"],
                 ["--range", "-100 mV..0 mV"], ["--range", "-0.1 V..0 mV"], ["--range", "-100..0", "mV"]):
        code, out, err = run_cli("rest", "squid", "--json", *form)
        assert code == 0 and err == "", form
        assert json.loads(out) == expected, form
    for form in (["--range", "-100 mV", "0 mV"], ["--range", "-100mV", "0mV"], ["--r", "-100..0mV"]):
        code, out, err = run_cli("rest", *form, "squid", "--json")  # before MODEL: the model is not a voltage
        assert code == 0 and err == "", form
        assert json.loads(out) == expected, form


@pytest.mark.parametrize(("argv", "error"), [
    (("rest", "squid", "--range", "-150..60"),
     "vrest: error: --range = '-150..60': a unit is required: a voltage such as '-150 mV'\n"),
    (("rest", "squid", "--range", "-150", "60"),
     "vrest: error: --range = '-150 60': a unit is required: a voltage such as '-150 mV'\n"),
    (("rest", "squid", "--range", "-150...60mV"),
     "vrest: error: --range = '-150...60mV': expected 'LO..HI mV' with two dots (e.g. '-150..60 mV')\n"),
    (("rest", "squid", "--range", "-150..0mV", "60mV"),
     "vrest: error: --range = '-150..0mV 60mV': expected 'LO..HI mV' or two voltages 'LO mV' 'HI mV'\n"),
    (("rest", "squid", "--range", "-150mV", "0mV", "60mV"),
     "vrest: error: --range = '-150mV 0mV 60mV': expected 'LO..HI mV' or two voltages 'LO mV' 'HI mV'\n"),
    (("rest", "squid", "--range", "--json"), "vrest: error: rest: argument --range: expected one argument\n"),
    (("rest", "squid", "--bogus", "-150..60mV"), "vrest: error: unrecognized arguments: --bogus -150..60mV\n"),
    (("rest", "squid", "--json", "-150..60mV"), "vrest: error: unrecognized arguments: -150..60mV\n"),
    # a misspelled option: the command's closest, as for a misspelled key in a file
    (("derive", "squid", "--qantity", "V_ss"),
     "vrest: error: unrecognized arguments: --qantity V_ss; did you mean '--quantity'?\n"),
    (("rest", "squid", "--rnage=-100..0mV"), "vrest: error: unrecognized arguments: --rnage=-100..0mV; did you mean "
                                             "'--range'?\n"),
    (("derive", "squid", "-quantity", "V_ss"),
     "vrest: error: unrecognized arguments: -quantity V_ss; did you mean '--quantity'?\n"),
    (("simulate", "--model", "squid"), "vrest: error: unrecognized arguments: --model; the model is the command's "
                                       "first argument, not an option (vrest COMMAND MODEL ...)\n"),
    (("rest", "squid", "--modle", "x"), "vrest: error: unrecognized arguments: --modle x\n"),  # nothing close: none
])
def test_a_range_without_unit_reaches_vrest_s_own_message_and_unknown_options_are_refused(argv, error):
    assert run_cli(*argv) == (2, "", error)


@pytest.mark.parametrize(("range_", "rests"), [
    (["--range", "-100..0mV"], True), (["--range", "-60..0mV"], False), (["--rang", "-100mV", "0mV"], True),
    (["--ra", "-60 mV", "0 mV"], False)])
def test_sweep_of_a_file_reads_a_range_that_starts_with_minus(range_, rests):
    """HH at g_K = 45 mS/cm^2 rests near -75 mV (E_R = -75 mV): inside -100..0 mV, outside -60..0 mV."""
    code, out, err = run_cli("sweep", *range_, HH, "--vary", "g_K=45 mS/cm^2", "--quantity", "V_rest", "--json")
    assert code == 0, err
    value = json.loads(out)["quantities"]["V_rest"]["values"][0]
    v, _, _, stable = hh_rest(45)
    assert stable and -100 < v < -60
    if rests:
        assert value == pytest.approx(float(v), abs=1e-9)
    else:
        assert value is None and "the cell comes to rest outside it" in err  # the voltage range
