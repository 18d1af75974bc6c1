"""Plausible ranges of every value vrest reads: one table, applied where input enters.

Each range has two bands:

- ``refuse``: outside it the value cannot describe a cell (a temperature at which no
  water is liquid, a concentration denser than any liquid, a membrane that insulates
  better than any material). Reading it raises a ModelError naming the key, the value
  and the allowed range (exit code 2 from the command line).
- ``usual``: outside it the value is physical but unusual for a living cell (37 K, a
  10 M salt). Reading it warns (UnusualValueWarning, one line naming the key and the
  value) and the work goes on.

A key gets the range of the dimension it is read in (derive.units.DIMENSIONS names) or of
the kind its reader names ("valence", "factor", ...); a key that needs a range of its own
gets one line in RANGES under its dotted path, "*" standing for any name (such as
``"pump.q10": Limits("1", "1", "10", ...)``). COUNTS bounds sizes: names, texts, files, ions.

Pure Python (no SymPy, no pint): the command line checks its arguments with it on the
path of a cached ``vrest simulate``, which imports neither.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from fnmatch import fnmatchcase
from fractions import Fraction

from .errors import ModelError, ModelWarning

__all__ = ["FRACTION_OPEN", "Limits", "RANGES", "COUNTS", "UnusualValueWarning", "limits_for", "check", "check_count",
           "check_number", "markdown_table"]


# The end of a gate's state description (derive.model): an open fraction, its start within 0..1.
FRACTION_OPEN = "(fraction open)"


class UnusualValueWarning(ModelWarning):
    """A value that is physical but unusual for a living cell: named, then used."""


# SI value of one display unit of the table (pure Python: the warm command line has no pint).
_SI = {"K": Fraction(1), "mM": Fraction(1), "mS/cm^2": Fraction(10), "cm/s": Fraction(1, 100),
       "cm/s/Pa": Fraction(1, 100), "uF/cm^2": Fraction(1, 100), "uA/cm^2": Fraction(1, 100),
       "um^2": Fraction(1, 10**12), "um^3": Fraction(1, 10**18), "s": Fraction(1), "mV": Fraction(1, 1000),
       "fmol": Fraction(1, 10**15), "1": Fraction(1)}


@dataclass(frozen=True)
class Limits:
    """A range in ``unit``: refuse outside [low, high]; warn outside [usual_low, usual_high].

    ``too_low``/``too_high`` say why a value beyond each refusal bound cannot be physical;
    ``usual`` says what living cells have; ``keys`` what is read with it. Bounds are decimal
    strings, exact in SI.
    """

    unit: str
    low: str
    high: str
    too_low: str
    too_high: str
    usual_low: str | None = None
    usual_high: str | None = None
    usual: str = ""
    keys: str = ""  # what is read with this range (for the documentation)

    def si(self, bound: str | None) -> Fraction | None:
        return None if bound is None else Fraction(bound) * _SI[self.unit]

    def show(self, bound: str) -> str:
        """A bound as written in the table, with its unit (and in degC for temperatures)."""
        if self.unit == "1":
            return bound
        extra = f" ({float(Fraction(bound) - Fraction('273.15')):g} degC)" if self.unit == "K" else ""
        return f"{bound} {self.unit}{extra}"

    @property
    def allowed(self) -> str:
        return f"{self.show(self.low)} to {self.show(self.high)}"


RANGES: dict[str, Limits] = {
    # -- by dimension (derive.units.DIMENSIONS) ---------------------------------------------------------
    "temperature": Limits(
        "K", "1", "647.096",
        "below 1 K every liquid but helium is frozen: no solution of ions, no cell",
        "above the critical point of water (647.096 K) no water is liquid: no cell",
        "253.15", "395.15", "living cells: -20 degC (bacteria in sea-ice brine) to 122 degC (Methanopyrus kandleri)",
        keys="model.temperature, pump.q10_reference, channels.*.q10_reference"),
    "concentration": Limits(
        "mM", "1e-15", "1e5",
        "below 1e-15 mM (1 aM) a nanolitre, far more than a cell's volume, holds less than one particle",
        "above 1e5 mM (100 M) the solution would be denser than any liquid (pure water is 55.5 M)",
        "1e-9", "6000", "cells: 1 pM (free Zn2+) to 6 M (saturated NaCl, where halophiles live)",
        keys="ions.*.inside, ions.*.outside, pump.K_half_Na, pump.K_half_K, impermeant.concentration, "
             "impermeant.amount / membrane.volume, bath.impermeant"),
    "conductance per area": Limits(
        "mS/cm^2", "1e-12", "1e7",
        "below 1e-12 mS/cm^2 (1e15 Ohm cm^2) a membrane would insulate a million times better than a bare "
        "lipid bilayer (1e8-1e9 Ohm cm^2)",
        "above 1e7 mS/cm^2 a membrane would conduct more than one packed with the largest channels "
        "(~1e5 per um^2 at 250 pS: ~2.5e6 mS/cm^2)",
        "1e-6", "1000", "leak conductances of cells: 1e-6 to 1000 mS/cm^2",
        keys="ions.*.conductance, channels.*.conductance"),
    "permeability": Limits(
        "cm/s", "1e-20", "100",
        "below 1e-20 cm/s an ion would cross a million times more slowly than through a bare lipid "
        "bilayer (~1e-14 cm/s)",
        "above 100 cm/s an ion would cross faster than it diffuses through a membrane-thick layer of water "
        "(D/d = 2e-5 cm^2/s / 5 nm = 40 cm/s)",
        "1e-14", "0.01", "membrane permeabilities of ions: 1e-14 (bare bilayer) to 1e-2 cm/s",
        keys="ions.*.permeability, channels.*.permeability, pump.rate_per_Na"),
    "hydraulic permeability": Limits(
        "cm/s/Pa", "1e-22", "1e-4",
        "below 1e-22 cm/s/Pa (osmotic permeability P_f ~ 1e-14 cm/s) water would cross a membrane more "
        "slowly than any ion does",
        "above 1e-4 cm/s/Pa (P_f ~ 1e4 cm/s) water would cross faster than through a membrane of open "
        "aquaporins",
        "1e-14", "1e-8", "cells: P_f from 1e-5 cm/s (tight bilayers) to 1 cm/s (aquaporins), "
        "L_p = P_f v_w / (R T) = 1e-14 to 1e-8 cm/s/Pa",
        keys="membrane.water_permeability"),
    "capacitance per area": Limits(
        "uF/cm^2", "1e-6", "1000",
        "below 1e-6 uF/cm^2 the membrane would be a dielectric over a millimetre thick",
        "above 1000 uF/cm^2 the membrane would be thinner than one atom at the permittivity of water "
        "(80 eps0 / 0.3 nm = 240 uF/cm^2)",
        "0.001", "10", "cell membranes: ~1 uF/cm^2 (0.001 with many wraps of myelin)",
        keys="membrane.capacitance"),
    "current per area": Limits(
        "uA/cm^2", "0", "1e4",
        "a pump carries no current against its own cycle",
        "above 1e4 uA/cm^2 the membrane would carry more than one packed with the fastest transporters "
        "(~2e4 per um^2 at 5000 cycles/s: ~1600 uA/cm^2)",
        "0", "100", "pump currents of cells: 0.1 to 10 uA/cm^2",
        keys="pump.current (its size; its sign is the direction of the pump), pump.max_current, the pump rate "
             "times a scenario's factor"),
    "area": Limits(
        "um^2", "1e-3", "1e12",
        "below 1e-3 um^2 the membrane is smaller than the smallest lipid vesicle (~20 nm across)",
        "above 1e12 um^2 (1 m^2) the membrane is larger than any single cell (siphonous algae: ~0.1 m^2)",
        "1", "1e9", "cells: 1 um^2 (small bacteria) to 1e9 um^2 (a squid giant axon is ~2e8 um^2)",
        keys="membrane.area"),
    "volume": Limits(
        "um^3", "1e-6", "1e15",
        "below 1e-6 um^3 the cell is smaller than the smallest lipid vesicle (~20 nm across)",
        "above 1e15 um^3 (1 L) the cell is larger than any (an ostrich egg yolk is ~0.5 L)",
        "0.01", "1e12", "cells: 0.01 um^3 (mycoplasma) to 1e12 um^3 (1 mL, large eggs)",
        keys="membrane.volume"),
    "amount": Limits(
        "fmol", "1e-9", "1e17",
        "below 1e-9 fmol there is less than one particle (one is 1.66e-9 fmol)",
        "above 1e17 fmol (100 mol) the amount would not fit in the largest cell (1 L at 1e5 mM)",
        keys="impermeant.amount"),
    "time": Limits(
        "s", "0", "1e11",
        "times are counted from the start of a run: a negative time is before it",
        "above 1e11 s (3200 years) no cell lives that long",
        keys="scenario.*.at, scenario.*.steps[*].at, simulate --times"),
    "voltage": Limits(
        "mV", "-2000", "2000",
        "below -2 V a membrane breaks down (electroporation near 0.5-1 V), and no ion gradient in water "
        "gives such a reversal potential",
        "above +2 V a membrane breaks down (electroporation near 0.5-1 V), and no ion gradient in water "
        "gives such a reversal potential",
        "-250", "250", "reversal potentials of cells: -250 to +250 mV",
        keys="ions.*.reversal, channels.*.reversal, membrane.initial_potential"),
    # -- by kind (numbers without units) -----------------------------------------------------------------
    "valence": Limits(
        "1", "-10", "10",
        "a charge below -10 belongs to a polyelectrolyte, not to an ion that crosses a membrane",
        "a charge above +10 belongs to a polyelectrolyte, not to an ion that crosses a membrane",
        "-3", "3", "ions that cross membranes carry 1 to 3 charges",
        keys="ions.*.valence"),
    "impermeant valence": Limits(
        "1", "-1000", "1000",
        "a mean charge below -1000 per particle is more than any soluble molecule of a cell carries",
        "a mean charge above +1000 per particle is more than any soluble molecule of a cell carries",
        "-50", "50", "trapped anions (proteins, metabolites): a mean charge of -0.5 to -50 per particle",
        keys="impermeant.valence"),
    "stoichiometry": Limits(
        "1", "-10", "10",
        "no transporter moves more than a few ions of one kind per cycle (Na/K-ATPase: 3, NCKX: 4)",
        "no transporter moves more than a few ions of one kind per cycle (Na/K-ATPase: 3, NCKX: 4)",
        "-4", "4", "transporters move 1 to 4 ions of one kind per cycle",
        keys="pump.stoichiometry.*"),
    "factor": Limits(
        "1", "0", "1e6",
        "a factor on a rate or conductance cannot be negative",
        "a factor above 1e6 on a rate or conductance takes it out of every physical range",
        "0", "100", "drugs and ion substitutions change rates by factors of 0 to 100",
        keys="a scenario step's factors (scale = {...}, set = { pump = F })"),
    "pump.q10": Limits(
        "1", "1", "10",
        "a Q10 below 1 would slow the pump as the cell warms: enzymes speed up with temperature",
        "a Q10 above 10 (an activation energy above 190 kJ/mol near 37 degC) is beyond any enzyme's",
        "1.5", "5", "the Na/K-ATPase: Q10 of 2 to 4",
        keys="pump.q10"),
    "channels.*.q10": Limits(
        "1", "1", "10",
        "a Q10 below 1 would slow a channel's gating as the cell warms",
        "a Q10 above 10 is beyond any channel's gating (activation energies up to ~150 kJ/mol)",
        "1.5", "6", "gating of voltage-gated channels: Q10 of 2 to 4 (Hodgkin & Huxley: 3)",
        keys="channels.*.q10"),
    "channels.*.gates.*.power": Limits(
        "1", "1", "8",
        "a gate enters the current at least once",
        "no channel has more than a few identical gates (Hodgkin & Huxley's K channel: 4)",
        "1", "4", "Hodgkin-Huxley gates: powers 1 to 4",
        keys="channels.*.gates.*.power"),
    "pump.hill_*": Limits(
        "1", "0.1", "10",
        "an exponent below 0.1 makes a site's activation a step at K_half: no binding is that unselective",
        "an exponent above 10 would need more than 10 ions bound cooperatively per site",
        "0.5", "4", "Hill exponents of pump sites: 1 to 3",
        keys="pump.hill_Na, pump.hill_K"),
    "*stimulus.current": Limits(
        "uA/cm^2", "-1e4", "1e4",
        "below -1e4 uA/cm^2 an injected current would charge 1 uF/cm^2 of membrane by 10 V in a millisecond: no "
        "electrode passes it without destroying the cell",
        "above 1e4 uA/cm^2 an injected current would charge 1 uF/cm^2 of membrane by 10 V in a millisecond: no "
        "electrode passes it without destroying the cell",
        "-1000", "1000", "stimuli of excitable cells: 1 to 100 uA/cm^2 in size, a cardiac pacing pulse 50 to 100",
        keys="stimulus.current (either sign: positive depolarises)"),
    "tolerance": Limits(
        "1", "1e-15", "0.1",
        "below 1e-15 a tolerance asks for more digits than double precision holds (2.2e-16 per operation)",
        "above 0.1 a run may be off by more than 10 %: not an answer",
        keys="simulate --rtol, --atol"),
    "duration": Limits(
        "s", "1e-12", "1e11",
        "a run shorter than 1 ps is shorter than an ion takes to move an angstrom: the continuum equations "
        "of vrest do not hold there",
        "above 1e11 s (3200 years) no cell lives that long",
        keys="simulate --t-end, and the last of simulate --times (except --times '0 s': the start state alone)"),
}

# Sizes: counts of things in a model file, lengths of texts and numbers (all inclusive maxima).
COUNTS: dict[str, int] = {
    "file bytes": 1_000_000,  # a model file is a few kilobytes
    "ions": 12,  # the ions that matter at rest (K, Na, Cl, Ca, Mg, H, HCO3, ...); each adds a state to solve for
    "channels": 32,
    "gates": 8,  # of one channel
    "scenarios": 32,
    "steps": 100,  # of one scenario
    "name characters": 64,  # model and scenario names become file names and ids
    "ion name characters": 16,
    "text characters": 20_000,  # description, source
    "number characters": 40,  # a number's digits, sign and point (no measurement has 40 digits)
    "exponent": 400,  # |e| in 1e-15: beyond +-400 no value is in any range
    "unit characters": 64,
    "unit nesting": 4,  # parentheses in a unit: mol/(m^2*s)
    "output times": 100_000,  # vrest simulate --times
}


def limits_for(key: str, kind: str) -> Limits:
    """The range of ``key``: its own entry of RANGES if one matches its dotted path, else its kind's."""
    for pattern, limits in RANGES.items():
        if ("." in pattern or pattern.startswith("-")) and fnmatchcase(key, pattern):
            return limits
    return RANGES[kind]


