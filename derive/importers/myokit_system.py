"""A model that Myokit has read (CellML 1.0, 1.1, 2.0 or SBML) as vrest's ODE system, in SI.

Myokit parses the file and builds its own model: variables with units, equations as
expression trees (its MathML reader builds them node by node; nothing is evaluated as code).
This module turns that model into an OdeSystem: every variable converted to SI by the SI
factor of its unit (x_SI = f_x x_file, so an equation written in file units becomes one in SI
by substituting x_file = x_SI / f_x), states with their initial values, constants as
parameters, everything else as named quantities in dependency order, and the roles found
(derive.importers.roles). Numbers become exact rationals of the decimals in the file.
"""

from __future__ import annotations

import graphlib
import keyword
import math
import re
import warnings
from collections.abc import Mapping
from fractions import Fraction

import sympy as sp

from ..errors import ModelError, ModelWarning
from ..model import Parameter, State
from ..rest.inputs import BEYOND, check_file_value, check_potential
from ..system import TIME, OdeSystem, Quantity
from ..units import unit_parts
from .roles import find_roles
from .si import Dimension, display_unit, si_factor
from .steps import without_time_steps

__all__ = ["to_system", "myokit_errors", "import_myokit"]

_IDENTIFIER = re.compile(r"[^0-9A-Za-z_]")


def import_myokit() -> None:
    """Import Myokit where it can make its settings folder ~/.config/myokit (it does so at import, and fails in a
    home it cannot write, as on many compute nodes): else it is given a temporary home for the import."""
    import os
    import sys

    from ..home_folders import can_make, temporary_folder

    if "myokit" in sys.modules or can_make(os.path.join(os.path.expanduser("~"), ".config", "myokit")):
        return
    saved = os.environ.get("HOME")
    os.environ["HOME"] = temporary_folder("vrest-myokit-home-")
    try:
        import myokit  # noqa: F401
    finally:
        if saved is None:
            del os.environ["HOME"]
        else:
            os.environ["HOME"] = saved


def myokit_errors() -> tuple[type[Exception], ...]:
    """The exceptions Myokit raises for a model it cannot read or build."""
    import myokit
    import myokit.formats.cellml.v1 as v1
    import myokit.formats.cellml.v2 as v2
    import myokit.formats.sbml as sbml

    return (myokit.MyokitError, v1.CellMLError, v1.CellMLParsingError, v2.CellMLError, v2.CellMLParsingError,
            sbml.SBMLError, sbml.SBMLParsingError)


def _number(value: float, where: str) -> sp.Rational:
    """The decimal a file wrote, exactly: the shortest decimal that rounds to Myokit's float."""
    if not math.isfinite(value):
        raise ModelError(where, value, "not a finite number")
    return sp.Rational(Fraction(repr(float(value))))


def _in_si(number: sp.Rational, factor: sp.Rational, where: str, written: float) -> sp.Rational:
    """``number`` times its unit's SI factor: a ModelError when that lies beyond a double (1.8e308)."""
    value = number * factor
    if not math.isfinite(float(value)):
        raise ModelError(where, written, f"is {str(sp.Float(value, 3)).lower()} in SI units, {BEYOND}")
    return value


def _names(variables) -> dict:
    """A vrest name for each Myokit variable: the file's own name where it is unique, else component_name."""
    count: dict[str, int] = {}
    for v in variables:
        count[v.name()] = count.get(v.name(), 0) + 1
    names, taken = {}, set()
    for v in variables:
        name = v.name() if count[v.name()] == 1 else f"{v.parent().name()}_{v.name()}"
        name = _IDENTIFIER.sub("_", name)
        if keyword.iskeyword(name) or not name or name[0].isdigit() or name == TIME.name:
            name = f"{name}_"
        while name in taken:
            name = f"{name}_"
        names[v] = name
        taken.add(name)
    return names


