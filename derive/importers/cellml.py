"""CellML 1.0, 1.1 and 2.0 files as vrest ODE systems, read with Myokit's CellML parsers.

The file is read safely first (derive.importers.xmlsafe); the version comes from the root
element's namespace. Oxmeta annotations (the RDF that the Physiome repository's and Chaste's
cardiac models carry, inside a variable or at the model level) are read here, from any
rdf:Description whose rdf:about names a cmeta:id, and handed to the variables before
Myokit builds its model. CellML imports are resolved inside the model's own folder only.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

from ..errors import ModelError, ModelWarning
from ..system import OdeSystem
from .myokit_system import import_myokit, myokit_errors, to_system
from .xmlsafe import inside_folder, local_name, read_xml

__all__ = ["read_cellml", "imported_files", "CELLML_NAMESPACES"]

CELLML_NAMESPACES = {
    "http://www.cellml.org/cellml/1.0#": "1.0",
    "http://www.cellml.org/cellml/1.1#": "1.1",
    "http://www.cellml.org/cellml/2.0#": "2.0",
}
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_BQBIOL = "http://biomodels.net/biology-qualifiers/"
_CMETA = "http://www.cellml.org/metadata/1.0#"
OXMETA = "https://chaste.comlab.ox.ac.uk/cellml/ns/oxford-metadata#"
_XLINK = "http://www.w3.org/1999/xlink"
_NO_CONVERSION = re.compile(r"Unable to determine unit conversion factor for (?P<variable>\S+), "
                            r"from (?P<target>\S+) to (?P<source>\S+?)\.?$")
_NO_INITIAL = re.compile(r'State Variable\[@name="(?P<variable>[^"]+)"\] in Component\[@name="(?P<component>[^"]+)"\] '
                         r"has no initial value")


def _oxmeta(root) -> dict[str, str]:
    """cmeta:id -> oxmeta term, from every rdf:Description in the file."""
    out = {}
    for description in root.iter(f"{{{_RDF}}}Description"):
        about = description.get(f"{{{_RDF}}}about", "")
        if not about.startswith("#"):
            continue
        for is_ in description.iter(f"{{{_BQBIOL}}}is"):  # the resource on it, or in an rdf:Bag (SBML's MIRIAM form)
            for element in is_.iter():
                resource = element.get(f"{{{_RDF}}}resource", "")
                if resource.startswith(OXMETA):
                    out[about[1:]] = resource[len(OXMETA):]
    return out


def _version(root, path: Path) -> str:
    namespace = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    version = CELLML_NAMESPACES.get(namespace)
    if version is None or root.tag.split("}")[-1] != "model":
        raise ModelError(f"{path.name}: <{root.tag.split('}')[-1]}>", namespace or None,
                         "not a CellML model (CellML 1.0, 1.1 or 2.0 <model> element expected)")
    return version


def _imports(root, namespace: str, path: Path, seen: set[Path]) -> list[Path]:
    """Every file the model imports, recursively, each checked to lie in the model's folder and read safely."""
    out = []
    for element in root.iter(f"{{{namespace}}}import"):
        href = element.get(f"{{{_XLINK}}}href")
        key = f"{path.name}: <import xlink:href>"
        if not href:
            raise ModelError(key, None, "an import without a file")
        target = inside_folder(path.parent, href, key)
        if target in seen:
            continue
        seen.add(target)
        child = read_xml(target, key)
        out.append(target)
        out.extend(_imports(child, namespace if child.tag.startswith(f"{{{namespace}}}") else
                            child.tag[1:].split("}")[0], target, seen))
    return out


def imported_files(path: Path) -> list[Path]:
    """The files a CellML model imports, at any depth (each checked to lie in its folder); none for a file that is
    not CellML (whatever its name)."""
    root = read_xml(path)
    namespace = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    if local_name(root) != "model" or namespace not in CELLML_NAMESPACES:
        return []
    return _imports(root, namespace, path, set())


