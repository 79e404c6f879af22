"""Certificates: issuing, the PDF and its email, and the lifecycle staff drive from admin.

Each lifecycle change locks the certificate row, writes a CertificateEvent naming the acting user, and,
where the printed certificate changes or the holder asked for it again, requests a certificate email:
`email_version` goes up and, after commit, a task renders the PDF and queues the email with the key
certificate-issued:<pk>:<version>, exactly once however often the task runs. A change that finds the row
locked by others for longer than the database waits raises CertificationError asking to try again
(config.locking.busy_as); the email task instead lets its OperationalError through, to be retried.
Issuing, renewing and correcting the name also sign a new credential in the same transaction
(certification.services.credentials); revoking and reinstating flip the certificate's status-list bit,
which is read from the row itself.
"""

from __future__ import annotations

import logging
from datetime import datetime
from enum import StrEnum

from celery import current_app
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from certification import emails
from certification.fees import renewed_until
from certification.models import (
    Certificate,
    CertificateEvent,
    CertificateNumberSequence,
    CertificateStatus,
    Enrollment,
)
from certification.pdf import render_certificate_pdf
from certification.selectors import missing_requirements
from certification.services.credentials import issue_credential
from certification.services.errors import CertificationError
from config.locking import busy_as
from notifications.services import Attachment, stored_attachments

logger = logging.getLogger(__name__)

# Which event asked for a certificate email decides how the email opens.
OCCASIONS = {
    CertificateEvent.Kind.ISSUED: "issued",
    CertificateEvent.Kind.RENEWED: "renewed",
    CertificateEvent.Kind.NAME_CORRECTED: "corrected",
    CertificateEvent.Kind.RESEND_REQUESTED: "resent",
}


class EmailOutcome(StrEnum):
    QUEUED = "queued"
    ALREADY_QUEUED = "already-queued"
    SUPERSEDED = "superseded"
    NOT_VALID = "not-valid"
    MISSING = "missing"


