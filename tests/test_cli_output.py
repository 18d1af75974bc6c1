"""What the commands print: --quantity everywhere, LaTeX that renders, tables that keep their columns,
simulate's plot path and time limits, one warning for an unbalanced bath, paths that survive a runner's cd."""

from __future__ import annotations

import copy
import json
import re

import pytest
from markdown_it import MarkdownIt

from conftest import run_cli, toml_dumps
from test_pump_max import SALT_ONLY

# -- derive --quantity (the table, --json and --latex, not only --report) --------------------------------------


def test_quantity_filters_the_table():
    code, out, err = run_cli("derive", "neuron", "--quantity", "E_K")
    assert code == 0, err
    rows = out.splitlines()[4:]
    assert len(rows) == 1 and rows[0].startswith("E_K") and "-95.0226 mV" in rows[0]
    assert "not applicable" not in out


def test_quantity_filters_json_and_latex_and_keeps_reasons():
    code, out, _ = run_cli("derive", "neuron", "--json", "--quantity", "tau_m", "--quantity", "V_ghk")
    doc = json.loads(out)
    assert code == 0 and list(doc["quantities"]) == ["tau_m"] and list(doc["not_applicable"]) == ["V_ghk"]
    assert doc["quantities"]["tau_m"]["value"] == pytest.approx(1 / 0.15, rel=1e-12)  # C_m/g_leak, in ms
    code, out, _ = run_cli("derive", "neuron", "--latex", "--quantity", "E_Na")
    assert code == 0 and len([line for line in out.splitlines() if "&" in line]) == 1 and "E_{Na}" in out


@pytest.mark.parametrize("qid, problem", [("E_X", "unknown quantity"), ("ouabain", "--report only")])
def test_quantity_that_is_no_quantity_is_one_line_exit_2(qid, problem):
    code, out, err = run_cli("derive", "neuron", "--quantity", qid)
    assert code == 2 and not out and len(err.strip().splitlines()) == 1 and problem in err and qid in err


# -- LaTeX -------------------------------------------------------------------------------------------------------


def test_multi_word_subscripts_render_apart():
    code, out, _ = run_cli("derive", "pumpleak", "--latex")
    assert code == 0
    assert r"V_{\text{Mullins-Noda}}" in out and r"K_{\mathrm{half}\ \mathrm{Na}}" in out  # a name as people write it
    assert "mullins" not in out and "half Na" not in out


def test_implicit_quantities_are_labelled_in_latex():
    code, out, _ = run_cli("derive", "pumpleak", "--latex")
    rows = [line.strip() for line in out.splitlines() if "&" in line]
    assert code == 0
    assert not [row for row in rows if row.startswith((r"\frac", "-"))]  # no unlabelled "... = 0"
    assert any(row.startswith(r"V_{ss}:\quad") and "= 0" in row for row in rows)
    assert any(row.startswith(r"\mathrm{volume_{ss}}:\quad") for row in rows)


def test_implicit_quantities_are_labelled_in_jupyter():
    from vrest.derive.builtin import resolve_model
    from vrest.derive.quantities import Derivations

    shown = Derivations(resolve_model("pumpleak")).get("volume_ss")._repr_latex_()
    assert shown.startswith(r"$\displaystyle \mathrm{volume_{ss}}:\quad ") and shown.split("\n")[0].endswith("= 0$")


def test_report_states_the_donnan_end_state_once(tmp_path):
    out = tmp_path / "r.md"
    assert run_cli("derive", "pumpleak", "--report", str(out))[0] == 0
    text = out.read_text(encoding="utf-8")
    assert text.count("Donnan equilibrium (impermeant anions inside): every permeant ion at one Nernst") == 1
    html = MarkdownIt("commonmark").render(text)
    assert r"K_{\mathrm{half}\ \mathrm{Na}}" in html  # the TeX space survives Markdown


# -- tables keep their columns -----------------------------------------------------------------------------------


def _columns(line: str) -> list[int]:
    """The end column of each value right-aligned in ``line``."""
    return [m.end() for m in re.finditer(r"\S+( \S+)?(?=\s{2}|$)", line)]


def test_derive_table_keeps_its_columns_for_long_values(tmp_path):
    """Values such as "0.0892551 mS/cm^2" (17 characters) once pushed their closed form to the right."""
    path = tmp_path / "salt.toml"
    path.write_text(toml_dumps(SALT_ONLY), encoding="utf-8")
    code, out, _ = run_cli("derive", str(path))
    assert code == 0
    lines = out.splitlines()
    start = lines[3].index("closed form")
    rows = lines[4: lines.index("", 4) if "" in lines[4:] else None]  # up to "not applicable:", if any
    rows = [row for row in rows if not row.startswith(" ")]  # wrapped continuation lines
    assert any(len(row[:start].rstrip().split("  ")[-1].strip()) > 16 for row in rows)  # a long value is there
    for row in rows:  # every closed form starts in the header's column, after two spaces
        assert row[start - 2: start] == "  " and row[start] != " ", row


