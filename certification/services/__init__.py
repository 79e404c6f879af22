"""Writes for certification: applications through to certificates, each change with its audit event.

Every function opens its own transaction and raises CertificationError with a message fit for the user.
"""

from __future__ import annotations

from certification.services.certificates import (
    correct_certificate_name,
    enqueue_certificate_email,
    issue_certificate,
    next_certificate_number,
    queue_certificate_email,
    reinstate_certificate,
    renew_certificate,
    resend_certificate,
    revoke_certificate,
)
from certification.services.credentials import (
    assign_status_entry,
    current_credential,
    issue_credential,
    signed_status_list,
)
from certification.services.enrollments import (
    accept_enrollment,
    apply_for_training,
    decline_enrollment,
    record_training_outcome,
)
from certification.services.errors import CertificationError
from certification.services.fees import (
    open_training_fee_payment,
    record_training_fee_transfer,
    undo_training_fee_transfer,
)
from certification.services.notices import queue_expiry_notices, requeue_pending_certificate_emails
from certification.services.renewals import open_renewal_payment, renew_certificate_without_fee

__all__ = [
    "CertificationError",
    "accept_enrollment",
    "apply_for_training",
    "assign_status_entry",
    "correct_certificate_name",
    "current_credential",
    "decline_enrollment",
    "enqueue_certificate_email",
    "issue_certificate",
    "issue_credential",
    "next_certificate_number",
    "open_renewal_payment",
    "open_training_fee_payment",
    "queue_certificate_email",
    "queue_expiry_notices",
    "record_training_fee_transfer",
    "record_training_outcome",
    "reinstate_certificate",
    "renew_certificate",
    "renew_certificate_without_fee",
    "requeue_pending_certificate_emails",
    "resend_certificate",
    "revoke_certificate",
    "signed_status_list",
    "undo_training_fee_transfer",
]
