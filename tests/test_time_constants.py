"""tau_slow against an ODE integration; the fast time constant against tau_m; the zero eigenvalue removed."""

from __future__ import annotations

from pathlib import Path

import mpmath
import numpy as np
import pytest
import sympy as sp
from scipy.integrate import solve_ivp
from scipy.special import exprel

import vrest.derive
from vrest.derive.builtin import resolve_model
from vrest.derive.constants import V, Vol
from vrest.derive.derivation import NotApplicable
from vrest.derive.errors import ModelWarning
from vrest.derive.modelfile import model_from_text
from vrest.derive.quantities import Derivations
from vrest.derive.steady_state import scenario_values, steady_state
from vrest.derive.derivations.time_constants import jacobian, linearise

R = mpmath.mpf("8.314462618")
F = mpmath.mpf("96485.33212")


def _pumpleak_text(capacitance: str = "1 uF/cm^2") -> str:
    text = (Path(vrest.derive.__file__).parent / "models" / "pumpleak.toml").read_text()
    return text.replace('capacitance = "1 uF/cm^2"', f'capacitance = "{capacitance}"')


def test_tau_slow_matches_the_late_relaxation_of_an_ode_integration():
    model = resolve_model("pumpleak")
    tau_slow = Derivations(model).get("tau_slow").value
    star = steady_state(model)
    rhs = model.rhs()
    states = list(rhs)
    values = scenario_values(model)
    f = sp.lambdify([states], [rhs[s].xreplace(values) for s in states],
                    modules=[{"exprel": exprel}, "numpy"])
    y_star = np.array([star[s] for s in states])
    y0 = y_star.copy()
    # A charge-neutral perturbation (Na+ for K+, and a volume change): the cell returns to the same state.
    k, na = states.index(sp.Symbol("N_K", positive=True)), states.index(sp.Symbol("N_Na", positive=True))
    y0[na] += 0.05 * y_star[na]
    y0[k] -= 0.05 * y_star[na]
    y0[states.index(Vol)] *= 1.01
    t = np.linspace(3 * tau_slow, 6 * tau_slow, 40)
    sol = solve_ivp(lambda t, y: f(y), (0, t[-1]), y0, method="Radau", rtol=1e-12,
                    atol=1e-14 * np.abs(y_star), t_eval=t)
    assert sol.success
    distance = np.abs(sol.y[states.index(Vol)] - y_star[states.index(Vol)])
    slope = np.polyfit(t, np.log(distance), 1)[0]
    assert -1 / slope == pytest.approx(tau_slow, rel=1e-3)


def _tau_m_at(model, point) -> float:
    """C_m / (d I_leak/dV) from the textbook GHK currents at a state (amounts -> concentrations)."""
    values = {p.name: mpmath.mpf(p.value.p) / p.value.q for p in model.parameters}
    T = values["T"]
    volume = mpmath.mpf(point[Vol])

    def leak(v):
        total = 0
        for ion in model.ions:
            z = ion.valence
            ci = mpmath.mpf(point[ion.amount]) / volume
            co = values[f"{ion.name}_o"]
            u = z * F * v / (R * T)
            total += values[f"P_{ion.name}"] * z * F * u * (ci - co * mpmath.exp(-u)) / (1 - mpmath.exp(-u))
        return total

    return float(values["C_m"] / mpmath.diff(leak, mpmath.mpf(point[V])))


def test_fast_time_constant_is_tau_m():
    model = resolve_model("pumpleak")
    lin = linearise(model)
    fast = lin.time_constants[-1]
    tau_m = _tau_m_at(model, lin.point)
    # Differs only by the capacitive coupling of V to the amounts, C_m A R T/(F^2 Vol c) ~ 1e-3 here ...
    assert fast == pytest.approx(tau_m, rel=1e-3)
    # ... which vanishes with C_m: a 1000 times smaller capacitance gives agreement to 1e-6.
    small = model_from_text(_pumpleak_text("0.001 uF/cm^2"))
    lin_small = linearise(small)
    assert lin_small.time_constants[-1] == pytest.approx(_tau_m_at(small, lin_small.point), rel=1e-6)


def test_the_full_jacobian_has_the_conserved_charge_zero_eigenvalue():
    model = resolve_model("pumpleak")
    lin = linearise(model)
    states, J = jacobian(model)
    at = {**scenario_values(model), **{s: sp.Float(v, 30) for s, v in lin.point.items()}}
    scale = np.array([abs(lin.point[s]) for s in states])
    numeric = np.array(J.xreplace(at).evalf(30).tolist(), dtype=float) * scale[None, :] / scale[:, None]
    eigen = np.sort(np.linalg.eigvals(numeric).real)
    assert np.min(np.abs(eigen)) < 1e-9 * np.max(np.abs(eigen))
    others = np.sort([lam.real for lam in lin.eigenvalues])
    nonzero = np.sort(eigen[np.argsort(np.abs(eigen))[1:]])
    np.testing.assert_allclose(nonzero, others, rtol=1e-6)


def test_tau_slow_not_applicable_without_concentration_dynamics():
    with pytest.raises(NotApplicable, match="only state"):
        Derivations(resolve_model("neuron")).get("tau_slow")


def test_two_state_model_has_closed_form_eigenvalues(write_model):
    from vrest.derive.modelfile import load_model

    data = {
        "model": {"name": "k_only", "temperature": "37 degC"},
        "membrane": {"capacitance": "1 uF/cm^2", "area": "1000 um^2", "volume": "2000 um^3"},
        "ions": {"K": {"valence": 1, "inside": "140 mM", "outside": "4 mM", "permeability": "1e-6 cm/s"},
                 "Na": {"valence": 1, "inside": "12 mM", "outside": "145 mM", "permeability": "3e-7 cm/s"}},
        "pump": {"current": "0.5 uA/cm^2", "stoichiometry": {"Na": 3, "K": -2}},
        "impermeant": {"concentration": "152 mM", "valence": -1},
    }
    with pytest.warns(ModelWarning, match=r"the bath is not electroneutral: K_o \+ Na_o = 149 mM against no anions"):
        model = load_model(write_model(data))
    lin = linearise(model)
    assert lin.closed_form is not None and len(lin.closed_form) == 2
    at = {**scenario_values(model), **{s: sp.Float(v, 30) for s, v in lin.point.items()}}
    closed = sorted(float(sp.re(e.xreplace(at).evalf(30))) for e in lin.closed_form)
    assert closed == pytest.approx(sorted(lam.real for lam in lin.eigenvalues), rel=1e-9)
