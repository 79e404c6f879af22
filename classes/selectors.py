"""Reads for classes: the catalog and course pages with a query count that does not grow with data."""

from __future__ import annotations

from django.db.models import Count, F, Min, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from classes.models import Booking, Course, Session


def places_taken_subquery():
    """Confirmed plus offered-but-unanswered places of the outer course (offers hold a place)."""
    return Coalesce(
        Subquery(
            Booking.objects.filter(course=OuterRef("pk"))
            .holding_a_place()
            .order_by()
            .values("course")
            .annotate(taken=Count("pk"))
            .values("taken")[:1]
        ),
        0,
    )


def with_availability(courses: QuerySet[Course]) -> QuerySet[Course]:
    return courses.annotate(
        places_taken=places_taken_subquery(),
        places_left=F("capacity") - places_taken_subquery(),
        first_session_at=Min("sessions__starts_at", filter=Q(sessions__status=Session.Status.SCHEDULED)),
    )


def upcoming_courses(*, limit: int | None = None) -> list[Course]:
    """Published courses whose first session is still ahead, soonest first."""
    courses = (
        with_availability(Course.objects.published())
        .filter(first_session_at__gt=timezone.now())
        .select_related("venue", "instructor", "instructor__instructor_profile")
        .order_by("first_session_at", "pk")
    )
    return list(courses[:limit] if limit else courses)


def course_for_page(pk: int) -> Course | None:
    """A published or cancelled course with its sessions, venue and instructor (drafts are not public)."""
    return (
        with_availability(Course.objects.exclude(status=Course.Status.DRAFT))
        .select_related("venue", "instructor", "instructor__instructor_profile")
        .prefetch_related(Prefetch("sessions", queryset=Session.objects.order_by("starts_at")))
        .filter(pk=pk)
        .first()
    )


def waitlist_position(booking: Booking) -> int | None:
    """1 for the first family waiting, None for a booking that is not on the waitlist (FIFO, ties by id)."""
    if booking.status != Booking.Status.WAITLISTED:
        return None
    ahead = (
        Booking.objects.filter(course_id=booking.course_id, status=Booking.Status.WAITLISTED)
        .filter(
            Q(waitlisted_at__lt=booking.waitlisted_at)
            | Q(waitlisted_at=booking.waitlisted_at, pk__lt=booking.pk)
        )
        .count()
    )
    return ahead + 1
