"""`vrest simulate MODEL --protocol FILE.toml` for a vrest model: an experiment kept outside the model file.

The file holds what a [scenario.NAME] table of the model file holds (``steps = [{at, set, scale}, ...]``, or the
one-step ``at``, ``set``, ``scale``; ``description``), its keys the model file's (``ions.K.outside``, ``pump``,
``channels.NAME.conductance``), read by the same reader; an error names the file and the key in it.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from vrest.derive.errors import ModelError

from ..simulation.cache import CachedScenario, cached_scenario
from .simulate_imported import naming_the_protocol, protocol_table

__all__ = ["PROTOCOL", "model_protocol", "refuse_both", "with_protocol"]

PROTOCOL = "protocol"  # the scenario the file becomes, among the model's own


def model_protocol(spec: str, path: str):
    """(the model ``spec`` with the protocol of ``path`` as its scenario PROTOCOL, that scenario as a plan runs
    it); a protocol that sets the stimulus current gives a model without one an injected current, 0 until then."""
    from vrest.derive.builtin import resolve_model
    from vrest.derive.modelfile import mentions_stimulus, with_stimulus
    from vrest.derive.protocol import read_scenarios

    data = protocol_table(path)
    if not data:
        raise ModelError(f"--protocol {Path(path).name}", None, "the file holds no steps: give steps = [...], or "
                         "at with set and/or scale")
    model = resolve_model(spec)
    if mentions_stimulus({PROTOCOL: data}):  # a pulse into a cell whose own scenarios inject none
        model = with_stimulus(model)
    with naming_the_protocol(path, f"scenario.{PROTOCOL}"):  # scenario.protocol.steps[1]... is the file's steps[1]...
        (scenario,) = read_scenarios({PROTOCOL: data}, model)
    file = f"from {Path(path).name}"  # the label "scenario protocol" names the file it came from
    scenario = replace(scenario, description=f"{scenario.description} ({file})" if scenario.description else file)
    own = tuple(s for s in model.scenarios if s.name != PROTOCOL)
    return replace(model, scenarios=(*own, scenario)), cached_scenario(scenario, model)


def with_protocol(plan, cached: CachedScenario):
    """``plan`` with the protocol among its scenarios (in place of a model scenario of the same name)."""
    return replace(plan, scenarios=(*(s for s in plan.scenarios if s.name != PROTOCOL), cached))


def refuse_both(args) -> None:
    """A --protocol and a --scenario together are refused (one experiment per run)."""
    if args.protocol and args.scenario:
        raise ModelError("--protocol", args.protocol, f"give a scenario or a protocol, not both (--scenario "
                         f"{args.scenario})")
