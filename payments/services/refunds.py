"""Refunds: recorded with what caused them, sent to Stripe by a worker, retried, failed for staff to see.

A refund is a row written in the transaction of the change that causes it (a late payment, a course
cancelled); the worker claims it by a conditional update and commits *before* calling Stripe, with the
refund's idempotency key, then records the result in a second short transaction, as the outbox does with
SMTP. A worker that dies between Stripe's answer and the record leaves the row in *sending*; the sweep
puts it back after REFUND_SENDING_STUCK_SECONDS and the key makes Stripe return the first refund.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from config.locking import busy_as
from payments import emails, gateway
from payments.gateway import GatewayError
from payments.models import Payment, Refund
from payments.services.errors import PaymentError
from payments.services.receipts import issue_credit_note

logger = logging.getLogger(__name__)

SEND_REFUND_TASK = "payments.tasks.send_refund"


def refundable_amount(payment: Payment) -> int:
    """What is left to refund: the amount less every refund not failed."""
    given = payment.refunds.exclude(status=Refund.Status.FAILED).aggregate(total=Sum("amount"))["total"]
    return payment.amount - (given or 0)


@busy_as(PaymentError)
def request_refund(
    payment: Payment,
    *,
    reason: str,
    amount: int | None = None,
    requested_by: AbstractBaseUser | None = None,
) -> Refund:
    """Record a refund of ``amount`` (all that is left when None) and queue its sending after commit.

    Call it inside the transaction of the change that causes it (after the owner's lock: it locks the
    payment). Raises PaymentError for a payment that was not taken by card or not paid, or an amount that
    is not positive or more than what is left to refund. The refund is emailed to the payer once Stripe
    has made it.
    """
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.status != Payment.Status.SUCCEEDED or locked.method != Payment.Method.CARD:
            raise PaymentError(_("Only a card payment that went through can be refunded online."))
        left = refundable_amount(locked)
        amount = left if amount is None else amount
        if amount <= 0 or amount > left:
            raise PaymentError(
                _("A refund must be more than nothing and no more than what is left to refund.")
            )
        refund = Refund.objects.create(
            payment=locked, amount=amount, reason=reason, requested_by=requested_by
        )
        transaction.on_commit(lambda: _queue_send(refund.pk), robust=True)
    return refund


def _queue_send(refund_id: int, *, countdown: int | None = None) -> None:
    try:
        current_app.tasks[SEND_REFUND_TASK].apply_async((refund_id,), countdown=countdown)
    except Exception:
        logger.warning("Could not queue refund %s; the sweep will send it.", refund_id, exc_info=True)


def retry_delay_seconds(attempts: int) -> int:
    return settings.REFUND_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)


def send_refund(refund_id: int) -> str:
    """Send one due refund to Stripe; returns succeeded, retrying, failed or skipped (not due, or claimed
    by another worker). Safe to run twice. A failure is retried with backoff, and after
    REFUND_MAX_ATTEMPTS the refund is failed: listed in admin for staff to retry. On success issues the
    refund's credit note and queues the refund email, which carries it, to the payer.
    """
    now = timezone.now()
    claimed = Refund.objects.filter(
        pk=refund_id, status=Refund.Status.PENDING, next_attempt_at__lte=now
    ).update(status=Refund.Status.SENDING, attempts=F("attempts") + 1, claimed_at=now)
    if not claimed:
        return "skipped"
    refund = Refund.objects.select_related("payment").get(pk=refund_id)
    try:
        provider_id = gateway.create_refund(
            intent_id=refund.payment.intent_id,
            amount=refund.amount,
            metadata={"refund": str(refund.pk), "payment": str(refund.payment_id)},
            idempotency_key=refund.idempotency_key,
        )
    except GatewayError as error:
        return _record_failure(refund, error)
    with transaction.atomic():
        done = Refund.objects.filter(pk=refund.pk, status=Refund.Status.SENDING).update(
            status=Refund.Status.SUCCEEDED,
            provider_refund_id=provider_id,
            succeeded_at=timezone.now(),
            last_error="",
        )
        if done:
            made = Refund.objects.select_related("payment", "payment__payer").get(pk=refund.pk)
            emails.queue_refund_made(made)
            # Last: every transaction that issues a credit note waits on the year's number sequence.
            issue_credit_note(made.payment, refund=made)
    return "succeeded"


def _record_failure(refund: Refund, error: GatewayError) -> str:
    message = f"{type(error).__name__}: {error}"[:2000]
    if refund.attempts >= settings.REFUND_MAX_ATTEMPTS:
        Refund.objects.filter(pk=refund.pk, status=Refund.Status.SENDING).update(
            status=Refund.Status.FAILED, last_error=message
        )
        logger.error("Refund %s failed for good after %s attempts: %s", refund.pk, refund.attempts, message)
        return "failed"
    delay = retry_delay_seconds(refund.attempts)
    Refund.objects.filter(pk=refund.pk, status=Refund.Status.SENDING).update(
        status=Refund.Status.PENDING,
        last_error=message,
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
    )
    _queue_send(refund.pk, countdown=delay)
    return "retrying"


def send_due_refunds() -> int:
    """The sweep: put back refunds stuck in sending, then send every refund that is due. Returns the
    refunds sent."""
    now = timezone.now()
    Refund.objects.filter(
        status=Refund.Status.SENDING,
        claimed_at__lte=now - timedelta(seconds=settings.REFUND_SENDING_STUCK_SECONDS),
    ).update(status=Refund.Status.PENDING, next_attempt_at=now)
    due = Refund.objects.filter(status=Refund.Status.PENDING, next_attempt_at__lte=now).values_list(
        "pk", flat=True
    )
    return sum(send_refund(pk) == "succeeded" for pk in list(due))


@busy_as(PaymentError)
def retry_refund(refund: Refund) -> Refund:
    """Staff send a failed refund again (admin). Raises PaymentError for a refund that has not failed, or
    when what is left to refund no longer covers it. Queues its sending after commit."""
    with transaction.atomic():
        Payment.objects.select_for_update().get(pk=refund.payment_id)
        locked = Refund.objects.select_for_update().get(pk=refund.pk)
        if locked.status != Refund.Status.FAILED:
            raise PaymentError(_("Only a failed refund can be sent again."))
        if locked.amount > refundable_amount(locked.payment):
            raise PaymentError(
                _("A refund must be more than nothing and no more than what is left to refund.")
            )
        locked.status = Refund.Status.PENDING
        locked.next_attempt_at = timezone.now()
        locked.attempts = 0
        locked.save(update_fields=["status", "next_attempt_at", "attempts"])
        transaction.on_commit(lambda: _queue_send(locked.pk), robust=True)
    return locked
