"""Receipts and credit notes, numbered without gaps each year, in the transaction that moves the money.

Every payment recorded as paid gets a receipt, R-<year>-<six digits>; every refund made and every cash or
transfer payment voided gets a credit note, C-<year>-<six digits>. The year is the payment's (or the
refund's) in the association's time zone (settings.TIME_ZONE). A number is taken from its series' row for
the year, locked with SELECT … FOR UPDATE and raised in the same transaction that records the money and
stores the document: a rollback gives the number back, so there is never a gap, and the lock (with the
unique number) means never a duplicate. Every issuing transaction in the association waits on that row,
so the services take it *last*, once everything else in their transaction is done.

The PDF is rendered outside these transactions: by the email's renderer when the delivery worker claims
the email (which keeps it in the private storage) and on download.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from notifications.services import Attachment, language_for
from payments.models import Payment, Receipt, ReceiptSequence, Refund
from payments.pdf import render_receipt_pdf

logger = logging.getLogger(__name__)

SERIES = {Receipt.Kind.RECEIPT: "R", Receipt.Kind.CREDIT_NOTE: "C"}


def association_year(moment: datetime) -> int:
    """The year a moment falls in where the association is (settings.TIME_ZONE), whatever time zone the
    request that recorded it had activated."""
    return timezone.localtime(moment, timezone.get_default_timezone()).year


def _next_number(kind: str, year: int) -> tuple[int, str]:
    """The next number of the kind's series for the year, its row locked until the caller commits."""
    series = SERIES[kind]
    counter = ReceiptSequence.objects.select_for_update().filter(series=series, year=year).first()
    if counter is None:
        # The year's first document: ON CONFLICT DO NOTHING waits for a concurrent first one to commit
        # (or roll back) instead of failing, and the lock below then sees its row.
        ReceiptSequence.objects.bulk_create(
            [ReceiptSequence(series=series, year=year)], ignore_conflicts=True
        )
        counter = ReceiptSequence.objects.select_for_update().get(series=series, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last, f"{series}-{year}-{counter.last:06d}"


def _as_issued(payment: Payment) -> dict:
    """What a document says of the payment, the payer and the association, as they are now."""
    payer = payment.payer
    return {
        "payment": payment,
        "payer_name": (payer.full_name if payer else "")[:150],
        "payer_email": payer.email if payer else "",
        "description": payment.description,
        "currency": payment.currency,
        "method": payment.method,
        "paid_at": payment.succeeded_at,
        "language": language_for(payer),
        "association_name": settings.ASSOCIATION_NAME[:200],
        "association_address": settings.ASSOCIATION_ADDRESS,
        "association_tax_id": settings.ASSOCIATION_TAX_ID[:50],
        "association_email": settings.ASSOCIATION_EMAIL[:254],
    }


def issue_receipt(payment: Payment) -> Receipt:
    """The receipt of a payment recorded as paid, numbered R-<year of payment>-<next>.

    Call it last in the transaction that records the payment as paid, holding the payment's lock: it
    locks its year's number sequence, which every transaction issuing a receipt waits for. A payment that
    has its receipt gets that one back. Raises ValueError for a payment not recorded as paid. Queues
    nothing (the callers queue the email that carries it).
    """
    if payment.status != Payment.Status.SUCCEEDED or payment.succeeded_at is None:
        raise ValueError(f"Payment {payment.pk} is not paid; it has no receipt.")
    with transaction.atomic():
        issued = Receipt.objects.filter(payment=payment, kind=Receipt.Kind.RECEIPT).first()
        if issued is not None:
            return issued
        document = Receipt(kind=Receipt.Kind.RECEIPT, amount=payment.amount, **_as_issued(payment))
        document.issued_at = timezone.now()
        document.year = association_year(payment.succeeded_at)
        document.sequence, document.number = _next_number(Receipt.Kind.RECEIPT, document.year)
        document.save()
    return document


def issue_credit_note(payment: Payment, *, refund: Refund | None = None) -> Receipt:
    """The credit note for a refund made (``refund``) or for a cash or transfer payment voided (none),
    numbered C-<year>-<next>, naming the receipt it takes back when the payment had one.

    Call it last in the transaction that records the refund as made or the payment as voided (see
    issue_receipt). A refund or voided payment that has its credit note gets that one back. Raises
    ValueError for a refund not made, or a payment that is not voided. Queues nothing.
    """
    if refund is not None and refund.status != Refund.Status.SUCCEEDED:
        raise ValueError(f"Refund {refund.pk} is not made; it has no credit note.")
    if refund is None and payment.status != Payment.Status.VOIDED:
        raise ValueError(f"Payment {payment.pk} is not voided; it has no credit note.")
    with transaction.atomic():
        issued = Receipt.objects.filter(payment=payment, kind=Receipt.Kind.CREDIT_NOTE, refund=refund).first()
        if issued is not None:
            return issued
        document = Receipt(
            kind=Receipt.Kind.CREDIT_NOTE,
            refund=refund,
            credits=Receipt.objects.filter(payment=payment, kind=Receipt.Kind.RECEIPT).first(),
            reason=refund.reason if refund is not None else Receipt.VOIDED,
            amount=refund.amount if refund is not None else payment.amount,
            **_as_issued(payment),
        )
        if document.paid_at is None:
            # A voided payment's time of payment is kept, but a row from before it was required may lack it.
            document.paid_at = payment.created_at
        document.issued_at = timezone.now()
        moved_back_at = (
            refund.succeeded_at if refund is not None else payment.canceled_at
        ) or document.issued_at
        document.year = association_year(moved_back_at)
        document.sequence, document.number = _next_number(Receipt.Kind.CREDIT_NOTE, document.year)
        document.save()
    return document


def receipt_pdf(receipt: Receipt, *, keep: bool = False) -> bytes:
    """The document as PDF: the copy kept in the private storage when there is one, else rendered now.

    ``keep`` stores a fresh rendering as the document's copy (the email renderers do; a download does
    not, so that a GET changes nothing). Call it outside any transaction: with S3 the write is an HTTP
    request. Two renderers keeping at once store one copy; the other's file is deleted.
    """
    if receipt.pdf:
        try:
            with receipt.pdf.open("rb") as handle:
                return handle.read()
        except OSError:
            logger.warning("Stored PDF of %s is unreadable; rendering it again.", receipt.number)
            keep = False
    pdf = render_receipt_pdf(receipt)
    if keep:
        field = receipt.pdf.field
        name = field.storage.save(field.generate_filename(receipt, receipt.filename), ContentFile(pdf))
        if Receipt.objects.filter(pk=receipt.pk, pdf="").update(pdf=name):
            receipt.pdf.name = name
        else:
            field.storage.delete(name)
    return pdf


def receipt_attachment(receipt: Receipt) -> Attachment:
    """The document as an email attachment, kept in the private storage from now on."""
    return Attachment(
        filename=receipt.filename, content=receipt_pdf(receipt, keep=True), content_type="application/pdf"
    )
