"""Renewing a certificate online from the holder's certificate page: within the renewal window the holder
pays the renewal fee by card against localstripe, and the payment renews the certificate (docs/domain.md,
Certification)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone

from certification import services
from certification.models import Certificate, CertificateEvent, CertificateRenewal
from certification.tests.factories import CertificateFactory
from certification.tests.paying import pay
from certification.tests.test_admin import shown_messages
from notifications.models import OutgoingEmail
from payments.models import Payment, Refund
from payments.tests.stripe_server import CARD_OK

pytestmark = pytest.mark.django_db

MY_CERTIFICATE = reverse("certification:my_certificate")
RENEW = reverse("certification:renew_certificate")


@pytest.fixture(autouse=True)
def renewal_rules(settings):
    settings.CERTIFICATE_RENEWAL_FEE = Decimal("60.00")
    settings.CERTIFICATE_RENEWAL_CURRENCY = "EUR"
    settings.CERTIFICATE_RENEWAL_OPENS_DAYS = 60
    settings.CERTIFICATE_RENEWAL_GRACE_DAYS = 90
    settings.CERTIFICATION_VALIDITY_MONTHS = 12


def certificate_ending_in(holder, days: int) -> Certificate:
    """Carol's certificate, ending `days` from now (ended, when negative), issued a year before."""
    valid_until = timezone.now().replace(microsecond=0) + timedelta(days=days)
    return CertificateFactory(
        holder=holder, issued_at=valid_until - timedelta(days=365), valid_until=valid_until
    )


def open_renewal(client, holder) -> Payment:
    client.force_login(holder)
    response = client.post(RENEW)
    payment = Payment.objects.get(purpose=Payment.Purpose.RENEWAL_FEE)
    assert response["Location"] == reverse("payments:pay", kwargs={"pk": payment.pk})
    return payment


def test_before_the_window_opens_there_is_no_button_and_a_post_is_refused(client, instructor):
    certificate_ending_in(instructor, days=200)
    client.force_login(instructor)

    page = client.get(MY_CERTIFICATE).content.decode()
    response = client.post(RENEW, follow=True)

    assert "Renew for another" not in page
    assert "You can renew your certificate online from" in page
    assert any("can be renewed online from" in message for message in shown_messages(response))
    assert not Payment.objects.exists() and not CertificateRenewal.objects.exists()


def test_after_the_grace_period_there_is_no_button_and_a_post_is_refused(client, instructor):
    certificate = certificate_ending_in(instructor, days=-91)
    client.force_login(instructor)

    page = client.get(MY_CERTIFICATE).content.decode()
    response = client.post(RENEW, follow=True)

    assert "Renew for another" not in page
    assert "can no longer be renewed online" in page
    assert any("contact the association to reinstate it" in message for message in shown_messages(response))
    assert not Payment.objects.exists()
    assert Certificate.objects.get(pk=certificate.pk).valid_until == certificate.valid_until


def test_a_revoked_certificate_is_never_renewed_online(client, instructor, staff):
    certificate = certificate_ending_in(instructor, days=20)
    services.revoke_certificate(
        certificate, actor=staff, reason="Complaint upheld.", public_statement="Revoked."
    )
    client.force_login(instructor)

    page = client.get(MY_CERTIFICATE).content.decode()
    response = client.post(RENEW, follow=True)

    assert "Renew for another" not in page
    assert (
        "A revoked certificate cannot be renewed online; please contact the association."
        in shown_messages(response)
    )
    assert not Payment.objects.exists()


def test_within_the_window_the_page_offers_renewal_at_the_fee(client, instructor):
    certificate_ending_in(instructor, days=30)
    client.force_login(instructor)

    page = client.get(MY_CERTIFICATE).content.decode()

    assert "Renew for another 12 months — €60.00" in page
    assert f'action="{RENEW}"' in page


