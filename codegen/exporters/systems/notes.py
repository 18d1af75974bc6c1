"""The notes every export of an ODE system carries: what the model is, where it came from, its
units, its start, the stimulus, and how names the target refuses were renamed."""

from __future__ import annotations

from ... import __version__
from ...escaping import visible
from .context import SystemExport

__all__ = ["notes"]


def notes(context: SystemExport, target: str, units: str) -> list[str]:
    """One sentence or paragraph a line, plain text (each format escapes it for its own place)."""
    system = context.system
    lines = [f"{system.name}: {system.description}", f"Source: {system.source}",
             f"Exported to {target} by vrest {__version__} from the model as vrest reads it. {units}",
             f"The membrane potential is {context.voltage.id}; the initial state is the file's.",
             context.stimulus_note]
    if system.events:
        shown = ", ".join(system.events[:8]) + (f" and {len(system.events) - 8} more" if len(system.events) > 8 else "")
        lines.append(f"The file's events ({shown}) are not in this export: it is the model without them.")
    if context.renamed:
        pairs = ", ".join(f"{name} is {ident}" for name, ident in context.renamed)
        lines.append(f"Names: the file's, except where {target} does not allow them: {pairs}.")
    else:
        lines.append("Names: the file's (each variable's description gives its component in the file).")
    return [visible(" ".join(line.split())) for line in lines]
