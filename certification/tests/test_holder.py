"""The holder's own certificate page, its Open Badges 3.0 export (badge.json, now the signed credential
decoded) and the LinkedIn link."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse

from certification import services
from certification.tests.factories import CertificateFactory, EnrollmentFactory

pytestmark = pytest.mark.django_db

MY_CERTIFICATE = reverse("certification:my_certificate")
BADGE = reverse("certification:my_certificate_badge")


@pytest.fixture
def certificate(instructor, settings):
    settings.SITE_URL = "https://nurturing-touch.example"
    return CertificateFactory(holder=instructor, number="IMC-2026-00042")


def test_holder_sees_status_history_pdf_and_sharing_links(client, instructor, certificate, staff):
    services.correct_certificate_name(certificate, actor=staff, name="Carol Castro-Ruiz")
    client.force_login(instructor)

    page = client.get(MY_CERTIFICATE).content.decode()

    assert "IMC-2026-00042" in page and "VALID" in page
    assert "Name corrected" in page and "Carol Castro-Ruiz" in page
    assert reverse("certification:my_certificate_pdf") in page
    for name in ("my_credential_jwt", "my_credential_json", "my_credential_png"):
        assert reverse(f"certification:{name}") in page
    assert "https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME" in page


def test_holder_history_never_shows_the_internal_revocation_reason(client, instructor, certificate, staff):
    services.revoke_certificate(
        certificate,
        actor=staff,
        reason="Complaint 2026-14.",
        public_statement="Revoked for a breach of ethics.",
    )
    client.force_login(instructor)

    page = client.get(MY_CERTIFICATE).content.decode()

    assert "REVOKED on" in page and "Revoked for a breach of ethics." in page
    assert "Complaint 2026-14" not in page
    assert reverse("certification:my_certificate_pdf") not in page


def test_open_badge_export_is_an_open_badges_3_credential(client, instructor, certificate):
    client.force_login(instructor)

    response = client.get(BADGE)

    assert response.status_code == 200 and response["Content-Type"].startswith("application/ld+json")
    badge = response.json()
    assert badge["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert badge["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert badge["id"] == f"https://nurturing-touch.example/certificates/verify/{certificate.token}/"
    assert badge["issuer"]["type"] == ["Profile"] and badge["issuer"]["name"].startswith("Nurturing Touch")
    assert badge["validFrom"].endswith("Z") and badge["validUntil"].endswith("Z")
    subject = badge["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"] and subject["name"] == certificate.name_on_certificate
    achievement = subject["achievement"]
    assert (
        achievement["type"] == ["Achievement"]
        and achievement["name"] == "Certified Infant Massage Instructor"
    )
    assert "5 families" in achievement["criteria"]["narrative"]
    status = badge["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry" and status["statusPurpose"] == "revocation"
    assert badge["issuer"]["id"] == "did:web:nurturing-touch.example"


def test_open_badge_export_of_a_revoked_certificate_points_to_its_status_list(
    client, instructor, certificate, staff
):
    """Revocation is in the status list (test_credentials_status), never in the credential itself: the
    credential is signed once, and the internal reason is in neither."""
    services.revoke_certificate(
        certificate, actor=staff, reason="Internal only.", public_statement="Revoked for a breach of ethics."
    )
    client.force_login(instructor)

    badge = client.get(BADGE).content.decode()

    assert "/credentials/status/" in badge
    assert "Internal only." not in badge


def test_linkedin_link_is_prefilled_and_encoded(client, instructor, certificate):
    client.force_login(instructor)

    url = client.get(MY_CERTIFICATE).context["linkedin_url"]

    query = parse_qs(urlparse(url).query)
    assert query["name"] == ["Certified Infant Massage Instructor"]
    assert query["organizationName"] == ["Nurturing Touch — Infant Massage Association"]
    assert query["issueYear"] == [str(certificate.issued_at.year)]
    assert query["expirationMonth"] == [str(certificate.valid_until.month)]
    assert query["certId"] == ["IMC-2026-00042"]
    assert query["certUrl"] == [f"https://nurturing-touch.example/certificates/verify/{certificate.token}/"]


def test_person_without_a_certificate_is_pointed_to_the_trainings(client, parent):
    client.force_login(parent)

    response = client.get(MY_CERTIFICATE)

    assert response.status_code == 200
    assert "You do not hold a certificate yet." in response.content.decode()
    assert reverse("certification:training_list") in response.content.decode()
    assert client.get(BADGE).status_code == 404


def test_trainee_without_a_certificate_is_pointed_to_their_progress(client, trainee):
    EnrollmentFactory(trainee=trainee)
    client.force_login(trainee)

    assert reverse("certification:progress") in client.get(MY_CERTIFICATE).content.decode()


def test_the_page_shows_only_the_signed_in_holders_certificate(
    client, instructor, other_instructor, certificate
):
    client.force_login(other_instructor)

    page = client.get(MY_CERTIFICATE).content.decode()

    assert certificate.number not in page
    assert client.get(BADGE).status_code == 404
