"""Renewing a certificate online: the holder pays CERTIFICATE_RENEWAL_FEE by card within the renewal
window, and the payment's success renews it through renew_certificate (docs/domain.md, Certification).

Each payment is a CertificateRenewal row (pending, then renewed, refunded or cancelled). payments calls
back ``_lock`` and ``_fulfil`` in the transaction that records a card payment's success (payments.purposes).
Lock order: the certificate, then the renewal, then the payment.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from certification.fees import renewable_online, renewal_fee_minor, renewal_window
from certification.models import Certificate, CertificateRenewal
from certification.services.certificates import renew_certificate
from certification.services.errors import CertificationError
from config.locking import busy_as
from notifications.services import language_for
from payments.models import Payment
from payments.purposes import Purpose, register
from payments.services import PaymentError, cancel_payment, is_payable, open_card_payment


def _locked(certificate: Certificate) -> Certificate:
    return Certificate.objects.select_for_update(of=("self",)).select_related("holder").get(pk=certificate.pk)


def _day(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "DATE_FORMAT")


def _check_renewable(certificate: Certificate, *, holder: User, now: datetime) -> None:
    """Raise CertificationError, saying why, unless the holder may renew this certificate online now."""
    if certificate.holder_id != holder.pk:
        raise CertificationError(_("This is not your certificate."))
    if certificate.revoked_at is not None:
        raise CertificationError(
            _("A revoked certificate cannot be renewed online; please contact the association.")
        )
    if renewable_online(certificate, now=now):
        return
    window = renewal_window(certificate)
    if now < window.opens:
        raise CertificationError(
            _("Your certificate can be renewed online from %(date)s.") % {"date": _day(window.opens)}
        )
    days = settings.CERTIFICATE_RENEWAL_GRACE_DAYS
    raise CertificationError(
        ngettext(
            "Your certificate expired more than %(days)s day ago, so it can no longer be renewed online; "
            "please contact the association to reinstate it.",
            "Your certificate expired more than %(days)s days ago, so it can no longer be renewed online; "
            "please contact the association to reinstate it.",
            days,
        )
        % {"days": days}
    )


@busy_as(CertificationError)
def open_renewal_payment(certificate: Certificate, *, holder: User) -> Payment:
    """The card payment renewing the certificate, payable until its renewal window closes: the pending one
    again while it can still be paid for the current fee, else a new one (the old one cancelled).

    Raises CertificationError for someone else's certificate, a revoked one, outside the renewal window,
    when renewing costs nothing (renew_certificate_without_fee) and when payments are off. Queues nothing
    (a replaced payment's intent is closed at Stripe after commit).
    """
    now = timezone.now()
    amount, currency = renewal_fee_minor(), settings.CERTIFICATE_RENEWAL_CURRENCY
    with transaction.atomic():
        certificate = _locked(certificate)
        _check_renewable(certificate, holder=holder, now=now)
        if amount <= 0:
            raise CertificationError(_("Renewing costs nothing: there is nothing to pay."))
        if not settings.PAYMENTS_ENABLED:
            raise CertificationError(
                _("Paying online is not available right now; please contact the association to renew.")
            )
        pending = (
            CertificateRenewal.objects.select_for_update(of=("self",))
            .select_related("payment")
            .filter(certificate=certificate, status=CertificateRenewal.Status.PENDING)
            .first()
        )
        if pending is not None:
            payment = pending.payment
            if is_payable(payment) and (payment.amount, payment.currency) == (amount, currency):
                return payment
            cancel_payment(payment)
            pending.status = CertificateRenewal.Status.CANCELLED
            pending.completed_at = now
            pending.save(update_fields=["status", "completed_at"])
        with translation.override(language_for(holder)):
            months = settings.CERTIFICATION_VALIDITY_MONTHS
            description = ngettext(
                "Certificate renewal: %(number)s, %(months)s more month",
                "Certificate renewal: %(number)s, %(months)s more months",
                months,
            ) % {"number": certificate.number, "months": months}
        try:
            payment = open_card_payment(
                purpose=Payment.Purpose.RENEWAL_FEE,
                payer=holder,
                description=description,
                amount=amount,
                currency=currency,
                # Nobody can pay once the window has closed: from then on only staff renew or reinstate.
                pay_by=renewal_window(certificate).closes,
            )
        except PaymentError as error:
            raise CertificationError(str(error)) from error
        try:
            with transaction.atomic():
                CertificateRenewal.objects.create(certificate=certificate, payment=payment)
        except IntegrityError:
            raise CertificationError(_("A renewal is already waiting for its payment; try again.")) from None
    return payment


@busy_as(CertificationError)
def renew_certificate_without_fee(certificate: Certificate, *, holder: User) -> Certificate:
    """The holder renews online when CERTIFICATE_RENEWAL_FEE is 0: renewed at once, as renew_certificate.

    Raises CertificationError for someone else's certificate, a revoked one, outside the renewal window,
    or when renewing has a fee (open_renewal_payment). Queues the certificate email task.
    """
    if renewal_fee_minor() > 0:
        raise CertificationError(_("Renewing has a fee: pay it to renew."))
    with transaction.atomic():
        certificate = _locked(certificate)
        _check_renewable(certificate, holder=holder, now=timezone.now())
        return renew_certificate(certificate, actor=holder, reason="Renewed online by the holder (no fee).")


def _lock(payment: Payment) -> None:
    certificate_id = (
        CertificateRenewal.objects.filter(payment=payment).values_list("certificate_id", flat=True).first()
    )
    if certificate_id is not None:
        Certificate.objects.select_for_update().get(pk=certificate_id)


def _fulfil(payment: Payment) -> bool:
    """The renewal fee went through: renew the certificate, counted from the payment if it has lapsed.
    The money goes back (returns False) when the certificate no longer wants it: revoked meanwhile,
    renewed meanwhile (its renewal window has not opened again), or the renewal was replaced. Queues the
    certificate email task."""
    renewal = (
        CertificateRenewal.objects.select_for_update(of=("self",))
        .select_related("certificate")
        .filter(payment=payment)
        .first()
    )
    if renewal is None:
        return False
    if renewal.status == CertificateRenewal.Status.RENEWED:
        return True
    certificate = renewal.certificate
    paid_at = payment.succeeded_at or timezone.now()
    wanted = (
        renewal.status == CertificateRenewal.Status.PENDING
        and certificate.revoked_at is None
        and paid_at >= renewal_window(certificate).opens
    )
    if not wanted:
        if renewal.status == CertificateRenewal.Status.PENDING:
            renewal.status = CertificateRenewal.Status.REFUNDED
            renewal.completed_at = paid_at
            renewal.save(update_fields=["status", "completed_at"])
        return False
    renewed = renew_certificate(
        certificate,
        actor=payment.payer,
        reason="Renewal fee paid online.",
        counted_from=paid_at,
        payment_id=payment.pk,
    )
    renewal.status = CertificateRenewal.Status.RENEWED
    renewal.completed_at = paid_at
    renewal.valid_until = renewed.valid_until
    renewal.save(update_fields=["status", "completed_at", "valid_until"])
    return True


def _certificate_url(payment: Payment) -> str:
    return reverse("certification:my_certificate")


def register_renewal_payments() -> None:
    """Called from CertificationConfig.ready(): payments calls these back for every renewal payment."""
    register(
        Payment.Purpose.RENEWAL_FEE,
        Purpose(lock=_lock, fulfil=_fulfil, next_url=_certificate_url, back_url=_certificate_url),
    )
