"""Write a sweep chunk by chunk: CSV, Parquet or NetCDF by the file's extension, or into memory.

Every file writer writes a temporary file beside the target and renames it into place at the end;
``abort`` (an interrupt, a failing chunk) deletes it, so no half-written file is ever left.

- CSV: one row per point (per point and time with a scenario): the varied keys, then the values,
  each header with its unit: ``ions.K.outside [mM]``, ``V_ss [mV]``.
- Parquet (pyarrow): the same columns, one row group per chunk; each field's unit in its metadata,
  and the whole layout (model, dims with their values, units) as JSON under the key ``vrest``.
- NetCDF-4 (h5netcdf, the engine xarray uses): the dims named by the keys (or ``sample``, and ``t``)
  with coordinate variables, every variable with a ``units`` attribute; xarray.open_dataset reads it.
"""

from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vrest.derive.errors import ModelError

from ..extras import install_line
from ..files import cannot_write, check_folder, csv_number
from .ranges import RangeValues

__all__ = ["Layout", "MemoryWriter", "open_writer", "FORMATS"]

FORMATS = {".csv": "CSV", ".parquet": "Parquet", ".nc": "NetCDF"}


@dataclass(frozen=True)
class Layout:
    """What a sweep writes: its dims (grid: each key with its values; sampled: one ``sample`` dim with the keys
    as coordinates along it), an optional time dim, and the variables with their units."""

    model: str
    keys: tuple[tuple[str, str], ...]  # (key, unit) of each varied key
    grid: tuple[tuple[float, ...] | RangeValues, ...] | None  # each key's values (a grid), or None (samples)
    size: int
    variables: tuple[tuple[str, str], ...]  # (name, unit)
    times: tuple[float, ...] | None = None  # s, with a scenario
    method: str = "grid"
    scenario: str | None = None
    notes: tuple[tuple[str, str], ...] = ()  # (variable, one line) where its values need a word (vrest rest's)

    @property
    def shape(self) -> tuple[int, ...]:
        points = tuple(len(v) for v in self.grid) if self.grid is not None else (self.size,)
        return points + ((len(self.times),) if self.times is not None else ())

    @property
    def dims(self) -> tuple[str, ...]:
        names = tuple(k for k, _ in self.keys) if self.grid is not None else ("sample",)
        return names + (("t",) if self.times is not None else ())

    def describe(self) -> dict:
        """The layout as JSON-ready data (Parquet metadata)."""
        dims = ([_describe_axis(k, u, v) for (k, u), v in zip(self.keys, self.grid)]
                if self.grid is not None else [{"key": "sample", "unit": "1", "size": self.size}])
        if self.times is not None:
            dims.append({"key": "t", "unit": "s", "values": list(self.times)})
        return {"model": self.model, "method": self.method, "scenario": self.scenario, "dims": dims,
                "keys": [{"key": k, "unit": u} for k, u in self.keys],
                "variables": [{"name": n, "unit": u} | ({"note": dict(self.notes)[n]} if n in dict(self.notes) else {})
                              for n, u in self.variables]}


LISTED = 100_000  # a longer range axis is described by its range: its values as JSON would take ~20 bytes each


def _describe_axis(key: str, unit: str, values) -> dict:
    """One grid key as JSON: its values, or for a long range (RangeValues) its ends, count and scale."""
    if isinstance(values, RangeValues) and len(values) > LISTED:
        return {"key": key, "unit": unit, "low": values.low, "high": values.high, "count": values.count,
                "scale": "log" if values.log else "linear"} | ({} if values.decimals is None else
                                                               {"decimals": values.decimals})
    return {"key": key, "unit": unit, "values": list(values)}


def _header(name: str, unit: str) -> str:
    return name if unit == "1" else f"{name} [{unit}]"


