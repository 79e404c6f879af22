"""Fail when a Python module outside migrations and tests passes 500 lines: it becomes a package then
(docs/architecture.md). Run by `make lint`.

Everything else in the repository counts, bench/ and scripts/ included: they are read and changed like
the apps. Skipped: migrations (generated), tests (test_*.py and tests/ folders), and folders that are not
ours (the virtualenv, node_modules, var/ and other build output).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

LIMIT = 500
REPOSITORY = Path(__file__).resolve().parent.parent
SKIPPED_DIRS = {
    ".venv",
    "migrations",
    "tests",
    "node_modules",
    "var",
    ".git",
    "test-artifacts",
    "__pycache__",
}


def oversized(root: Path, *, limit: int = LIMIT) -> list[tuple[Path, int]]:
    """Every module under root over the limit, as (path relative to root, lines), in path order."""
    found = []
    for folder, dirs, files in os.walk(root):
        # Pruned in place, so the walk never enters the virtualenv or a tests folder.
        dirs[:] = sorted(name for name in dirs if name not in SKIPPED_DIRS)
        for name in sorted(files):
            if not name.endswith(".py") or name.startswith("test_"):
                continue
            path = Path(folder) / name
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > limit:
                found.append((path.relative_to(root), lines))
    return found


def main(root: Path = REPOSITORY) -> int:
    found = oversized(root)
    for path, lines in found:
        print(f"{path}: {lines} lines (over {LIMIT}: make it a package)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
