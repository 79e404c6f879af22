"""Card payments through Stripe: open one, charge the card the page collected, learn how it ended.

A payment is confirmed by whichever comes first of the signed webhook (payments.services.webhooks), the
payer's return to our page, or the reconciliation sweep, and each of them *asks Stripe* (or reads
Stripe's signed event): the browser's word is never taken. Recording a success is one short transaction
that locks what the payment is for, then the payment row, and lets the owning app decide whether the
money is kept (payments.purposes); a second recording of the same success changes nothing.

Every Stripe call is made outside a transaction. Lock order: the owner's row (a course), then the payment.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery import current_app
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.locking import busy_as
from payments import emails, gateway
from payments.gateway import CardDeclined, GatewayError, GatewayUnavailable, Intent
from payments.models import Payment, Refund
from payments.purposes import purpose_of
from payments.services.errors import PaymentError, PaymentUnavailable
from payments.services.receipts import issue_receipt
from payments.services.refunds import request_refund

logger = logging.getLogger(__name__)

CLOSE_INTENT_TASK = "payments.tasks.close_intent"
# PaymentIntent states after which nothing more can happen to it.
FINAL_INTENT_STATES = frozenset({"succeeded", "canceled"})


def open_card_payment(
    *,
    purpose: str,
    payer: AbstractBaseUser,
    description: str,
    amount: int,
    currency: str,
    pay_by: datetime | None,
) -> Payment:
    """A pending card payment, to be paid on our pay page by ``pay_by``. No network: call it inside the
    transaction that creates what it pays for. Raises PaymentError for an amount that is not positive."""
    if amount <= 0:
        raise PaymentError(_("There is nothing to pay."))
    return Payment.objects.create(
        purpose=purpose,
        payer=payer,
        description=description[:255],
        amount=amount,
        currency=currency.upper(),
        method=Payment.Method.CARD,
        pay_by=pay_by,
    )


def is_payable(payment: Payment, *, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return payment.status == Payment.Status.PENDING and (payment.pay_by is None or payment.pay_by > now)


def cancel_payment(payment: Payment) -> bool:
    """End a payment nobody may make any more (its hold ran out, the booking was let go). Call it inside the
    owner's transaction, holding the owner's lock. Queues, after commit, the cancelling of its intent at
    Stripe; a card payment Stripe takes anyway is still recorded (record_intent). Returns whether it was
    pending."""
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.status != Payment.Status.PENDING:
            return False
        locked.status = Payment.Status.CANCELED
        locked.canceled_at = timezone.now()
        locked.save(update_fields=["status", "canceled_at", "updated_at"])
        if locked.intent_id:
            transaction.on_commit(lambda: _queue(CLOSE_INTENT_TASK, locked.pk), robust=True)
    return True


def _queue(task: str, *args, countdown: int | None = None) -> None:
    """Hand work to a worker. A broker that is down is logged: the beat sweeps find the row later."""
    try:
        current_app.tasks[task].apply_async(args, countdown=countdown)
    except Exception:
        logger.warning("Could not queue %s%s; the sweep will pick it up.", task, args, exc_info=True)


@dataclass(frozen=True)
class CardResult:
    """How one press of *Pay* ended, for the pay page's script: ``status`` is succeeded, requires_action
    (Stripe.js asks for 3-D Secure with ``client_secret``), declined (``message`` says why; the hold stays)
    or pending (Stripe is still working on it)."""

    status: str
    message: str = ""
    client_secret: str = ""


def decline_message(code: str) -> str:
    if code == "payment_intent_authentication_failure":
        return _(
            "Your bank could not confirm that it was you (3-D Secure), so nothing was charged. "
            "Try again, or use another card."
        )
    if code == "expired_card":
        return _("This card has expired. Nothing was charged: please use another card.")
    return _("Your card was declined, so nothing was charged. Please try another card.")


UNAVAILABLE_MESSAGE = gettext_lazy(
    "We could not reach the payment service, so nothing was charged. Your place is still held: "
    "please try again in a moment."
)


def submit_card(payment: Payment, *, payer: AbstractBaseUser, payment_method: str) -> CardResult:
    """Charge the card the pay page collected (a Stripe PaymentMethod or card id) for a pending payment.

    Talks to Stripe, outside any transaction: creates the payment's current PaymentIntent once (a second
    press finds it stored, and its idempotency key makes Stripe return the same one), attaches the card
    and confirms. Raises PaymentError for someone else's payment or one that can no longer be made, and
    PaymentUnavailable when Stripe cannot be reached (nothing charged, the hold kept). A declined card
    ends the attempt: the result says why, and the next press starts a new intent. A success is recorded
    at once, as the webhook would (record_intent), which queues what the owner queues on success.
    """
    if payment.payer_id != payer.pk:
        raise PaymentError(_("This is not your payment."))
    payment.refresh_from_db()
    if payment.status == Payment.Status.SUCCEEDED:
        return CardResult("succeeded")
    if not is_payable(payment):
        raise PaymentError(_("The time to pay has run out, so nothing was charged."))
    if not payment_method or len(payment_method) > 255:
        raise PaymentError(_("Enter your card details, then press Pay."))
    try:
        intent_id, attempt = _current_intent(payment)
        claimed, before = _claim_confirmation(payment, intent_id)
        if not claimed:
            # Another press (a second tab) is confirming this intent right now: only one press ever asks
            # Stripe to charge an intent, whatever the fake server in tests does with idempotency keys.
            intent = _settled_intent(intent_id)
        else:
            try:
                intent = gateway.confirm_intent(
                    intent_id,
                    payment_method=payment_method,
                    idempotency_key=idempotency_key(payment, f"{attempt}-confirm"),
                )
            except CardDeclined as declined:
                _end_attempt(payment, intent_id, code=declined.code or "card_declined")
                return CardResult("declined", decline_message(declined.code))
            except GatewayUnavailable:
                _release_confirmation(payment, intent_id, before)
                raise
            except GatewayError:
                # Confirmed already, or ended meanwhile: ask how it stands.
                intent = gateway.retrieve_intent(intent_id)
    except GatewayError as error:
        # Unreachable, or an answer we cannot act on: nothing was recorded as paid, the hold stays, and the
        # webhook or the reconciliation sweep records whatever Stripe did.
        logger.warning("Stripe call failed while paying payment %s: %s", payment.pk, error)
        raise PaymentUnavailable(str(UNAVAILABLE_MESSAGE)) from error
    outcome = record_intent(payment, intent)
    if outcome == "declined":
        return CardResult("declined", decline_message(intent.error_code))
    if outcome == "requires_action":
        return CardResult("requires_action", client_secret=intent.client_secret)
    return CardResult(outcome)


# Set on the payment by the press that is confirming its intent (Stripe's own word for a payment in flight).
CONFIRMING = "processing"
# How long a second press waits for the first to hear back from Stripe.
SETTLE_SECONDS = 10


def _claim_confirmation(payment: Payment, intent_id: str) -> tuple[bool, str]:
    """Whether this press may confirm the intent (a conditional update: one press wins), and the intent
    status it replaced, to put back if Stripe cannot be reached."""
    current = Payment.objects.filter(pk=payment.pk).values_list("intent_status", flat=True).first() or ""
    claimed = (
        Payment.objects.filter(pk=payment.pk, intent_id=intent_id, status=Payment.Status.PENDING)
        .exclude(intent_status=CONFIRMING)
        .update(intent_status=CONFIRMING, updated_at=timezone.now())
    )
    return claimed == 1, current


def _release_confirmation(payment: Payment, intent_id: str, before: str) -> None:
    Payment.objects.filter(pk=payment.pk, intent_id=intent_id, intent_status=CONFIRMING).update(
        intent_status=before, updated_at=timezone.now()
    )


def _settled_intent(intent_id: str):
    """The intent once the press confirming it has heard back from Stripe (or as it stands after
    SETTLE_SECONDS: the webhook and the reconciliation sweep record what follows)."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        intent = gateway.retrieve_intent(intent_id)
        if intent.status not in ("requires_payment_method", "requires_confirmation", "processing"):
            return intent
        if time.monotonic() > deadline:
            return intent
        time.sleep(0.2)


