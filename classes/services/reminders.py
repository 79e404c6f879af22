"""Beat sweeps: a reminder before every session and the home-practice guide after it."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from classes import emails
from classes.models import Booking, Course, Session


def _due_sessions(*, starts_after: datetime, starts_before: datetime):
    return (
        Session.objects.filter(
            status=Session.Status.SCHEDULED,
            course__status=Course.Status.PUBLISHED,
            starts_at__gt=starts_after,
            starts_at__lte=starts_before,
        )
        .select_related("course", "course__venue", "course__instructor")
        .order_by("starts_at")
    )


def _confirmed_families(session: Session, *, booked_by: datetime):
    return Booking.objects.filter(
        course_id=session.course_id,
        status=Booking.Status.CONFIRMED,
        parent__isnull=False,
        confirmed_at__lte=booked_by,
    ).select_related("parent", "baby")


def queue_session_reminders(*, now: datetime | None = None) -> int:
    """Queue a reminder to every confirmed family of every session starting within the reminder lead time.

    Never for a booking confirmed after the reminder's send time (its moment had passed), never for a
    cancelled session. Safe to run concurrently and repeatedly: each reminder's key names the booking,
    the session and its start time, so a moved session gets a new reminder and a repeat gets none.
    Returns the reminders newly queued.
    """
    now = now or timezone.now()
    lead = timedelta(hours=settings.REMINDER_HOURS_BEFORE)
    queued = 0
    for session in _due_sessions(starts_after=now, starts_before=now + lead):
        for booking in _confirmed_families(session, booked_by=session.starts_at - lead):
            with transaction.atomic():
                queued += emails.queue_session_reminder(booking, session)
    return queued


def queue_home_practice_guides(*, now: datetime | None = None) -> int:
    """Queue the week's home-practice guide to every family confirmed for a session that has ended.

    Looks back two days, so a beat that was down for a while catches up without mailing old weeks.
    Safe to run concurrently and repeatedly (one key per booking and session). Returns guides queued.
    """
    now = now or timezone.now()
    queued = 0
    for session in _due_sessions(starts_after=now - timedelta(days=2), starts_before=now):
        if session.ends_at > now:
            continue
        for booking in _confirmed_families(session, booked_by=session.starts_at):
            with transaction.atomic():
                queued += emails.queue_home_practice_guide(booking, session)
    return queued
