"""Mutated model files and command lines, and the judge of what vrest answers to them.

The promise judged: every run of ``vrest`` is either an answer (exit 0, finite numbers, warnings
only as one-line ``vrest: warning:``) or a clean refusal (exit 2, nothing on stdout, exactly one
line ``vrest: error: ...`` on stderr after any warnings), never a traceback, and within a time
limit. Used by tests/test_fuzz.py (hypothesis) and tests/test_bad_input.py (the fixed corpus).
"""

from __future__ import annotations

import copy
import json
import math
import re
import signal
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st

from vrest.derive.builtin import BUILTIN_MODELS, builtin_text
from vrest.derive.limits import RANGES
from tests.conftest import run_cli

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

BUILTIN = {name: tomllib.loads(builtin_text(name)) for name in BUILTIN_MODELS}


# -- a TOML writer for any data a mutation makes (control characters, nan, nesting, odd keys) ------------------

@dataclass(frozen=True)
class Raw:
    """TOML text written as is (a 5000-digit integer, which Python's str() refuses to make)."""

    text: str


def _string(text: str) -> str:
    escaped = "".join(f"\\u{ord(c):04x}" if ord(c) < 0x20 or ord(c) == 0x7F else
                      {"\"": "\\\"", "\\": "\\\\"}.get(c, c) for c in text)
    return f'"{escaped}"'


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _string(key)


def _value(value) -> str:
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(type(value))


def toml_text(data: dict, prefix: str = "") -> str:
    """``data`` as TOML: scalars first, then each sub-table under its own header."""
    lines = [f"{_key(k)} = {_value(v)}" for k, v in data.items() if not isinstance(v, dict)]
    for key, table in data.items():
        if isinstance(table, dict):
            name = f"{prefix}.{_key(key)}" if prefix else _key(key)
            lines.append(f"\n[{name}]")
            lines.append(toml_text(table, name))
    return "\n".join(lines)


# -- mutations --------------------------------------------------------------------------------------------

_QUANTITY = re.compile(r"\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(.*)")
EXPONENTS = [-999999, -400, -320, -300, -30, -20, -15, -12, -9, -6, -3, -1, 1, 3, 6, 9, 12, 15, 20, 30, 300, 320,
             400, 999999]
UNITS = ["mM", "M", "uM", "nM", "mol/L", "K", "degC", "C", "degF", "F", "mS/cm^2", "S/m^2", "nS/um^2", "cm/s", "m/s",
         "um/s", "cm/s/Pa", "m/s/Pa", "uF/cm^2", "F/m^2", "uA/cm^2", "A/m^2", "um^2", "cm^2", "um^3", "pL", "fmol",
         "mol", "s", "ms", "h", "min", "mV", "V", "", "mM)", "((mM))", "m" * 70, "mM^1000", "mM**1e9", "kg"]
NUMBERS = ["0", "-0", "1", "-1", "nan", "inf", "-inf", "1e999999", "1e-999999", "1" * 5000, "0.5", "-140", "1e400",
           "1e-400", "6e23", "2.5e-7"]


# The range each key of a model file is read with (derive.limits), to put values at its edges.
KEY_RANGES = {"temperature": "temperature", "inside": "concentration", "outside": "concentration",
              "K_half_Na": "concentration", "K_half_K": "concentration", "concentration": "concentration",
              "impermeant": "concentration", "conductance": "conductance per area", "permeability": "permeability",
              "water_permeability": "hydraulic permeability", "capacitance": "capacitance per area",
              "current": "current per area", "max_current": "current per area", "area": "area", "volume": "volume",
              "reversal": "voltage", "at": "time", "amount": "amount"}


def _edges(kind: str) -> list[str]:
    """Values at the refusal and usual bounds of a range, and just inside them, as '<number> <unit>'."""
    entry = RANGES[kind]
    bounds = [b for b in (entry.low, entry.high, entry.usual_low, entry.usual_high) if b is not None]
    values = set()
    for bound in bounds:
        number = float(bound)
        values |= {number, number * 1.001 if number > 0 else number + 1e-3, number * 0.999 if number > 0
                   else number - 1e-3}
    return [f"{v:.6g} {entry.unit}" for v in sorted(values)]


