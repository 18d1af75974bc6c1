"""Step chains: each line must follow from the one before; the first bad line is named."""

from __future__ import annotations

import pytest
from test_verify_symbols import DEFINED, NAMES, PRIMITIVE

from vrest.derive.verify.parse import ParseError
from vrest.derive.verify.steps import check_steps, read_steps


def run(text, problem=PRIMITIVE):
    return check_steps(read_steps(text, NAMES), problem)


CHORD = """\
# Keener & Sneyd ch. 3: the chord conductance equation with a pump
I_K + I_Na + I_Cl + I_pump = 0

g_K (V - E_K) + g_Na (V - E_Na) + g_Cl (V - E_Cl) + I_pump = 0
(g_K + g_Na + g_Cl) V = g_K E_K + g_Na E_Na + g_Cl E_Cl - I_pump   # collect V
V = (g_K E_K + g_Na E_Na + g_Cl E_Cl - I_pump)/(g_K + g_Na + g_Cl)
"""

NERNST = """\
z_K F V = R T ln(K_o/K_i)        # equilibrium: electrical = chemical work
V = RT/(z_K F) ln(K_o/K_i)
exp(z_K F V/(R T)) = K_o/K_i
K_i exp(z_K F V/(R T)) = K_o
"""

DONNAN = """\
K_i/K_o = Cl_o/Cl_i
K_i Cl_i = K_o Cl_o
K_i = K_o Cl_o/Cl_i
"""


def with_ohmic_currents():
    from test_verify_symbols import RANGES, S, V

    from vrest.derive.verify.problem import Problem

    defs = {S[f"I_{x}"]: S[f"g_{x}"] * (V - S[f"E_{x}"]) for x in ("K", "Na", "Cl")}
    return Problem(RANGES, defs, result_unit="V")


def test_chord_chain_holds():
    result = run(CHORD, with_ohmic_currents())
    assert result.holds and result.detail == "4 steps checked"


def test_chord_chain_with_defined_reversal_potentials_holds():
    assert run(CHORD, DEFINED).holds  # E_X expanded to Nernst on every line


def test_pump_sign_slip_in_the_last_line():
    result = run(CHORD.replace("- I_pump)/(", "+ I_pump)/("), with_ohmic_currents())
    assert not result.holds and result.line == 6
    assert "does not follow from line 5" in result.detail
    assert result.diagnosis == "sign of the term I_pump flipped"
    assert result.counterexample is not None


def test_slip_in_a_middle_line():
    text = CHORD.replace("g_Cl E_Cl - I_pump   #", "g_Cl E_Cl + I_pump   #")
    result = run(text, with_ohmic_currents())
    assert not result.holds and result.line == 5


def test_nernst_from_equilibrium():
    assert run(NERNST).holds


def test_nernst_ratio_inverted_when_solving():
    result = run(NERNST.replace("V = RT/(z_K F) ln(K_o/K_i)", "V = RT/(z_K F) ln(K_i/K_o)"))
    assert not result.holds and result.line == 2
    assert result.diagnosis == "ratio inverted"


def test_nernst_missing_valence_when_solving():
    result = run(NERNST.replace("V = RT/(z_K F) ln(K_o/K_i)", "V = RT/F ln(K_o/K_i)"))
    assert not result.holds and result.line == 2
    assert result.diagnosis == "missing valence z"


def test_donnan_rearrangement():
    assert run(DONNAN).holds
    result = run(DONNAN.replace("K_i = K_o Cl_o/Cl_i", "K_i = K_o Cl_i/Cl_o"))
    assert not result.holds and result.line == 3
    assert result.diagnosis == "Cl_i and Cl_o swapped"


def test_continuation_lines_compare_values():
    text = """\
    E_K = RT/F ln(K_o/K_i)
        = RT/F (ln K_o - ln K_i)
        = -RT/F ln(K_i/K_o)
    """
    assert run(text, DEFINED).holds
    bad = text.replace("-RT/F ln(K_i/K_o)", "RT/F ln(K_i/K_o)")
    result = run(bad, DEFINED)
    assert not result.holds and result.line == 3
    assert "ratio inverted" in result.diagnosis


def test_a_defined_name_on_the_left_is_checked_against_its_definition():
    result = run("E_K = RT/F ln(K_i/K_o)\n", DEFINED)
    assert not result.holds and result.line == 1
    assert result.diagnosis == "ratio inverted"


def test_latex_align_environment():
    text = r"""
\begin{align}
  V &= \frac{RT}{F}\ln\frac{[K]_o}{[K]_i} \\
  \exp\left(\frac{F V}{R T}\right) &= \frac{[K]_o}{[K]_i} \\
\end{align}
"""
    assert run(text).holds


def test_identity_lines_are_always_fine():
    text = "V = E_K\nRT/F ln(K_o/K_i) = -RT/F ln(K_i/K_o)\nV - E_K = 0\n"
    assert run(text).holds


def test_parse_error_names_the_line():
    with pytest.raises(ParseError, match=r"^line 3, column 5: unknown name 'Qx'"):
        read_steps("V = E_K\n\nV = Qx\n", NAMES)


def test_a_first_step_that_continues_nothing_is_refused():
    """'= 26.7 mV ln(4/140)' on the first line was compared with nothing and the file "held"."""
    with pytest.raises(ParseError, match=r"^line 2: the first step starts with '=': it continues no line before it"):
        read_steps("# E_K by hand\n= 26.7 mV ln(4/140)\nE_K = -95 mV\n", NAMES)


def test_empty_input_is_refused():
    with pytest.raises(ParseError, match="no steps"):
        read_steps("# nothing\n\n", NAMES)


def test_result_json_has_the_line():
    result = run(NERNST.replace("ln(K_o/K_i)\n", "ln(K_i/K_o)\n", 1))
    document = result.to_json()
    assert document["holds"] is False and document["line"] == 2
    assert set(document) >= {"holds", "method", "diagnosis", "counterexample"}
