"""The trainee's checklist on /training/progress/: each requirement's state, the deadline, what next."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from certification.models import Enrollment
from certification.tests.factories import EnrollmentFactory, TrainingCourseFactory, eligible_enrollment

pytestmark = pytest.mark.django_db

PROGRESS = reverse("certification:progress")


def test_checklist_shows_each_requirement_with_its_state(client, trainee):
    enrollment = eligible_enrollment(trainee=trainee, families=3, exam_score=72, fee_paid=False)
    Enrollment.objects.filter(pk=enrollment.pk).update(deadline=timezone.localdate() + timedelta(days=40))
    client.force_login(trainee)

    page = client.get(PROGRESS).content.decode()

    assert "Training attended" in page and "Recorded by your trainer." in page
    assert "3 of 5 families completed." in page
    assert "72%, below the pass mark of 80%." in page
    assert "Not paid yet: €450.00." in page
    assert "40 days left" in page
    assert "2 more families" in page
    assert "Retake the written exam: you need 80%." in page
    assert "Pay the training fee (€450.00)" in page


def test_when_everything_is_done_the_next_step_is_the_certificate(client, trainee):
    eligible_enrollment(trainee=trainee)
    client.force_login(trainee)

    page = client.get(PROGRESS).content.decode()

    assert page.count("Done:") == 5
    assert "the association will issue your certificate shortly" in page


def test_new_application_waits_for_the_decision(client, trainee):
    EnrollmentFactory(trainee=trainee, training=TrainingCourseFactory(title="Training in Madrid"))
    client.force_login(trainee)

    page = client.get(PROGRESS).content.decode()

    assert "Training in Madrid" in page and "Wait for the trainer" in page


def test_passed_deadline_says_so(client, trainee):
    enrollment = eligible_enrollment(trainee=trainee, families=1)

    # Noon UTC five days after the deadline: the same calendar day in the trainee's zone, whatever the hour
    # the suite runs at.
    five_days_late = datetime.combine(enrollment.deadline + timedelta(days=5), time(12), tzinfo=UTC)
    with time_machine.travel(five_days_late, tick=False):
        client.force_login(trainee)
        page = client.get(PROGRESS).content.decode()

    assert "passed 5 days ago" in page
    assert "Your deadline has passed" in page
    assert enrollment.pk


def test_person_without_applications_is_pointed_to_the_trainings(client, parent):
    client.force_login(parent)

    page = client.get(PROGRESS).content.decode()

    assert "You have not applied for an instructor training yet." in page
    assert reverse("certification:training_list") in page


def test_progress_shows_only_the_signed_in_trainees_enrollments(client, trainee, other_parent):
    EnrollmentFactory(trainee=other_parent, training=TrainingCourseFactory(title="Someone else's training"))
    client.force_login(trainee)

    assert "Someone else&#x27;s training" not in client.get(PROGRESS).content.decode()