def _describe(key: str, text: object, value: Fraction, limits: Limits) -> str:
    """``key = 'text'``, with the value in the range's unit when the text has another unit."""
    written = text if text is not None else value
    shown = f"{key} = {written!r}" if key else repr(written)
    if limits.unit == "1" or not isinstance(text, str) or text.split(None, 1)[-1].strip() == limits.unit:
        return shown
    return f"{shown} ({float(value / _SI[limits.unit]):g} {limits.unit})"


def check(key: str, value: Fraction | int | float, kind: str, text: object = None, hint: str = "",
          warn: bool = True) -> Fraction:
    """``value`` (SI) for ``key`` if within its refusal range; a ModelError otherwise.

    ``text`` is the value as written (shown in messages), ``hint`` an addition to them (such as
    "did you mean '37 degC'?"). Outside the usual range (and with ``warn``) an UnusualValueWarning
    names key and value.
    """
    shown_text = text if text is not None else (float(value) if isinstance(value, Fraction) else value)
    if isinstance(value, float) and not math.isfinite(value):
        raise ModelError(key, shown_text, "expected a finite number")
    value = Fraction(value)
    limits = limits_for(key, kind)
    low, high = limits.si(limits.low), limits.si(limits.high)
    suffix = f"; {hint}" if hint else ""
    if value < low or value > high:
        reason = limits.too_low if value < low else limits.too_high
        if value <= 0 < low:
            raise ModelError(key, shown_text, f"must be positive, within {limits.allowed}: {reason}{suffix}")
        raise ModelError(key, shown_text, f"outside the allowed range {limits.allowed}: {reason}{suffix}")
    usual_low, usual_high = limits.si(limits.usual_low), limits.si(limits.usual_high)
    if warn and usual_low is not None and not usual_low <= value <= usual_high:
        side = (f"below {limits.show(limits.usual_low)}" if value < usual_low
                else f"above {limits.show(limits.usual_high)}")
        warnings.warn(UnusualValueWarning(
            f"{_describe(key, text, value, limits)} is {side}, unusual for a living cell "
            f"({limits.usual}); used as given{suffix}"), stacklevel=3)
    return value


