"""`manage.py credential_keys generate|rotate`: Ed25519 signing keys for credentials, as a JWK set.

    generate                 print a new JWK set with one key (for CREDENTIAL_SIGNING_KEYS)
    rotate --file keys.json  put a new key first in the file's set; the old keys stay, published, so what
                             they signed still verifies (--retire drops their private parts: they can no
                             longer sign, and a leaked copy of the file signs nothing with them)

README.md, "Signed credentials", tells the whole procedure.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from certification.credentials.keys import new_private_jwk
from config.credential_keys import parse_key_set

PUBLIC_MEMBERS = ("kty", "crv", "x", "kid")


class Command(BaseCommand):
    help = "Generate or rotate the Ed25519 keys that sign credentials (a JWK set)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["generate", "rotate"])
        parser.add_argument("--file", help="the JWK set file to rotate (rewritten in place)")
        parser.add_argument("--kid", help="the new key's id (default: key-<year>-<month>-<random>)")
        parser.add_argument("--retire", action="store_true", help="drop the private part of the old keys")

    def handle(self, *args, action: str, file: str | None, kid: str | None, retire: bool, **options) -> None:
        key = new_private_jwk(kid)
        if action == "generate":
            self.stdout.write(json.dumps({"keys": [key]}, indent=2))
            return
        if not file:
            raise CommandError("rotate needs --file, the JWK set that CREDENTIAL_SIGNING_KEYS names.")
        path = Path(file)
        old = parse_key_set(path.read_text())
        if any(entry["kid"] == key["kid"] for entry in old):
            raise CommandError(f"The set already has a key {key['kid']!r}.")
        if retire:
            old = [{name: entry[name] for name in PUBLIC_MEMBERS} for entry in old]
        path.write_text(json.dumps({"keys": [key, *old]}, indent=2) + "\n")
        self.stdout.write(
            f"{key['kid']} now signs (set CREDENTIAL_SIGNING_KID={key['kid']} if you pin the kid); "
            f"{len(old)} older key(s) stay published."
        )
