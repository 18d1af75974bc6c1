"""Evaluate a sweep kernel over arrays of parameter sets: the vectorised solvers its RECIPE names.

NumPy only (no SymPy): this runs on the workers. Every solver works on all points at once and
drops the points that are done, so a point that needs many steps costs only its own work. A point
where a quantity does not exist gets NaN and a reason code (REASONS), never an exception.

- 1-D roots (current balances, the Donnan ratio in ln r_D): bracketed Newton. The bracket widens
  by doubling from [-0.1, 0.1] (|V| up to 10 V) as derive.derivation.monotone_root does; a Newton
  step that leaves the bracket is replaced by bisection, so it converges for every increasing function.
- The full steady state: damped Newton from the given state on the equations derive.steady_state
  solves (every rhs but V's zero, the cell's charge at its given value), variables and equations
  scaled by the start, each step halved until the residual falls with amounts and volume positive;
  where that fails, pseudo-transient continuation (implicit Euler steps growing as the rates fall)
  from the given state, then Newton again.
- tau_slow: eigenvalues of the reduced Jacobian at the steady state, batched (numpy.linalg.eigvals).
- pump_max: Newton on the two equations where the steady states end, continued from the model's own
  end (derive.derivations.pump_range) to each point's parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from vrest.derive.pump_verdicts import PUMP_TOO_WEAK  # pure Python: derive's words

__all__ = ["REASONS", "evaluate", "root_increasing", "damped_newton"]

OK = 0
NO_ROOT, NO_CONVERGENCE, NOT_FINITE, NOT_PHYSICAL, TOO_MANY_STEPS, SINGULAR, UNSTABLE, NO_DONNAN = range(1, 9)
EDGE_LOST, EDGE_INFINITE, NO_EDGE = range(9, 12)
NO_EQUILIBRIUM, OSCILLATES, NO_STABLE, SEVERAL_STABLE, REST_FAILED = range(12, 17)  # imported models' rest
ABOVE_PUMP_MAX = 17
EDGE_STARVED = 18
TOO_WEAK = 19
OUTSIDE_RANGE = 20  # imported models' rest: the cell comes to rest outside the voltage range
BESIDE_REST, NOT_REACHED, EMPTIED = 21, 22, 23  # imported models' rest: a stable one the cell does not come to from
# its start
PUMPED_OUT, PUMPED_IN = 24, 25  # the pump moves an ion whose every leak is blocked: out (Na+), in (K+)
RUN_EMPTIED, RUN_GAVE_UP = 26, 27  # a scenario sweep's run from a point's steady state stops
CLAMPED = 28  # imported models' rest: V's rate is 0 for every state (a lone conductance of 0)
CONCENTRATION_FLOOR = 1e-15  # mM: less than one particle in a nanolitre (derive.limits; NumPy only here)
REASONS = {
    NO_ROOT: "the current balance has no zero crossing for |V| < 10 V",
    NO_CONVERGENCE: "Newton did not converge",
    NOT_FINITE: "no finite real value at these parameters",
    NOT_PHYSICAL: "no physical steady state: Newton cannot reduce the residual while keeping amounts and volume "
                  "positive",
    TOO_MANY_STEPS: "no steady state found: Newton did not converge in 200 steps (an amount may fall towards 0, or "
                    "an amount or the volume grow without bound)",
    SINGULAR: "no steady state found: Newton reached a state where the linearised model is singular",
    UNSTABLE: "the steady state is not stable: an eigenvalue has a real part >= 0",
    NO_DONNAN: "no Donnan equilibrium: the inside charge has no zero crossing",
    EDGE_LOST: "the end of the steady states could not be followed here from the model's own (it may end another "
               "way)",
    EDGE_INFINITE: "none: the pump current falls to 0 with the vanishing concentration, so no finite rate ends "
                   "the steady states",
    NO_EDGE: "none: at the model's own values the steady states do not end at a largest pump rate (vrest derive "
             "says why)",
    NO_EQUILIBRIUM: "no resting state in the voltage range",
    OSCILLATES: "no stable resting state: the model oscillates (a pacemaker)",
    NO_STABLE: "no stable resting state: every equilibrium in the voltage range is unstable",
    SEVERAL_STABLE: "more than one stable resting state (bistable or multistable): no single rest",
    REST_FAILED: "the rest engine stopped with an error at these parameters",
    CLAMPED: "no resting state: V's rate is zero for every state at these parameters (nothing moves it: a "
             "conductance of 0), so every potential is an equilibrium",
    ABOVE_PUMP_MAX: "no steady state: the pump rate is above pump_max, the rate at which the steady states end",
    EDGE_STARVED: "none: the finite volumes end only where a concentration the pump needs is below 1e-15 mM (less "
                  "than one particle in a nanolitre), so no physical rate ends the steady states",
    TOO_WEAK: PUMP_TOO_WEAK,
    OUTSIDE_RANGE: "no stable resting state in the voltage range: the cell comes to rest outside it",
    BESIDE_REST: "from its start the cell oscillates (a pacemaker) beside the stable resting state: it comes to no "
                 "rest",
    NOT_REACHED: "from its start the cell has not come to rest by the end of the run (a slow drift)",
    EMPTIED: "from its start an amount inside falls to 0: no cell's state after it, and no rest",
    PUMPED_OUT: "no steady state: the pump moves out an ion whose every leak is blocked, so nothing balances its "
                "pump flux and its concentration inside falls towards 0",
    PUMPED_IN: "no steady state: the pump moves in an ion whose every leak is blocked, so nothing balances its pump "
               "flux and the cell gathers it without bound",
    RUN_EMPTIED: "the scenario's run empties an amount inside (a concentration falls to 0 and would go negative "
                 "after it): no states from that time on, the times before it kept (vrest simulate at such a "
                 "point says when and why)",
    RUN_GAVE_UP: "the solver (CVODE) gave up on the scenario's run here: no states (vrest simulate at such a point "
                 "says where and why)",
}

_EPS = np.finfo(float).eps
_LAST_STEP = 1e-11  # a Newton step below this (scaled unknowns ~1) leaves an error ~1e-22: converged
_SETTLED = 1e-8  # a pseudo-transient step below this (relative) is close enough for Newton to finish
_HALVINGS = 60  # of a first bracket end that overflows, towards 0


def take(p: Mapping[str, np.ndarray], index: np.ndarray) -> dict[str, np.ndarray]:
    """The parameter sets at ``index`` (scalars stay scalars)."""
    return {k: (v[index] if np.ndim(v) else v) for k, v in p.items()}


def _first_reason(*codes: np.ndarray) -> np.ndarray:
    """Per point, the first non-zero reason of the quantities a result depends on."""
    out = np.zeros_like(codes[0])
    for code in codes:
        out = np.where(out == 0, code, out)
    return out


def root_increasing(f: Callable, p: Mapping[str, np.ndarray], n: int, start: float, stop: float, limit: float,
                    max_steps: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """The root x of each increasing f(x, p) -> (value, derivative): (roots, reason codes).

    The bracket [start, stop] widens by doubling, as long as it stays within +-limit (then NO_ROOT). A GHK or Nernst
    term at |V| of volts overflows there: an infinite value is an answer (no root that far), not a warning. Where
    the first bracket itself overflows (RT/F = 0.086 mV at 1 K: e^1160 at 100 mV), its end moves halfway to 0 until
    the value is finite.
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return _root_increasing(f, p, n, start, stop, limit, max_steps)


