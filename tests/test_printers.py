"""Printers: each target's text, run by the target's real reader, against mpmath.

Expected values come from mpmath at 50 digits, never from a printer. Readers:
numpy (generated module text), C (gcc + ctypes), NMODL (NEURON's nrnivmodl),
Brian2 (NeuronGroup subexpressions, numpy target), SBML (libsbml evaluateASTNode),
CellML (libcellml validate + analyse + generated Python), LEMS (PyLEMS parser).
"""

from __future__ import annotations

import ctypes
import json
import math
import shutil
import subprocess
import sys
import warnings
import xml.dom.minidom
from collections.abc import Callable, Sequence
from pathlib import Path

import mpmath
import numpy as np
import pytest
import sympy as sp

from vrest.codegen.printers import (
    C_PRELUDE,
    CELLML_2_NS,
    MATHML_NS,
    NMODL_FUNCTIONS,
    NUMPY_PRELUDE,
    PRINTERS,
    SBML_L3V2_NS,
    VrestBrian2Printer,
    VrestCPrinter,
    VrestLemsPrinter,
    VrestMathMLPrinter,
    VrestNmodlPrinter,
    VrestNumPyPrinter,
    numpy_namespace,
    print_lems,
)
from vrest.derive.functions import exprel, exprel_prime

mpmath.mp.dps = 50

# ---------------------------------------------------------------- the cases

x = sp.Symbol("x")
V, P, z, Ci, Co, R, T, F = sp.symbols("V P_X z_X X_i X_o R T F")
u = z * F * V / (R * T)
GHK = P * z * F * (Ci - Co * sp.exp(-u)) / exprel(-u)
GHK_ARGS = (V, P, z, Ci, Co, R, T, F)

R_VAL, F_VAL, T_VAL = 8.314462618, 96485.33212, 310.15
IONS = {  # name: (P m/s, z, inside mM, outside mM); seed's concentrations
    "K": (5e-9, 1.0, 140.0, 4.0),
    "Na": (1e-10, 1.0, 12.0, 145.0),
    "Ca": (1e-11, 2.0, 1e-4, 2.0),
    "Cl": (1e-9, -1.0, 4.0, 110.0),
}

_rng = np.random.default_rng(20240611)
_edges = [
    0.0,
    5e-324,
    1e-300,
    1e-15,
    1e-11,
    1e-9,
    1e-6,
    0.000999999,
    0.001,
    0.001000001,
    0.0999999,
    0.1,
    0.1000001,
    0.5,
    1.0,
    5.0,
    20.0,
    100.0,
]
X_POINTS = sorted(
    {s * e for e in _edges for s in (1.0, -1.0)}
    | {float(s * m) for s, m in zip(_rng.choice([-1.0, 1.0], 40), np.exp(_rng.uniform(np.log(1e-14), np.log(50), 40)))}
)
V_POINTS = sorted(
    {s * e for e in (0.0, 1e-12, 1e-9, 1e-6, 1e-3, 0.1) for s in (1.0, -1.0)}
    | {float(v) for v in _rng.uniform(-0.1, 0.1, 20)}
)


def _mp_exprel(a):
    return mpmath.mpf(1) if a == 0 else mpmath.expm1(a) / a


def _mp_exprel_prime(a):
    if abs(a) < mpmath.mpf("1e-3"):  # series: 30 terms are exact far past 50 digits here
        return mpmath.fsum((k + 1) * a**k / mpmath.factorial(k + 2) for k in range(30))
    with mpmath.workdps(100):  # closed form loses ~2 log10(1/a) digits; 100 absorb that
        return +((a * mpmath.exp(a) - mpmath.expm1(a)) / a**2)


def _mp_ghk(v, p, zz, ci, co):
    """(value, scale): scale = |P z F| (Ci + Co e^-u) / exprel(-u) bounds the rounding."""
    v, p, zz, ci, co = map(mpmath.mpf, (v, p, zz, ci, co))
    uu = zz * mpmath.mpf(F_VAL) * v / (mpmath.mpf(R_VAL) * mpmath.mpf(T_VAL))
    denom = _mp_exprel(-uu)
    value = p * zz * mpmath.mpf(F_VAL) * (ci - co * mpmath.exp(-uu)) / denom
    return value, abs(p * zz * mpmath.mpf(F_VAL)) * (ci + co * mpmath.exp(-uu)) / denom


# A case: expression, its arguments, the argument rows, and the expected (value, scale).
Case = tuple[sp.Expr, tuple[sp.Symbol, ...], list[tuple[float, ...]], list[tuple[mpmath.mpf, mpmath.mpf]]]


