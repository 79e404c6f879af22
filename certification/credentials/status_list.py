"""Bitstring Status List v1.0, purpose revocation: the bitstring, its encoding, and the list credential.

Index 0 is the left-most bit of the first byte. The published `encodedList` is the GZIP-compressed
bitstring in base64url without padding, with the multibase prefix "u".
"""

from __future__ import annotations

import base64
import gzip
import io
from collections.abc import Iterable
from datetime import UTC, datetime

from django.conf import settings
from django.urls import reverse

from certification.credentials.keys import issuer_did

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
PURPOSE = "revocation"
# A decoded list larger than this is not one of ours (and would be a decompression bomb).
MAX_DECODED_BYTES = 16 * 1024 * 1024


def iso(moment: datetime) -> str:
    """XML Schema dateTime in UTC, to the second, as the credentials carry them."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def status_list_url(number: int) -> str:
    return settings.SITE_URL + reverse("certification:status_list", kwargs={"number": number})


def bitstring(size: int, set_bits: Iterable[int]) -> bytes:
    bits = bytearray(size // 8 + (1 if size % 8 else 0))
    for index in set_bits:
        if 0 <= index < size:
            bits[index // 8] |= 0x80 >> (index % 8)
    return bytes(bits)


def encode(bits: bytes) -> str:
    # mtime=0: the same bits always encode the same way.
    compressed = gzip.compress(bits, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode().rstrip("=")


def decode(encoded: str) -> bytes:
    """The bitstring of an encodedList; ValueError when it is not one."""
    if not encoded.startswith("u"):
        raise ValueError("encodedList must be multibase base64url ('u').")
    body = encoded[1:]
    compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    with gzip.GzipFile(fileobj=io.BytesIO(compressed)) as stream:
        bits = stream.read(MAX_DECODED_BYTES + 1)
    if len(bits) > MAX_DECODED_BYTES:
        raise ValueError("encodedList is too large.")
    return bits


def is_set(bits: bytes, index: int) -> bool:
    if not 0 <= index < len(bits) * 8:
        raise IndexError(index)
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def entry(number: int, index: int) -> dict:
    """A credential's credentialStatus: its position in list `number`."""
    url = status_list_url(number)
    return {
        "id": f"{url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": PURPOSE,
        "statusListIndex": str(index),
        "statusListCredential": url,
    }


def list_credential(number: int, bits: bytes, *, now: datetime) -> dict:
    """The BitstringStatusListCredential of list `number` as of `now` (signed by the caller)."""
    url = status_list_url(number)
    return {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_did(),
        "validFrom": iso(now),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": PURPOSE,
            "encodedList": encode(bits),
        },
        "iss": issuer_did(),
        "jti": url,
        "iat": int(now.timestamp()),
    }
