"""Small consistencies between commands: derive takes --quantity comma separated as sweep does; sweep's columns
come in the order asked; --voltage and --stimulus are the same options, with the same help, in every command."""

from __future__ import annotations

import json

import pytest

from conftest import run_cli


def test_derive_takes_quantities_separated_by_commas():
    code, out, err = run_cli("derive", "squid", "--quantity", "V_ss,E_K", "--quantity", "g_leak", "--json")
    assert code == 0, err
    assert set(json.loads(out)["quantities"]) == {"V_ss", "E_K", "g_leak"}
    code, _, err = run_cli("derive", "squid", "--quantity", "V_ss,E_Kx")
    assert code == 2 and "--quantity = 'E_Kx': unknown quantity" in err


def test_sweep_columns_in_the_order_asked():
    code, out, err = run_cli("sweep", "squid", "--vary", "ions.K.outside=1..100 mM log 3", "--quantity",
                             "V_ss,E_K,g_leak")
    assert code == 0, err
    header = out.splitlines()[0].split()
    assert [h for h in header if not h.startswith("[")] == ["ions.K.outside", "V_ss", "E_K", "g_leak"]
    code, out, err = run_cli("sweep", "squid", "--vary", "ions.K.outside=1..100 mM log 3", "--quantity", "g_leak,E_K",
                             "--json")
    assert list(json.loads(out)["quantities"]) == ["g_leak", "E_K"]


def test_sensitivity_refuses_a_count_and_a_list_and_warns_of_a_small_design():
    base = ("sensitivity", "squid", "--vary", "pump=0..2", "--quantity", "V_ss")
    code, _, err = run_cli(*base, "--vary", "ions.K.outside=2..20 mM log 5")
    assert code == 2 and err.count("\n") == 1 and "leave out the count 5" in err
    code, _, err = run_cli(*base, "--vary", "ions.K.outside=2, 20 mM")
    assert code == 2 and "samples are drawn from ranges (--samples, vrest sensitivity)" in err
    code, out, err = run_cli(*base, "--vary", "ions.K.outside=2..20 mM log", "--samples", "4")
    assert code == 0 and "the confidence intervals are wide" in err and "raise --samples (now 4)" in err
    assert "-0.0000" not in out


@pytest.mark.parametrize(("vary", "samples", "said"), [
    ("2..20", "16", ""),  # [K]_o's mu* 9.81 +- 1.21 mV: 12 %
    ("1..100", "10", ("vrest: warning: the confidence intervals of mu* are wide (up to ± 27% of mu*): the "
                      "trajectories are too few to rank the keys; raise --samples (now 10)\n")),  # 30.3 +- 8.1 mV
    ("2..20", "2", ("vrest: warning: 2 trajectories are too few for mu* or its interval to mean much; raise "
                    "--samples (to 10 or more)\n")),  # 6.28 +- 0.51 where 1000 give 9.03
])
def test_morris_warns_of_too_few_trajectories(vary, samples, said):
    """squid, the pump and [K]_o: a narrow interval from a design too small to mean anything was said without a
    word, a wide one too (64 trajectories put Luo-Rudy's g_K1_max at 3.59 +- 1.43 mV for 6.65)."""
    code, out, err = run_cli("sensitivity", "squid", "--vary", "pump=0..2", "--vary",
                             f"ions.K.outside={vary} mM log", "--quantity", "V_ss", "--method", "morris",
                             "--samples", samples)
    assert code == 0 and out.splitlines()[2].startswith("ions.K.outside")
    assert err == said


def test_an_index_that_rounds_to_zero_has_no_sign():
    from vrest.codegen.cli.sensitivity_cmd import _index

    assert _index(-0.00001).strip() == "0.0000" and _index(-0.5).strip() == "-0.5000"


@pytest.mark.parametrize("command", [
    ("sweep", "squid", "--vary", "ions.K.outside=1..100 mM log 3", "--quantity", "E_K"),
    ("sensitivity", "squid", "--vary", "ions.K.outside=2..20 mM log", "--vary", "pump=0..2", "--quantity", "E_K",
     "--samples", "64"),
])
def test_plot_prints_the_path_then_the_table(command, tmp_path):
    figure = tmp_path / "x.png"
    code, out, err = run_cli(*command, "--plot", str(figure))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == str(figure) and len(lines) > 2 and figure.stat().st_size > 0


ROLE_COMMANDS = ("rest", "simulate", "export", "sweep", "sensitivity", "derive")


def test_voltage_and_stimulus_say_the_same_in_every_command():
    from vrest.codegen.cli import build_parser

    subcommands = next(a for a in build_parser()._actions if a.dest == "command").choices
    declared = {}
    for command in ROLE_COMMANDS:
        options = {a.option_strings[0]: a for a in subcommands[command]._actions if a.option_strings}
        declared[command] = tuple((options[o].dest, options[o].metavar, options[o].default, options[o].help)
                                  for o in ("--voltage", "--stimulus"))
    assert len(set(declared.values())) == 1, declared
    (voltage, stimulus), = set(declared.values())
    assert voltage[:3] == ("voltage", "NAME", None) and stimulus[:3] == ("stimulus", "NAME", None)
    assert "membrane potential" in voltage[3] and "stimulus" in stimulus[3]
    for command, rest in (("rest", ()), ("simulate", ()), ("derive", ()), ("export", ("--to", "numpy")),
                          ("sweep", ("--vary", "g_Na=1")),
                          ("sensitivity", ("--vary", "g_Na=1..2", "--quantity", "V_rest"))):
        args = build_parser().parse_args([command, "m.cellml", *rest, "--voltage", "V_m", "--stimulus", "I_st"])
        assert (args.voltage, args.stimulus) == ("V_m", "I_st"), command


@pytest.mark.parametrize("given", [("--quantity", "V_ss,E_K"), ("--quantity", "V_ss", "--quantity", "E_K")])
def test_sensitivity_takes_one_quantity(given):
    """A second quantity was dropped without a word (repeated) or called unknown (a list)."""
    code, out, err = run_cli("sensitivity", "squid", "--vary", "pump=0..2", "--vary", "ions.K.outside=2..20 mM log",
                             *given)
    assert code == 2 and out == ""
    assert err == ("vrest: error: --quantity = 'V_ss,E_K': vrest sensitivity analyses one quantity: give one id (and "
                   "run it again for another)\n")


def test_the_sensitivity_plot_ranks_the_keys_as_the_table(monkeypatch, tmp_path):
    """The bars top to bottom in the table's order (the largest ST first), not in the order of --vary."""
    from vrest.codegen import plotting

    shown = []  # the y tick labels from the top down (the axis is inverted: the first key at y = 0 on top)
    monkeypatch.setattr(plotting, "save_figure", lambda fig, path: shown.append(
        [t.get_text() for t in sorted(fig.axes[0].get_yticklabels(), key=lambda t: t.get_position()[1])]) or path)
    code, out, err = run_cli("sensitivity", "squid", "--vary", "pump=0..2", "--vary", "ions.K.outside=2..20 mM log",
                             "--quantity", "V_ss", "--samples", "64", "--plot", str(tmp_path / "s.png"))
    assert code == 0, err
    rows = [line.split()[0] for line in out.splitlines()[-3:-1]]
    assert rows == ["ions.K.outside", "pump"] and shown == [rows]
