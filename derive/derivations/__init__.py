"""The physics results, one module per result: each registers its quantity ids (derive.registry).

potentials (E_X, V_ghk, V_leak, V_ss, dV_pump), conductance (g_leak, tau_m), mullins_noda,
donnan, pumpleak (volume_ss), pump_range (pump_max), time_constants (tau_slow), fast_time_constant
(tau_fast), reduced (V slaved to the concentrations) and ouabain (the pump-block experiment).
"""
