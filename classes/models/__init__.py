"""Models of classes: venues, courses and sessions, babies, bookings and the register, messages to
families, actions on someone else's course, families' evaluations and refunds for cancelled sessions.
Import them from here (`from classes.models import Booking`)."""

from __future__ import annotations

from classes.models.actions import CourseAction
from classes.models.babies import Baby
from classes.models.bookings import Attendance, Booking, BookingNotice, BookingQuerySet
from classes.models.calendars import CalendarFeed
from classes.models.courses import (
    COURSE_EDITABLE_FIELDS,
    COURSE_EDITABLE_ONCE_BOOKED,
    COURSE_FIXED_ONCE_BOOKED,
    TEACHING_LANGUAGES,
    Course,
    CourseQuerySet,
    Session,
    Venue,
    default_cancellation_cutoff_hours,
    default_refund_percent,
)
from classes.models.evaluations import EVALUATION_TEXT_MAX_LENGTH, RATING_FIELDS, Evaluation
from classes.models.messages import CourseMessage
from classes.models.refunds import SessionRefund

__all__ = [
    "COURSE_EDITABLE_FIELDS",
    "COURSE_EDITABLE_ONCE_BOOKED",
    "COURSE_FIXED_ONCE_BOOKED",
    "EVALUATION_TEXT_MAX_LENGTH",
    "RATING_FIELDS",
    "TEACHING_LANGUAGES",
    "Attendance",
    "Baby",
    "Booking",
    "BookingNotice",
    "BookingQuerySet",
    "CalendarFeed",
    "Course",
    "CourseAction",
    "CourseMessage",
    "CourseQuerySet",
    "Evaluation",
    "Session",
    "SessionRefund",
    "Venue",
    "default_cancellation_cutoff_hours",
    "default_refund_percent",
]
