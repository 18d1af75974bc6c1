"""A model read from a file as numeric code: the NumPy module and the C99 source vrest itself runs it with
(codegen.exporters.system_module: rhs, analytic Jacobian, the file's named quantities, rate factors).
The stimulus is a switch in the code (its ``STIMULUS`` says how to turn it on), off by default."""

from __future__ import annotations

from vrest.derive.system import OdeSystem

from ..system_module import system_code, system_file_stem
from . import system_exporter


@system_exporter("numpy", "NumPy module: rhs, analytic Jacobian and the file's quantities")
def numpy_module(system: OdeSystem, keep_stimulus: bool) -> dict[str, str]:
    return {f"{system_file_stem(system)}.py": system_code(system).numpy}


@system_exporter("c", "C99 source: rhs, analytic Jacobian and the file's quantities")
def c_source(system: OdeSystem, keep_stimulus: bool) -> dict[str, str]:
    return {f"{system_file_stem(system)}.c": system_code(system).c}
