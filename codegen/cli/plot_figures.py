"""The data and figures of ``vrest plot`` (codegen.cli.plot_cmd): a model's I-V curves, and its steady
volume and V against the pump rate.
"""

from __future__ import annotations

import warnings

import numpy as np
import sympy as sp
from scipy.special import exprel

from vrest.derive.constants import V
from vrest.derive.derivation import NotApplicable
from vrest.derive.errors import ModelWarning
from vrest.derive.gated import gate_steady_states
from vrest.derive.model import Model
from vrest.derive.derivations.potentials import balance_id
from vrest.derive.derivations.pumpleak import pump_rate_symbol, steady_curve, steady_volume
from vrest.derive.quantities import Derivations
from vrest.derive.units import convert

__all__ = ["iv_data", "pump_data", "figure_iv", "figure_pump"]


def iv_data(model: Model, points: int = 401) -> dict:
    """V (mV), each leak's and channel's current (gates at steady state) and the total with the pump (uA/cm^2) at
    the given concentrations, where the total vanishes (``zero``: V_ss, or V_balance when the concentrations move;
    ``zeros``: every resting state of a gated model, ``stable``: whether each is) and each E_X (mV)."""
    derivations = Derivations(model)
    reversal = {ion.name: derivations.get(f"E_{ion.name}").value for ion in model.ions}
    reversal.update({c.name: float(model.values[c.E]) for c in model.channels if c.ion is None})
    zero = balance_id(model)
    balance = derivations.get(zero)
    v_zero = balance.value
    zeros = balance.values or (v_zero,)
    stable = list(balance.stable) if len(balance.stable) == len(zeros) else [True] * len(zeros)
    marks = list(reversal.values()) + list(zeros)
    low, high = min(min(marks), -0.1) - 0.02, max(max(marks), 0.05) + 0.02
    volts = np.linspace(low, high, points)
    currents = {}
    for ion in model.ions:
        if ion.leak != "none":
            currents[ion.name] = _numeric(model.leak_current(ion).xreplace(model.values), volts)
    steady = gate_steady_states(model)
    for channel in model.channels:  # every gate at x_inf(V): the steady-state I-V curve
        currents[channel.name] = _numeric(model.expand(channel.I).xreplace(steady).xreplace(model.values), volts)
    pump = _numeric(model.pump_current.xreplace(model.values), volts) if model.pump else np.zeros_like(volts)
    total = sum(currents.values()) + pump  # a luo_rudy_1994 pump depends on V: a curve of its own
    per_area = convert(1.0, "uA/cm^2")
    return {
        "V": volts * 1000, "currents": {k: c * per_area for k, c in currents.items()}, "pump": pump * per_area,
        "pump_varies": bool(model.pump) and bool(np.ptp(pump) > 0),
        "total": total * per_area, "zero": (zero, v_zero * 1000), "E": {k: e * 1000 for k, e in reversal.items()},
        "zeros": [v * 1000 for v in zeros], "stable": stable, "gated": bool(steady),
    }


def _numeric(expr: sp.Expr, volts: np.ndarray) -> np.ndarray:
    f = sp.lambdify(V, expr, modules=[{"exprel": exprel}, "numpy"])
    return np.broadcast_to(np.asarray(f(volts), dtype=float), volts.shape).copy()


def pump_data(model: Model, points: int = 41) -> dict:
    """Pump rates (uA/cm^2) with the full model's steady volume (um^3) and V (mV); pump_max if finite."""
    if model.pump is None:
        raise NotApplicable("the model has no [pump] to vary")
    rate_symbol = pump_rate_symbol(model)
    given = float(model.values[rate_symbol])
    try:
        pump_max = Derivations(model).get("pump_max").value
    except NotApplicable:
        pump_max = None
    top = 0.98 * pump_max / given if pump_max else 3.0
    bottom = 0.0 if model.bath_impermeant else top / points
    scales = list(np.linspace(bottom, top, points)) + [1.0]
    states = steady_curve(model, [float(s) for s in scales])
    found = sorted((s, st) for s, st in zip(scales, states) if st is not None)
    per_area = convert(1.0, "uA/cm^2")
    lost = sorted(s * given * per_area for s, st in zip(scales, states) if st is None)
    if lost and found:  # said, not silently left out of the curve
        warnings.warn(f"no steady state found at {len(lost)} of the {len(scales)} pump rates "
                      f"({lost[0]:.4g} to {lost[-1]:.4g} uA/cm^2): they are left out of the figure", ModelWarning,
                      stacklevel=2)
    if not found:
        raise NotApplicable(f"no steady state found at any pump rate from {min(scales) * given * per_area:.4g} to "
                            f"{max(scales) * given * per_area:.4g} uA/cm^2: nothing to plot")
    return {
        "rate": np.array([s * given * per_area for s, _ in found]),
        "volume": np.array([convert(steady_volume(model, st), "um^3") for _, st in found]),
        "V": np.array([st[V] * 1000 for _, st in found]),
        "pump_max": pump_max * per_area if pump_max else None,
        "given": given * per_area, "rate_name": rate_symbol.name,
    }