def test_paying_renews_from_the_old_end_records_the_event_and_queues_the_email(
    client, instructor, stripe_server, django_capture_on_commit_callbacks
):
    certificate = certificate_ending_in(instructor, days=30)
    old_end = certificate.valid_until
    payment = open_renewal(client, instructor)
    assert (payment.amount, payment.currency, payment.payer) == (6000, "EUR", instructor)
    assert payment.pay_by == old_end + timedelta(days=90)

    with django_capture_on_commit_callbacks() as callbacks:
        answer = pay(client, payment, stripe_server.card(CARD_OK))

    assert answer["status"] == "succeeded"
    certificate.refresh_from_db()
    assert certificate.valid_until == old_end + relativedelta(months=12)
    event = certificate.events.get(kind=CertificateEvent.Kind.RENEWED)
    assert (event.actor, event.details["payment"]) == (instructor, payment.pk)
    assert event.details["email_version"] == certificate.email_version == 2
    assert certificate.email_requested_at is not None
    assert callbacks, "the certificate email task is queued after commit"
    renewal = CertificateRenewal.objects.get(payment=payment)
    assert (renewal.status, renewal.valid_until) == (
        CertificateRenewal.Status.RENEWED,
        certificate.valid_until,
    )
    assert services.queue_certificate_email(certificate.pk, version=2) == "queued"
    email = OutgoingEmail.objects.get(key=f"certificate-issued:{certificate.pk}:2")
    assert "renewed" in email.subject
    assert client.get(reverse("payments:pay_done", kwargs={"pk": payment.pk}))["Location"] == MY_CERTIFICATE
    page = client.get(MY_CERTIFICATE).content.decode()
    assert "Renewals paid online" in page
    assert reverse("payments:receipt_pdf", kwargs={"pk": payment.receipts.get().pk}) in page
    assert "Renew for another" not in page


def test_pressing_renew_twice_finds_the_same_payment(client, instructor):
    certificate_ending_in(instructor, days=30)
    first = open_renewal(client, instructor)

    again = client.post(RENEW)

    assert again["Location"] == reverse("payments:pay", kwargs={"pk": first.pk})
    assert CertificateRenewal.objects.count() == 1


def test_a_lapsed_certificate_renewed_within_the_grace_period_counts_from_the_payment(
    client, instructor, stripe_server
):
    certificate = certificate_ending_in(instructor, days=-10)
    payment = open_renewal(client, instructor)

    assert pay(client, payment, stripe_server.card(CARD_OK))["status"] == "succeeded"

    certificate.refresh_from_db()
    payment.refresh_from_db()
    assert certificate.valid_until == payment.succeeded_at + relativedelta(months=12)
    assert certificate.status == "valid"


def test_a_certificate_revoked_before_the_payment_goes_through_is_refunded(
    client, instructor, staff, stripe_server
):
    certificate = certificate_ending_in(instructor, days=30)
    old_end = certificate.valid_until
    payment = open_renewal(client, instructor)
    services.revoke_certificate(
        certificate, actor=staff, reason="Complaint upheld.", public_statement="Revoked."
    )

    answer = pay(client, payment, stripe_server.card(CARD_OK))

    assert answer["status"] == "succeeded"
    certificate.refresh_from_db()
    assert certificate.valid_until == old_end
    assert not certificate.events.filter(kind=CertificateEvent.Kind.RENEWED).exists()
    assert Refund.objects.get(payment=payment).amount == 6000
    assert CertificateRenewal.objects.get(payment=payment).status == CertificateRenewal.Status.REFUNDED


def test_a_certificate_renewed_by_staff_meanwhile_refunds_the_online_payment(
    client, instructor, staff, stripe_server
):
    certificate = certificate_ending_in(instructor, days=30)
    payment = open_renewal(client, instructor)
    renewed = services.renew_certificate(certificate, actor=staff, reason="Renewal fee paid at the office.")

    assert pay(client, payment, stripe_server.card(CARD_OK))["status"] == "succeeded"

    assert Certificate.objects.get(pk=certificate.pk).valid_until == renewed.valid_until
    assert Refund.objects.get(payment=payment).amount == 6000


def test_with_no_fee_the_holder_renews_at_once(client, instructor, settings):
    settings.CERTIFICATE_RENEWAL_FEE = Decimal("0")
    certificate = certificate_ending_in(instructor, days=30)
    old_end = certificate.valid_until
    client.force_login(instructor)

    page = client.get(MY_CERTIFICATE).content.decode()
    response = client.post(RENEW, follow=True)

    assert "Renew for another 12 months" in page and "€" not in page
    certificate.refresh_from_db()
    assert certificate.valid_until == old_end + relativedelta(months=12)
    assert any("Your certificate is renewed until" in message for message in shown_messages(response))
    assert not Payment.objects.exists()


def test_the_renew_action_refuses_a_get(client, instructor):
    certificate_ending_in(instructor, days=30)
    client.force_login(instructor)

    assert client.get(RENEW).status_code == 405
    assert not Payment.objects.exists()


def test_someone_without_a_certificate_has_nothing_to_renew(client, parent, instructor):
    certificate_ending_in(instructor, days=30)
    client.force_login(parent)

    assert client.post(RENEW).status_code == 404
    assert not Payment.objects.exists()
