"""A certificate as an Open Badges 3.0 OpenBadgeCredential (VC Data Model 2.0), ready to be signed.

`id` is the certificate's verification URL, the issuer is the association's did:web, the subject is the
holder by the name printed on the certificate (and a salted hash of their email, so that they can prove it
is theirs without it being readable), and `credentialStatus` is the certificate's entry in a revocation
status list. The JWT claims iss, jti, iat, nbf and exp repeat issuer, id and dates for JWT libraries.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from certification.badges import criteria_narrative
from certification.credentials import status_list
from certification.credentials.keys import issuer_did
from certification.credentials.status_list import iso
from certification.emails import ISSUING_BODY, verification_url
from certification.models import CERTIFICATE_TITLE, Certificate

OB_CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
OB_SCHEMA = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"


def achievement_id() -> str:
    return settings.SITE_URL + reverse("certification:training_list") + "#certification"


def issuer_profile() -> dict:
    return {"id": issuer_did(), "type": ["Profile"], "name": ISSUING_BODY, "url": settings.SITE_URL + "/"}


def _email_identifier(email: str) -> dict:
    salt = secrets.token_hex(8)
    digest = hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()
    return {
        "type": "IdentityObject",
        "identityHash": f"sha256${digest}",
        "identityType": "emailAddress",
        "hashed": True,
        "salt": salt,
    }


def open_badge_credential(certificate: Certificate, *, signed_at: datetime) -> dict:
    """The credential of the certificate as it is now (its name, dates and status entry), in its language.

    The certificate must have its status list entry (certification.services.credentials assigns it).
    """
    url = verification_url(certificate)
    with translation.override(certificate.language):
        title = str(CERTIFICATE_TITLE)
        return {
            "@context": OB_CONTEXT,
            "id": url,
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "name": title,
            "description": _(
                "Signed by %(issuer)s. Anyone can check it at %(url)s, or paste it into our credential "
                "checker."
            )
            % {"issuer": ISSUING_BODY, "url": url},
            "issuer": issuer_profile(),
            "validFrom": iso(certificate.issued_at),
            "validUntil": iso(certificate.valid_until),
            "awardedDate": iso(certificate.issued_at),
            "credentialSubject": {
                "type": ["AchievementSubject"],
                "name": certificate.name_on_certificate,
                "identifier": [_email_identifier(certificate.holder.email)],
                "achievement": {
                    "id": achievement_id(),
                    "type": ["Achievement"],
                    "achievementType": "Certificate",
                    "name": title,
                    "description": _(
                        "Qualified to teach infant massage courses to parents and caregivers "
                        "with their babies."
                    ),
                    "criteria": {"narrative": criteria_narrative()},
                },
            },
            "credentialStatus": status_list.entry(certificate.status_list_id, certificate.status_index),
            "credentialSchema": [{"id": OB_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
            # JWT claims (RFC 7519) for libraries that read those rather than the credential.
            "iss": issuer_did(),
            "jti": url,
            "iat": int(signed_at.timestamp()),
            "nbf": int(certificate.issued_at.timestamp()),
            "exp": int(certificate.valid_until.timestamp()),
        }
