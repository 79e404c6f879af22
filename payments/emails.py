"""The emails payments sends itself, through the outbox (notifications), in the payer's language.

Each is queued in the transaction that moves the money, which may hold a course's lock: they are deferred
(one row insert), and the delivery worker renders them, with the receipt's or credit note's PDF, through
the ``render_*`` functions here once that transaction is long gone.
"""

from __future__ import annotations

from notifications.services import Attachment, EmailContent, queue_deferred_email
from payments.models import Payment, Receipt, Refund
from payments.services.receipts import receipt_attachment


def _defer_to_payer(paid: Payment, template: str, key: str, renderer, **args) -> None:
    payer = paid.payer
    if payer is None:
        return
    queue_deferred_email(
        key=key,
        user=payer,
        to_email=payer.email,
        template=template,
        renderer=f"{__name__}.{renderer.__name__}",
        args=args,
    )


def receipt_attachments(payment_id: int | None) -> list[Attachment]:
    """The receipt of a paid payment as an attachment, for an email another app sends when a payment
    goes through (classes' booking confirmation); none for no payment, or one without a receipt. Call it
    from a deferred email's renderer, outside any transaction: it keeps the PDF in the private storage."""
    if payment_id is None:
        return []
    receipt = Receipt.objects.filter(payment_id=payment_id, kind=Receipt.Kind.RECEIPT).first()
    return [receipt_attachment(receipt)] if receipt is not None else []


def queue_receipt_issued(payment: Payment) -> None:
    """ "Payment received — your receipt", with the receipt's PDF. Call it in the transaction that records
    the payment as paid, before issuing the receipt (which is rendered with the email, after commit)."""
    _defer_to_payer(
        payment, "receipt_issued", f"receipt-issued:{payment.pk}", render_receipt_issued, payment=payment.pk
    )


def render_receipt_issued(*, payment: int) -> EmailContent:
    receipt = Receipt.objects.select_related("payment").get(payment_id=payment, kind=Receipt.Kind.RECEIPT)
    return EmailContent(
        context={"receipt": receipt, "payment": receipt.payment}, attachments=[receipt_attachment(receipt)]
    )


def queue_payment_voided(payment: Payment) -> None:
    """Tell the payer a cash or transfer payment recorded for them was taken back (recorded in error),
    with the credit note. Call it in the transaction that voids it."""
    _defer_to_payer(
        payment, "payment_voided", f"payment-voided:{payment.pk}", render_payment_voided, payment=payment.pk
    )


def render_payment_voided(*, payment: int) -> EmailContent:
    credit_note = Receipt.objects.select_related("payment", "credits").get(
        payment_id=payment, kind=Receipt.Kind.CREDIT_NOTE, refund__isnull=True
    )
    return EmailContent(
        context={"credit_note": credit_note, "payment": credit_note.payment},
        attachments=[receipt_attachment(credit_note)],
    )


def queue_refund_made(refund: Refund) -> None:
    """Tell the payer a refund has been made, and why, with its credit note. Call it in the transaction
    that records it."""
    _defer_to_payer(
        refund.payment, "refund_made", f"refund-made:{refund.pk}", render_refund_made, refund=refund.pk
    )


def render_refund_made(*, refund: int) -> EmailContent:
    made = Refund.objects.select_related("payment").get(pk=refund)
    credit_note = Receipt.objects.filter(refund=made).first()
    return EmailContent(
        context={"refund": made, "payment": made.payment, "credit_note": credit_note},
        attachments=[receipt_attachment(credit_note)] if credit_note is not None else [],
    )