def idempotency_key(payment: Payment, step: str) -> str:
    """Names one request about one payment. The creation time keeps two databases that share a Stripe
    account (a developer's and staging, whose ids start alike) from ever sending the same key."""
    return f"nurturing-touch-payment-{payment.pk}-{int(payment.created_at.timestamp())}-{step}"


def _current_intent(payment: Payment) -> tuple[str, int]:
    """The payment's current PaymentIntent id and attempt number, created at Stripe on the first call."""
    if payment.intent_id:
        return payment.intent_id, payment.attempts
    attempt = payment.attempts
    intent = gateway.create_intent(
        amount=payment.amount,
        currency=payment.currency,
        metadata={"payment": str(payment.pk), "purpose": payment.purpose},
        idempotency_key=idempotency_key(payment, f"{attempt}-intent"),
    )
    stored = Payment.objects.filter(
        pk=payment.pk, intent_id="", attempts=attempt, status=Payment.Status.PENDING
    ).update(intent_id=intent.id, intent_status=intent.status, updated_at=timezone.now())
    payment.refresh_from_db()
    if not stored and payment.intent_id != intent.id:
        # Another press stored its intent first; this one is never confirmed, so it can never charge.
        _close_quietly(intent.id)
    if not payment.intent_id:
        raise PaymentError(_("The time to pay has run out, so nothing was charged."))
    return payment.intent_id, payment.attempts


