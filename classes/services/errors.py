"""Domain errors of classes; their messages are shown to the user as they are."""

from __future__ import annotations


class CourseError(Exception):
    """A course change that breaks a rule; the message is shown to the instructor."""


class BookingError(Exception):
    """A booking that cannot be made or changed; the message is shown to the parent."""
