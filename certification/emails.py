"""One small function per email trainees and certificate holders receive; each queues through the outbox.

Call them inside the service's transaction. Keys name the event and its version (docs/domain.md, Emails): a
renewal moves valid_until, so the next renewal-due and expired emails get new keys.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.urls import reverse

from certification.models import Certificate, Enrollment
from notifications.models import OutgoingEmail
from notifications.services import StoredAttachment, queue_email

ISSUING_BODY = "Nurturing Touch — Infant Massage Association"


def verification_url(certificate: Certificate) -> str:
    return settings.SITE_URL + certificate.get_absolute_url()


def _queue_to_trainee(enrollment: Enrollment, template: str, key: str) -> OutgoingEmail:
    return queue_email(
        to_email=enrollment.trainee.email,
        user=enrollment.trainee,
        template=template,
        key=key,
        context={
            "enrollment": enrollment,
            "training": enrollment.training,
            "progress_url": settings.SITE_URL + reverse("certification:progress"),
            "trainings_url": settings.SITE_URL + reverse("certification:training_list"),
        },
    )


def queue_application_received(enrollment: Enrollment) -> OutgoingEmail:
    return _queue_to_trainee(
        enrollment, "training_application_received", f"training-application-received:{enrollment.pk}"
    )


def queue_application_accepted(enrollment: Enrollment) -> OutgoingEmail:
    return _queue_to_trainee(
        enrollment, "training_application_accepted", f"training-application-accepted:{enrollment.pk}"
    )


def queue_application_declined(enrollment: Enrollment) -> OutgoingEmail:
    return _queue_to_trainee(
        enrollment, "training_application_declined", f"training-application-declined:{enrollment.pk}"
    )


def _queue_to_holder(certificate: Certificate, template: str, key: str, **extra) -> OutgoingEmail:
    return queue_email(
        to_email=certificate.holder.email,
        user=certificate.holder,
        language=certificate.holder.preferred_language or certificate.language,
        template=template,
        key=key,
        context={
            "certificate": certificate,
            "verification_url": verification_url(certificate),
            "my_certificate_url": settings.SITE_URL + reverse("certification:my_certificate"),
            **extra.pop("context", {}),
        },
        **extra,
    )


def certificate_issued_key(certificate: Certificate, version: int) -> str:
    return f"certificate-issued:{certificate.pk}:{version}"


def queue_certificate_issued(
    certificate: Certificate, *, version: int, occasion: str, attachments: Sequence[StoredAttachment]
) -> OutgoingEmail:
    """The certificate with its PDF (written to storage already, before the caller's transaction:
    notifications.services.stored_attachments): first issue, renewal, name correction or a re-send
    (`occasion`)."""
    return _queue_to_holder(
        certificate,
        "certificate_issued",
        certificate_issued_key(certificate, version),
        context={"occasion": occasion},
        attachments=list(attachments),
    )


def renewal_due_key(certificate: Certificate, days: int) -> str:
    return f"renewal-due:{certificate.pk}:{days}:{certificate.valid_until.date().isoformat()}"


def queue_renewal_due(certificate: Certificate, *, days: int) -> OutgoingEmail:
    return _queue_to_holder(
        certificate, "certificate_renewal_due", renewal_due_key(certificate, days), context={"days": days}
    )


def expired_key(certificate: Certificate) -> str:
    return f"certificate-expired:{certificate.pk}:{certificate.valid_until.date().isoformat()}"


def queue_certificate_expired(certificate: Certificate) -> OutgoingEmail:
    return _queue_to_holder(certificate, "certificate_expired", expired_key(certificate))


def queue_certificate_revoked(certificate: Certificate) -> OutgoingEmail:
    """Tells the holder the public statement; the internal reason stays with staff."""
    return _queue_to_holder(
        certificate,
        "certificate_revoked",
        f"certificate-revoked:{certificate.pk}:{certificate.revoked_at.isoformat()}",
    )
