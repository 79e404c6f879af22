"""Bookings and the waitlist: capacity under a course lock, cancellations, offers that hold a place.

Each change bumps the catalog version once it commits, so the cached catalog and course pages show
places left at once (classes.catalog_cache.bump_catalog_version).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from classes import emails
from classes.catalog_cache import bump_catalog_version
from classes.models import Baby, Booking, BookingNotice, Course
from classes.rules import CLOSED, age_fit, cancellation_window, refund_due, waitlist_closes_at
from classes.selectors import cancellation_deadline_from
from classes.services.courses import expire_on_each_course, first_session
from classes.services.errors import BookingError
from classes.services.paid_bookings import hold_until, let_payment_go, open_booking_payment, refunds_online
from config.locking import busy_as

logger = logging.getLogger(__name__)


@busy_as(BookingError)
def book_course(course: Course, *, parent: User, baby: Baby) -> Booking:
    """Book a family onto every session of a course, or onto its waitlist when it is full.

    Locks the course row, counts confirmed and offered places, then inserts, so capacity holds under
    concurrency. Raises BookingError for the course's own instructor, someone else's baby, a course
    that is not open, a baby outside the age range at the first session, a baby already booked on the
    course, or a course locked by others for longer than the database waits. Queues the confirmation
    (with the calendar) or the waitlist email (with the position the family joined at) as a deferred
    email: under the lock it costs one row insert, and the delivery worker renders it after commit.

    On a course that takes payment online the place is held instead (pending payment, with a pending card
    payment to pay within PAYMENT_HOLD_MINUTES): nothing is emailed until the payment confirms it
    (classes.services.paid_bookings).
    """
    if course.instructor_id == parent.pk:
        # A place on one's own course would be a practicum family that never was.
        raise BookingError(_("You teach this course, so you cannot book a place on it."))
    if baby.parent_id != parent.pk:
        raise BookingError(_("You can only book for your own babies."))
    with transaction.atomic():
        course = Course.objects.select_for_update().get(pk=course.pk)
        if course.status != Course.Status.PUBLISHED:
            raise BookingError(_("This course is not open for booking."))
        # The course row's own first_session_at, kept by every service that adds, moves or cancels a
        # session under this same lock: one query fewer while others wait on the lock.
        starts_at = course.first_session_at
        if starts_at is None or starts_at <= timezone.now():
            raise BookingError(_("This course has already started."))
        age = baby.age_in_weeks(starts_at.astimezone(course.zone).date())
        if age_fit(course, age) != "fits":
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
        counts = Booking.objects.filter(course=course).place_counts(baby=baby)
        if counts["booked"]:
            raise BookingError(_("%(baby)s is already booked on this course.") % {"baby": baby.first_name})
        now = timezone.now()
        if counts["taken"] < course.capacity and course.takes_payment_online:
            payment = open_booking_payment(course, parent=parent, baby=baby, pay_by=hold_until(now=now))
            booking = Booking.objects.create(
                course=course,
                baby=baby,
                parent=parent,
                status=Booking.Status.PENDING_PAYMENT,
                payment=payment,
            )
        elif counts["taken"] < course.capacity:
            booking = Booking.objects.create(
                course=course, baby=baby, parent=parent, status=Booking.Status.CONFIRMED, confirmed_at=now
            )
            emails.queue_booking_confirmed(booking)
            _notice(booking, BookingNotice.Kind.NEW_BOOKING)
        else:
            booking = Booking.objects.create(
                course=course, baby=baby, parent=parent, status=Booking.Status.WAITLISTED, waitlisted_at=now
            )
            # Last in the queue (joined now, the highest id): behind every family waiting before it.
            booking.position_on_waitlist = counts["waiting"] + 1
            emails.queue_booking_waitlisted(booking, position=booking.position_on_waitlist)
            _notice(booking, BookingNotice.Kind.JOINED_WAITLIST)
        transaction.on_commit(bump_catalog_version)
    return booking


def cancellation_deadline(course: Course) -> datetime | None:
    """Until when a parent may cancel a confirmed place themselves (the course's cutoff before it starts)."""
    first = first_session(course)
    return cancellation_deadline_from(first.starts_at if first else None, course.cancellation_cutoff_hours)


@busy_as(BookingError)
def cancel_booking(booking: Booking, *, by: User) -> Booking:
    """Cancel a confirmed place, leave the waitlist, or decline an offer, as the parent asked.

    A confirmed place freed up goes to the waitlist at once. Raises BookingError for someone else's
    booking, a booking already cancelled, a confirmed place past the course's cancellation cutoff (unless
    the course lets families cancel late, until its first session), or a course locked by others for
    longer than the database waits. Queues the cancellation email (deferred: rendered by the delivery
    worker, saying what goes back) and an offer to the next family. A place held for payment is let go
    (its payment cancelled); a place paid by card gets back what the course's refund policy gives
    (classes.rules.refund_due: a Refund the worker sends, emailed once made).
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
            Booking.Status.PENDING_PAYMENT: Booking.CancelReason.BY_PARENT,
            Booking.Status.WAITLISTED: Booking.CancelReason.LEFT_WAITLIST,
            Booking.Status.OFFERED: Booking.CancelReason.OFFER_DECLINED,
        }[booking.status]
        now = timezone.now()
        # The policy is read from the locked course row (its first_session_at is kept under this lock).
        booking.course = course
        if booking.status == Booking.Status.CONFIRMED and cancellation_window(course, now=now) == CLOSED:
            raise BookingError(
                _("It is too late to cancel online. Please contact your instructor, %(name)s, at %(email)s.")
                % {"name": course.instructor.get_full_name(), "email": course.instructor.email}
            )
        frees_place = booking.status in (
            Booking.Status.CONFIRMED,
            Booking.Status.PENDING_PAYMENT,
            Booking.Status.OFFERED,
        )
        if booking.status == Booking.Status.CONFIRMED:
            _notice(booking, BookingNotice.Kind.CANCELLATION)
        paid_online = refunds_online(booking)
        due = refund_due(booking, now=now)
        _cancel(booking, reason)
        let_payment_go(booking, refund=due)
        emails.queue_booking_cancelled(booking, refund_online=paid_online, refund=due)
        if frees_place:
            offer_free_places(course)
        transaction.on_commit(bump_catalog_version)
    return booking


def _notice(booking: Booking, kind: str) -> None:
    BookingNotice.objects.create(course_id=booking.course_id, booking=booking, kind=kind)


def _locked_booking(pk: int) -> Booking:
    return (
        Booking.objects.select_for_update(of=("self",)).select_related("parent", "baby", "payment").get(pk=pk)
    )


def _cancel(booking: Booking, reason: str) -> None:
    booking.status = Booking.Status.CANCELLED
    booking.cancel_reason = reason
    booking.cancelled_at = timezone.now()
    booking.offer_expires_at = None
    booking.save(update_fields=["status", "cancel_reason", "cancelled_at", "offer_expires_at", "updated_at"])


def offer_deadline(course: Course, *, now: datetime) -> datetime | None:
    """When an offer made now would expire, or None when the waitlist is closed (docs/domain.md, Bookings
    and the waitlist)."""
    first = first_session(course)
    if first is None:
        return None
    latest = waitlist_closes_at(first.starts_at)
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


@busy_as(BookingError)
def respond_to_offer(booking: Booking, *, accept: bool, offer_version: str) -> Booking:
    """Accept or decline an offered place, as the signed email link asked.

    Raises BookingError when the offer is not open any more (answered, expired, or replaced by a
    newer one), or when the course stays locked by others for longer than the database waits.
    Accepting confirms the place and queues the confirmation; declining queues the cancellation and
    frees the place for the next family (both deferred: rendered by the delivery worker). On a course
    that takes payment online, accepting holds the place for payment until the offer would have expired
    (the booking's payment is then paid on the pay page), and nothing is emailed yet.
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
        if accept and course.takes_payment_online:
            booking.payment = open_booking_payment(
                course, parent=booking.parent, baby=booking.baby, pay_by=booking.offer_expires_at
            )
            booking.status = Booking.Status.PENDING_PAYMENT
            booking.offer_expires_at = None
            booking.save(update_fields=["payment", "status", "offer_expires_at", "updated_at"])
        elif accept:
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
        transaction.on_commit(bump_catalog_version)
    return booking


def expire_offers() -> int:
    """End offers whose time ran out and pass each place to the next family. Safe to run concurrently:
    each course is locked and each offer re-checked under the lock. A course locked by others for
    longer than the database waits is logged and left to the next sweep; the other courses go on.
    Returns offers expired."""
    now = timezone.now()
    course_ids = set(
        Booking.objects.filter(status=Booking.Status.OFFERED, offer_expires_at__lte=now).values_list(
            "course_id", flat=True
        )
    )
    return expire_on_each_course(course_ids, _expire_offers_on, what="expired offers", log=logger)


@busy_as(BookingError)
def _expire_offers_on(course_id: int) -> int:
    with transaction.atomic():
        course = Course.objects.select_for_update().get(pk=course_id)
        stale = Booking.objects.select_for_update(of=("self",)).filter(
            course=course, status=Booking.Status.OFFERED, offer_expires_at__lte=timezone.now()
        )
        expired = 0
        for booking in stale.select_related("parent", "baby"):
            version = emails.offer_version(booking)
            _cancel(booking, Booking.CancelReason.OFFER_EXPIRED)
            emails.queue_offer_expired(booking, version=version)
            _notice(booking, BookingNotice.Kind.OFFER_EXPIRED)
            expired += 1
        offer_free_places(course)
        transaction.on_commit(bump_catalog_version)
    return expired
