"""Plots of simulation results (matplotlib is an optional extra: ``pip install vrest[plot]``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vrest.derive.errors import ModelError

__all__ = ["plot_result", "time_axis", "pyplot", "save_figure"]

_UNITS = (("h", 3600.0), ("min", 60.0), ("s", 1.0), ("ms", 1e-3))


def time_axis(t_end: float) -> tuple[str, float]:
    """The largest unit in which the run lasts at least 2 units (3 h -> h, 90 s -> s, 50 ms -> ms)."""
    for unit, seconds in _UNITS:
        if t_end >= 2 * seconds:
            return unit, seconds
    return "ms", 1e-3


def pyplot(path: str | Path):
    """matplotlib.pyplot on the Agg backend; a ModelError naming --plot when matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ModelError("--plot", str(path), "needs matplotlib: pip install 'vrest[plot]'") from None
    return plt


def save_figure(fig, path: str | Path) -> Path:
    """Write ``fig`` as a PNG without date or software metadata (deterministic), and close it."""
    import matplotlib.pyplot as plt

    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=110, metadata={"Software": None})
    except OSError as error:
        raise ModelError("--plot", str(path), f"cannot write: {error.strerror or error}") from None
    finally:
        plt.close(fig)
    return path


def plot_result(result, path: str | Path) -> Path:
    """V, the inside concentrations and the volume against time, one panel each, as a PNG."""
    plt = pyplot(path)
    columns = result.outputs()
    unit, seconds = time_axis(float(result.t[-1]))
    t = np.asarray(result.t) / seconds
    concentrations = [name for name in columns if name.endswith("_i")]
    panels = [["V"], concentrations] + ([["volume"]] if "volume" in columns else [])
    panels = [p for p in panels if p]
    fig, axes = plt.subplots(len(panels), 1, sharex=True, figsize=(7, 2.4 * len(panels) + 0.6), squeeze=False)
    title = result.model + (f", scenario {result.scenario}" if result.scenario else "")
    for ax, names in zip(axes[:, 0], panels):
        for name in names:
            unit_name, values = columns[name]
            label = {"V": "V", "volume": "volume"}.get(name, f"[{name[:-2]}]$_i$")
            ax.plot(t, values, label=label, lw=1.6)
        ax.set_ylabel(f"{'V' if names == ['V'] else 'volume' if names == ['volume'] else 'inside'} "
                      f"({unit_name.replace('um^3', 'µm³')})")
        ax.grid(True, alpha=0.3)
        if len(names) > 1:
            ax.legend(loc="best", fontsize=9)
    axes[0, 0].set_title(title)
    axes[-1, 0].set_xlabel(f"time ({unit})")
    fig.tight_layout()
    return save_figure(fig, path)
