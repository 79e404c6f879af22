"""Trainings on /training/ and applying for one: places held under a lock, one application per person,
and an email at each step (received, accepted, declined)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from certification import services
from certification.models import Enrollment, TrainingModule
from certification.services import CertificationError
from certification.tests.factories import CertificateFactory, EnrollmentFactory, TrainingCourseFactory
from notifications.models import OutgoingEmail

TRAINING_LIST = reverse("certification:training_list")
ANSWERS = {
    "background": "midwife",
    "experience": "Twelve years on a maternity ward.",
    "motivation": "Parents ask me how to soothe their babies.",
}


def apply_url(training) -> str:
    return reverse("certification:training_apply", args=[training.pk])


@pytest.mark.django_db
def test_training_list_shows_upcoming_trainings_with_places_left_and_modules(client, settings):
    settings.CERTIFICATION_PRACTICUM_FAMILIES = 6
    training = TrainingCourseFactory(
        title="Training in Madrid",
        capacity=4,
        modules=[TrainingModule.STROKES, TrainingModule.RESEARCH],
        trainer=UserFactory(full_name="Margaret Ellis"),
    )
    EnrollmentFactory(training=training)
    EnrollmentFactory(training=training, accepted=True)
    EnrollmentFactory(training=training, status=Enrollment.Status.DECLINED)
    TrainingCourseFactory(title="Closed training", is_published=False)
    TrainingCourseFactory(
        title="Started training",
        starts_on=timezone.localdate() - timedelta(days=1),
        ends_on=timezone.localdate() + timedelta(days=2),
    )

    page = client.get(TRAINING_LIST).content.decode()

    assert "Training in Madrid" in page and "Margaret Ellis" in page
    assert "2 places left" in page
    assert (
        "Strokes and techniques" in page and "Research" in page and "Marketing your own classes" not in page
    )
    assert "€450.00" in page
    assert "Closed training" not in page and "Started training" not in page
    assert "to 6 families" in page


@pytest.mark.django_db
def test_anonymous_visitor_is_asked_to_sign_in_before_applying(client):
    training = TrainingCourseFactory()

    response = client.get(apply_url(training))

    assert response.status_code == 302 and reverse("account_login") in response["Location"]


@pytest.mark.django_db
def test_trainee_applies_and_is_emailed(client, trainee, django_capture_on_commit_callbacks):
    training = TrainingCourseFactory(title="Training in Madrid")
    client.force_login(trainee)
    assert client.get(apply_url(training)).status_code == 200

    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            apply_url(training), {**ANSWERS, "background": "other", "background_other": "GP"}
        )

    assert response.status_code == 302 and response["Location"] == reverse("certification:progress")
    enrollment = Enrollment.objects.get(trainee=trainee)
    assert (enrollment.training, enrollment.status, enrollment.background) == (
        training,
        Enrollment.Status.APPLIED,
        "Other: GP",
    )
    email = OutgoingEmail.objects.get(key=f"training-application-received:{enrollment.pk}")
    assert email.to_email == trainee.email and "Training in Madrid" in email.subject


@pytest.mark.django_db
def test_missing_answers_are_shown_next_to_the_fields_and_change_nothing(client, trainee):
    client.force_login(trainee)
    training = TrainingCourseFactory()

    response = client.post(apply_url(training), {"background": "other", "experience": "", "motivation": "x"})

    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"background_other", "experience"}
    assert 'aria-invalid="true"' in response.content.decode()
    assert not Enrollment.objects.exists()


@pytest.mark.django_db
def test_unverified_account_cannot_apply(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post(apply_url(TrainingCourseFactory()), ANSWERS)

    assert response.status_code == 200
    assert "Please confirm your email address" in response.content.decode()
    assert not Enrollment.objects.exists()


@pytest.mark.django_db
def test_second_application_goes_to_the_progress_page(client, trainee):
    enrollment = EnrollmentFactory(trainee=trainee)
    client.force_login(trainee)

    response = client.post(apply_url(enrollment.training), ANSWERS)

    assert response["Location"] == reverse("certification:progress")
    assert Enrollment.objects.count() == 1


@pytest.mark.django_db
def test_full_training_refuses_the_application_with_a_plain_message(client, trainee):
    training = TrainingCourseFactory(capacity=1)
    EnrollmentFactory(training=training)
    client.force_login(trainee)

    response = client.post(apply_url(training), ANSWERS, follow=True)

    assert "this training is full" in response.content.decode()
    assert not Enrollment.objects.filter(trainee=trainee).exists()
    assert "Apply</a>" not in client.get(TRAINING_LIST).content.decode()


@pytest.mark.django_db
def test_service_refuses_unpublished_started_and_duplicate_applications(trainee):
    with pytest.raises(CertificationError, match="not open"):
        services.apply_for_training(TrainingCourseFactory(is_published=False), trainee=trainee, **ANSWERS)
    started = TrainingCourseFactory(
        starts_on=timezone.localdate(), ends_on=timezone.localdate() + timedelta(days=3)
    )
    with pytest.raises(CertificationError, match="already started"):
        services.apply_for_training(started, trainee=trainee, **ANSWERS)
    training = TrainingCourseFactory()
    services.apply_for_training(training, trainee=trainee, **ANSWERS)
    with pytest.raises(CertificationError, match="already applied"):
        services.apply_for_training(training, trainee=trainee, **ANSWERS)


@pytest.mark.django_db
def test_holder_of_an_active_certificate_need_not_train_again(instructor):
    CertificateFactory(holder=instructor)

    with pytest.raises(CertificationError, match="active certificate"):
        services.apply_for_training(TrainingCourseFactory(), trainee=instructor, **ANSWERS)


@pytest.mark.django_db(transaction=True)
def test_two_people_applying_for_the_last_place_at_once_get_one_place():
    training = TrainingCourseFactory(capacity=1)
    applicants = [UserFactory(), UserFactory()]
    barrier = threading.Barrier(len(applicants))
    outcomes: list[str] = []

    def apply(person) -> None:
        try:
            barrier.wait(timeout=10)
            services.apply_for_training(training, trainee=person, **ANSWERS)
            outcomes.append("applied")
        except CertificationError:
            outcomes.append("full")
        finally:
            connection.close()

    threads = [threading.Thread(target=apply, args=(person,)) for person in applicants]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["applied", "full"]
    assert Enrollment.objects.filter(training=training).count() == 1


@pytest.mark.django_db
def test_accepting_sets_the_deadline_and_emails_the_trainee(staff, settings):
    settings.CERTIFICATION_DEADLINE_MONTHS = 6
    enrollment = EnrollmentFactory()

    accepted = services.accept_enrollment(enrollment, actor=staff)

    assert accepted.status == Enrollment.Status.ACCEPTED
    assert accepted.deadline.month == (enrollment.training.ends_on.month + 6 - 1) % 12 + 1
    assert OutgoingEmail.objects.filter(key=f"training-application-accepted:{enrollment.pk}").exists()


@pytest.mark.django_db
def test_declining_frees_the_place_and_emails_the_trainee(staff):
    enrollment = EnrollmentFactory(training=TrainingCourseFactory(capacity=1))

    declined = services.decline_enrollment(enrollment, actor=staff)

    assert declined.status == Enrollment.Status.DECLINED
    assert OutgoingEmail.objects.filter(key=f"training-application-declined:{enrollment.pk}").exists()
    services.apply_for_training(enrollment.training, trainee=UserFactory(), **ANSWERS)
    with pytest.raises(CertificationError, match="Only a new application"):
        services.decline_enrollment(declined, actor=staff)
