"""What trainees and certificate holders pay, and when (docs/domain.md, Certification): the training fee,
the renewal fee, and the window in which a holder renews online. Reads only; the writes are in
certification.services.fees and certification.services.renewals.

Amounts typed as Decimals in major units (a training's fee, CERTIFICATE_RENEWAL_FEE) become minor units
through payments.money, and are shown in the reader's language's currency format by payments' ``price``
(the template filter, called here for the sentences certification writes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.utils import timezone

from certification.models import Certificate, CertificateRenewal, Enrollment, TrainingCourse
from payments.models import Payment
from payments.money import to_minor_units
from payments.selectors import receipt_links_prefetch
from payments.templatetags.money import price


def training_fee_price(training: TrainingCourse) -> str:
    return price(training.fee, training.currency)


def fee_payable_online(enrollment: Enrollment) -> bool:
    """Whether the trainee may pay the training fee by card now: accepted, a fee, not paid yet, and
    payments on."""
    return (
        settings.PAYMENTS_ENABLED
        and enrollment.status == Enrollment.Status.ACCEPTED
        and not enrollment.fee_settled
    )


def paid_fee_payment(enrollment: Enrollment) -> Payment | None:
    """The payment that paid the fee (for its date and receipt); None while unpaid, or for a fee marked
    paid before fees were payments."""
    payment = enrollment.fee_payment
    if enrollment.fee_paid and payment is not None and payment.status == Payment.Status.SUCCEEDED:
        return payment
    return None


# Renewal ------------------------------------------------------------------------------------------------


def validity() -> relativedelta:
    return relativedelta(months=settings.CERTIFICATION_VALIDITY_MONTHS)


def renewed_until(certificate: Certificate, *, counted_from: datetime) -> datetime:
    """The end a renewal gives: CERTIFICATION_VALIDITY_MONTHS from the old end while the certificate is
    still valid, from ``counted_from`` (the payment, or the staff member's renewal) once it has lapsed."""
    return max(counted_from, certificate.valid_until) + validity()


def renewal_fee_minor() -> int:
    return to_minor_units(settings.CERTIFICATE_RENEWAL_FEE, settings.CERTIFICATE_RENEWAL_CURRENCY)


@dataclass(frozen=True)
class RenewalWindow:
    """When the holder may renew online: from ``opens`` (before the end) until ``closes`` (after it)."""

    opens: datetime
    closes: datetime

    def contains(self, moment: datetime) -> bool:
        return self.opens <= moment < self.closes


def renewal_window(certificate: Certificate) -> RenewalWindow:
    return RenewalWindow(
        opens=certificate.valid_until - timedelta(days=settings.CERTIFICATE_RENEWAL_OPENS_DAYS),
        closes=certificate.valid_until + timedelta(days=settings.CERTIFICATE_RENEWAL_GRACE_DAYS),
    )


def renewable_online(certificate: Certificate, *, now: datetime) -> bool:
    """Within its renewal window and never revoked online: a revoked certificate is reinstated by staff."""
    return certificate.revoked_at is None and renewal_window(certificate).contains(now)


@dataclass(frozen=True)
class RenewalOffer:
    """What the holder's certificate page says about renewing: whether the button shows, its price, the
    window, and the renewals paid (their receipts)."""

    window: RenewalWindow
    is_open: bool
    is_free: bool
    price: str
    months: int
    too_early: bool
    too_late: bool
    revoked: bool
    paid: list[CertificateRenewal] = field(default_factory=list)


def renewal_offer(certificate: Certificate, *, now: datetime | None = None) -> RenewalOffer:
    now = now or timezone.now()
    window = renewal_window(certificate)
    revoked = certificate.revoked_at is not None
    paid = list(
        certificate.renewals.filter(status=CertificateRenewal.Status.RENEWED)
        .select_related("payment")
        .prefetch_related(receipt_links_prefetch("payment__"))
        .order_by("-completed_at")
    )
    fee = settings.CERTIFICATE_RENEWAL_FEE
    return RenewalOffer(
        window=window,
        is_open=renewable_online(certificate, now=now) and (settings.PAYMENTS_ENABLED or not fee),
        is_free=not fee,
        price=price(fee, settings.CERTIFICATE_RENEWAL_CURRENCY),
        months=settings.CERTIFICATION_VALIDITY_MONTHS,
        too_early=not revoked and now < window.opens,
        too_late=not revoked and now >= window.closes,
        revoked=revoked,
        paid=paid,
    )
