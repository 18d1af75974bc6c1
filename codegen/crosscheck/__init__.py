"""Cross-checks: run a model's exports in the real simulators and compare them with vrest's own answer.

``check`` holds the runner registry, the job and the comparison (and the libRoadRunner and
libcellml runners); ``script_runners`` and ``lems_runners`` register NEURON, Brian2, jnml and
PyLEMS; ``reference`` is vrest's own reference integration.
"""

from . import lems_runners, script_runners  # noqa: F401 - registering the runners is their import
from .check import COURSE_TOLERANCE_MV, SIMULATORS, V_SS_TOLERANCE_MV, crosscheck, make_job

__all__ = ["COURSE_TOLERANCE_MV", "SIMULATORS", "V_SS_TOLERANCE_MV", "crosscheck", "make_job"]