def _cases() -> dict[str, Case]:
    rows_x = [(a,) for a in X_POINTS]
    cases: dict[str, Case] = {
        "exprel": (exprel(x), (x,), rows_x, [(_mp_exprel(mpmath.mpf(a)),) * 2 for a in X_POINTS]),
        "exprel_prime": (exprel_prime(x), (x,), rows_x, [(_mp_exprel_prime(mpmath.mpf(a)),) * 2 for a in X_POINTS]),
    }
    # log10, as CellML's <log/> writes it (Shannon et al. 2004: pCa = -log10(Ca) + 3): SymPy holds log(x)/log(10),
    # and its C printers write log(10) as M_LN10, which math.h leaves out under -std=c99.
    rows_log = [(a,) for a in (1e-300, 1e-6, 0.25, 1.0, 3.0, 1e300)]
    cases["log10"] = (sp.log(x, 10), (x,), rows_log, [(mpmath.log10(mpmath.mpf(a)), 1) for a, in rows_log])
    # An integer beyond long long, as in Decker et al. 2009's Jacobian in SI (its Na-Cl cotransporter, (E_Na -
    # E_Cl)^4/((E_Na - E_Cl)^4 + 87.8251^4) with E in mV): C has no type for it, and GCC truncated it.
    big, shift = sp.Integer(4 * 10**24), sp.Rational(594941976406925410638001, 10**16)
    rows_big = [(a,) for a in (-0.12, -0.01, 0.0, 0.035, 0.15, 1.0)]
    cases["large_integer"] = (big * x**3 / (sp.Integer(10**12) * x**4 + shift) ** 2, (x,), rows_big,
                              [(v, max(abs(v), mpmath.mpf(1))) for v in (
                                  4 * mpmath.mpf(10) ** 24 * mpmath.mpf(a) ** 3 / (mpmath.mpf(10) ** 12 * mpmath.mpf(a) ** 4
                                  + mpmath.mpf(594941976406925410638001) / mpmath.mpf(10) ** 16) ** 2 for a, in rows_big)])
    rows = [(v, *IONS[ion], R_VAL, T_VAL, F_VAL) for ion in IONS for v in V_POINTS]
    cases["ghk"] = (GHK, GHK_ARGS, rows, [_mp_ghk(*row[:5]) for row in rows])
    # The built-in hh model's alpha_m and alpha_n (V in volts, 1/s), 0/0 at -40 and -55 mV as Hodgkin & Huxley
    # wrote them: each printer must give the limit there (1000 and 100 /s), and full precision near it.
    for name, quantity, v0, scale in (("alpha_m", "alpha_m_Na", -0.04, 10), ("alpha_n", "alpha_n_K", -0.055, 1)):
        rows_v = [(v0 + d,) for d in (0.0, 5e-17, -5e-17, 1e-15, -1e-12, 1e-9, -1e-6, 1e-4, -0.03, 0.09)]
        cases[name] = (_hh_rate(quantity), (x,), rows_v,
                       [(_mp_hh_rate(row[0], v0, scale),) * 2 for row in rows_v])
    return cases


def _hh_rate(name: str) -> sp.Expr:
    """A rate of the built-in hh model as vrest holds it, its unit parameters at their values, of x (volts)."""
    from vrest.derive.builtin import resolve_model

    model = resolve_model("hh")
    values = {p.symbol: p.value for p in model.parameters if p.name.startswith(("V_unit", "t_unit"))}
    expr = dict(model.quantities)[sp.Symbol(name, real=True)]
    return expr.xreplace(values).xreplace({sp.Symbol("V", real=True): x})


def _mp_hh_rate(volts: float, v0: float, scale: int):
    """1000 * (scale/100) (v - v0)/(1 - exp(-(v - v0)/10)) with v, v0 in mV (1/s): alpha_m for v0 = -40 mV and
    scale 10 (0.1/ms per mV), alpha_n for -55 mV and 1 (0.01)."""
    u = (mpmath.mpf(volts) * 1000 - mpmath.mpf(v0) * 1000) / 10
    ratio = mpmath.mpf(1) if u == 0 else u / -mpmath.expm1(-u)
    return 1000 * mpmath.mpf(scale) / 10 * ratio


CASES = _cases()