def figure_iv(plt, model: Model):
    data = iv_data(model)
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=100)
    for name, current in data["currents"].items():
        ax.plot(data["V"], current, label=f"I_{name}")
    if data["pump_varies"]:
        ax.plot(data["V"], data["pump"], label="I_pump")
    ax.plot(data["V"], data["total"], color="black", linewidth=2,
            label="total" if data["gated"] else "total (leaks + pump)")
    ax.axhline(0, color="grey", linewidth=0.5)
    span = float(data["V"][-1] - data["V"][0])
    previous, raised = None, 0
    for name, e in sorted(data["E"].items(), key=lambda item: item[1]):
        raised = raised + 1 if previous is not None and e - previous < 0.08 * span else 0  # labels apart
        previous = e
        ax.axvline(e, linestyle=":", color="grey")
        ax.annotate(f"E_{name}", (e, 0), textcoords="offset points", xytext=(2, 6 + 11 * raised), fontsize=8,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5, "alpha": 0.8})  # readable over lines
    name, _ = data["zero"]
    for v_zero, stable in zip(data["zeros"], data["stable"]):  # an unstable equilibrium is no resting potential
        ax.axvline(v_zero, color="black", linewidth=1, linestyle="-" if stable else "--",
                   label=f"{name} = {v_zero:.2f} mV" + ("" if stable else " (unstable)"))
    _near_rest(ax, data)
    ax.set_xlabel("membrane potential V (mV)")
    ax.set_ylabel("outward current (uA/cm^2)")
    ax.set_title(f"{model.name}: " + ("steady-state I-V curves (every gate at x_inf)" if data["gated"]
                                      else "leak I-V curves"))
    ax.legend(fontsize=8)
    return fig


def _near_rest(ax, data: dict) -> None:
    """Limit the current axis to the currents within 15 mV of the resting states, where a channel's current far from
    rest (hh's I_K at +70 mV: 5000 uA/cm^2) would flatten the part of the figure that matters."""
    volts = data["V"]
    near = np.zeros(volts.shape, dtype=bool)
    for v_zero in data["zeros"]:
        near |= np.abs(volts - v_zero) <= 15
    curves = [*data["currents"].values(), data["total"]] + ([data["pump"]] if data["pump_varies"] else [])
    everywhere = max(float(np.max(np.abs(c))) for c in curves)
    around = max(float(np.max(np.abs(c[near]))) for c in curves)
    if everywhere > 3 * around > 0:
        ax.set_ylim(-1.1 * around, 1.1 * around)
        ax.annotate("currents beyond the axis are cut: the axis spans the currents within 15 mV of rest", (0.01, 0.01),
                    xycoords="axes fraction", fontsize=7, color="grey")


def figure_pump(plt, model: Model):
    data = pump_data(model)
    fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(7, 6), dpi=100)
    top.plot(data["rate"], data["volume"], marker=".")
    top.set_ylabel("steady volume (um^3)")
    bottom.plot(data["rate"], data["V"], marker=".", color="tab:red")
    bottom.set_ylabel("steady V (mV)")
    bottom.set_xlabel(f"pump rate {data['rate_name']} (uA/cm^2)")
    for ax in (top, bottom):
        ax.axvline(data["given"], color="grey", linestyle=":", label="model's rate")
        if data["pump_max"] is not None:
            ax.axvline(data["pump_max"], color="black", linestyle="--",
                       label=f"pump_max = {data['pump_max']:.4g} uA/cm^2")
    _beyond_the_sphere(model, data, top)
    top.legend(fontsize=8)
    top.set_title(f"{model.name}: pump-leak steady state against pump rate")
    return fig


def _beyond_the_sphere(model: Model, data: dict, ax) -> None:
    """Where the steady volume is more than the membrane encloses: the sphere's volume drawn, and a warning (as
    `vrest derive` warns of a steady volume)."""
    from vrest.derive.constants import area
    from vrest.derive.plausibility import volume_problem, warn

    from ..plotting import sphere_line

    if area not in model.values:
        return
    largest, label = sphere_line(float(model.values[area]))
    beyond = data["rate"][data["volume"] > largest * (1 + 1e-9)]
    if beyond.size:
        ax.axhline(largest, color="black", linestyle="--", linewidth=1, label=label)
        where = f"the pump rate {beyond[0]:.4g}" if beyond.size == 1 else \
            f"{beyond.size} pump rates from {beyond.min():.4g} to {beyond.max():.4g}"
        largest_of = "" if beyond.size == 1 else ", at its largest"
        warn(volume_problem(f"the steady volume at {where} uA/cm^2{largest_of}", data["volume"].max() * 1e-18,
                            model.values[area]))
