"""VC-JWT (VC-JOSE-COSE): a credential as the payload of a compact JWS, `alg` EdDSA, `typ` vc+jwt, `kid` the
DID URL of the signing key. Signing uses joserfc; reading a token of unknown origin is done by hand first,
so that every way a token can be wrong gets its own answer (JwtProblem) before any key is tried.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum

from joserfc import jws
from joserfc.errors import JoseError, SecurityWarning

from certification.credentials.keys import ALGORITHM, key_set, verification_method

MEDIA_TYPE = "application/vc+jwt"
BASE64URL = re.compile(r"[A-Za-z0-9_-]+")
# A credential of ours is a few kilobytes; anything much larger is not one.
MAX_TOKEN_LENGTH = 64 * 1024


@contextmanager
def _eddsa():
    """joserfc warns that RFC 9864 prefers the fully specified "Ed25519" to "EdDSA"; VC-JOSE-COSE and
    today's verifiers use EdDSA, so we do, on purpose."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecurityWarning)
        yield


def sign(payload: dict) -> tuple[str, str]:
    """(compact JWS, short kid of the key that signed it)."""
    keys = key_set()
    header = {"alg": ALGORITHM, "kid": verification_method(keys.current), "typ": "vc+jwt", "cty": "vc"}
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    with _eddsa():
        token = jws.serialize_compact(header, body, keys.signing_key(), algorithms=[ALGORITHM])
    return token, keys.current


class JwtProblem(StrEnum):
    MALFORMED = "malformed"  # not three base64url parts of JSON
    UNSIGNED = "unsigned"  # alg none, or no signature at all
    ALGORITHM = "algorithm"  # an algorithm we never sign with


class JwtError(Exception):
    def __init__(self, problem: JwtProblem, detail: str = "") -> None:
        super().__init__(problem, detail)
        self.problem = problem
        self.detail = detail


def _b64(part: str) -> bytes:
    if not BASE64URL.fullmatch(part):
        raise JwtError(JwtProblem.MALFORMED)
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        raise JwtError(JwtProblem.MALFORMED) from None


def _json_object(raw: bytes) -> dict:
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise JwtError(JwtProblem.MALFORMED) from None
    if not isinstance(value, dict):
        raise JwtError(JwtProblem.MALFORMED)
    return value


@dataclass(frozen=True)
class ParsedJwt:
    token: str
    header: dict
    payload: dict
    signature: str  # the third part, as sent


def looks_like_jwt(text: str) -> bool:
    return text.count(".") == 2 and not text.lstrip().startswith(("{", "["))


def parse(token: str) -> ParsedJwt:
    """Header and payload of a compact JWS, unverified. Raises JwtError for anything that is not a signed
    JWS of an algorithm we use."""
    token = "".join(token.split())
    if len(token) > MAX_TOKEN_LENGTH or token.count(".") != 2:
        raise JwtError(JwtProblem.MALFORMED)
    header_part, payload_part, signature = token.split(".")
    header = _json_object(_b64(header_part))
    payload = _json_object(_b64(payload_part))
    algorithm = header.get("alg")
    if not isinstance(algorithm, str) or algorithm.lower() == "none" or not signature:
        raise JwtError(JwtProblem.UNSIGNED)
    if algorithm != ALGORITHM:
        raise JwtError(JwtProblem.ALGORITHM, algorithm[:40])
    _b64(signature)
    return ParsedJwt(token, header, payload, signature)


def signature_matches(parsed: ParsedJwt, kid: str) -> bool:
    """Whether our key `kid` signed exactly this header and payload."""
    key = key_set().public_key(kid)
    if key is None:
        return False
    try:
        with _eddsa():
            jws.deserialize_compact(parsed.token, key, algorithms=[ALGORITHM])
    except (JoseError, ValueError):
        return False
    return True


def decode_ours(token: str) -> dict:
    """The payload of a token we signed and stored (no check: it never left our database)."""
    return json.loads(_b64(token.split(".")[1]))
