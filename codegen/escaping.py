"""User text in generated files, escaped for the place it goes: it stays text there.

A model's name, description and source reach docstrings, comments and XML. Model files
already refuse control characters in them (derive.modelfile), but a model built in Python
may hold any text; these helpers keep every file valid and keep text from becoming code:
no NUL in Python, no "*/" in a C comment, no "--" in an XML comment, no newline that
would end a '#' comment. Plain text passes unchanged, so generated/ is not touched.
"""

from __future__ import annotations

import re

__all__ = ["visible", "python_docstring", "c_comment", "xml_text", "xml_comment"]

# Characters XML 1.0 does not allow anywhere, even escaped: C0 controls but tab, newline and return; the
# surrogates; U+FFFE, U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def visible(text: object, keep: str = "") -> str:
    """``text`` with every non-printable character (but those in ``keep``) written as its escape, e.g. \\x00."""
    return "".join(c if c.isprintable() or c in keep else repr(c)[1:-1] for c in str(text))


def python_docstring(text: object) -> str:
    """Text for the inside of a Python triple-quoted (non-raw) string: backslashes and quotes escaped."""
    return visible(str(text).replace("\\", "\\\\").replace('"', '\\"'), keep="\n")


def c_comment(text: object) -> str:
    """Text for the inside of a C comment /* ... */ (cannot close it)."""
    return visible(text, keep="\n").replace("*/", "* /")


def xml_text(text: object) -> str:
    """Text XML 1.0 allows (markup is escaped by the templates' autoescape)."""
    return _NOT_XML.sub(lambda m: repr(m.group())[1:-1], str(text))


def xml_comment(text: object) -> str:
    """Text for the inside of an XML comment ("--" is not allowed there, nor a trailing "-")."""
    text = xml_text(text).replace("--", "- -")
    return text + " " if text.endswith("-") else text
