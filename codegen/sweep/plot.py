"""Plots of a sweep (PNG, SVG or PDF, as codegen.plotting writes every figure): what a physiologist draws of such data.

- One key: each quantity against it, potentials together in one panel, a log axis for a log range. For a
  bath or inside concentration, the ion's Nernst potential E_X over the range (dashed) and a line of the
  Nernst slope (ln 10 R T/(z F) per decade) through the highest point of the first potential: where the
  potential runs parallel to it the membrane behaves as an X electrode (Hodgkin & Katz 1949).
- Two keys: a heat map of each quantity with labelled contours, log axes for log ranges.
- Samples: each quantity against each key (one key), or the points of the first two keys coloured by it.
- A scenario sweep: V at each time against the key (one key), or V at the last time as a heat map.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import numpy as np

from vrest.derive.errors import ModelError

from ..plotting import pyplot, save_figure
from .rest_points import COUNTS

__all__ = ["plot_sweep"]

_MAX_PANELS = 6


def _label(name: str, unit: str) -> str:
    unit = unit.replace("um^3", "µm³").replace("^2", "²")
    return name if unit == "1" else f"{name} ({unit})"


def _nernst(model, key: str, values_si: np.ndarray) -> tuple[str, np.ndarray, float] | None:
    """(ion, E_X (mV) over the key's values, Nernst slope (mV per decade)) for a concentration key."""
    parts = key.split(".")
    if model is None or len(parts) != 3 or parts[0] != "ions" or parts[2] not in ("outside", "inside"):
        return None
    ion = next(i for i in model.ions if i.name == parts[1])
    if ion in model.dynamic_ions:  # its inside moves: E_X at the file's value says nothing of the rest's
        return None
    values = {s.name: float(v) for s, v in model.values.items()}
    thermal = values["R"] * values["T"] / (ion.valence * values["F"]) * 1000
    other = values[ion.inside.name if parts[2] == "outside" else ion.outside.name]
    ratio = values_si / other if parts[2] == "outside" else other / values_si
    return ion.name, thermal * np.log(ratio), thermal * math.log(10) * (1 if parts[2] == "outside" else -1)


def _nothing(ax, outcome, name: str) -> bool:
    """Say in the panel why ``name`` has no value anywhere (True), or draw nothing (False)."""
    values = outcome.memory.values[name]
    if np.isfinite(values).any():
        return False
    reasons = "; ".join(outcome.missing.get(name, {})) or "no value"
    ax.text(0.5, 0.5, "\n".join(textwrap.wrap(f"{name}: no value at any point: {reasons}", 50)),
            ha="center", va="center", transform=ax.transAxes, fontsize=9, color="0.3")
    ax.set_xticks([])
    ax.set_yticks([])
    return True


def _panels(variables):
    """Variables grouped: every potential (mV) in one panel, each other variable in its own."""
    potentials = [(n, u) for n, u in variables if u == "mV"]
    others = [[(n, u)] for n, u in variables if u != "mV"]
    return ([potentials] if potentials else []) + others


def _line(ax, x: np.ndarray, y: np.ndarray, **style) -> None:
    """A line through the values (x increasing), and a dot at each value whose neighbours have none: a line needs
    two (hh's one depolarised rest beside the points where it beats was drawn as nothing)."""
    (line,) = ax.plot(x, y, **style)
    finite = np.isfinite(y)
    alone = finite & ~np.concatenate([[False], finite[:-1]]) & ~np.concatenate([finite[1:], [False]])
    if alone.any():
        ax.plot(x[alone], y[alone], "o", color=line.get_color(), ms=style.get("ms", 4))


def _one_key(plt, outcome, model):
    layout, memory = outcome.layout, outcome.memory
    key, unit = layout.keys[0]
    x = memory.points[:, 0]
    dim = outcome.plan.dims[0]
    panels = _panels(layout.variables)[:_MAX_PANELS]
    fig, axes = plt.subplots(len(panels), 1, sharex=True, figsize=(7, 2.6 * len(panels) + 0.8), squeeze=False)
    reference = _nernst(model, key, dim.to_si(x)) if layout.times is None else None
    order = np.argsort(x, kind="stable")
    for row, (ax, group) in enumerate(zip(axes[:, 0], panels)):
        for name, _ in group:
            if _nothing(ax, outcome, name):
                continue
            values = memory.values[name]
            if layout.times is not None:  # a scenario sweep: one line per time
                for k, t in enumerate(layout.times):
                    _line(ax, x[order], values[order, k], lw=1.6, label=f"t = {t:g} s")
            elif outcome.plan.sampled:
                ax.plot(x, values, ".", ms=4, label=name)
            elif name in COUNTS:  # a whole number changes in steps: no line through 1.5 states
                ax.step(x[order], values[order], where="mid", lw=1.8, label=name)
            else:
                _line(ax, x[order], values[order], lw=1.8, marker="o" if len(x) <= 12 else None, ms=4, label=name)
        if group[0][1] == "mV" and reference is not None:
            _nernst_lines(ax, x[order], reference, group, memory, order)
        ax.set_ylabel("V (mV)" if group[0][1] == "mV" and len(group) > 1 else _label(*group[0]))
        if group[0][0] in COUNTS:  # whole numbers on the axis of a count
            ax.yaxis.get_major_locator().set_params(integer=True)
        ax.grid(True, alpha=0.3)
        if len(group) > 1 or (layout.times is not None and row == 0) or (group[0][1] == "mV" and reference):
            ax.legend(loc="best", fontsize=8)
    if dim.log:
        _log_axis(axes[-1, 0].xaxis)
    axes[-1, 0].set_xlabel(_label(key, unit))
    scenario = f", scenario {layout.scenario}" if layout.scenario else ""
    axes[0, 0].set_title(f"{layout.model}: sweep of {key}{scenario}")
    return fig


def _nernst_lines(ax, x, reference, group, memory, order) -> None:
    ion, e_x, slope = reference
    if f"E_{ion}" not in (name for name, _ in group):  # asked for (--quantity E_K): drawn once, as a quantity
        ax.plot(x, e_x[order], "--", color="0.35", lw=1.2, label=f"E_{ion} (Nernst)")
    first = memory.values[group[0][0]][order]
    finite = np.isfinite(first)
    if not finite.any():
        return
    anchor = np.nonzero(finite)[0][-1]
    decades = np.log10(x / x[anchor])
    span = decades >= -1.0  # the top decade of the range
    ax.plot(x[span], first[anchor] + slope * decades[span], ":", color="crimson", lw=1.6,
            label=f"Nernst slope, {abs(slope):.1f} mV/decade")


def _two_keys(plt, outcome, model):
    layout, memory = outcome.layout, outcome.memory
    (key_x, unit_x), (key_y, unit_y) = layout.keys[1], layout.keys[0]
    dims = outcome.plan.dims
    variables = list(layout.variables)[:_MAX_PANELS]  # a scenario sweep: each state at the last time
    columns = min(2, len(variables))
    rows = math.ceil(len(variables) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(6.2 * columns, 4.6 * rows + 0.4), squeeze=False)
    for ax in axes.ravel()[len(variables):]:
        ax.set_visible(False)
    for ax, (name, unit) in zip(axes.ravel(), variables):
        ax.set_xlabel(_label(key_x, unit_x))
        ax.set_ylabel(_label(key_y, unit_y))
        if _nothing(ax, outcome, name):
            ax.set_title(name)
            continue
        if outcome.plan.sampled:
            points = ax.scatter(memory.points[:, 1], memory.points[:, 0], c=memory.values[name], s=10, cmap="viridis")
        else:
            values = memory.array(name)
            if layout.times is not None:
                values = values[..., -1]
            x, y = np.asarray(layout.grid[1]), np.asarray(layout.grid[0])
            edges_x, edges_y = _edges(x, dims[1]), _edges(y, dims[0])
            if edges_x is None or edges_y is None:  # values listed out of order: matplotlib's own cells
                points = ax.pcolormesh(x, y, values, shading="nearest", cmap="viridis")
            else:
                points = ax.pcolormesh(edges_x, edges_y, values, shading="flat", cmap="viridis")
            if np.isfinite(values).sum() > 3 and np.nanmax(values) > np.nanmin(values) and min(values.shape) > 2:
                if name in COUNTS:  # a whole number: the lines between two counts, unlabelled (the colour bar says)
                    levels = np.arange(np.nanmin(values), np.nanmax(values)) + 0.5
                    ax.contour(x, y, values, levels=levels, colors="white", linewidths=0.8, linestyles="solid")
                else:
                    lines = ax.contour(x, y, values, levels=8, colors="white", linewidths=0.8, linestyles="solid")
                    ax.clabel(lines, fontsize=7, fmt="%.4g")
        title = name + (f" at t = {layout.times[-1]:g} s" if layout.times is not None else "")
        counts = name in COUNTS and np.isfinite(memory.values[name]).any()
        ticks = np.arange(np.nanmin(memory.values[name]), np.nanmax(memory.values[name]) + 1) if counts else None
        fig.colorbar(points, ax=ax, label=_label(name, unit), ticks=ticks)  # a count: whole numbers only
        ax.set_title(title)
        if dims[1].log:
            _log_axis(ax.xaxis)
        if dims[0].log:
            _log_axis(ax.yaxis)
    scenario = f", scenario {layout.scenario}" if layout.scenario else ""
    fig.suptitle(f"{layout.model}: sweep of {key_y} and {key_x}{scenario}")
    return fig


def _edges(centres: np.ndarray, dim) -> np.ndarray | None:
    """The cells' edges around a grid's increasing values of ``dim`` (a Dimension): halfway between neighbours (in
    log on a log axis), the outer ones as far out as the inner ones, but never below SI 0 for a value that cannot
    be negative (K_o from 1 mM had a cell from -4 mM, g_K from 0 one from -0.05 mS/cm^2); None for one value or
    values out of order."""
    c = np.log(centres) if dim.log else np.asarray(centres, dtype=float)
    if len(c) < 2 or not np.all(np.diff(c) > 0):
        return None
    middle = (c[1:] + c[:-1]) / 2
    edges = np.concatenate([[2 * c[0] - middle[0]], middle, [2 * c[-1] - middle[-1]]])
    if dim.log:
        return np.exp(edges)
    if dim.nonnegative and dim.si_scale > 0:  # SI 0 in the axis' unit (-273.15 for degC)
        edges[0] = max(edges[0], -dim.si_offset / dim.si_scale)
    return edges


def _log_axis(axis) -> None:
    """A log axis labelled in plain numbers: over less than a decade and a half the steps between powers of ten
    are labelled too (matplotlib wrote them "3x10^0 4x10^0 ...", running into each other)."""
    from matplotlib.ticker import FuncFormatter

    getattr(axis.axes, f"set_{axis.axis_name}scale")("log")
    low, high = sorted(abs(v) for v in axis.get_view_interval())

    def label(value, _position, narrow=high < low * 10**1.5):
        return f"{value:g}" if narrow else ""

    axis.set_major_formatter(FuncFormatter(lambda value, _position: f"{value:g}"))
    axis.set_minor_formatter(FuncFormatter(label))


def plot_sweep(outcome, path: str | Path, model=None) -> Path:
    """Write the plot of a sweep held in memory (its format from ``path``'s suffix); ``model`` (the IR) adds the
    Nernst references."""
    plt = pyplot(path)
    keys = len(outcome.layout.keys)
    if keys > 2:
        raise ModelError("--plot", str(path), f"plots one or two varied keys, not {keys}")
    fig = _one_key(plt, outcome, model) if keys == 1 else _two_keys(plt, outcome, model)
    fig.tight_layout()
    return save_figure(fig, path)