def _leaves(data, path=()):
    """Every (path, value) of a scalar or list in ``data``."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _leaves(value, path + (key,))
    else:
        yield path, data


def _tables(data, path=()):
    if isinstance(data, dict):
        yield path, data
        for key, value in data.items():
            yield from _tables(value, path + (key,))


def _get(data, path):
    for key in path:
        data = data[key]
    return data


wild_values = st.one_of(
    st.sampled_from([0, 1, -1, 2, -2, 3, 42, 10**9, 10**18, -(10**18), True, 0.5, -0.0, 1e308]),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["", "instant", "\x00", "K\n", "a" * 300, "x" * 100_000, "37 C", "37 K", "140", "mM",
                     "1 2 3 mM", "\u2028", '"""', "*/", "--", "<x>&", "{{ 1 }}"]),
    st.builds(lambda n, unit: f"{n} {unit}", st.sampled_from(NUMBERS), st.sampled_from(UNITS)),
    st.builds(lambda depth: Raw("[" * depth + "]" * depth), st.sampled_from([2, 10, 100, 500, 1000])),
    st.just(Raw("1" * 5000)),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


@st.composite
def mutations(draw, data: dict) -> list[str]:
    """Change ``data`` in place by one to three mutations; return what was done (shown when a run fails)."""
    done = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["scale", "scale", "nudge", "nudge", "edge", "edge", "edge", "number", "unit",
                                     "replace", "delete", "add_key", "add_ions", "integer", "rename"]))
        leaves = list(_leaves(data))
        quantities = [(p, v) for p, v in leaves if isinstance(v, str) and _QUANTITY.fullmatch(v)
                      and _QUANTITY.fullmatch(v).group(2)]
        if kind == "edge":
            edges = [(p, k) for p, v in quantities if (k := KEY_RANGES.get(p[-1]))]
            if edges:
                path, range_kind = draw(st.sampled_from(edges))
                new = draw(st.sampled_from(_edges(range_kind)))
                _get(data, path[:-1])[path[-1]] = new
                done.append(f"{'.'.join(path)} = {new!r}")
        elif kind == "nudge" and quantities:
            path, text = draw(st.sampled_from(quantities))
            number, unit = _QUANTITY.fullmatch(text).groups()
            new = f"{float(number) * 10.0 ** draw(st.integers(-3, 3)):.6g} {unit}"
            _get(data, path[:-1])[path[-1]] = new
            done.append(f"{'.'.join(path)} = {new!r}")
        elif kind in ("scale", "number", "unit") and quantities:
            path, text = draw(st.sampled_from(quantities))
            number, unit = _QUANTITY.fullmatch(text).groups()
            if kind == "scale":
                new = f"{number}e{draw(st.sampled_from(EXPONENTS))} {unit}" if "e" not in number.lower() else \
                    f"{float(number) * 10.0 ** draw(st.integers(-12, 12)):g} {unit}"
            elif kind == "number":
                new = f"{draw(st.sampled_from(NUMBERS))} {unit}"
            else:
                new = f"{number} {draw(st.sampled_from(UNITS))}"
            _get(data, path[:-1])[path[-1]] = new
            done.append(f"{'.'.join(path)} = {new[:80]!r}")
        elif kind == "replace" and leaves:
            path, _ = draw(st.sampled_from(leaves))
            value = draw(wild_values)
            _get(data, path[:-1])[path[-1]] = value
            done.append(f"{'.'.join(path)} = {repr(value)[:80]}")
        elif kind == "delete":
            path, table = draw(st.sampled_from([(p, t) for p, t in _tables(data) if t]))
            key = draw(st.sampled_from(sorted(table)))
            del table[key]
            done.append(f"del {'.'.join(path + (key,))}")
        elif kind == "add_key":
            path, table = draw(st.sampled_from(list(_tables(data))))
            key = draw(st.sampled_from(["extra", "conductance", "permeability", "reversal", "area", "volume",
                                        "water_permeability", "amount", "max_current", "pump"]))
            table[key] = draw(wild_values)
            done.append(f"{'.'.join(path + (key,))} = {repr(table[key])[:80]}")
        elif kind == "add_ions":
            count = draw(st.sampled_from([1, 3, 9, 60]))
            template = data.get("ions", {}).get("Na") or {"valence": 1, "inside": "10 mM", "outside": "100 mM",
                                                          "conductance": "0.01 mS/cm^2"}
            ions = data.setdefault("ions", {})
            if isinstance(ions, dict):
                for k in range(count):
                    ions[f"X{k}"] = copy.deepcopy(template)
            done.append(f"{count} ions more")
        elif kind == "integer":
            path = draw(st.sampled_from([p for p, v in leaves if isinstance(v, int) and not isinstance(v, bool)]
                                        or [("model", "name")]))
            value = draw(st.sampled_from([0, -1, 1, 2, -2, 4, 5, 9, 10, 11, 42, 10**9, 10**18, -(10**18)]))
            _get(data, path[:-1])[path[-1]] = value
            done.append(f"{'.'.join(path)} = {value}")
        elif kind == "rename":
            ions = data.get("ions")
            if isinstance(ions, dict) and ions:
                old = draw(st.sampled_from(sorted(ions)))
                new = draw(st.sampled_from(["K\n", "Na+", "", "a" * 40, "X1", "Ca", "\x00", "é"]))
                ions[new] = ions.pop(old)
                done.append(f"ions.{old} renamed {new!r}")
    return done


