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
from config.tests.redis_cache import using_redis_cache

pytestmark = pytest.mark.django_db

LOOKUP = reverse("certification:verify_lookup")


def verify_url(certificate) -> str:
    return reverse("certification:verify_token", args=[certificate.token])


def former_pdf_url(certificate) -> str:
    """Where the PDF used to be served to anyone holding the token; the PDF is private now."""
    return f"{verify_url(certificate)}certificate.pdf"


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
    assert ".pdf" not in page
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_one_second_past_valid_until_reads_expired_with_no_job_run(client, certificate):
    with time_machine.travel(certificate.valid_until + timedelta(seconds=1), tick=False):
        page = client.get(verify_url(certificate)).content.decode()

    assert f"EXPIRED on {date_format(certificate.valid_until, 'DATE_FORMAT')}" in page
    assert ">\n        VALID" not in page and "Download the certificate" not in page


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


@pytest.fixture
def redis_cache():
    """Lookups are counted in the shared cache: on Redis, as in production, under this test's own prefix."""
    with using_redis_cache() as cache:
        yield cache


@pytest.fixture
def within_one_minute():
    """The limit counts per clock minute: the test runs at a standstill early in one."""
    with time_machine.travel(timezone.now().replace(second=1), tick=False):
        yield


@pytest.fixture
def behind_one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1


PROXY = "10.0.0.2"


def missed_lookups(client, times: int, **extra) -> list[int]:
    """Lookups of a number nobody holds: each one counts, and each is a 404 until the limit is reached."""
    return [
        client.post(LOOKUP, {"number": "IMC-2026-00001", "surname": "x"}, **extra).status_code
        for _ in range(times)
    ]


def good_lookup(client, certificate, **extra):
    return client.post(LOOKUP, {"number": certificate.number, "surname": "García"}, **extra)


def test_lookups_are_rate_limited_per_address(redis_cache, within_one_minute, client, certificate):
    statuses = missed_lookups(client, 10)
    limited = good_lookup(client, certificate)
    other_address = good_lookup(client, certificate, REMOTE_ADDR="10.0.0.9")

    assert statuses == [404] * 10
    assert limited.status_code == 429 and "Too many look-ups" in limited.content.decode()
    assert other_address.status_code == 302


def test_behind_a_proxy_each_client_has_a_limit_of_its_own(
    redis_cache, within_one_minute, behind_one_proxy, client, certificate
):
    client_a = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "203.0.113.5"}
    client_b = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.7"}

    statuses = missed_lookups(client, 10, **client_a)

    assert statuses == [404] * 10
    assert good_lookup(client, certificate, **client_a).status_code == 429
    assert good_lookup(client, certificate, **client_b).status_code == 302


def test_an_address_forged_ahead_of_the_proxys_cannot_pick_another_clients_limit(
    redis_cache, within_one_minute, behind_one_proxy, client, certificate
):
    missed_lookups(client, 10, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.5")

    # The client sent "198.51.100.7"; the proxy appended the address the client really came from.
    forged = good_lookup(
        client, certificate, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.5"
    )
    genuine = good_lookup(client, certificate, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7")

    assert forged.status_code == 429
    assert genuine.status_code == 302


def test_without_a_trusted_proxy_a_client_rotating_forwarded_for_keeps_its_one_limit(
    redis_cache, within_one_minute, client, certificate
):
    statuses = [
        missed_lookups(client, 1, REMOTE_ADDR="192.0.2.44", HTTP_X_FORWARDED_FOR=f"198.51.100.{number}")[0]
        for number in range(11)
    ]

    assert statuses == [404] * 10 + [429]
    assert good_lookup(client, certificate, REMOTE_ADDR="192.0.2.45").status_code == 302


def test_an_ipv6_client_cannot_escape_its_limit_by_taking_other_addresses_of_its_network(
    redis_cache, within_one_minute, client, certificate
):
    statuses = [
        missed_lookups(client, 1, REMOTE_ADDR=f"2001:db8:1:2::{number:x}")[0] for number in range(1, 12)
    ]

    assert statuses == [404] * 10 + [429]
    assert good_lookup(client, certificate, REMOTE_ADDR="2001:db8:1:3::1").status_code == 302


def test_the_token_no_longer_gives_the_pdf(client, staff):
    certificate = services.issue_certificate(eligible_enrollment(), actor=staff)
    services.queue_certificate_email(certificate.pk, version=1)

    response = client.get(former_pdf_url(certificate))

    assert response.status_code == 404
    assert not response.content.startswith(b"%PDF")