def _close_quietly(intent_id: str) -> None:
    try:
        gateway.cancel_intent(intent_id)
    except GatewayError:
        logger.info("Could not cancel unused intent %s", intent_id, exc_info=True)


def _end_attempt(payment: Payment, intent_id: str, *, code: str) -> None:
    """A declined attempt: forget its intent (the next press gets a new one) and say why on the page."""
    ended = Payment.objects.filter(pk=payment.pk, intent_id=intent_id, status=Payment.Status.PENDING).update(
        intent_id="",
        intent_status="requires_payment_method",
        attempts=F("attempts") + 1,
        last_error=decline_message(code)[:255],
        updated_at=timezone.now(),
    )
    if ended:
        _close_quietly(intent_id)


def record_intent(payment: Payment, intent: Intent) -> str:
    """Record what Stripe says of one of the payment's intents; returns succeeded, declined,
    requires_action, canceled or pending. Safe to call any number of times, in any order with the
    webhook: a success is recorded once."""
    if intent.succeeded:
        record_success(payment, intent)
        return "succeeded"
    if intent.failed:
        _end_attempt(payment, intent.id, code=intent.error_code)
        return "declined"
    Payment.objects.filter(pk=payment.pk, intent_id=intent.id).update(
        intent_status=intent.status, updated_at=timezone.now()
    )
    if intent.status == "canceled":
        return "canceled"
    return "requires_action" if intent.needs_action else "pending"


@busy_as(PaymentError)
def record_success(payment: Payment, intent: Intent) -> Payment:
    """Record that Stripe took the money, once, and let the owner act on it (confirm the booking…).

    In one transaction: locks the owner's row, then the payment's; a payment already recorded as paid is
    returned unchanged. A payment that had been cancelled (its hold ran out) is still recorded: the owner
    keeps it if what it paid for is still there, and otherwise it is refunded in full at once (a Refund
    queued for the worker, and emailed when Stripe confirms it). Issues the payment's receipt, last, and
    queues the "payment received" email with it unless the owner's own email carries it
    (Purpose.receipt_in_own_email). Raises PaymentError when the database stays locked (the webhook is
    then retried by Stripe, the return page asks again).
    """
    purpose = purpose_of(payment)
    with transaction.atomic():
        purpose.lock(payment)
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.status == Payment.Status.SUCCEEDED:
            return locked
        locked.status = Payment.Status.SUCCEEDED
        locked.succeeded_at = timezone.now()
        locked.intent_id = intent.id
        locked.intent_status = intent.status
        locked.charge_id = intent.charge_id
        locked.last_error = ""
        locked.save()
        kept = purpose.fulfil(locked)
        if not kept:
            late = locked.purpose == Payment.Purpose.BOOKING
            request_refund(locked, reason=Refund.Reason.LATE_PAYMENT if late else Refund.Reason.NO_LONGER_DUE)
        if not (kept and purpose.receipt_in_own_email):
            emails.queue_receipt_issued(locked)
        # Last: every transaction that issues a receipt waits on the year's number sequence.
        issue_receipt(locked)
    return locked