class MemoryWriter:
    """Holds the whole sweep in arrays of the layout's shape (for --json, plots and xarray)."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        n = layout.size
        tail = (len(layout.times),) if layout.times is not None else ()
        self.points = np.empty((n, len(layout.keys)))
        self.values = {name: np.full((n, *tail), np.nan) for name, _ in layout.variables}

    def write(self, start: int, points: np.ndarray, values: dict[str, np.ndarray]) -> None:
        stop = start + len(points)
        self.points[start:stop] = points
        for name, array in values.items():
            self.values[name][start:stop] = array

    def close(self) -> None:
        pass

    def abort(self) -> None:
        pass

    def array(self, name: str) -> np.ndarray:
        """A variable in the layout's shape."""
        return self.values[name].reshape(self.layout.shape)


class _FileWriter:
    """A temporary file beside ``path``, renamed into place by close(), deleted by abort()."""

    def __init__(self, path: str | Path, layout: Layout) -> None:
        self.path, self.layout = Path(path), layout
        check_folder(self.path, "--out")
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".part", dir=self.path.parent)
            os.close(fd)
        except OSError as error:
            raise ModelError("--out", str(path), cannot_write(error, self.path.parent)) from None
        self.tmp = Path(tmp)

    @contextmanager
    def _opening(self):
        """Where the subclass opens its file on self.tmp: if that fails, no temporary file is left."""
        try:
            yield
        except BaseException:
            self.abort()
            raise

    def close(self) -> None:
        self._finish()
        os.chmod(self.tmp, 0o644)
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        try:
            self._finish()
        except Exception:  # noqa: BLE001 - the file is deleted anyway
            pass
        self.tmp.unlink(missing_ok=True)

    def _finish(self) -> None:
        raise NotImplementedError

    def _rows(self, points: np.ndarray, values: dict[str, np.ndarray], start: int) -> np.ndarray:
        """The chunk as a table: (sample,) keys, (t,) then each variable; one row per point (and time)."""
        columns = []
        times = self.layout.times
        k = len(points)
        repeat = len(times) if times is not None else 1
        if self.layout.grid is None:
            columns.append(np.repeat(np.arange(start, start + k, dtype=float), repeat))
        columns += [np.repeat(points[:, j], repeat) for j in range(points.shape[1])]
        if times is not None:
            columns.append(np.tile(np.asarray(times), k))
        columns += [np.asarray(values[name]).reshape(-1) for name, _ in self.layout.variables]
        return np.column_stack(columns)

    def _headers(self) -> list[tuple[str, str]]:
        out = [("sample", "1")] if self.layout.grid is None else []
        out += list(self.layout.keys)
        if self.layout.times is not None:
            out.append(("t", "s"))
        return out + list(self.layout.variables)


class _CsvWriter(_FileWriter):
    def __init__(self, path, layout) -> None:
        super().__init__(path, layout)
        with self._opening():
            self.handle = open(self.tmp, "w", encoding="utf-8", newline="\n")
            self.handle.write(",".join(_header(n, u) for n, u in self._headers()) + "\n")

    def write(self, start: int, points: np.ndarray, values: dict[str, np.ndarray]) -> None:
        """Each number as the shortest text that reads back to the same double (repr: -5.405, not
        -5.4050000000000002; a whole number without '.0': a count reads 1), the sample number as an integer."""
        numbered = self.layout.grid is None
        self.handle.writelines(
            ",".join([str(int(row[0]))] * numbered + [csv_number(x) for x in row[numbered:]]) + "\n"
            for row in self._rows(points, values, start).tolist())

    def _finish(self) -> None:
        self.handle.close()


class _ParquetWriter(_FileWriter):
    def __init__(self, path, layout) -> None:
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            raise ModelError("--out", str(path), f"Parquet needs pyarrow: {install_line('parquet')}") from None
        super().__init__(path, layout)
        self.pa = pa
        notes = dict(layout.notes)
        fields = [pa.field(name, pa.int64() if name == "sample" else pa.float64(),
                           metadata={"unit": unit} | ({"note": notes[name]} if name in notes else {}))
                  for name, unit in self._headers()]
        self.schema = pa.schema(fields, metadata={"vrest": json.dumps(layout.describe())})
        with self._opening():
            self.writer = pq.ParquetWriter(str(self.tmp), self.schema)

    def write(self, start: int, points: np.ndarray, values: dict[str, np.ndarray]) -> None:
        rows = self._rows(points, values, start)
        arrays = [self.pa.array(rows[:, k].astype(np.int64) if field.name == "sample" else rows[:, k])
                  for k, field in enumerate(self.schema)]
        self.writer.write_table(self.pa.Table.from_arrays(arrays, schema=self.schema))

    def _finish(self) -> None:
        self.writer.close()


