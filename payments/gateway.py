"""The only module that talks to Stripe (or to localstripe, the fake server, at STRIPE_API_BASE).

Every call here is network: callers make them outside any transaction (docs/architecture.md, Where
logic lives). Each create and confirm carries an idempotency key, so a request repeated after a lost
answer returns what the first did. Stripe's errors become three of ours: the card was declined (tell
the payer), the service could not be reached (nothing happened; try again), or Stripe refused the request.
"""

from __future__ import annotations

from dataclasses import dataclass

import stripe
from django.conf import settings


class GatewayError(Exception):
    """Stripe refused the request (a 4xx other than a declined card): ``code`` is Stripe's error code."""

    def __init__(self, message: str, *, code: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class GatewayUnavailable(GatewayError):
    """Stripe could not be reached, or failed on its side: nothing is known to have happened."""


class CardDeclined(GatewayError):
    """The card was declined (or its authentication failed)."""


@dataclass(frozen=True)
class Intent:
    """What we read of a PaymentIntent."""

    id: str
    status: str
    amount: int
    currency: str
    client_secret: str
    charge_id: str
    error_code: str
    metadata: dict

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"

    @property
    def needs_action(self) -> bool:
        return self.status == "requires_action"

    @property
    def failed(self) -> bool:
        """The last attempt failed (declined, or authentication failed): a new card is needed."""
        return self.status == "requires_payment_method" and bool(self.error_code)


def _client() -> stripe.StripeClient:
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": settings.STRIPE_API_BASE},
        http_client=stripe.RequestsClient(timeout=settings.STRIPE_TIMEOUT_SECONDS),
        # Repeats are safe (idempotency keys) but the payer is waiting: one retry, then "try again".
        max_network_retries=1,
    )


def _intent(obj) -> Intent:
    data = obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)
    charge = data.get("latest_charge") or ""
    if isinstance(charge, dict):
        charge = charge.get("id", "")
    error = data.get("last_payment_error") or {}
    return Intent(
        id=data["id"],
        status=data.get("status") or "",
        amount=int(data.get("amount") or 0),
        currency=(data.get("currency") or "").upper(),
        client_secret=data.get("client_secret") or "",
        charge_id=charge,
        error_code=error.get("code") or "",
        metadata=dict(data.get("metadata") or {}),
    )


def _translated(error: stripe.StripeError) -> GatewayError:
    if isinstance(error, stripe.CardError):
        return CardDeclined(str(error.user_message or error), code=error.code or "card_declined")
    status = error.http_status
    if (
        isinstance(error, stripe.APIConnectionError | stripe.RateLimitError)
        or status is None
        or status >= 500
    ):
        return GatewayUnavailable(str(error), status=status)
    return GatewayError(str(error.user_message or error), code=error.code or "", status=status)


def create_intent(*, amount: int, currency: str, metadata: dict, idempotency_key: str) -> Intent:
    try:
        created = _client().v1.payment_intents.create(
            params={
                "amount": amount,
                "currency": currency.lower(),
                "payment_method_types": ["card"],
                "metadata": metadata,
            },
            options={"idempotency_key": idempotency_key},
        )
    except stripe.StripeError as error:
        raise _translated(error) from error
    return _intent(created)


def confirm_intent(intent_id: str, *, payment_method: str, idempotency_key: str) -> Intent:
    """Attach the card the browser collected and confirm: Stripe charges it, or asks for 3-D Secure
    (``requires_action``, which Stripe.js handles in the page). Raises CardDeclined for a declined card."""
    client = _client()
    try:
        # Two calls, because localstripe does not take the card on confirm itself; Stripe takes both.
        client.v1.payment_intents.update(intent_id, params={"payment_method": payment_method})
        confirmed = client.v1.payment_intents.confirm(intent_id, options={"idempotency_key": idempotency_key})
    except stripe.StripeError as error:
        raise _translated(error) from error
    return _intent(confirmed)


def retrieve_intent(intent_id: str) -> Intent:
    try:
        return _intent(_client().v1.payment_intents.retrieve(intent_id))
    except stripe.StripeError as error:
        raise _translated(error) from error


def cancel_intent(intent_id: str) -> Intent:
    """End an intent nobody may pay any more. Stripe refuses to cancel one that has succeeded: the
    caller then reads it (retrieve_intent) and records the payment."""
    try:
        return _intent(_client().v1.payment_intents.cancel(intent_id))
    except stripe.StripeError as error:
        raise _translated(error) from error


def create_refund(*, intent_id: str, amount: int, metadata: dict, idempotency_key: str) -> str:
    """Refund part or all of a succeeded intent; returns Stripe's refund id."""
    try:
        refund = _client().v1.refunds.create(
            params={"payment_intent": intent_id, "amount": amount, "metadata": metadata},
            options={"idempotency_key": idempotency_key},
        )
    except stripe.StripeError as error:
        raise _translated(error) from error
    return refund.id


@dataclass(frozen=True)
class Event:
    id: str
    type: str
    intent: Intent | None


def parse_event(payload: bytes, signature: str) -> Event:
    """A webhook event whose signature matches STRIPE_WEBHOOK_SECRET (and is recent); raises ValueError
    for anything else."""
    try:
        event = stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET)
    except (stripe.SignatureVerificationError, ValueError) as error:
        raise ValueError(str(error)) from error
    data = event.to_dict()
    obj = (data.get("data") or {}).get("object") or {}
    intent = _intent(obj) if obj.get("object") == "payment_intent" else None
    return Event(id=data["id"], type=data.get("type", ""), intent=intent)
