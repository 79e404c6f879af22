"""Views of instructors: the public directory and profiles, and the /teach/ pages instructors work in."""

from __future__ import annotations

from instructors.views.calendar import teaching_feed_renew
from instructors.views.courses import (
    course_cancel,
    course_create,
    course_edit,
    course_manage,
    course_publish,
    session_cancel,
    session_move,
    session_topics,
)
from instructors.views.evaluations import course_evaluations
from instructors.views.families import (
    booking_paid,
    course_messages,
    register_print,
    roster,
    roster_csv,
    session_register,
)
from instructors.views.public import directory, profile_detail
from instructors.views.refunds import session_refund, session_refund_all
from instructors.views.repeat import course_repeat
from instructors.views.statements import payments, payments_statement
from instructors.views.teach import dashboard, profile_edit

__all__ = [
    "booking_paid",
    "course_cancel",
    "course_create",
    "course_edit",
    "course_evaluations",
    "course_manage",
    "course_messages",
    "course_publish",
    "course_repeat",
    "dashboard",
    "directory",
    "payments",
    "payments_statement",
    "profile_detail",
    "profile_edit",
    "register_print",
    "roster",
    "roster_csv",
    "session_cancel",
    "session_move",
    "session_refund",
    "session_refund_all",
    "session_register",
    "session_topics",
    "teaching_feed_renew",
]