def check(got: Sequence[float], case: Case) -> None:
    """Every value finite and within 1e-12 of mpmath (relative to the case's scale)."""
    _, _, rows, expected = case
    assert len(got) == len(rows)
    for row, value, (exact, scale) in zip(rows, got, expected):
        assert math.isfinite(value), (row, value)
        error = abs(mpmath.mpf(value) - exact) / abs(scale)
        assert error <= 1e-12, (row, value, float(exact), float(error))


def strict(fn: Callable[[], list[float]], allow: type[Warning] | None = None) -> list[float]:
    """Run fn with every warning (RuntimeWarning: 0/0, overflow) turned into an error.

    allow: a category the reader itself emits (Brian2's pyparsing deprecations).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        if allow is not None:
            warnings.simplefilter("ignore", allow)
        return fn()


# ---------------------------------------------------------------- numpy


def _numpy_function(expr: sp.Expr, args: Sequence[sp.Symbol]) -> Callable[..., object]:
    """The way a template uses it: prelude + printed expression in a module's text."""
    printer = VrestNumPyPrinter()
    source = (
        NUMPY_PRELUDE
        + "\nimport numpy\n\n\ndef f("
        + ", ".join(map(printer.doprint, args))
        + "):\n    return "
        + printer.doprint(expr)
        + "\n"
    )
    namespace: dict[str, object] = {}
    exec(compile(source, "<generated>", "exec"), namespace)  # noqa: S102
    return namespace["f"]  # type: ignore[return-value]


@pytest.mark.parametrize("name", CASES)
def test_numpy_vectorised_and_scalar(name: str) -> None:
    case = CASES[name]
    f = _numpy_function(case[0], case[1])
    columns = [np.array(col) for col in zip(*case[2])]
    check(strict(lambda: list(f(*columns))), case)
    check(strict(lambda: [float(f(*row)) for row in case[2]]), case)


@pytest.mark.parametrize("name", CASES)
def test_numpy_lambdify(name: str) -> None:
    case = CASES[name]
    f = sp.lambdify(case[1], case[0], modules=[numpy_namespace(), "numpy"], printer=VrestNumPyPrinter)
    columns = [np.array(col) for col in zip(*case[2])]
    check(strict(lambda: list(f(*columns))), case)


def test_numpy_helpers_keep_shape_and_scalars() -> None:
    ns = numpy_namespace()
    for fn in ns.values():
        assert isinstance(fn(0.0), np.floating)
        assert fn(np.zeros((2, 3))).shape == (2, 3)


# ---------------------------------------------------------------- C


@pytest.fixture(scope="module")
def c_library(tmp_path_factory: pytest.TempPathFactory) -> ctypes.CDLL:
    printer = VrestCPrinter()
    parts = [C_PRELUDE]
    for name, (expr, args, _, _) in CASES.items():
        params = ", ".join(f"double {printer.doprint(a)}" for a in args)
        parts.append(f"double f_{name}({params}) {{ return {printer.doprint(expr)}; }}\n")
    folder = tmp_path_factory.mktemp("c")
    (folder / "probe.c").write_text("\n".join(parts))
    subprocess.run(
        [
            "gcc",
            "-std=c99",
            "-O2",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-shared",
            "-fPIC",
            "-o",
            str(folder / "probe.so"),
            str(folder / "probe.c"),
            "-lm",
        ],
        check=True,
    )
    return ctypes.CDLL(str(folder / "probe.so"))


@pytest.mark.parametrize("name", CASES)
def test_c_compiled(c_library: ctypes.CDLL, name: str) -> None:
    case = CASES[name]
    fn = getattr(c_library, f"f_{name}")
    fn.restype = ctypes.c_double
    fn.argtypes = [ctypes.c_double] * len(case[1])
    check([fn(*row) for row in case[2]], case)


# ---------------------------------------------------------------- NMODL (NEURON)

NMODL_NAMES = {V: "vm", R: "Rgas", T: "Tk", F: "Fc"}  # also exercises symbol_names