class _NetcdfWriter(_FileWriter):
    def __init__(self, path, layout) -> None:
        try:
            import h5netcdf
            import h5py  # noqa: F401 - h5netcdf's backend, an extra of its own in h5netcdf >= 1.4
        except ImportError:
            raise ModelError("--out", str(path), f"NetCDF needs h5netcdf and h5py: {install_line('netcdf')}") \
                from None
        super().__init__(path, layout)
        with self._opening():
            self._open(h5netcdf, layout)

    def _open(self, h5netcdf, layout) -> None:
        self.file = h5netcdf.File(str(self.tmp), "w")
        dims = layout.dims
        self.file.dimensions = dict(zip(dims, layout.shape))
        self.file.attrs["model"] = layout.model
        self.file.attrs["method"] = layout.method
        if layout.scenario is not None:
            self.file.attrs["scenario"] = layout.scenario
        self.file.attrs["title"] = f"vrest sweep of model {layout.model}"
        if layout.grid is not None:
            for (key, unit), values in zip(layout.keys, layout.grid):
                self._variable(key, (key,), unit)[:] = np.asarray(values)
            self.coordinates = []
        else:
            self._variable("sample", ("sample",), "1", "i8")[:] = np.arange(layout.size)
            self.coordinates = [self._variable(key, ("sample",), unit) for key, unit in layout.keys]
        if layout.times is not None:
            self._variable("t", ("t",), "s")[:] = np.asarray(layout.times)
        self.variables = {name: self._variable(name, dims, unit) for name, unit in layout.variables}
        for name, note in layout.notes:
            self.variables[name].attrs["note"] = note
        if layout.grid is None:  # the keys are coordinates along "sample" (CF: a "coordinates" attribute)
            for variable in self.variables.values():
                variable.attrs["coordinates"] = " ".join(key for key, _ in layout.keys)

    def _variable(self, name: str, dims: tuple[str, ...], unit: str, dtype: str = "f8"):
        variable = self.file.create_variable(name, dims, dtype, **({"fillvalue": np.nan} if dtype == "f8" else {}))
        variable.attrs["units"] = unit
        return variable

    def write(self, start: int, points: np.ndarray, values: dict[str, np.ndarray]) -> None:
        stop = start + len(points)
        for k, variable in enumerate(self.coordinates):
            variable[start:stop] = points[:, k]
        timed = self.layout.times is not None
        point_shape = self.layout.shape[: len(self.layout.shape) - timed]
        for name, variable in self.variables.items():
            data = np.asarray(values[name])
            for first, last, index in _runs(start, stop, point_shape):
                variable[index + ((slice(None),) if timed else ())] = data[first - start:last - start]

    def _finish(self) -> None:
        self.file.close()


def _runs(start: int, stop: int, shape: tuple[int, ...]):
    """The flat C-order range start..stop-1 of an array of ``shape`` as runs along its last axis:
    (first, last, index) with ``index`` selecting those elements."""
    while start < stop:
        where = np.unravel_index(start, shape)
        length = min(stop - start, shape[-1] - where[-1])
        yield start, start + length, tuple(int(i) for i in where[:-1]) + (slice(int(where[-1]),
                                                                                int(where[-1]) + length),)
        start += length


def open_writer(path: str | Path, layout: Layout):
    """The writer of ``path`` by its extension (.csv, .parquet, .nc)."""
    suffix = Path(path).suffix.lower()
    writers = {".csv": _CsvWriter, ".parquet": _ParquetWriter, ".nc": _NetcdfWriter}
    if suffix not in writers:
        raise ModelError("--out", str(path), f"unknown format {suffix or '(no extension)'!r}: "
                         f"{', '.join(f'{s} ({n})' for s, n in FORMATS.items())}")
    return writers[suffix](path, layout)
