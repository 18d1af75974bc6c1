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

from vrest.codegen.cli import join_signed_values

HH = str(Path(__file__).parent / "models" / "hodgkin_huxley_squid_axon_model_1952_modified.cellml")


@pytest.mark.parametrize(("argv", "joined"), [
    (["rest", "m", "--range", "-150..60mV"], ["rest", "m", "--range=-150..60mV"]),
    (["rest", "m", "--range", "-.1..0.05V", "--json"], ["rest", "m", "--range=-.1..0.05V", "--json"]),
    (["rest", "m", "--range", "-150", "60"], ["rest", "m", "--range", "-150", "60"]),  # argparse reads these
    (["rest", "m", "--range", "-150 mV", "60 mV"], ["rest", "m", "--range", "-150 mV", "60 mV"]),
    (["rest", "m", "--range", "--json"], ["rest", "m", "--range", "--json"]),
    (["rest", "m", "--json", "-150..60mV"], ["rest", "m", "--json", "-150..60mV"]),  # --json takes no value
    (["rest", "--", "--range", "-150..60mV"], ["rest", "--", "--range", "-150..60mV"]),
])
def test_only_a_value_argparse_would_take_for_an_option_is_joined(argv, joined):
    assert join_signed_values(argv) == joined


def test_rest_reads_every_form_of_a_range_that_starts_with_minus():
    expected = json.loads(run_cli("rest", "squid", "--json", "--range", "-100..0 mV")[1])
    assert expected["range"] == {"unit": "mV", "values": [-100.0, 0.0]}
    for form in (["--range", "-100..0mV"], ["--range=-100..0mV"], ["--range", "-0.1..0V"],
                 ["--range", "-100 mV", "0 mV"]):
        code, out, err = run_cli("rest", "squid", "--json", *form)
        assert code == 0 and err == "", form
        assert json.loads(out) == expected, form


@pytest.mark.parametrize(("argv", "error"), [
    (("rest", "squid", "--range", "-150..60"),
     "vrest: error: --range = '-150..60': a unit is required: a voltage such as '-150 mV'\n"),
    (("rest", "squid", "--range", "-150", "60"),
     "vrest: error: --range = '-150 60': a unit is required: a voltage such as '-150 mV'\n"),
    (("rest", "squid", "--bogus", "-150..60mV"), "vrest: error: unrecognized arguments: --bogus -150..60mV\n"),
    (("rest", "squid", "--json", "-150..60mV"), "vrest: error: unrecognized arguments: -150..60mV\n"),
])
def test_a_range_without_unit_reaches_vrest_s_own_message_and_unknown_options_are_refused(argv, error):
    assert run_cli(*argv) == (2, "", error)


@pytest.mark.parametrize(("range_", "rests"), [("-100..0mV", True), ("-60..0mV", False)])
def test_sweep_of_a_file_reads_a_range_that_starts_with_minus(range_, rests):
    """HH at g_K = 45 mS/cm^2 rests near -75 mV (E_R = -75 mV): inside -100..0 mV, outside -60..0 mV."""
    code, out, err = run_cli("sweep", HH, "--vary", "g_K=45 mS/cm^2", "--quantity", "V_rest", "--range", range_,
                             "--json")
    assert code == 0, err
    value = json.loads(out)["quantities"]["V_rest"]["values"][0]
    v, _, _, stable = hh_rest(45)
    assert stable and -100 < v < -60
    if rests:
        assert value == pytest.approx(float(v), abs=1e-9)
    else:
        assert value is None and "no resting state in the voltage range" in err