durations = st.one_of(
    st.builds(lambda n, e, unit: f"{n}e{e} {unit}", st.sampled_from(["1", "3", "-1", "0", "2.5"]),
              st.sampled_from(EXPONENTS + [0, 0, 0]), st.sampled_from(["s", "ms", "h", "min", "us", "mV", "", "ss"])),
    st.sampled_from(["10 s", "3 h", "1 ms", "nan s", "inf s", "1e400 s", "1e-300 s", "1" * 5000 + " s", "s"]),
)


# -- the judge --------------------------------------------------------------------------------------------

class Hang(Exception):
    """A run took longer than its time limit."""


@contextmanager
def time_limit(seconds: float):
    """Raise Hang in the main thread after ``seconds`` of this process's CPU time (SIGPROF: interrupts
    mpmath, SymPy and solver callbacks). CPU time, not wall time: a busy machine or a C compiler
    running in a subprocess does not make a run look hung, a loop in this process does."""
    def stop(signum, frame):
        raise Hang(f"no answer within {seconds} s of CPU time")

    previous = signal.signal(signal.SIGPROF, stop)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def _finite_json(text: str):
    def refuse(constant):
        raise AssertionError(f"a non-finite number ({constant}) in the output")

    return json.loads(text, parse_constant=refuse)


def _numbers(document):
    if isinstance(document, dict):
        for value in document.values():
            yield from _numbers(value)
    elif isinstance(document, list):
        for value in document:
            yield from _numbers(value)
    elif isinstance(document, (int, float)) and not isinstance(document, bool):
        yield document


def judge(*argv: str, limit: float = 15.0, out_dir: Path | None = None) -> str:
    """Run ``vrest ARGV``; return "answer in ... s" or, for a refusal, its stderr lines (warnings, then the
    error line); fail the test saying why for anything else."""
    start = time.monotonic()
    with time_limit(limit):
        code, out, err = run_cli(*argv)
    elapsed = time.monotonic() - start
    lines = [line for line in re.split(r"[\r\n]", err) if line.strip()]
    stray = [line for line in lines if not line.startswith(("vrest: warning: ", "vrest: error: ",
                                                            "vrest simulate: t = "))]
    assert not stray, f"{argv}: stray stderr lines {stray[:3]}"
    errors = [line for line in lines if line.startswith("vrest: error: ")]
    if code == 0:
        assert not errors, f"{argv}: exit 0 with an error line {errors}"
        if "--json" in argv:
            document = _finite_json(out)
            assert all(math.isfinite(x) for x in _numbers(document)), f"{argv}: non-finite numbers"
        if argv[0] == "export":
            written = out.split("\n")[:-1]
            assert written and all(Path(path).is_file() for path in written), f"{argv}: {out!r}"
        return f"answer in {elapsed:.1f} s"
    assert code == 2, f"{argv}: exit code {code}; stderr {err[-500:]!r}"
    assert out == "", f"{argv}: a refusal printed {out[:200]!r}"
    assert len(errors) == 1 and lines[-1] == errors[0], f"{argv}: not one error line: {lines[-4:]}"
    if out_dir is not None and out_dir.exists():
        left = [p.name for p in out_dir.iterdir()]
        assert not left, f"{argv}: a refusal left files {left}"
    return "\n".join(lines)
