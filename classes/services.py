"""Writes for classes: venues, courses and their sessions, bookings and the waitlist.

Every function opens its own transaction and raises a domain error with a message fit for the user.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import User
from classes.curriculum import curriculum_for_week, topic_title
from classes.models import Baby, Booking, Course, Session, Venue

MAX_WEEKS = 8


class CourseError(Exception):
    """A course change that breaks a rule; the message is shown to the instructor."""


class BookingError(Exception):
    """A booking that cannot be made or changed; the message is shown to the parent."""


@dataclass(frozen=True)
class SessionPlan:
    """When a course meets: the first session in the course's local time, then weekly."""

    first_local: datetime
    weeks: int = 5
    duration_minutes: int = 60


def weekly_start_times(plan: SessionPlan, zone: ZoneInfo) -> list[datetime]:
    """Aware start times, one a week at the same local wall-clock time, across daylight-saving changes."""
    naive = plan.first_local.replace(tzinfo=None)
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
) -> Venue:
    """Create a venue owned by the instructor who adds it."""
    with transaction.atomic():
        venue = Venue(
            owner=owner,
            name=name,
            address=address,
            city=city,
            country=country,
            time_zone=time_zone,
            accessibility_notes=accessibility_notes,
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
    min_age_weeks: int = 4,
    max_age_weeks: int = 30,
    cancellation_cutoff_hours: int | None = None,
    is_practicum: bool = False,
) -> Course:
    """Create a draft course and its weekly sessions with the curriculum's week topics.

    Raises CourseError for a venue that is not the instructor's, sessions in the past or overlapping
    the instructor's other sessions, or a number of weeks outside 1–8.
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
            min_age_weeks=min_age_weeks,
            max_age_weeks=max_age_weeks,
            is_practicum=is_practicum,
        )
        if cancellation_cutoff_hours is not None:
            course.cancellation_cutoff_hours = cancellation_cutoff_hours
        course.full_clean()
        course.save()
        Session.objects.bulk_create(
            Session(
                course=course,
                starts_at=start,
                duration_minutes=plan.duration_minutes,
                week_number=week,
                curriculum=curriculum_for_week(plan.weeks, week),
                topic=topic_title(curriculum_for_week(plan.weeks, week)),
            )
            for week, start in enumerate(starts, start=1)
        )
    return course


def mark_course_published(course: Course) -> Course:
    """Set a draft course published. Only instructors.services.publish_course calls this (PRODUCT.md §7),
    after checking the instructor's certificate.

    Raises CourseError for a course that is not a draft or has no session ahead.
    """
    with transaction.atomic():
        course = Course.objects.select_for_update().get(pk=course.pk)
        if course.status != Course.Status.DRAFT:
            raise CourseError(_("Only a draft course can be published."))
        if not course.sessions.filter(status=Session.Status.SCHEDULED, starts_at__gt=timezone.now()).exists():
            raise CourseError(_("A course needs at least one session ahead to be published."))
        course.status = Course.Status.PUBLISHED
        course.published_at = timezone.now()
        course.save(update_fields=["status", "published_at", "updated_at"])
    return course


def create_baby(
    parent: User, *, first_name: str, date_of_birth: date, notes: str = "", notes_consent: bool = False
) -> Baby:
    """Add a baby to a parent's account. Notes are kept only with consent to share them."""
    with transaction.atomic():
        baby = Baby(
            parent=parent,
            first_name=first_name,
            date_of_birth=date_of_birth,
            notes=notes if notes_consent else "",
            notes_consent=notes_consent,
        )
        baby.full_clean()
        baby.save()
    return baby


def first_session(course: Course) -> Session | None:
    return course.sessions.filter(status=Session.Status.SCHEDULED).order_by("starts_at").first()


def book_course(course: Course, *, parent: User, baby: Baby) -> Booking:
    """Book a family onto every session of a course, or onto its waitlist when it is full.

    Locks the course row, counts confirmed and offered places, then inserts, so capacity holds under
    concurrency. Raises BookingError for someone else's baby, a course that is not open, a baby
    outside the age range at the first session, or a baby already booked on the course.
    """
    if baby.parent_id != parent.pk:
        raise BookingError(_("You can only book for your own babies."))
    with transaction.atomic():
        course = Course.objects.select_for_update().get(pk=course.pk)
        if course.status != Course.Status.PUBLISHED:
            raise BookingError(_("This course is not open for booking."))
        first = first_session(course)
        if first is None or first.starts_at <= timezone.now():
            raise BookingError(_("This course has already started."))
        age = baby.age_in_weeks(first.starts_at.astimezone(course.zone).date())
        if not course.min_age_weeks <= age <= course.max_age_weeks:
            raise BookingError(
                _(
                    "%(baby)s will be %(age)s weeks old at the first session; this course is for babies "
                    "from %(min)s to %(max)s weeks."
                )
                % {
                    "baby": baby.first_name,
                    "age": age,
                    "min": course.min_age_weeks,
                    "max": course.max_age_weeks,
                }
            )
        if Booking.objects.live().filter(course=course, baby=baby).exists():
            raise BookingError(_("%(baby)s is already booked on this course.") % {"baby": baby.first_name})
        taken = Booking.objects.filter(course=course).holding_a_place().count()
        now = timezone.now()
        if taken < course.capacity:
            booking = Booking.objects.create(
                course=course, baby=baby, parent=parent, status=Booking.Status.CONFIRMED, confirmed_at=now
            )
        else:
            booking = Booking.objects.create(
                course=course, baby=baby, parent=parent, status=Booking.Status.WAITLISTED, waitlisted_at=now
            )
    return booking
