"""``vrest rest MODEL [--range LO..HI] [--start NAME=VALUE ...] [--voltage NAME] [--stimulus NAME] [--json]``.

Every resting state of the model in a voltage range, its stability, slope conductance and currents,
the conservation laws and a verdict (docs/model-format.md, "vrest rest").
"""

from __future__ import annotations

import dataclasses
import json

from vrest.derive.errors import ModelError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "rest", help="every resting state of a model, its stability and currents",
        description="Every resting state (equilibrium with the stimulus off) of a model with V in a range: the "
        "states, the eigenvalues of the full Jacobian (stable when every real part is negative), the slowest time "
        "constant, the slope conductance with the gates at steady state, the currents at rest, and the linear "
        "conservation laws (fixed from the start state). When none is stable, the verdict says so (a pacemaker "
        "oscillates). The JSON is described in docs/model-format.md.")
    parser.add_argument("model", help="a built-in model name, a TOML model file, or a CellML (.cellml) or SBML "
                        "(.xml, .sbml) file")
    from .range_option import add_range_option

    add_range_option(parser)
    parser.add_argument("--start", action="append", default=[], metavar="NAME=VALUE",
                        help="a start value of a state, with its unit (e.g. 'Na_i=12 mM'; a gate's open fraction, "
                        "within 0..1, a plain number: 'm_Na=0.05'; repeatable): conserved quantities take their "
                        "values from the start (default: the model's initial values)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a CellML or SBML file's parameter, with its unit (e.g. 'g_K1=0.5 mS/cm^2'; repeatable; "
                        "NAME as vrest derive FILE shows it, or component.variable): the resting states with that "
                        "value in place of the file's")
    from .role_options import add_role_options

    add_role_options(parser)
    parser.add_argument("--json", action="store_true", help="machine-readable output (docs/model-format.md)")
    parser.set_defaults(run=run)


def _with_roles(system, voltage: str | None, stimulus: str | None):
    """``system`` with the membrane potential and the stimulus named on the command line."""
    from vrest.derive.rest.named_roles import (  # SymPy, as ``system`` has
        check_stimulus_unit,
        check_voltage_unit,
        uses,
    )

    roles = system.roles
    if voltage is not None:
        states = {s.symbol.name: s.symbol for s in system.states}
        if voltage not in states:
            raise ModelError("--voltage", voltage, f"not a state of model {system.name} (states: {', '.join(states)})")
        check_voltage_unit(system, voltage)
        roles = dataclasses.replace(roles, voltage=states[voltage])
    if stimulus is not None:
        named = {p.name: p.symbol for p in system.parameters} | {q.name: q.symbol for q in system.quantities}
        if stimulus not in named:
            raise ModelError("--stimulus", stimulus, f"not a parameter or quantity of model {system.name}")
        check_stimulus_unit(system, named[stimulus], stimulus)
        if not uses(system, named[stimulus]):  # vrest's rates hold their currents written out, not by name
            raise ModelError("--stimulus", stimulus, f"no rate of model {system.name} is written in {stimulus}, so "
                             "it cannot be turned off at rest; the current a vrest model injects is I_stim "
                             "(stimulus.current in a scenario step), off at rest already")
        roles = dataclasses.replace(roles, stimulus=named[stimulus])
    return system if roles is system.roles else dataclasses.replace(system, roles=roles)


# From this many states on, the compiled module (built once per model, then cached) beats sympy.lambdify.
COMPILED_FROM_STATES = 8


def resting_report(spec: str, v_range, start_items=(), voltage=None, stimulus=None,
                   compiled_from_states: int = COMPILED_FROM_STATES, parameters: dict[str, float] | None = None):
    """The RestReport of MODEL ``spec``: the generated, compiled module evaluates a large vrest model; a CellML or
    SBML file's ``parameters`` (SI, by the names set_values gives) in place of its own."""
    from vrest.derive.builtin import is_other_format

    if is_other_format(spec):  # another tool's file: its generated module, cached
        from ..simulation.imported import imported_plan
        from ..simulation.imported_rest import rest_report

        plan = imported_plan(spec, voltage, stimulus)
        return rest_report(plan, v_range, _short_names(plan, spec, voltage, stimulus, start_items),
                           parameters=parameters)
    from vrest.derive.rest import find_resting_states
    from vrest.derive.rest.inputs import parse_start
    from vrest.derive.rest.loader import load_model_and_system

    model, system = load_model_and_system(spec, voltage=voltage, stimulus=stimulus)
    if model is not None:
        from vrest.derive.steady_state import charge_conserved, check_electroneutral

        if charge_conserved(model):  # its start has zero net charge, as the steady state: a file far from it is told
            check_electroneutral(model)
    system = _with_roles(system, voltage, stimulus)
    numbers = None
    if model is not None and len(system.states) >= compiled_from_states \
            and voltage is None and stimulus is None:
        from ..simulation.rest import model_evaluator

        def numbers(problem):
            return model_evaluator(model, problem.parameters, problem.currents)

    report = find_resting_states(system, v_range=v_range, start=parse_start(start_items, system), numbers=numbers,
                                 from_start=True)
    if model is not None and not any(state.stable for state in report.resting_states):
        report = _with_pump_reason(model, report)
    elif model is not None:
        report = _with_emptied_rest(model, report)
    return report


