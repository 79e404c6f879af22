"""Places on pay-online courses: held while the family pays, confirmed by the payment, freed when the
hold runs out, refunded when what was paid for is gone (docs/domain.md, Paying online).

payments knows nothing of bookings: classes registers the booking purpose with it (payments.purposes),
and payments calls back ``_lock`` and ``_fulfil`` in the transaction that records a success. Lock order,
as everywhere: the course, then the booking, then the payment.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from classes import emails
from classes.catalog_cache import bump_catalog_version
from classes.models import Baby, Booking, BookingNotice, Course
from classes.services.courses import expire_on_each_course, first_session
from classes.services.errors import BookingError
from config.locking import busy_as
from notifications.services import language_for
from payments.models import Payment, Refund
from payments.money import to_minor_units
from payments.purposes import Purpose, register
from payments.services import cancel_payment, open_card_payment, request_refund

logger = logging.getLogger(__name__)


def hold_until(*, now: datetime) -> datetime:
    return now + timedelta(minutes=settings.PAYMENT_HOLD_MINUTES)


def booking_payment_description(course: Course, *, parent: User | None, baby: Baby | None) -> str:
    """What a payment for a place on the course says it pays for, in the parent's language (receipts and
    the pay page show it as written here)."""
    with translation.override(language_for(parent) if parent is not None else None):
        return _("“%(course)s”, a place for %(baby)s") % {
            "course": course.title,
            "baby": baby.first_name if baby is not None else _("a deleted family"),
        }


def open_booking_payment(course: Course, *, parent: User, baby: Baby, pay_by: datetime) -> Payment:
    """The card payment for a place on the course. Call it inside the booking transaction."""
    return open_card_payment(
        purpose=Payment.Purpose.BOOKING,
        payer=parent,
        description=booking_payment_description(course, parent=parent, baby=baby),
        amount=to_minor_units(course.price, course.currency),
        currency=course.currency,
        pay_by=pay_by,
    )


def let_payment_go(booking: Booking, *, refund: int | None = None) -> None:
    """The booking no longer wants its payment: cancel it if unpaid; if it was paid by card, refund
    ``refund`` (minor units; None: all that is left, as for a cancelled course; 0: nothing, as the course's
    refund policy may say). Call it with the course locked, in the transaction that cancels the booking."""
    payment = booking.payment
    if payment is None:
        return
    if payment.status == Payment.Status.PENDING:
        cancel_payment(payment)
    elif payment.status == Payment.Status.SUCCEEDED and payment.method == Payment.Method.CARD and refund != 0:
        reason = (
            Refund.Reason.COURSE_CANCELLED
            if booking.cancel_reason == Booking.CancelReason.COURSE_CANCELLED
            else Refund.Reason.CANCELLED_BY_PARENT
        )
        request_refund(payment, reason=reason, amount=refund)


def refunds_online(booking: Booking) -> bool:
    """Whether cancelling this booking sends a card payment back automatically (what its emails say)."""
    payment = booking.payment
    return payment is not None and payment.status == Payment.Status.SUCCEEDED and payment.is_online


def expire_payment_holds() -> int:
    """Free the places whose payment did not arrive in time and pass each to the next family waiting.
    Safe to run concurrently: each course is locked and each hold re-checked under the lock. A course
    locked by others for longer than the database waits is left to the next sweep. Returns holds ended."""
    now = timezone.now()
    course_ids = set(
        Booking.objects.filter(status=Booking.Status.PENDING_PAYMENT, payment__pay_by__lte=now).values_list(
            "course_id", flat=True
        )
    )
    return expire_on_each_course(course_ids, _expire_holds_on, what="expired holds", log=logger)


@busy_as(BookingError)
def _expire_holds_on(course_id: int) -> int:
    from classes.services.bookings import _cancel, offer_free_places

    with transaction.atomic():
        course = Course.objects.select_for_update().get(pk=course_id)
        stale = (
            Booking.objects.select_for_update(of=("self",))
            .filter(course=course, status=Booking.Status.PENDING_PAYMENT, payment__pay_by__lte=timezone.now())
            .select_related("parent", "baby", "payment")
        )
        expired = 0
        for booking in stale:
            _cancel(booking, Booking.CancelReason.PAYMENT_EXPIRED)
            cancel_payment(booking.payment)
            emails.queue_payment_hold_expired(booking)
            expired += 1
        offer_free_places(course)
        transaction.on_commit(bump_catalog_version)
    return expired


def _lock(payment: Payment) -> None:
    course_id = Booking.objects.filter(payment=payment).values_list("course_id", flat=True).first()
    if course_id is not None:
        Course.objects.select_for_update().get(pk=course_id)


def _place_is_free(booking: Booking, course: Course) -> bool:
    first = first_session(course)
    if course.status != Course.Status.PUBLISHED or first is None or first.starts_at <= timezone.now():
        return False
    if Booking.objects.live().filter(course=course, baby_id=booking.baby_id).exclude(pk=booking.pk).exists():
        return False
    return Booking.objects.filter(course=course).holding_a_place().count() < course.capacity


def _fulfil(payment: Payment) -> bool:
    """The booking's payment went through: confirm the place it held, or the place it held until the hold
    ran out if that place is still free. Otherwise (the place went to another family, the course was
    cancelled, the parent let it go) the money goes back (returns False). Queues the confirmation."""
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("course", "parent", "baby")
        .filter(payment=payment)
        .first()
    )
    if booking is None:
        return False
    if booking.status == Booking.Status.CONFIRMED:
        return True
    revive = (
        booking.status == Booking.Status.CANCELLED
        and booking.cancel_reason == Booking.CancelReason.PAYMENT_EXPIRED
        and _place_is_free(booking, booking.course)
    )
    if booking.status != Booking.Status.PENDING_PAYMENT and not revive:
        return False
    booking.status = Booking.Status.CONFIRMED
    booking.cancel_reason = ""
    booking.cancelled_at = None
    booking.confirmed_at = timezone.now()
    booking.is_paid = True
    booking.save(
        update_fields=["status", "cancel_reason", "cancelled_at", "confirmed_at", "is_paid", "updated_at"]
    )
    emails.queue_booking_confirmed(booking)
    BookingNotice.objects.create(
        course_id=booking.course_id, booking=booking, kind=BookingNotice.Kind.NEW_BOOKING
    )
    transaction.on_commit(bump_catalog_version)
    return True


def _next_url(payment: Payment) -> str:
    return reverse("classes:my_bookings")


def _back_url(payment: Payment) -> str:
    booking = Booking.objects.select_related("course").filter(payment=payment).first()
    return booking.course.get_absolute_url() if booking else reverse("classes:catalog")


def register_booking_payments() -> None:
    """Called from ClassesConfig.ready(): payments calls these back for every booking payment."""
    register(
        Payment.Purpose.BOOKING,
        Purpose(
            lock=_lock,
            fulfil=_fulfil,
            next_url=_next_url,
            back_url=_back_url,
            # The booking-confirmed email carries the receipt (classes.emails.render_booking_confirmed).
            receipt_in_own_email=True,
        ),
    )
