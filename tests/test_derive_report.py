"""`vrest derive --report`: a Markdown document with MathJax-renderable LaTeX, every step and value."""

from __future__ import annotations

import html
import json
import math
import re
from pathlib import Path

import mpmath
import pytest
from markdown_it import MarkdownIt

from vrest.codegen.report import check_latex, markdown_text, render_report
from conftest import run_cli
from vrest.derive.builtin import BUILTIN_MODELS, resolve_model
from vrest.derive.quantities import derive_all

ROOT = Path(__file__).resolve().parents[1]

DISPLAY = re.compile(r"\$\$([^$]+)\$\$")
INLINE = re.compile(r"(?<![$\\])\$([^$\n]+?)(?<!\\)\$")


def _math_spans(text: str) -> tuple[list[str], list[str]]:
    """(display, inline) TeX as a math-aware renderer (GitHub, Jupyter, markdown-it-texmath) takes it."""
    return [tex.strip() for tex in DISPLAY.findall(text)], INLINE.findall(DISPLAY.sub("", text))


def _math_blocks(text: str) -> list[str]:
    display, inline = _math_spans(text)
    return display + inline


@pytest.mark.parametrize("name", BUILTIN_MODELS)
def test_report_for_every_builtin_model(tmp_path, name):
    out = tmp_path / f"{name}.md"
    code, stdout, stderr = run_cli("derive", name, "--report", str(out))
    assert code == 0 and stdout.strip() == str(out) and stderr == ""
    text = out.read_text()
    assert text.count("$$") % 2 == 0
    blocks = _math_blocks(text)
    assert blocks
    for block in blocks:
        assert check_latex(block) == [], block
    derived, reasons = derive_all(resolve_model(name))
    for qid, derivation in derived.items():
        assert f"### `{qid}`" in text
        value = f"{derivation.display_value:.6g}"
        assert value in text, (qid, value)
        for step in derivation.steps:
            assert markdown_text(step.text) in text
        for assumption in derivation.assumptions:
            assert markdown_text(assumption) in text
    for qid, reason in reasons.items():
        assert f"`{qid}`: {markdown_text(reason)}" in text
    assert "## The ouabain scenario" in text
    # deterministic: the same bytes a second time
    again = tmp_path / "again.md"
    run_cli("derive", name, "--report", str(again))
    assert again.read_bytes() == out.read_bytes()


def test_quantity_restricts_the_report(tmp_path):
    out = tmp_path / "r.md"
    code, _, _ = run_cli("derive", "squid", "--report", str(out), "--quantity", "V_mullins_noda",
                         "--quantity", "tau_m")
    assert code == 0
    text = out.read_text()
    assert "### `V_mullins_noda`" in text and "### `tau_m`" in text
    assert "### `E_K`" not in text and "ouabain scenario" not in text


def test_unknown_quantity_and_unwritable_path_exit_2(tmp_path):
    code, _, stderr = run_cli("derive", "neuron", "--report", str(tmp_path / "r.md"), "--quantity", "V_bogus")
    assert code == 2 and "V_bogus" in stderr and len(stderr.strip().splitlines()) == 1
    assert not (tmp_path / "r.md").exists()
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, stderr = run_cli("derive", "neuron", "--report", str(blocker / "r.md"))
    assert code == 2 and "--report" in stderr


def test_check_latex_catches_problems():
    assert check_latex(r"\frac{a}{b}") == []
    assert check_latex(r"\frac{a}{b") == ["unclosed '{'"]
    assert check_latex(r"\foo x") == ["unsupported macro \\foo"]
    assert "double subscript" in check_latex(r"V_{a}_{b}")
    # what a Markdown renderer running before MathJax would change
    assert check_latex(r"F^2\,c") == ["Markdown escape \\,"]
    assert check_latex(r"\operatorname{exprel}_{prime}{\left(x \right)}") == ["Markdown emphasis marker"]
    assert check_latex(r"x^{*}") == ["Markdown emphasis marker"]
    assert check_latex(r"K_{i} + \operatorname{exprel}'{\left(x \right)}") == []


@pytest.mark.parametrize("name", BUILTIN_MODELS)
def test_markdown_before_mathjax_keeps_every_equation(name):
    """Renderers that run Markdown first and MathJax on the HTML afterwards (marked, markdown-it, Python-Markdown
    pages) must hand MathJax every span unchanged: a display line starting with '-' became a list item, and
    exprel_{prime} ... z_{Cl} became <em> (both found with MathJax + Chromium on the squid report)."""
    _assert_markdown_keeps_every_equation(resolve_model(name))


