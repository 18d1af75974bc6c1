"""``vrest models [--json | --toml NAME]``: the built-in models with their descriptions and sources, or one model's
file to start a model of one's own from."""

from __future__ import annotations

import json
import textwrap

from vrest.derive.builtin import BUILTIN_MODELS, builtin_text, resolve_model
from vrest.derive.errors import ModelError


def register(subparsers) -> None:
    parser = subparsers.add_parser("models", help="list the built-in models",
                                   description="List the built-in models with their sources and scenarios "
                                   "(the JSON is described in docs/model-format.md).")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="machine-readable output (docs/model-format.md)")
    output.add_argument("--toml", metavar="NAME", help="print the model file of built-in model NAME, to copy and "
                        "edit (vrest models --toml pumpleak > my_cell.toml)")
    parser.set_defaults(run=run)


def run(args) -> int:
    if args.toml is not None:
        if args.toml not in BUILTIN_MODELS:
            raise ModelError("--toml", args.toml, f"no built-in model of that name (one of {', '.join(BUILTIN_MODELS)})")
        print(builtin_text(args.toml), end="")
        return 0
    models = [resolve_model(name) for name in BUILTIN_MODELS]
    if args.json:
        listing = [{"name": m.name, "description": m.description, "source": m.source,
                    "scenarios": [{"name": s.name, "description": s.description, "steps": len(s.steps)}
                                  for s in m.scenarios]} for m in models]
        print(json.dumps({"models": listing}, indent=2))
        return 0
    for model in models:
        print(f"{model.name:10} {model.description}")
        print(textwrap.fill(f"source: {model.source}", 100, initial_indent=" " * 11, subsequent_indent=" " * 19))
        if model.scenarios:
            print(textwrap.fill("scenarios: " + ", ".join(s.name for s in model.scenarios), 100,
                                initial_indent=" " * 11, subsequent_indent=" " * 22))
        print()
    return 0
