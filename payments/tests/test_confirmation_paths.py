"""A payment Stripe took is confirmed by whichever comes first: the signed webhook, the payer's return to our
page, or the reconciliation sweep; each of them exactly once, in any order.

Each test pays at localstripe the way a request that died before hearing Stripe's answer would leave it
(the intent confirmed at Stripe, nothing recorded by us), then delivers localstripe's own event for it,
signed as localstripe signs its webhooks.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from classes.models import Booking
from classes.services import book_course, expire_payment_holds
from notifications.models import OutgoingEmail
from notifications.services import render_deferred_email
from payments import gateway
from payments.models import Payment, Refund, StripeEvent
from payments.services import reconcile_payments, send_due_refunds
from payments.services.card import _current_intent
from payments.tests.conftest import baby_of, pay_online_course
from payments.tests.stripe_server import CARD_DECLINED, CARD_OK, signature_for, webhook_body

pytestmark = pytest.mark.django_db


def paid_at_stripe_only(payment: Payment, server, card: str = CARD_OK) -> str:
    intent_id, _attempt = _current_intent(payment)
    # A declined card is an answer too: the sweep must leave that attempt to the parent.
    with contextlib.suppress(gateway.CardDeclined):
        gateway.confirm_intent(intent_id, payment_method=server.card(card), idempotency_key=f"t-{intent_id}")
    return intent_id


def deliver(client, event: dict, *, signature: str | None = None):
    body = webhook_body(event)
    return client.post(
        reverse("payments:stripe_webhook"),
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature if signature is not None else signature_for(body),
    )


def confirmations(booking: Booking) -> int:
    return OutgoingEmail.objects.filter(key=f"booking-confirmed:{booking.pk}").count()


@pytest.fixture
def held(parent):
    return book_course(pay_online_course(), parent=parent, baby=baby_of(parent))


def test_the_same_webhook_twice_confirms_once(held, client, stripe_server):
    intent_id = paid_at_stripe_only(held.payment, stripe_server)
    event = stripe_server.event_for(intent_id)

    first, second = deliver(client, event), deliver(client, event)

    assert (first.status_code, second.status_code) == (200, 200)
    held.refresh_from_db()
    assert held.status == Booking.Status.CONFIRMED
    assert confirmations(held) == 1
    assert StripeEvent.objects.filter(event_id=event["id"]).count() == 1


def test_webhook_before_the_return_then_the_return_changes_nothing(held, client, parent, stripe_server):
    intent_id = paid_at_stripe_only(held.payment, stripe_server)
    deliver(client, stripe_server.event_for(intent_id))
    client.force_login(parent)

    done = client.get(reverse("payments:pay_done", kwargs={"pk": held.payment_id}))

    assert done["Location"] == reverse("classes:my_bookings")
    assert confirmations(held) == 1


def test_return_before_the_webhook_then_the_webhook_changes_nothing(held, client, parent, stripe_server):
    intent_id = paid_at_stripe_only(held.payment, stripe_server)
    client.force_login(parent)

    done = client.get(reverse("payments:pay_done", kwargs={"pk": held.payment_id}))
    held.refresh_from_db()
    assert done["Location"] == reverse("classes:my_bookings")
    assert held.status == Booking.Status.CONFIRMED

    assert deliver(client, stripe_server.event_for(intent_id)).status_code == 200
    assert confirmations(held) == 1


def test_a_failed_payment_event_after_the_success_changes_nothing(held, client, stripe_server):
    intent_id = paid_at_stripe_only(held.payment, stripe_server)
    deliver(client, stripe_server.event_for(intent_id))
    late_failure = {
        **stripe_server.event_for(intent_id),
        "id": "evt_late_failure",
        "type": "payment_intent.payment_failed",
    }

    assert deliver(client, late_failure).status_code == 200

    held.payment.refresh_from_db()
    assert held.payment.status == Payment.Status.SUCCEEDED


def test_a_webhook_with_a_wrong_signature_is_refused_and_changes_nothing(held, client, stripe_server):
    intent_id = paid_at_stripe_only(held.payment, stripe_server)
    event = stripe_server.event_for(intent_id)

    forged = deliver(client, event, signature=signature_for(webhook_body(event), secret="whsec_guess"))
    unsigned = deliver(client, event, signature="")

    assert (forged.status_code, unsigned.status_code) == (400, 400)
    held.refresh_from_db()
    assert held.status == Booking.Status.PENDING_PAYMENT
    assert not StripeEvent.objects.exists()


def test_lost_webhook_is_made_good_by_the_reconciliation_sweep(held, stripe_server, settings):
    paid_at_stripe_only(held.payment, stripe_server)
    assert reconcile_payments() == 0  # too recent: the webhook and the return get their chance first

    with time_machine.travel(
        timezone.now() + timedelta(seconds=settings.PAYMENT_RECONCILE_AFTER_SECONDS + 5)
    ):
        assert reconcile_payments() == 1

    held.refresh_from_db()
    assert held.status == Booking.Status.CONFIRMED
    assert confirmations(held) == 1


def test_the_sweep_leaves_a_declined_attempt_to_the_parent(held, stripe_server, settings):
    paid_at_stripe_only(held.payment, stripe_server, card=CARD_DECLINED)

    with time_machine.travel(
        timezone.now() + timedelta(seconds=settings.PAYMENT_RECONCILE_AFTER_SECONDS + 5)
    ):
        reconcile_payments()

    held.refresh_from_db()
    assert held.status == Booking.Status.PENDING_PAYMENT
    assert "declined" in held.payment.last_error


def test_an_expired_hold_frees_the_place_for_the_family_waiting(
    parent, other_parent, stripe_server, settings
):
    course = pay_online_course(capacity=1)
    holding = book_course(course, parent=parent, baby=baby_of(parent))
    waiting = book_course(course, parent=other_parent, baby=baby_of(other_parent))
    paid_at_stripe_only(holding.payment, stripe_server, card=CARD_DECLINED)

    with time_machine.travel(timezone.now() + timedelta(minutes=settings.PAYMENT_HOLD_MINUTES, seconds=1)):
        assert expire_payment_holds() == 1

    holding.refresh_from_db()
    waiting.refresh_from_db()
    assert (holding.status, holding.cancel_reason) == (Booking.Status.CANCELLED, "payment_expired")
    assert holding.payment.status == Payment.Status.CANCELED
    assert waiting.status == Booking.Status.OFFERED
    assert OutgoingEmail.objects.filter(key=f"payment-hold-expired:{holding.pk}").exists()


def test_payment_after_the_hold_expired_keeps_the_place_when_it_is_still_free(
    held, client, stripe_server, settings
):
    with time_machine.travel(timezone.now() + timedelta(minutes=settings.PAYMENT_HOLD_MINUTES, seconds=1)):
        expire_payment_holds()
    held.payment.refresh_from_db()
    assert held.payment.status == Payment.Status.CANCELED
    # The parent's page had the card form open and Stripe took the payment anyway.
    intent_id = _intent_paid_despite_cancel(held.payment, stripe_server)

    deliver(client, stripe_server.event_for(intent_id))

    held.refresh_from_db()
    assert (held.status, held.is_paid) == (Booking.Status.CONFIRMED, True)
    assert not Refund.objects.exists()


def test_payment_after_the_hold_expired_with_the_place_taken_is_refunded_in_full(
    parent, other_parent, client, stripe_server, settings
):
    course = pay_online_course(capacity=1)
    late = book_course(course, parent=parent, baby=baby_of(parent))
    with time_machine.travel(timezone.now() + timedelta(minutes=settings.PAYMENT_HOLD_MINUTES, seconds=1)):
        expire_payment_holds()
        taken = book_course(course, parent=other_parent, baby=baby_of(other_parent))
    assert taken.status == Booking.Status.PENDING_PAYMENT
    intent_id = _intent_paid_despite_cancel(Payment.objects.get(pk=late.payment_id), stripe_server)

    deliver(client, stripe_server.event_for(intent_id))
    send_due_refunds()

    late.refresh_from_db()
    assert late.status == Booking.Status.CANCELLED
    refund = Refund.objects.get(payment=late.payment)
    assert (refund.reason, refund.amount, refund.status) == ("late_payment", 9000, Refund.Status.SUCCEEDED)
    assert [r["amount"] for r in stripe_server.refunds_for(intent_id)] == [9000]
    told = render_deferred_email(OutgoingEmail.objects.get(key=f"refund-made:{refund.pk}"))
    assert "gone to another family" in told.body_text
    assert "€90.00" in told.body_text


def _intent_paid_despite_cancel(payment: Payment, server) -> str:
    """An intent confirmed at Stripe for a payment we had cancelled: the race the hold's end loses when
    the parent pressed Pay a moment before it (the stored intent is the one Stripe charges)."""
    intent = gateway.create_intent(
        amount=payment.amount,
        currency=payment.currency,
        metadata={"payment": str(payment.pk), "purpose": payment.purpose},
        idempotency_key=f"late-{payment.pk}",
    )
    gateway.confirm_intent(
        intent.id, payment_method=server.card(CARD_OK), idempotency_key=f"late-c-{payment.pk}"
    )
    return intent.id