def refresh_payment(payment: Payment) -> str:
    """Ask Stripe how the payment's current intent stands and record it (the payer's return to our page);
    returns what record_intent returns, or "unknown" when Stripe cannot be reached or there is no intent."""
    payment.refresh_from_db()
    if payment.status == Payment.Status.SUCCEEDED:
        return "succeeded"
    if not payment.intent_id:
        return "unknown"
    try:
        intent = gateway.retrieve_intent(payment.intent_id)
    except GatewayError:
        logger.warning("Could not read intent %s of payment %s", payment.intent_id, payment.pk, exc_info=True)
        return "unknown"
    return record_intent(payment, intent)


def close_intent(payment_id: int) -> str:
    """Cancel a cancelled payment's intent at Stripe, so nobody can pay it late. When Stripe says it has
    succeeded meanwhile, record it (the owner keeps it or it is refunded). Safe to run twice; a Stripe
    that cannot be reached is left to the reconciliation sweep. Returns what happened."""
    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None or not payment.intent_id or payment.status != Payment.Status.CANCELED:
        return "nothing"
    if payment.intent_status in FINAL_INTENT_STATES:
        return "nothing"
    try:
        intent = gateway.cancel_intent(payment.intent_id)
    except GatewayUnavailable:
        return "unreachable"
    except GatewayError:
        try:
            intent = gateway.retrieve_intent(payment.intent_id)
        except GatewayError:
            return "unreachable"
    return record_intent(payment, intent)


def reconcile_payments(*, limit: int = 200) -> int:
    """Ask Stripe about card payments whose intent is still open and that nothing has touched for
    PAYMENT_RECONCILE_AFTER_SECONDS: a lost webhook never leaves a paid family unconfirmed, and a
    cancelled payment's intent is closed. Safe to run concurrently (recording is idempotent). Stops at
    the first sign that Stripe is unreachable. Returns the payments looked at."""
    cutoff = timezone.now() - timedelta(seconds=settings.PAYMENT_RECONCILE_AFTER_SECONDS)
    stale = list(
        Payment.objects.filter(
            method=Payment.Method.CARD,
            status__in=[Payment.Status.PENDING, Payment.Status.CANCELED],
            updated_at__lte=cutoff,
        )
        .exclude(intent_id="")
        .exclude(intent_status__in=FINAL_INTENT_STATES)
        .order_by("updated_at")[:limit]
    )
    for payment in stale:
        if payment.status == Payment.Status.CANCELED:
            outcome = close_intent(payment.pk)
        else:
            try:
                intent = gateway.retrieve_intent(payment.intent_id)
            except GatewayUnavailable:
                outcome = "unreachable"
            except GatewayError:
                # Stripe does not know the intent (a fake server restarted): the next press makes another.
                Payment.objects.filter(pk=payment.pk, intent_id=payment.intent_id).update(
                    intent_id="", attempts=F("attempts") + 1, updated_at=timezone.now()
                )
                outcome = "forgotten"
            else:
                outcome = record_intent(payment, intent)
        if outcome == "unreachable":
            logger.warning("Stripe unreachable; reconciliation resumes on the next sweep.")
            break
    return len(stale)
