"""Pump forms, fractional impermeant charge and the zero-charge steady state, each against the
defining equations written and solved here (mpmath at 40 digits)."""

from __future__ import annotations

import copy
import json
import warnings

import mpmath
import pytest

from conftest import run_cli
from vrest.derive.constants import V
from vrest.derive.derivation import NotApplicable
from vrest.derive.errors import ModelWarning
from vrest.derive.modelfile import model_from_dict
from vrest.derive.quantities import Derivations
from vrest.derive.steady_state import steady_state

R, F = mpmath.mpf("8.314462618"), mpmath.mpf("96485.33212")
mpf = mpmath.mpf

# Gabbiani & Cox, Mathematics for Neuroscientists, the NaKrest/NaKdyn models: bath K 4, Na 116, Cl 120 mM and
# 68 mM of impermeant solute (S = 308 mM in all), P_K 5e-5, P_Na 5e-7, P_Cl 5e-3 cm/s, Na efflux lambda [Na]_i
# with lambda = 1e-5 cm/s and K influx 2 lambda [Na]_i / 3, 1.55e-6 umol of impermeant anions (z = -1).
# Their membrane area, 0.8e-5 cm^2, cannot enclose the ~1e4 um^3 the cell settles at (a sphere of it holds
# 2128 um^3, and vrest refuses such a file): here 2300 um^2, the sphere that holds it. Only the capacitor's
# charge sees the area (1.8e-4 mV of V).
GABBIANI_COX = {
    "model": {"name": "nakrest", "temperature": "300 K"},
    "membrane": {"capacitance": "1 uF/cm^2", "area": "2300 um^2", "volume": "10000 um^3",
                 "water_permeability": "instant"},
    "ions": {"K": {"valence": 1, "inside": "140 mM", "outside": "4 mM", "permeability": "5e-5 cm/s"},
             "Na": {"valence": 1, "inside": "25 mM", "outside": "116 mM", "permeability": "5e-7 cm/s"},
             "Cl": {"valence": -1, "inside": "10 mM", "outside": "120 mM", "permeability": "5e-3 cm/s"}},
    "pump": {"rate_per_Na": "1e-5 cm/s", "stoichiometry": {"Na": 3, "K": -2}},
    "impermeant": {"amount": "1550 fmol", "valence": -1},
    "bath": {"impermeant": "68 mM"},
}


def _gabbiani_cox(capacitor: bool) -> tuple[mpmath.mpf, mpmath.mpf]:
    """(V, volume) in SI: their flux balances with v = F V/(R T), osmotic balance, and electroneutrality (plus,
    with ``capacitor``, the membrane capacitor's charge C_m A V / (F w) on the charge side)."""
    T, lam, p_k, p_na = mpf(300), mpf("1e-7"), mpf("5e-7"), mpf("5e-9")  # SI
    k_e, n_e, cl_e, s = mpf(4), mpf(116), mpf(120), mpf(308)
    q, area, c_m = mpf("1.55e-12"), mpf("2.3e-9"), mpf("0.01")

    def inside(v):
        ev = mpmath.exp(v)
        n_i = n_e * v / ((lam / p_na) * (ev - 1) + v * ev)
        k_i = k_e / ev + n_i * (2 * lam / (3 * p_k)) * (ev - 1) / (v * ev)
        return n_i, k_i, cl_e * ev

    def equations(v, w_um3):
        w = w_um3 * mpf("1e-18")
        n_i, k_i, cl_i = inside(v)
        charge = c_m * area * v * R * T / F / (F * w) if capacitor else 0
        return [n_i + k_i + cl_i + q / w - s, n_i + k_i - cl_i - q / w - charge]

    with mpmath.workdps(40):
        v, w = mpmath.findroot(equations, (mpf(-3), mpf(10000)))
        return v * R * T / F, w * mpf("1e-18")


def test_gabbiani_cox_steady_state():
    model = model_from_dict(GABBIANI_COX)
    assert model.pump.form == "proportional" and model.pump.rate.name == "lambda_pump"
    state = steady_state(model)
    volume = Derivations(model).get("volume_ss")
    v_exact, w_exact = _gabbiani_cox(capacitor=True)
    assert state[V] * 1e3 == pytest.approx(float(v_exact) * 1e3, abs=1e-9)
    assert volume.value == pytest.approx(float(w_exact), rel=1e-10)  # SI, m^3
    v_gc, _ = _gabbiani_cox(capacitor=False)  # their electroneutral form: the capacitor's 0.001 mM moves V a little
    assert state[V] * 1e3 == pytest.approx(float(v_gc) * 1e3, abs=2e-3)
    assert float(v_gc) * 1e3 == pytest.approx(-75.0, abs=15)  # a resting potential, as their figure shows


