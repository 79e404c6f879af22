"""Signing keys: what CREDENTIAL_SIGNING_KEYS accepts and refuses, the development key under VAR_DIR, the
did:web identifier, and `manage.py credential_keys`."""

from __future__ import annotations

import json
import os
from io import StringIO

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from certification.checks import signing_keys_configured
from certification.credentials import keys
from config.credential_keys import parse_key_set, read_signing_keys
from config.tests.test_settings import PRODUCTION_KEY, refusal_from, settings_from


def key_set(*jwks: dict) -> str:
    return json.dumps({"keys": list(jwks)})


@pytest.mark.parametrize(
    ("value", "complaint"),
    [
        ("{not json", "not JSON"),
        ("/no/such/keys.json", "no readable file"),
        ('{"keys": []}', "JWK set"),
        ('{"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "abc"}]}', "kid"),
        ('{"keys": [{"kid": "a", "kty": "RSA", "n": "x", "e": "AQAB"}]}', "not an Ed25519"),
        ('{"keys": [{"kid": "a", "kty": "OKP", "crv": "Ed25519", "x": "c2hvcnQ"}]}', "32 bytes"),
    ],
)
def test_nonsense_keys_are_refused_saying_why(value, complaint):
    with pytest.raises(ImproperlyConfigured, match=complaint):
        read_signing_keys(value, "")


def test_a_set_of_public_keys_only_cannot_sign_and_the_current_kid_must_exist():
    private = keys.new_private_jwk("new")
    public = {name: private[name] for name in ("kty", "crv", "x", "kid")}
    with pytest.raises(ImproperlyConfigured, match="no private key"):
        read_signing_keys(key_set(public), "")
    with pytest.raises(ImproperlyConfigured, match="CREDENTIAL_SIGNING_KID"):
        read_signing_keys(key_set(private), "missing")
    with pytest.raises(ImproperlyConfigured, match="twice"):
        parse_key_set(key_set(private, private))


def test_keys_come_inline_or_from_a_file_and_the_first_private_key_signs(tmp_path):
    retired = {name: value for name, value in keys.new_private_jwk("old").items() if name != "d"}
    current = keys.new_private_jwk("new")
    path = tmp_path / "keys.json"
    path.write_text(key_set(retired, current))

    assert read_signing_keys(str(path), "")[1] == "new"
    assert read_signing_keys(key_set(retired, current), "")[1] == "new"


def test_settings_refuse_nonsense_at_start_up(tmp_path):
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": PRODUCTION_KEY,
    }
    assert "CREDENTIAL_SIGNING_KEYS" in refusal_from(
        {**environment, "CREDENTIAL_SIGNING_KEYS": "/no/such/file"}
    )
    good = key_set(keys.new_private_jwk("k1"))
    values = settings_from({**environment, "CREDENTIAL_SIGNING_KEYS": good}, "CREDENTIAL_SIGNING_KID")
    assert values["CREDENTIAL_SIGNING_KID"] == "k1"


def test_without_keys_one_is_generated_under_var_once_and_kept(settings, tmp_path):
    settings.CREDENTIAL_SIGNING_KEYS, settings.CREDENTIAL_SIGNING_KID = None, ""
    settings.CREDENTIAL_KEY_FILE = tmp_path / "credential-keys.json"

    first = keys.key_set()
    again = keys._load.__wrapped__("", "", str(settings.CREDENTIAL_KEY_FILE))

    assert first.keys == again.keys and "d" in first.keys[0]
    assert oct(settings.CREDENTIAL_KEY_FILE.stat().st_mode & 0o777) == "0o600"
    assert signing_keys_configured(None)[0].id == "certification.W001"


def test_did_web_of_the_site_host(settings):
    settings.SITE_URL = "https://nurturing-touch.example"
    assert keys.issuer_did() == "did:web:nurturing-touch.example"
    settings.SITE_URL = "http://127.0.0.1:8000"
    assert keys.issuer_did() == "did:web:127.0.0.1%3A8000"


def test_generate_and_rotate_keep_the_old_key_published(tmp_path):
    out = StringIO()
    call_command("credential_keys", "generate", "--kid", "k1", stdout=out)
    path = tmp_path / "keys.json"
    path.write_text(out.getvalue())

    call_command(
        "credential_keys", "rotate", "--file", str(path), "--kid", "k2", "--retire", stdout=StringIO()
    )

    rotated, current = read_signing_keys(str(path), "")
    assert current == "k2" and [key["kid"] for key in rotated] == ["k2", "k1"]
    assert "d" not in rotated[1]