def next_certificate_number(year: int) -> str:
    """IMC-<year>-<seq>: the year's sequence row is locked, so numbers are unique; a rollback leaves a gap."""
    sequence, _created = CertificateNumberSequence.objects.select_for_update().get_or_create(year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"IMC-{year}-{sequence.last:05d}"


def _locked(certificate: Certificate) -> Certificate:
    return Certificate.objects.select_for_update(of=("self",)).select_related("holder").get(pk=certificate.pk)


def _required(text: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise CertificationError(message)
    return text


# certification.tasks wraps this module's services; the task is found by name, not imported.
QUEUE_CERTIFICATE_EMAIL_TASK = "certification.tasks.queue_certificate_email"


def enqueue_certificate_email(certificate_id: int, version: int) -> None:
    """Hand the PDF-and-email task to the worker. A broker that is down is logged, not raised: the
    pending-certificate sweep queues it again."""
    try:
        current_app.tasks[QUEUE_CERTIFICATE_EMAIL_TASK].apply_async((certificate_id, version))
    except Exception:
        logger.warning(
            "Could not queue the email of certificate %s; the sweep will pick it up.",
            certificate_id,
            exc_info=True,
        )


def _request_email(
    certificate: Certificate, *, kind: str, actor: User | None, details: dict, at: datetime | None = None
) -> int:
    """With the row locked: ask for one more certificate email, record why, queue the task on commit.

    The caller saves email_version and email_requested_at with its own changes."""
    now = timezone.now()
    if kind != CertificateEvent.Kind.ISSUED:
        certificate.email_version += 1
    certificate.email_requested_at = now
    version = certificate.email_version
    CertificateEvent.objects.create(
        certificate=certificate,
        kind=kind,
        actor=actor,
        at=at or now,
        details={**details, "email_version": version},
    )
    certificate_id = certificate.pk
    transaction.on_commit(lambda: enqueue_certificate_email(certificate_id, version), robust=True)
    return version


@busy_as(CertificationError)
def issue_certificate(
    enrollment: Enrollment, *, actor: User | None, issued_at: datetime | None = None
) -> Certificate:
    """Issue the certificate for an eligible enrollment and record the event.

    Raises CertificationError listing what is missing, or when the enrollment already has one (also when
    two admins issue at the same moment: the enrollment row is locked and the one-to-one is unique).
    Queues, after commit, the task that renders the PDF and emails it.
    """
    issued_at = issued_at or timezone.now()
    try:
        with transaction.atomic():
            enrollment = (
                Enrollment.objects.select_for_update(of=("self",))
                .select_related("trainee", "training")
                .get(pk=enrollment.pk)
            )
            missing = missing_requirements(enrollment)
            if missing:
                raise CertificationError(" ".join(missing))
            certificate = Certificate.objects.create(
                holder=enrollment.trainee,
                enrollment=enrollment,
                number=next_certificate_number(issued_at.year),
                name_on_certificate=enrollment.trainee.full_name or enrollment.trainee.email,
                language=enrollment.trainee.preferred_language,
                issued_at=issued_at,
                valid_until=issued_at + relativedelta(months=settings.CERTIFICATION_VALIDITY_MONTHS),
            )
            enrollment.status = Enrollment.Status.CERTIFIED
            enrollment.save(update_fields=["status"])
            _request_email(
                certificate, kind=CertificateEvent.Kind.ISSUED, actor=actor, details={}, at=issued_at
            )
            certificate.save(update_fields=["email_requested_at"])
            issue_credential(certificate)
    except IntegrityError:
        raise CertificationError(_("A certificate was already issued for this enrollment.")) from None
    return certificate


def _pdf_bytes(certificate: Certificate) -> tuple[bytes, int]:
    """The certificate's PDF and the revision it shows: the stored one when current, else a fresh render."""
    if certificate.pdf_is_current:
        try:
            with certificate.pdf.open("rb") as handle:
                return handle.read(), certificate.pdf_revision
        except OSError:
            logger.warning("Stored PDF of certificate %s is unreadable; rendering it again.", certificate.pk)
    return render_certificate_pdf(certificate), certificate.revision


def _write_pdf(certificate: Certificate, pdf: bytes, revision: int) -> str:
    """Write a rendered PDF to the certificates' storage, before any transaction: the name it got."""
    field = certificate.pdf.field
    name = field.generate_filename(certificate, f"{certificate.number}-r{revision}.pdf")
    return field.storage.save(name, ContentFile(pdf))


def _keep_pdf(certificate: Certificate, name: str) -> None:
    """Point the certificate at a PDF already written (same number and URL); the old file goes after
    commit, so a rollback leaves the certificate with the file it had."""
    previous = certificate.pdf.name
    certificate.pdf.name = name
    certificate.pdf_revision = certificate.revision
    if previous and previous != name:
        storage = certificate.pdf.storage
        transaction.on_commit(lambda: storage.delete(previous), robust=True)


def _discard_pdf(certificate: Certificate) -> None:
    """Forget the stored PDF; the file goes after commit, so a rollback leaves the certificate intact."""
    name = certificate.pdf.name
    if not name:
        return
    storage = certificate.pdf.storage
    certificate.pdf = ""
    certificate.pdf_revision = 0
    transaction.on_commit(lambda: storage.delete(name), robust=True)


def queue_certificate_email(certificate_id: int, *, version: int) -> EmailOutcome:
    """Render the certificate's PDF if it is out of date, store it, and queue the certificate email.

    Safe to run twice or concurrently: the row is locked and `emailed_version` re-read under the lock,
    and the outbox key certificate-issued:<pk>:<version> is unique, so one email is queued per version.
    An older version than the latest request is skipped (the newer task sends the current PDF), and so
    is a certificate no longer valid. Records one EMAILED event.

    The PDF and the email's copy of it are rendered and written before the transaction that locks the
    certificate (no storage write, an HTTP PUT once S3 is configured, while others wait on the lock), and
    deleted again when no committed row lists them. A certificate changed meanwhile (renewed, its name
    corrected) is rendered and written again, outside the lock once more.
    """
    for _attempt in range(3):
        certificate = Certificate.objects.select_related("holder").filter(pk=certificate_id).first()
        if certificate is None:
            return EmailOutcome.MISSING
        if certificate.emailed_version >= version:
            return EmailOutcome.ALREADY_QUEUED
        pdf, pdf_revision = _pdf_bytes(certificate)
        written = "" if certificate.pdf_is_current else _write_pdf(certificate, pdf, pdf_revision)
        attachment = Attachment(
            filename=f"{certificate.number}.pdf", content=pdf, content_type="application/pdf"
        )
        kept = False
        try:
            with stored_attachments([attachment]) as files:
                outcome, kept = _queue_certificate_email(
                    certificate, version=version, revision=pdf_revision, written=written, files=files
                )
        finally:
            if written and not kept:
                certificate.pdf.storage.delete(written)
        if outcome is not None:
            return outcome
    raise CertificationError(_("The certificate kept changing while its email was prepared; try again."))


def _queue_certificate_email(
    certificate: Certificate, *, version: int, revision: int, written: str, files
) -> tuple[EmailOutcome | None, bool]:
    """The locked part of queue_certificate_email: (the outcome, None when the certificate changed since its
    PDF was rendered; whether the written PDF is now the certificate's)."""
    with transaction.atomic():
        certificate = _locked(certificate)
        if certificate.emailed_version >= version:
            return EmailOutcome.ALREADY_QUEUED, False
        if version < certificate.email_version:
            return EmailOutcome.SUPERSEDED, False
        if certificate.status != CertificateStatus.VALID:
            certificate.email_requested_at = None
            certificate.save(update_fields=["email_requested_at"])
            return EmailOutcome.NOT_VALID, False
        if revision != certificate.revision:
            return None, False
        if written and not certificate.pdf_is_current:
            _keep_pdf(certificate, written)
        # The event that asked for this email (issued, renewed, name corrected, re-send requested).
        asked_by = (
            certificate.events.filter(details__email_version=version)
            .exclude(kind=CertificateEvent.Kind.EMAILED)
            .order_by("-at")
            .first()
        )
        occasion = OCCASIONS.get(asked_by.kind, "issued") if asked_by else "issued"
        outgoing = emails.queue_certificate_issued(
            certificate, version=version, occasion=occasion, attachments=files
        )
        certificate.emailed_version = version
        certificate.email_requested_at = None
        certificate.save(update_fields=["pdf", "pdf_revision", "emailed_version", "email_requested_at"])
        CertificateEvent.objects.create(
            certificate=certificate,
            kind=CertificateEvent.Kind.EMAILED,
            actor=asked_by.actor if asked_by else None,
            details={"email_version": version, "email": outgoing.pk, "to": outgoing.to_email},
        )
    return EmailOutcome.QUEUED, bool(written) and certificate.pdf.name == written


@busy_as(CertificationError)
def resend_certificate(certificate: Certificate, *, actor: User) -> Certificate:
    """Email the certificate with its PDF again (a new version of the email, so the outbox sends it).

    Raises CertificationError for a certificate that is revoked or expired. Queues the email task.
    """
    with transaction.atomic():
        certificate = _locked(certificate)
        if certificate.status != CertificateStatus.VALID:
            raise CertificationError(
                _("Only a valid certificate can be re-sent; renew or reinstate it first.")
            )
        _request_email(certificate, kind=CertificateEvent.Kind.RESEND_REQUESTED, actor=actor, details={})
        certificate.save(update_fields=["email_version", "email_requested_at"])
    return certificate


@busy_as(CertificationError)
def renew_certificate(
    certificate: Certificate,
    *,
    actor: User | None,
    reason: str,
    counted_from: datetime | None = None,
    payment_id: int | None = None,
) -> Certificate:
    """Extend a certificate by CERTIFICATION_VALIDITY_MONTHS from its end, or, if it has lapsed, from
    ``counted_from`` (now unless given: an online renewal counts from its payment), as
    certification.fees.renewed_until says.

    Same number and verification URL; a new PDF is rendered and emailed. The event names the payment
    that paid for it, if any. Raises CertificationError without a reason, or for a revoked certificate
    (reinstate it first). Queues the email task.
    """
    reason = _required(reason, _("Say why the certificate is renewed (for example, the renewal fee paid)."))
    with transaction.atomic():
        certificate = _locked(certificate)
        if certificate.status == CertificateStatus.REVOKED:
            raise CertificationError(_("A revoked certificate cannot be renewed; reinstate it first."))
        previous = certificate.valid_until
        certificate.valid_until = renewed_until(certificate, counted_from=counted_from or timezone.now())
        certificate.revision += 1
        details = {
            "reason": reason,
            "previous_valid_until": previous.isoformat(),
            "valid_until": certificate.valid_until.isoformat(),
        }
        if payment_id is not None:
            details["payment"] = payment_id
        _request_email(certificate, kind=CertificateEvent.Kind.RENEWED, actor=actor, details=details)
        certificate.save(update_fields=["valid_until", "revision", "email_version", "email_requested_at"])
        issue_credential(certificate)
    return certificate


@busy_as(CertificationError)
def correct_certificate_name(
    certificate: Certificate, *, actor: User, name: str, reason: str = ""
) -> Certificate:
    """Correct the name printed on a certificate: same number and URL, a new PDF, emailed if valid.

    Raises CertificationError for an empty or unchanged name. Queues the email task for a valid
    certificate.
    """
    name = " ".join(_required(name, _("Enter the name as it should be printed.")).split())
    if len(name) > Certificate._meta.get_field("name_on_certificate").max_length:
        raise CertificationError(_("This name is too long to print."))
    with transaction.atomic():
        certificate = _locked(certificate)
        if name == certificate.name_on_certificate:
            raise CertificationError(_("This is already the name on the certificate."))
        old_name = certificate.name_on_certificate
        certificate.name_on_certificate = name
        certificate.revision += 1
        details = {"old_name": old_name, "new_name": name, "reason": reason.strip()}
        fields = ["name_on_certificate", "revision"]
        if certificate.status == CertificateStatus.VALID:
            _request_email(
                certificate, kind=CertificateEvent.Kind.NAME_CORRECTED, actor=actor, details=details
            )
            fields += ["email_version", "email_requested_at"]
        else:
            # No email will store a PDF with the new name, so the stored one with the old name would stay
            # behind; downloads render the corrected one on demand.
            _discard_pdf(certificate)
            fields += ["pdf", "pdf_revision"]
            CertificateEvent.objects.create(
                certificate=certificate,
                kind=CertificateEvent.Kind.NAME_CORRECTED,
                actor=actor,
                details=details,
            )
        certificate.save(update_fields=fields)
        issue_credential(certificate)
    return certificate


@busy_as(CertificationError)
def revoke_certificate(
    certificate: Certificate, *, actor: User, reason: str, public_statement: str
) -> Certificate:
    """Revoke a certificate: the verification page says so at once, with the public statement.

    The internal reason is kept for staff only. The stored PDF is deleted after commit and no longer
    served to anyone; a reinstated certificate's PDF is rendered again when it is next downloaded or
    emailed. Raises CertificationError without a reason or a public statement, or for a certificate
    already revoked. Queues the "certificate revoked" email.
    """
    reason = _required(reason, _("Give the internal reason for revoking this certificate."))
    public_statement = _required(
        public_statement, _("Write the public statement shown on the verification page.")
    )
    with transaction.atomic():
        certificate = _locked(certificate)
        if certificate.revoked_at is not None:
            raise CertificationError(_("This certificate is already revoked."))
        certificate.revoked_at = timezone.now()
        certificate.revocation_reason = reason
        certificate.public_statement = public_statement
        certificate.email_requested_at = None
        _discard_pdf(certificate)
        certificate.save(
            update_fields=[
                "revoked_at",
                "revocation_reason",
                "public_statement",
                "email_requested_at",
                "pdf",
                "pdf_revision",
            ]
        )
        CertificateEvent.objects.create(
            certificate=certificate,
            kind=CertificateEvent.Kind.REVOKED,
            actor=actor,
            at=certificate.revoked_at,
            details={"reason": reason, "public_statement": public_statement},
        )
        emails.queue_certificate_revoked(certificate)
    return certificate


@busy_as(CertificationError)
def reinstate_certificate(certificate: Certificate, *, actor: User, reason: str) -> Certificate:
    """Lift a revocation; the certificate is valid again until its end date (or reads expired after it).

    Raises CertificationError without a reason, or for a certificate that is not revoked.
    """
    reason = _required(reason, _("Say why the certificate is reinstated."))
    with transaction.atomic():
        certificate = _locked(certificate)
        if certificate.revoked_at is None:
            raise CertificationError(_("This certificate is not revoked."))
        details = {
            "reason": reason,
            "revoked_at": certificate.revoked_at.isoformat(),
            "revocation_reason": certificate.revocation_reason,
            "public_statement": certificate.public_statement,
        }
        certificate.revoked_at = None
        certificate.revocation_reason = ""
        certificate.public_statement = ""
        certificate.save(update_fields=["revoked_at", "revocation_reason", "public_statement"])
        CertificateEvent.objects.create(
            certificate=certificate, kind=CertificateEvent.Kind.REINSTATED, actor=actor, details=details
        )
    return certificate
