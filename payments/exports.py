"""Payments and refunds as spreadsheet rows (admin's CSV export): amounts in the currency's major unit,
beside the currency, so that a column of euros adds up; dates in ISO 8601 in the site's time zone."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from payments.models import Payment, Receipt, Refund
from payments.money import from_minor_units

# Spreadsheet apps run a cell that starts with one of these as a formula (CSV injection): a description
# is written by an instructor, a name by whoever signed up.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _when(moment) -> str:
    return timezone.localtime(moment, timezone.get_default_timezone()).isoformat() if moment else ""


@dataclass(frozen=True)
class Column:
    heading: str
    value: Callable[[object], object]


PAYMENT_COLUMNS = [
    Column(_("Payment"), lambda p: p.pk),
    Column(_("Created"), lambda p: _when(p.created_at)),
    Column(_("Paid at"), lambda p: _when(p.succeeded_at)),
    Column(_("What for"), lambda p: p.get_purpose_display()),
    Column(_("Description"), lambda p: p.description),
    Column(_("Payer"), lambda p: p.payer.full_name if p.payer else ""),
    Column(_("Payer's email"), lambda p: p.payer.email if p.payer else ""),
    Column(_("Amount"), lambda p: from_minor_units(p.amount, p.currency)),
    Column(_("Currency"), lambda p: p.currency),
    Column(_("Method"), lambda p: p.get_method_display()),
    Column(_("Status"), lambda p: p.get_status_display()),
    Column(_("Refunded"), lambda p: from_minor_units(_refunded(p), p.currency)),
    Column(_("Receipt"), lambda p: " ".join(d.number for d in p.receipts.all() if not d.is_credit_note)),
    Column(_("Credit notes"), lambda p: " ".join(d.number for d in p.receipts.all() if d.is_credit_note)),
    Column(_("Stripe PaymentIntent"), lambda p: p.intent_id),
]

REFUND_COLUMNS = [
    Column(_("Refund"), lambda r: r.pk),
    Column(_("Requested"), lambda r: _when(r.created_at)),
    Column(_("Refunded at"), lambda r: _when(r.succeeded_at)),
    Column(_("Payment"), lambda r: r.payment_id),
    Column(_("Description"), lambda r: r.payment.description),
    Column(_("Payer's email"), lambda r: r.payment.payer.email if r.payment.payer else ""),
    Column(_("Amount"), lambda r: from_minor_units(r.amount, r.payment.currency)),
    Column(_("Currency"), lambda r: r.payment.currency),
    Column(_("Reason"), lambda r: r.get_reason_display()),
    Column(_("Status"), lambda r: r.get_status_display()),
    Column(_("Attempts"), lambda r: r.attempts),
    Column(_("Credit note"), lambda r: _credit_note_number(r)),
    Column(_("Stripe refund"), lambda r: r.provider_refund_id),
]


def _refunded(payment: Payment) -> int:
    return sum(refund.amount for refund in payment.refunds.all() if refund.status == Refund.Status.SUCCEEDED)


def _credit_note_number(refund: Refund) -> str:
    try:
        return refund.credit_note.number
    except Receipt.DoesNotExist:
        return ""


def payments_for_export(payments: QuerySet[Payment]) -> QuerySet[Payment]:
    """The rows with what their columns read, in three queries however many there are."""
    return payments.select_related("payer").prefetch_related("refunds", "receipts")


def refunds_for_export(refunds: QuerySet[Refund]) -> QuerySet[Refund]:
    return refunds.select_related("payment__payer", "credit_note")


class _Echo:
    """A file whose write hands the line back, so that csv.writer feeds a streaming response."""

    def write(self, line: str) -> str:
        return line


def csv_lines(columns: list[Column], rows: Iterable[object]) -> Iterator[str]:
    """The header and one line per row; the first line opens with a byte-order mark, so that spreadsheet
    apps read accents in names correctly."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([str(column.heading) for column in columns])
    for row in rows:
        yield writer.writerow([_cell(column.value(row)) for column in columns])
