"""Writes for payments: card payments through Stripe, refunds, webhook events.

Each function opens its own transaction (or joins the caller's, where its docstring says so) and raises
PaymentError with a message fit for the person who asked. Calls to Stripe are made outside transactions.
"""

from __future__ import annotations

from payments.services.card import (
    CardResult,
    cancel_payment,
    close_intent,
    is_payable,
    open_card_payment,
    reconcile_payments,
    record_intent,
    record_success,
    refresh_payment,
    submit_card,
)
from payments.services.errors import PaymentError, PaymentUnavailable
from payments.services.offline import record_offline_payment, void_offline_payment
from payments.services.receipts import (
    association_year,
    issue_credit_note,
    issue_receipt,
    receipt_attachment,
    receipt_pdf,
)
from payments.services.refunds import (
    refundable_amount,
    request_refund,
    retry_refund,
    send_due_refunds,
    send_refund,
)
from payments.services.webhooks import handle_event, payment_for_intent

__all__ = [
    "CardResult",
    "PaymentError",
    "PaymentUnavailable",
    "association_year",
    "cancel_payment",
    "close_intent",
    "handle_event",
    "is_payable",
    "issue_credit_note",
    "issue_receipt",
    "open_card_payment",
    "payment_for_intent",
    "receipt_attachment",
    "receipt_pdf",
    "reconcile_payments",
    "record_intent",
    "record_offline_payment",
    "record_success",
    "refresh_payment",
    "refundable_amount",
    "request_refund",
    "retry_refund",
    "send_due_refunds",
    "send_refund",
    "submit_card",
    "void_offline_payment",
]
