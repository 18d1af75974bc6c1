"""ODE systems written by hand for the resting-state tests (SI units throughout)."""

from __future__ import annotations

import sympy as sp

from vrest.derive.model import Parameter, State
from vrest.derive.system import TIME, OdeSystem, Quantity, Roles


def symbols(names: str) -> tuple[sp.Symbol, ...]:
    return sp.symbols(names, real=True)


def parameters(values: dict[sp.Symbol, object], units: dict[str, str] | None = None) -> tuple[Parameter, ...]:
    units = units or {}
    return tuple(Parameter(s, sp.nsimplify(v), units.get(s.name, ""), "") for s, v in values.items())


# Hodgkin & Huxley (1952), modern sign convention, 6.3 C; V in volts and rates in 1/s, so that
# alpha_m = 1000 * 0.1 (v + 40)/(1 - exp(-(v + 40)/10)) with v = 1000 V the voltage in mV.
HH_VALUES = {"g_Na": 1200, "g_K": 360, "g_L": 3, "E_Na": "0.050", "E_K": "-0.077", "E_L": "-0.054387",
             "C_m": "0.01", "I_amp": "0.1", "f_stim": 50}


def hh_system(stimulus: bool = True) -> OdeSystem:
    """HH with a stimulus current that depends on time (a sine of amplitude I_amp): off at rest."""
    V, m, h, n = symbols("V m h n")
    g_Na, g_K, g_L, E_Na, E_K, E_L, C_m, I_amp, f_stim = symbols("g_Na g_K g_L E_Na E_K E_L C_m I_amp f_stim")
    I_Na, I_K, I_L, I_stim = symbols("I_Na I_K I_L I_stim")
    v = 1000 * V
    alpha_m = 1000 * sp.Rational(1, 10) * (v + 40) / (1 - sp.exp(-(v + 40) / 10))
    beta_m = 1000 * 4 * sp.exp(-(v + 65) / 18)
    alpha_h = 1000 * sp.Rational(7, 100) * sp.exp(-(v + 65) / 20)
    beta_h = 1000 / (1 + sp.exp(-(v + 35) / 10))
    alpha_n = 1000 * sp.Rational(1, 100) * (v + 55) / (1 - sp.exp(-(v + 55) / 10))
    beta_n = 1000 * sp.Rational(1, 8) * sp.exp(-(v + 65) / 80)
    quantities = (
        Quantity(I_Na, g_Na * m**3 * h * (V - E_Na), "uA/cm^2"),
        Quantity(I_K, g_K * n**4 * (V - E_K), "uA/cm^2"),
        Quantity(I_L, g_L * (V - E_L), "uA/cm^2"),
        Quantity(I_stim, I_amp * sp.sin(2 * sp.pi * f_stim * TIME), "uA/cm^2"),
    )
    states = (
        State(V, -(I_Na + I_K + I_L - I_stim) / C_m, sp.Rational(-60, 1000), "mV", "membrane potential"),
        State(m, alpha_m * (1 - m) - beta_m * m, sp.Rational(5, 100), "", "Na activation"),
        State(h, alpha_h * (1 - h) - beta_h * h, sp.Rational(6, 10), "", "Na inactivation"),
        State(n, alpha_n * (1 - n) - beta_n * n, sp.Rational(32, 100), "", "K activation"),
    )
    names = dict(zip("g_Na g_K g_L E_Na E_K E_L C_m I_amp f_stim".split(),
                     (g_Na, g_K, g_L, E_Na, E_K, E_L, C_m, I_amp, f_stim)))
    units = {"g_Na": "mS/cm^2", "g_K": "mS/cm^2", "g_L": "mS/cm^2", "E_Na": "mV", "E_K": "mV", "E_L": "mV",
             "C_m": "uF/cm^2", "I_amp": "uA/cm^2", "f_stim": "Hz"}
    return OdeSystem("hh_by_hand", "Hodgkin-Huxley 1952 written out", "Hodgkin & Huxley (1952) J Physiol 117:500",
                     states, parameters({names[k]: v for k, v in HH_VALUES.items()}, units),
                     Roles(V, (I_Na, I_K, I_L), I_stim if stimulus else None, C_m), quantities)


def sigmoid(v, half, slope):
    return 1 / (1 + sp.exp(-(v - half) / slope))


