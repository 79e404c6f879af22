"""CREDENTIAL_SIGNING_KEYS read and checked at start-up: the Ed25519 keys that sign certificates.

The value is a JWK set ({"keys": [...]}), written inline or as the path of a file holding it. Each key is
an Ed25519 OKP JWK with a `kid`; a key with its private part (`d`) can sign, a key without it is a retired
key that stays published so that the credentials it signed still verify. CREDENTIAL_SIGNING_KID names the
key that signs; by default the first key that has a private part. Pure Python on purpose: settings import
it before any app is loaded. README.md, "Signed credentials", says how to generate and rotate keys.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

KID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def _key_bytes(value: object, what: str, kid: str) -> bytes:
    if not isinstance(value, str):
        raise ImproperlyConfigured(f"CREDENTIAL_SIGNING_KEYS: key {kid!r} has no {what}.")
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured(
            f"CREDENTIAL_SIGNING_KEYS: the {what} of key {kid!r} is not base64url."
        ) from None
    if len(raw) != 32:
        raise ImproperlyConfigured(f"CREDENTIAL_SIGNING_KEYS: the {what} of key {kid!r} is not 32 bytes.")
    return raw


def parse_key_set(text: str) -> list[dict]:
    """The keys of a JWK set, each checked; raises ImproperlyConfigured saying what is wrong."""
    try:
        data = json.loads(text)
    except ValueError:
        raise ImproperlyConfigured(
            "CREDENTIAL_SIGNING_KEYS is not JSON (a JWK set, or the path of one)."
        ) from None
    keys = data.get("keys") if isinstance(data, dict) else None
    if not isinstance(keys, list) or not keys:
        raise ImproperlyConfigured('CREDENTIAL_SIGNING_KEYS must be a JWK set: {"keys": [...]} with a key.')
    seen: set[str] = set()
    checked = []
    for key in keys:
        if not isinstance(key, dict):
            raise ImproperlyConfigured("CREDENTIAL_SIGNING_KEYS: every key must be a JSON object.")
        kid = key.get("kid")
        if not isinstance(kid, str) or not KID.match(kid):
            raise ImproperlyConfigured(
                "CREDENTIAL_SIGNING_KEYS: every key needs a kid of letters, digits, '.', '_' or '-'."
            )
        if kid in seen:
            raise ImproperlyConfigured(f"CREDENTIAL_SIGNING_KEYS: kid {kid!r} appears twice.")
        seen.add(kid)
        if key.get("kty") != "OKP" or key.get("crv") != "Ed25519":
            raise ImproperlyConfigured(f"CREDENTIAL_SIGNING_KEYS: key {kid!r} is not an Ed25519 (OKP) key.")
        _key_bytes(key.get("x"), "public part (x)", kid)
        entry = {"kty": "OKP", "crv": "Ed25519", "kid": kid, "x": key["x"]}
        if "d" in key:
            _key_bytes(key.get("d"), "private part (d)", kid)
            entry["d"] = key["d"]
        checked.append(entry)
    return checked


def read_signing_keys(value: str, current: str) -> tuple[list[dict] | None, str]:
    """(keys, kid of the signing key) from the two variables; (None, "") when no keys are configured."""
    if not value:
        if current:
            raise ImproperlyConfigured("CREDENTIAL_SIGNING_KID is set but CREDENTIAL_SIGNING_KEYS is not.")
        return None, ""
    if value.lstrip().startswith("{"):
        text = value
    else:
        path = Path(value)
        if not path.is_file():
            raise ImproperlyConfigured(f"CREDENTIAL_SIGNING_KEYS names no readable file: {value!r}.")
        text = path.read_text()
    keys = parse_key_set(text)
    private = [key["kid"] for key in keys if "d" in key]
    if not private:
        raise ImproperlyConfigured("CREDENTIAL_SIGNING_KEYS has no private key (d) to sign with.")
    current = current or private[0]
    if current not in private:
        raise ImproperlyConfigured(
            f"CREDENTIAL_SIGNING_KID {current!r} is not a key of CREDENTIAL_SIGNING_KEYS with a private part."
        )
    return keys, current
