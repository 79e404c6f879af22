"""Writes for classes: venues, courses and their sessions, bookings and the waitlist.

Every function opens its own transaction and raises a domain error with a message fit for the user.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import User
from classes import emails
from classes.curriculum import curriculum_for_week
from classes.models import Baby, Booking, BookingNotice, Course, Session, Venue
from classes.selectors import waitlist_position

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
            emails.queue_booking_confirmed(booking)
            _notice(booking, BookingNotice.Kind.NEW_BOOKING)
        else:
            booking = Booking.objects.create(
                course=course, baby=baby, parent=parent, status=Booking.Status.WAITLISTED, waitlisted_at=now
            )
            emails.queue_booking_waitlisted(booking, position=waitlist_position(booking))
            _notice(booking, BookingNotice.Kind.JOINED_WAITLIST)
    return booking


def cancellation_deadline(course: Course) -> datetime | None:
    """Until when a parent may cancel a confirmed place themselves (the course's cutoff before it starts)."""
    first = first_session(course)
    return None if first is None else first.starts_at - timedelta(hours=course.cancellation_cutoff_hours)


def cancel_booking(booking: Booking, *, by: User) -> Booking:
    """Cancel a confirmed place, leave the waitlist, or decline an offer, as the parent asked.

    A confirmed place freed up goes to the waitlist at once. Raises BookingError for someone else's
    booking, a booking already cancelled, or a confirmed place past the course's cancellation cutoff.
    Queues the cancellation email (and an offer to the next family).
    """
    with transaction.atomic():
        course = Course.objects.select_for_update().get(pk=booking.course_id)
        booking = _locked_booking(booking.pk)
        if booking.parent_id != by.pk:
            raise BookingError(_("This is not your booking."))
        if booking.status == Booking.Status.CANCELLED:
            raise BookingError(_("This booking is already cancelled."))
        reason = {
            Booking.Status.CONFIRMED: Booking.CancelReason.BY_PARENT,
            Booking.Status.WAITLISTED: Booking.CancelReason.LEFT_WAITLIST,
            Booking.Status.OFFERED: Booking.CancelReason.OFFER_DECLINED,
        }[booking.status]
        if booking.status == Booking.Status.CONFIRMED:
            deadline = cancellation_deadline(course)
            if deadline is not None and timezone.now() > deadline:
                raise BookingError(
                    _(
                        "It is too late to cancel online. "
                        "Please contact your instructor, %(name)s, at %(email)s."
                    )
                    % {"name": course.instructor.get_full_name(), "email": course.instructor.email}
                )
        frees_place = booking.status in (Booking.Status.CONFIRMED, Booking.Status.OFFERED)
        if booking.status == Booking.Status.CONFIRMED:
            _notice(booking, BookingNotice.Kind.CANCELLATION)
        _cancel(booking, reason)
        emails.queue_booking_cancelled(booking)
        if frees_place:
            offer_free_places(course)
    return booking


def _notice(booking: Booking, kind: str) -> None:
    BookingNotice.objects.create(course_id=booking.course_id, booking=booking, kind=kind)


def _locked_booking(pk: int) -> Booking:
    return Booking.objects.select_for_update(of=("self",)).select_related("parent", "baby").get(pk=pk)


def _cancel(booking: Booking, reason: str) -> None:
    booking.status = Booking.Status.CANCELLED
    booking.cancel_reason = reason
    booking.cancelled_at = timezone.now()
    booking.offer_expires_at = None
    booking.save(update_fields=["status", "cancel_reason", "cancelled_at", "offer_expires_at", "updated_at"])


def offer_deadline(course: Course, *, now: datetime) -> datetime | None:
    """When an offer made now would expire, or None when the waitlist is closed (PRODUCT.md §7)."""
    first = first_session(course)
    if first is None:
        return None
    latest = first.starts_at - timedelta(hours=settings.WAITLIST_OFFER_CLOSE_HOURS)
    if latest <= now:
        return None
    return min(now + timedelta(hours=settings.WAITLIST_OFFER_HOURS), latest)


def offer_free_places(course: Course) -> list[Booking]:
    """Offer each free place to the first family waiting; call with the course row locked.

    Returns the bookings offered a place and queues their offer emails.
    """
    if course.status != Course.Status.PUBLISHED:
        return []
    now = timezone.now()
    expires = offer_deadline(course, now=now)
    if expires is None:
        return []
    free = course.capacity - Booking.objects.filter(course=course).holding_a_place().count()
    if free <= 0:
        return []
    waiting = list(
        Booking.objects.select_for_update(of=("self",))
        .filter(course=course, status=Booking.Status.WAITLISTED)
        .select_related("parent", "baby", "course")
        .order_by("waitlisted_at", "pk")[:free]
    )
    for booking in waiting:
        booking.status = Booking.Status.OFFERED
        booking.offer_expires_at = expires
        booking.save(update_fields=["status", "offer_expires_at", "updated_at"])
        emails.queue_place_offered(booking)
    return waiting


def respond_to_offer(booking: Booking, *, accept: bool, offer_version: str) -> Booking:
    """Accept or decline an offered place, as the signed email link asked.

    Raises BookingError when the offer is not open any more (answered, expired, or replaced by a
    newer one). Accepting confirms the place and queues the confirmation; declining frees it for the
    next family.
    """
    with transaction.atomic():
        course = Course.objects.select_for_update().get(pk=booking.course_id)
        booking = _locked_booking(booking.pk)
        if (
            booking.status != Booking.Status.OFFERED
            or emails.offer_version(booking) != offer_version
            or booking.offer_expires_at <= timezone.now()
        ):
            raise BookingError(_("This offer is no longer open."))
        if accept:
            booking.status = Booking.Status.CONFIRMED
            booking.confirmed_at = timezone.now()
            booking.offer_expires_at = None
            booking.save(update_fields=["status", "confirmed_at", "offer_expires_at", "updated_at"])
            emails.queue_booking_confirmed(booking)
            _notice(booking, BookingNotice.Kind.OFFER_ACCEPTED)
        else:
            _cancel(booking, Booking.CancelReason.OFFER_DECLINED)
            emails.queue_booking_cancelled(booking)
            offer_free_places(course)
    return booking


def expire_offers() -> int:
    """End offers whose time ran out and pass each place to the next family. Safe to run concurrently:
    each course is locked and each offer re-checked under the lock. Returns offers expired."""
    now = timezone.now()
    course_ids = set(
        Booking.objects.filter(status=Booking.Status.OFFERED, offer_expires_at__lte=now).values_list(
            "course_id", flat=True
        )
    )
    expired = 0
    for course_id in course_ids:
        with transaction.atomic():
            course = Course.objects.select_for_update().get(pk=course_id)
            stale = Booking.objects.select_for_update(of=("self",)).filter(
                course=course, status=Booking.Status.OFFERED, offer_expires_at__lte=timezone.now()
            )
            for booking in stale.select_related("parent", "baby"):
                version = emails.offer_version(booking)
                _cancel(booking, Booking.CancelReason.OFFER_EXPIRED)
                emails.queue_offer_expired(booking, version=version)
                _notice(booking, BookingNotice.Kind.OFFER_EXPIRED)
                expired += 1
            offer_free_places(course)
    return expired


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


# update_baby: added by helper, lead to review
def update_baby(
    baby: Baby, *, first_name: str, date_of_birth: date, notes: str = "", notes_consent: bool = False
) -> Baby:
    """Change a baby's profile. Notes are kept only with consent to share them; unticking drops them."""
    with transaction.atomic():
        baby = Baby.objects.select_for_update().get(pk=baby.pk)
        baby.first_name = first_name
        baby.date_of_birth = date_of_birth
        baby.notes = notes if notes_consent else ""
        baby.notes_consent = notes_consent
        baby.full_clean()
        baby.save()
    return baby