def check_number(key: str, value: object, kind: str, integer: bool = True, zero: bool = False) -> int | Fraction:
    """A unitless number from a model file (valence, stoichiometry, factor): its type, then its range.

    ``integer``: whole numbers only; ``zero``: whether 0 is allowed.
    """
    what = "an integer" if integer else "a number"
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not isinstance(value, int)):
        raise ModelError(key, value, f"expected {what}{'' if zero else ' other than 0'}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ModelError(key, value, f"expected a finite number, within {limits_for(key, kind).allowed}")
    if value == 0 and not zero:
        raise ModelError(key, value, "must be non-zero")
    exact = check(key, Fraction(value) if isinstance(value, int) else Fraction(str(value)), kind, value)
    return int(exact) if integer else exact


def check_count(key: str, count: int, what: str, value: object = None) -> None:
    """A ModelError naming ``key`` when ``count`` exceeds COUNTS[what]."""
    limit = COUNTS[what]
    if count > limit:
        raise ModelError(key, value, f"{count} {what}, more than the {limit} allowed")


def markdown_table() -> str:
    """The ranges and sizes as Markdown tables (the user documentation carries them verbatim)."""
    rows = ["| range | read for | refused outside | warned outside (unusual for a living cell) |", "|---|---|---|---|"]
    for name, limits in RANGES.items():
        usual = (f"{limits.show(limits.usual_low)} to {limits.show(limits.usual_high)}"
                 if limits.usual_low is not None else "-")
        rows.append(f"| {name} | {limits.keys} | {limits.allowed} | {usual} |")
    rows += ["", "| size | at most |", "|---|---|"]
    rows += [f"| {what} | {limit} |" for what, limit in COUNTS.items()]
    return "\n".join(rows)
