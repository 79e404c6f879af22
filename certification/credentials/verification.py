"""What /certificates/check/ says about a pasted VC-JWT or JSON credential, or a baked badge image.

First whether it is genuine: ours (issuer is our did:web), signed with EdDSA by one of our published keys
(current or retired), the signature matching header and payload. Each way of failing has its own verdict:
not ours (another issuer: we cannot vouch for it, we do not fail it either), unsigned (`alg: none`, or
JSON with no proof), an algorithm we never use, a key that is not ours, a signature that does not match
our key (forged), our signature over a changed payload (altered), or no credential at all. Then, for a
genuine one, whether it is current: not yet valid, expired, or revoked (its status list bit, read from the
same rows the published list is computed from), and whether a newer credential replaced it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import Resolver404, resolve
from django.utils import timezone

from certification.credentials import baking, jws
from certification.credentials.keys import issuer_did, key_set, kid_of
from certification.models import Certificate, IssuedCredential

MAX_JSON_LENGTH = 64 * 1024
ENVELOPED_PREFIX = "data:application/vc+jwt,"


class Verdict(StrEnum):
    GENUINE = "genuine"
    NOT_OURS = "not-ours"
    ALTERED = "altered"
    FORGED = "forged"
    UNKNOWN_KEY = "unknown-key"
    UNSIGNED = "unsigned"
    ALGORITHM = "algorithm"
    MALFORMED = "malformed"
    NO_CREDENTIAL = "no-credential"
    NOT_PNG = "not-png"


class Standing(StrEnum):
    CURRENT = "current"
    NOT_YET_VALID = "not-yet-valid"
    EXPIRED = "expired"
    REVOKED = "revoked"


@dataclass
class CheckResult:
    verdict: Verdict
    standing: Standing | None = None
    holder: str = ""
    title: str = ""
    issuer: str = ""  # the issuer's name, or its id when it gives none
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    revoked_at: datetime | None = None
    public_statement: str = ""
    verification_url: str = ""
    key: str = ""  # the verification method that signed it
    superseded: bool = False  # a newer credential of the same certificate exists
    readable_copy: bool = False  # the JSON we publish beside the signed credential, matched to it
    detail: str = ""

    @property
    def genuine(self) -> bool:
        return self.verdict == Verdict.GENUINE


def _issuer(payload: dict) -> tuple[str, str]:
    """(issuer id, issuer name) as the credential states them."""
    issuer = payload.get("issuer", payload.get("iss", ""))
    if isinstance(issuer, dict):
        identifier, name = issuer.get("id", ""), issuer.get("name", "")
    else:
        identifier, name = issuer, ""
    identifier = identifier if isinstance(identifier, str) else ""
    name = name if isinstance(name, str) else ""
    return identifier[:300], (name or identifier)[:300]


def _ours(issuer_id: str) -> bool:
    # The unsigned exports of before named the site itself as the issuer.
    return issuer_id in {issuer_did(), settings.SITE_URL + "/"}


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def _status_certificate(payload: dict) -> Certificate | None:
    """The certificate at the credential's position in one of our status lists."""
    status = payload.get("credentialStatus")
    if not isinstance(status, dict) or status.get("type") != "BitstringStatusListEntry":
        return None
    url, index = status.get("statusListCredential"), status.get("statusListIndex")
    if not isinstance(url, str) or not url.startswith(settings.SITE_URL + "/"):
        return None
    try:
        match = resolve(urlsplit(url).path)
        index = int(index)
    except (Resolver404, TypeError, ValueError):
        return None
    if match.view_name != "certification:status_list":
        return None
    return Certificate.objects.filter(status_list_id=match.kwargs["number"], status_index=index).first()


def _subject(payload: dict) -> tuple[str, str]:
    subject = payload.get("credentialSubject")
    subject = subject if isinstance(subject, dict) else {}
    achievement = subject.get("achievement") if isinstance(subject.get("achievement"), dict) else {}
    name, title = subject.get("name", ""), achievement.get("name", payload.get("name", ""))
    return (name if isinstance(name, str) else "")[:300], (title if isinstance(title, str) else "")[:300]


