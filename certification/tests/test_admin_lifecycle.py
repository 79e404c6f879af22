"""Certificates' lifecycle in Django admin: a button and a form page for each step, a required reason where
the status changes, the acting user on every event; decisions on applications; trainers kept to their own."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from accounts.models import CERTIFICATION_ADMINS_GROUP, TRAINERS_GROUP
from accounts.tests.factories import UserFactory
from certification.models import Certificate, CertificateEvent, CertificateStatus, Enrollment
from certification.tests.factories import (
    CertificateFactory,
    EnrollmentFactory,
    TrainingCourseFactory,
    past_training,
)
from certification.tests.test_admin import form_data
from classes.models import Course
from classes.tests.factories import CourseFactory
from notifications.models import OutgoingEmail

pytestmark = pytest.mark.django_db


def step_url(certificate: Certificate, step: str) -> str:
    return reverse(f"admin:certification_certificate_{step}", args=[certificate.pk])


def change_url(obj) -> str:
    return reverse(f"admin:certification_{obj._meta.model_name}_change", args=[obj.pk])


@pytest.fixture
def certification_admin():
    user = UserFactory(is_staff=True, full_name="Cora Admin")
    user.groups.add(Group.objects.get(name=CERTIFICATION_ADMINS_GROUP))
    return user


@pytest.fixture
def certificate(instructor):
    return CertificateFactory(holder=instructor)


def test_change_page_offers_the_steps_that_fit_the_status(client, certification_admin, certificate):
    client.force_login(certification_admin)

    page = client.get(change_url(certificate)).content.decode()

    for step in ("resend", "renew", "correct_name", "revoke"):
        assert step_url(certificate, step) in page
    assert step_url(certificate, "reinstate") not in page


def test_revoke_form_lists_the_holders_published_courses_and_requires_both_texts(
    client, certification_admin, certificate
):
    CourseFactory(instructor=certificate.holder, title="Baby massage in Leeds")
    CourseFactory(instructor=certificate.holder, title="A draft course", status=Course.Status.DRAFT)
    client.force_login(certification_admin)

    form_page = client.get(step_url(certificate, "revoke")).content.decode()
    refused = client.post(
        step_url(certificate, "revoke"), {"reason": "Breach of ethics.", "public_statement": ""}
    )

    assert "Baby massage in Leeds" in form_page and "A draft course" not in form_page
    assert refused.status_code == 200 and "public_statement" in refused.context["form"].errors
    certificate.refresh_from_db()
    assert certificate.revoked_at is None


def test_revoking_in_admin_records_who_and_why_and_names_running_courses(
    client, certification_admin, certificate
):
    CourseFactory(instructor=certificate.holder, title="Baby massage in Leeds")
    client.force_login(certification_admin)

    response = client.post(
        step_url(certificate, "revoke"),
        {"reason": "Complaint 2026-14.", "public_statement": "Revoked for a breach of the code of ethics."},
        follow=True,
    )

    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.REVOKED
    assert certificate.revocation_reason == "Complaint 2026-14."
    event = certificate.events.get(kind=CertificateEvent.Kind.REVOKED)
    assert event.actor == certification_admin
    messages = [str(message) for message in response.context["messages"]]
    assert any("Baby massage in Leeds" in message for message in messages)
    assert step_url(certificate, "reinstate") in response.content.decode()


def test_renew_correct_reinstate_and_resend_through_admin(client, certification_admin, certificate):
    client.force_login(certification_admin)
    end = certificate.valid_until

    assert client.post(step_url(certificate, "renew"), {"reason": ""}).status_code == 200
    client.post(step_url(certificate, "renew"), {"reason": "Renewal fee paid."})
    client.post(step_url(certificate, "correct_name"), {"name": "Carol Castro-Ruiz", "reason": "Typo."})
    client.post(step_url(certificate, "resend"), {})
    client.post(step_url(certificate, "revoke"), {"reason": "Mistake.", "public_statement": "Revoked."})
    client.post(step_url(certificate, "reinstate"), {"reason": "Revoked by mistake."})

    certificate.refresh_from_db()
    assert certificate.valid_until > end
    assert certificate.name_on_certificate == "Carol Castro-Ruiz"
    assert certificate.status == CertificateStatus.VALID
    kinds = list(certificate.events.values_list("kind", "actor"))
    assert kinds == [
        (CertificateEvent.Kind.RENEWED, certification_admin.pk),
        (CertificateEvent.Kind.NAME_CORRECTED, certification_admin.pk),
        (CertificateEvent.Kind.RESEND_REQUESTED, certification_admin.pk),
        (CertificateEvent.Kind.REVOKED, certification_admin.pk),
        (CertificateEvent.Kind.REINSTATED, certification_admin.pk),
    ]


def test_opening_a_step_page_changes_nothing(client, certification_admin, certificate):
    client.force_login(certification_admin)

    for step in ("resend", "renew", "correct_name", "revoke"):
        assert client.get(step_url(certificate, step)).status_code == 200

    assert not certificate.events.exists()
    assert Certificate.objects.get(pk=certificate.pk).revision == certificate.revision


def test_staff_outside_certification_admins_cannot_take_lifecycle_steps(client, certificate):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_certificate"))
    client.force_login(viewer)

    assert client.get(change_url(certificate)).status_code == 200
    response = client.post(step_url(certificate, "revoke"), {"reason": "x", "public_statement": "y"})

    assert response.status_code == 403
    assert Certificate.objects.get(pk=certificate.pk).revoked_at is None


def test_resend_action_on_the_list_queues_valid_ones_and_reports_the_others(client, certification_admin):
    valid = CertificateFactory()
    revoked = CertificateFactory(revoked_at=None)
    Certificate.objects.filter(pk=revoked.pk).update(
        revoked_at=revoked.issued_at, revocation_reason="x", public_statement="y"
    )
    client.force_login(certification_admin)

    response = client.post(
        reverse("admin:certification_certificate_changelist"),
        {"action": "resend_certificates", "_selected_action": [valid.pk, revoked.pk]},
        follow=True,
    )

    messages = [str(message) for message in response.context["messages"]]
    assert "1 certificate email queued." in messages
    assert any(revoked.number in message for message in messages)
    assert CertificateEvent.objects.filter(kind=CertificateEvent.Kind.RESEND_REQUESTED).count() == 1


def test_events_can_be_neither_edited_nor_deleted(client, staff, certificate):
    event = CertificateEvent.objects.create(certificate=certificate, kind=CertificateEvent.Kind.ISSUED)
    client.force_login(staff)

    page = client.get(change_url(event)).content.decode()

    assert 'name="kind"' not in page
    assert (
        client.get(reverse("admin:certification_certificateevent_delete", args=[event.pk])).status_code == 403
    )
    assert 'name="events-0-kind"' not in client.get(change_url(certificate)).content.decode()


def test_accept_and_decline_actions_email_the_applicant(client, staff):
    to_accept, to_decline = EnrollmentFactory(), EnrollmentFactory()
    client.force_login(staff)
    changelist = reverse("admin:certification_enrollment_changelist")

    client.post(changelist, {"action": "accept_applications", "_selected_action": [to_accept.pk]})
    client.post(changelist, {"action": "decline_applications", "_selected_action": [to_decline.pk]})

    assert Enrollment.objects.get(pk=to_accept.pk).status == Enrollment.Status.ACCEPTED
    assert Enrollment.objects.get(pk=to_decline.pk).status == Enrollment.Status.DECLINED
    assert set(OutgoingEmail.objects.values_list("template", "to_email")) == {
        ("training_application_accepted", to_accept.trainee.email),
        ("training_application_declined", to_decline.trainee.email),
    }


@pytest.fixture
def trainer():
    user = UserFactory(is_staff=True, full_name="Trudy Trainer")
    user.groups.add(Group.objects.get(name=TRAINERS_GROUP))
    return user


def test_trainer_cannot_edit_or_decide_another_trainers_enrollments(client, trainer):
    others = EnrollmentFactory(training=past_training(), accepted=True)
    pending = EnrollmentFactory(training=TrainingCourseFactory())
    client.force_login(trainer)

    edit = client.post(change_url(others), {"training_attended": "on", "exam_score": "99", "_save": "Save"})
    client.post(
        reverse("admin:certification_enrollment_changelist"),
        {"action": "accept_applications", "_selected_action": [pending.pk]},
    )

    assert edit.status_code in (302, 404)
    others.refresh_from_db()
    assert (others.training_attended, others.exam_score) == (False, None)
    assert Enrollment.objects.get(pk=pending.pk).status == Enrollment.Status.APPLIED


def test_trainer_records_attendance_for_their_own_training(client, trainer):
    own = EnrollmentFactory(training=past_training(trainer=trainer), accepted=True)
    client.force_login(trainer)

    data = form_data(client.get(change_url(own)))
    data.update(training_attended=["on"], exam_score=["85"], _save=["Save"])
    response = client.post(change_url(own), data)

    assert response.status_code == 302
    own.refresh_from_db()
    assert (own.training_attended, own.exam_score) == (True, 85)
