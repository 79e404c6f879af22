"""What stands between an enrollment and a certificate: each requirement, alone, and practicum families
counted from real attendance by the rule in docs/domain.md, Certification."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from certification.models import Enrollment
from certification.selectors import missing_requirements, practicum_courses, practicum_families_count
from certification.tests.factories import (
    CertificateFactory,
    eligible_enrollment,
    practicum_course,
)
from classes.models import Booking, Session
from classes.tests.factories import AttendanceFactory, BookingFactory, EvaluationFactory

pytestmark = pytest.mark.django_db


def test_enrollment_meeting_every_requirement_is_eligible():
    assert missing_requirements(eligible_enrollment()) == []


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"status": Enrollment.Status.APPLIED}, "The application is not accepted (status: Applied)."),
        ({"status": Enrollment.Status.DECLINED}, "The application is not accepted (status: Declined)."),
        ({"training_attended": False}, "Training attendance is not recorded."),
        ({"exam_score": None}, "No exam score is recorded."),
        ({"exam_score": 79}, "Exam score 79% is below the pass mark of 80%."),
        ({"fee_paid": False}, "The training fee (€450.00) is not paid."),
    ],
)
def test_each_missing_requirement_is_named_alone(change, reason):
    enrollment = eligible_enrollment()
    Enrollment.objects.filter(pk=enrollment.pk).update(**change)

    assert missing_requirements(Enrollment.objects.get(pk=enrollment.pk)) == [reason]


def test_exam_score_at_the_pass_mark_passes():
    enrollment = eligible_enrollment()
    Enrollment.objects.filter(pk=enrollment.pk).update(exam_score=80)

    assert missing_requirements(Enrollment.objects.get(pk=enrollment.pk)) == []


def test_too_few_practicum_families_is_named_with_the_count():
    enrollment = eligible_enrollment(families=4)

    assert missing_requirements(enrollment) == ["Practicum: 4 of 5 families completed."]


def test_an_enrollment_with_a_certificate_is_not_eligible_again():
    enrollment = eligible_enrollment()
    CertificateFactory(holder=enrollment.trainee, enrollment=enrollment)
    enrollment = Enrollment.objects.get(pk=enrollment.pk)

    assert "A certificate was already issued for this enrollment." in missing_requirements(enrollment)


def test_pass_mark_and_family_count_are_settings(settings):
    settings.CERTIFICATION_PASS_MARK = 95
    settings.CERTIFICATION_PRACTICUM_FAMILIES = 6
    enrollment = eligible_enrollment(families=5)

    assert missing_requirements(enrollment) == [
        "Exam score 90% is below the pass mark of 95%.",
        "Practicum: 5 of 6 families completed.",
    ]


def test_family_counts_with_four_of_five_sessions_but_not_three():
    enrollment = eligible_enrollment(families=0)
    start = timezone.now() - timedelta(days=40)
    practicum_course(enrollment.trainee, families=2, first_session_at=start, attended=4)
    practicum_course(enrollment.trainee, families=3, first_session_at=start, attended=3)

    assert practicum_families_count(enrollment) == 2


def test_cancelled_sessions_do_not_count_against_a_family():
    enrollment = eligible_enrollment(families=0)
    course = practicum_course(
        enrollment.trainee, families=1, first_session_at=timezone.now() - timedelta(days=40), attended=4
    )
    course.sessions.filter(week_number=5).update(status=Session.Status.CANCELLED)

    assert practicum_families_count(enrollment) == 1


def test_practicum_before_the_training_ended_or_after_the_deadline_does_not_count():
    enrollment = eligible_enrollment(families=0)
    training_end = enrollment.training.ends_on
    practicum_course(enrollment.trainee, families=5, first_session_at=timezone.now() - timedelta(days=70))
    Enrollment.objects.filter(pk=enrollment.pk).update(deadline=timezone.localdate() + timedelta(days=10))
    practicum_course(enrollment.trainee, families=5, first_session_at=timezone.now() + timedelta(days=20))

    assert training_end > (timezone.now() - timedelta(days=70)).date()
    assert practicum_families_count(Enrollment.objects.get(pk=enrollment.pk)) == 0


def test_a_course_that_is_not_a_practicum_does_not_count():
    enrollment = eligible_enrollment(families=0)
    course = practicum_course(
        enrollment.trainee, families=5, first_session_at=timezone.now() - timedelta(days=40)
    )
    course.is_practicum = False
    course.save()

    assert practicum_families_count(enrollment) == 0


def completed_by(course, parent) -> Booking:
    """A new baby of `parent` booked on `course`, present at every session, and its evaluation sent."""
    booking = BookingFactory(course=course, parent=parent)
    for session in course.sessions.all():
        AttendanceFactory(booking=booking, session=session)
    EvaluationFactory(booking=booking)
    return booking


def test_two_babies_of_one_parent_count_as_one_family():
    enrollment = eligible_enrollment(families=0)
    course = practicum_course(
        enrollment.trainee, families=0, first_session_at=timezone.now() - timedelta(days=40)
    )
    twins_parent = UserFactory()
    completed_by(course, twins_parent)
    completed_by(course, twins_parent)
    completed_by(course, UserFactory())

    assert practicum_families_count(enrollment) == 2


def test_a_parent_who_completed_two_practicum_courses_counts_once_for_the_first():
    enrollment = eligible_enrollment(families=0)
    earlier = enrollment.trainee.courses.get()
    later = practicum_course(
        enrollment.trainee, families=0, first_session_at=timezone.now() - timedelta(days=40)
    )
    loyal = UserFactory()
    completed_by(later, loyal)
    completed_by(earlier, loyal)
    completed_by(later, UserFactory())

    assert practicum_families_count(enrollment) == 2
    counted = [(counted.course, counted.families) for counted in practicum_courses(enrollment)]
    assert counted == [(earlier, 1), (later, 1)]


def test_the_trainees_own_booking_on_their_practicum_course_does_not_count():
    enrollment = eligible_enrollment(families=4)
    course = enrollment.trainee.courses.get()
    completed_by(course, enrollment.trainee)

    assert practicum_families_count(enrollment) == 4
    assert missing_requirements(enrollment) == ["Practicum: 4 of 5 families completed."]
    assert sum(counted.families for counted in practicum_courses(enrollment)) == 4


def test_families_who_deleted_their_account_still_count_one_booking_each():
    enrollment = eligible_enrollment(families=3)
    Booking.objects.filter(course__instructor=enrollment.trainee).update(parent=None, baby=None)

    assert practicum_families_count(enrollment) == 3


def test_the_enrollment_admin_counts_each_family_once(client, staff):
    enrollment = eligible_enrollment(families=3)
    course = enrollment.trainee.courses.get()
    parent = course.bookings.order_by("pk").first().parent
    completed_by(course, parent)
    completed_by(course, enrollment.trainee)
    client.force_login(staff)

    changelist = client.get(reverse("admin:certification_enrollment_changelist"))
    change = client.get(reverse("admin:certification_enrollment_change", args=[enrollment.pk]))

    assert changelist.status_code == change.status_code == 200
    assert "3 / 5" in changelist.content.decode()
    assert "Practicum: 3 of 5 families completed." in change.content.decode()
