"""Writes for certification: applications through to certificates, each change with its audit event.

Every function opens its own transaction and raises CertificationError with a message fit for the user.
"""

from __future__ import annotations

from certification.services.certificates import (
    correct_certificate_name,
    enqueue_certificate_email,
    issue_certificate,
    next_certificate_number,
    reinstate_certificate,
    renew_certificate,
    resend_certificate,
    revoke_certificate,
    send_certificate_email,
)
from certification.services.enrollments import (
    accept_enrollment,
    apply_for_training,
    decline_enrollment,
    record_training_outcome,
)
from certification.services.errors import CertificationError
from certification.services.notices import requeue_pending_certificate_emails, send_expiry_notices

__all__ = [
    "CertificationError",
    "accept_enrollment",
    "apply_for_training",
    "correct_certificate_name",
    "decline_enrollment",
    "enqueue_certificate_email",
    "issue_certificate",
    "next_certificate_number",
    "record_training_outcome",
    "reinstate_certificate",
    "renew_certificate",
    "requeue_pending_certificate_emails",
    "resend_certificate",
    "revoke_certificate",
    "send_certificate_email",
    "send_expiry_notices",
]
