"""What families pay the instructor of a course and get back: the roster's paid mark (cash or a transfer,
recorded as a payments.Payment like every other payment) and part of a card payment given back when a
session was cancelled (docs/domain.md, Paying online).

The course's instructor may do all of this, and so may a course coordinator, on the record (CourseAction).
Lock order, as everywhere: the course, then the booking, then the payment. Nothing here calls Stripe: a
refund is a row that the worker sends once the transaction has committed.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from classes.models import Booking, Course, CourseAction, Session, SessionRefund
from classes.services.courses import record_course_action as _record
from classes.services.errors import CourseError
from classes.services.paid_bookings import booking_payment_description
from classes.services.teaching import _check_actor
from config.locking import busy_as
from payments.models import Payment, Refund
from payments.money import format_money, to_minor_units
from payments.services import (
    PaymentError,
    record_offline_payment,
    refundable_amount,
    request_refund,
    void_offline_payment,
)
from payments.services.offline import OFFLINE_METHODS


def _locked_booking(booking: Booking) -> tuple[Course, Booking]:
    course = Course.objects.select_for_update().get(pk=booking.course_id)
    locked = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("payment", "parent", "baby")
        .get(pk=booking.pk)
    )
    return course, locked


def _family(booking: Booking) -> str:
    if booking.baby is None:
        return _("a deleted family")
    return _("%(baby)s’s family") % {"baby": booking.baby.first_name}


@busy_as(CourseError)
def set_paid(booking: Booking, *, actor: User, paid: bool, method: str = Payment.Method.CASH) -> Booking:
    """Record that a family paid the course's price to the instructor in cash or by transfer (a Payment
    linked to the booking, its paid mark set), or take that back (the payment voided, the mark cleared).
    Setting what is already set changes nothing. A coordinator's change is recorded.

    Raises CourseError for someone else's course, a place paid online by card (refunded, never undone by
    hand), a family without a confirmed place, a free course, or a method other than cash or transfer.
    Queues nothing.
    """
    _check_actor(booking.course, actor)
    if paid and method not in OFFLINE_METHODS:
        raise CourseError(_("Choose cash or bank transfer."))
    with transaction.atomic():
        course, booking = _locked_booking(booking)
        payment = booking.payment
        if payment is not None and payment.is_online:
            raise CourseError(_("This family pays online by card: a card payment is refunded, never undone."))
        if booking.is_paid == paid:
            return booking
        if paid and booking.status != Booking.Status.CONFIRMED:
            raise CourseError(_("Only a family with a confirmed place can be marked as paid."))
        if paid and course.price <= 0:
            raise CourseError(_("This course is free: there is nothing to pay."))
        try:
            if paid:
                booking.payment = record_offline_payment(
                    purpose=Payment.Purpose.BOOKING,
                    payer=booking.parent,
                    description=booking_payment_description(course, parent=booking.parent, baby=booking.baby),
                    amount=to_minor_units(course.price, course.currency),
                    currency=course.currency,
                    method=method,
                    recorded_by=actor,
                )
            else:
                if payment is not None and payment.status == Payment.Status.SUCCEEDED:
                    void_offline_payment(payment, by=actor)
                # The voided payment stays on record (who recorded it, who undid it); the place has none.
                booking.payment = None
        except PaymentError as error:
            raise CourseError(str(error)) from None
        booking.is_paid = paid
        booking.save(update_fields=["payment", "is_paid", "updated_at"])
        _record(
            course,
            actor,
            CourseAction.Kind.PAID_MARKED,
            f"booking {booking.pk}: {method if paid else 'not paid'}",
        )
    return booking


def _cancelled_session(course: Course, session: Session) -> Session:
    session = Session.objects.get(pk=session.pk)
    if session.course_id != course.pk:
        raise CourseError(_("That session is not part of this course."))
    if session.status != Session.Status.CANCELLED:
        raise CourseError(_("Only a cancelled session is refunded."))
    return session


def _refund_session(
    course: Course, booking: Booking, *, session: Session, amount: int, actor: User
) -> SessionRefund:
    """The refund of one family for one cancelled session; call with the course and the booking locked."""
    if booking.course_id != course.pk:
        raise CourseError(_("That family is not booked on this course."))
    if booking.status != Booking.Status.CONFIRMED:
        raise CourseError(_("Only a family with a confirmed place gets a refund for a cancelled session."))
    payment = booking.payment
    if payment is None or not payment.is_online or payment.status != Payment.Status.SUCCEEDED:
        raise CourseError(_("This family did not pay online by card: refund them yourself."))
    if SessionRefund.objects.filter(booking=booking, session=session).exists():
        raise CourseError(
            _("%(family)s has had a refund for week %(week)s already.")
            % {"family": _family(booking), "week": session.week_number}
        )
    left = refundable_amount(payment)
    if amount <= 0:
        raise CourseError(_("Enter an amount of more than nothing."), field="amount")
    if amount > left:
        raise CourseError(
            _("Only %(left)s is left to refund to %(family)s.")
            % {"left": format_money(left, payment.currency), "family": _family(booking)},
            field="amount",
        )
    try:
        refund = request_refund(
            payment, reason=Refund.Reason.SESSION_CANCELLED, amount=amount, requested_by=actor
        )
    except PaymentError as error:
        raise CourseError(str(error), field="amount") from None
    _record(
        course,
        actor,
        CourseAction.Kind.SESSION_REFUNDED,
        f"week {session.week_number}, booking {booking.pk}: {amount} {payment.currency}",
    )
    return SessionRefund.objects.create(booking=booking, session=session, refund=refund)


@busy_as(CourseError)
def refund_cancelled_session(
    booking: Booking, *, session: Session, amount: int, actor: User
) -> SessionRefund:
    """Give a family back ``amount`` (minor units) of its card payment for a session of the course that was
    cancelled: at most once per family and session. A coordinator's refund is recorded.

    Raises CourseError for someone else's course, a session that is not cancelled or not of the family's
    course, a family without a confirmed place paid online by card, a family already refunded for this
    session, or an amount that is not positive or more than what is left to refund (``field`` "amount").
    Queues the refund's sending after commit; the family is emailed once Stripe has made it.
    """
    _check_actor(session.course, actor)
    with transaction.atomic():
        course, booking = _locked_booking(booking)
        session = _cancelled_session(course, session)
        return _refund_session(course, booking, session=session, amount=amount, actor=actor)


@busy_as(CourseError)
def refund_cancelled_session_to_all(session: Session, *, amount: int, actor: User) -> list[SessionRefund]:
    """Give ``amount`` (minor units) back to every family with a confirmed place paid online by card that
    has had no refund for this cancelled session yet: all of them or, when one cannot be refunded that
    much, none.

    Raises CourseError as refund_cancelled_session does, naming the family at fault, or when every such
    family has had its refund for the session. Queues each refund's sending after commit.
    """
    _check_actor(session.course, actor)
    with transaction.atomic():
        course = Course.objects.select_for_update().get(pk=session.course_id)
        session = _cancelled_session(course, session)
        families = list(
            Booking.objects.select_for_update(of=("self",))
            .filter(
                course=course,
                status=Booking.Status.CONFIRMED,
                payment__method=Payment.Method.CARD,
                payment__status=Payment.Status.SUCCEEDED,
            )
            .exclude(session_refunds__session=session)
            .select_related("payment", "parent", "baby")
            .order_by("pk")
        )
        if not families:
            raise CourseError(_("Every family that paid online has had a refund for this session already."))
        return [
            _refund_session(course, booking, session=session, amount=amount, actor=actor)
            for booking in families
        ]
