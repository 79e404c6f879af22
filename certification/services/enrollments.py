"""Applications to trainings and what trainers record: capacity under a training lock, decisions, outcomes.

A row kept locked by others for longer than the database waits is refused with CertificationError asking to
try again (config.locking.busy_as), and nothing changes.
"""

from __future__ import annotations

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from certification import emails
from certification.models import Enrollment, TrainingCourse
from certification.selectors import PLACE_HOLDING_STATUSES, has_active_certificate
from certification.services.errors import CertificationError
from config.locking import busy_as


@busy_as(CertificationError)
def apply_for_training(
    training: TrainingCourse, *, trainee: User, background: str, experience: str, motivation: str
) -> Enrollment:
    """Apply for a place on a training; the application holds a place until it is decided.

    Locks the training row, counts applied and accepted places, then inserts, so capacity holds when
    two people apply for the last place. Raises CertificationError for a training that is not open,
    already started or full, a second application to the same training, or a holder of an active
    certificate. Queues the "application received" email.
    """
    if has_active_certificate(trainee):
        raise CertificationError(
            _("You already hold an active certificate; there is no need to train again.")
        )
    with transaction.atomic():
        training = TrainingCourse.objects.select_for_update().get(pk=training.pk)
        if not training.is_published:
            raise CertificationError(_("This training is not open for applications."))
        if training.starts_on <= timezone.localdate():
            raise CertificationError(_("This training has already started; applications are closed."))
        if Enrollment.objects.filter(training=training, trainee=trainee).exists():
            raise CertificationError(_("You have already applied for this training."))
        taken = Enrollment.objects.filter(training=training, status__in=PLACE_HOLDING_STATUSES).count()
        if taken >= training.capacity:
            raise CertificationError(
                _("Sorry, this training is full. Please choose another date from the list of trainings.")
            )
        try:
            with transaction.atomic():
                enrollment = Enrollment.objects.create(
                    trainee=trainee,
                    training=training,
                    background=background.strip()[:60],
                    experience=experience.strip(),
                    motivation=motivation.strip(),
                )
        except IntegrityError:
            raise CertificationError(_("You have already applied for this training.")) from None
        emails.queue_application_received(enrollment)
    return enrollment


@busy_as(CertificationError)
def accept_enrollment(enrollment: Enrollment, *, actor: User) -> Enrollment:
    """Accept an application and set the practicum deadline from the training's last day.

    Raises CertificationError for an enrollment that is not waiting for a decision. Queues the
    "application accepted" email.
    """
    with transaction.atomic():
        enrollment = (
            Enrollment.objects.select_for_update().select_related("training", "trainee").get(pk=enrollment.pk)
        )
        if enrollment.status != Enrollment.Status.APPLIED:
            raise CertificationError(_("Only a new application can be accepted."))
        enrollment.status = Enrollment.Status.ACCEPTED
        enrollment.decided_at = timezone.now()
        enrollment.deadline = enrollment.training.ends_on + relativedelta(
            months=settings.CERTIFICATION_DEADLINE_MONTHS
        )
        enrollment.save(update_fields=["status", "decided_at", "deadline"])
        emails.queue_application_accepted(enrollment)
    return enrollment


@busy_as(CertificationError)
def decline_enrollment(enrollment: Enrollment, *, actor: User) -> Enrollment:
    """Decline an application; its place on the training frees up.

    Raises CertificationError for an enrollment that is not waiting for a decision. Queues the
    "application declined" email.
    """
    with transaction.atomic():
        enrollment = (
            Enrollment.objects.select_for_update().select_related("training", "trainee").get(pk=enrollment.pk)
        )
        if enrollment.status != Enrollment.Status.APPLIED:
            raise CertificationError(_("Only a new application can be declined."))
        enrollment.status = Enrollment.Status.DECLINED
        enrollment.decided_at = timezone.now()
        enrollment.save(update_fields=["status", "decided_at"])
        emails.queue_application_declined(enrollment)
    return enrollment


@busy_as(CertificationError)
def record_training_outcome(
    enrollment: Enrollment,
    *,
    actor: User,
    training_attended: bool | None = None,
    exam_score: int | None = None,
) -> Enrollment:
    """Record what a trainer or admin saw: attendance at the training and the exam score. (The fee is a
    payment: certification.services.fees.)

    Raises CertificationError for a score outside 0–100, or for an enrollment already certified (its
    certificate was issued on these).
    """
    if exam_score is not None and not 0 <= exam_score <= 100:
        raise CertificationError(_("An exam score is a percentage between 0 and 100."))
    with transaction.atomic():
        enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
        if enrollment.status == Enrollment.Status.CERTIFIED:
            raise CertificationError(_("The certificate was issued on these results; they cannot change."))
        if training_attended is not None:
            enrollment.training_attended = training_attended
        if exam_score is not None:
            enrollment.exam_score = exam_score
        enrollment.save(update_fields=["training_attended", "exam_score"])
    return enrollment
