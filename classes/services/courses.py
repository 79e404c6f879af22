"""Venues, courses and their weekly sessions."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import User
from classes.catalog_cache import bump_catalog_listing
from classes.curriculum import curriculum_for_week
from classes.models import Course, CourseAction, Session, Venue
from classes.places import find_place
from classes.services.errors import BookingError, CourseError
from config.locking import busy_as

MAX_WEEKS = 8
# Courses are planned a few years ahead at most: a date further off is a typing mistake, and one near the
# calendar's end would overflow the weekly dates and the sessions' end times.
FARTHEST_SESSION = timedelta(days=3 * 366)


def _too_far() -> CourseError:
    return CourseError(_("Sessions can be planned at most three years ahead."))


@dataclass(frozen=True)
class SessionPlan:
    """When a course meets: the first session in the course's local time, then weekly."""

    first_local: datetime
    weeks: int = 5
    duration_minutes: int = 60


def weekly_start_times(plan: SessionPlan, zone: ZoneInfo) -> list[datetime]:
    """Aware start times, one a week at the same local wall-clock time, across daylight-saving changes.
    Raises CourseError for a first session more than FARTHEST_SESSION ahead."""
    naive = plan.first_local.replace(tzinfo=None)
    if naive.date() > timezone.localdate() + FARTHEST_SESSION:
        raise _too_far()
    return [(naive + timedelta(weeks=week)).replace(tzinfo=zone) for week in range(plan.weeks)]


def create_venue(
    owner: User,
    *,
    name: str,
    address: str,
    city: str,
    country: str,
    time_zone: str,
    accessibility_notes: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
) -> Venue:
    """Create a venue owned by the instructor who adds it, placed where they say or, by default, at the
    centre of its city (classes.places; none when the gazetteer does not know the city)."""
    if latitude is None or longitude is None:
        place = find_place(city, country=str(country))
        latitude, longitude = (place.latitude, place.longitude) if place else (None, None)
    with transaction.atomic():
        venue = Venue(
            owner=owner,
            name=name,
            address=address,
            city=city,
            country=country,
            time_zone=time_zone,
            accessibility_notes=accessibility_notes,
            latitude=latitude,
            longitude=longitude,
        )
        venue.full_clean()
        venue.save()
    return venue


def _check_sessions(
    instructor: User, starts: list[datetime], duration_minutes: int, *, exclude_course=None
) -> None:
    now = timezone.now()
    if any(start <= now for start in starts):
        raise CourseError(_("Sessions cannot start in the past."))
    if any(start > now + FARTHEST_SESSION for start in starts):
        raise _too_far()
    length = timedelta(minutes=duration_minutes)
    others = Session.objects.filter(
        course__instructor=instructor,
        status=Session.Status.SCHEDULED,
        starts_at__lt=max(starts) + length,
    ).exclude(course__status=Course.Status.CANCELLED)
    if exclude_course is not None:
        others = others.exclude(course=exclude_course)
    for other in others.filter(starts_at__gt=min(starts) - timedelta(hours=8)):
        for start in starts:
            if start < other.ends_at and other.starts_at < start + length:
                raise CourseError(
                    _("A session would overlap with “%(course)s”, which you teach at that time.")
                    % {"course": other.course.title}
                )


@busy_as(CourseError)
def settled_payment_mode(chosen: str | None) -> str:
    """How families pay for a new course: online when the association requires it, otherwise as the
    instructor chose (at the course, when they did not say)."""
    if settings.PAYMENTS_ENABLED and settings.PAYMENTS_REQUIRE_ONLINE:
        return Course.PaymentMode.ONLINE
    return chosen or Course.PaymentMode.AT_COURSE


