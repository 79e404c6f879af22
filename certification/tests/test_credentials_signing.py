"""Signed credentials, checked the way someone outside would: with PyJWT (not joserfc, which signs them)
against our published JWKS and DID document, and with jsonschema against the Open Badges 3.0 JSON schema.

The schema in schemas/ is 1EdTech's AchievementCredential JSON schema for OB 3.0 on the VC Data Model 2.0
(validFrom), vendored from github.com/1EdTech/openbadges-specification, docs/schema/achievementcredential.json
at commit c73e9663 (its automated build of 2024-07-30); the tests have no network.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import jwt
import pytest
from django.urls import reverse

from certification import services
from certification.credentials import keys
from certification.models import IssuedCredential
from certification.tests.factories import CertificateFactory, eligible_enrollment
from config.credential_keys import parse_key_set

pytestmark = pytest.mark.django_db

SCHEMA = json.loads(
    (Path(__file__).parent / "schemas" / "ob_v3p0_achievementcredential_schema.json").read_text()
)
DID = "did:web:nurturing-touch.example"


@pytest.fixture
def certificate(instructor, settings):
    settings.SITE_URL = "https://nurturing-touch.example"
    return CertificateFactory(holder=instructor, number="IMC-2026-00042")


def _token(client, certificate) -> str:
    response = client.get(reverse("certification:credential_jwt", args=[certificate.token]))
    assert response.status_code == 200 and response["Content-Type"] == "application/vc+jwt"
    assert response["Access-Control-Allow-Origin"] == "*"
    return response.content.decode()


def _verify_with_pyjwt(token: str, key, *, issuer=DID) -> dict:
    return jwt.decode(
        token,
        key=key,
        algorithms=["EdDSA"],
        issuer=issuer,
        options={"require": ["iss", "jti", "iat", "nbf", "exp"]},
    )


def test_the_credential_verifies_against_our_jwks_with_an_independent_library(client, certificate):
    token = _token(client, certificate)
    header = jwt.get_unverified_header(token)
    key_set = jwt.PyJWKSet.from_dict(client.get("/.well-known/jwks.json").json())

    payload = _verify_with_pyjwt(token, key_set[header["kid"]].key)

    assert header["alg"] == "EdDSA" and header["typ"] == "vc+jwt"
    assert header["kid"].startswith(DID + "#")
    assert payload["id"] == f"https://nurturing-touch.example/certificates/verify/{certificate.token}/"
    assert payload["jti"] == payload["id"] and payload["iss"] == payload["issuer"]["id"] == DID
    assert payload["credentialSubject"]["name"] == certificate.name_on_certificate


def test_the_kid_resolves_in_the_did_document_to_the_key_that_verifies(client, certificate):
    token = _token(client, certificate)
    kid = jwt.get_unverified_header(token)["kid"]
    document = client.get("/.well-known/did.json").json()

    assert document["id"] == DID
    method = next(method for method in document["verificationMethod"] if method["id"] == kid)
    assert kid in document["assertionMethod"] and method["controller"] == DID
    assert method["type"] == "JsonWebKey" and "d" not in method["publicKeyJwk"]
    payload = _verify_with_pyjwt(token, jwt.PyJWK(method["publicKeyJwk"], algorithm="EdDSA").key)
    assert payload["type"] == ["VerifiableCredential", "OpenBadgeCredential"]


def test_the_credential_is_valid_against_the_open_badges_3_schema(client, certificate):
    payload = client.get(reverse("certification:credential_json", args=[certificate.token])).json()

    jsonschema.validate(payload, SCHEMA, cls=jsonschema.Draft201909Validator)
    assert payload["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    achievement = payload["credentialSubject"]["achievement"]
    assert achievement["name"] == "Certified Infant Massage Instructor"
    assert "5 families" in achievement["criteria"]["narrative"]
    assert payload["validFrom"].endswith("Z") and payload["validUntil"].endswith("Z")
    identifier = payload["credentialSubject"]["identifier"][0]
    assert identifier["hashed"] is True and identifier["identityHash"].startswith("sha256$")
    assert certificate.holder.email not in json.dumps(payload)


def test_the_json_is_the_signed_payload_decoded(client, certificate):
    token = _token(client, certificate)
    payload = client.get(reverse("certification:credential_json", args=[certificate.token])).json()

    assert payload == jwt.decode(token, options={"verify_signature": False})


def test_renewal_and_name_correction_sign_new_credentials_with_the_same_id(client, certificate, staff):
    first = _token(client, certificate)
    services.renew_certificate(certificate, actor=staff, reason="Renewal fee paid.")
    renewed = _token(client, certificate)
    services.correct_certificate_name(certificate, actor=staff, name="Carol Castro-Ruiz")
    corrected = _token(client, certificate)

    decoded = [
        jwt.decode(token, options={"verify_signature": False}) for token in (first, renewed, corrected)
    ]
    assert len({first, renewed, corrected}) == 3
    assert len({payload["id"] for payload in decoded}) == 1
    assert decoded[1]["validUntil"] > decoded[0]["validUntil"]
    assert decoded[2]["credentialSubject"]["name"] == "Carol Castro-Ruiz"
    assert list(certificate.credentials.values_list("revision", flat=True)) == [3, 2, 1]
    # All three keep the one status list position: revoking the certificate revokes every one of them.
    assert len({json.dumps(payload["credentialStatus"]) for payload in decoded}) == 1


def test_issuing_signs_the_credential_in_the_same_transaction(staff, settings):
    certificate = services.issue_certificate(eligible_enrollment(), actor=staff)

    credential = IssuedCredential.objects.get(certificate=certificate)
    assert credential.revision == 1 and credential.kid == keys.key_set().current
    assert certificate.status_list_id is not None and certificate.status_index is not None


def test_a_rotated_out_key_stays_published_and_its_credentials_still_verify(client, certificate, settings):
    old = keys.new_private_jwk("key-old")
    settings.CREDENTIAL_SIGNING_KEYS, settings.CREDENTIAL_SIGNING_KID = [old], "key-old"
    token = _token(client, certificate)

    new = keys.new_private_jwk("key-new")
    retired = {name: old[name] for name in ("kty", "crv", "x", "kid")}  # private part dropped
    settings.CREDENTIAL_SIGNING_KEYS = parse_key_set(json.dumps({"keys": [new, retired]}))
    settings.CREDENTIAL_SIGNING_KID = "key-new"

    key_set = jwt.PyJWKSet.from_dict(client.get("/.well-known/jwks.json").json())
    assert {key.key_id for key in key_set.keys} == {f"{DID}#key-new", f"{DID}#key-old"}
    assert _verify_with_pyjwt(token, key_set[f"{DID}#key-old"].key)["id"].endswith(f"/{certificate.token}/")
    services.correct_certificate_name(certificate, actor=None, name="Carol C. Castro")
    assert jwt.get_unverified_header(_token(client, certificate))["kid"] == f"{DID}#key-new"
