"""Money taken outside Stripe: cash or a bank transfer, recorded by the person who received it.

An instructor's *paid* mark on the roster and staff recording a training fee paid by transfer both land
here, so every payment the association knows of is a Payment row, whichever way it came.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from payments import emails
from payments.models import Payment
from payments.services.errors import PaymentError
from payments.services.receipts import issue_credit_note, issue_receipt

OFFLINE_METHODS = frozenset({Payment.Method.CASH, Payment.Method.TRANSFER})


def record_offline_payment(
    *,
    purpose: str,
    payer: AbstractBaseUser | None,
    description: str,
    amount: int,
    currency: str,
    method: str,
    recorded_by: AbstractBaseUser,
) -> Payment:
    """Record money received in cash or by transfer, as paid now, and issue its receipt. Call it inside
    the transaction of the change it belongs to (it opens its own when there is none), as late as you
    can: the receipt's number sequence stays locked until that transaction commits.

    Raises PaymentError for a method other than cash or transfer, or an amount that is not positive.
    Queues the "payment received" email with the receipt to the payer.
    """
    if method not in OFFLINE_METHODS:
        raise PaymentError(_("Choose cash or bank transfer."))
    if amount <= 0:
        raise PaymentError(_("There is nothing to pay."))
    now = timezone.now()
    with transaction.atomic():
        payment = Payment.objects.create(
            purpose=purpose,
            payer=payer,
            description=description[:255],
            amount=amount,
            currency=currency.upper(),
            method=method,
            status=Payment.Status.SUCCEEDED,
            succeeded_at=now,
            recorded_by=recorded_by,
        )
        emails.queue_receipt_issued(payment)
        issue_receipt(payment)
    return payment


def void_offline_payment(payment: Payment, *, by: AbstractBaseUser) -> Payment:
    """Take back a cash or transfer payment recorded by mistake (the roster's *Undo*) and issue the credit
    note that cancels its receipt. Call it inside the owner's transaction, as late as you can (see
    record_offline_payment). Raises PaymentError for a card payment (those are refunded, never voided) or
    one that is not recorded as paid. Queues the email with the credit note to the payer. Returns the
    payment, now voided."""
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.method not in OFFLINE_METHODS:
            raise PaymentError(_("A card payment is refunded, not undone."))
        if locked.status != Payment.Status.SUCCEEDED:
            raise PaymentError(_("This payment is not recorded as paid."))
        locked.status = Payment.Status.VOIDED
        locked.canceled_at = timezone.now()
        locked.last_error = _("Undone by %(name)s") % {"name": by.get_full_name() or by.email}
        locked.save(update_fields=["status", "canceled_at", "last_error", "updated_at"])
        emails.queue_payment_voided(locked)
        issue_credit_note(locked)
    return locked