@pytest.fixture(scope="module")
def neuron_values(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[float]]:
    """Each case's NMODL function evaluated by NEURON at the case's rows.

    NEURON runs in its own process: loaded into the test process it makes a later
    libRoadRunner load crash (both carry LLVM/CVODE), so the suite's order would matter.
    """
    printer = VrestNmodlPrinter({"symbol_names": NMODL_NAMES})
    blocks = ["NEURON {\n    SUFFIX vrestprobe\n}\n", NMODL_FUNCTIONS]
    for name, (expr, args, _, _) in CASES.items():
        params = ", ".join(printer.doprint(a) for a in args)
        blocks.append(f"FUNCTION f_{name}({params}) {{\n    f_{name} = {printer.doprint(expr)}\n}}\n")
    folder = tmp_path_factory.mktemp("nmodl")
    (folder / "vrestprobe.mod").write_text("\n".join(blocks))
    nrnivmodl = shutil.which("nrnivmodl") or str(Path(sys.executable).parent / "nrnivmodl")
    build = subprocess.run([nrnivmodl], check=False, cwd=folder, capture_output=True, text=True)
    assert build.returncode == 0, build.stdout + build.stderr
    rows = {name: case[2] for name, case in CASES.items()}
    (folder / "rows.json").write_text(json.dumps(rows))
    script = (
        "import json, sys\n"
        "from neuron import h  # loads ./x86_64 (the compiled mechanism) by itself\n"
        "rows = json.load(open('rows.json'))\n"
        "out = {n: [getattr(h, f'f_{n}_vrestprobe')(*row) for row in r] for n, r in rows.items()}\n"
        "print(json.dumps(out))\n"
    )
    run = subprocess.run([sys.executable, "-c", script], check=False, cwd=folder, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", CASES)
def test_nmodl_in_neuron(neuron_values, name: str) -> None:
    check(neuron_values[name], CASES[name])


def test_nmodl_syntax() -> None:
    p = VrestNmodlPrinter()
    assert p.doprint(-(x**2)) == "-(x^2)"
    assert p.doprint(sp.Rational(1, 2) + x) == "x + 0.5"
    assert "FUNCTION exprel(x)" in NMODL_FUNCTIONS and "FUNCTION exprel_prime(x)" in NMODL_FUNCTIONS
    with pytest.raises(ValueError):
        p.doprint(sp.Piecewise((x, x > 0), (0, True)))


# ---------------------------------------------------------------- Brian2


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # Brian2's own pyparsing calls
@pytest.mark.parametrize("name", CASES)
def test_brian2_neurongroup(name: str) -> None:
    import brian2

    brian2.prefs.codegen.target = "numpy"
    expr, args, rows, _ = case = CASES[name]
    printer = VrestBrian2Printer()
    names = [printer.doprint(a) for a in args]
    eqs = "\n".join(f"{n} : 1" for n in names) + f"\ny = {printer.doprint(expr)} : 1\n"
    group = brian2.NeuronGroup(len(rows), eqs)
    for n, column in zip(names, zip(*rows)):
        setattr(group, n, np.array(column))
    check(strict(lambda: list(group.y[:]), allow=DeprecationWarning), case)


def test_brian2_parser_reads_the_same_expression() -> None:
    from brian2.parsing.sympytools import str_to_sympy

    text = VrestBrian2Printer().doprint(exprel_prime(x))
    parsed = str_to_sympy(text)
    assert {s.name for s in parsed.free_symbols} == {"x"}


# ---------------------------------------------------------------- MathML: SBML (libsbml)


def _math(fragment: str, prefix: str, namespace: str) -> str:
    return f'<math xmlns="{MATHML_NS}" xmlns:{prefix}="{namespace}">{fragment}</math>'


@pytest.mark.parametrize("name", CASES)
def test_sbml_libsbml_evaluates(name: str) -> None:
    import libsbml

    expr, args, rows, _ = case = CASES[name]
    ast = libsbml.readMathMLFromString(_math(VrestMathMLPrinter.for_sbml().doprint(expr), "sbml", SBML_L3V2_NS))
    assert ast is not None and ast.isWellFormedASTNode()
    document = libsbml.SBMLDocument(3, 2)
    model = document.createModel()
    parameters = []
    for a in args:
        parameter = model.createParameter()
        parameter.setId(a.name)
        parameter.setConstant(True)
        parameters.append(parameter)

    def evaluate() -> list[float]:
        out = []
        for row in rows:
            for parameter, value in zip(parameters, row):
                parameter.setValue(value)
            libsbml.SBMLTransforms.clearComponentValues(model)  # it caches values per model
            out.append(libsbml.SBMLTransforms.evaluateASTNode(ast, model))
        return out

    check(evaluate(), case)


# ---------------------------------------------------------------- MathML: CellML (libcellml)


def _cellml_function(expr: sp.Expr, args: Sequence[sp.Symbol]) -> Callable[..., float]:
    """Validate and analyse a one-equation CellML 2.0 model; run libcellml's generated Python."""
    import libcellml

    fragment = VrestMathMLPrinter.for_cellml().doprint(expr)
    variables = "".join(f'<variable name="{a.name}" units="dimensionless" initial_value="1"/>' for a in args)
    text = (
        f'<model xmlns="{CELLML_2_NS}" xmlns:cellml="{CELLML_2_NS}" name="probe"><component name="c">'
        f'{variables}<variable name="y" units="dimensionless"/>'
        f'<math xmlns="{MATHML_NS}"><apply><eq/><ci>y</ci>{fragment}</apply></math></component></model>'
    )
    parser, validator, analyser = libcellml.Parser(), libcellml.Validator(), libcellml.Analyser()
    model = parser.parseModel(text)
    validator.validateModel(model)
    analyser.analyseModel(model)
    for tool in (parser, validator, analyser):
        assert tool.issueCount() == 0, [tool.issue(i).description() for i in range(tool.issueCount())]
    profile = libcellml.GeneratorProfile(libcellml.GeneratorProfile.Profile.PYTHON)
    namespace: dict[str, object] = {}
    exec(libcellml.Generator().implementationCode(analyser.analyserModel(), profile), namespace)  # noqa: S102
    order = [info["name"] for info in namespace["CONSTANT_INFO"]]  # type: ignore[union-attr]

    def f(*row: float) -> float:
        constants = namespace["create_constants_array"]()  # type: ignore[operator]
        computed = namespace["create_computed_constants_array"]()  # type: ignore[operator]
        algebraic = namespace["create_algebraic_variables_array"]()  # type: ignore[operator]
        values = dict(zip((a.name for a in args), row))
        for i, n in enumerate(order):
            constants[i] = values[n]
        namespace["compute_computed_constants"](constants, computed, algebraic)  # type: ignore[operator]
        return computed[0]

    return f


@pytest.mark.parametrize("name", CASES)
def test_cellml_libcellml_validates_and_evaluates(name: str) -> None:
    case = CASES[name]
    f = _cellml_function(case[0], case[1])
    check(strict(lambda: [f(*row) for row in case[2]]), case)


def test_mathml_numbers_units_and_e_notation() -> None:
    cellml = VrestMathMLPrinter.for_cellml().doprint(sp.Float(1.5e-13) * x + 2)
    assert '<cn cellml:units="dimensionless" type="e-notation">1.5<sep/>-13</cn>' in cellml
    assert '<cn cellml:units="dimensionless">2</cn>' in cellml
    sbml = VrestMathMLPrinter.for_sbml().doprint(sp.Float(0.25) * x)
    assert '<cn sbml:units="dimensionless">0.25</cn>' in sbml
    custom = VrestMathMLPrinter({"units_attribute": "u:units", "number_units": "one"}).doprint(sp.Integer(3))
    assert custom == '<cn u:units="one">3</cn>'
    assert VrestMathMLPrinter().doprint(sp.Integer(3)) == "<cn>3</cn>"


@pytest.mark.parametrize("preset", ["for_sbml", "for_cellml"])
def test_mathml_deterministic_and_well_formed(preset: str) -> None:
    make = getattr(VrestMathMLPrinter, preset)
    first, second = make().doprint(GHK + exprel_prime(u)), make().doprint(GHK + exprel_prime(u))
    assert first == second
    prefix, namespace = ("sbml", SBML_L3V2_NS) if preset == "for_sbml" else ("cellml", CELLML_2_NS)
    root = xml.dom.minidom.parseString(_math(first, prefix, namespace)).documentElement
    assert root.getElementsByTagName("piecewise") and not root.getElementsByTagName("mml:msub")
    assert {c.firstChild.data for c in root.getElementsByTagName("ci")} == {
        "V",
        "P_X",
        "z_X",
        "X_i",
        "X_o",
        "R",
        "T",
        "F",
    }


# ---------------------------------------------------------------- LEMS (PyLEMS parser)


def _lems_eval(text: str, values: dict[str, float]) -> float:
    """Evaluate LEMS text through PyLEMS's own parse tree, in doubles."""
    from lems.parser.expr import ExprParser

    functions = {"exp": math.exp, "log": math.log, "sqrt": math.sqrt, "abs": abs}
    ops = {
        "+": lambda a, b: a + b,
        "-": lambda a, b: a - b,
        "*": lambda a, b: a * b,
        "/": lambda a, b: a / b,
        "^": lambda a, b: a**b,
        ".lt.": lambda a, b: a < b,
        ".gt.": lambda a, b: a > b,
        ".leq.": lambda a, b: a <= b,
        ".geq.": lambda a, b: a >= b,
    }

    def walk(node) -> float:
        if node.type == node.VALUE:
            return values[node.value] if node.value[0].isalpha() else float(node.value)
        if node.type == node.FUNC1:
            return functions[node.func](walk(node.param))
        return ops[node.op](walk(node.left), walk(node.right))

    return walk(ExprParser(text).parse())


@pytest.mark.parametrize("name", CASES)
def test_lems_pylems_evaluates(name: str) -> None:
    expr, args, _, _ = case = CASES[name]
    text, conditionals = print_lems(expr)
    assert (conditionals or name in ("log10", "large_integer")) and all(
        c.dimension == "none" and c.cases[-1][0] is None for c in conditionals)  # these two: no removable singularity

    def evaluate(row: tuple[float, ...]) -> float:
        values = {a.name: v for a, v in zip(args, row)}
        for conditional in conditionals:  # definitions come before their uses
            for condition, value in conditional.cases:
                if condition is None or _lems_eval(condition, values):
                    values[conditional.name] = _lems_eval(value, values)
                    break
        return _lems_eval(text, values)

    check(strict(lambda: [evaluate(row) for row in case[2]]), case)


def test_lems_printer_shares_conditionals_across_expressions() -> None:
    printer = VrestLemsPrinter({"conditional_prefix": "c_"})
    first, second = printer.doprint(GHK), printer.doprint(2 * GHK)
    assert [c.name for c in printer.conditionals] == ["c_0"] and "c_0" in first and "c_0" in second
    assert printer.doprint(sp.Lt(x, 1) & sp.Gt(x, 0)) in ("(x .lt. 1) .and. (x .gt. 0)", "(x .gt. 0) .and. (x .lt. 1)")
    # PyLEMS parses + and - right to left: the printer puts one "- (...)" last.
    assert printer.doprint(x - V + Ci - Co) == "X_i + x - (V + X_o)"
    _, conds = print_lems(sp.Piecewise((x, x > 0), (0, True)))
    assert conds[0].cases == (("x .gt. 0", "x"), (None, "0")) and conds[0].dimension is None


@pytest.mark.parametrize("relation", [sp.Le, sp.Ge, sp.Lt, sp.Gt])
def test_lems_comparisons_read_by_pylems_as_written(relation) -> None:
    # PyLEMS knows .geq. but not .leq. (it took "x .leq. c" for c alone): every comparison the printer
    # writes must come out of PyLEMS's parse tree as the comparison itself, at, below and above the bound.
    x, c = sp.symbols("x c")
    (condition, _), _ = print_lems(sp.Piecewise((1, relation(x, c)), (0, True)))[1][0].cases
    for value in (-0.2, -0.1, 0.0, 0.1):
        assert _lems_eval(condition, {"x": value, "c": -0.1}) == bool(relation(value, -0.1)), (condition, value)


# ---------------------------------------------------------------- all printers

SYMBOL_PRINTERS = {
    "numpy": VrestNumPyPrinter,
    "c": VrestCPrinter,
    "nmodl": VrestNmodlPrinter,
    "brian2": VrestBrian2Printer,
    "lems": VrestLemsPrinter,
}


@pytest.mark.parametrize("target", SYMBOL_PRINTERS)
def test_symbol_names_as_is_or_renamed(target: str) -> None:
    K_i, C_m, I_pump = sp.symbols("K_i C_m I_pump")
    printer = SYMBOL_PRINTERS[target]({"symbol_names": {C_m: "cm"}})
    text = printer.doprint(K_i * C_m + I_pump)
    assert "K_i" in text and "I_pump" in text and "cm" in text and "C_m" not in text


def test_mathml_symbol_names() -> None:
    text = VrestMathMLPrinter({"symbol_names": {V: "v"}}).doprint(V + Ci)
    assert "<ci>v</ci>" in text and "<ci>X_i</ci>" in text


def test_registry() -> None:
    assert set(PRINTERS) == {"numpy", "c", "nmodl", "brian2", "mathml", "lems"}
    for cls in PRINTERS.values():
        assert cls().doprint(exprel(x))


def test_c_prelude_is_self_contained(tmp_path: Path) -> None:
    (tmp_path / "p.c").write_text(
        C_PRELUDE + "\ndouble g(double x) { return vrest_exprel(x) + vrest_exprel_prime(x); }\n"
    )
    subprocess.run(
        ["gcc", "-std=c99", "-Wall", "-Werror", "-c", "-o", str(tmp_path / "p.o"), str(tmp_path / "p.c")], check=True
    )