def _short_names(plan, spec: str, voltage, stimulus, start_items) -> list[str]:
    """The --start items with each state named as vrest names it, where one gave component.variable (as --voltage
    takes it): the file is read again only then."""
    states = set(plan.problem["states"])
    if all(item.partition("=")[0].strip() in states or "." not in item.partition("=")[0] for item in start_items):
        return list(start_items)
    from ..sweep.imported import load_imported

    names = load_imported(spec, voltage=voltage, stimulus=stimulus).state_names
    named = []
    for item in start_items:
        name, sep, value = item.partition("=")
        named.append(f"{names.get(name.strip(), name.strip())}{sep}{value}")
    return named


def _with_emptied_rest(model, report):
    """The report of a pump-leak cell whose stable rest holds an ion below the least a cell holds (or above 6 M),
    with that in its verdict, as vrest derive says it of V_ss: a limit no cell reaches, where double precision
    no longer resolves the slowest modes (below about 1e-31 mM)."""
    if model.pump is None or model.volume_mode not in ("fixed", "dynamic", "instant"):
        return report
    from vrest.derive.constants import Vol
    from vrest.derive.derivations.pump_range import state_words

    rest = next(state for state in report.resting_states if state.stable)
    symbols = [ion.amount for ion in model.dynamic_ions] + [Vol]
    state = {symbol: rest.states[symbol.name] for symbol in symbols if symbol.name in rest.states}
    if not model.dynamic_ions or any(ion.amount not in state for ion in model.dynamic_ions):
        return report
    words = state_words(model, state)
    if not words:
        return report
    return dataclasses.replace(report, verdict=f"{report.verdict}; there {words}")


def _with_pump_reason(model, report):
    """The report of a pump-leak cell whose pump rate gives it no steady state, with that reason in its verdict
    (as vrest derive gives it for V_ss)."""
    if model.pump is None or model.volume_mode not in ("fixed", "dynamic", "instant"):
        return report
    from vrest.derive.derivation import NoSteadyState, NotApplicable
    from vrest.derive.derivations.pump_range import emptied_steady_state, pump_rate_verdict
    from vrest.derive.steady_state import hypotonic_donnan, scenario_values

    try:
        values = scenario_values(model, 1)
        why = pump_rate_verdict(model, values) or emptied_steady_state(model, {}) or hypotonic_donnan(model, values)
    except (NotApplicable, NoSteadyState):
        return report
    return dataclasses.replace(report, verdict=f"{report.verdict}; {why}") if why else report


def run(args) -> int:
    from vrest.derive.rest import DEFAULT_RANGE
    from vrest.derive.rest.inputs import parse_range
    from vrest.derive.rest.report import report_json, report_text

    v_range = parse_range(args.range) if args.range else DEFAULT_RANGE
    parameters, shown = set_values(args) if args.set else ({}, {})
    report = resting_report(args.model, v_range, args.start, args.voltage, args.stimulus, parameters=parameters)
    if args.json:
        print(json.dumps(report_json(report) | ({"set": shown} if shown else {}), indent=1, allow_nan=False))
    else:
        title, *rest = report_text(report).split("\n")
        said = ", ".join(f"{name} = {s['value']:g}{unit} (the file's {s['file']:g}{unit})"
                         for name, s in shown.items() for unit in [f" {s['unit']}" if s["unit"] else ""])
        print("\n".join([title, *([f"with {said}"] if said else []), *rest]))
    return 0


_REST_STATE_HINT = "--set changes parameters; a state's value at the start is --start NAME=VALUE"


def set_values(args) -> tuple[dict[str, float], dict[str, dict]]:
    """--set's values of a CellML or SBML file (SI, by the file's parameter names) and each as shown: {name:
    {"value", "unit", "file"}} in the parameter's unit."""
    from vrest.derive.builtin import is_other_format

    if not is_other_format(args.model):
        raise ModelError("--set", args.set[0], "applies to a CellML or SBML file; a vrest model's values are its "
                         "model file's (a copy with other values), and vrest sweep varies them")
    from ..simulation.imported import imported_plan
    from .simulate_imported import _file_value, in_unit, set_parameters

    plan = imported_plan(args.model, args.voltage, args.stimulus)
    parameters = set_parameters(plan, args.set, (args.model, args.voltage, args.stimulus), _REST_STATE_HINT)
    if plan.stimulus is not None and plan.stimulus[0] in parameters:
        raise ModelError(f"--set {plan.stimulus[0]}", None, "the stimulus' switch: the stimulus is off at rest")
    shown = {}
    for name, value in parameters.items():
        (number, unit), (file, _) = in_unit(plan, name, value), in_unit(plan, name, _file_value(plan, name))
        shown[name] = {"value": float(f"{number:.15g}"), "unit": unit,  # 185 pF in uF: 0.000185, not ...02
                       "file": float(f"{file:.15g}")}
    return parameters, shown
