"""Run one bench phase in its own process: `python -m bench.phase <module>[:function] <out.json> [args…]`.

Each phase gets the database and settings the orchestrator (bench.run) put in the environment, calls
`bench.<module>.<function>(out, *args)` (`main` unless named) and writes what it returns as JSON to `out`.
"""

from __future__ import annotations

import importlib
import json
import sys

from bench.django_setup import setup


def run(argv: list[str]) -> None:
    name, out, *args = argv
    setup()
    module_name, _colon, function = name.partition(":")
    module = importlib.import_module(f"bench.{module_name}")
    result = getattr(module, function or "main")(out, *args)
    with open(out, "w") as handle:
        json.dump(result, handle, indent=2, default=str)


if __name__ == "__main__":
    run(sys.argv[1:])
