"""A range axis computes its values on demand: exactly NumPy's linspace/geomspace values (bit for bit), never a
list of all of them, so one key of 1e8 values takes no memory of its own."""

from __future__ import annotations

import tracemalloc
from fractions import Fraction

import numpy as np
import pytest

from vrest.codegen.sweep.plan import Plan
from vrest.codegen.sweep.ranges import RangeValues
from vrest.codegen.sweep.spec import parse_vary
from vrest.codegen.sweep.writers import LISTED, Layout
from vrest.derive.builtin import resolve_model


@pytest.mark.parametrize("spec, low, high, count, make", [
    ("1..100 mM 10000000", 1.0, 100.0, 10_000_000, np.linspace),
    ("1..100 mM log 10000000", 1.0, 100.0, 10_000_000, np.geomspace),
    ("0.3..250 mM log 41", 0.3, 250.0, 41, np.geomspace),
    ("2.5..7 mM 7", 2.5, 7.0, 7, np.linspace),
])
def test_range_values_are_numpys_bit_for_bit(spec, low, high, count, make):
    values = parse_vary(resolve_model("squid"), f"ions.K.outside={spec}").values
    assert isinstance(values, RangeValues) and len(values) == count
    expected = make(low, high, count)  # what the grid held as a list before
    rng = np.random.default_rng(7)
    index = np.concatenate([[0, 1, count // 2 - 1, count // 2, count // 2 + 1, count - 2, count - 1],
                            rng.integers(0, count, 200_000)])
    assert values[index].tobytes() == expected[index].tobytes()
    assert values[0] == low and values[-1] == high and values[count // 2] == expected[count // 2]
    assert values[3:count:max(1, count // 1000)].tobytes() == expected[3:count:max(1, count // 1000)].tobytes()
    if count < 1000:
        assert list(values) == expected.tolist() and np.asarray(values).tobytes() == expected.tobytes()


def test_a_whole_long_axis_equals_linspace():
    values = RangeValues(-80.0, 40.0, 1_000_001)
    assert np.asarray(values).tobytes() == np.linspace(-80.0, 40.0, 1_000_001).tobytes()
    assert list(values)[-3:] == np.linspace(-80.0, 40.0, 1_000_001)[-3:].tolist()


def test_an_axis_of_1e8_values_is_never_held():
    model = resolve_model("squid")
    tracemalloc.start()
    try:
        dim = parse_vary(model, "ions.K.outside=1..100 mM 100000000")
        plan = Plan((dim,))
        last = plan.points(99_999_990, 100_000_000)[:, 0]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert plan.shape == (100_000_000,) and peak < 10_000_000  # bytes; the list took ~5 GB
    exact = [1 + Fraction(99 * i, 99_999_999) for i in range(99_999_990, 100_000_000)]  # 1 + 99 i / (N - 1) mM
    np.testing.assert_allclose(last, [float(x) for x in exact], rtol=2e-16, atol=0)
    assert last[-1] == 100.0
    assert hash(dim) == hash(parse_vary(model, "ions.K.outside=1..100 mM 100000000"))  # still a hashable key


def test_file_metadata_lists_short_axes_and_gives_long_ranges_by_their_ends():
    long = RangeValues(1.0, 100.0, LISTED + 1, log=True)
    layout = Layout("squid", (("ions.K.outside", "mM"), ("ions.Na.inside", "mM")), (long, (5.0, 10.0)),
                    2 * (LISTED + 1), (("E_K", "mV"),))
    dims = layout.describe()["dims"]
    assert dims[0] == {"key": "ions.K.outside", "unit": "mM", "low": 1.0, "high": 100.0, "count": LISTED + 1,
                       "scale": "log"}
    assert dims[1] == {"key": "ions.Na.inside", "unit": "mM", "values": [5.0, 10.0]}
    assert layout.shape == (LISTED + 1, 2)
    short = Layout("squid", (("ions.K.outside", "mM"),), (RangeValues(5.0, 50.0, 3),), 3, (("E_K", "mV"),))
    assert short.describe()["dims"][0] == {"key": "ions.K.outside", "unit": "mM", "values": [5.0, 27.5, 50.0]}
