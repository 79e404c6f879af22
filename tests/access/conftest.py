from __future__ import annotations

import pytest

from tests.access.world import World, build_world

# Filled by the sweep, printed at the end of the run (the issue asks for the number to be shown).
SWEPT: set[str] = set()


@pytest.fixture
def world(parent, other_parent, instructor, other_instructor, trainee) -> World:
    return build_world(
        parent=parent,
        other_parent=other_parent,
        instructor=instructor,
        other_instructor=other_instructor,
        trainee=trainee,
    )


def pytest_terminal_summary(terminalreporter) -> None:
    if SWEPT:
        terminalreporter.section("access sweep")
        terminalreporter.write_line(f"{len(SWEPT)} URL patterns covered by the access table")
