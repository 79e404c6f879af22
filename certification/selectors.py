"""Reads for certification: eligibility, practicum counted from attendance, certificate status."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from certification.models import Certificate, Enrollment
from classes.models import Attendance, Booking, Course, Session


def practicum_families_count(enrollment: Enrollment) -> int:
    """Families who attended enough of a practicum course the trainee taught (PRODUCT.md §7).

    A family counts when it attended at least CERTIFICATION_MIN_ATTENDANCE_PERCENT of the scheduled
    sessions of a practicum course whose first session falls between the end of the training and the
    enrollment's deadline. Families of parents who deleted their account still count.
    """
    if enrollment.deadline is None:
        return 0
    courses = (
        Course.objects.filter(instructor_id=enrollment.trainee_id, is_practicum=True)
        .annotate(
            first_at=Min("sessions__starts_at", filter=Q(sessions__status=Session.Status.SCHEDULED)),
            session_count=Count(
                "sessions", filter=Q(sessions__status=Session.Status.SCHEDULED), distinct=True
            ),
        )
        .filter(first_at__date__gte=enrollment.training.ends_on, first_at__date__lte=enrollment.deadline)
    )
    session_counts = dict(courses.values_list("pk", "session_count"))
    bookings = (
        Booking.objects.filter(course_id__in=session_counts, status=Booking.Status.CONFIRMED)
        .annotate(
            present=Count(
                "attendances",
                filter=Q(attendances__status=Attendance.Status.PRESENT)
                & Q(attendances__session__status=Session.Status.SCHEDULED),
            )
        )
        .values_list("course_id", "present")
    )
    minimum = settings.CERTIFICATION_MIN_ATTENDANCE_PERCENT
    return sum(
        1
        for course_id, present in bookings
        if session_counts[course_id] and present * 100 >= minimum * session_counts[course_id]
    )


def missing_requirements(enrollment: Enrollment) -> list[str]:
    """What still stands between this enrollment and a certificate, in words; empty when eligible."""
    missing = []
    if enrollment.status != Enrollment.Status.ACCEPTED:
        missing.append(
            _("The application is not accepted (status: %(status)s).")
            % {"status": enrollment.get_status_display()}
        )
    if hasattr(enrollment, "certificate"):
        missing.append(_("A certificate was already issued for this enrollment."))
    if not enrollment.training_attended:
        missing.append(_("Training attendance is not recorded."))
    if enrollment.exam_score is None:
        missing.append(_("No exam score is recorded."))
    elif enrollment.exam_score < settings.CERTIFICATION_PASS_MARK:
        missing.append(
            _("Exam score %(score)s%% is below the pass mark of %(mark)s%%.")
            % {"score": enrollment.exam_score, "mark": settings.CERTIFICATION_PASS_MARK}
        )
    if not enrollment.fee_paid:
        missing.append(_("The certification fee is not paid."))
    families = practicum_families_count(enrollment)
    if families < settings.CERTIFICATION_PRACTICUM_FAMILIES:
        missing.append(
            _("Practicum: %(count)s of %(required)s families completed.")
            % {"count": families, "required": settings.CERTIFICATION_PRACTICUM_FAMILIES}
        )
    return missing


def current_certificate(user: User) -> Certificate | None:
    """The holder's most recently issued certificate, whatever its status."""
    return Certificate.objects.filter(holder=user).order_by("-issued_at").first()


def has_active_certificate(user: User) -> bool:
    now = timezone.now()
    return Certificate.objects.filter(holder=user, revoked_at__isnull=True, valid_until__gt=now).exists()


def practicum_enrollment(user: User) -> Enrollment | None:
    """The enrollment that lets a trainee teach practicum courses now: training attended and over,
    deadline not passed, no certificate yet."""
    today = timezone.localdate()
    return (
        Enrollment.objects.filter(
            trainee=user,
            status=Enrollment.Status.ACCEPTED,
            training_attended=True,
            training__ends_on__lte=today,
            deadline__gte=today,
            certificate__isnull=True,
        )
        .select_related("training")
        .first()
    )
