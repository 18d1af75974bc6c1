"""The safe parser: what people type, what it means, and what is refused (fast)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import sympy as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from test_verify_symbols import NAMES, S

from vrest.derive.functions import exprel
from vrest.derive.verify.parse import ParseError, parse, parse_equation, parse_expression, with_aliases

R, T, F, V = S["R"], S["T"], S["F"], S["V"]
K_i, K_o, E_K, g_K = S["K_i"], S["K_o"], S["E_K"], S["g_K"]
z = sp.Symbol("z", real=True, nonzero=True)
NAMES_Z = {**NAMES, "z": z}
NERNST = R * T / F * sp.log(K_o / K_i)

READINGS = [
    ("R*T/F*ln(K_o/K_i)", NERNST),
    ("RT/F ln(K_o/K_i)", NERNST),
    ("RT/F*log(K_o/K_i)", NERNST),
    ("R T / F ln([K]_o/[K]_i)", NERNST),
    ("RT/F ln([K+]_o/[K+]_i)", NERNST),
    ("RT/F ln(Ko/Ki)", NERNST),
    ("RT/F ln(K_out/K_in)", NERNST),
    (r"\frac{RT}{F}\ln\frac{[K^+]_o}{[K^+]_i}", NERNST),
    (r"\frac{R T}{F} \ln \left( \frac{K_{o}}{K_{i}} \right)", NERNST),
    (r"\frac{R \cdot T}{F} \cdot \ln{\frac{[K^{+}]_{o}}{[K^{+}]_{i}}}", NERNST),
    (r"\frac{R\times T}{F}\,\ln\left[\frac{K_o}{K_i}\right]", NERNST),
    ("RT/zF ln(K_o/K_i)", NERNST / z),
    (r"\frac{RT}{zF}\ln\frac{K_o}{K_i}", NERNST / z),
    ("g_K*(V-E_K)", g_K * (V - E_K)),
    ("g_K(V - E_K)", g_K * (V - E_K)),
    ("g_K [V - E_K]", g_K * (V - E_K)),
    (r"g_{K}\left(V - E_{K}\right)", g_K * (V - E_K)),
    (r"g_{\mathrm{K}} (V - E_{\mathrm{K}})", g_K * (V - E_K)),
    ("2 V", 2 * V),
    ("2V^2", 2 * V**2),
    ("1/2 V", V / 2),
    ("1/2V", 1 / (2 * V)),
    ("RT/2F", R * T / (2 * F)),
    ("V^2/2", V**2 / 2),
    ("V**-1", 1 / V),
    ("-V^2", -(V**2)),
    ("3/2", sp.Rational(3, 2)),
    ("e^{-FV/RT}", sp.exp(-F * V / (R * T))),
    (r"\exp\left(-\frac{F V}{R T}\right)", sp.exp(-F * V / (R * T))),
    ("exp -V", sp.exp(-V)),
    ("ln K_o", sp.log(K_o)),
    (r"\ln K_o^2", sp.log(K_o**2)),
    ("log10(K_o)", sp.log(K_o) / sp.log(10)),
    (r"\log_{10} K_o", sp.log(K_o) / sp.log(10)),
    ("sqrt(K_o)", sp.sqrt(K_o)),
    (r"\sqrt{K_o}", sp.sqrt(K_o)),
    ("abs(V)", sp.Abs(V)),
    ("exprel(V)", exprel(V)),
    (r"\tau_m", sp.Symbol("tau_m", positive=True)),
    ("C_m/g_leak", S["C_m"] / S["g_leak"]),
    ("E_KE_Na", E_K * S["E_Na"]),
    ("2 pi", 2 * sp.pi),
    ("V \u2212 E_K", V - E_K),
    ("1e-3 V", sp.Float("1e-3") * V),
]


@pytest.mark.parametrize("text, expected", READINGS, ids=[r[0] for r in READINGS])
def test_reading(text, expected):
    assert parse_expression(text, NAMES_Z) == expected


def test_decimal_is_float_and_fraction_exact():
    assert isinstance(parse_expression("1.5", NAMES), sp.Float)
    assert parse_expression("3/2", NAMES) == sp.Rational(3, 2)
    assert parse_expression("2.302585092994045684", NAMES).evalf(20) == sp.Float("2.302585092994045684", 20)


def test_a_known_name_beats_splitting():
    rt = sp.Symbol("RT", positive=True)
    assert parse_expression("RT", {**NAMES, "RT": rt}) == rt
    assert parse_expression("RT", NAMES) == R * T


def test_names_may_stand_for_expressions():
    assert parse_expression("I_K", {**NAMES, "I_K": g_K * (V - E_K)}) == g_K * (V - E_K)


def test_equation():
    assert parse_equation("E_K = RT/F ln(K_o/K_i)", NAMES) == (E_K, NERNST)
    assert parse_equation("E_K == RT/F ln(K_o/K_i)", NAMES) == (E_K, NERNST)
    assert parse("V", NAMES) == V
    with pytest.raises(ParseError, match="more than one '='"):
        parse("V = E_K = E_Na", NAMES)
    with pytest.raises(ParseError, match="expected an equation"):
        parse_equation("V", NAMES)
    with pytest.raises(ParseError, match="expected an expression"):
        parse_expression("V = 1", NAMES)


@pytest.mark.parametrize(
    "text, column, fragment",
    [
        ("RT/F ln(K_o/Kx)", 13, "unknown name 'Kx'"),
        ("g_K*(V-E_K", 5, "never closed"),
        ("g_K*V-E_K)", 10, "unmatched"),
        ("V + * E_K", 5, "malformed"),
        ("V $ 2", 3, "unexpected character '$'"),
        (r"\input{x}", 1, "unknown LaTeX command"),
        ("V^1000", 3, "too large"),
        ("V/0", 3, "division by zero"),
        (r"\frac{1}", 1, r"\frac needs"),
        ("2 3", 3, "two numbers"),
    ],
)
def test_errors_point_at_the_token(text, column, fragment):
    with pytest.raises(ParseError) as info:
        parse(text, NAMES)
    assert info.value.column == column
    assert fragment in str(info.value)
    assert str(info.value).startswith(f"column {column}:")


def test_parse_error_is_a_value_error():
    assert issubclass(ParseError, ValueError)


def test_with_aliases_never_overrides():
    names = with_aliases({"K_i": K_i, "Ki": V})
    assert names["Ki"] == V and names["K_in"] == K_i


# --- injection: refused, and nothing runs -------------------------------------

PAYLOADS = [
    "__import__('os').system('touch x')",
    "__import__(\"os\").system(\"touch x\")",
    "().__class__.__bases__[0].__subclasses__()",
    "K_o.__class__",
    "V.real",
    "getattr(V, 'name')",
    "lambda: 0",
    "(lambda x: x)(1)",
    "[c for c in (1,)]",
    "{x for x in V}",
    "(x for x in V)",
    "f'{V}'",
    "'{0.__class__}'.format(V)",
    "'%s' % V",
    "V[0]",
    "V[0:1]",
    "exec('touch x')",
    "eval('1')",
    "open('x', 'w')",
    "sympify('x')",
    "K_o if V else K_i",
    "import os",
    "V; __import__('os')",
    "V := 1",
    "*V",
    "V @ V",
    "V % 2",
    "V // 2",
    "~V",
    "not V",
    "V and V",
    "V < E_K",
    "E_K\n__import__('os').system('touch x')",
    "b'x'",
    "1j",
    "0x10",
    "1_000",
    "`V`",
    "${V}",
    r"\input{/etc/passwd}",
    r"\def\x{1}",
    "__builtins__",
    "__class__",
    "exprel.__globals__",
    "ln(V, 10)",
    "exp(x=1)",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_injection_is_refused_and_nothing_runs(payload, tmp_path, monkeypatch):
    calls = []
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(os, "system", lambda *a: calls.append(a) or 0)
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: calls.append(a))
    with pytest.raises(ParseError):
        parse(payload, NAMES)
    assert not calls
    assert not (tmp_path / "x").exists()
    assert list(tmp_path.iterdir()) == []


def test_the_module_never_evaluates_text():
    # The parser's source holds none of the evaluating entry points.
    import vrest.derive.verify as pkg

    for path in sorted(os.listdir(os.path.dirname(pkg.__file__))):
        if path.endswith(".py"):
            source = Path(os.path.dirname(pkg.__file__), path).read_text(encoding="utf-8")
            for banned in ("eval(", "exec(", "sympify", "parse_expr(", "lambdify", "__import__"):
                assert banned not in source, (path, banned)


# --- limits: refused, not computed (how fast: benchmarks/verify_refusals.py) ----------------------

HEAVY = [
    "9^9^9^9",
    "9**9**9**9",
    "(9^9)^(9^9)",
    "((V^8)^8)^8",
    "10^1001",
    "x" * 1_000_000,
    "V+" * 999_999 + "V",
    "(" * 1000 + "V" + ")" * 1000,
    "-" * 1999 + "V",
    "V^" * 999 + "V",
    "ln(" * 600 + "V" + ")" * 600,
    "9" * 100,
    "1e99999",
    "V" * 1999,
]


@pytest.mark.parametrize("text", HEAVY, ids=lambda t: t[:20] + (f"...({len(t)} chars)" if len(t) > 20 else ""))
def test_heavy_input_is_refused(text):
    with pytest.raises(ParseError):
        parse(text, NAMES)


def test_large_but_fine_powers_are_accepted():
    assert parse_expression("9^9", NAMES) == 387420489
    assert parse_expression("V^64", NAMES) == V**64


# --- properties -------------------------------------------------------------

_SYMS = [R, T, F, K_i, K_o, V, g_K]
_leaves = st.one_of(st.sampled_from(_SYMS), st.integers(1, 9).map(sp.Integer))


def _extend(children):
    return st.one_of(
        st.tuples(children, children).map(lambda ab: ab[0] + ab[1]),
        st.tuples(children, children).map(lambda ab: ab[0] - ab[1]),
        st.tuples(children, children).map(lambda ab: ab[0] * ab[1]),
        st.tuples(children, st.sampled_from(_SYMS)).map(lambda ab: ab[0] / ab[1]),
        st.tuples(children, st.integers(-3, 3)).map(lambda ab: ab[0] ** ab[1]),
        st.sampled_from([K_i, K_o, R, T]).map(sp.log),
        children.map(sp.exp),
    )


@settings(max_examples=150, deadline=None)
@given(st.recursive(_leaves, _extend, max_leaves=8))
def test_printed_sympy_reads_back(expr):
    # sstr writes Python syntax with ** and log/exp: a subset of what users type.
    assume(not expr.has(sp.E))  # SymPy prints Euler's number as E; users type e
    assume(not expr.has(sp.zoo, sp.nan, sp.oo))  # 0**-1 is refused on purpose
    parsed = parse_expression(sp.sstr(expr), NAMES)
    # -(R + T) may come back as -R - T: the same expression in another form.
    assert parsed == expr or sp.expand(parsed - expr) == 0


_ALPHABET = "RTFVKio_^*/+-()[]{}=.,12 e\\lnfracxp'\"#$;:@!<>?|&~`%"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=60))
def test_any_text_gives_an_expression_or_a_parse_error(text):
    try:
        result = parse(text, NAMES)
    except ParseError:
        pass
    else:
        parts = result if isinstance(result, tuple) else (result,)
        assert all(isinstance(p, sp.Basic) for p in parts)
