"""Writes the converted copies of the public models kept here (run from this folder; needs libcellml and myokit).

cellml2/NAME.cellml: the CellML 1.0 file NAME.cellml as CellML 2.0, by libcellml's parser (non-strict:
it reads CellML 1.x and represents it in 2.0) and printer. The annotations in RDF are dropped by the
conversion, so these files test the readers' other ways of finding the membrane potential.
BIOMD0000000020_l3v2.xml: BioModels' SBML Level 2 file BIOMD0000000020.xml as SBML Level 3 Version 2, by
libsbml's level conversion (needs python-libsbml).
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).parent
TO_CELLML2 = ("noble_model_1962", "luo_rudy_1991", "beeler_reuter_model_1977",
              "hodgkin_huxley_squid_axon_model_1952_modified", "ten_tusscher_model_2006_epi",
              "courtemanche_ramirez_nattel_1998", "mcallister_noble_tsien_1975_b", "fox_mcharg_gilmour_2002",
              "ohara_rudy_2011_endo")


def to_cellml2(name: str) -> None:
    import libcellml

    parser = libcellml.Parser(False)
    model = parser.parseModel((HERE / f"{name}.cellml").read_text(encoding="utf-8"))
    errors = [parser.issue(i).description() for i in range(parser.issueCount())
              if parser.issue(i).level() == libcellml.Issue.Level.ERROR]
    if errors:
        sys.exit(f"{name}: {errors[0]}")
    (HERE / "cellml2").mkdir(exist_ok=True)
    (HERE / "cellml2" / f"{name}.cellml").write_text(libcellml.Printer().printModel(model), encoding="utf-8")


def to_sbml_level3(name: str) -> None:
    import libsbml

    document = libsbml.readSBMLFromFile(str(HERE / f"{name}.xml"))
    if not document.setLevelAndVersion(3, 2, True) or document.getNumErrors(libsbml.LIBSBML_SEV_ERROR):
        sys.exit(f"{name}: the conversion to SBML Level 3 failed")
    libsbml.writeSBMLToFile(document, str(HERE / f"{name}_l3v2.xml"))


if __name__ == "__main__":
    for model_name in TO_CELLML2:
        to_cellml2(model_name)
    to_sbml_level3("BIOMD0000000020")
