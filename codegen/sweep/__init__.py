"""Sweeps and sensitivity: a model's quantities over ranges of model-file values.

plan (spec, plan) -> chunks (tasks) -> an executor (executors: local cores or Dask) running the generated
kernel (kernel, runtime) -> a writer (writers). ``sweep`` returns an xarray.Dataset, ``write_sweep`` writes
CSV, Parquet or NetCDF chunk by chunk, ``sensitivity`` gives Sobol or Morris indices (SALib).

The names below load on first use: a worker process imports only the runtime (NumPy), never SymPy.
"""

from __future__ import annotations

import importlib

__all__ = ["sweep", "write_sweep", "run_sweep", "to_dataset", "sensitivity", "Sensitivity", "Plan", "Dimension",
           "parse_vary"]

_WHERE = {"sweep": "api", "write_sweep": "api", "run_sweep": "api", "to_dataset": "api", "sensitivity": "indices",
          "Sensitivity": "indices", "Plan": "plan", "Dimension": "spec", "parse_vary": "spec"}


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
