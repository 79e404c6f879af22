"""A certificate in the shapes other systems read: the criteria its Open Badges 3.0 credential states
(certification.credentials.open_badge builds and signs the credential) and LinkedIn's "Add to profile"
link."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from certification.emails import ISSUING_BODY, verification_url
from certification.models import CERTIFICATE_TITLE, Certificate


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