def test_gabbiani_cox_pump_current_and_derivations():
    """I_pump = F lambda [Na]_i / 3 (3 Na out, 2 K in: one charge per cycle); every derivation handles the form."""
    model = model_from_dict(GABBIANI_COX)
    d = Derivations(model)
    na_i, lam = mpf(25), mpf("1e-7")
    assert float(model.pump_current.xreplace(model.values)) == pytest.approx(float(F * lam * na_i / 3), rel=1e-15)
    assert d.get("V_ss").method == "numeric root"
    mullins = d.get("V_mullins_noda")  # applies: GHK K and Na leaks, coupling ratio 3/2
    assert mullins.method == "closed form"
    assert d.get("tau_slow").value > 1  # the rundown: seconds
    with pytest.raises(NotApplicable, match="where steady states exist, the pump current approaches"):
        d.get("pump_max")


def _lr_model() -> dict:
    return {
        "model": {"name": "lr", "temperature": "27 degC"},
        "membrane": {"capacitance": "1 uF/cm^2"},
        "ions": {"K": {"valence": 1, "inside": "140 mM", "outside": "5.4 mM", "conductance": "0.2 mS/cm^2"},
                 "Na": {"valence": 1, "inside": "10 mM", "outside": "140 mM", "conductance": "0.02 mS/cm^2"}},
        "pump": {"max_current": "1.5 uA/cm^2", "K_half_Na": "10 mM", "K_half_K": "1.5 mM", "binding": "hill",
                 "hill_Na": 1.5, "hill_K": 1, "voltage_dependence": "luo_rudy_1994", "q10": 3,
                 "q10_reference": "37 degC"},
        "scenario": {"warm": {"steps": [{"at": "0 s", "set": {"model.temperature": "37 degC"}},
                                        {"at": "20 ms", "scale": {"pump": 0.5}}]}},
    }


def _lr_pump(V, T):
    """Luo & Rudy (1994)'s I_NaK (A/m^2) with a Q10 of 3 about 37 C: I_max f_NaK / (1 + (K_m,Nai/Na_i)^1.5)
    K_o / (K_o + K_m,Ko), f_NaK = 1/(1 + 0.1245 e^(-0.1 F V/(R T)) + 0.0365 sigma e^(-F V/(R T))),
    sigma = (e^(Na_o/67.3) - 1)/7."""
    sigma = (mpmath.exp(mpf(140) / mpf("67.3")) - 1) / 7
    u = F * V / (R * T)
    f = 1 / (1 + mpf("0.1245") * mpmath.exp(-u / 10) + mpf("0.0365") * sigma * mpmath.exp(-u))
    return mpf("0.015") * f / (1 + (mpf(10) / 10) ** mpf("1.5")) * mpf("5.4") / (mpf("5.4") + mpf("1.5")) * \
        3 ** ((T - mpf("310.15")) / 10)


def _lr_root(T):
    def current(V):
        e_k, e_na = R * T / F * mpmath.log(mpf("5.4") / 140), R * T / F * mpmath.log(mpf(140) / 10)
        return 2 * (V - e_k) + mpf("0.2") * (V - e_na) + _lr_pump(V, T)

    with mpmath.workdps(40):
        return mpmath.findroot(current, mpf("-0.08"))


def test_hill_exponents_voltage_factor_and_q10():
    model = model_from_dict(_lr_model())
    with mpmath.workdps(40):
        T = mpf("300.15")
        for v in ("-0.08", "0", "0.02"):
            pump = model.pump_current.xreplace({**model.values, V: mpmath.mpf(v)})
            assert float(pump) == pytest.approx(float(_lr_pump(mpf(v), T)), rel=1e-14)
        v_ss = _lr_root(T)
    derived = Derivations(model).get("V_ss")
    assert derived.method == "numeric root"  # the pump depends on V: no chord form
    assert derived.value == pytest.approx(float(v_ss), abs=1e-14)


def test_temperature_step_uses_q10_and_rt_over_f():
    """Step 1 warms the cell to the pump's reference temperature (factor 1); step 2 halves the pump."""
    from vrest.derive.derivations.scenario import scenario_report

    model = model_from_dict(_lr_model())
    warm, halved = scenario_report(model, "warm").steps
    assert warm.quantities["V_jump"].value == pytest.approx(float(_lr_root(mpf("310.15"))), abs=1e-13)
    with mpmath.workdps(40):
        T = mpf("310.15")

        def current(V):
            e_k, e_na = R * T / F * mpmath.log(mpf("5.4") / 140), R * T / F * mpmath.log(mpf(140) / 10)
            return 2 * (V - e_k) + mpf("0.2") * (V - e_na) + _lr_pump(V, T) / 2

        root = mpmath.findroot(current, mpf("-0.08"))
    assert halved.quantities["V_jump"].value == pytest.approx(float(root), abs=1e-13)


