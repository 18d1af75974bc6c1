"""Model-file keys a sweep may vary, and the parameter behind each.

A sweep point is the model file with some values changed: ``ions.K.outside`` is the
parameter K_o, ``impermeant.concentration`` is A_i (and the amount N_A = A_i Vol with it),
``pump`` is a factor on the pump's rate. Each key has the dimension its value is read in
(derive.units.DIMENSIONS) and a sign rule, like the model file.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from vrest.derive.errors import ModelError

if TYPE_CHECKING:  # workers apply couplings without SymPy
    from vrest.derive.model import Model

__all__ = ["SweepKey", "sweep_keys", "lookup", "coupling", "apply_coupling"]


@dataclass(frozen=True)
class SweepKey:
    """A model-file key: the parameter it sets, the dimension of its values, what values it allows.

    ``dimension`` None: the value is a factor on the parameter's given value (only ``pump``).
    ``sign``: "positive", "nonnegative" or "any".
    """

    key: str
    parameter: str
    dimension: str | None
    sign: str = "positive"


def _pump_rate(model: Model) -> str:
    return "I_pump" if model.has("I_pump") else "I_max"


def sweep_keys(model: Model) -> dict[str, SweepKey]:
    """Every key of ``model``'s file that a sweep may vary, in the file's order."""
    out: list[SweepKey] = [SweepKey("model.temperature", "T", "temperature"),
                           SweepKey("membrane.capacitance", "C_m", "capacitance per area")]
    if model.has("A_m"):
        out += [SweepKey("membrane.area", "A_m", "area"), SweepKey("membrane.volume", "Vol", "volume")]
    if model.has("L_p"):
        out.append(SweepKey("membrane.water_permeability", "L_p", "hydraulic permeability"))
    for ion in model.ions:
        path = f"ions.{ion.name}"
        if ion.has_concentrations:
            out += [SweepKey(f"{path}.inside", ion.inside.name, "concentration"),
                    SweepKey(f"{path}.outside", ion.outside.name, "concentration")]
        else:
            out.append(SweepKey(f"{path}.reversal", ion.E.name, "voltage", "any"))
        if ion.leak == "ghk":
            out.append(SweepKey(f"{path}.permeability", ion.P.name, "permeability", "nonnegative"))
        else:
            out.append(SweepKey(f"{path}.conductance", ion.g.name, "conductance per area", "nonnegative"))
    if model.pump is not None:
        rate = _pump_rate(model)
        out.append(SweepKey("pump", rate, None, "nonnegative"))
        if rate == "I_pump":
            out.append(SweepKey("pump.current", rate, "current per area", "any"))
        else:
            out.append(SweepKey("pump.max_current", rate, "current per area", "nonnegative"))
            out += [SweepKey(f"pump.{name}", name, "concentration") for name in ("K_half_Na", "K_half_K")
                    if model.has(name)]
    if model.impermeant:
        if model.has("A_i"):
            out.append(SweepKey("impermeant.concentration", "A_i", "concentration"))
        if model.has("N_A"):
            out.append(SweepKey("impermeant.amount", "N_A", "amount"))
    if model.bath_impermeant:
        out.append(SweepKey("bath.impermeant", "B_o", "concentration"))
    return {k.key: k for k in out}


def lookup(model: Model, key: str, where: str) -> SweepKey:
    """The SweepKey of ``key``; a ModelError naming ``where`` (the option) with the nearest known key otherwise."""
    known = sweep_keys(model)
    if key in known:
        return known[key]
    reason = _not_here(model, key)
    if reason:
        raise ModelError(where, key, reason)
    close = difflib.get_close_matches(key, sorted(known), n=1)
    hint = f"did you mean '{close[0]}'?" if close else f"keys of model {model.name}: {', '.join(known)}"
    raise ModelError(where, key, f"not a key of model {model.name} that a sweep can vary; {hint}")


def _not_here(model: Model, key: str) -> str | None:
    """Why a key of the model-file format is not one of this model's, when an ion has the other leak law or
    no concentrations."""
    parts = key.split(".")
    ions = {ion.name: ion for ion in model.ions}
    if len(parts) != 3 or parts[0] != "ions" or parts[1] not in ions:
        return None
    ion, what = ions[parts[1]], parts[2]
    other = {"conductance": ("a GHK permeability", "permeability"), "permeability": ("an ohmic conductance",
                                                                                      "conductance")}
    if what in other and ion.leak == ("ghk" if what == "conductance" else "ohmic"):
        has, instead = other[what]
        return f"ion {ion.name} of model {model.name} has {has}: vary ions.{ion.name}.{instead}"
    if what in ("inside", "outside") and not ion.has_concentrations:
        return f"ion {ion.name} of model {model.name} has a fixed reversal potential: vary ions.{ion.name}.reversal"
    if what == "valence":
        return "a valence is what the ion is; it is not varied"
    return None


def _impermeant_given_as_amount(model: Model) -> bool:
    """Whether the file gave ``impermeant.amount`` (then A_i = N_A/Vol) rather than the concentration
    (then N_A = A_i Vol): the model lists the given one first (derive.modelfile)."""
    names = [p.name for p in model.parameters]
    return names.index("N_A") < names.index("A_i")


def coupling(model: Model, varied: set[str]) -> tuple[str, str, str, str] | None:
    """How a parameter computed from others follows the varied ones, as the model-file reader computes it:
    ("product", "N_A", "A_i", "Vol") for N_A = A_i Vol, ("ratio", "A_i", "N_A", "Vol") for A_i = N_A/Vol;
    None when nothing varied enters such a relation.

    The impermeant amount and concentration are tied by the volume: the one the sweep varies (or else the
    one the file gives) holds, the other follows.
    """
    if not (model.has("N_A") and model.has("A_i") and model.has("Vol")) or not varied & {"N_A", "A_i", "Vol"}:
        return None
    if "N_A" in varied or ("A_i" not in varied and _impermeant_given_as_amount(model)):
        return ("ratio", "A_i", "N_A", "Vol")
    return ("product", "N_A", "A_i", "Vol")


def apply_coupling(rule: tuple[str, str, str, str] | None, values: Mapping[str, object]) -> dict[str, object]:
    """``values`` with the parameter of ``rule`` (see ``coupling``) recomputed; NumPy only."""
    out = dict(values)
    if rule is not None:
        kind, target, a, b = rule
        x, y = np.asarray(out[a], dtype=float), np.asarray(out[b], dtype=float)
        out[target] = x * y if kind == "product" else x / y
    return out
