"""Revocation anyone can check: each certificate's random position in a Bitstring Status List, the list
published signed at /credentials/status/<n>, its bit set by revoking and cleared by reinstating at once.

The published list is decoded here by hand (base64url, GZIP, left-most bit first) and its signature
checked with PyJWT, as a verifier elsewhere would.
"""

from __future__ import annotations

import base64
import gzip
from io import StringIO

import jwt
import pytest
from django.core.management import call_command
from django.db import IntegrityError
from django.urls import reverse

from certification import services
from certification.models import Certificate, CredentialStatusList
from certification.tests.factories import CertificateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(instructor, settings):
    settings.SITE_URL = "https://nurturing-touch.example"
    return CertificateFactory(holder=instructor)


def published_bit(client, status: dict) -> bool:
    """The bit a verifier reads for a credentialStatus entry, fetched and checked from scratch."""
    url = status["statusListCredential"]
    assert url.startswith("https://nurturing-touch.example/credentials/status/")
    response = client.get(url.removeprefix("https://nurturing-touch.example"))
    assert response.status_code == 200 and response["Content-Type"] == "application/vc+jwt"
    assert "no-cache" in response["Cache-Control"]
    token = response.content.decode()
    key_set = jwt.PyJWKSet.from_dict(client.get("/.well-known/jwks.json").json())
    listed = jwt.decode(token, key=key_set[jwt.get_unverified_header(token)["kid"]].key, algorithms=["EdDSA"])
    assert listed["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert listed["issuer"] == "did:web:nurturing-touch.example" and listed["id"] == url
    subject = listed["credentialSubject"]
    assert subject["type"] == "BitstringStatusList" and subject["statusPurpose"] == "revocation"
    encoded = subject["encodedList"]
    assert encoded[0] == "u"
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(bits) * 8 >= 131072
    index = int(status["statusListIndex"])
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def credential_status(client, certificate) -> dict:
    payload = client.get(reverse("certification:credential_json", args=[certificate.token])).json()
    return payload["credentialStatus"]


def test_revoking_sets_the_bit_and_reinstating_clears_it_at_once(client, certificate, staff):
    status = credential_status(client, certificate)
    assert status["type"] == "BitstringStatusListEntry" and status["statusPurpose"] == "revocation"
    assert not published_bit(client, status)

    services.revoke_certificate(certificate, actor=staff, reason="Internal.", public_statement="Revoked.")
    assert published_bit(client, status)

    services.reinstate_certificate(certificate, actor=staff, reason="Appeal upheld.")
    assert not published_bit(client, status)


def test_one_revocation_sets_exactly_one_bit(client, certificate, staff, other_instructor):
    others = [CertificateFactory(holder=other_instructor)] + [CertificateFactory() for _ in range(3)]
    entries = [credential_status(client, other) for other in others]
    services.revoke_certificate(certificate, actor=staff, reason="Internal.", public_statement="Revoked.")

    assert published_bit(client, credential_status(client, certificate))
    assert not any(published_bit(client, entry) for entry in entries)


def test_positions_are_random_unique_and_in_a_large_list(client, settings):
    settings.SITE_URL = "https://nurturing-touch.example"
    certificates = [CertificateFactory() for _ in range(6)]
    for certificate in certificates:
        services.current_credential(certificate)

    status_list = CredentialStatusList.objects.get()
    indexes = [Certificate.objects.get(pk=c.pk).status_index for c in certificates]
    assert status_list.size >= 131072
    assert len(set(indexes)) == 6
    assert indexes != sorted(indexes) or max(indexes) > 1000  # not handed out in order from 0


def test_the_database_refuses_two_certificates_at_one_position(settings):
    first, second = CertificateFactory(), CertificateFactory()
    services.current_credential(first)
    first.refresh_from_db()

    with pytest.raises(IntegrityError):
        Certificate.objects.filter(pk=second.pk).update(
            status_list=first.status_list, status_index=first.status_index
        )


def test_an_unknown_list_is_not_found(client):
    assert client.get(reverse("certification:status_list", args=[99])).status_code == 404


def test_the_revoked_demo_certificate_has_its_bit_set(client, settings):
    settings.SITE_URL = "https://nurturing-touch.example"
    call_command("seed_demo", stdout=StringIO(), stderr=StringIO())

    revoked = Certificate.objects.get(revoked_at__isnull=False)
    valid = Certificate.objects.filter(revoked_at__isnull=True).first()

    assert published_bit(client, credential_status(client, revoked))
    assert not published_bit(client, credential_status(client, valid))
