"""What instructors took and gave back on their courses: a course's totals by method, the refunds its
cancelled sessions owe, the months with money on an instructor's courses and each month's statement.

Reads only, each in a number of queries that does not grow with the data. A payment counts from when it
went through and a refund from when Stripe made it, each on the date of the course's own time zone; a
cash or transfer payment recorded in error (voided) counts nowhere.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from django.db.models import F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from accounts.models import User
from classes.models import Booking, Course, Session, SessionRefund
from classes.selectors import LOCAL_DATE_MARGIN, LocalDate
from payments.models import Payment, Receipt, Refund
from payments.money import to_minor_units

REFUND_IN_PROGRESS = (Refund.Status.PENDING, Refund.Status.SENDING)


@dataclass(frozen=True)
class Takings:
    """A course's money in its currency's minor units."""

    currency: str
    card: int = 0
    cash: int = 0
    transfer: int = 0
    refunded: int = 0
    refunding: int = 0  # refunds recorded and not yet made by Stripe

    @property
    def collected(self) -> int:
        return self.card + self.cash + self.transfer

    @property
    def net(self) -> int:
        return self.collected - self.refunded


def course_takings(course: Course) -> Takings:
    """What the course's families paid, by method, and what went back to them (two queries)."""
    paid = Payment.objects.filter(booking__course=course, status=Payment.Status.SUCCEEDED).aggregate(
        **{method: Sum("amount", filter=Q(method=method)) for method in Payment.Method.values}
    )
    given = Refund.objects.filter(payment__booking__course=course).aggregate(
        refunded=Sum("amount", filter=Q(status=Refund.Status.SUCCEEDED)),
        refunding=Sum("amount", filter=Q(status__in=REFUND_IN_PROGRESS)),
    )
    return Takings(
        currency=course.currency,
        **{name: total or 0 for name, total in (paid | given).items()},
    )


@dataclass
class SessionRefundLine:
    """One family that paid the course by card, as a cancelled session's refund form shows it."""

    booking: Booking
    left: int  # what is left to refund of its payment
    refund: Refund | None  # its refund for this session, once made


@dataclass
class CancelledSessionRefunds:
    """A cancelled session and the families that paid by card: ``share`` is the course's price divided by
    its number of sessions, rounded down (what a form offers to give back)."""

    session: Session
    share: int
    currency: str
    lines: list[SessionRefundLine] = field(default_factory=list)

    @property
    def waiting(self) -> list[SessionRefundLine]:
        """Families with no refund for this session yet and something left to refund."""
        return [line for line in self.lines if line.refund is None and line.left > 0]


def cancelled_session_refunds(course: Course, sessions: list[Session]) -> list[CancelledSessionRefunds]:
    """For each cancelled session of the course (of ``sessions``, all of its sessions), every family with a
    confirmed place paid by card and what it has had back for that session (three queries, none without a
    cancelled session)."""
    cancelled = [session for session in sessions if session.status == Session.Status.CANCELLED]
    if not cancelled:
        return []
    paying = list(
        Booking.objects.filter(
            course=course,
            status=Booking.Status.CONFIRMED,
            payment__method=Payment.Method.CARD,
            payment__status=Payment.Status.SUCCEEDED,
        )
        .select_related("payment", "baby", "parent")
        .order_by("created_at", "pk")
    )
    if not paying:
        return []
    given = dict(
        Refund.objects.filter(payment__in=[booking.payment_id for booking in paying])
        .exclude(status=Refund.Status.FAILED)
        .values("payment_id")
        .annotate(total=Sum("amount"))
        .values_list("payment_id", "total")
    )
    made = {
        (refund.booking_id, refund.session_id): refund.refund
        for refund in SessionRefund.objects.filter(session__in=cancelled).select_related("refund")
    }
    share = to_minor_units(course.price, course.currency) // len(sessions)
    return [
        CancelledSessionRefunds(
            session=session,
            share=share,
            currency=course.currency,
            lines=[
                SessionRefundLine(
                    booking=booking,
                    left=booking.payment.amount - given.get(booking.payment_id, 0),
                    refund=made.get((booking.pk, session.pk)),
                )
                for booking in paying
            ],
        )
        for session in cancelled
    ]