class _Converter:
    """Myokit expressions -> SymPy in SI symbols (a variable in file units is its SI symbol / f)."""

    def __init__(self, model, names: Mapping, factors: Mapping, time_factor: sp.Rational, file: str) -> None:
        from myokit.formats.sympy import SymPyExpressionWriter

        converter = self

        class Writer(SymPyExpressionWriter):
            def _ex_name(self, e):
                return converter.name(e.var())

            def _ex_derivative(self, e):
                return converter.rate_in_file_units(e.var())

            def _ex_number(self, e):
                return _number(e.eval(), f"{file}: a number")

        self._writer = Writer()
        self._time = model.time()
        self._names = names
        self._factors = factors
        self._time_factor = time_factor
        self._symbols = {v: sp.Symbol(n, real=True) for v, n in names.items()}
        self._rates: dict = {}

    def symbol(self, variable) -> sp.Symbol:
        return self._symbols[variable]

    def name(self, variable) -> sp.Expr:
        """The variable in file units, written with its SI symbol."""
        if variable is self._time or (self._time is not None and variable == self._time):
            return TIME / self._time_factor
        return self._symbols[variable] / self._factors[variable]

    def rate_in_file_units(self, state) -> sp.Expr:
        if state not in self._rates:
            self._rates[state] = self.expression(state.rhs())
        return self._rates[state]

    def expression(self, expr) -> sp.Expr:
        return self._writer.ex(expr)


def _dependencies(expr, skip) -> set:
    out = set()
    for ref in expr.references():
        var = ref.var()
        if var not in skip:
            out.add(var)
    return out


