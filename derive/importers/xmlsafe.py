"""Reading a model file from the internet safely, before any format reader sees it.

A CellML or SBML file needs no document type: one with a DOCTYPE (where external entities,
which can read local files, and entity-expansion bombs live) is refused outright. The parser
never resolves entities, never loads a DTD, never touches the network and keeps libxml2's
limits on depth and size. Files a model imports must lie inside the model's own folder.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import ModelError

__all__ = ["MAX_BYTES", "read_xml", "inside_folder", "local_name", "children"]

MAX_BYTES = 50_000_000  # the largest curated cell models are under 1 MB


def _parser():
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_comments=True, remove_pis=True)


def read_xml(path: Path, key: str = "MODEL"):
    """The root element of the XML file at ``path``; ModelError (naming the file) for anything unsafe or malformed."""
    from lxml import etree

    try:
        if path.stat().st_size > MAX_BYTES:
            raise ModelError(key, str(path), f"a file of {path.stat().st_size} bytes: at most {MAX_BYTES}")
        data = path.read_bytes()
    except OSError as exc:
        raise ModelError(key, str(path), f"cannot be read: {exc.strerror or exc}") from None
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise ModelError(f"{path.name}: DOCTYPE", None, "refused: a model file needs no document type, and one can "
                         "hide external entities (local files) or an entity-expansion bomb")
    try:
        root = etree.fromstring(data, _parser(), base_url=None)
    except etree.XMLSyntaxError as exc:
        text = data.lstrip(b"\xef\xbb\xbf \t\r\n")  # libxml2 calls a file of no XML at all "Document is empty"
        if not text.startswith((b"<", b"\xff\xfe", b"\xfe\xff")):  # (UTF-16 begins with its byte-order mark)
            raise ModelError(f"{path.name}", None, "not an XML file: it does not begin with '<' (a CellML or SBML "
                             "file begins with <?xml ...?> or its root element)") from None
        line = f"line {exc.lineno}" if exc.lineno else "XML"
        message = re.sub(r", line \d+, column \d+$", "", exc.msg)  # the line is said in front of it
        # libxml2 ends "in tag math line 11" with the line the tag opens on: the same line said once, another said so
        opened = re.search(r" line (\d+)$", message)
        if opened:
            same = exc.lineno is not None and int(opened.group(1)) == exc.lineno
            message = message[:opened.start()] + ("" if same else f" (opened at line {opened.group(1)})")
        raise ModelError(f"{path.name}: {line}", None, f"not well-formed XML: {message}") from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:  # another encoding (UTF-16) hid it from the scan
        raise ModelError(f"{path.name}: DOCTYPE", None, "refused: a model file needs no document type")
    return root


def inside_folder(folder: Path, reference: str, key: str) -> Path:
    """The file a model file refers to by ``reference`` (a relative path), checked to lie inside ``folder``."""
    if "://" in reference or reference.startswith(("/", "\\")) or ":" in reference.split("/")[0]:
        raise ModelError(key, reference, "refused: only files in the model's own folder are read (a relative path)")
    target = (folder / reference).resolve()
    if not target.is_relative_to(folder.resolve()):
        raise ModelError(key, reference, "refused: it lies outside the model's own folder")
    if target.is_dir():
        raise ModelError(key, reference, f"is a folder in {folder.resolve()}, not a model file")
    if not target.is_file():
        raise ModelError(key, reference, f"no such file in {folder.resolve()}")
    return target


def local_name(element) -> str:
    """An element's tag without its namespace ("" for a comment)."""
    return element.tag.split("}")[-1] if isinstance(element.tag, str) else ""


def children(parent, name: str) -> list:
    """The children of ``parent`` whose local name is ``name`` (none of no parent)."""
    return [e for e in parent if local_name(e) == name] if parent is not None else []
