"""Figures: where they go (PNG, SVG or PDF, as the file name says), and plots of simulation results.

A figure is rendered in memory and written whole (files.write_atomic): a name with another or no
suffix, or a folder, is refused before any work. The files are deterministic: the Agg backend, no
date, software or creator metadata, and SVG ids from a fixed salt.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from vrest.derive.errors import ModelError

from vrest.derive.plausibility import enclosable_volume

from .files import check_folder, write_atomic

__all__ = ["FIGURE_FORMATS", "figure_path", "pyplot", "save_figure", "plot_panels", "plot_result", "sphere_line",
           "time_axis"]

# File suffix -> matplotlib format, with the metadata that would make two runs differ switched off.
FIGURE_FORMATS = {
    ".png": ("png", {"Software": None}),
    ".svg": ("svg", {"Creator": None, "Date": None}),
    ".pdf": ("pdf", {"Creator": None, "Producer": None, "CreationDate": None}),
}
_SUFFIXES = ".png, .svg or .pdf"

_UNITS = (("h", 3600.0), ("min", 60.0), ("s", 1.0), ("ms", 1e-3))


def figure_path(text: str, key: str) -> Path:
    """The file a figure goes to: its suffix says the format; a ModelError naming ``key`` otherwise."""
    path = Path(text)
    if path.is_dir():
        raise ModelError(key, text, f"is a folder: give a file name ending in {_SUFFIXES}")
    if path.suffix.lower() not in FIGURE_FORMATS:
        what = f"a {path.suffix} file" if path.suffix else "no file type"
        raise ModelError(key, text, f"{what}: vrest draws figures as PNG, SVG or PDF; end the name in {_SUFFIXES}")
    check_folder(path, key)
    return path


def _settings_folder() -> None:
    """A temporary settings folder for matplotlib where its own cannot be made (a read-only home): matplotlib
    would make one itself, with two lines on stderr about it."""
    import os
    import sys

    from vrest.derive.home_folders import can_make, temporary_folder

    if "matplotlib" in sys.modules or os.environ.get("MPLCONFIGDIR"):
        return
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    if not can_make(os.path.join(base, "matplotlib")):
        os.environ["MPLCONFIGDIR"] = temporary_folder("vrest-matplotlib-")


def pyplot(path: str | Path, key: str = "--plot"):
    """matplotlib.pyplot on the Agg backend (a ModelError naming ``key`` when matplotlib cannot be imported)."""
    _settings_folder()
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ModelError(key, str(path), "needs matplotlib, which vrest installs with it: pip install matplotlib") \
            from None
    matplotlib.rcParams["svg.hashsalt"] = "vrest"  # SVG ids the same in every run
    return plt


def save_figure(fig, path: str | Path, key: str = "--plot", dpi: float | str = 110) -> Path:
    """Write ``fig`` to ``path`` in the format of its suffix (figure_path), whole or not at all, and close it."""
    import matplotlib.pyplot as plt

    try:
        path = figure_path(str(path), key)
        fmt, metadata = FIGURE_FORMATS[path.suffix.lower()]
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt, metadata=metadata, dpi=dpi)
    finally:
        plt.close(fig)
    return write_atomic(path, buffer.getvalue(), key)


def time_axis(t_end: float, at_least: float = 2) -> tuple[str, float]:
    """The largest unit in which the run lasts at least ``at_least`` units (3 h -> h, 90 s -> s, 50 ms -> ms)."""
    for unit, seconds in _UNITS:
        if t_end >= at_least * seconds:
            return unit, seconds
    return "ms", 1e-3


def plot_result(result, path: str | Path, key: str = "--plot", steps=(), area: float | None = None,
                protocol: str | None = None) -> Path:
    """V, the gates (a model with channels), the inside concentrations and the volume of a run of vrest's own model
    against time, one panel each, in the format of ``path``'s suffix (PNG, SVG or PDF); ``steps``: the times (s) of its scenario's steps; ``area``
    (m^2): the membrane's, whose sphere's volume is drawn where the volume passes it; ``protocol``: the file the
    steps came from (the title names it, as a CellML run's does, not "scenario protocol")."""
    columns = result.outputs()
    limits = {}
    if "volume" in columns and area is not None and max(columns["volume"][1]) > enclosable_volume(area) * 1e18:
        limits["volume"] = sphere_line(area)
    concentrations = [name for name in columns if name.endswith("_i")]
    gates = [name for name, (unit, _) in columns.items() if unit == "1"]  # a channel's gate: the fraction open
    panels = [("V", [("V", *columns["V"])])]
    if gates:
        panels.append((GATES, [(_gate_label(name), *columns[name]) for name in gates]))
    if concentrations:
        panels.append(("inside", [(f"[{name[:-2]}]$_i$", *columns[name]) for name in concentrations]))
    if "volume" in columns:
        panels.append(("volume", [("volume", *columns["volume"])]))
    run = f"protocol {Path(protocol).name}" if protocol else f"scenario {result.scenario}" if result.scenario else ""
    title = result.model + (f", {run}" if run else "")
    return plot_panels(result.t, panels, title, path, key, steps, limits)


GATES = "gates, fraction open"  # a panel on a linear axis from 0 to 1


def _gate_label(name: str) -> str:
    """m_Na as $m_{Na}$: the gate and its channel."""
    gate, _, channel = name.partition("_")
    return f"${gate}_{{{channel}}}$" if channel else name


def sphere_line(area: float) -> tuple[float, str]:
    """(um^3, label): the largest volume a membrane of ``area`` (m^2) encloses, a sphere's, as a figure marks it."""
    largest = enclosable_volume(area) * 1e18
    return largest, f"a sphere of the membrane's area: {largest:.4g} µm³"


def plot_panels(t, panels, title: str, path: str | Path, key: str = "--plot", steps=(),
                limits: dict[str, tuple[float, str]] | None = None) -> Path:
    """A run against time: ``panels`` [(what, [(label, unit, values), ...]), ...], one above the other (the first
    panel's unit on its axis); a panel of amounts that span more than a hundredfold on a log axis. ``steps``: the
    times (s) of the protocol's steps, each a dotted line; ``limits``: {what: (value, label)}, a dashed line
    across that panel (the largest volume the membrane encloses)."""
    path = figure_path(str(path), key)
    plt = pyplot(path, key)
    unit, seconds = time_axis(float(t[-1]))
    t = np.asarray(t) / seconds
    fig, axes = plt.subplots(len(panels), 1, sharex=True, figsize=(7, 2.4 * len(panels) + 0.6), squeeze=False)
    marker = "." if len(t) <= 200 else None  # few outputs (--times): where they are, not only lines between them
    for ax, (what, lines) in zip(axes[:, 0], panels):
        for label, _, values in lines:
            ax.plot(t, values, label=label, lw=1.6, marker=marker)
        shown = lines[0][1].replace("um^3", "µm³")
        ax.set_ylabel(what if shown == "1" else f"{what} ({shown})")
        values = np.concatenate([np.asarray(v, dtype=float) for _, _, v in lines])
        # A log axis leaves out a 0 (O'Hara-Rudy's CaMKt at rest) and what is within rounding of one (Faber-Rudy's
        # Cainfluxtrack, -1.5e-21 to 1e-80 mM at rest by the solver): it goes down to the smallest value above that
        rounding = 1e-9 * float(np.max(np.abs(values), initial=0.0))
        positive = values[values > rounding]
        spans = positive.size and positive.max() > 100 * positive.min()
        if what not in ("V", GATES) and np.all(values >= -rounding) and spans:
            ax.set_yscale("log")
            ax.set_ylim(positive.min() / 2, positive.max() * 2)
        else:  # the numbers themselves on the axis, not an offset beside the title
            ax.ticklabel_format(axis="y", useOffset=False)
            middle, size = float(np.mean(values)), float(np.max(np.abs(values)))
            if np.ptp(values) <= 1e-9 * size or size == 0:  # flat (BIOMD0000000020's V at -0.0036 mV): not its rounding
                ax.set_ylim(middle - max(abs(middle) / 10, 1.0), middle + max(abs(middle) / 10, 1.0))
        for at in steps:
            ax.axvline(float(at) / seconds, color="0.5", ls=":", lw=1)
        limit = (limits or {}).get(what)
        if limit is not None:
            ax.axhline(limit[0], color="black", ls="--", lw=1, label=limit[1])
        ax.grid(True, alpha=0.3)
        if len(lines) > 1 or what not in ("V", lines[0][0]) or limit:  # a line the axis does not name (Cai)
            outside = len(lines) > 4  # O'Hara-Rudy's nine concentrations: beside the panel, not over its lines
            ax.legend(loc="center left" if outside else "best", bbox_to_anchor=(1.01, 0.5) if outside else None,
                      fontsize=9)
    axes[0, 0].set_title(title)
    axes[-1, 0].set_xlabel(f"time ({unit})")
    fig.tight_layout()
    return save_figure(fig, path, key)
