"""A long single axis: the grid's points are cut from arrays made once, and the progress line says how long the
rest will take. (No timings asserted: speed is measured in benchmarks.)"""

from __future__ import annotations

import io
from contextlib import redirect_stderr

import numpy as np

from vrest.codegen.sweep import api
from vrest.codegen.sweep.plan import Plan
from vrest.codegen.sweep.spec import parse_vary
from vrest.derive.builtin import resolve_model


def test_points_of_a_long_axis_are_its_values():
    model = resolve_model("squid")
    plan = Plan((parse_vary(model, "ions.K.outside=1..10 mM 1000001"),))
    expected = np.linspace(1.0, 10.0, 1000001)  # written here: 1e6 steps of 9e-6 mM
    for start, stop in [(0, 5), (500000, 500003), (999998, 1000001)]:
        np.testing.assert_allclose(plan.points(start, stop)[:, 0], expected[start:stop], rtol=1e-15)
    assert plan._axes is plan._axes  # made once, not per chunk


def test_progress_says_how_long_the_rest_takes(monkeypatch):
    from vrest.codegen import progress as line

    clock = iter([0.0, 10.0])
    monkeypatch.setattr(line.time, "monotonic", lambda: next(clock))
    err = io.StringIO()
    with redirect_stderr(err):
        progress = api._Progress(1000, True)
        progress(250)  # a quarter in 10 s: 30 s left
    assert "250 of 1000 points ( 25%), 10.0 s, about 30 s left" in err.getvalue()
    assert api._duration(45 * 60) == "45 min" and api._duration(3 * 3600) == "3.0 h"
