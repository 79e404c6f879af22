"""/certificates/check/: every way a credential can be right or wrong gets its own plain answer, through
the page as a visitor uses it, and bad input never a 500."""

from __future__ import annotations

import base64
import io
import json
from datetime import timedelta

import jwt
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from joserfc.jwk import OKPKey
from PIL import Image

from certification import services
from certification.credentials import baking, keys
from certification.tests.factories import CertificateFactory

pytestmark = pytest.mark.django_db

CHECK = reverse("certification:check_credential")


@pytest.fixture
def certificate(instructor, settings):
    settings.SITE_URL = "https://nurturing-touch.example"
    return CertificateFactory(holder=instructor, name_on_certificate="Carol Castro")


def token_of(certificate) -> str:
    return services.current_credential(certificate).jwt


def check(client, **data) -> tuple[str, str, str]:
    """(verdict, standing, page text) of one check."""
    response = client.post(CHECK, data)
    assert response.status_code == 200, response.status_code
    page = response.content.decode()
    result = response.context["result"]
    return result.verdict.value, (result.standing or ""), page


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def reassemble(header: dict, payload: dict, signature: str) -> str:
    return ".".join([b64(json.dumps(header).encode()), b64(json.dumps(payload).encode()), signature])


def parts(token: str) -> tuple[dict, dict, str]:
    header, payload, signature = token.split(".")
    decode = lambda part: json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))  # noqa: E731
    return decode(header), decode(payload), signature


def test_the_page_is_a_form_that_works_without_javascript(client):
    page = client.get(CHECK).content.decode()

    assert 'enctype="multipart/form-data"' in page
    assert '<label for="id_credential"' in page and '<label for="id_image"' in page


def test_a_genuine_current_credential(client, certificate):
    verdict, standing, page = check(client, credential=token_of(certificate))

    assert (verdict, standing) == ("genuine", "current")
    assert "GENUINE AND CURRENT" in page and "Carol Castro" in page
    assert "Certified Infant Massage Instructor" in page


def test_the_readable_json_copy_is_recognised(client, certificate):
    payload = jwt.decode(token_of(certificate), options={"verify_signature": False})

    verdict, standing, page = check(client, credential=json.dumps(payload, indent=2))

    assert (verdict, standing) == ("genuine", "current")
    assert "exact copy of a credential we signed" in page


def test_a_tampered_payload_is_altered(client, certificate):
    header, payload, signature = parts(token_of(certificate))
    payload["credentialSubject"]["name"] = "Mallory Impostor"

    verdict, _standing, page = check(client, credential=reassemble(header, payload, signature))

    assert verdict == "altered"
    assert "NOT GENUINE" in page and "changed after we signed it" in page
    assert "Mallory Impostor" not in page


def test_a_tampered_json_copy_is_altered(client, certificate):
    payload = jwt.decode(token_of(certificate), options={"verify_signature": False})
    payload["validUntil"] = "2099-01-01T00:00:00Z"

    assert check(client, credential=json.dumps(payload))[0] == "altered"


def test_a_credential_signed_with_another_key_under_our_kid_is_forged(client, certificate):
    header, payload, _signature = parts(token_of(certificate))
    impostor = OKPKey.generate_key("Ed25519").as_pem(private=True)

    forged = jwt.encode(payload, impostor, algorithm="EdDSA", headers={"kid": header["kid"], "typ": "vc+jwt"})
    verdict, _standing, page = check(client, credential=forged)

    assert verdict == "forged" and "not signed with our key" in page


def test_a_key_id_that_is_not_ours_is_unknown(client, certificate):
    _header, payload, _signature = parts(token_of(certificate))
    impostor = OKPKey.generate_key("Ed25519").as_pem(private=True)

    for kid in (f"{keys.issuer_did()}#key-not-ours", "did:web:evil.example#key-1"):
        token = jwt.encode(payload, impostor, algorithm="EdDSA", headers={"kid": kid})
        verdict, _standing, page = check(client, credential=token)
        assert verdict == "unknown-key" and "not one of ours" in page


def test_alg_none_is_unsigned(client, certificate):
    header, payload, _signature = parts(token_of(certificate))

    token = reassemble({**header, "alg": "none"}, payload, "")
    verdict, _standing, page = check(client, credential=token)

    assert verdict == "unsigned" and "no signature" in page


def test_another_algorithm_is_named(client, certificate):
    _header, payload, _signature = parts(token_of(certificate))

    token = jwt.encode(payload, "a shared secret of at least thirty-two bytes!", algorithm="HS256")
    verdict, _standing, page = check(client, credential=token)

    assert verdict == "algorithm" and "HS256" in page


