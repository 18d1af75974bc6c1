"""Which variable of an imported model is the membrane potential, the stimulus, the capacitance,
and which are the membrane currents.

In order of trust: a name the user gives (--voltage, --stimulus), an oxmeta annotation in the
file (membrane_voltage, membrane_stimulus_current, membrane_capacitance: the Chaste/Physiome
cardiac ontology), then units: the one state with a unit of voltage; the one current that
depends on time; the one capacitance in the equation of V (or, when V's currents are per
capacitance, the one capacitance in the file). The currents are the current-like
terms of V's equation (a total such as i_ion is opened into its terms), but for the stimulus and a current
that is 0 in the file whatever the state (a stimulus switched off, as ``vrest export`` writes one).
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Mapping, Sequence

import sympy as sp

from ..errors import ModelError, ModelWarning
from ..model import Parameter, State
from ..system import TIME, Quantity, Roles, reached
from .si import Dimension

__all__ = ["find_roles", "CURRENT_KINDS"]

CURRENT_KINDS = ("current", "current per area", "current per capacitance")


def _by_name(name: str, names: Mapping[str, str], known: set[str], option: str, file: str) -> str:
    """A name the user gave: the file's (possibly renamed) name or component.variable."""
    if name in known:
        return name
    if name in names:
        return names[name]
    candidates = sorted(known | set(names))
    # an SBML species' id names its amount or concentration (V_membrane: V_membrane_amount)
    close = ([c for c in candidates if c.startswith(name + "_")][:1]
             or difflib.get_close_matches(name, candidates, n=1, cutoff=0.75))
    raise ModelError(option, name, f"no such variable in {file}" + (f"; did you mean '{close[0]}'?" if close else ""))


def find_roles(*, file: str, states: Sequence[State], parameters: Sequence[Parameter],
               quantities: Sequence[Quantity], dimensions: Mapping[str, Dimension],
               annotations: Mapping[str, str], qualified: Mapping[str, str],
               voltage: str | None, stimulus: str | None) -> Roles:
    """The roles of an imported model (names are vrest's names of the variables)."""
    state_names = [s.symbol.name for s in states]
    symbols = {s.symbol.name: s.symbol for s in states}
    symbols.update({p.name: p.symbol for p in parameters})
    symbols.update({q.name: q.symbol for q in quantities})
    definitions = {q.name: q.expression for q in quantities}
    annotated = {term: name for name, term in annotations.items()}

    v_name = _voltage(file, state_names, dimensions, annotated, qualified, set(symbols), voltage)
    v_state = next(s for s in states if s.symbol.name == v_name)
    s_name = _stimulus(file, quantities, parameters, dimensions, annotated, qualified, set(symbols), stimulus,
                       v_state, definitions)
    c_name = annotated.get("membrane_capacitance")
    if c_name is None:
        found = [n for n in _names_in(v_state.rhs) if _is_capacitance(dimensions.get(n))]
        c_name = found[0] if len(found) == 1 else None
    # A current that is 0 whatever the state (a parameter of value 0, a definition of 0) is how vrest's exports
    # write a stimulus switched off: it carries nothing at rest and is no membrane current.
    # (0 as written: SymPy's is_zero would ask the assumptions of every definition, 0.3 s for O'Hara-Rudy)
    off = {p.name for p in parameters if p.value == 0} | {q.name for q in quantities
                                                           if q.expression.is_Number and q.expression == 0}
    currents = _currents(v_state.rhs, definitions, dimensions, {s_name, c_name, *off}, set(symbols))
    if c_name is None and currents and all(dimensions[n].is_("current per capacitance") for n in currents):
        # V's rate divides by no capacitance: its currents are per capacitance (A/F) already, and the
        # capacitance they were divided by is the one the file has (its concentrations' rates multiply by it).
        found = sorted(n for n in symbols if _is_capacitance(dimensions.get(n)))
        c_name = found[0] if len(found) == 1 else None
    signs, unnamed = _signed(v_state.rhs, currents, symbols, definitions, dimensions, c_name, {s_name, *off}, file)
    return Roles(voltage=symbols[v_name], currents=tuple(symbols[n] for n in currents),
                 stimulus=symbols[s_name] if s_name else None,
                 capacitance=symbols[c_name] if c_name in symbols else None, signs=signs, unnamed=unnamed)


