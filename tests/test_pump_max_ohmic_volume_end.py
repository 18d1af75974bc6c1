"""An ohmic pump-leak cell whose steady states run to the end of finite volumes at V = 0, and Newton that reaches them.

The cell (a draw of test_pump_max's pump_leak_models(), written out here as that strategy writes it): 25 degC,
instant water, K, Na and Cl with ohmic leaks, a constant 3:2 pump, impermeant anions (z = -1) inside and a
salt-only bath. At a steady state each leak balances its pump share, with J the pump current (outward) and
vt = R T/F:

    g_K (V - E_K) = 2 J,  g_Na (V - E_Na) = -3 J,  g_Cl (V - E_Cl) = 0,   E_X = (vt/z) ln(X_o/X_i)
    K_i = K_o exp((2 J/g_K - V)/vt),  Na_i = Na_o exp(-(3 J/g_Na + V)/vt),  Cl_i = Cl_o exp(V/vt)

water follows osmolarity at once, A_i = osm_out - K_i - Na_i - Cl_i (A_i = N_A/Vol), and the cell holds only
its membrane capacitor's charge: C_m A V = F Vol (K_i + Na_i - Cl_i - A_i). That leaves one equation in V:

    h(V) = K_i + Na_i - Cl_i - A_i - C_m A V A_i/(F N_A) = 0.

An ohmic Na leak never empties the cell (Na_i > 0 always), but past ~2 uA/cm^2 Na_i is below 1e-6 mM and the
cell is a K salt: K_i + Na_i = osm_out/2 fixes V = 2 J/g_K - vt ln(osm_out/(2 K_o)) (+ a trace of Na), which
rises with J. The physical steady states end where A_i = 0 (the volume grows without bound): h = 0 with A_i = 0
gives K_i + Na_i = Cl_i = osm_out/2, so

    V_end = vt ln(osm_out/(2 Cl_o))          (0 for an electroneutral bath)
    K_o exp((2 J/g_K - V_end)/vt) + Na_o exp(-(3 J/g_Na + V_end)/vt) = osm_out/2   ->  J = pump_max.

A_i falls linearly to 0 there (no fold): the steady state exists at every current below. vrest once called
this end a fold (A_i rounded to exactly 0 at the bisection's upper end) and found no steady state from 8.8 to
9.94 uA/cm^2 (Na_i ~ 1e-43 mM made mpmath's LU call a well-posed Newton system singular).
"""

from __future__ import annotations

import mpmath
import pytest

from vrest.derive.derivation import WORKING_DIGITS, NoSteadyState
from vrest.derive.modelfile import model_from_dict
from vrest.derive.quantities import Derivations
from vrest.derive.steady_state import damped_newton, steady_state

R, F = "8.314462618", "96485.33212"  # CODATA 2018, exact; read at the test's precision
K_O, NA_O = 3.009, 141.29  # the draw's bath (mM), as floats: the strategy writes Cl_o = f"{K_O + NA_O}"


def drawn_cell(current: str = "0.1702 uA/cm^2") -> dict:
    return {"model": {"name": "generated", "temperature": "25 degC"},
            "membrane": {"capacitance": "1 uF/cm^2", "area": "1000 um^2", "volume": "2000 um^3",
                         "water_permeability": "instant"},
            "ions": {"K": {"valence": 1, "inside": "100.0 mM", "outside": f"{K_O} mM", "conductance": "0.2 mS/cm^2"},
                     "Na": {"valence": 1, "inside": "5.0 mM", "outside": f"{NA_O} mM",
                            "conductance": "0.01 mS/cm^2"},
                     "Cl": {"valence": -1, "inside": "3.0 mM", "outside": f"{K_O + NA_O} mM",  # 144.29899999999998
                            "conductance": "0.1 mS/cm^2"}},
            "pump": {"current": current, "stoichiometry": {"Na": 3, "K": -2}},
            "impermeant": {"concentration": "102 mM", "valence": -1}}


_SI = {"mM": "1", "mS/cm^2": "10", "uA/cm^2": "1e-2", "uF/cm^2": "1e-2", "um^2": "1e-12", "um^3": "1e-18"}


def _si(text: str) -> mpmath.mpf:
    value, unit = text.split()
    return mpmath.mpf(value) * mpmath.mpf(_SI[unit])


class Written:
    """The steady state of drawn_cell() from the equations of the module docstring (SI, mpmath 50 digits)."""

    def __init__(self) -> None:
        data = drawn_cell()
        ions = data["ions"]
        celsius = mpmath.mpf(data["model"]["temperature"].removesuffix(" degC"))
        self.vt = mpmath.mpf(R) * (celsius + mpmath.mpf("273.15")) / mpmath.mpf(F)
        self.out = {x: _si(ions[x]["outside"]) for x in ("K", "Na", "Cl")}
        self.g = {x: _si(ions[x]["conductance"]) for x in ("K", "Na", "Cl")}
        self.osm_out = sum(self.out.values())
        self.n_a = _si(data["impermeant"]["concentration"]) * _si(data["membrane"]["volume"])  # N_A (mol)
        membrane = data["membrane"]
        self.capacitor = _si(membrane["capacitance"]) * _si(membrane["area"]) / (mpmath.mpf(F) * self.n_a)

    def inside(self, v, j) -> tuple:
        """(K_i, Na_i, Cl_i, A_i) with every leak balancing its pump share, A_i from water balance."""
        k = self.out["K"] * mpmath.exp((2 * j / self.g["K"] - v) / self.vt)
        na = self.out["Na"] * mpmath.exp(-(3 * j / self.g["Na"] + v) / self.vt)
        cl = self.out["Cl"] * mpmath.exp(v / self.vt)
        return k, na, cl, self.osm_out - k - na - cl

    def h(self, v, j):
        k, na, cl, a = self.inside(v, j)
        return k + na - cl - a - self.capacitor * v * a

    def potential(self, j):
        """The root of h in (-100 mV, 0): h > 0 at -100 mV (K_i huge), < 0 just below 0 for J < pump_max."""
        return mpmath.findroot(lambda v: self.h(v, j), (mpmath.mpf("-0.1"), mpmath.mpf("-1e-30")), solver="anderson")

    def end(self) -> tuple:
        """(V, J) where A_i = 0."""
        v = self.vt * mpmath.log(self.osm_out / (2 * self.out["Cl"]))
        j = mpmath.findroot(lambda j: sum(self.inside(v, j)[:2]) - self.osm_out / 2, mpmath.mpf("0.1"))
        return v, j


