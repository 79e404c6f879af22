"""Domain errors of classes; their messages are shown to the user as they are."""

from __future__ import annotations


class CourseError(Exception):
    """A course change that breaks a rule; the message is shown to the instructor. ``field`` names the
    course field at fault when there is one, so that a form can show the message next to it."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class BookingError(Exception):
    """A booking that cannot be made or changed; the message is shown to the parent."""
