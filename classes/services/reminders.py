"""Beat sweeps: a reminder before every session and the home-practice guide after it.

A sweep takes the due sessions a few dozen at a time, each batch in a short transaction that locks its
sessions, skipping those another sweep holds: two sweeps at once share the work instead of both doing
all of it, and each counts only the emails it queued. The emails are rendered once per session and
language and stored in bulk (classes.emails.queue_session_reminders).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from classes import emails
from classes.models import Booking, Course, Session

# Sessions locked and queued in one transaction: about 400 emails for courses of eight families, and a
# lock short enough that an instructor moving one of these sessions waits a fraction of a second.
SESSIONS_PER_TRANSACTION = 50


def _due_sessions(*, starts_after: datetime, starts_before: datetime):
    return (
        Session.objects.filter(
            status=Session.Status.SCHEDULED,
            course__status=Course.Status.PUBLISHED,
            starts_at__gt=starts_after,
            starts_at__lte=starts_before,
        )
        .select_related("course", "course__venue", "course__instructor")
        .order_by("starts_at", "pk")
    )


def _confirmed_families(sessions: Sequence[Session], *, booked_by: Callable[[Session], datetime]):
    """Each session with its confirmed families (one query), leaving out those confirmed after booked_by."""
    by_course = defaultdict(list)
    for booking in Booking.objects.filter(
        course_id__in={session.course_id for session in sessions},
        status=Booking.Status.CONFIRMED,
        parent__isnull=False,
        confirmed_at__isnull=False,
    ).select_related("parent", "baby"):
        by_course[booking.course_id].append(booking)
    return [
        (
            session,
            [
                booking
                for booking in by_course[session.course_id]
                if booking.confirmed_at <= booked_by(session)
            ],
        )
        for session in sessions
    ]


def _sweep(
    due,
    *,
    booked_by: Callable[[Session], datetime],
    queue: Callable[[list], list[int]],
    keep: Callable[[Session], bool] = lambda session: True,
) -> int:
    session_ids = list(due.values_list("pk", flat=True))
    queued = 0
    for start in range(0, len(session_ids), SESSIONS_PER_TRANSACTION):
        with transaction.atomic():
            # Read again under the lock: a session moved or cancelled meanwhile drops out, and one that
            # another sweep (or a service changing it) holds is skipped, left to that sweep or the next.
            # NO KEY: attendance rows that point at a session can still be written meanwhile.
            locked = due.filter(
                pk__in=session_ids[start : start + SESSIONS_PER_TRANSACTION]
            ).select_for_update(of=("self",), skip_locked=True, no_key=True)
            sessions = [session for session in locked if keep(session)]
            if sessions:
                queued += len(queue(_confirmed_families(sessions, booked_by=booked_by)))
    return queued


def queue_session_reminders(*, now: datetime | None = None) -> int:
    """Queue a reminder to every confirmed family of every session starting within the reminder lead time.

    Never for a booking confirmed after the reminder's send time (its moment had passed), never for a
    cancelled session. Safe to run concurrently and repeatedly: each reminder's key names the booking,
    the session and its start time, so a moved session gets a new reminder and a repeat gets none.
    Returns the reminders this sweep queued; delivery is queued after each batch commits.
    """
    now = now or timezone.now()
    lead = timedelta(hours=settings.REMINDER_HOURS_BEFORE)
    return _sweep(
        _due_sessions(starts_after=now, starts_before=now + lead),
        booked_by=lambda session: session.starts_at - lead,
        queue=emails.queue_session_reminders,
    )


def queue_home_practice_guides(*, now: datetime | None = None) -> int:
    """Queue the week's home-practice guide to every family confirmed for a session that has ended.

    Looks back two days, so a beat that was down for a while catches up without mailing old weeks.
    Safe to run concurrently and repeatedly (one key per booking and session). Returns guides queued.
    """
    now = now or timezone.now()
    return _sweep(
        _due_sessions(starts_after=now - timedelta(days=2), starts_before=now),
        booked_by=lambda session: session.starts_at,
        queue=emails.queue_home_practice_guides,
        keep=lambda session: session.ends_at <= now,
    )