def _on_courses_of(instructor: User, moments: QuerySet, path: str) -> QuerySet:
    """``moments`` (payments or refunds, reached from the booking at ``path``) on the instructor's courses,
    each with ``local_day``: the date it counts on, in its course's time zone."""
    return moments.filter(**{f"{path}__course__instructor": instructor}).annotate(
        local_day=LocalDate(F("succeeded_at"), F(f"{path}__course__time_zone"))
    )


def _payments_of(instructor: User) -> QuerySet[Payment]:
    return _on_courses_of(instructor, Payment.objects.filter(status=Payment.Status.SUCCEEDED), "booking")


def _refunds_of(instructor: User) -> QuerySet[Refund]:
    return _on_courses_of(
        instructor, Refund.objects.filter(status=Refund.Status.SUCCEEDED), "payment__booking"
    )


def months_with_payments(instructor: User) -> list[date]:
    """The months (their first day) in which money came in or went back on the instructor's courses, the
    latest first (two queries)."""
    months: set[date] = set()
    for moments in (_payments_of(instructor), _refunds_of(instructor)):
        months.update(
            moments.annotate(month=TruncMonth("local_day"))
            .order_by()
            .values_list("month", flat=True)
            .distinct()
        )
    return sorted(months, reverse=True)


@dataclass(frozen=True)
class StatementLine:
    """A payment (a positive amount) or a refund (negative) on one of the instructor's courses."""

    day: date
    course: Course
    family: str
    description: str
    method: str
    amount: int
    currency: str
    receipt: str


@dataclass
class Statement:
    month: date
    lines: list[StatementLine]

    def totals(self) -> dict[str, dict[str, int]]:
        """Per currency: collected, refunded (a positive number) and net, in minor units."""
        totals: dict[str, dict[str, int]] = defaultdict(lambda: {"collected": 0, "refunded": 0, "net": 0})
        for line in self.lines:
            kept = totals[line.currency]
            kept["collected" if line.amount > 0 else "refunded"] += abs(line.amount)
            kept["net"] += line.amount
        return dict(sorted(totals.items()))


def _within(moments: QuerySet, month: date) -> QuerySet:
    after = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    # The instants a month's local dates can hold, whatever the zone: the index on the time bounds the read.
    return moments.filter(
        succeeded_at__gte=datetime(month.year, month.month, 1, tzinfo=UTC) - LOCAL_DATE_MARGIN,
        succeeded_at__lt=datetime(after.year, after.month, 1, tzinfo=UTC) + LOCAL_DATE_MARGIN,
        local_day__gte=month,
        local_day__lt=after,
    )


def _payer(payment: Payment) -> str:
    return payment.payer.get_full_name() if payment.payer is not None else ""


def _receipt_number(payment: Payment, *, refund: Refund | None = None) -> str:
    """The number of a payment's receipt, or of the credit note of one of its refunds ("" before it is
    issued), from the payment's prefetched receipts."""
    for receipt in payment.receipts.all():
        if refund is None and receipt.kind == Receipt.Kind.RECEIPT:
            return receipt.number
        if refund is not None and receipt.refund_id == refund.pk:
            return receipt.number
    return ""


def monthly_statement(instructor: User, month: date) -> Statement:
    """Every payment and refund on the instructor's courses in the month, by date in each course's time
    zone, with the numbers of their receipts and credit notes (four queries)."""
    payments = _within(_payments_of(instructor), month).select_related("booking__course", "payer")
    refunds = _within(_refunds_of(instructor), month).select_related(
        "payment__booking__course", "payment__payer"
    )
    lines = [
        StatementLine(
            day=payment.local_day,
            course=payment.booking.course,
            family=_payer(payment),
            description=payment.description,
            method=payment.get_method_display(),
            amount=payment.amount,
            currency=payment.currency,
            receipt=_receipt_number(payment),
        )
        for payment in payments.prefetch_related("receipts")
    ]
    lines += [
        StatementLine(
            day=refund.local_day,
            course=refund.payment.booking.course,
            family=_payer(refund.payment),
            description=f"{refund.get_reason_display()}: {refund.payment.description}",
            method=refund.payment.get_method_display(),
            amount=-refund.amount,
            currency=refund.payment.currency,
            receipt=_receipt_number(refund.payment, refund=refund),
        )
        for refund in refunds.prefetch_related("payment__receipts")
    ]
    lines.sort(key=lambda line: (line.day, line.course.title, line.amount < 0))
    return Statement(month=month, lines=lines)
