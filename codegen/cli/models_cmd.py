"""``vrest models [--json]``: the built-in models with their descriptions and sources."""

from __future__ import annotations

import json
import textwrap

from vrest.derive.builtin import BUILTIN_MODELS, resolve_model


def register(subparsers) -> None:
    parser = subparsers.add_parser("models", help="list the built-in models",
                                   description="List the built-in models with their sources and scenarios "
                                   "(the JSON is described in docs/model-format.md).")
    parser.add_argument("--json", action="store_true", help="machine-readable output (docs/model-format.md)")
    parser.set_defaults(run=run)


def run(args) -> int:
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
