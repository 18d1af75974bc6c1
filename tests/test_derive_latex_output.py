"""LaTeX a reader can follow: exprel and exprel' defined where they are used, a step's values, V before a step.

The definitions are checked against mpmath: exprel(x) = (e^x - 1)/x and its derivative, by numeric
differentiation, at points on both sides of 0 and at 0 itself (the limits 1 and 1/2).
"""

from __future__ import annotations

import mpmath as mp
import pytest
from conftest import run_cli
from vrest.codegen.report import check_latex

mp.mp.dps = 30
EXPREL = r"\operatorname{exprel}(x) = \frac{e^{x} - 1}{x},\ \operatorname{exprel}(0) = 1"
EXPREL_PRIME = (r"\operatorname{exprel}'(x) = \frac{d}{dx} \operatorname{exprel}(x) = \frac{(x - 1) e^{x} + 1}{x^{2}},"
                r"\ \operatorname{exprel}'(0) = \frac{1}{2}")


def test_the_definitions_are_right():
    def exprel(x):
        return (mp.exp(x) - 1) / x if x != 0 else mp.mpf(1)

    for x in (mp.mpf("-3.5"), mp.mpf("-0.01"), mp.mpf("0.02"), mp.mpf(4)):
        assert mp.diff(exprel, x) == pytest.approx(((x - 1) * mp.exp(x) + 1) / x**2, rel=1e-20)
    assert mp.limit(exprel, 0) == pytest.approx(1, rel=1e-20)
    assert mp.limit(lambda x: ((x - 1) * mp.exp(x) + 1) / x**2, 0) == pytest.approx(mp.mpf(1) / 2, rel=1e-20)
    assert check_latex(EXPREL) == [] and check_latex(EXPREL_PRIME) == []  # MathJax shows them, Markdown keeps them


def test_latex_defines_exprel_where_ghk_leaks_use_it():
    code, out, _ = run_cli("derive", "squid", "--latex")
    assert code == 0 and r"\operatorname{exprel}'{\left(" in out  # g_leak: the slope of a GHK current
    assert f"  {EXPREL} & \\\\\n  {EXPREL_PRIME} & \\\\\n\\end{{align*}}" in out
    code, out, _ = run_cli("derive", "neuron", "--latex")  # ohmic leaks: no exprel, no definition
    assert code == 0 and "exprel" not in out


def test_the_report_defines_exprel_once(tmp_path):
    path = tmp_path / "squid.md"
    assert run_cli("derive", "squid", "--report", str(path))[0] == 0
    text = path.read_text(encoding="utf-8")
    assert text.count(EXPREL) == 1 and text.count(EXPREL_PRIME) == 1
    assert (f"Terms with a removable 0/0 (a GHK current at V = 0, a rate such as alpha_n at its 0/0 point) are "
            f"written with ${EXPREL}$ and ${EXPREL_PRIME}$: exact there.") in text
    assert text.index("exact there.") < text.index("## Parameters")


def test_a_steps_latex_says_what_the_step_changes_and_when_v_before_is_taken():
    code, out, _ = run_cli("derive", "neuron", "--scenario", "high_K", "--latex")
    assert code == 0
    assert (r"\text{step 1 at } t_{1} = 0\ \mathrm{s}:\quad K_{o} = 20\ \mathrm{mM},\ Na_{o} = 129\ \mathrm{mM} & \\"
            in out)
    assert r"\text{step 2 at } t_{2} = 0.1\ \mathrm{s}:\quad K_{o} = 4\ \mathrm{mM},\ Na_{o} = 145\ \mathrm{mM}" in out
    assert r"V_{before} = V(t_{1}^{-}) &" in out and r"V_{before} = V(t_{2}^{-}) &" in out
    assert r"V_{before} = V &" not in out
    code, out, _ = run_cli("derive", "neuron", "--scenario", "ouabain", "--latex")
    assert r"\quad I_{pump0} \times 0 & \\" in out  # a scaled parameter: its factor


def test_the_mullins_noda_potential_is_named_as_people_write_it():
    code, out, _ = run_cli("derive", "squid", "--latex")
    assert code == 0 and r"V_{\text{Mullins-Noda}} = " in out and "mullins" not in out


def test_names_of_words_are_upright_words_and_a_shift_is_a_delta():
    """donnan_ratio printed as donnan_{ratio}, an italic "donnan" with the subscript "ratio"; dV_pump (V_balance -
    V_leak, a shift) as the differential-looking dV_{pump}."""
    code, out, err = run_cli("derive", "pumpleak", "--latex")
    assert code == 0, err
    rows = [line.strip().split(" = ")[0].split(":")[0] for line in out.splitlines() if "&" in line]
    assert {r"\text{donnan ratio}", r"\text{osmotic excess}", r"\mathrm{volume_{ss}}", r"\Delta V_{pump}"} <= set(rows)
    assert not [row for row in rows if "_{ratio}" in row or "_{excess}" in row or row.startswith("dV")]


def test_the_natural_logarithm_is_ln():
    """Nernst's log is the natural one; written \\log a reader takes it for log10 (the 58 mV form)."""
    code, out, err = run_cli("derive", "squid", "--latex")
    assert code == 0, err
    assert r"E_{K} = \frac{R T \ln{\left(\frac{K_{o}}{K_{i}} \right)}}{F z_{K}}" in out
    assert r"\log" not in out and not check_latex(out.split("E_{K} = ", 1)[1].split("&", 1)[0])


def test_a_cellml_files_current_balance_as_latex():
    """derive --latex was refused for a CellML or SBML file: a teacher gets the balance, its gates at steady state
    and the quantities it names as one align* environment, a row for each item the text and --json give."""
    import json
    from pathlib import Path

    lr91 = str(Path(__file__).parent / "models" / "luo_rudy_1991.cellml")
    code, out, err = run_cli("derive", lr91, "--latex")
    assert code == 0, err
    code, listed, err = run_cli("derive", lr91, "--json")
    document = json.loads(listed)
    body = out.split("\\begin{align*}\n", 1)[1].split("\n\\end{align*}", 1)[0].splitlines()
    assert len(body) == 1 + len(document["gates"]) + len(document["definitions"])
    assert body[0] == r"  0 &= i_{K} + i_{K1} + i_{Kp} + i_{Na} + i_{b} + i_{si} \\"
    assert r"  m &= \frac{\alpha_{m}}{\alpha_{m} + \beta_{m}} \\" in body
    assert all(row.endswith(r" \\") for row in body[:-1]) and not body[-1].endswith("\\")  # no empty last row
    for row in body:  # TeX that MathJax renders (outside Markdown: its escapes and emphasis do not apply)
        assert " &= " in row
        problems = [p for p in check_latex(row.removesuffix(r" \\")) if not p.startswith("Markdown")]
        assert problems == [], (row, problems)
    # a file's names as written where SymPy's reading would change them: LR91's gate Xi is no Greek capital
    assert any(row.startswith(r"  \mathrm{Xi} &= ") for row in body) and r"\Xi" not in out
    assert r"\mathrm{fast\_sodium\_current\_m\_gate\_A}" in out and r"\mathrm{K1\_infinity}" in out  # not K_{1 infinity}
    assert r"  i_{K} &= X\,\mathrm{Xi}\,g_{K}\," in out  # factors apart: not "XXig_K"
    assert "%   g_Na = 230 S/m^2" in out.splitlines()  # the file's values: LR91's 23 mS/cm^2
    assert out.rstrip().endswith("% solutions (vrest rest): one stable resting state, at -84.55 mV")