def to_system(model, *, file: str, source: str, annotations: Mapping[str, str] | None = None,
              voltage: str | None = None, stimulus: str | None = None,
              time_unit: Dimension | None = None) -> OdeSystem:
    """The OdeSystem of a Myokit model read from ``file`` (its name, for messages); ``source`` says what it was.

    ``annotations`` maps a variable's qualified name (component.variable) to its oxmeta term;
    ``voltage`` and ``stimulus`` name those roles by hand (the file's name or component.name).
    ``time_unit`` replaces the time unit Myokit reports (SBML Level 2 files redefine "time").
    """
    import myokit

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            model.validate()
        except myokit.CyclicalDependencyError as exc:
            loop = " -> ".join(str(v) for v in exc.cycle()) if hasattr(exc, "cycle") else str(exc)
            raise ModelError(f"{file}: equations", loop, "an algebraic loop: these quantities are defined through "
                             "each other; vrest needs explicit equations") from None
        except myokit.IntegrityError as exc:
            raise ModelError(f"{file}: model", None, f"not a valid ODE model: {str(exc).splitlines()[0]}") from None
    states = list(model.states())
    if not states:
        raise ModelError(f"{file}: model", None, "no differential equation (no state variable): nothing to rest")
    time = model.time()
    variables = [v for v in model.variables(deep=True) if v is not time]
    names = _names(variables)
    dimensions = {v: Dimension.of(v.unit()) for v in variables}
    factors = {v: si_factor(d, f"{file}: {v.qname()}") for v, d in dimensions.items()}
    time_dimension = time_unit or (Dimension.of(time.unit()) if time is not None else None)
    time_factor = sp.Integer(1)
    if time_dimension is not None and not time_dimension.unknown:
        if time_dimension.is_("dimensionless"):
            raise ModelError(f"{file}: {time.qname()}", None, "the variable of integration (time) is dimensionless "
                             "in the file, and vrest does not guess its unit: give it in the file (CellML: the time "
                             "variable's units, such as ms; SBML: the model's timeUnits)")
        if not time_dimension.is_("time"):
            raise ModelError(f"{file}: {time.qname()}", time_dimension.text, "the variable of integration has no "
                             "unit of time")
        time_factor = si_factor(time_dimension, f"{file}: {time.qname()}")
    convert = _Converter(model, names, factors, time_factor, file)
    skip = set(states) | ({time} if time is not None else set())

    parameters, quantities = [], {}
    for v in variables:
        if v.is_state():
            continue
        if v.rhs() is None:
            raise ModelError(f"{file}: {v.qname()}", None, "has no value and no equation")
        if v.is_literal():
            written = v.rhs().eval()
            given = f"{written:g} {v.unit() or ''}".strip()
            value = _in_si(_number(written, f"{file}: {v.qname()}"), factors[v], f"{file}: {v.qname()}", given)
            unit = display_unit(dimensions[v])
            check_file_value(names[v], unit, float(value), f"{file}: {v.qname()}", given)
            parameters.append(Parameter(convert.symbol(v), value, unit, _describe(v)))
        else:
            quantities[v] = v
    order = graphlib.TopologicalSorter({v: _dependencies(v.rhs(), skip) & quantities.keys() for v in quantities})
    try:
        order.prepare()
    except graphlib.CycleError as exc:
        loop = " -> ".join(names[v] for v in exc.args[1])
        raise ModelError(f"{file}: equations", loop, "an algebraic loop: these quantities are defined through each "
                         "other; vrest needs explicit equations") from None
    ordered = []
    while order.is_active():  # each round's ready quantities by name: the same order in every process
        ready = sorted(order.get_ready(), key=lambda v: v.qname())
        ordered += ready
        order.done(*ready)
    scaled = {convert.symbol(v) for v in variables if factors[v] != 1} | ({TIME} if time_factor != 1 else set())
    named = tuple(Quantity(convert.symbol(v), _tidy(factors[v] * convert.expression(v.rhs()), scaled),
                           display_unit(dimensions[v]), _describe(v)) for v in ordered)
    named, stepped = without_time_steps(named)
    if stepped:
        warnings.warn(f"{file}: steps in time left out (a protocol: vrest rests, runs and exports the model without "
                      "them; give a run's steps with --protocol): "
                      f"{', '.join(stepped[:8])}", ModelWarning, stacklevel=3)
    ode_states = []
    for s in states:
        rhs = _tidy(factors[s] / time_factor * convert.rate_in_file_units(s), scaled)
        initial = s.initial_value()
        try:
            value = initial.eval()
        except (myokit.MyokitError, ArithmeticError, TypeError) as exc:
            raise ModelError(f"{file}: {s.qname()}", str(initial),
                             f"its initial value cannot be computed: {exc}") from None
        initial = _in_si(_number(value, f"{file}: {s.qname()}"), factors[s], f"{file}: {s.qname()}", value)
        unit = display_unit(dimensions[s])
        if unit:  # a potential a membrane can hold (a file's V of 1e308 mV ran as given)
            check_potential(names[s], unit_parts(unit)[2], float(initial), f"{file}: {s.qname()}",
                            f"{value:g} {s.unit() or ''}".strip())
        ode_states.append(State(convert.symbol(s), rhs, initial, unit, _describe(s)))
    roles = find_roles(
        file=file, states=ode_states, parameters=parameters, quantities=named,
        dimensions={names[v]: d for v, d in dimensions.items()},
        annotations={names[v]: term for v in variables for q, term in (annotations or {}).items() if v.qname() == q},
        qualified={v.qname(): names[v] for v in variables}, voltage=voltage, stimulus=stimulus)
    return OdeSystem(name=_IDENTIFIER.sub("_", model.name() or "imported"), description=_first_line(model),
                     source=source, states=tuple(ode_states), parameters=tuple(parameters), roles=roles,
                     quantities=named)


def _tidy(expr: sp.Expr, scaled: set) -> sp.Expr:
    """Unit factors gathered where they cancel: 1000*(V/1000) is V again, (1000*V - 1000*E)/1000 is V - E."""
    if expr.is_Mul and expr.args[0].is_Number or expr.free_symbols & scaled:
        return sp.factor_terms(expr)
    return expr


def _describe(variable) -> str:
    text = variable.meta.get("desc", "") if hasattr(variable, "meta") else ""
    return f"{variable.qname()}" + (f": {text}" if text else "")


def _first_line(model) -> str:
    for key in ("name", "desc", "documentation"):
        text = str(model.meta.get(key, "")).strip()
        if text:
            return text.splitlines()[0][:200]
    return model.name() or ""
