"""The issuer's identity and keys: did:web of the site's host, its DID document and JWKS.

Keys come from settings.CREDENTIAL_SIGNING_KEYS (config/credential_keys.py checked them at start-up). When
none are configured, one key is generated on first use into settings.CREDENTIAL_KEY_FILE (under VAR_DIR,
never committed) and kept there, so `make run` and the tests sign with a stable key of their own.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.utils import timezone
from joserfc.jwk import OKPKey

from config.credential_keys import parse_key_set

ALGORITHM = "EdDSA"
DID_CONTEXT = ["https://www.w3.org/ns/did/v1", "https://www.w3.org/ns/cid/v1"]


@dataclass(frozen=True)
class KeySet:
    keys: tuple[dict, ...]  # public JWKs, each with its private part `d` when it can still sign
    current: str  # kid of the key that signs

    def public(self) -> list[dict]:
        return [{name: key[name] for name in ("kty", "crv", "x", "kid")} for key in self.keys]

    def signing_key(self) -> OKPKey:
        key = next(key for key in self.keys if key["kid"] == self.current)
        return OKPKey.import_key(dict(key))

    def public_key(self, kid: str) -> OKPKey | None:
        key = next((key for key in self.public() if key["kid"] == kid), None)
        return OKPKey.import_key(key) if key else None


def new_private_jwk(kid: str | None = None) -> dict:
    """A fresh Ed25519 private JWK with a kid naming its month of birth (key-2026-11-a1b2c3)."""
    kid = kid or f"key-{timezone.now():%Y-%m}-{secrets.token_hex(3)}"
    return OKPKey.generate_key("Ed25519", parameters={"kid": kid}).as_dict(private=True)


def _generated_key_file(path: Path) -> str:
    """The development key file, created once (exclusively, owner-only); a concurrent creator wins."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"keys": [new_private_jwk()]}, indent=2) + "\n"
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(text)
    return path.read_text()


@lru_cache(maxsize=4)
def _load(configured: str, current: str, key_file: str) -> KeySet:
    if configured:
        return KeySet(tuple(json.loads(configured)), current)
    keys = parse_key_set(_generated_key_file(Path(key_file)))
    signing = [key["kid"] for key in keys if "d" in key]
    return KeySet(tuple(keys), signing[0])


def key_set() -> KeySet:
    configured = settings.CREDENTIAL_SIGNING_KEYS
    return _load(
        json.dumps(configured) if configured else "",
        settings.CREDENTIAL_SIGNING_KID,
        str(settings.CREDENTIAL_KEY_FILE),
    )


def issuer_did() -> str:
    """did:web of SITE_URL's host (a port is percent-encoded, a path becomes more colon-separated parts)."""
    parts = urlsplit(settings.SITE_URL)
    did = "did:web:" + quote(parts.netloc.lower(), safe="")
    segments = [quote(segment, safe="") for segment in parts.path.strip("/").split("/") if segment]
    return ":".join([did, *segments])


def verification_method(kid: str) -> str:
    """The DID URL of a key: what a credential's `kid` header says and the DID document resolves."""
    return f"{issuer_did()}#{kid}"


def kid_of(verification_method_id: str) -> str | None:
    """Our short kid from a DID URL of ours; None when the DID is someone else's."""
    did, _hash, kid = verification_method_id.partition("#")
    return kid if did == issuer_did() and kid else None


def did_document() -> dict:
    did = issuer_did()
    methods = [
        {
            "id": verification_method(key["kid"]),
            "type": "JsonWebKey",
            "controller": did,
            "publicKeyJwk": {name: key[name] for name in ("kty", "crv", "x")},
        }
        for key in key_set().public()
    ]
    return {
        "@context": DID_CONTEXT,
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }


def jwks() -> dict:
    return {
        "keys": [
            {**key, "kid": verification_method(key["kid"]), "alg": ALGORITHM, "use": "sig"}
            for key in key_set().public()
        ]
    }