@pytest.fixture(scope="module")
def written():
    with mpmath.workdps(50):
        yield Written()


def test_the_written_out_family_reaches_a_i_0_without_a_fold(written):
    """The test's own equations: A_i > 0 up to pump_max, falling linearly to 0 (9.9437468393473301494 uA/cm^2)."""
    with mpmath.workdps(50):
        v_end, j_end = written.end()
        assert j_end * 100 == pytest.approx(9.9437468393473301494, rel=1e-15)
        assert abs(v_end) < 2e-18  # Cl_o is 2e-14 mM short of K_o + Na_o: V_end = 1.78e-18 V
        for gap in ("1e-3", "1e-6", "1e-9"):
            j = j_end * (1 - mpmath.mpf(gap))
            v = written.potential(j)
            k, na, cl, a = written.inside(v, j)
            assert min(k, na, cl) > 0 and a > 0
            # K_i ~ osm_out/2 and V ~ -2 (J_end - J)/g_K: A_i ~ Cl_o (1 - exp(V/vt)) ~ 2 Cl_o (J_end - J)/(g_K vt),
            # a finite slope: A_i crosses 0 (no fold, where it would go as a square root)
            slope = 2 * written.out["Cl"] / (written.g["K"] * written.vt)
            assert a / (j_end - j) == pytest.approx(float(slope), rel=10 * float(gap))


def test_pump_max_is_where_the_volume_grows_without_bound(written):
    pump_max = Derivations(model_from_dict(drawn_cell())).get("pump_max")
    with mpmath.workdps(50):
        v_end, j_end = written.end()
    assert pump_max.value == pytest.approx(float(j_end), rel=1e-13)
    assert "N_A/Vol falls to 0" in pump_max.description  # the volume's end, not a fold
    at = {symbol.name: value for symbol, value in pump_max.at}
    assert at["A_i"] == 0 and at["I_pump"] == pump_max.value
    assert at["V"] == pytest.approx(float(v_end), abs=1e-20)
    assert 0 < at["Na_i"] < 1e-45  # an ohmic leak keeps a trace of Na


@pytest.mark.parametrize("current", ["0.1702", "5", "8.8", "9", "9.5", "9.9", "9.94"])
def test_v_ss_exists_up_to_pump_max(written, current):
    derived = Derivations(model_from_dict(drawn_cell(f"{current} uA/cm^2")))
    with mpmath.workdps(50):
        j = mpmath.mpf(current) / 100
        v = written.potential(j)
        volume = written.n_a / written.inside(v, j)[3]  # Vol = N_A/A_i
    assert derived.get("V_ss").value == pytest.approx(float(v), rel=1e-12)
    assert derived.get("volume_ss").value == pytest.approx(float(volume), rel=1e-12)


def test_v_ss_at_9_uA_per_cm2_written_out():
    """The numbers of the written-out equations at 9 uA/cm^2, for the record: V = -9.43744945849 mV and
    Vol = 4598.784 um^3 (Na_i 4.7e-44 mM)."""
    state = Derivations(model_from_dict(drawn_cell("9 uA/cm^2")))
    assert state.get("V_ss").value * 1000 == pytest.approx(-9.43744945849204, rel=1e-12)
    assert state.get("volume_ss").value * 1e18 == pytest.approx(4598.784, rel=1e-6)


def test_above_pump_max_the_reason_is_the_volume_not_newton(written):
    with pytest.raises(NoSteadyState) as caught:
        steady_state(model_from_dict(drawn_cell("10 uA/cm^2")))
    message = str(caught.value)
    assert "too strong" in message and "9.94375 uA/cm^2 at which the volume grows without bound" in message
    assert "no isolated steady state" not in message


def test_newton_solves_a_well_posed_system_with_one_huge_row():
    """x = 1, y = 2 - 1e-3 x: a Jacobian [[1e45, 0], [1e-3, 1]] is far from singular, although its norm times
    the working precision exceeds the second pivot (mpmath's own singularity test)."""
    def f(x, y):
        return [mpmath.mpf(10) ** 45 * (x - 1), y - 2 + x / 1000]

    def jac(x, y):
        return mpmath.matrix([[mpmath.mpf(10) ** 45, 0], [mpmath.mpf(1) / 1000, 1]])

    with mpmath.workdps(WORKING_DIGITS):
        x, y = damped_newton(f, jac, [mpmath.mpf(3), mpmath.mpf(5)], positive=[True, True])
        assert x == 1 and abs(y - mpmath.mpf("1.999")) < mpmath.mpf(10) ** -35
