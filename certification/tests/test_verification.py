"""The public verification page and the look-up by number and surname: status computed at read time,
the public statement but never the internal reason, one "no such certificate" page, rate-limited."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from certification import services
from certification.tests.factories import CertificateFactory, eligible_enrollment

pytestmark = pytest.mark.django_db

LOOKUP = reverse("certification:verify_lookup")


def verify_url(certificate) -> str:
    return reverse("certification:verify_token", args=[certificate.token])


def pdf_url(certificate) -> str:
    return reverse("certification:certificate_pdf", args=[certificate.token])


def main_content(response) -> str:
    page = response.content.decode()
    return page[page.index("<main") : page.index("</main>")]


@pytest.fixture
def certificate():
    return CertificateFactory(name_on_certificate="Lucía García Márquez", number="IMC-2026-00042")


def test_valid_certificate_shows_holder_title_dates_and_valid(client, certificate):
    response = client.get(verify_url(certificate))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Lucía García Márquez" in page
    assert "Certified Infant Massage Instructor" in page
    assert "IMC-2026-00042" in page
    assert "VALID" in page and "EXPIRED" not in page
    assert pdf_url(certificate) in page
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_one_second_past_valid_until_reads_expired_with_no_job_run(client, certificate):
    with time_machine.travel(certificate.valid_until + timedelta(seconds=1), tick=False):
        page = client.get(verify_url(certificate)).content.decode()
        pdf = client.get(pdf_url(certificate))

    assert f"EXPIRED on {date_format(certificate.valid_until, 'DATE_FORMAT')}" in page
    assert ">\n        VALID" not in page and "Download the certificate" not in page
    assert pdf.status_code == 404


def test_revoked_certificate_shows_the_statement_and_never_the_internal_reason(client, certificate, staff):
    services.revoke_certificate(
        certificate,
        actor=staff,
        reason="Complaint 2026-14 from a family in Leeds.",
        public_statement="Revoked for a breach of the association's code of ethics.",
    )

    page = client.get(verify_url(certificate)).content.decode()

    assert "REVOKED on" in page
    assert "Revoked for a breach of the association&#x27;s code of ethics." in page
    assert "Complaint 2026-14" not in page and "Leeds" not in page
    assert client.get(pdf_url(certificate)).status_code == 404


def test_unknown_token_gets_the_no_such_certificate_page(client):
    response = client.get(reverse("certification:verify_token", args=["0" * 32]))

    assert response.status_code == 404
    assert "No such certificate" in response.content.decode()


@pytest.mark.parametrize(
    ("number", "surname"),
    [
        ("IMC-2026-00042", "García"),
        ("imc-2026-00042", "garcia"),
        (" IMC-2026-00042 ", "GARCÍA MÁRQUEZ"),
        ("IMC-2026-00042", "Marquez"),
    ],
)
def test_lookup_by_number_and_surname_leads_to_the_verification_page(client, certificate, number, surname):
    response = client.post(LOOKUP, {"number": number, "surname": surname})

    assert response.status_code == 302 and response["Location"] == verify_url(certificate)


@pytest.mark.parametrize(
    ("number", "surname"),
    [("IMC-2026-00042", "Evans"), ("IMC-2026-00042", "Lucía"), ("IMC-2026-00043", "García"), ("IMC", "Gar")],
)
def test_wrong_surname_or_number_gets_the_same_404_page_as_an_unknown_token(
    client, certificate, number, surname
):
    unknown = client.get(reverse("certification:verify_token", args=["f" * 32]))

    response = client.post(LOOKUP, {"number": number, "surname": surname})

    assert response.status_code == 404
    assert main_content(response) == main_content(unknown)
    assert "Lucía" not in response.content.decode()


def test_lookup_form_errors_are_shown_next_to_the_fields(client):
    response = client.post(LOOKUP, {"number": "", "surname": ""})

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"number", "surname"}


def test_lookups_are_rate_limited_per_address(client, certificate):
    with time_machine.travel(timezone.now().replace(second=1), tick=False):
        statuses = [
            client.post(LOOKUP, {"number": "IMC-2026-00001", "surname": "x"}).status_code for _ in range(10)
        ]
        limited = client.post(LOOKUP, {"number": certificate.number, "surname": "García"})
        other_address = client.post(
            LOOKUP, {"number": certificate.number, "surname": "García"}, REMOTE_ADDR="10.0.0.9"
        )

    assert statuses == [404] * 10
    assert limited.status_code == 429 and "Too many look-ups" in limited.content.decode()
    assert other_address.status_code == 302


def test_valid_certificate_pdf_downloads_the_stored_file(client, staff):
    certificate = services.issue_certificate(eligible_enrollment(), actor=staff)
    services.send_certificate_email(certificate.pk, version=1)

    response = client.get(pdf_url(certificate))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert certificate.number in response["Content-Disposition"]


def test_pdf_not_rendered_yet_is_rendered_on_the_spot(client, certificate):
    response = client.get(pdf_url(certificate))

    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
