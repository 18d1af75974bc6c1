"""The Jinja2 environment every exporter renders with: layout only, no physics."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jinja2

__all__ = ["templates_dir", "render"]


def templates_dir() -> Path:
    """templates/ in a source checkout, codegen/templates in an installed wheel."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("vrest templates not found; the installation is incomplete")


@lru_cache(maxsize=None)
def _environment(xml: bool) -> jinja2.Environment:
    import jinja2  # here: the simulation cache asks for templates_dir() on every run, which needs no Jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        autoescape=xml,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(template: str, **context) -> str:
    """Render ``templates/<template>``; XML formats (.xml, .sbml, .cellml, .nml) are autoescaped."""
    xml = any(template.endswith(f"{ext}.j2") for ext in (".xml", ".sbml", ".cellml", ".nml"))
    return _environment(xml).get_template(template).render(**context)
