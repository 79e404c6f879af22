from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import transaction

from tests.access.world import World, build_world, cast

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


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker) -> Iterator[World]:
    """The same world, built once for a whole module of sweeps: each test runs in a savepoint inside this
    transaction (pytest-django's own), so whatever a test changes is gone before the next one starts."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world(**cast())
        transaction.set_rollback(True)


def pytest_terminal_summary(terminalreporter) -> None:
    if SWEPT:
        terminalreporter.section("access sweep")
        terminalreporter.write_line(f"{len(SWEPT)} URL patterns covered by the access table")
