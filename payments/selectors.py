"""Reads of payments that pages and other apps share, each in a number of queries that does not grow."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch, QuerySet

from payments.models import Payment, Receipt, Refund
from payments.money import from_minor_units


def receipts_visible_to(user: AbstractBaseUser) -> QuerySet[Receipt]:
    """The receipts and credit notes a person may download: their own payments', or every one for staff
    holding payments.view_receipt."""
    receipts = Receipt.objects.select_related("credits")
    if user.has_perm("payments.view_receipt"):
        return receipts
    return receipts.filter(payment__payer_id=user.pk)


def receipt_links_prefetch(prefix: str = "") -> Prefetch:
    """What templates/payments/_receipt_links.html reads, for a list: prefetch it from payments
    (``Payment.objects.prefetch_related(receipt_links_prefetch())``) or from what points at them
    (``bookings.select_related("payment").prefetch_related(receipt_links_prefetch("payment__"))``), and
    the include costs no query per row."""
    return Prefetch(
        f"{prefix}receipts",
        queryset=Receipt.objects.only("pk", "kind", "number", "payment_id", "issued_at").order_by(
            "issued_at", "pk"
        ),
    )


def _iso(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


def payment_data(user: AbstractBaseUser) -> list[dict]:
    """The person's payments as plain data for their data export: what for, how much, how and when, their
    refunds, and the numbers of the receipts and credit notes issued for them. Three queries."""
    payments = (
        Payment.objects.filter(payer=user)
        .prefetch_related(
            Prefetch("refunds", queryset=Refund.objects.order_by("created_at", "pk")),
            Prefetch("receipts", queryset=Receipt.objects.order_by("issued_at", "pk")),
        )
        .order_by("created_at", "pk")
    )
    exported = []
    for payment in payments:
        documents = list(payment.receipts.all())
        credit_notes = {
            document.refund_id: document.number for document in documents if document.is_credit_note
        }
        exported.append(
            {
                "for": payment.description,
                "purpose": payment.purpose,
                "amount": str(from_minor_units(payment.amount, payment.currency)),
                "currency": payment.currency,
                "method": payment.method,
                "status": payment.status,
                "created_at": _iso(payment.created_at),
                "paid_at": _iso(payment.succeeded_at),
                "cancelled_at": _iso(payment.canceled_at),
                "receipt": next((d.number for d in documents if not d.is_credit_note), None),
                # A voided payment's credit note; each refund names its own.
                "credit_note": credit_notes.get(None),
                "refunds": [
                    {
                        "amount": str(from_minor_units(refund.amount, payment.currency)),
                        "reason": refund.reason,
                        "status": refund.status,
                        "requested_at": _iso(refund.created_at),
                        "refunded_at": _iso(refund.succeeded_at),
                        "credit_note": credit_notes.get(refund.pk),
                    }
                    for refund in payment.refunds.all()
                ],
            }
        )
    return exported