def test_simulate_table_keeps_its_columns_for_long_names(tmp_path):
    data = copy.deepcopy(SALT_ONLY)
    data["ions"]["Chloride"] = data["ions"].pop("Cl")  # header "Chloride_i [mM]": longer than a value
    path = tmp_path / "cell.toml"
    path.write_text(toml_dumps(data), encoding="utf-8")
    code, out, err = run_cli("simulate", str(path), "--times", "0 s,1 s,100 s")
    assert code == 0, err
    lines = out.splitlines()
    ends = [_columns(line) for line in lines]
    assert all(e == ends[0] for e in ends), out
    assert "Chloride_i [mM]" in lines[0]


# -- simulate: the plot's path, --times against --t-end ----------------------------------------------------------


def test_simulate_plot_prints_the_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("simulate", "neuron", "--t-end", "10 ms", "--plot", "v.png")
    assert code == 0, err
    assert out.strip() == "v.png" and (tmp_path / "v.png").stat().st_size > 1000
    code, out, err = run_cli("simulate", "neuron", "--t-end", "10 ms", "--plot", "w.png", "--json")
    assert code == 0 and json.loads(out)["model"] == "neuron" and err.strip() == "w.png"


def test_times_beyond_t_end_are_an_error():
    code, out, err = run_cli("simulate", "neuron", "--t-end", "3 ms", "--times", "0 s,1 ms,30 ms")
    assert code == 2 and not out
    (line,) = err.strip().splitlines()
    assert "--times" in line and "30 ms is beyond --t-end '3 ms'" in line
    code, out, _ = run_cli("simulate", "neuron", "--t-end", "30 ms", "--times", "0 s,1 ms,30 ms")
    assert code == 0 and len(out.splitlines()) == 4


# -- a bath that is not electroneutral ---------------------------------------------------------------------------


def _unbalanced(tmp_path):
    data = copy.deepcopy(SALT_ONLY)
    data["ions"]["K"]["outside"], data["ions"]["Na"]["outside"] = "3 mM", "145 mM"
    data["ions"]["Cl"]["outside"] = "120 mM"
    path = tmp_path / "unbalanced.toml"
    path.write_text(toml_dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize("command, warm", [(("derive",), False), (("simulate", "--t-end", "1 s"), False),
                                           (("simulate", "--t-end", "1 s"), True)],
                         ids=["derive", "simulate_cold", "simulate_warm"])
def test_unbalanced_bath_gets_one_warning_naming_the_imbalance(tmp_path, monkeypatch, command, warm):
    monkeypatch.setenv("VREST_CACHE_DIR", str(tmp_path / "cache"))
    path = _unbalanced(tmp_path)
    if warm:  # a first run fills the cache; the second reads no model file but still warns
        assert run_cli(command[0], str(path), *command[1:])[0] == 0
    code, _, err = run_cli(command[0], str(path), *command[1:])
    assert code == 0, err
    warnings = [line for line in err.splitlines() if line.startswith("vrest: warning:")]
    # its steady volume (5037 um^3) is also more than its membrane (1000 um^2) can enclose: a warning of its own
    bath = [line for line in warnings if "electroneutral" in line]
    assert len(bath) == 1 and len(warnings) == 2, err
    assert "K_o + Na_o = 148 mM against Cl_o = 120 mM (28 mM more positive charge)" in bath[0]


def test_balanced_bath_and_models_without_volume_get_no_warning(tmp_path):
    path = tmp_path / "salt.toml"
    path.write_text(toml_dumps(SALT_ONLY), encoding="utf-8")
    for model in (str(path), "neuron", "squid"):  # squid's seawater lists no Ca, Mg, SO4: no volume, no matter
        code, _, err = run_cli("derive", model, "--quantity", "E_K")
        assert code == 0 and "warning" not in err


def test_the_derive_table_wraps_its_text_column_evenly(tmp_path):
    """A bistable cell's values fill a wide column; its text then ran 100 characters on the first line and about 30
    on the others. Every line now ends within 140 characters and the text column keeps its width."""
    from test_sweep_gated import BISTABLE_FIXED

    path = tmp_path / "k1_nap.toml"
    path.write_text(BISTABLE_FIXED, encoding="utf-8")
    code, out, err = run_cli("derive", str(path))
    assert code == 0, err
    rows = out.split("\n\n")[1].splitlines()
    indent = rows[0].index("closed form")
    assert all(len(line) <= 140 for line in rows)
    continued = [line for line in rows[1:] if line.startswith(" " * indent)]
    assert continued and max(len(line) - indent for line in continued) >= 55  # it was 31


def test_a_temperature_step_is_also_said_in_degc():
    """neuron's cooling scenario sets 27 degC; its step was shown as 300.15 K alone."""
    code, out, err = run_cli("derive", "neuron", "--scenario", "cooling", "--quantity", "V_ss")
    assert code == 0, err
    assert "step 1 at 0 s: model.temperature = 300.15 K (27 degC)" in out.splitlines()
