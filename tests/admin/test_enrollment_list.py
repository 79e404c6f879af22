"""The enrollment list counts the practicum families of a whole page at once; each row must still show
what the enrollment's own page (practicum_families_count, missing_requirements) says about it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from certification.models import Enrollment
from certification.selectors import missing_requirements, practicum_families_count
from certification.tests.factories import (
    EnrollmentFactory,
    TrainingCourseFactory,
    eligible_enrollment,
    past_training,
    practicum_course,
)
from classes.models import Course
from classes.tests.factories import AttendanceFactory, BookingFactory, EvaluationFactory

pytestmark = pytest.mark.django_db


def completed_by(course: Course, parent) -> None:
    booking = BookingFactory(course=course, parent=parent)
    for session in course.sessions.all():
        AttendanceFactory(booking=booking, session=session)
    EvaluationFactory(booking=booking)


def test_each_row_shows_the_families_and_eligibility_its_enrollment_has(client, staff, trainee):
    """Erin took two trainings: the practicum course she began before the second one ended counts only
    for the first, and a parent who completed both her courses counts once for the first training and
    again for the second, whose window holds only the later course."""
    today, now = timezone.localdate(), timezone.now()
    deadline = today + timedelta(days=120)
    outcome = {
        "accepted": True,
        "deadline": deadline,
        "training_attended": True,
        "exam_score": 90,
        "fee_paid": True,
    }
    first = EnrollmentFactory(trainee=trainee, training=past_training(), **outcome)
    second = EnrollmentFactory(
        trainee=trainee,
        training=TrainingCourseFactory(
            starts_on=today - timedelta(days=13), ends_on=today - timedelta(days=10)
        ),
        **outcome,
    )
    earlier = practicum_course(trainee, families=5, first_session_at=now - timedelta(days=45))
    later = practicum_course(trainee, families=2, first_session_at=now - timedelta(days=5), sessions=1)
    completed_by(later, earlier.bookings.earliest("pk").parent)
    eligible = eligible_enrollment()
    short = eligible_enrollment(families=4)
    applied = EnrollmentFactory()
    expected = {first.pk: (7, True), second.pk: (3, False), eligible.pk: (5, True), short.pk: (4, False)}
    expected[applied.pk] = (0, False)
    client.force_login(staff)

    response = client.get(reverse("admin:certification_enrollment_changelist"))

    enrollment_admin = admin.site._registry[Enrollment]
    shown = {
        row.pk: (enrollment_admin.families(row), enrollment_admin.eligible(row))
        for row in response.context["cl"].result_list
    }
    required = settings.CERTIFICATION_PRACTICUM_FAMILIES
    assert shown == {pk: (f"{families} / {required}", ok) for pk, (families, ok) in expected.items()}
    for pk in expected:
        enrollment = Enrollment.objects.get(pk=pk)
        assert shown[pk] == (
            f"{practicum_families_count(enrollment)} / {required}",
            not missing_requirements(enrollment),
        )