def read_cellml(path: str | Path, *, voltage: str | None = None, stimulus: str | None = None) -> OdeSystem:
    """The ODE system of a CellML file (1.0, 1.1 or 2.0); ModelError naming the element for a bad file."""
    import_myokit()
    import myokit.formats.cellml.v1 as v1
    import myokit.formats.cellml.v2 as v2

    path = Path(path)
    root = read_xml(path)
    if local_name(root) == "sbml":  # an SBML file named .cellml: read as what it is
        from .sbml import read_sbml

        return read_sbml(path, voltage=voltage, stimulus=stimulus)
    version = _version(root, path)
    namespace = root.tag[1:].split("}")[0]
    if _imports(root, namespace, path, set()):
        root, version = _flattened(path)
    annotations = _oxmeta(root)
    parser = v2.CellMLParser() if version == "2.0" else v1.CellMLParser()
    with warnings.catch_warnings(record=True) as notes:
        warnings.simplefilter("always")
        try:
            cellml = parser.parse(root)
            qualified = {}
            for cmeta_id, term in annotations.items():
                try:
                    variable = cellml.element_with_cmeta_id(cmeta_id)
                except (KeyError, AttributeError):
                    continue
                if hasattr(variable, "component"):
                    variable.meta["oxmeta"] = term
                    qualified[f"{variable.component().name()}.{variable.name()}"] = term
            model = cellml.myokit_model()
        except myokit_errors() as exc:
            raise ModelError(f"{path.name}: {_element(exc)}", None, _first(exc)) from None
    for note in notes:  # Myokit goes on with a factor of 1 where connected units do not convert: vrest stops
        match = _NO_CONVERSION.search(str(note.message))
        if match:
            raise ModelError(f"{path.name}: <connection>", match["variable"], f"units that do not convert: "
                             f"{match['source']} (where the value comes from) to {match['target']}")
    found = (_NO_INITIAL.search(str(note.message)) for note in notes)
    starting_at_0 = list(dict.fromkeys(f"{m['component']}.{m['variable']}" for m in found if m))  # Myokit says twice
    if starting_at_0:
        warnings.warn(f"{path.name}: no initial value in the file for the state{'s' * (len(starting_at_0) > 1)} "
                      f"{', '.join(starting_at_0)}: 0 is taken as its start (vrest rest --start NAME=VALUE gives "
                      "another)", ModelWarning, stacklevel=2)
    disagreement = _units_disagree(model)
    if disagreement:
        warnings.warn(f"{path.name}: {disagreement}", ModelWarning, stacklevel=2)
    return to_system(model, file=path.name, source=f"{path.name} (CellML {version}), read with Myokit",
                     annotations=qualified,
                     voltage=voltage, stimulus=stimulus)


def _units_disagree(model) -> str | None:
    """What Myokit's unit check (tolerant: a number without a unit fits any) finds first in the equations, in one
    line, or None. Published files have such slips (O'Hara-Rudy 2011 subtracts a number per mM from a
    concentration), and a modeller wants to know before trusting a result. (CellML only: an SBML file's units are
    often partial, and Level 2 redefines time.)"""
    import myokit

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            model.check_units(myokit.UNIT_TOLERANT)
            return None
        except myokit.IncompatibleUnitError as exc:
            text = " ".join(w for w in str(exc).split() if w.strip("~^"))  # not the line marking the place
        except (myokit.MyokitError, ArithmeticError, ValueError):  # a check that cannot run says nothing here
            return None
    reason, _, where = text.partition(" Encountered when evaluating ")
    reason = reason.removeprefix("Incompatible units").lstrip(": ").rstrip(".")
    reason = reason.replace(". Variable unit", ": the variable's unit").replace("calculated unit", "its equation's unit")
    where = f", in {where[:100]}{'...' if len(where) > 100 else ''}" if where else ""
    return (f"units do not agree in the file's equations (the first Myokit finds: {reason}{where}): vrest computes "
            "with the file's numbers as written, each value converted by the unit declared for it")


def _element(exc: Exception) -> str:
    """Where Myokit's error points: the element and its line, when it says."""
    element = getattr(exc, "element", None)
    line = getattr(exc, "line", None) or (element.sourceline if element is not None and
                                          hasattr(element, "sourceline") else None)
    tag = element.tag.split("}")[-1] if element is not None and isinstance(getattr(element, "tag", None), str) else ""
    name = element.get("name") if element is not None and hasattr(element, "get") else None
    where = f"<{tag}{f' name={name!r}' if name else ''}>" if tag else "model"
    return f"line {line}: {where}" if line else where


def _first(exc: Exception) -> str:
    text = str(getattr(exc, "message", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _flattened(path: Path):
    """A model with imports as one CellML 2.0 model (libcellml resolves the imports, already checked to be safe)."""
    import libcellml

    from .xmlsafe import _parser

    parser = libcellml.Parser(False)
    model = parser.parseModel(path.read_text(encoding="utf-8"))
    importer = libcellml.Importer(False)
    importer.resolveImports(model, str(path.parent) + "/")
    if importer.errorCount():
        raise ModelError(f"{path.name}: <import>", None, " ".join(importer.error(0).description().split()))
    flat = importer.flattenModel(model)
    if flat is None:
        raise ModelError(f"{path.name}: <import>", None, "the imports could not be resolved")
    from lxml import etree

    text = libcellml.Printer().printModel(flat)
    return etree.fromstring(text.encode("utf-8"), _parser()), "2.0"
