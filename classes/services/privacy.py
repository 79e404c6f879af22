"""What classes holds about a parent, for their data export and their account deletion (docs/domain.md,
Privacy)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from accounts.models import User
from classes.models import RATING_FIELDS, Baby, Booking, CalendarFeed, Course, Session
from classes.services.bookings import cancel_booking
from classes.services.errors import BookingError
from config.locking import lock_wait_ran_out


def parent_data(user: User) -> dict:
    """The parent's babies, bookings and evaluations of courses, as plain data for the export."""
    babies = [
        {
            "first_name": baby.first_name,
            "date_of_birth": baby.date_of_birth.isoformat(),
            "notes_for_instructor": baby.notes,
            "notes_shared_with_consent": baby.notes_consent,
        }
        for baby in Baby.objects.filter(parent=user).order_by("pk")
    ]
    # Each evaluation hangs off its booking (one to one): read with the bookings, in the same query.
    booked = list(
        Booking.objects.filter(parent=user)
        .select_related("course", "baby", "evaluation")
        .prefetch_related("course__sessions")
        .order_by("pk")
    )
    bookings = [
        {
            "course": booking.course.title,
            "baby": booking.baby.first_name if booking.baby_id else None,
            "status": booking.status,
            "cancel_reason": booking.cancel_reason,
            "booked_at": booking.created_at.isoformat(),
            "paid": booking.is_paid,
            "sessions": [
                {"starts_at": s.starts_at.isoformat(), "topic": s.week_topic, "status": s.status}
                for s in booking.course.sessions.all()
            ],
        }
        for booking in booked
    ]
    # The parent's own answers, which no page shows them again; after a deletion they stay without a name.
    answered = sorted(
        (booking.evaluation for booking in booked if hasattr(booking, "evaluation")),
        key=lambda evaluation: (evaluation.submitted_at, evaluation.pk),
    )
    evaluations = [
        {
            "course": evaluation.booking.course.title,
            "submitted_at": evaluation.submitted_at.isoformat(),
            "language": evaluation.language,
            "home_practice": evaluation.home_practice,
            **{name: getattr(evaluation, name) for name in RATING_FIELDS},
            "gained": evaluation.gained,
            "to_improve": evaluation.to_improve,
        }
        for evaluation in answered
    ]
    return {"babies": babies, "bookings": bookings, "evaluations": evaluations}


def teaches_courses(user: User) -> bool:
    return Course.objects.filter(instructor=user).exists()


def forget_parent(user: User) -> None:
    """Leave every waitlist, cancel places on courses not yet started (freeing them for waiting
    families; a place past the cancellation cutoff stays taken), then detach every booking and delete
    the babies: registers keep the row as "deleted family" and practicum counts, which read
    attendance, stay as they were."""
    now = timezone.now()
    for booking in Booking.objects.live().filter(parent=user).select_related("course"):
        started = booking.course.sessions.filter(starts_at__lte=now).exists()
        if booking.status != Booking.Status.CONFIRMED or not started:
            # Past its cutoff a confirmed place stays taken: the instructor still expects the family. A
            # course too busy to lock is not that case: the deletion stops there ("try again"), rather
            # than detach a live place nobody cancelled.
            try:
                cancel_booking(booking, by=user)
            except BookingError as error:
                if lock_wait_ran_out(error.__cause__):
                    raise
    with transaction.atomic():
        Booking.objects.filter(parent=user).update(parent=None, baby=None)
        Baby.objects.filter(parent=user).delete()
        # A subscribed calendar would keep showing the sessions of a family that is gone.
        CalendarFeed.objects.filter(owner=user).delete()


def erase_expired_baby_notes(*, now: datetime | None = None) -> int:
    """Erase the notes of babies whose courses all ended more than BABY_NOTES_RETENTION_DAYS ago.

    A baby with a course still running or ahead keeps its notes; so does one never booked (the notes
    are then only the parent's). Returns the babies whose notes were erased.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.BABY_NOTES_RETENTION_DAYS)
    babies = (
        Baby.objects.exclude(notes="", notes_consent=False)
        .filter(bookings__isnull=False)
        .annotate(
            last_session=Max(
                "bookings__course__sessions__starts_at",
                filter=~Q(bookings__status=Booking.Status.CANCELLED)
                & Q(bookings__course__sessions__status=Session.Status.SCHEDULED),
            )
        )
        .filter(last_session__lt=cutoff)
    )
    with transaction.atomic():
        return Baby.objects.filter(pk__in=babies.values("pk")).update(notes="", notes_consent=False)
