"""Writes for classes: venues, courses and their sessions, babies, bookings and the waitlist, reminders.

Every function opens its own transaction and raises a domain error with a message fit for the user.
"""

from __future__ import annotations

from classes.services.babies import create_baby, update_baby
from classes.services.bookings import (
    book_course,
    cancel_booking,
    cancellation_deadline,
    expire_offers,
    offer_deadline,
    offer_free_places,
    respond_to_offer,
)
from classes.services.course_payments import (
    refund_cancelled_session,
    refund_cancelled_session_to_all,
    set_paid,
)
from classes.services.courses import (
    MAX_WEEKS,
    SessionPlan,
    create_course,
    create_venue,
    first_session,
    mark_course_published,
    weekly_start_times,
)
from classes.services.errors import BookingError, CourseError
from classes.services.paid_bookings import expire_payment_holds
from classes.services.reminders import queue_home_practice_guides, queue_session_reminders
from classes.services.teaching import (
    cancel_course,
    cancel_session,
    check_course_update,
    check_register_open,
    edit_session_topic,
    edit_session_topics,
    mark_attendance,
    message_families,
    move_session,
    take_register,
    update_course,
)

__all__ = [
    "MAX_WEEKS",
    "BookingError",
    "CourseError",
    "SessionPlan",
    "book_course",
    "cancel_booking",
    "cancel_course",
    "cancel_session",
    "cancellation_deadline",
    "check_course_update",
    "check_register_open",
    "create_baby",
    "create_course",
    "create_venue",
    "edit_session_topic",
    "edit_session_topics",
    "expire_offers",
    "expire_payment_holds",
    "first_session",
    "mark_attendance",
    "mark_course_published",
    "message_families",
    "move_session",
    "offer_deadline",
    "offer_free_places",
    "queue_home_practice_guides",
    "queue_session_reminders",
    "refund_cancelled_session",
    "refund_cancelled_session_to_all",
    "respond_to_offer",
    "set_paid",
    "take_register",
    "update_baby",
    "update_course",
    "weekly_start_times",
]