def create_course(
    instructor: User,
    *,
    title: str,
    plan: SessionPlan,
    time_zone: str,
    format: str = Course.Format.VENUE,
    venue: Venue | None = None,
    online_link: str = "",
    description: str = "",
    language: str = "en",
    capacity: int = 8,
    price: Decimal = Decimal("0"),
    currency: str = "EUR",
    payment_notes: str = "",
    payment_mode: str | None = None,
    min_age_weeks: int = 4,
    max_age_weeks: int = 30,
    cancellation_cutoff_hours: int | None = None,
    refund_percent: int | None = None,
    late_refund_percent: int | None = None,
    is_practicum: bool = False,
) -> Course:
    """Create a draft course and its weekly sessions with the curriculum's week topics.

    Raises CourseError for a venue that is not the instructor's, sessions in the past or overlapping
    the instructor's other sessions, a number of weeks outside 1–8, or (on SQLite, where every write
    waits for the database's one write lock) a database kept busy for longer than it waits.
    """
    if not 1 <= plan.weeks <= MAX_WEEKS:
        raise CourseError(_("A course has between 1 and %(max)s weekly sessions.") % {"max": MAX_WEEKS})
    if format == Course.Format.VENUE:
        if venue is None:
            raise CourseError(_("Choose the venue where the course meets."))
        if venue.owner_id != instructor.pk:
            raise CourseError(_("You can only use your own venues."))
        time_zone = venue.time_zone
    zone = ZoneInfo(time_zone)
    starts = weekly_start_times(plan, zone)
    with transaction.atomic():
        _check_sessions(instructor, starts, plan.duration_minutes)
        course = Course(
            instructor=instructor,
            title=title,
            slug=slugify(title)[:160] or "course",
            description=description,
            format=format,
            venue=venue if format == Course.Format.VENUE else None,
            online_link=online_link,
            time_zone=time_zone,
            language=language,
            capacity=capacity,
            price=price,
            currency=currency,
            payment_notes=payment_notes,
            payment_mode=settled_payment_mode(payment_mode),
            min_age_weeks=min_age_weeks,
            max_age_weeks=max_age_weeks,
            is_practicum=is_practicum,
            first_session_at=min(starts),
        )
        if cancellation_cutoff_hours is not None:
            course.cancellation_cutoff_hours = cancellation_cutoff_hours
        if refund_percent is not None:
            course.refund_percent = refund_percent
        course.late_refund_percent = late_refund_percent
        course.full_clean()
        course.save()
        Session.objects.bulk_create(
            Session(
                course=course,
                starts_at=start,
                duration_minutes=plan.duration_minutes,
                week_number=week,
                curriculum=curriculum_for_week(plan.weeks, week),
            )
            for week, start in enumerate(starts, start=1)
        )
    return course


def record_course_action(course: Course, actor: User, kind: str, details: str = "") -> None:
    """Put on the record what someone other than the course's instructor (a course coordinator) did to
    it; call inside the transaction of the change. The instructor's own changes need no record."""
    if actor.pk != course.instructor_id:
        CourseAction.objects.create(course_id=course.pk, actor=actor, kind=kind, details=details[:2000])


@busy_as(CourseError)
def mark_course_published(course: Course, *, actor: User) -> Course:
    """Set a draft course published. Only instructors.services.publish_course calls this, after checking
    the instructor's certificate: classes knows nothing of certificates.

    Raises CourseError for a course that is not a draft or has no session ahead, or one locked by
    others for longer than the database waits.
    """
    with transaction.atomic():
        transaction.on_commit(bump_catalog_listing)
        course = Course.objects.select_for_update().get(pk=course.pk)
        if course.status != Course.Status.DRAFT:
            raise CourseError(_("Only a draft course can be published."))
        if not course.sessions.filter(status=Session.Status.SCHEDULED, starts_at__gt=timezone.now()).exists():
            raise CourseError(_("A course needs at least one session ahead to be published."))
        course.status = Course.Status.PUBLISHED
        course.published_at = timezone.now()
        course.save(update_fields=["status", "published_at", "updated_at"])
        record_course_action(course, actor, CourseAction.Kind.PUBLISHED)
    return course


def first_session(course: Course) -> Session | None:
    return course.sessions.filter(status=Session.Status.SCHEDULED).order_by("starts_at").first()


def refresh_first_session(course: Course) -> None:
    """Set ``course.first_session_at`` to the start of its first scheduled session, None when none is
    left, and save it. Call it inside the transaction that moves or cancels the course's sessions, with
    the course row locked, so that no other change to its sessions commits in between.

    The rule holds for cancelled courses too: a course cancelled before it started has None, one cancelled
    part-way keeps the start of its first session held (its sessions ahead are cancelled).
    """
    course.first_session_at = (
        course.sessions.filter(status=Session.Status.SCHEDULED)
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
    course.save(update_fields=["first_session_at"])


def expire_on_each_course(
    course_ids: Iterable[int], expire_on: Callable[[int], int], *, what: str, log: logging.Logger
) -> int:
    """Run one course's expiry (`expire_on`, which locks the course) for each course, and add up what it
    ended. A course locked by others for longer than the database waits is logged to the sweep's own
    `log` and left to the next sweep; the other courses go on. `what` names what waits."""
    expired = 0
    for course_id in course_ids:
        try:
            expired += expire_on(course_id)
        except BookingError:
            log.warning("Course %s stayed locked; its %s wait for the next sweep.", course_id, what)
    return expired
