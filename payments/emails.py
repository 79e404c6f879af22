"""The emails payments sends itself, through the outbox (notifications), in the payer's language."""

from __future__ import annotations

from notifications.services import queue_email
from payments.models import Refund


def queue_refund_made(refund: Refund) -> None:
    """Tell the payer a refund has been made, and why. Call it in the transaction that records it."""
    payer = refund.payment.payer
    if payer is None:
        return
    queue_email(
        to_email=payer.email,
        user=payer,
        template="refund_made",
        key=f"refund-made:{refund.pk}",
        context={"refund": refund, "payment": refund.payment},
    )