BISTABLE_VALUES = {"g_L": 1, "E_L": "-0.070", "g_NaP": 2, "E_Na": "0.055", "g_K": 5, "E_K": "-0.090",
                   "C_m": "0.01", "tau_w": "0.005"}


def bistable_system() -> OdeSystem:
    """V and one slow K gate w, with a persistent (instantaneous) Na current: three equilibria."""
    V, w = symbols("V w")
    g_L, E_L, g_NaP, E_Na, g_K, E_K, C_m, tau_w = symbols("g_L E_L g_NaP E_Na g_K E_K C_m tau_w")
    I_L, I_NaP, I_K = symbols("I_L I_NaP I_K")
    quantities = (
        Quantity(I_L, g_L * (V - E_L), "uA/cm^2"),
        Quantity(I_NaP, g_NaP * sigmoid(V, sp.Rational(-45, 1000), sp.Rational(5, 1000)) * (V - E_Na), "uA/cm^2"),
        Quantity(I_K, g_K * w * (V - E_K), "uA/cm^2"),
    )
    states = (
        State(V, -(I_L + I_NaP + I_K) / C_m, sp.Rational(-65, 1000), "mV", "membrane potential"),
        State(w, (sigmoid(V, sp.Rational(-20, 1000), sp.Rational(8, 1000)) - w) / tau_w, sp.Rational(1, 10), "",
              "K activation"),
    )
    names = {s.name: s for s in (g_L, E_L, g_NaP, E_Na, g_K, E_K, C_m, tau_w)}
    return OdeSystem("bistable", "persistent Na and a slow K gate", "written for the tests", states,
                     parameters({names[k]: v for k, v in BISTABLE_VALUES.items()}),
                     Roles(V, (I_L, I_NaP, I_K), None, C_m), quantities)


FHN_VALUES = {"a": "0.7", "b": "0.8", "eps": "0.08", "I": "0.5"}


def fitzhugh_nagumo() -> OdeSystem:
    """FitzHugh-Nagumo (dimensionless) in its oscillating regime: one unstable equilibrium, a limit cycle."""
    v, w = symbols("v w")
    a, b, eps, current = symbols("a b eps I")
    states = (State(v, v - v**3 / 3 - w + current, sp.Integer(-1), "", "voltage-like variable"),
              State(w, eps * (v + a - b * w), sp.Integer(1), "", "recovery variable"))
    names = {"a": a, "b": b, "eps": eps, "I": current}
    return OdeSystem("fhn", "FitzHugh-Nagumo", "FitzHugh R (1961) Biophys J 1:445", states,
                     parameters({names[k]: x for k, x in FHN_VALUES.items()}), Roles(v, (), None, sp.Integer(1)))


# A spherical cell of radius 3 um: K and Na leaks, a 3:2 pump, K and Na inside free (charge conserved),
# calcium exchanged between cytosol, a buffer and a store (total calcium conserved), and a
# calcium-activated K conductance that couples the two.
CONSERVED_VALUES = {"R": "8.314462618", "T": "310.15", "F": "96485.33212", "C_m": "0.01", "area_per_volume": 1000000,
                    "K_o": 5, "Na_o": 140, "g_K": 3, "g_Na": "0.3", "g_KCa": 2, "K_d": "0.0005", "I_max": "0.2",
                    "K_half": 10, "k_on": 100000, "k_off": 100, "B_total": "0.05", "v_up": "0.5", "K_up": "0.0003",
                    "k_leak": "0.02"}
CONSERVED_START = {"V": "-0.080", "K_i": 140, "Na_i": 12, "Ca_i": "0.0001", "CaB": "0.0045", "Ca_SR": "0.4"}


