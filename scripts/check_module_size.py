"""Fail when a Python module outside migrations and tests passes 500 lines: it becomes a package then
(docs/architecture.md). Run by `make lint`."""

from __future__ import annotations

import sys
from pathlib import Path

LIMIT = 500
SKIPPED_DIRS = {".venv", "migrations", "tests", "node_modules", "var", ".git", "test-artifacts"}


def oversized(root: Path) -> list[tuple[Path, int]]:
    found = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if SKIPPED_DIRS.intersection(relative.parts[:-1]) or relative.name.startswith("test_"):
            continue
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > LIMIT:
            found.append((relative, lines))
    return found


def main() -> int:
    found = oversized(Path(__file__).resolve().parent.parent)
    for path, lines in found:
        print(f"{path}: {lines} lines (over {LIMIT}: make it a package)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