def test_pump_forms_export_valid_and_every_simulator_agrees(write_model):
    """The Luo-Rudy pump (Hill exponent 1.5, f_NaK(V), Q10) with a two-step scenario (a temperature step, then a
    pump factor): SBML and CellML valid, and vrest crosscheck's six simulators reproduce V_ss and the course."""
    from test_export_xml import cellml_issues, sbml_issues

    from vrest.codegen.exporters.cellml import export_cellml
    from vrest.codegen.exporters.sbml import export_sbml

    model = model_from_dict(_lr_model())
    (sbml,), (cellml,) = export_sbml(model).values(), export_cellml(model).values()
    assert sbml_issues(sbml) == [] and cellml_issues(cellml) == []
    code, out, err = run_cli("crosscheck", str(write_model(_lr_model())))
    assert code == 0, out + err
    rows = [line for line in out.splitlines()[2:] if line.strip()]
    assert len(rows) == 6 and all(row.rstrip().endswith("yes") for row in rows), out


PUMP_ERRORS = [
    ("two rates", {"current": "1 uA/cm^2", "rate_per_Na": "1e-6 cm/s"}, ["pump", "exactly one", "current and rate_per_Na"]),
    ("hill without max_current", {"current": "1 uA/cm^2", "hill_Na": 2}, ["pump.hill_Na", "saturating"]),
    ("q10 reference without q10", {"current": "1 uA/cm^2", "q10_reference": "37 degC"},
     ["pump.q10_reference", "needs pump.q10"]),
    ("q10 not a number", {"current": "1 uA/cm^2", "q10": "3"}, ["pump.q10", "positive number"]),
    ("unknown voltage form", {"current": "1 uA/cm^2", "voltage_dependence": "luo"},
     ["pump.voltage_dependence", "'luo'", "luo_rudy_1994"]),
    ("rate of wrong dimension", {"rate_per_Na": "1e-6 uA/cm^2"}, ["pump.rate_per_Na", "not a permeability"]),
    ("unknown binding", {"max_current": "1 uA/cm^2", "K_half_Na": "10 mM", "K_half_K": "1 mM", "binding": "mwc"},
     ["pump.binding", "'mwc'", "independent"]),
    ("negative hill exponent", {"max_current": "1 uA/cm^2", "K_half_Na": "10 mM", "K_half_K": "1 mM", "hill_K": -1},
     ["pump.hill_K", "positive number"]),
]


@pytest.mark.parametrize("pump, words", [c[1:] for c in PUMP_ERRORS], ids=[c[0] for c in PUMP_ERRORS])
def test_bad_pump_is_one_line(write_model, pump, words):
    data = copy.deepcopy(_lr_model())
    del data["scenario"]
    data["pump"] = pump
    code, out, err = run_cli("derive", str(write_model(data)))
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, err
    for word in words:
        assert word in err, (word, err)


# -- fractional impermeant charge ------------------------------------------------------------------


def _donnan_cell(valence) -> dict:
    return {"model": {"name": "donnan", "temperature": "25 degC"}, "membrane": {"capacitance": "1 uF/cm^2"},
            "ions": {"K": {"valence": 1, "inside": "100 mM", "outside": "100 mM", "conductance": "0.1 mS/cm^2"},
                     "Cl": {"valence": -1, "inside": "50 mM", "outside": "100 mM", "conductance": "0.1 mS/cm^2"}},
            "impermeant": {"concentration": "50 mM", "valence": valence}}


def test_donnan_ratio_with_fractional_charge():
    """z_A = -1.2: electroneutrality 100 r - 100/r - 1.2 * 50 = 0 inside, its positive root by mpmath."""
    d = Derivations(model_from_dict(_donnan_cell(-1.2)))
    with mpmath.workdps(40):
        ratio = mpmath.findroot(lambda r: 100 * r - 100 / r - mpf("1.2") * 50, 1.3)
        potential = -R * mpf("298.15") / F * mpmath.log(ratio)
    assert d.get("donnan_ratio").value == pytest.approx(float(ratio), rel=1e-12)
    assert d.get("V_donnan").value == pytest.approx(float(potential), rel=1e-12)
    assert d.get("donnan_ratio").method == "closed form"  # monovalent permeant ions: still the quadratic


