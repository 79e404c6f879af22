"""Renew, correct, re-send, revoke and reinstate: same number and URL, a new PDF where the print changes,
an event naming who did it, and a reason wherever the status changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from certification import services
from certification.models import Certificate, CertificateEvent, CertificateStatus
from certification.services import CertificationError
from certification.tests.factories import CertificateFactory, eligible_enrollment
from notifications.models import OutgoingEmail

pytestmark = pytest.mark.django_db


@pytest.fixture
def emailed_certificate(staff) -> Certificate:
    """An issued certificate whose first email (and PDF) went out."""
    certificate = services.issue_certificate(eligible_enrollment(), actor=staff)
    services.queue_certificate_email(certificate.pk, version=1)
    return Certificate.objects.get(pk=certificate.pk)


def pdf_bytes(certificate: Certificate) -> bytes:
    certificate.refresh_from_db()
    with certificate.pdf.open("rb") as handle:
        return handle.read()


def test_renewal_extends_from_the_end_date_and_keeps_number_and_url(emailed_certificate, staff, settings):
    certificate = emailed_certificate
    number, url, old_pdf = certificate.number, certificate.get_absolute_url(), pdf_bytes(certificate)
    old_end = certificate.valid_until

    renewed = services.renew_certificate(certificate, actor=staff, reason="Renewal fee paid.")
    assert services.queue_certificate_email(renewed.pk, version=renewed.email_version) == "queued"

    renewed.refresh_from_db()
    assert renewed.valid_until == old_end + relativedelta(months=settings.CERTIFICATION_VALIDITY_MONTHS)
    assert (renewed.number, renewed.get_absolute_url()) == (number, url)
    assert pdf_bytes(renewed) != old_pdf
    event = renewed.events.get(kind=CertificateEvent.Kind.RENEWED)
    assert (event.actor, event.details["reason"]) == (staff, "Renewal fee paid.")
    email = OutgoingEmail.objects.get(key=f"certificate-issued:{renewed.pk}:2")
    assert "renewed" in email.subject and email.attachments.count() == 1


def test_renewal_of_a_lapsed_certificate_counts_from_today(staff):
    certificate = CertificateFactory(
        issued_at=timezone.now() - timedelta(days=400), valid_until=timezone.now() - timedelta(days=35)
    )

    with time_machine.travel(timezone.now(), tick=False):
        renewed = services.renew_certificate(certificate, actor=staff, reason="Renewal fee paid late.")
        assert renewed.valid_until == timezone.now() + relativedelta(months=12)
    assert renewed.status == CertificateStatus.VALID


def test_renewal_needs_a_reason_and_an_unrevoked_certificate(staff):
    certificate = CertificateFactory()
    with pytest.raises(CertificationError, match="Say why"):
        services.renew_certificate(certificate, actor=staff, reason="  ")
    services.revoke_certificate(certificate, actor=staff, reason="Breach.", public_statement="Revoked.")

    with pytest.raises(CertificationError, match="reinstate it first"):
        services.renew_certificate(certificate, actor=staff, reason="Paid.")


def test_name_correction_keeps_number_and_url_and_makes_a_new_pdf(emailed_certificate, staff):
    certificate = emailed_certificate
    number, token, old_pdf = certificate.number, certificate.token, pdf_bytes(certificate)
    old_name = certificate.name_on_certificate

    corrected = services.correct_certificate_name(
        certificate, actor=staff, name="  Erin   Évans-Ortiz ", reason="Holder asked for accents."
    )
    services.queue_certificate_email(corrected.pk, version=corrected.email_version)

    corrected.refresh_from_db()
    assert corrected.name_on_certificate == "Erin Évans-Ortiz"
    assert (corrected.number, corrected.token) == (number, token)
    new_pdf = pdf_bytes(corrected)
    assert new_pdf != old_pdf
    event = corrected.events.get(kind=CertificateEvent.Kind.NAME_CORRECTED)
    assert event.details["old_name"] == old_name and event.details["new_name"] == "Erin Évans-Ortiz"
    assert event.actor == staff


def test_name_correction_refuses_an_empty_or_unchanged_name(staff):
    certificate = CertificateFactory(name_on_certificate="Erin Evans")

    with pytest.raises(CertificationError, match="Enter the name"):
        services.correct_certificate_name(certificate, actor=staff, name=" ")
    with pytest.raises(CertificationError, match="already the name"):
        services.correct_certificate_name(certificate, actor=staff, name="Erin  Evans")


def test_resend_queues_a_new_version_of_the_email(emailed_certificate, staff):
    certificate = services.resend_certificate(emailed_certificate, actor=staff)
    services.queue_certificate_email(certificate.pk, version=certificate.email_version)
    services.queue_certificate_email(certificate.pk, version=certificate.email_version)

    keys = sorted(OutgoingEmail.objects.filter(template="certificate_issued").values_list("key", flat=True))
    assert keys == [f"certificate-issued:{certificate.pk}:1", f"certificate-issued:{certificate.pk}:2"]
    assert certificate.events.get(kind=CertificateEvent.Kind.RESEND_REQUESTED).actor == staff


def test_revoked_or_expired_certificate_is_not_resent(staff):
    expired = CertificateFactory(
        issued_at=timezone.now() - timedelta(days=400), valid_until=timezone.now() - timedelta(days=1)
    )
    with pytest.raises(CertificationError, match="Only a valid certificate"):
        services.resend_certificate(expired, actor=staff)


def test_revocation_needs_reason_and_statement_and_emails_the_statement_only(staff):
    certificate = CertificateFactory()
    with pytest.raises(CertificationError, match="internal reason"):
        services.revoke_certificate(certificate, actor=staff, reason="", public_statement="Revoked.")
    with pytest.raises(CertificationError, match="public statement"):
        services.revoke_certificate(
            certificate, actor=staff, reason="Breach of ethics.", public_statement=" "
        )

    revoked = services.revoke_certificate(
        certificate,
        actor=staff,
        reason="Complaint 2026-14: unsafe advice to a family.",
        public_statement="Revoked for a breach of the code of ethics.",
    )

    assert revoked.status == CertificateStatus.REVOKED
    event = revoked.events.get(kind=CertificateEvent.Kind.REVOKED)
    assert event.actor == staff
    email = OutgoingEmail.objects.get(template="certificate_revoked")
    assert "Revoked for a breach of the code of ethics." in email.body_text
    assert "Complaint 2026-14" not in email.body_text + email.body_html
    with pytest.raises(CertificationError, match="already revoked"):
        services.revoke_certificate(revoked, actor=staff, reason="Again.", public_statement="Again.")


def test_reinstating_lifts_the_revocation_and_keeps_the_story(staff):
    certificate = services.revoke_certificate(
        CertificateFactory(), actor=staff, reason="Mistaken identity?", public_statement="Revoked."
    )
    with pytest.raises(CertificationError, match="Say why"):
        services.reinstate_certificate(certificate, actor=staff, reason="")

    reinstated = services.reinstate_certificate(certificate, actor=staff, reason="Complaint withdrawn.")

    assert reinstated.status == CertificateStatus.VALID
    assert (reinstated.revocation_reason, reinstated.public_statement) == ("", "")
    event = reinstated.events.get(kind=CertificateEvent.Kind.REINSTATED)
    assert event.details["revocation_reason"] == "Mistaken identity?" and event.actor == staff
    with pytest.raises(CertificationError, match="not revoked"):
        services.reinstate_certificate(reinstated, actor=staff, reason="Again.")
