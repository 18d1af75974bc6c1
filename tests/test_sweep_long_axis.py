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
    """At the pace since the first result, and nothing before a second: the first one's time holds the workers'
    start (a sweep of 2.25 million points said 5 min left at 6 s, and ended at 37 s). 20 points in the 12 s after
    the first result: 70 more take 42 s (the pace since the start said 33 s)."""
    from vrest.codegen import progress as line

    clock = iter([0.0, 2.0, 14.0])  # the start, then two updates (s)
    monkeypatch.setattr(line.time, "monotonic", lambda: next(clock))
    err = io.StringIO()
    with redirect_stderr(err):
        progress = api._Progress(100, True)
        progress(10)
        progress(30)
    assert err.getvalue() == ("vrest sweep: 10 of 100 points (10%), 2.0 s\n"
                              "vrest sweep: 30 of 100 points (30%), 14.0 s, about 42 s left\n")
    assert api._duration(45 * 60) == "45 min" and api._duration(3 * 3600) == "3.0 h"
