"""Stripe's webhook events: each processed exactly once by its id, in whatever order they arrive.

The event row is written in the transaction that acts on the event, so a second delivery (Stripe sends
at least once) finds it and does nothing; a delivery racing the first waits on the unique index and then
finds it too. Order does not matter because every action is conditional on the payment's state: a
``payment_failed`` arriving after ``succeeded`` finds the payment paid and changes nothing.
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction

from payments.gateway import Event, Intent
from payments.models import Payment, StripeEvent
from payments.services.card import record_intent

logger = logging.getLogger(__name__)

HANDLED = frozenset({"payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled"})


def payment_for_intent(intent: Intent) -> Payment | None:
    """Our payment for an intent: by its stored id, or by the payment id we put in the intent's metadata
    (an intent whose id we never stored, say after a lost answer), when amount and currency agree."""
    payment = Payment.objects.filter(intent_id=intent.id).first()
    if payment is not None:
        return payment
    reference = str(intent.metadata.get("payment", ""))
    if not reference.isdigit():
        return None
    return Payment.objects.filter(
        pk=int(reference), amount=intent.amount, currency=intent.currency, method=Payment.Method.CARD
    ).first()


def handle_event(event: Event) -> bool:
    """Act on one verified event; returns False when this event id was seen before. Raises
    PaymentError when the database stays locked (answered with an error, so Stripe sends it again)."""
    payment = payment_for_intent(event.intent) if event.intent is not None else None
    with transaction.atomic():
        try:
            with transaction.atomic():
                StripeEvent.objects.create(event_id=event.id, type=event.type, payment=payment)
        except IntegrityError:
            return False
        if payment is None or event.type not in HANDLED:
            logger.info("Stripe event %s (%s) needs nothing from us.", event.id, event.type)
            return True
        record_intent(payment, event.intent)
    return True