def conserved_system() -> OdeSystem:
    V, K_i, Na_i, Ca_i, CaB, Ca_SR = symbols("V K_i Na_i Ca_i CaB Ca_SR")
    names = {k: sp.Symbol(k, real=True) for k in CONSERVED_VALUES}
    s = names
    E_K = s["R"] * s["T"] / s["F"] * sp.log(s["K_o"] / K_i)
    E_Na = s["R"] * s["T"] / s["F"] * sp.log(s["Na_o"] / Na_i)
    I_K, I_Na, I_p = symbols("I_K I_Na I_p")
    quantities = (
        Quantity(I_K, (s["g_K"] + s["g_KCa"] * Ca_i / (Ca_i + s["K_d"])) * (V - E_K), "uA/cm^2"),
        Quantity(I_Na, s["g_Na"] * (V - E_Na), "uA/cm^2"),
        Quantity(I_p, s["I_max"] * Na_i / (Na_i + s["K_half"]), "uA/cm^2"),
    )
    to_conc = s["area_per_volume"] / s["F"]
    binding = s["k_on"] * Ca_i * (s["B_total"] - CaB) - s["k_off"] * CaB
    uptake = s["v_up"] * Ca_i**2 / (Ca_i**2 + s["K_up"] ** 2) - s["k_leak"] * (Ca_SR - Ca_i)
    start = {k: sp.nsimplify(v) for k, v in CONSERVED_START.items()}
    states = (
        State(V, -(I_K + I_Na + I_p) / s["C_m"], start["V"], "mV", "membrane potential"),
        State(K_i, -(I_K - 2 * I_p) * to_conc, start["K_i"], "mM", "K inside"),
        State(Na_i, -(I_Na + 3 * I_p) * to_conc, start["Na_i"], "mM", "Na inside"),
        State(Ca_i, -binding - uptake, start["Ca_i"], "mM", "free Ca in the cytosol"),
        State(CaB, binding, start["CaB"], "mM", "Ca bound to the buffer"),
        State(Ca_SR, uptake, start["Ca_SR"], "mM", "Ca in the store (same volume)"),
    )
    return OdeSystem("conserved", "charge and total calcium conserved", "written for the tests", states,
                     parameters({names[k]: v for k, v in CONSERVED_VALUES.items()}), Roles(V, (I_K, I_Na, I_p), None,
                                                                                          s["C_m"]), quantities)


SLOW_FEEDBACK_VALUES = {"g_L": 1, "E_L": "-0.050", "g_z": 3, "E_K": "-0.090", "C_m": "0.01", "tau_z": 1,
                        "V_half": "-0.070", "k_z": "0.003"}


def slow_feedback_system() -> OdeSystem:
    """A fast V and a slow variable z that is not a gate (its rate is nonlinear in z): hyperpolarisation
    raises z, z opens a K conductance, so three equilibria, found only by following z at fixed V."""
    V, z = symbols("V z")
    names = {k: sp.Symbol(k, real=True) for k in SLOW_FEEDBACK_VALUES}
    s = names
    I_L, I_z = symbols("I_L I_z")
    quantities = (Quantity(I_L, s["g_L"] * (V - s["E_L"]), "uA/cm^2"),
                  Quantity(I_z, s["g_z"] * z * (V - s["E_K"]), "uA/cm^2"))
    z_inf = 1 / (1 + sp.exp((V - s["V_half"]) / s["k_z"]))
    states = (State(V, -(I_L + I_z) / s["C_m"], sp.Rational(-60, 1000), "mV", "membrane potential"),
              State(z, (z_inf - z) * (1 + z) / s["tau_z"], sp.Rational(1, 2), "", "slow K activation"))
    return OdeSystem("slow_feedback", "slow positive feedback through a K conductance", "written for the tests",
                     states, parameters({names[k]: v for k, v in SLOW_FEEDBACK_VALUES.items()}),
                     Roles(V, (I_L, I_z), None, s["C_m"]), quantities)


MARKOV_VALUES = {"g_K": 20, "E_K": "-0.090", "g_L": 1, "E_L": "-0.040", "C_m": "0.01"}


def markov_rates(v):
    """(a1, b1, a2, b2) in 1/s of C1 <-> C2 <-> O at v volts (exp works on SymPy and mpmath numbers)."""
    exp = sp.exp if isinstance(v, sp.Basic) else __import__("mpmath").exp
    return (200 * exp((v + sp.Rational(50, 1000)) / sp.Rational(20, 1000)),
            100 * exp(-(v + sp.Rational(50, 1000)) / sp.Rational(20, 1000)),
            400 * exp((v + sp.Rational(60, 1000)) / sp.Rational(15, 1000)), 300)


