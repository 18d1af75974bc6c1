"""SBML files (Level 3, and Level 2 where Myokit reads it) as vrest ODE systems, read with
Myokit's SBML parser: rate rules, assignment rules, initial assignments, and reactions (whose
species become states).

Events are protocols, not part of the system at rest. Where every event is a step at a fixed time that
sets parameters to numbers, they are kept as the file's own protocol (OdeSystem.steps,
derive.importers.sbml_events), which `vrest simulate` runs; else all are left out, with a warning that
says why. A model that changes only through events has nothing to rest and is refused. In Level 2 the
unit definition with id "time" sets the time unit (Myokit reads the Level 3 timeUnits only).
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from pathlib import Path

from ..errors import ModelError, ModelWarning
from ..file_steps import by_condition
from ..system import OdeSystem
from .cellml import CELLML_NAMESPACES, _element, _first, _oxmeta, read_cellml
from .myokit_system import import_myokit, myokit_errors, to_system
from .sbml_events import timed_steps
from .si import Dimension
from .xmlsafe import children, local_name, read_xml

__all__ = ["read_sbml"]


def _level2_time(model, namespace: str):
    """The Level 2 unit of time: its redefinition of "time" as a myokit.Unit, else the second (Level 2's default)."""
    import myokit

    for definition in model.iter(f"{{{namespace}}}unitDefinition"):
        if definition.get("id") != "time":
            continue
        unit = myokit.units.dimensionless
        for u in definition.iter(f"{{{namespace}}}unit"):
            base = myokit.Unit.parse_simple(u.get("kind", ""))
            exponent = float(u.get("exponent", "1"))
            scale = int(u.get("scale", "0"))
            multiplier = float(u.get("multiplier", "1"))
            unit = unit * (base * (multiplier * 10 ** scale)) ** exponent
        return unit
    return myokit.units.s


def _ruled_species_on_the_boundary(model, namespace: str) -> None:
    """Mark a species set by a rule, and in no reaction, as a boundary species: the same model (boundaryCondition
    says only how reactions change a species), which Myokit's parser then reads. Myokit refuses a ruled species
    that is not on the boundary as "created or destroyed in a reaction" even where the file has no reaction
    (BioModels' BIOMD0000000378 holds V as such a species)."""
    ruled = {rule.get("variable") for rule in model.iter(f"{{{namespace}}}rateRule", f"{{{namespace}}}assignmentRule")}
    in_reactions = {ref.get("species") for reaction in model.iter(f"{{{namespace}}}reaction") for ref in reaction.iter()
                    if ref.get("species")}
    for species in model.iter(f"{{{namespace}}}species"):
        if species.get("id") in ruled - in_reactions and species.get("boundaryCondition") != "true":
            species.set("boundaryCondition", "true")


def _annotated(model, myokit_model) -> dict[str, str]:
    """{Myokit's qualified name: oxmeta term} of the elements annotated as vrest's exports annotate the membrane
    potential and the stimulus (bqbiol:is an oxmeta term, on the element's metaid); a species is read as its
    amount."""
    terms = _oxmeta(model)
    by_id = {e.get("id"): terms[e.get("metaid")] for e in model.iter() if e.get("metaid") in terms and e.get("id")}
    return {v.qname(): by_id[name] for v in myokit_model.variables(deep=True)
            for name in (v.name(), v.name().removesuffix("_amount")) if name in by_id}


def read_sbml(path: str | Path, *, voltage: str | None = None, stimulus: str | None = None) -> OdeSystem:
    """The ODE system of an SBML file; ModelError naming the element for a bad file."""
    import_myokit()
    from myokit.formats import sbml

    path = Path(path)
    root = read_xml(path)
    namespace = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    if local_name(root) == "model" and namespace in CELLML_NAMESPACES:  # a CellML file named .xml: read as CellML
        return read_cellml(path, voltage=voltage, stimulus=stimulus)
    if local_name(root) != "sbml" or "sbml.org/sbml/level" not in namespace:
        raise ModelError(f"{path.name}: <{local_name(root)}>", namespace or None,
                         "not an SBML document (<sbml> expected)")
    model = next(iter(children(root, "model")), None)
    if model is None:
        raise ModelError(f"{path.name}: <sbml>", None, "no <model> element")
    events = [e.get("id") or e.get("name") or "?" for e in model.iter(f"{{{namespace}}}event")]
    changing = [e for e in model.iter() if local_name(e) in ("rateRule", "reaction")]
    if events and not changing:
        raise ModelError(f"{path.name}: <listOfEvents>", ", ".join(events[:5]), "the model changes only through "
                         "events (no rate rule, no reaction): it has no differential equation to rest")
    time_unit = _level2_time(model, namespace) if "level2" in namespace else None
    _ruled_species_on_the_boundary(model, namespace)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            myokit_model = sbml.SBMLParser().parse(root).myokit_model()
        except myokit_errors() as exc:
            raise ModelError(f"{path.name}: {_element(exc)}", None, _first(exc)) from None
    system = to_system(myokit_model, file=path.name, source=f"{path.name} (SBML), read with Myokit",
                       annotations=_annotated(model, myokit_model), voltage=voltage, stimulus=stimulus,
                       time_unit=Dimension.of(time_unit) if time_unit is not None else None)
    if not events:
        return system
    system = replace(system, events=tuple(events))
    names = {p.description.split(":")[0]: p.name for p in system.parameters}
    steps, why = timed_steps(model, myokit_model, time_unit or myokit_model.time().unit(), names)
    if why is None:
        asked = sorted({name for step in steps for name, _ in step[3]})  # vrest's own export: scenario
        which = (f"; each runs where its trigger's value holds ({by_condition(steps)}; vrest simulate --set "
                 f"{asked[0]}=N selects one)" if asked else "")
        warnings.warn(f"{path.name}: events at fixed times run as protocol steps in vrest simulate (--protocol "
                      "replaces them); the system at rest and vrest export leave them out: "
                      f"{', '.join(step[0] for step in steps[:8])}{which}", ModelWarning, stacklevel=2)
        return replace(system, steps=steps)
    warnings.warn(f"{path.name}: events left out, every one ({', '.join(events[:8])}): vrest runs a file's events "
                  f"only where each is a step at a fixed time that sets parameters to numbers, and {why}; vrest "
                  "rests, runs and exports the model without them (give a run's steps with --protocol)", ModelWarning,
                  stacklevel=2)
    return system
