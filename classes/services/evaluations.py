"""Families' evaluations: asking for them once a course is over, and storing the answers
(docs/domain.md, Evaluations)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from classes.evaluations import evaluable_bookings, evaluation_link, may_evaluate
from classes.models import RATING_FIELDS, Booking, Course, Evaluation, Session
from classes.services.reminders import SESSIONS_PER_TRANSACTION
from notifications.models import OutgoingEmail
from notifications.services import queue_email


class EvaluationError(Exception):
    """An evaluation that cannot be stored; the message is shown to the parent."""


def evaluation_request_key(booking: Booking) -> str:
    # One request per family and course, ever: a moved last session does not ask again.
    return f"evaluation-request:{booking.pk}"


def _last_sessions(*, now: datetime):
    """The last scheduled session of each published course, when it started within the request window
    (EVALUATION_REQUEST_WITHIN_DAYS) and before now; read through the sessions' start-time index."""
    later = Session.objects.filter(
        course=OuterRef("course_id"), status=Session.Status.SCHEDULED, starts_at__gt=OuterRef("starts_at")
    )
    return (
        Session.objects.filter(
            status=Session.Status.SCHEDULED,
            course__status=Course.Status.PUBLISHED,
            starts_at__gt=now - timedelta(days=settings.EVALUATION_REQUEST_WITHIN_DAYS),
            starts_at__lte=now,
        )
        .exclude(Exists(later))
        .select_related("course")
        .order_by("starts_at", "pk")
    )


def _queue_requests(courses: list[Course], *, now: datetime) -> int:
    """One request to each family of these courses not asked before; returns how many were queued."""
    bookings = {
        evaluation_request_key(booking): booking
        for booking in evaluable_bookings(now=now)
        .filter(course__in=courses, evaluation__isnull=True)
        .select_related("parent", "baby", "course", "course__venue")
        .order_by("pk")
    }
    asked_before = set(OutgoingEmail.objects.filter(key__in=bookings).values_list("key", flat=True))
    for key, booking in bookings.items():
        if key in asked_before:
            continue
        url, token = evaluation_link(booking)
        queue_email(
            to_email=booking.parent.email,
            user=booking.parent,
            template="evaluation_request",
            key=key,
            context={"booking": booking, "course": booking.course, "evaluation_url": url},
            # Whoever holds the link answers for the family: staff reading the outbox must not see it.
            secrets=[url, token],
        )
    return len(bookings) - len(asked_before)


def queue_evaluation_requests(*, now: datetime | None = None) -> int:
    """Email every family of every course whose last session has ended a link to evaluate it.

    Only families evaluable_bookings names (a confirmed place, a course that ran, not absent at every
    session marked), and never one that has answered already. Looks back EVALUATION_REQUEST_WITHIN_DAYS,
    so a beat that was down catches up and old courses are left alone. Safe to run concurrently and
    repeatedly: the last sessions are locked a batch at a time (another sweep skips them) and each
    family's request has one outbox key. Returns the emails this sweep queued; delivery after commit.
    """
    now = now or timezone.now()
    due = _last_sessions(now=now)
    session_ids = list(due.values_list("pk", flat=True))
    queued = 0
    for start in range(0, len(session_ids), SESSIONS_PER_TRANSACTION):
        with transaction.atomic():
            # Read again under the lock, as the reminder sweep does: a session moved later meanwhile drops
            # out, and one another sweep holds is left to it.
            locked = due.filter(
                pk__in=session_ids[start : start + SESSIONS_PER_TRANSACTION]
            ).select_for_update(of=("self",), skip_locked=True, no_key=True)
            courses = [session.course for session in locked if session.ends_at <= now]
            if courses:
                queued += _queue_requests(courses, now=now)
    return queued


def submit_evaluation(
    booking: Booking,
    *,
    home_practice: str,
    ratings: dict[str, int],
    gained: str = "",
    to_improve: str = "",
    language: str,
    now: datetime | None = None,
) -> Evaluation:
    """Store a family's evaluation of the course it booked; one per booking.

    Raises EvaluationError when the course cannot be evaluated (not over, cancelled, not the family's
    place) or the family has answered already. Queues nothing.
    """
    if home_practice not in Evaluation.HomePractice.values or any(
        ratings.get(name) not in range(1, 6) for name in RATING_FIELDS
    ):
        raise EvaluationError(_("Please answer every question that needs an answer."))
    now = now or timezone.now()
    with transaction.atomic():
        # The booking's row lock makes a double submit wait here and then find the first answer.
        Booking.objects.select_for_update(no_key=True).filter(pk=booking.pk).first()
        if Evaluation.objects.filter(booking=booking).exists():
            raise EvaluationError(_("We already have your evaluation of this course. Thank you!"))
        if not may_evaluate(booking, now=now):
            raise EvaluationError(_("This course cannot be evaluated."))
        try:
            with transaction.atomic():
                return Evaluation.objects.create(
                    booking=booking,
                    home_practice=home_practice,
                    gained=gained.strip(),
                    to_improve=to_improve.strip(),
                    language=language,
                    submitted_at=now,
                    **{name: ratings[name] for name in RATING_FIELDS},
                )
        except IntegrityError as error:
            raise EvaluationError(_("We already have your evaluation of this course. Thank you!")) from error