def markov_system() -> OdeSystem:
    """A leak and a K channel with three states C1 <-> C2 <-> O (occupancies sum to 1)."""
    V, c1, c2, o = symbols("V C1 C2 O")
    names = {k: sp.Symbol(k, real=True) for k in MARKOV_VALUES}
    s = names
    a1, b1, a2, b2 = markov_rates(V)
    I_K, I_L = symbols("I_K I_L")
    quantities = (Quantity(I_K, s["g_K"] * o * (V - s["E_K"]), "uA/cm^2"),
                  Quantity(I_L, s["g_L"] * (V - s["E_L"]), "uA/cm^2"))
    states = (State(V, -(I_K + I_L) / s["C_m"], sp.Rational(-60, 1000), "mV", "membrane potential"),
              State(c1, -a1 * c1 + b1 * c2, sp.Rational(1, 2), "", "closed 1"),
              State(c2, a1 * c1 - (b1 + a2) * c2 + b2 * o, sp.Rational(3, 10), "", "closed 2"),
              State(o, a2 * c2 - b2 * o, sp.Rational(2, 10), "", "open"))
    return OdeSystem("markov", "a Markov K channel", "written for the tests", states,
                     parameters({names[k]: v for k, v in MARKOV_VALUES.items()}), Roles(V, (I_K, I_L), None, s["C_m"]),
                     quantities)


BUFFERED_VALUES = {"R": "8.314462618", "T": "310.15", "F": "96485.33212", "C_m": "0.01", "area_per_volume": 1000000,
                   "K_o": 5, "Na_o": 140, "Ca_o": 2, "g_K": 3, "g_Na": "0.3", "g_Ca": "0.01", "I_max": "0.2",
                   "K_half": 10, "I_pCa": "0.005", "K_pCa": "0.0005", "B_total": "0.05", "K_B": "0.001"}
BUFFERED_START = {"V": "-0.080", "K_i": 140, "Na_i": 12, "Ca_i": "0.0001"}


def buffered_system() -> OdeSystem:
    """Charge conserved with calcium rapidly buffered: the law holds for K_i + Na_i + 2 total(Ca_i), where
    total(Ca) = Ca + B Ca/(K_B + Ca) (free and bound), and C_m V."""
    V, K_i, Na_i, Ca_i = symbols("V K_i Na_i Ca_i")
    s = {k: sp.Symbol(k, real=True) for k in BUFFERED_VALUES}
    rt_f = s["R"] * s["T"] / s["F"]
    I_K, I_Na, I_p, I_Ca, I_pCa, beta = symbols("I_K I_Na I_p I_Ca I_pCa_current beta")
    quantities = (
        Quantity(I_K, s["g_K"] * (V - rt_f * sp.log(s["K_o"] / K_i)), "uA/cm^2"),
        Quantity(I_Na, s["g_Na"] * (V - rt_f * sp.log(s["Na_o"] / Na_i)), "uA/cm^2"),
        Quantity(I_p, s["I_max"] * Na_i / (Na_i + s["K_half"]), "uA/cm^2"),
        Quantity(I_Ca, s["g_Ca"] * (V - rt_f / 2 * sp.log(s["Ca_o"] / Ca_i)), "uA/cm^2"),
        Quantity(I_pCa, s["I_pCa"] * Ca_i / (Ca_i + s["K_pCa"]), "uA/cm^2"),
        Quantity(beta, 1 / (1 + s["B_total"] * s["K_B"] / (s["K_B"] + Ca_i) ** 2)),
    )
    to_conc = s["area_per_volume"] / s["F"]
    start = {k: sp.nsimplify(v) for k, v in BUFFERED_START.items()}
    states = (
        State(V, -(I_K + I_Na + I_p + I_Ca + I_pCa) / s["C_m"], start["V"], "mV", "membrane potential"),
        State(K_i, -(I_K - 2 * I_p) * to_conc, start["K_i"], "mM", "K inside"),
        State(Na_i, -(I_Na + 3 * I_p) * to_conc, start["Na_i"], "mM", "Na inside"),
        State(Ca_i, -beta * (I_Ca + I_pCa) * to_conc / 2, start["Ca_i"], "mM", "free Ca inside (rapidly buffered)"),
    )
    return OdeSystem("buffered", "charge conserved through a rapid calcium buffer", "written for the tests", states,
                     parameters({s[k]: v for k, v in BUFFERED_VALUES.items()}),
                     Roles(V, (I_K, I_Na, I_p, I_Ca, I_pCa), None, s["C_m"]), quantities)