def test_a_gate_given_by_its_steady_state_and_time_constant_is_reported(tmp_path):
    """A gate written as inf and tau (an M current's w) made `vrest derive --report` fail with a traceback: its steady
    state inf_w_M was LaTeX \\text{inf}_{w\\ M}, whose "}_" can open Markdown emphasis. It is w_{M,\\infty}, as x_inf
    is written, and the report keeps every equation through Markdown."""
    path = tmp_path / "mcell.toml"
    text = (ROOT / "derive" / "models" / "neuron.toml").read_text(encoding="utf-8")
    path.write_text(text + M_CHANNEL, encoding="utf-8")
    out = tmp_path / "mcell.md"
    code, stdout, stderr = run_cli("derive", str(path), "--report", str(out))
    assert code == 0 and stdout.strip() == str(out), stderr
    report = out.read_text(encoding="utf-8")
    assert r"w_{M,\infty}" in report and r"\text{inf}" not in report
    _assert_markdown_keeps_every_equation(resolve_model(str(path)))


M_CHANNEL = """
[channels.M]
ion = "K"
conductance = "0.2 mS/cm^2"
units = { V = "mV", t = "ms" }

[channels.M.gates.w]
inf = "1/(1 + exp(-(V + 35)/10))"
tau = "400/(3.3*exp((V + 35)/20) + exp(-(V + 35)/20))"
"""


def _assert_markdown_keeps_every_equation(model):
    text = render_report(model)
    display, inline = _math_spans(text)
    assert display and inline
    rendered = MarkdownIt("commonmark").enable("table").render(text)
    assert "<em>" not in rendered  # the report itself uses no emphasis; any <em> is a broken equation or text
    # the text MathJax scans: text nodes never cross a tag, so a span broken by a tag is not found
    nodes = "\x00".join(html.unescape(part) for part in re.split(r"<[^>]+>", rendered))
    squeezed = re.sub(r"\s+", "", nodes)  # MathJax ignores the line breaks and indentation Markdown may change
    for tex in display:
        assert "$$" + re.sub(r"\s+", "", tex) + "$$" in squeezed, tex
    for tex in inline:
        assert "$" + re.sub(r"\s+", "", tex) + "$" in squeezed, tex
    assert nodes.count("$$") == 2 * len(display)
    # prose from derive/ shows verbatim (K_o*exp(-F*V*z_K/(R*T)) kept its stars)
    derived, _ = derive_all(model)
    for derivation in derived.values():
        for sentence in (*[step.text for step in derivation.steps], *derivation.assumptions):
            assert sentence in nodes, sentence
    # the parameter table survives: one row per parameter plus the header
    table = rendered.split("<table>")[1].split("</table>")[0]
    assert table.count("<tr>") == len(model.parameters) + 1
    # list continuation lines are indented 4 spaces (Python-Markdown restarts the numbering at 1 otherwise)
    assert not re.search(r"^ {1,3}\S", text, flags=re.MULTILINE)


def test_markdown_text_escapes_only_what_markdown_would_eat():
    assert markdown_text("K_i = K_o*exp(-F*V)") == r"K_i = K_o\*exp(-F\*V)"
    assert markdown_text("- not a list, `not code`, $5") == r"\- not a list, \`not code\`, \$5"
    assert markdown_text("a|b <b>", table_cell=True) == r"a\|b &lt;b>"
    assert markdown_text("2. item") == r"2\. item"


def test_json_contract_unchanged_and_no_nan(write_model):
    code, stdout, _ = run_cli("derive", "pumpleak", "--json")
    document = json.loads(stdout)
    assert set(document) == {"model", "quantities", "not_applicable"}
    for entry in document["quantities"].values():
        assert {"value", "unit", "expression", "latex"} <= set(entry)
        assert math.isfinite(entry["value"])
    assert document["quantities"]["V_mullins_noda"]["unit"] == "mV"
    assert document["quantities"]["tau_slow"]["unit"] == "s"


def test_no_steady_state_is_reported_not_nan(write_model):
    # GHK K and Na leaks against the largest pump current a membrane can carry: at -12.8 V the leaks carry
    # only P z F u [X]_o inward (u = F V / R T = -507), 9.8 + 8.6 A/m^2 < 100 A/m^2: no root within +-10 V.
    data = {
        "model": {"name": "overpumped", "temperature": "20 degC"},
        "membrane": {"capacitance": "1 uF/cm^2"},
        "ions": {"K": {"valence": 1, "inside": "400 mM", "outside": "20 mM", "permeability": "1e-6 cm/s"},
                 "Na": {"valence": 1, "inside": "50 mM", "outside": "440 mM", "permeability": "4e-8 cm/s"}},
        "pump": {"current": "1e4 uA/cm^2", "stoichiometry": {"Na": 3, "K": -2}},
    }
    code, stdout, _ = run_cli("derive", str(write_model(data)), "--json")
    assert code == 0
    document = json.loads(stdout)
    assert "V_ss" not in document["quantities"]
    assert "stays positive down to -12.8 V: no root" in document["not_applicable"]["V_ss"]
    assert "dV_pump" in document["not_applicable"]
    assert "NaN" not in stdout and "Infinity" not in stdout