def _genuine(
    payload: dict, *, key: str, credential: IssuedCredential | None, readable_copy=False
) -> CheckResult:
    now = timezone.now()
    holder, title = _subject(payload)
    _issuer_id, issuer_name = _issuer(payload)
    result = CheckResult(
        Verdict.GENUINE,
        holder=holder,
        title=title,
        issuer=issuer_name,
        valid_from=_moment(payload.get("validFrom")),
        valid_until=_moment(payload.get("validUntil")),
        key=key,
        readable_copy=readable_copy,
        verification_url=payload.get("id", "") if isinstance(payload.get("id"), str) else "",
    )
    certificate = _status_certificate(payload)
    if certificate is not None and certificate.revoked_at is not None and certificate.revoked_at <= now:
        result.standing = Standing.REVOKED
        result.revoked_at = certificate.revoked_at
        result.public_statement = certificate.public_statement
    elif result.valid_from is not None and now < result.valid_from:
        result.standing = Standing.NOT_YET_VALID
    elif result.valid_until is not None and now >= result.valid_until:
        result.standing = Standing.EXPIRED
    else:
        result.standing = Standing.CURRENT
    if credential is not None:
        result.superseded = credential.certificate.revision > credential.revision
    return result


def check_jwt(token: str) -> CheckResult:
    try:
        parsed = jws.parse(token)
    except jws.JwtError as error:
        verdict = {
            jws.JwtProblem.MALFORMED: Verdict.MALFORMED,
            jws.JwtProblem.UNSIGNED: Verdict.UNSIGNED,
            jws.JwtProblem.ALGORITHM: Verdict.ALGORITHM,
        }[error.problem]
        return CheckResult(verdict, detail=error.detail)
    issuer_id, issuer_name = _issuer(parsed.payload)
    if not _ours(issuer_id):
        return CheckResult(Verdict.NOT_OURS, issuer=issuer_name)
    method = parsed.header.get("kid")
    kid = kid_of(method) if isinstance(method, str) else None
    if kid is None or key_set().public_key(kid) is None:
        return CheckResult(Verdict.UNKNOWN_KEY, detail=str(method)[:200] if method else "")
    if not jws.signature_matches(parsed, kid):
        ours = IssuedCredential.objects.filter(jwt__endswith="." + parsed.signature).exists()
        return CheckResult(Verdict.ALTERED if ours else Verdict.FORGED, key=method)
    credential = IssuedCredential.objects.select_related("certificate").filter(jwt=parsed.token).first()
    return _genuine(parsed.payload, key=method, credential=credential)


def _certificate_of(verification_url: object) -> Certificate | None:
    if not isinstance(verification_url, str) or not verification_url.startswith(settings.SITE_URL + "/"):
        return None
    try:
        match = resolve(urlsplit(verification_url).path)
    except Resolver404:
        return None
    if match.view_name != "certification:verify_token":
        return None
    return Certificate.objects.filter(token=match.kwargs["token"]).first()


def check_json(text: str) -> CheckResult:
    if len(text) > MAX_JSON_LENGTH:
        return CheckResult(Verdict.MALFORMED)
    try:
        payload = json.loads(text)
    except (ValueError, RecursionError):
        return CheckResult(Verdict.MALFORMED)
    if not isinstance(payload, dict):
        return CheckResult(Verdict.MALFORMED)
    # A VC Data Model 2.0 envelope around a VC-JWT: check the JWT inside.
    enveloped = payload.get("id")
    if isinstance(enveloped, str) and enveloped.startswith(ENVELOPED_PREFIX):
        return check_jwt(enveloped[len(ENVELOPED_PREFIX) :])
    issuer_id, issuer_name = _issuer(payload)
    if not _ours(issuer_id):
        return CheckResult(Verdict.NOT_OURS, issuer=issuer_name)
    if "proof" in payload:
        # We sign as VC-JWT only: an embedded proof in our name is not ours.
        return CheckResult(Verdict.FORGED)
    certificate = _certificate_of(payload.get("id"))
    if certificate is not None:
        for credential in certificate.credentials.select_related("certificate"):
            if jws.decode_ours(credential.jwt) == payload:
                return _genuine(payload, key="", credential=credential, readable_copy=True)
    status = payload.get("credentialStatus")
    if isinstance(status, dict) and status.get("type") == "VerificationPageStatus":
        return CheckResult(Verdict.UNSIGNED, verification_url=payload.get("id", ""))
    return CheckResult(Verdict.ALTERED if certificate is not None else Verdict.UNSIGNED)


def check_text(text: str) -> CheckResult:
    text = text.strip()
    if text.startswith("{"):
        return check_json(text)
    if jws.looks_like_jwt(text):
        return check_jwt(text)
    return CheckResult(Verdict.MALFORMED)


def check_png(data: bytes) -> CheckResult:
    try:
        text = baking.extract(data)
    except baking.NotAPng:
        return CheckResult(Verdict.NOT_PNG)
    if not text:
        return CheckResult(Verdict.NO_CREDENTIAL)
    return check_text(text)
