"""A channel naming an ion the model lacks is the error, before the ion it meant is blamed for having no leak."""

from __future__ import annotations

from conftest import run_cli

MODEL = {
    "model": {"name": "t", "temperature": "20 degC"},
    "membrane": {"capacitance": "1 uF/cm^2"},
    "ions": {"K": {"valence": 1, "inside": "140 mM", "outside": "5 mM"}},
    "channels": {"K1": {"ion": "Ca", "conductance": "0.5 mS/cm^2", "units": {"V": "mV", "t": "ms"},
                        "open_fraction": "1/(1 + exp((V + 80)/12))"}},
}


def test_the_channels_ion_is_named_not_the_ions_missing_leak(write_model):
    code, out, err = run_cli("rest", str(write_model(MODEL)))
    assert code == 2 and out == ""
    assert err == "vrest: error: channels.K1.ion = 'Ca': the model has no ion of that name (its ions: K)\n"


def test_an_ion_no_channel_carries_still_needs_a_leak(write_model):
    model = {**MODEL, "channels": {"K1": {**MODEL["channels"]["K1"], "ion": "K"}},
             "ions": {**MODEL["ions"], "Na": {"valence": 1, "inside": "10 mM", "outside": "140 mM"}}}
    code, _, err = run_cli("rest", str(write_model(model)))
    assert code == 2
    assert err.startswith("vrest: error: ions.Na: give exactly one of 'conductance' (ohmic leak) or 'permeability'")
