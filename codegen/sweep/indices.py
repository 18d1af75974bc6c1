"""Global sensitivity of a quantity to model-file values: Sobol indices and Morris screening, by SALib.

The ranges come from ``--vary KEY=SPEC`` (no count); a log range is sampled evenly in ln(value), so the
indices speak of relative changes there. SALib draws the design (Saltelli's scheme for Sobol, Morris
trajectories), the sweep machinery evaluates the quantity at every point (generated vectorised code,
any engine), SALib computes the indices with bootstrap confidence intervals (95 %).

- sobol: S1 (first order: the share of the variance explained by the key alone) and ST (total: with all
  its interactions), each with its confidence interval. N base samples cost N (k + 2) evaluations.
- morris: mu* (mean absolute elementary effect, in the quantity's unit: the change of the quantity
  across the key's whole range, its ln(value) for a log range, as SALib scales each range to [0, 1]) with
  its confidence interval, mu and sigma (nonlinearity or interactions). N trajectories cost N (k + 1)
  evaluations.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from vrest.derive.errors import ModelError, ModelWarning
from vrest.derive.model import Model

from ..extras import install_line
from .imported import ImportedModel, resolve_sweep_model
from .plan import DESIGN, Plan, check_distinct
from .runtime import NO_EQUILIBRIUM, OUTSIDE_RANGE, REASONS
from .spec import parse_vary

__all__ = ["Sensitivity", "sensitivity", "SENSITIVITY_METHODS"]

SENSITIVITY_METHODS = ("sobol", "morris")


@dataclass(frozen=True)
class Sensitivity:
    """Indices of one quantity, per key: sobol {S1, S1_conf, ST, ST_conf}; morris {mu, mu_star, mu_star_conf,
    sigma}."""

    model: str
    quantity: str
    unit: str
    method: str
    evaluations: int
    keys: tuple[tuple[str, str, str], ...]  # (key, unit, "linear" | "log")
    indices: dict[str, dict[str, float]]


def _salib():
    try:
        from SALib.analyze import morris as morris_analyze
        from SALib.analyze import sobol as sobol_analyze
        from SALib.sample import morris as morris_sample
        from SALib.sample import sobol as sobol_sample
    except ImportError:
        raise ModelError("sensitivity", None, f"needs SALib: {install_line('sensitivity')}") from None
    return sobol_sample, sobol_analyze, morris_sample, morris_analyze


def sensitivity(model: Model | ImportedModel | str, vary, quantity: str, method: str = "sobol", samples: int = 1024,
                seed: int = 0,
                evaluate=None, **engine) -> Sensitivity:
    """Sensitivity indices of ``quantity`` to the keys of ``vary`` (["KEY=LOW..HIGH UNIT [log]", ...] or {KEY: RANGE})
    for ``model`` (a Model, a built-in name, a TOML file, or a CellML or SBML file: codegen.sweep.imported).

    ``evaluate(points) -> values`` replaces the sweep (points in the keys' units, shape (n, k)): a test's own
    function. ``engine``: engine, scheduler, workers, progress as for a sweep.
    """
    model = resolve_sweep_model(model)  # a built-in name, a TOML file, or a CellML or SBML file
    if method not in SENSITIVITY_METHODS:
        raise ModelError("--method", method, f"one of {', '.join(SENSITIVITY_METHODS)}")
    if samples < 2:
        raise ModelError("--samples", samples, "at least 2")
    texts = [f"{k}={v}" for k, v in vary.items()] if isinstance(vary, dict) else list(vary)
    dims = tuple(parse_vary(model, text, sampled=True) for text in texts)
    check_distinct(dims)  # one key twice: SALib would take both as factors of their own, one setting nothing
    if len(dims) < 2:
        raise ModelError("--vary", texts[0] if texts else None, "a sensitivity analysis needs two or more keys")
    sobol_sample, sobol_analyze, morris_sample, morris_analyze = _salib()
    bounds = [[np.log(d.low), np.log(d.high)] if d.log else [d.low, d.high] for d in dims]
    problem = {"num_vars": len(dims), "names": [d.key for d in dims], "bounds": bounds}
    if method == "sobol":
        if samples & (samples - 1):
            lower, upper = 1 << (samples.bit_length() - 1), 1 << samples.bit_length()
            warnings.warn(f"--samples {samples} is no power of 2: Sobol points keep their balance at a power of 2 "
                          f"(e.g. {lower} or {upper}); the indices' intervals may be wider", ModelWarning, stacklevel=2)
        with warnings.catch_warnings():  # said above in vrest's words
            warnings.filterwarnings("ignore", message="The balance properties of Sobol")
            x = sobol_sample.sample(problem, samples, calc_second_order=False, seed=seed)
    else:
        x = morris_sample.sample(problem, samples, num_levels=4, seed=seed)
    points = np.column_stack([np.exp(x[:, k]) if d.log else x[:, k] for k, d in enumerate(dims)])
    unit = "1"
    if evaluate is None:
        y, unit = _evaluate(model, dims, points, quantity, engine)
    else:
        y = np.asarray(evaluate(points), dtype=float)
    if len(y) and np.all(y == y[0]):  # no variance to share out (Sobol's indices would be 0/0)
        shown = f"{y[0]:g}" if unit == "1" else f"{y[0]:g} {unit}"
        raise ModelError("--quantity", quantity, f"is the same ({shown}) at every point of the ranges: no key "
                         "changes it")
    if method == "sobol":
        # A Generator, not the int: SALib's Sobol analysis reads seed 0 as "no seed" and would draw its bootstrap
        # (the confidence intervals) from NumPy's global state.
        result = sobol_analyze.analyze(problem, y, calc_second_order=False, conf_level=0.95,
                                       seed=np.random.default_rng(seed))
        names = ("S1", "S1_conf", "ST", "ST_conf")
    else:
        result = morris_analyze.analyze(problem, x, y, conf_level=0.95, num_levels=4, seed=seed)
        names = ("mu", "mu_star", "mu_star_conf", "sigma")
    indices = {d.key: {name: float(result[name][k]) for name in names} for k, d in enumerate(dims)}
    return Sensitivity(model.name, quantity, unit, method, len(y), tuple((d.key, d.unit, d.kind) for d in dims),
                       indices)


def _advice(model: Model | ImportedModel, missing: dict[str, int]) -> str:
    """What may give every point a value: a wider voltage range when points have no resting state in it, else
    narrower ranges of --vary."""
    widened = {REASONS[NO_EQUILIBRIUM], REASONS[OUTSIDE_RANGE]}  # not "every equilibrium ... is unstable"
    if isinstance(model, ImportedModel) and widened & set(missing):
        low, high = (round(v * 1e3, 9) for v in model.v_range)
        return f"widen the voltage range --range (now {low:g}..{high:g} mV) or narrow the ranges of --vary"
    return "narrow the ranges of --vary"


def _evaluate(model: Model | ImportedModel, dims, points: np.ndarray, quantity: str,
              engine: dict) -> tuple[np.ndarray, str]:
    from .api import run_sweep

    plan = Plan(dims, DESIGN, len(points), design=points)
    if engine.get("progress") is True:  # the progress line names the command the user ran
        engine = {**engine, "progress": "vrest sensitivity"}
    outcome = run_sweep(model, plan, [quantity], **engine)
    values = outcome.memory.values[quantity]
    if np.isnan(values).any():
        missing = outcome.missing.get(quantity, {})
        reasons = "; ".join(f"{reason} ({count} points)" for reason, count in missing.items())
        raise ModelError("--quantity", quantity, f"has no value at {int(np.isnan(values).sum())} of {len(values)} "
                         f"points of the ranges ({reasons}): {_advice(model, missing)}")
    return values, dict(outcome.layout.variables)[quantity]