def _root_increasing(f: Callable, p: Mapping[str, np.ndarray], n: int, start: float, stop: float, limit: float,
                     max_steps: int) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = np.full(n, float(start)), np.full(n, float(stop))
    codes = np.zeros(n, dtype=np.int8)
    f_lo = f(lo, p)[0]
    f_hi = f(hi, p)[0]
    for edge, values in ((lo, f_lo), (hi, f_hi)):
        for _ in range(_HALVINGS):
            index = np.nonzero(~np.isfinite(values))[0]
            if not index.size:
                break
            edge[index] /= 2
            values[index] = f(edge[index], take(p, index))[0]
    while True:
        low_bad = (f_lo > 0) & (codes == 0)
        high_bad = (f_hi < 0) & (codes == 0)
        codes[(low_bad & (lo < -limit)) | (high_bad & (hi > limit))] = NO_ROOT
        low_bad &= codes == 0
        high_bad &= codes == 0
        if not (low_bad.any() or high_bad.any()):
            break
        for bad, edge, values in ((low_bad, lo, f_lo), (high_bad, hi, f_hi)):
            index = np.nonzero(bad)[0]
            if index.size:
                edge[index] *= 2
                values[index] = f(edge[index], take(p, index))[0]
    codes[~(np.isfinite(f_lo) & np.isfinite(f_hi)) & (codes == 0)] = NO_ROOT
    x = np.where(codes == 0, (lo + hi) / 2, np.nan)
    x = np.where(f_lo == 0, lo, np.where(f_hi == 0, hi, x))
    active = np.nonzero((codes == 0) & (f_lo != 0) & (f_hi != 0))[0]
    for _ in range(max_steps):
        if active.size == 0:
            break
        value, slope = f(x[active], take(p, active))
        a_lo, a_hi, xa = lo[active], hi[active], x[active]
        a_lo = np.where(value < 0, xa, a_lo)
        a_hi = np.where(value > 0, xa, a_hi)
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = xa - value / slope
        outside = ~((newton > a_lo) & (newton < a_hi))  # also NaN
        nxt = np.where(outside, (a_lo + a_hi) / 2, newton)
        lo[active], hi[active] = a_lo, a_hi
        done = (value == 0) | (np.abs(nxt - xa) <= 4 * _EPS * np.abs(xa)) | (a_hi - a_lo <= 4 * _EPS * np.abs(xa))
        x[active] = np.where(value == 0, xa, nxt)
        active = active[~done]
    codes[active] = NO_CONVERGENCE
    x[active] = np.nan
    return x, codes


