"""The training fee: paid by card from the progress page, or by bank transfer recorded by staff in admin
(docs/domain.md, Certification and Paying online).

payments knows nothing of enrollments: certification registers the training-fee purpose with it
(payments.purposes), and payments calls back ``_lock`` and ``_fulfil`` in the transaction that records a
card payment's success. Lock order, as everywhere: the enrollment, then the payment.
"""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import User
from certification.fees import fee_payable_online
from certification.models import Enrollment
from certification.services.errors import CertificationError
from config.locking import busy_as
from notifications.services import language_for
from payments.models import Payment
from payments.money import to_minor_units
from payments.purposes import Purpose, register
from payments.services import (
    PaymentError,
    cancel_payment,
    is_payable,
    open_card_payment,
    record_offline_payment,
    void_offline_payment,
)

# An enrollment that no longer wants its fee: a fee paid for it anyway goes back in full.
FEE_UNWANTED = (Enrollment.Status.DECLINED, Enrollment.Status.WITHDRAWN)


def _locked(enrollment: Enrollment) -> Enrollment:
    return (
        Enrollment.objects.select_for_update(of=("self",))
        .select_related("training", "trainee", "fee_payment")
        .get(pk=enrollment.pk)
    )


def _description(enrollment: Enrollment) -> str:
    """What the payment is for, in the trainee's language (the pay page and the receipts show it)."""
    with translation.override(language_for(enrollment.trainee)):
        return _("Training fee: “%(training)s”") % {"training": enrollment.training.title}


def _amount(enrollment: Enrollment) -> tuple[int, str]:
    training = enrollment.training
    return to_minor_units(training.fee, training.currency), training.currency.upper()


def _matches(payment: Payment, enrollment: Enrollment) -> bool:
    return (payment.amount, payment.currency) == _amount(enrollment)


@busy_as(CertificationError)
def open_training_fee_payment(enrollment: Enrollment, *, trainee: User) -> Payment:
    """The card payment of the training fee, to be paid on the pay page: the pending one again while it
    can still be paid for the current fee, else a new one (the old one cancelled).

    Raises CertificationError for someone else's enrollment, one that is not accepted, a fee already paid
    or a free training, and when payments are off. Queues nothing (a replaced payment's intent is closed
    at Stripe after commit).
    """
    with transaction.atomic():
        enrollment = _locked(enrollment)
        if enrollment.trainee_id != trainee.pk:
            raise CertificationError(_("This is not your application."))
        if enrollment.fee_settled:
            raise CertificationError(_("There is no training fee left to pay."))
        if not fee_payable_online(enrollment):
            if enrollment.status != Enrollment.Status.ACCEPTED:
                raise CertificationError(_("The training fee is paid once your application is accepted."))
            raise CertificationError(
                _("Paying online is not available right now; pay as your trainer explained.")
            )
        current = enrollment.fee_payment
        if current is not None and current.status == Payment.Status.PENDING:
            if is_payable(current) and _matches(current, enrollment):
                return current
            cancel_payment(current)
        amount, currency = _amount(enrollment)
        try:
            payment = open_card_payment(
                purpose=Payment.Purpose.TRAINING_FEE,
                payer=trainee,
                description=_description(enrollment),
                amount=amount,
                currency=currency,
                pay_by=None,
            )
        except PaymentError as error:
            raise CertificationError(str(error)) from error
        enrollment.fee_payment = payment
        enrollment.save(update_fields=["fee_payment"])
    return payment


@busy_as(CertificationError)
def record_training_fee_transfer(enrollment: Enrollment, *, recorded_by: User) -> Enrollment:
    """Staff received the training fee by bank transfer: record it as a transfer payment and mark the fee
    paid. A card payment still pending is cancelled, so the trainee cannot pay twice.

    Raises CertificationError for a fee already paid, a free training, or an enrollment already
    certified. Queues nothing.
    """
    with transaction.atomic():
        enrollment = _locked(enrollment)
        if enrollment.status == Enrollment.Status.CERTIFIED:
            raise CertificationError(_("The certificate was issued on these results; they cannot change."))
        if enrollment.fee_paid:
            raise CertificationError(_("The training fee is already recorded as paid."))
        if not enrollment.training.fee:
            raise CertificationError(_("This training is free: there is no fee to record."))
        current = enrollment.fee_payment
        if current is not None and current.status == Payment.Status.PENDING:
            cancel_payment(current)
        amount, currency = _amount(enrollment)
        try:
            payment = record_offline_payment(
                purpose=Payment.Purpose.TRAINING_FEE,
                payer=enrollment.trainee,
                description=_description(enrollment),
                amount=amount,
                currency=currency,
                method=Payment.Method.TRANSFER,
                recorded_by=recorded_by,
            )
        except PaymentError as error:
            raise CertificationError(str(error)) from error
        enrollment.fee_payment = payment
        enrollment.fee_paid = True
        enrollment.save(update_fields=["fee_payment", "fee_paid"])
    return enrollment


@busy_as(CertificationError)
def undo_training_fee_transfer(enrollment: Enrollment, *, by: User) -> Enrollment:
    """Take back a training fee recorded as paid by mistake: the transfer payment is voided (one paid
    before fees were payments is simply unmarked). A card payment is refunded, never undone.

    Raises CertificationError for a fee not recorded as paid, one paid by card, or an enrollment already
    certified. Queues nothing.
    """
    with transaction.atomic():
        enrollment = _locked(enrollment)
        if enrollment.status == Enrollment.Status.CERTIFIED:
            raise CertificationError(_("The certificate was issued on these results; they cannot change."))
        if not enrollment.fee_paid:
            raise CertificationError(_("The training fee is not recorded as paid."))
        payment = enrollment.fee_payment
        if payment is not None:
            try:
                void_offline_payment(payment, by=by)
            except PaymentError as error:
                raise CertificationError(str(error)) from error
        enrollment.fee_payment = None
        enrollment.fee_paid = False
        enrollment.save(update_fields=["fee_payment", "fee_paid"])
    return enrollment


def _lock(payment: Payment) -> None:
    list(Enrollment.objects.select_for_update().filter(fee_payment=payment).values_list("pk", flat=True))


def _fulfil(payment: Payment) -> bool:
    """The training fee went through by card: mark it paid. The money goes back (returns False) when the
    enrollment no longer wants it: declined or withdrawn, or the payment was replaced meanwhile (a
    transfer recorded, a new payment opened)."""
    enrollment = Enrollment.objects.select_for_update(of=("self",)).filter(fee_payment=payment).first()
    if enrollment is None or enrollment.status in FEE_UNWANTED:
        return False
    if not enrollment.fee_paid:
        enrollment.fee_paid = True
        enrollment.save(update_fields=["fee_paid"])
    return True


def _progress_url(payment: Payment) -> str:
    return reverse("certification:progress")


def register_training_fee_payments() -> None:
    """Called from CertificationConfig.ready(): payments calls these back for every training-fee payment."""
    register(
        Payment.Purpose.TRAINING_FEE,
        Purpose(lock=_lock, fulfil=_fulfil, next_url=_progress_url, back_url=_progress_url),
    )