def test_an_expired_credential(client, instructor, settings):
    settings.SITE_URL = "https://nurturing-touch.example"
    now = timezone.now()
    lapsed = CertificateFactory(
        holder=instructor, issued_at=now - timedelta(days=400), valid_until=now - timedelta(days=35)
    )

    verdict, standing, page = check(client, credential=token_of(lapsed))

    assert (verdict, standing) == ("genuine", "expired") and "GENUINE, BUT EXPIRED" in page


def test_a_revoked_credential_shows_the_public_statement_only(client, certificate, staff):
    token = token_of(certificate)
    services.revoke_certificate(
        certificate,
        actor=staff,
        reason="Complaint 2026-14.",
        public_statement="Revoked for a breach of ethics.",
    )

    verdict, standing, page = check(client, credential=token)

    assert (verdict, standing) == ("genuine", "revoked")
    assert "GENUINE, BUT REVOKED" in page and "Revoked for a breach of ethics." in page
    assert "Complaint 2026-14" not in page


def test_a_superseded_credential_says_a_newer_one_exists(client, certificate, staff):
    token = token_of(certificate)
    services.correct_certificate_name(certificate, actor=staff, name="Carol Castro-Ruiz")

    verdict, _standing, page = check(client, credential=token)

    assert verdict == "genuine" and "A newer credential has replaced this one" in page


def test_a_credential_of_another_issuer_is_not_ours_rather_than_a_failure(client, certificate):
    _header, payload, _signature = parts(token_of(certificate))
    payload["issuer"] = {
        "id": "did:web:university.example",
        "type": ["Profile"],
        "name": "Example University",
    }
    other = OKPKey.generate_key("Ed25519", parameters={"kid": "did:web:university.example#k"})
    token = jwt.encode(payload, other.as_pem(private=True), algorithm="EdDSA", headers={"kid": other.kid})

    verdict, _standing, page = check(client, credential=token)

    assert verdict == "not-ours" and "NOT ISSUED BY US" in page and "Example University" in page
    assert check(client, credential=json.dumps(payload))[0] == "not-ours"


@pytest.mark.parametrize(
    "garbage",
    ["hello", "a.b.c", "....", "{not json", "[1, 2]", "eyJhbGciOiJFZERTQSJ9.bm90IGpzb24.c2ln", "{" * 5000],
)
def test_garbage_gets_a_message(client, garbage):
    verdict, _standing, page = check(client, credential=garbage)

    assert verdict == "malformed" and "not a credential we can read" in page


def test_a_baked_badge_image_is_checked(client, certificate):
    response = client.get(reverse("certification:credential_png", args=[certificate.token]))
    assert response["Content-Type"] == "image/png"
    assert baking.extract(response.content) == token_of(certificate)
    upload = SimpleUploadedFile("badge.png", response.content, content_type="image/png")

    verdict, standing, page = check(client, image=upload)

    assert (verdict, standing) == ("genuine", "current") and "Carol Castro" in page


def test_an_image_without_a_credential_and_a_file_that_is_no_image(client):
    plain = io.BytesIO()
    Image.new("RGB", (8, 8)).save(plain, format="PNG")

    assert check(client, image=SimpleUploadedFile("plain.png", plain.getvalue()))[0] == "no-credential"
    assert check(client, image=SimpleUploadedFile("x.png", b"GIF89a not a png"))[0] == "not-png"


def test_a_huge_upload_is_refused_next_to_its_field(client):
    huge = SimpleUploadedFile("huge.png", baking.PNG_SIGNATURE + b"\0" * (3 * 1024 * 1024))

    response = client.post(CHECK, {"image": huge})

    assert response.status_code == 400
    assert "larger than 1 MB" in response.content.decode()
    assert response.context["form"].errors["image"]


def test_nothing_or_both_are_refused(client, certificate):
    assert client.post(CHECK, {}).status_code == 400
    png = SimpleUploadedFile("badge.png", b"x")
    response = client.post(CHECK, {"credential": token_of(certificate), "image": png})
    assert response.status_code == 400 and "not both" in response.content.decode()


def test_checks_are_rate_limited(client, certificate):
    token = token_of(certificate)
    statuses = [client.post(CHECK, {"credential": token}).status_code for _ in range(21)]

    assert statuses[:20] == [200] * 20 and statuses[20] == 429


def test_the_page_speaks_spanish(client, certificate):
    client.cookies["django_language"] = "es"
    response = client.post(CHECK, {"credential": "hello"}, HTTP_ACCEPT_LANGUAGE="es")

    assert "NINGUNA CREDENCIAL" in response.content.decode()