def damped_newton(residual: Callable, jacobian: Callable, y: np.ndarray, positive: np.ndarray,
                  p: Mapping[str, np.ndarray], max_steps: int = 200,
                  rates_of: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Solve residual(y, p) = 0 (shape (n, m)) from y, every ``positive`` unknown kept > 0: (y, codes).

    As derive.steady_state.damped_newton: each step is halved until the residual norm falls and the
    positive unknowns stay positive (accepted anyway below 2^-30, given up below 2^-40). ``rates_of[r]``: the
    unknown whose rate row r is (-1: none); where such a row and its residual are 0 at a point (an amount
    nothing moves, its ion's every leak blocked), that unknown is conserved: held where it starts.
    """
    y = np.array(y, dtype=float)
    m = y.shape[1]
    codes = np.zeros(m, dtype=np.int8)
    with np.errstate(all="ignore"):
        norm = np.sqrt(np.sum(residual(y, p) ** 2, axis=0))
    active = np.nonzero(np.isfinite(norm))[0]
    codes[~np.isfinite(norm)] = NOT_PHYSICAL
    for _ in range(max_steps):
        if active.size == 0:
            break
        pa = take(p, active)
        ya = y[:, active]
        with np.errstate(all="ignore"):
            f = residual(ya, pa)
            jac = np.moveaxis(jacobian(ya, pa), -1, 0)
            if rates_of is not None:
                for row, unknown in enumerate(rates_of):
                    idle = (unknown >= 0) & (f[row] == 0) & np.all(jac[:, row, :] == 0, axis=1)
                    jac[idle, row, unknown] = 1.0  # its step is 0: the amount stays
            det = np.linalg.det(jac)
        singular = ~np.isfinite(det) | (det == 0)
        jac[singular] = np.eye(jac.shape[1])
        step = np.linalg.solve(jac, f.T[..., None])[..., 0].T
        codes[active[singular]] = SINGULAR
        keep = ~singular
        active, ya, step, pa, norm_a = active[keep], ya[:, keep], step[:, keep], take(pa, np.nonzero(keep)[0]), \
            norm[active[keep]]
        # A step this small is the last: take it whole (the residual is at rounding level, so the
        # line search could not see it fall).
        damping = np.ones(active.size)
        small = np.max(np.abs(step), axis=0) < _LAST_STEP
        trial = ya - step
        searching = np.nonzero(~small)[0]
        while searching.size:
            t = ya[:, searching] - damping[searching] * step[:, searching]
            ok = np.all(t[positive] > 0, axis=0)
            with np.errstate(all="ignore"):
                tn = np.full(searching.size, np.inf)
                if ok.any():
                    index = np.nonzero(ok)[0]
                    tn[index] = np.sqrt(np.sum(residual(t[:, index], take(pa, searching[index])) ** 2, axis=0))
            accept = ok & ((tn < norm_a[searching]) | (damping[searching] < 2.0 ** -30))
            trial[:, searching[accept]] = t[:, accept]
            norm_a[searching[accept]] = tn[accept]
            damping[searching[~accept]] /= 2
            searching = searching[~accept]
            lost = damping[searching] < 2.0 ** -40
            codes[active[searching[lost]]] = NOT_PHYSICAL
            searching = searching[~lost]
        alive = codes[active] == 0
        y[:, active[alive]] = trial[:, alive]
        norm[active] = norm_a
        done = alive & small
        active = active[alive & ~done]
    codes[active] = TOO_MANY_STEPS
    y[:, codes != 0] = np.nan
    return y, codes


def pseudo_transient(residual: Callable, jacobian: Callable, y: np.ndarray, rates: np.ndarray,
                     positive: np.ndarray, p: Mapping[str, np.ndarray], max_steps: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """Stable steady states reached from y by implicit Euler steps whose length grows as the rates fall
    (pseudo-transient continuation, as derive.steady_state.pseudo_transient): (y, settled).

    Row k < len(rates) of the residual is the rate of unknown ``rates[k]``; the rows after those are
    algebraic and hold at every step. A point has settled when its step is at rounding level with steps
    long against every rate (steps below 1e-8 of the state); its y is then a start for damped_newton.
    """
    y = np.array(y, dtype=float)
    n, m = y.shape
    k_rows = np.arange(len(rates))
    settled = np.zeros(m, dtype=bool)
    with np.errstate(all="ignore"):
        g = residual(y, p)
        jac = np.moveaxis(jacobian(y, p), -1, 0)
    weight = 1.0 / np.maximum(np.abs(jac).max(axis=2), 1e-300)  # (m, n)
    merit = np.linalg.norm(weight * g.T, axis=1)
    dt = 1.0 / _rate_scale(jac, k_rows, rates, np.max)
    active = np.nonzero(np.isfinite(merit) & np.all(np.isfinite(jac), axis=(1, 2)))[0]
    for _ in range(max_steps):
        if active.size == 0:
            break
        system = -jac[active]
        system[:, k_rows, rates] += (1.0 / dt[active])[:, None]
        with np.errstate(all="ignore"):
            bad = ~np.isfinite(np.linalg.det(system)) | (np.linalg.det(system) == 0)
        system[bad] = np.eye(n)
        step = np.linalg.solve(system, g[:, active].T[..., None])[..., 0].T
        trial = y[:, active] + step
        ok = ~bad & np.all(np.isfinite(step), axis=0) & np.all(trial[positive] > 0, axis=0)
        trial_merit = np.full(active.size, np.inf)
        g_trial = np.full((n, active.size), np.nan)
        index = np.nonzero(ok)[0]
        if index.size:
            with np.errstate(all="ignore"):
                g_trial[:, index] = residual(trial[:, index], take(p, active[index]))
            trial_merit[index] = np.linalg.norm(weight[active[index]] * g_trial[:, index].T, axis=1)
        accept = ok & np.isfinite(trial_merit) & (trial_merit <= 4 * merit[active])
        rejected = active[~accept]
        dt[rejected] /= 4  # too long a step for the model's motion, or out of the physical range: shorter
        done = active[accept]
        with np.errstate(all="ignore"):
            dt[done] *= np.clip(merit[done] / np.maximum(trial_merit[accept], 1e-300), 2.0, 10.0)
            y[:, done] = trial[:, accept]
            g[:, done] = g_trial[:, accept]
            merit[done] = trial_merit[accept]
            jac[done] = np.moveaxis(jacobian(y[:, done], take(p, done)), -1, 0)
        # Settled to where Newton finishes (derive's 1e-8), relative to the state: a weak pump's cell may be
        # thousands of times the given one, and the step there cannot shrink below its rounding.
        small = np.max(np.abs(step[:, accept]), axis=0) < _SETTLED * np.maximum(np.max(np.abs(y[:, done]), axis=0), 1.0)
        long = dt[done] * _rate_scale(jac[done], k_rows, rates, np.min) > 1e6
        settled[done[small & long]] = True
        lost = rejected[dt[rejected] < 1e-300]
        active = np.setdiff1d(active, np.concatenate([done[small & long], lost]))
    return y, settled


def _rate_scale(jac: np.ndarray, k_rows: np.ndarray, rates: np.ndarray, pick: Callable) -> np.ndarray:
    """Per point, pick (max or min) of |d rate_k / d own unknown| over the rates that depend on their own
    unknown (1 if none): the fastest or slowest of the model's own rates, per unit time."""
    diagonal = np.abs(jac[:, k_rows, rates])
    nonzero = diagonal > 0
    fill = 0.0 if pick is np.max else np.inf
    picked = pick(np.where(nonzero, diagonal, fill), axis=1)
    return np.where(np.any(nonzero, axis=1) & np.isfinite(picked), picked, 1.0)


class _Evaluator:
    """Each quantity of the kernel at most once, with the quantities it needs (like derive.Derivations)."""

    def __init__(self, module, p: Mapping[str, np.ndarray], n: int) -> None:
        self.module, self.p, self.n = module, dict(p), n
        self.done: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.pump_max_above = np.zeros(0)  # pump_max (SI) at the points whose pump is above it

    def get(self, quantity_id: str) -> tuple[np.ndarray, np.ndarray]:
        if quantity_id not in self.done:
            rule = self.module.RECIPE[quantity_id]
            values, codes = getattr(self, f"_{rule[0]}")(*rule[1:])
            values = np.broadcast_to(np.asarray(values, dtype=float), (self.n,)).copy()
            codes = np.broadcast_to(codes, (self.n,)).astype(np.int8)
            codes = np.where((codes == 0) & ~np.isfinite(values), NOT_FINITE, codes).astype(np.int8)
            values[codes != 0] = np.nan
            self.done[quantity_id] = values, codes
        return self.done[quantity_id]

    def _function(self, name: str) -> Callable:
        return getattr(self.module, name)

    def _closed(self, name: str):
        with np.errstate(all="ignore"):
            return self._function(name)(self.p) + 0.0, 0  # + 0.0: no -0 (-I_pump/g_leak with the pump off is 0)

    def _root(self, name: str):
        function = self._function(name)
        return root_increasing(lambda x, p: function(x, p), self.p, self.n, -0.1, 0.1, 10.0)

    def _pump_shift(self, balance: str, leak: str, current: str):
        """dV_pump = balance - leak; 0 where the pump carries no current (the balance is then the leaks' own root,
        which the two solvers give one rounding apart)."""
        (vb, cb), (vl, cl) = self.get(balance), self.get(leak)
        with np.errstate(all="ignore"):
            pumped = self._function(current)(vb, self.p)
        return np.where(pumped == 0, 0.0, vb - vl), _first_reason(cb, cl)

    def _donnan_s(self) -> tuple[np.ndarray, np.ndarray]:
        if "ln_r_D" not in self.done:
            function = self._function("donnan_root")
            s, codes = root_increasing(lambda x, p: function(x, p), self.p, self.n, -1.0, 1.0, 200.0)
            self.done["ln_r_D"] = s, np.where(codes == NO_ROOT, NO_DONNAN, codes)
        return self.done["ln_r_D"]

    def _donnan_ratio(self, name: str):
        s, codes = self._donnan_s()
        return np.exp(s), codes

    def _of_donnan(self, name: str):
        s, codes = self._donnan_s()
        with np.errstate(all="ignore"):
            return self._function(name)(s, self.p), codes

    # -- the full steady state ----------------------------------------------------------------------------

    def steady(self) -> tuple[np.ndarray, np.ndarray, dict]:
        """(states (n_states, n), codes, parameters): the full model's steady state."""
        if "steady" not in self.done:
            _, n_states, _, names, conserved = self.module.RECIPE["steady"]
            v0, codes0 = self.get("V_balance")
            x0 = self._function("steady_start")(np.where(codes0 == 0, v0, 0.0), self.p)
            p = self.p
            residual, jacobian = self._function("steady_residual"), self._function("steady_jacobian")
            amounts = [k for k, name in enumerate(names) if name.startswith("N_")]

            def scaled(start: np.ndarray) -> tuple[np.ndarray, Callable, Callable]:
                """The unknowns and equations scaled by ``start`` (SI states, one column per point): (scale, f, jac)."""
                scale = np.where(np.abs(start) > 0, np.abs(start), 1.0)
                # The last equation: the net charge (C), on the scale of one species' bulk charge; or the current
                # balance (A/m^2), on 1 uA/cm^2 (derive.steady_state).
                last = np.asarray(p["F"]) * np.max(scale[amounts], axis=0) if conserved else np.full(self.n, 0.01)
                rows = np.vstack([scale[1:], last])

                def f(y, q):
                    k = q["_k"]  # the points' indices (per-point scales), kept through every subset the solvers take
                    return residual(y * scale[:, k], q) / rows[:, k]

                def jac(y, q):
                    k = q["_k"]  # the points' indices (per-point scales), kept through every subset the solvers take
                    return jacobian(y * scale[:, k], q) * scale[None, :, k] / rows[:, None, k]

                return scale, f, jac

            scale, f, jac = scaled(x0)
            positive = np.array([name != "V" for name in names])
            y = x0 / scale
            rates_of = np.array([*range(1, n_states), -1])  # rows: the rates of the states after V, then the charge
            solved, codes = damped_newton(f, jac, y, positive, dict(p, _k=np.arange(self.n)), rates_of=rates_of)
            # Where Newton crawled or stalled from the given state (a weak pump: the steady state of a far
            # larger, Donnan-like cell), follow the model's own motion towards rest, then Newton again,
            # scaled by where the motion settled: amounts and volume there may be thousands of times the
            # given ones, too far for a step criterion on the given scale to be met in double precision.
            lost = np.nonzero((codes == TOO_MANY_STEPS) | (codes == NOT_PHYSICAL))[0]

            def scaled_at(near_states: np.ndarray, again: np.ndarray):
                """(scale, f, jac, unknowns, parameters) at the points ``again``, scaled at ``near_states`` (SI)."""
                near = np.array(x0, dtype=float)
                near[:, again] = near_states
                scale_near, f_near, jac_near = scaled(near)
                return scale_near, f_near, jac_near, near[:, again] / scale_near[:, again], dict(take(p, again), _k=again)

            def restart(near_states: np.ndarray, again: np.ndarray) -> None:
                """Newton again at the points ``again`` from ``near_states`` (SI): the points it solves get their
                steady state."""
                if not again.size:
                    return
                scale_again, f_again, jac_again, y_again, q = scaled_at(near_states, again)
                polished, codes_again = damped_newton(f_again, jac_again, y_again, positive, q)
                found = codes_again == OK
                solved[:, again[found]] = polished[:, found] * scale_again[:, again[found]] / scale[:, again[found]]
                codes[again[found]] = OK

            rates = np.array([k for k, name in enumerate(names) if name != "V"])

            def settle(near_states: np.ndarray, again: np.ndarray) -> None:
                """The model's own motion towards rest from ``near_states`` (SI) at the points ``again``, then
                Newton from where it settled."""
                if not again.size:
                    return
                scale_near, f_near, jac_near, y_near, q = scaled_at(near_states, again)
                settled, ok = pseudo_transient(f_near, jac_near, y_near, rates, positive, q)
                restart(settled[:, ok] * scale_near[:, again[ok]], again[ok])

            settle(x0[:, lost], lost)
            # Still none: the given cell far from the size its impermeant gives it (5000 mM of impermeant in pumpleak's
            # 178.9 um^3: a 6113 um^3 cell). From that size (derive.steady_state's _isosmotic), as derive does.
            still = lost[codes[lost] != OK]
            if still.size and "Vol" in names:
                sized, ok = _isosmotic(residual, x0[:, still], take(p, still), names)
                still, sized = still[ok], sized[:, ok]
                restart(sized, still)
                settle(sized[:, codes[still] != OK], still[codes[still] != OK])
            self._above_pump_max(codes)
            self._pump_off(codes)
            self._pump_alone(codes)
            states = solved * scale
            self.done["steady"] = states, _first_reason(codes0.astype(np.int8), codes), p
        return self.done["steady"]

    def _above_pump_max(self, codes: np.ndarray) -> None:
        """Points without a steady state whose pump rate is above pump_max get ABOVE_PUMP_MAX, and
        ``self.pump_max_above`` pump_max there (SI): the reason in the physics' words, not Newton's."""
        failed = np.nonzero((codes == TOO_MANY_STEPS) | (codes == NOT_PHYSICAL))[0]
        if failed.size == 0 or "pump_max" not in self.module.RECIPE:
            return
        limit, limit_codes = self.get("pump_max")
        rate = np.broadcast_to(np.asarray(self.p[self.module.RECIPE["pump_max"][2]], dtype=float), (self.n,))
        above = failed[(limit_codes[failed] == OK) & (rate[failed] > limit[failed])]
        codes[above] = ABOVE_PUMP_MAX
        self.pump_max_above = limit[above]

    def _pump_off(self, codes: np.ndarray) -> None:
        """Points without a steady state whose pump is off, in a bath where the cell then swells without bound
        (no impermeant solute outside), get TOO_WEAK: derive's reason (derive.derivations.pump_range)."""
        rule = self.module.RECIPE.get("swells_pump_off")
        if rule is None:
            return
        rate = np.broadcast_to(np.asarray(self.p[rule[1]], dtype=float), (self.n,))
        codes[(codes != OK) & (rate == 0)] = TOO_WEAK

    def _pump_alone(self, codes: np.ndarray) -> None:
        """Points whose leak of an ion the pump moves is 0 get PUMPED_OUT or PUMPED_IN, found or not: nothing balances that
        ion's pump flux (a Newton that stops at Na_i ~ 1e-22 mM found no steady state of a cell)."""
        rule = self.module.RECIPE.get("pumped_leaks")
        for name, out in rule[1] if rule is not None else ():
            blocked = np.broadcast_to(np.asarray(self.p[name], dtype=float), (self.n,)) == 0
            codes[blocked] = PUMPED_OUT if out else PUMPED_IN

    def _steady_V(self):
        states, codes, _ = self.steady()
        return states[0], codes

    def _volume_ss(self):
        states, codes, p = self.steady()
        with np.errstate(all="ignore"):
            return self._function("steady_volume")(states, p), codes

    def _at_rest(self) -> tuple[np.ndarray, np.ndarray, dict]:
        """(V_ss, codes, parameters with the inside concentrations of the steady state)."""
        v, codes = self.get("V_ss")
        p = self.p
        if "steady" in self.module.RECIPE:
            states, _, p = self.steady()
            _, _, inside, _, _ = self.module.RECIPE["steady"]
            with np.errstate(all="ignore"):
                values = self._function("steady_inside")(states, p)
            p = dict(p, **{name: values[k] for k, name in enumerate(inside)})
        return v, codes, p

    def _g_leak(self):
        v, codes, p = self._at_rest()
        with np.errstate(all="ignore"):
            return self._function(self.module.RECIPE["slope"][1])(v, p), codes

    def _tau_m(self):
        g, codes = self.get("g_leak")
        return np.asarray(self.p["C_m"]) / g, codes

    def _tau_slow(self, name: str, index: tuple[int, ...]):
        states, codes, p = self.steady()
        out = np.full(self.n, np.nan)
        codes = codes.copy()
        ok = np.nonzero(codes == 0)[0]
        if ok.size:
            x = states[:, ok]
            with np.errstate(all="ignore"):
                matrix = self._function(name)(x, take(p, ok))
            scale = np.abs(x[list(index)])
            scale = np.where(scale > 0, scale, 1.0)
            matrix = np.moveaxis(matrix * scale[None, :, :] / scale[:, None, :], -1, 0)
            finite = np.all(np.isfinite(matrix), axis=(1, 2))
            matrix[~finite] = 0
            # A row of zeros is an amount nothing moves (its ion's every leak blocked): conserved, its eigenvalue
            # 0 is no motion. Its diagonal far below the others takes it out of the slowest (the other
            # eigenvalues are those of the matrix without its row and column).
            idle = np.all(matrix == 0, axis=2) & finite[:, None]
            far = -1e6 * (1 + np.max(np.abs(matrix), axis=(1, 2)))
            points, rows = np.nonzero(idle)
            matrix[points, rows, rows] = far[points]
            eigenvalues = np.linalg.eigvals(matrix)
            slowest = eigenvalues[np.arange(ok.size), np.argmin(np.abs(eigenvalues.real), axis=1)]
            stable = np.all(eigenvalues.real < 0, axis=1)
            codes[ok[~finite]] = NOT_FINITE
            codes[ok[finite & ~stable]] = UNSTABLE
            good = finite & stable
            out[ok[good]] = -1.0 / slowest.real[good]
        return out, codes

    def _slope(self, name: str):  # a helper entry of the recipe, not a quantity
        raise KeyError(name)

    def _pump_max(self, infinite, rate_name, edge, substrates=()):
        if edge is None:
            return np.full(self.n, np.nan), np.full(self.n, NO_EDGE, dtype=np.int8)
        kind, v_edge, j_0 = edge
        function = self._function(f"edge_{kind}")
        base = {k: np.asarray(v) for k, v in self.module.BASE.items()}
        p = dict(self.p, J_0=j_0)
        x = np.vstack([np.full(self.n, v_edge), np.zeros(self.n)])
        codes = np.full(self.n, EDGE_LOST, dtype=np.int8)
        for stages in (1, 8, 64):
            todo = np.nonzero(codes == EDGE_LOST)[0]
            if todo.size == 0:
                break
            xs = np.vstack([np.full(todo.size, v_edge), np.zeros(todo.size)])
            ok = np.ones(todo.size, dtype=bool)
            target = take(p, todo)
            for stage in range(1, stages + 1):
                t = stage / stages
                q = {k: (base[k] + t * (np.asarray(v) - base[k]) if k in base else v) for k, v in target.items()}
                xs, converged = _newton_2(function, xs, q)
                ok &= converged
            x[:, todo[ok]] = xs[:, ok]
            codes[todo[ok]] = OK
        good = np.nonzero(codes == OK)[0]
        out = np.full(self.n, np.nan)
        if good.size:
            q = take(p, good)
            with np.errstate(all="ignore"):
                concentrations = self._function("edge_concentrations")(x[0, good], x[1, good], q)
                rate = self._function("edge_rate")(x[0, good], x[1, good], q)
            physical = np.all(concentrations > -1e-9 * np.max(np.abs(concentrations), axis=0), axis=0)
            if kind in infinite:
                codes[good[physical]] = EDGE_INFINITE
                physical[:] = False
            if substrates:  # the end lies where a concentration the rate depends on is below a particle
                starved = physical & np.any(concentrations[list(substrates)] < CONCENTRATION_FLOOR, axis=0)
                codes[good[starved]] = EDGE_STARVED
                physical &= ~starved
            finite = physical & np.isfinite(rate) & (rate > 0)
            codes[good[~finite & (codes[good] == OK)]] = EDGE_LOST
            out[good] = np.where(finite, rate, np.nan)
        self._pump_alone(codes)  # no pump rate has a steady state there: V_ss's reason, not a lost end
        out[np.isin(codes, (PUMPED_OUT, PUMPED_IN))] = np.nan
        return out, codes


def _isosmotic(residual: Callable, start: np.ndarray, p: Mapping[str, np.ndarray],
               names: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(states, found): ``start`` (SI, a column per point) with the volume and every amount scaled by one factor (the
    concentrations stay) until water stops moving, the factor between 1e-15 and 1e15 by bisection in its
    logarithm; ``found`` where the water's flow changes sign there."""
    row = list(names).index("Vol") - 1  # the residual's rows: the rates of the states after V, then the charge
    sized = [k for k, name in enumerate(names) if name != "V"]

    def water(log_factor: np.ndarray) -> np.ndarray:
        y = np.array(start, dtype=float)
        y[sized] *= np.exp(log_factor)
        return residual(y, p)[row]

    low, high = np.full(start.shape[1], -15 * np.log(10.0)), np.full(start.shape[1], 15 * np.log(10.0))
    sign = np.sign(water(low))
    found = (sign != 0) & (sign != np.sign(water(high)))
    for _ in range(100):
        middle = (low + high) / 2
        same = np.sign(water(middle)) == sign
        low, high = np.where(same, middle, low), np.where(same, high, middle)
    out = np.array(start, dtype=float)
    out[sized] *= np.exp((low + high) / 2)
    return out, found


def _newton_2(function: Callable, x: np.ndarray, p: Mapping) -> tuple[np.ndarray, np.ndarray]:
    """Newton on two equations: function(x0, x1, p) -> (f0, f1, J00, J01, J10, J11); (x, converged)."""
    x = x.copy()
    converged = np.zeros(x.shape[1], dtype=bool)
    for _ in range(40):
        with np.errstate(all="ignore"):
            f0, f1, a, b, c, d = function(x[0], x[1], p)
            det = a * d - b * c
            dx0 = (d * f0 - b * f1) / det
            dx1 = (a * f1 - c * f0) / det
        step = np.vstack([dx0, dx1])
        step = np.where(np.isfinite(step), step, 0.0)
        x -= np.where(converged, 0.0, step)
        converged |= np.max(np.abs(step), axis=0) < 1e-14 * (1 + np.abs(x).max(axis=0))
        if converged.all():
            break
    return x, converged & np.all(np.isfinite(x), axis=0)


def evaluate(module, p: Mapping[str, np.ndarray], n: int,
             quantities: tuple[str, ...] | None = None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """{id: (SI values, reason codes)} for the kernel's quantities at ``n`` parameter sets ``p``."""
    evaluator = _Evaluator(module, p, n)
    return {q: evaluator.get(q) for q in (quantities or module.QUANTITIES)}
