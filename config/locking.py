"""A lock the database gave up waiting for, turned into the domain error of the service that waited.

Postgres waits DB_LOCK_TIMEOUT_MS for a row lock (lock_timeout, config/settings.py) and SQLite waits its
busy timeout for the write lock (BEGIN IMMEDIATE); then each raises OperationalError. Nothing was
changed, and trying again is the right answer, so a service says so in its own error, which every view
and admin action already shows, instead of letting the request end in a server error.

This lives in config, the project package beneath every app, next to the settings that set both
timeouts: it imports Django and the database drivers only, so notifications, accounts, classes,
certification and instructors may all use it without a floor importing a floor above it. (notifications
would also be low enough, but the outbox has no business owning database locking.)
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import OperationalError
from django.utils.translation import gettext_lazy as _
from psycopg.errors import LockNotAvailable

# Said to whoever pressed the button: nothing changed, and pressing it again is the right thing to do.
BUSY_MESSAGE = _("Many people are changing this right now — please try again.")


def lock_wait_ran_out(error: BaseException) -> bool:
    """Whether the database gave up waiting for a lock: Postgres's lock_timeout, or SQLite's busy
    timeout ("database is locked"). Any other database error is not ours to explain."""
    if not isinstance(error, OperationalError):
        return False
    cause = error.__cause__
    if isinstance(cause, LockNotAvailable):
        return True
    return isinstance(cause, sqlite3.OperationalError) and "database is locked" in str(cause)


@contextmanager
def busy_as(error_class: type[Exception]) -> Iterator[None]:
    """Raise `error_class` with BUSY_MESSAGE when the database gives up waiting for a lock inside.

    Use it as a decorator on a service, outside its transaction.atomic(): by the time the error is
    converted the atomic block has exited and rolled back, so a caller that catches the domain error
    (or an outer atomic block, whose savepoint was rolled back) finds the connection usable. The
    database's error stays attached as __cause__.
    """
    try:
        yield
    except OperationalError as error:
        if not lock_wait_ran_out(error):
            raise
        raise error_class(str(BUSY_MESSAGE)) from error
