"""Writes for certification: enrollments through to certificates, each change with its audit event."""

from __future__ import annotations

from datetime import datetime

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from certification.models import Certificate, CertificateEvent, CertificateNumberSequence, Enrollment
from certification.selectors import missing_requirements


class CertificationError(Exception):
    """A certification step that breaks a rule; the message is shown to staff or the trainee."""


def accept_enrollment(enrollment: Enrollment, *, actor: User) -> Enrollment:
    """Accept an application and set the practicum deadline from the training's last day.

    Raises CertificationError for an enrollment that is not waiting for a decision.
    """
    with transaction.atomic():
        enrollment = Enrollment.objects.select_for_update().select_related("training").get(pk=enrollment.pk)
        if enrollment.status != Enrollment.Status.APPLIED:
            raise CertificationError(_("Only a new application can be accepted."))
        enrollment.status = Enrollment.Status.ACCEPTED
        enrollment.decided_at = timezone.now()
        enrollment.deadline = enrollment.training.ends_on + relativedelta(
            months=settings.CERTIFICATION_DEADLINE_MONTHS
        )
        enrollment.save(update_fields=["status", "decided_at", "deadline"])
    return enrollment


def record_training_outcome(
    enrollment: Enrollment,
    *,
    actor: User,
    training_attended: bool | None = None,
    exam_score: int | None = None,
    fee_paid: bool | None = None,
) -> Enrollment:
    """Record what a trainer or admin saw: attendance at the training, the exam score, the fee.

    Raises CertificationError for a score outside 0–100.
    """
    if exam_score is not None and not 0 <= exam_score <= 100:
        raise CertificationError(_("An exam score is a percentage between 0 and 100."))
    with transaction.atomic():
        enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
        if training_attended is not None:
            enrollment.training_attended = training_attended
        if exam_score is not None:
            enrollment.exam_score = exam_score
        if fee_paid is not None:
            enrollment.fee_paid = fee_paid
        enrollment.save(update_fields=["training_attended", "exam_score", "fee_paid"])
    return enrollment


def next_certificate_number(year: int) -> str:
    """IMC-<year>-<seq>: the year's sequence row is locked, so numbers are unique; a rollback leaves a gap."""
    sequence, _created = CertificateNumberSequence.objects.select_for_update().get_or_create(year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"IMC-{year}-{sequence.last:05d}"


def issue_certificate(
    enrollment: Enrollment, *, actor: User | None, issued_at: datetime | None = None
) -> Certificate:
    """Issue the certificate for an eligible enrollment and record the event.

    Raises CertificationError listing what is missing, or when the enrollment already has one (also when
    two admins issue at the same moment: the enrollment row is locked and the one-to-one is unique).
    """
    issued_at = issued_at or timezone.now()
    try:
        with transaction.atomic():
            enrollment = (
                Enrollment.objects.select_for_update()
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
            CertificateEvent.objects.create(
                certificate=certificate, kind=CertificateEvent.Kind.ISSUED, actor=actor, at=issued_at
            )
    except IntegrityError:
        raise CertificationError(_("A certificate was already issued for this enrollment.")) from None
    return certificate
