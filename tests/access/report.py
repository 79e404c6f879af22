"""The role × page tables the sweeps print (`pytest -s`) and keep in test-artifacts/ (ignored by git)."""

from __future__ import annotations

from django.conf import settings


def render_table(rows: dict[str, dict[str, str]], columns: tuple[str, ...], *, first: str) -> str:
    """A plain-text table, one row per page, then how often each outcome came up in each column."""
    lines = [[first, *columns]]
    lines += [[name, *(cells.get(column, "") for column in columns)] for name, cells in sorted(rows.items())]
    widths = [max(len(line[i]) for line in lines) for i in range(len(columns) + 1)]
    text = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)) for line in lines]
    text.append("")
    for column in columns:
        counts: dict[str, int] = {}
        for cells in rows.values():
            if cells.get(column):
                counts[cells[column]] = counts.get(cells[column], 0) + 1
        summary = ", ".join(f"{outcome} ×{count}" for outcome, count in sorted(counts.items()))
        text.append(f"{column}: {summary}")
    return "\n".join(line.rstrip() for line in text)


def publish(table: str, filename: str) -> None:
    print(f"\n{table}")
    folder = settings.BASE_DIR / "test-artifacts"
    folder.mkdir(exist_ok=True)
    (folder / filename).write_text(table + "\n")
