"""A practicum family counts only with its evaluation of the course (CERTIFICATION_PRACTICUM_REQUIRES_
EVALUATION, on by default); the trainee's progress and the enrollment in admin say how many were received."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from certification.selectors import missing_requirements, practicum_courses, practicum_families_count
from certification.tests.factories import eligible_enrollment, practicum_course
from classes.models import Booking, Evaluation
from classes.tests.factories import EvaluationFactory

pytestmark = pytest.mark.django_db


def enrollment_with_evaluations(evaluated: int, *, trainee=None):
    """Five families completed the trainee's practicum course; `evaluated` of them sent their evaluation."""
    enrollment = eligible_enrollment(families=0, **({"trainee": trainee} if trainee else {}))
    practicum_course(
        enrollment.trainee,
        families=5,
        evaluated=evaluated,
        first_session_at=timezone.now() - timedelta(days=40),
    )
    return enrollment


def test_a_family_without_an_evaluation_does_not_count():
    enrollment = enrollment_with_evaluations(3)

    assert practicum_families_count(enrollment) == 3
    assert missing_requirements(enrollment) == ["Practicum: 3 of 5 families completed."]


def test_its_evaluation_arriving_makes_it_count():
    enrollment = enrollment_with_evaluations(4)
    waiting = Booking.objects.filter(course__instructor=enrollment.trainee, evaluation__isnull=True).first()

    EvaluationFactory(booking=waiting)

    assert practicum_families_count(enrollment) == 5
    assert missing_requirements(enrollment) == []


def test_with_the_setting_off_attendance_alone_counts(settings):
    settings.CERTIFICATION_PRACTICUM_REQUIRES_EVALUATION = False
    enrollment = enrollment_with_evaluations(0)

    assert practicum_families_count(enrollment) == 5
    assert missing_requirements(enrollment) == []


def test_an_evaluation_without_enough_attendance_does_not_count():
    enrollment = eligible_enrollment(families=0)
    practicum_course(
        enrollment.trainee, families=2, attended=2, first_session_at=timezone.now() - timedelta(days=40)
    )

    assert Evaluation.objects.filter(booking__course__instructor=enrollment.trainee).count() == 2
    assert practicum_families_count(enrollment) == 0


def test_each_practicum_course_tells_completed_and_evaluated_families():
    enrollment = enrollment_with_evaluations(3)

    [_demo_course, counted] = practicum_courses(enrollment)

    assert (counted.families, counted.tally.completed, counted.tally.evaluated) == (3, 5, 3)


def test_the_progress_page_shows_the_evaluations_received(client, trainee):
    enrollment_with_evaluations(3, trainee=trainee)
    client.force_login(trainee)

    page = client.get(reverse("certification:progress")).content.decode()

    assert "3 of 5 families completed." in page
    assert "5 attended enough sessions, 3 evaluations received" in page
    assert "2 families who completed your practicum course have not sent their evaluation yet" in page


def test_the_enrollment_in_admin_shows_the_evaluations_received(client, staff):
    enrollment = enrollment_with_evaluations(3)
    client.force_login(staff)

    listing = client.get(reverse("admin:certification_enrollment_changelist"))
    change = client.get(reverse("admin:certification_enrollment_change", args=[enrollment.pk]))

    assert listing.status_code == change.status_code == 200
    assert "5 attended enough sessions, 3 evaluations received" in change.content.decode()
    row = next(row for row in listing.context["cl"].result_list if row.pk == enrollment.pk)
    assert (row.practicum_tally.completed, row.practicum_tally.evaluated) == (5, 3)