def _signed(rhs: sp.Expr, currents: list[str], symbols, definitions, dimensions, c_name,
            zero: set, file: str) -> tuple[tuple[int, ...], sp.Expr]:
    """(the sign of each current in V's equation as an outward current, the outward current terms of that equation
    no named current holds, else 0): +1 for a current that enters as -I/C, -1 for one that enters as +I/C (an
    applied current, inward positive), k for one the equation counts k times (said in a warning); ((), 0) when
    V's equation is no current divided by a capacitance."""
    capacitance = symbols.get(c_name)
    if capacitance is not None and capacitance in rhs.free_symbols:
        outward = -rhs * capacitance
    elif currents and all(dimensions[n].is_("current per capacitance") for n in currents):
        outward = -rhs
    else:
        return (), sp.Integer(0)
    listed = {symbols[n] for n in currents}
    off = {symbols[n]: sp.Integer(0) for n in zero if n in symbols}  # the stimulus, currents switched off
    for _ in range(8):  # a total of currents (i_ion) opened into its terms, as _currents opens it
        outward = outward.xreplace(off)
        opened = {x: definitions[x.name] for x in outward.free_symbols - listed if x.name in definitions and
                  dimensions.get(x.name) is not None and any(dimensions[x.name].is_(k) for k in CURRENT_KINDS)}
        if not opened:
            break
        outward = outward.xreplace(opened)
    outward = sp.expand(outward, deep=False)
    signs = []
    for name in currents:
        coefficient = sp.diff(outward, symbols[name])
        if coefficient.is_Integer and abs(coefficient) > 1:  # a current two totals both hold (Decker 2009's copy)
            signs.append(int(coefficient))
            warnings.warn(f"{file}: V's equation counts {name} {int(coefficient)} times (through the totals that "
                          f"hold it): its share of the current at rest is listed as {int(coefficient)} times its "
                          "value; check the file if that is not meant", ModelWarning, stacklevel=4)
            continue
        signs.append(-1 if coefficient.is_number and coefficient < 0 else 1)
    left = outward - sp.Add(*(sign * symbols[n] for sign, n in zip(signs, currents)))
    return tuple(signs), left if sp.expand(left) != 0 else sp.Integer(0)


def _voltage(file, state_names, dimensions, annotated, qualified, known, option) -> str:
    if option is not None:
        name = _by_name(option, qualified, known, "--voltage", file)
        if name not in state_names:
            raise ModelError("--voltage", option, f"not a state of {file} (states: {', '.join(state_names[:12])})")
        return name
    name = annotated.get("membrane_voltage")
    if name is not None:
        if name not in state_names:
            raise ModelError(f"{file}: {name}", None, "annotated membrane_voltage but has no differential equation "
                             "(a clamped voltage): give the membrane potential with --voltage NAME")
        return name
    volts = [n for n in state_names if dimensions[n].is_("voltage")]
    if len(volts) == 1:
        return volts[0]
    if volts:
        raise ModelError(f"{file}: membrane potential", None, f"states {', '.join(volts)} all have units of voltage: "
                         "name the membrane potential with --voltage NAME")
    raise ModelError(f"{file}: membrane potential", None, "no state is annotated membrane_voltage or has units of "
                     f"voltage (states: {', '.join(state_names[:12])}): name it with --voltage NAME")


def _stimulus(file, quantities, parameters, dimensions, annotated, qualified, known, option, v_state,
              definitions) -> str | None:
    if option is not None:
        name = _by_name(option, qualified, known, "--stimulus", file)
        if name in {s for s in known} and name not in definitions and name not in {p.name for p in parameters}:
            raise ModelError("--stimulus", option, "a state cannot be the stimulus: name a current")
        return name
    if "membrane_stimulus_current" in annotated:
        return annotated["membrane_stimulus_current"]
    # The one current of V's equation (a total such as Decker's kiont opened into its terms) whose definition
    # holds time itself (a pulse train); else the one that depends on time through other values but on no state
    # (Myokit's i_stim = pace * amplitude, pace a pulse of the cycle's time): an injected current, where a pump
    # that a protocol switches off depends on the state too and is no stimulus.
    terms = [n for n in _currents(v_state.rhs, definitions, dimensions, set(), known) if n in definitions]
    candidates = [n for n in terms if TIME in definitions[n].free_symbols]
    if not candidates:
        states = known - set(definitions) - {p.name for p in parameters}
        by_symbol = {q.symbol: q.expression for q in quantities}
        uses = {n: reached(definitions[n].free_symbols, by_symbol) for n in terms}
        candidates = [n for n in terms if TIME in uses[n] and not any(s.name in states for s in uses[n])]
    return candidates[0] if len(candidates) == 1 else None


def _is_capacitance(dimension: Dimension | None) -> bool:
    return dimension is not None and (dimension.is_("capacitance") or dimension.is_("capacitance per area"))


def _names_in(expr: sp.Expr) -> list[str]:
    return sorted(s.name for s in expr.free_symbols)


def _currents(rhs: sp.Expr, definitions, dimensions, exclude, known) -> list[str]:
    """Current-like names in V's equation, totals (a sum of currents) opened into their terms, in file order."""
    out: list[str] = []
    pending = [s.name for s in sorted(rhs.free_symbols, key=lambda s: s.name)]
    seen = set()
    while pending:
        name = pending.pop(0)
        if name in seen or name in exclude or name not in known:
            continue
        seen.add(name)
        dimension = dimensions.get(name)
        if dimension is None or not any(dimension.is_(kind) for kind in CURRENT_KINDS):
            continue
        definition = definitions.get(name)
        _, renamed = definition.as_coeff_Mul() if definition is not None else (None, None)
        if renamed is not None and renamed.is_Symbol and renamed.name in dimensions:
            pending.append(renamed.name)  # a total renamed, times a number (Priebe 1998's dVdt = -I_tot)
            continue
        if definition is not None and isinstance(definition, sp.Add):
            parts = [s.name for s in definition.free_symbols if s.name in dimensions and
                     any(dimensions[s.name].is_(kind) for kind in CURRENT_KINDS)]
            if len(parts) >= 2:
                pending.extend(sorted(parts))
                continue
        out.append(name)
    return out