@pytest.mark.parametrize("option", ["--json", "--latex"])
def test_report_with_another_output_is_refused_and_writes_nothing(option, tmp_path):
    """`--report r.md --json` wrote the report and printed its path: a script asking for JSON got a file name."""
    path = tmp_path / "r.md"
    code, out, err = run_cli("derive", "pumpleak", "--report", str(path), option)
    assert (code, out) == (2, "") and not path.exists()
    assert err == f"vrest: error: {option}: not with --report, which writes the report to a file and prints its path\n"


def test_a_gated_cells_time_constants_are_the_modes_of_its_resting_state():
    """The report said of hh "V is the only state (no membrane area and cell volume): its one time constant is
    tau_m = 0.857 ms". Its states are V, m, h, n: the section lists the eigenvalues of their Jacobian at rest, here
    against mpmath's Jacobian of Hodgkin-Huxley written out (mV, ms; the built-in file's values, at its own 6.3 C)."""
    with mpmath.workdps(30):
        def vtrap(x):  # x / (1 - exp(-x/10)), its limit 10 at x = 0
            return mpmath.mpf(10) if x == 0 else x / (1 - mpmath.exp(-x / 10))

        def rates(v):
            return ((vtrap(v + 40) / 10, 4 * mpmath.exp(-(v + 65) / 18)),
                    (mpmath.mpf("0.07") * mpmath.exp(-(v + 65) / 20), 1 / (1 + mpmath.exp(-(v + 35) / 10))),
                    (vtrap(v + 55) / 100, mpmath.mpf("0.125") * mpmath.exp(-(v + 65) / 80)))

        def rhs(y):
            v, m, h, n = y
            current = 120 * m**3 * h * (v - 50) + 36 * n**4 * (v + 77) + mpmath.mpf("0.3") * (v + mpmath.mpf("54.387"))
            return [-current] + [a * (1 - x) - b * x for (a, b), x in zip(rates(v), (m, h, n))]

        def at_rest(v):
            return [v] + [a / (a + b) for a, b in rates(v)]

        v_rest = mpmath.findroot(lambda v: rhs(at_rest(v))[0], (-70, -60), solver="anderson")
        y = at_rest(v_rest)
        jacobian = mpmath.matrix([[mpmath.diff(lambda t: rhs(y[:j] + [t] + y[j + 1:])[i], y[j]) for j in range(4)]
                                  for i in range(4)])
        expected = sorted((complex(x) * 1000 for x in mpmath.eig(jacobian, left=False, right=False)),
                          key=lambda x: -x.real)  # 1/ms -> 1/s
    section = render_report(resolve_model("hh")).split("## Time constants of the full model")[1].split("\n## ")[0]
    assert "V is the only state" not in section and f"V = {float(v_rest):.6g} mV" in section
    rows = [row.split("|")[1:3] for row in section.splitlines() if row.startswith("| -")]
    assert len(rows) == 4
    for (value, tau), lam in zip(rows, expected):
        assert float(value.split()[0]) == pytest.approx(lam.real, rel=1e-5)
        assert tau.strip() == f"{-1000 / lam.real:.6g} ms"


def test_the_ouabain_section_names_a_quantity_derived_above_instead_of_deriving_it_again(tmp_path):
    """tau_m was derived twice, in full (its long formula too): among the quantities and again under ouabain. Asked
    for alone (--quantity ouabain) the section still derives it."""
    whole = render_report(resolve_model("neuron"))
    assert whole.count("### `tau_m`") == 1
    shown = re.search(r"### `tau_m`.*?Value: \*\*([^*]+)\*\*", whole, flags=re.DOTALL).group(1)
    assert f"`tau_m` = {shown}, derived above." in whole.split("## The ouabain scenario")[1]
    alone = render_report(resolve_model("neuron"), ["ouabain"])
    assert alone.split("## The ouabain scenario")[1].count("### `tau_m`") == 1


def test_a_gated_cells_ouabain_jump_relaxes_with_its_modes_not_tau_m(tmp_path):
    """With gated channels V relaxes after the block together with the gates (the report's time constants of the
    full model), not with tau_m alone: the section no longer says "relaxes with tau_m" nor derives tau_m."""
    path = tmp_path / "mcell.toml"
    path.write_text((ROOT / "derive" / "models" / "neuron.toml").read_text(encoding="utf-8") + M_CHANNEL,
                    encoding="utf-8")
    section = render_report(resolve_model(str(path))).split("## The ouabain scenario")[1]
    assert "(V relaxes with the gates: the time constants of the full model)" in section
    assert "tau_m" not in section