@pytest.mark.parametrize("valence", [-1.0, -0.85, 2.5])
def test_any_nonzero_real_impermeant_valence_is_accepted(valence):
    model = model_from_dict(_donnan_cell(valence))
    assert float(model.values[model.symbols["z_A"]]) == valence


@pytest.mark.parametrize("valence, words", [(0, ["non-zero"]), (0.0, ["non-zero"]), ("-1", ["number"]),
                                            (True, ["number"])])
def test_bad_impermeant_valence(write_model, valence, words):
    code, _, err = run_cli("derive", str(write_model(_donnan_cell(valence))))
    assert code == 2 and "impermeant.valence" in err and all(w in err for w in words)


# -- the zero-charge steady state ------------------------------------------------------------------


IMBALANCED = {  # K 140, Na 15, Cl 10, impermeant 155 mM (z = -1): -10 mM of net charge, no pump, fixed volume
    "model": {"name": "imbalanced", "temperature": "37 degC"},
    "membrane": {"capacitance": "1 uF/cm^2", "area": "1000 um^2", "volume": "2000 um^3"},
    "ions": {"K": {"valence": 1, "inside": "140 mM", "outside": "5 mM", "permeability": "1e-6 cm/s"},
             "Na": {"valence": 1, "inside": "15 mM", "outside": "145 mM", "permeability": "1e-8 cm/s"},
             "Cl": {"valence": -1, "inside": "10 mM", "outside": "150 mM", "permeability": "5e-7 cm/s"}},
    "impermeant": {"concentration": "155 mM", "valence": -1},
}


def _donnan_with_capacitor(extra_charge=0):
    """V (SI) where every ion is at its Nernst potential (X_i = X_o r^z, V = -R T ln r / F) and the bulk charge
    F Vol (sum z X_i + z_A A_i) equals the capacitor's, C_m A V, plus ``extra_charge`` (C)."""
    T, vol, area = mpf("310.15"), mpf("2e-15"), mpf("1e-9")

    def charge(s):  # s = ln r
        r = mpmath.exp(s)
        bulk = 5 * r + 145 * r - 150 / r - 155
        return F * vol * bulk - mpf("0.01") * area * (-R * T / F * s) - extra_charge

    with mpmath.workdps(40):
        s = mpmath.findroot(charge, mpf("0.2"))
        return -R * T / F * s


def test_steady_state_has_zero_net_charge_whatever_the_file_says():
    with pytest.warns(ModelWarning, match=r"-10 mM of net charge \(sum z c = 140 K_i \+ 15 Na_i - 10 Cl_i - 155"):
        state = steady_state(model_from_dict(IMBALANCED))
    expected = _donnan_with_capacitor()
    assert state[V] * 1e3 == pytest.approx(float(expected) * 1e3, abs=1e-9)
    # the file's concentrations are only the start: any other start gives the same state
    model = model_from_dict(IMBALANCED)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ModelWarning)
        moved = {s: v * 1.3 if s != V else 0.0 for s, v in state.items()}
        assert steady_state(model, start=moved)[V] == pytest.approx(state[V], abs=1e-15)


def test_the_start_state_found_once_still_warns_every_time():
    """simulate's start state is found once per model and process; the imbalance is still said on each use."""
    from vrest.codegen.simulation.integrate import start_state

    model = model_from_dict(IMBALANCED)
    for _ in range(2):
        with pytest.warns(ModelWarning, match="-10 mM of net charge"):
            state = start_state(model)
    assert state[0] * 1e3 == pytest.approx(float(_donnan_with_capacitor()) * 1e3, abs=1e-9)


def test_start_given_keeps_the_files_charge_and_ends_elsewhere(write_model):
    """With --start given the -10 mM imbalance stays in the cell: its end state is the Donnan state carrying that
    charge, solved here; the CLI warns once, on one line, and still runs."""
    path = str(write_model(IMBALANCED))
    code, out, err = run_cli("simulate", path, "--start", "given", "--times", "0 s,200 h", "--json")
    assert code == 0, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("vrest: warning: model imbalanced: ") and "-10 mM" in lines[0]
    doc = json.loads(out)
    v0 = mpf(doc["states"]["V"]["values"][0]) / 1000
    q0 = mpf("0.01") * mpf("1e-9") * v0 - F * mpf("2e-15") * (140 + 15 - 10 - 155)  # C_m A V - F Vol sum z c
    end = _donnan_with_capacitor(extra_charge=-q0)  # F Vol bulk - C_m A V = -Q0
    assert doc["states"]["V"]["values"][-1] == pytest.approx(float(end) * 1e3, abs=1e-4)
    steady = float(_donnan_with_capacitor()) * 1e3
    assert abs(float(end) * 1e3 - steady) > 0.5  # the charge the file carries moves the state by most of a mV
