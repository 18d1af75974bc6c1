"""The channels of a model as NeuroML2 ion channels, for the NeuroML export (exporters.neuroml).

Each gated channel with an ohmic law and no open fraction becomes an ``ionChannelHH`` whose gates
use NeuroML's standard rate forms where the rate has one (v in volts, rates per second):

    HHExpRate        rate exp((v - midpoint)/scale)                  = A exp(a v + b)
    HHSigmoidRate    rate / (1 + exp(-(v - midpoint)/scale))         = A / (1 + exp(a v + b))
    HHExpLinearRate  rate x / (1 - exp(-x)),  x = (v - midpoint)/scale = A / exprel(a v + b)
    HHSigmoidVariable (a steady state) as HHSigmoidRate

and otherwise a LEMS ComponentType of its own (extending baseVoltageDepRate, baseVoltageDepTime
or baseVoltageDepVariable) that computes the expression vrest holds. The gates' Q10 is a
q10ExpTemp. A channel without gates is an ``ionChannelPassive``. A channel with an open fraction
or a GHK law has no ionChannelHH form and stays in the cell's ComponentType only (the notes say so).
The cell ComponentType of the export remains what the LEMS simulation runs; these elements are the
same channels for NeuroML tools that build cells from ion channels (channelDensity in a cell).
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp
from vrest.derive.channels import Channel, Gate
from vrest.derive.constants import ZERO_CELSIUS, V
from vrest.derive.functions import exprel
from vrest.derive.model import Model

from ..printers._common import float_text
from .ids import valid_id

__all__ = ["ion_channels", "standard_rate"]

_A = sp.Wild("A", exclude=[V])
_W = sp.Wild("W")


def _linear(w: sp.Expr) -> tuple[sp.Expr, sp.Expr] | None:
    """(a, b) with w = a V + b, a != 0, else None."""
    w = sp.expand(w)
    if not w.is_polynomial(V) or sp.degree(w, V) != 1:
        return None
    a = w.coeff(V, 1)
    return a, sp.expand(w - a * V)


def standard_rate(expr: sp.Expr, variable: bool = False) -> dict | None:
    """NeuroML's standard form of a rate (1/s) or, with ``variable``, a steady state: {"type", "rate", "midpoint",
    "scale"} as NeuroML quantities, or None when ``expr`` (in V, SI, parameters at their values) has none."""
    forms: list[tuple[str, sp.Expr, Callable]] = [
        ("HHSigmoidVariable" if variable else "HHSigmoidRate", _A / (1 + sp.exp(_W)), lambda a, b: (-1 / a, -b / a)),
    ]
    if not variable:
        forms += [("HHExpRate", _A * sp.exp(_W), lambda a, b: (1 / a, -b / a)),
                  ("HHExpLinearRate", _A / exprel(_W), lambda a, b: (-1 / a, -b / a))]
    for kind, pattern, scale_midpoint in forms:
        found = expr.match(pattern)
        if not found or found.get(_A) is None or not found[_A].is_number or found[_A] <= 0:
            continue
        line = _linear(found[_W])
        if line is None:
            continue
        scale, midpoint = scale_midpoint(*line)
        rate = float_text(found[_A]) + ("" if variable else "per_s")
        return {"type": kind, "rate": rate, "midpoint": float_text(midpoint) + "V", "scale": float_text(scale) + "V"}
    return None


def _custom(name: str, base: str, exposure: str, dimension: str, expr: sp.Expr, lems) -> dict:
    """A ComponentType computing ``expr`` (of V and the channel's unit parameters, SI) as ``exposure``: the unit
    parameters are Constants, so every expression keeps its dimension; exprel gives two guarded cases."""
    constants = [lems.constant(s) for s in sorted(expr.free_symbols - {V}, key=lambda s: s.name)]
    return {"name": name, "extends": base, "exposure": exposure, "dimension": dimension, "constants": constants,
            "cases": lems.cases(expr)}


def _gate_context(channel: Channel, gate: Gate, values, lems, prefix: str) -> tuple[dict, list]:
    """The gate's element and the ComponentTypes it needs."""
    custom = []

    def element(expr, role, variable_kind):
        standard = standard_rate(sp.sympify(expr).xreplace(values), variable=variable_kind == "variable")
        if standard is not None:
            return standard
        base, exposure, dimension = {"rate": ("baseVoltageDepRate", "r", "per_time"),
                                     "time": ("baseVoltageDepTime", "t", "time"),
                                     "variable": ("baseVoltageDepVariable", "x", "none")}[variable_kind]
        name = valid_id(f"{prefix}_{channel.name}_{gate.name}_{role}")
        custom.append(_custom(name, base, exposure, dimension, expr, lems))
        return {"type": name}

    if gate.form == "rates":
        parts = {"kind": "gateHHrates", "first": ("forwardRate", element(gate.first, "alpha", "rate")),
                 "second": ("reverseRate", element(gate.second, "beta", "rate"))}
    else:
        parts = {"kind": "gateHHtauInf", "first": ("timeCourse", element(gate.second, "tau", "time")),
                 "second": ("steadyState", element(gate.first, "inf", "variable"))}
    return {"id": valid_id(gate.name), "instances": gate.power, **parts}, custom


def ion_channels(model: Model, lems, prefix: str) -> tuple[list[dict], list[dict], list[str]]:
    """(ionChannelHH and ionChannelPassive elements, custom rate ComponentTypes, notes on channels left out).

    ``lems`` prints for LEMS (exporters.neuroml): ``lems.cases(expr)`` gives [(condition or None, text)] for an
    expression of V, ``lems.constant(symbol)`` a parameter as a Constant {"name", "dimension", "value"};
    ``prefix`` starts the names of the elements and ComponentTypes.
    """
    values = {p.symbol: p.value for p in model.parameters}
    elements, custom, left_out = [], [], []
    for channel in model.channels:
        ident = valid_id(f"{prefix}_{channel.name}")
        if channel.open_fraction is not None or channel.law == "ghk":
            why = "an instantaneous open fraction" if channel.open_fraction is not None else "a GHK law"
            left_out.append(f"channel {channel.name} has {why}, which ionChannelHH cannot hold: it is in the cell's "
                            "ComponentType only")
            continue
        element = {"id": ident, "name": channel.name, "species": channel.ion, "passive": channel.is_leak, "gates": []}
        if channel.q10:
            element["q10"] = float_text(values[channel.Q_10])
            element["q10_temperature"] = float_text(values[channel.T_ref] - ZERO_CELSIUS) + "degC"
        for gate in channel.gates:
            gate_element, needed = _gate_context(channel, gate, values, lems, prefix)
            element["gates"].append(gate_element)
            custom += needed
        elements.append(element)
    return elements, custom, left_out
