"""A certificate in the shapes other systems read: an Open Badges 3.0 credential and LinkedIn's
"Add to profile" link."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from certification.emails import ISSUING_BODY, verification_url
from certification.models import CERTIFICATE_TITLE, Certificate, CertificateStatus

OB_CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def criteria_narrative() -> str:
    return _(
        "Completed a four-day instructor training with an association trainer; taught a practicum course "
        "to %(families)s families, each attending at least %(attendance)s%% of the sessions, within "
        "%(months)s months of the training; passed the written examination (pass mark %(mark)s%%); paid "
        "the certification fee. Valid for %(validity)s months, renewable."
    ) % {
        "families": settings.CERTIFICATION_PRACTICUM_FAMILIES,
        "attendance": settings.CERTIFICATION_MIN_ATTENDANCE_PERCENT,
        "months": settings.CERTIFICATION_DEADLINE_MONTHS,
        "mark": settings.CERTIFICATION_PASS_MARK,
        "validity": settings.CERTIFICATION_VALIDITY_MONTHS,
    }


def open_badge_credential(certificate: Certificate) -> dict:
    """The certificate as an Open Badges 3.0 OpenBadgeCredential (unsigned: there is no "proof"; the
    verification page at `id` is the authority), in the certificate's language."""
    url = verification_url(certificate)
    status = certificate.status
    with translation.override(certificate.language):
        title = str(CERTIFICATE_TITLE)
        credential_status = {
            "id": f"{url}#status",
            "type": "VerificationPageStatus",
            "statusPurpose": "revocation",
            "status": status.value,
            "revoked": status == CertificateStatus.REVOKED,
        }
        if status == CertificateStatus.REVOKED:
            credential_status["revokedAt"] = _iso(certificate.revoked_at)
            credential_status["statement"] = certificate.public_statement
        return {
            "@context": OB_CONTEXT,
            "id": url,
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "name": title,
            "description": _("Unsigned export (no proof): check this credential's current status at %(url)s.")
            % {"url": url},
            "issuer": {"id": settings.SITE_URL + "/", "type": ["Profile"], "name": ISSUING_BODY},
            "validFrom": _iso(certificate.issued_at),
            "validUntil": _iso(certificate.valid_until),
            "credentialSubject": {
                "type": ["AchievementSubject"],
                "name": certificate.name_on_certificate,
                "achievement": {
                    "id": settings.SITE_URL + reverse("certification:training_list") + "#certification",
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
            "credentialStatus": credential_status,
        }


def linkedin_add_url(certificate: Certificate) -> str:
    """LinkedIn's "Add to profile" form, prefilled with the certification's name, dates, URL and number."""
    with translation.override(certificate.language):
        title = str(CERTIFICATE_TITLE)
    issued, until = certificate.issued_at, certificate.valid_until
    query = urlencode(
        {
            "startTask": "CERTIFICATION_NAME",
            "name": title,
            "organizationName": ISSUING_BODY,
            "issueYear": issued.year,
            "issueMonth": issued.month,
            "expirationYear": until.year,
            "expirationMonth": until.month,
            "certUrl": verification_url(certificate),
            "certId": certificate.number,
        }
    )
    return f"https://www.linkedin.com/profile/add?{query}"
