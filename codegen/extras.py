"""The line that says how to install one of vrest's optional extras (pyproject.toml)."""

from __future__ import annotations

__all__ = ["install_line", "missing_extras"]


def install_line(extra: str) -> str:
    """pip's command for ``extra``, from PyPI and from a source checkout (where the package is '.')."""
    return f"pip install 'vrest[{extra}]' (in a source checkout: pip install '.[{extra}]')"


# extra -> (what it brings, the modules it installs)
EXTRAS = {"dask": ("Dask distributed", ("distributed",)), "parquet": ("pyarrow", ("pyarrow",)),
          "netcdf": ("h5netcdf and h5py", ("h5netcdf", "h5py"))}


def missing_extras(extras: list[str]) -> list[str]:
    """Those of ``extras`` (keys of EXTRAS) with a module that is not installed."""
    from importlib.util import find_spec

    return [extra for extra in extras if any(find_spec(module) is None for module in EXTRAS[extra][1])]
