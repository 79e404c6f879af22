"""Booking scenarios on the `make run` database, SQLite, each run in a process of its own by
tests/fault/test_sqlite_locking.py:

    DATABASE_URL= VAR_DIR=<a folder with a migrated db.sqlite3> python -m tests.fault.sqlite_scenarios <name>

The suite itself runs on Postgres, so a scenario sets Django up with the real settings (SQLite in VAR_DIR,
transaction_mode IMMEDIATE) and prints what happened as one JSON line starting with RESULT_PREFIX.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import threading
from collections.abc import Callable
from datetime import timedelta

RESULT_PREFIX = "SCENARIO-RESULT "
RACE_ROUNDS = 5
# SQLite's wait for the write lock in the busy scenario: short, so the other connection's hold outlasts it.
SHORT_TIMEOUT_SECONDS = 0.2


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _course(*, capacity: int):
    from classes.tests.factories import CourseFactory, SessionFactory

    course = CourseFactory(capacity=capacity)
    for _ in range(3):
        SessionFactory(course=course)
    return course


def _family():
    from django.utils import timezone

    from classes.tests.factories import BabyFactory

    baby = BabyFactory(date_of_birth=timezone.localdate() - timedelta(weeks=8))
    return baby.parent, baby


def booking_while_the_database_is_locked() -> dict:
    """Another connection holds SQLite's write lock (BEGIN IMMEDIATE) longer than this one waits: the
    booking is refused with BookingError, nothing is written, and booking again once it lets go works."""
    from django.conf import settings
    from django.db import connection

    from classes.models import Booking
    from classes.services import BookingError, book_course

    course = _course(capacity=4)
    parent, baby = _family()
    connection.close()
    connection.settings_dict["OPTIONS"]["timeout"] = SHORT_TIMEOUT_SECONDS
    holder = sqlite3.connect(settings.DATABASES["default"]["NAME"], isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        book_course(course, parent=parent, baby=baby)
    except BookingError as error:
        refused = {"error": type(error).__name__, "message": str(error)}
    else:
        refused = {"error": None, "message": ""}
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    written = Booking.objects.filter(course=course).count()
    again = book_course(course, parent=parent, baby=baby)
    return {**refused, "bookings_while_locked": written, "status_after": again.status}


def two_parents_taking_the_last_place() -> dict:
    """Two parents, each on a connection of their own, book the last place of a course at the same moment,
    RACE_ROUNDS times on as many courses."""
    from django.db import connection

    from classes.models import Booking
    from classes.services import book_course

    rounds = []
    for _ in range(RACE_ROUNDS):
        course = _course(capacity=2)
        first_parent, first_baby = _family()
        book_course(course, parent=first_parent, baby=first_baby)
        families = [_family() for _ in range(2)]
        barrier = threading.Barrier(len(families))
        errors: list[str] = []
        lock = threading.Lock()

        def take(parent, baby, course=course, barrier=barrier, errors=errors, lock=lock) -> None:
            try:
                barrier.wait(timeout=30)
                book_course(course, parent=parent, baby=baby)
            except Exception as error:  # reported to the test, which expects none
                with lock:
                    errors.append(f"{type(error).__name__}: {error}")
            finally:
                connection.close()

        threads = [threading.Thread(target=take, args=family) for family in families]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        statuses = sorted(
            Booking.objects.filter(course=course, baby__in=[baby for _parent, baby in families]).values_list(
                "status", flat=True
            )
        )
        rounds.append({"statuses": statuses, "errors": errors, "alive": sum(t.is_alive() for t in threads)})
    return {"rounds": rounds}


SCENARIOS: dict[str, Callable[[], dict]] = {
    "busy": booking_while_the_database_is_locked,
    "last-place": two_parents_taking_the_last_place,
}


if __name__ == "__main__":
    _setup_django()
    print(RESULT_PREFIX + json.dumps(SCENARIOS[sys.argv[1]]()), flush=True)
