from __future__ import annotations

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.tests.factories import UserFactory
from payments.models import Payment, Refund, StripeEvent


class PaymentFactory(DjangoModelFactory):
    """A card payment Stripe took (as the webhook leaves it); `pending` for one still to be paid."""

    class Meta:
        model = Payment

    class Params:
        pending = factory.Trait(status=Payment.Status.PENDING, succeeded_at=None, intent_status="")

    purpose = Payment.Purpose.BOOKING
    description = factory.Sequence(lambda n: f"“Baby massage course {n}”, a place for Oliver")
    payer = factory.SubFactory(UserFactory)
    amount = 9000
    currency = "EUR"
    method = Payment.Method.CARD
    status = Payment.Status.SUCCEEDED
    succeeded_at = factory.LazyFunction(timezone.now)
    intent_id = factory.Sequence(lambda n: f"pi_factory{n:06d}")
    intent_status = "succeeded"


class RefundFactory(DjangoModelFactory):
    class Meta:
        model = Refund

    payment = factory.SubFactory(PaymentFactory)
    amount = factory.SelfAttribute("payment.amount")
    reason = Refund.Reason.COURSE_CANCELLED
    status = Refund.Status.SUCCEEDED
    succeeded_at = factory.LazyFunction(timezone.now)
    provider_refund_id = factory.Sequence(lambda n: f"re_factory{n:06d}")


class StripeEventFactory(DjangoModelFactory):
    class Meta:
        model = StripeEvent

    event_id = factory.Sequence(lambda n: f"evt_factory{n:06d}")
    type = "payment_intent.succeeded"
    payment = factory.SubFactory(PaymentFactory)
