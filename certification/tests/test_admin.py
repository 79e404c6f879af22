"""Django admin: every page renders, the outbox is readable and retryable, statuses with rules stay
read-only, certificates are issued by the action, and trainers see only their own trainings' enrollments."""

from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser
from io import StringIO

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import CERTIFICATION_ADMINS_GROUP, TRAINERS_GROUP
from accounts.tests.factories import UserFactory
from certification.models import Certificate, CertificateEvent, Enrollment
from certification.tests.factories import CertificateEventFactory, EnrollmentFactory, TrainingCourseFactory
from classes.models import Attendance, Booking, Course, Session
from classes.tests.factories import (
    AttendanceFactory,
    BookingFactory,
    CourseFactory,
    EvaluationFactory,
    SessionFactory,
)
from notifications.models import OutgoingEmail
from notifications.tests.factories import EmailAttachmentFactory, OutgoingEmailFactory


class _FormData(HTMLParser):
    """What a browser would submit from the admin's change form (the <form id="…_form">)."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._in_form = False
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def _add(self, name: str, value: str) -> None:
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and (attributes.get("id") or "").endswith("_form"):
            self._in_form = True
        if not self._in_form or (not attributes.get("name") and tag != "option"):
            return
        if tag == "input":
            kind = attributes.get("type", "text")
            if kind in {"submit", "button", "reset", "image", "file"}:
                return
            if kind in {"checkbox", "radio"}:
                if "checked" in attributes:
                    self._add(attributes["name"], attributes.get("value") or "on")
                return
            self._add(attributes["name"], attributes.get("value") or "")
        elif tag == "select":
            self._select = attributes["name"]
        elif tag == "option" and self._select and "selected" in attributes:
            self._add(self._select, attributes.get("value") or "")
        elif tag == "textarea":
            self._textarea, self._text = attributes["name"], []

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self._add(self._textarea, "".join(self._text).removeprefix("\n"))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)


def form_data(response) -> dict[str, list[str]]:
    parser = _FormData()
    parser.feed(response.content.decode())
    return parser.data


def shown_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def change_page(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


@pytest.fixture
def trainers_group(db) -> Group:
    return Group.objects.get(name=TRAINERS_GROUP)


@pytest.fixture
def trainer(trainers_group):
    user = UserFactory(email="trudy@example.org", full_name="Trudy Trainer", is_staff=True)
    user.groups.add(trainers_group)
    return user


def test_every_admin_page_renders_on_demo_data(client, staff, rf):
    call_command("seed_demo", stdout=StringIO(), stderr=StringIO())
    client.force_login(staff)
    request = rf.get("/admin/")
    request.user = staff
    failures = []
    for model, model_admin in admin.site._registry.items():
        urls = [changelist(model)]
        first = model_admin.get_queryset(request).order_by("pk").first()
        if first is not None:
            urls.append(change_page(first))
        if model_admin.has_add_permission(request):
            urls.append(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add"))
        for url in urls:
            status = client.get(url).status_code
            if status != 200:
                failures.append((url, status))

    assert failures == []


def build_courses(count: int) -> None:
    for _ in range(count):
        course = CourseFactory()
        for _week in range(3):
            SessionFactory(course=course)
            BookingFactory(course=course)


def build_attendance(count: int) -> None:
    for _ in range(count):
        AttendanceFactory()


def build_certificates(count: int) -> None:
    for _ in range(count):
        CertificateEventFactory()


@pytest.mark.parametrize(
    ("models", "build"),
    [
        ((Course, Booking, Session), build_courses),
        ((Attendance,), build_attendance),
        ((Certificate, CertificateEvent), build_certificates),
    ],
)
def test_changelist_queries_do_not_grow_with_rows(client, staff, models, build):
    client.force_login(staff)
    build(2)
    few = {}
    for model in models:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(changelist(model)).status_code == 200
        few[model] = len(queries)
    build(4)
    more = {}
    for model in models:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(changelist(model)).status_code == 200
        more[model] = len(queries)

    assert more == few


def test_outbox_change_page_shows_the_stored_bodies_safely(client, staff):
    outgoing = OutgoingEmailFactory(
        body_text="Hello Alice,\nsee you on <Tuesday>.\n",
        body_html='<p onclick="steal()">Hi & "welcome"</p>',
    )
    attachment = EmailAttachmentFactory(email=outgoing)
    client.force_login(staff)

    page = client.get(change_page(outgoing)).content.decode()

    assert "<pre" in page and "see you on &lt;Tuesday&gt;." in page
    assert 'sandbox=""' in page
    assert 'srcdoc="&lt;p onclick=&quot;steal()&quot;&gt;Hi &amp; &quot;welcome&quot;&lt;/p&gt;"' in page
    assert '<p onclick="steal()">' not in page
    assert reverse("notifications:attachment_download", args=[attachment.pk]) in page
    assert 'name="subject"' not in page


def test_outbox_rows_cannot_be_added_by_hand(client, staff):
    client.force_login(staff)

    assert client.get(reverse("admin:notifications_outgoingemail_add")).status_code == 403


def test_retry_action_requeues_a_failed_email_and_skips_a_sent_one(client, staff):
    failed = OutgoingEmailFactory(status=OutgoingEmail.Status.FAILED, attempts=6, last_error="SMTP said no")
    sent = OutgoingEmailFactory(sent=True)
    client.force_login(staff)

    response = client.post(
        changelist(OutgoingEmail),
        {"action": "retry_sending", "_selected_action": [failed.pk, sent.pk]},
        follow=True,
    )

    failed.refresh_from_db()
    sent.refresh_from_db()
    assert (failed.status, failed.attempts) == (OutgoingEmail.Status.QUEUED, 0)
    assert sent.status == OutgoingEmail.Status.SENT
    assert "1 email re-queued." in shown_messages(response)
    assert any("1 email skipped" in message for message in shown_messages(response))


def test_course_status_is_read_only_in_the_change_form(client, staff):
    course = CourseFactory(draft=True)
    SessionFactory(course=course)
    SessionFactory(course=course)
    client.force_login(staff)
    page = client.get(change_page(course))
    assert 'name="status"' not in page.content.decode()
    data = form_data(page)
    data.update(status=["published"], title=["Baby massage, renamed"], _save=["Save"])

    response = client.post(change_page(course), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    course.refresh_from_db()
    assert course.title == "Baby massage, renamed"
    assert course.status == Course.Status.DRAFT


def test_capacity_cannot_go_below_places_taken(client, staff):
    course = CourseFactory(capacity=4)
    SessionFactory(course=course)
    BookingFactory(course=course)
    BookingFactory(course=course)
    client.force_login(staff)
    data = form_data(client.get(change_page(course)))
    data.update(capacity=["1"], _save=["Save"])

    response = client.post(change_page(course), data)

    assert response.status_code == 200
    assert "capacity" in response.context["adminform"].form.errors
    course.refresh_from_db()
    assert course.capacity == 4


def eligible_for_practicum_of_one(training) -> Enrollment:
    """An accepted, attended, passed and paid enrollment whose trainee taught one practicum family, which
    sent its evaluation."""
    enrollment = EnrollmentFactory(
        training=training,
        accepted=True,
        deadline=timezone.localdate() + timedelta(days=120),
        training_attended=True,
        exam_score=90,
        fee_paid=True,
    )
    course = CourseFactory(instructor=enrollment.trainee, is_practicum=True)
    session = SessionFactory(course=course, starts_at=timezone.now() - timedelta(days=14))
    booking = BookingFactory(course=course)
    AttendanceFactory(booking=booking, session=session)
    EvaluationFactory(booking=booking)
    return enrollment


@pytest.fixture
def past_training(trainer):
    today = timezone.localdate()
    return TrainingCourseFactory(
        trainer=trainer, starts_on=today - timedelta(days=60), ends_on=today - timedelta(days=57)
    )


def test_issue_certificate_action_issues_the_eligible_and_names_what_the_other_lacks(
    client, staff, settings, past_training
):
    settings.CERTIFICATION_PRACTICUM_FAMILIES = 1
    eligible = eligible_for_practicum_of_one(past_training)
    unpaid = EnrollmentFactory(
        training=past_training,
        trainee=UserFactory(full_name="Uma Unpaid"),
        accepted=True,
        deadline=timezone.localdate() + timedelta(days=120),
        training_attended=True,
        exam_score=85,
    )
    client.force_login(staff)

    response = client.post(
        changelist(Enrollment),
        {"action": "issue_certificates", "_selected_action": [eligible.pk, unpaid.pk]},
        follow=True,
    )

    assert list(Certificate.objects.values_list("enrollment", flat=True)) == [eligible.pk]
    unpaid.refresh_from_db()
    assert unpaid.status == Enrollment.Status.ACCEPTED
    refusals = [message for message in shown_messages(response) if "Uma Unpaid" in message]
    assert len(refusals) == 1
    assert "The training fee (€450.00) is not paid." in refusals[0]
    assert "1 issued, 1 not eligible." in shown_messages(response)


def test_trainer_sees_only_enrollments_of_trainings_they_lead(client, trainer, past_training):
    own = EnrollmentFactory(training=past_training)
    others = EnrollmentFactory(training=TrainingCourseFactory())
    client.force_login(trainer)

    response = client.get(changelist(Enrollment))

    assert list(response.context["cl"].result_list) == [own]
    assert client.get(change_page(own)).status_code == 200
    assert client.get(change_page(others)).status_code in (302, 404)


def test_trainer_cannot_issue_certificates(client, trainer, past_training, settings):
    settings.CERTIFICATION_PRACTICUM_FAMILIES = 1
    eligible = eligible_for_practicum_of_one(past_training)
    client.force_login(trainer)

    choices = dict(client.get(changelist(Enrollment)).context["action_form"].fields["action"].choices)
    client.post(changelist(Enrollment), {"action": "issue_certificates", "_selected_action": [eligible.pk]})

    assert "issue_certificates" not in choices
    assert "accept_applications" in choices
    assert not Certificate.objects.exists()


def test_certification_admin_sees_every_enrollment_and_may_issue(client, past_training):
    certification_admin = UserFactory(is_staff=True)
    certification_admin.groups.add(Group.objects.get(name=CERTIFICATION_ADMINS_GROUP))
    own = EnrollmentFactory(training=past_training)
    others = EnrollmentFactory(training=TrainingCourseFactory())
    client.force_login(certification_admin)

    response = client.get(changelist(Enrollment))

    assert set(response.context["cl"].result_list) == {own, others}
    assert "issue_certificates" in dict(response.context["action_form"].fields["action"].choices)
    assert client.get(reverse("admin:certification_trainingcourse_add")).status_code == 200


def test_trainer_records_the_exam_score_but_not_the_fee(client, trainer, past_training):
    enrollment = EnrollmentFactory(training=past_training, accepted=True)
    client.force_login(trainer)
    data = form_data(client.get(change_page(enrollment)))
    assert "fee_paid" not in data and "status" not in data
    data.update(
        training_attended=["on"], exam_score=["91"], fee_paid=["on"], status=["certified"], _save=["Save"]
    )

    response = client.post(change_page(enrollment), data)

    assert response.status_code == 302
    enrollment.refresh_from_db()
    assert (enrollment.training_attended, enrollment.exam_score) == (True, 91)
    assert enrollment.fee_paid is False
    assert enrollment.status == Enrollment.Status.ACCEPTED


def test_certificates_are_view_only(client, staff, settings, past_training):
    settings.CERTIFICATION_PRACTICUM_FAMILIES = 1
    eligible = eligible_for_practicum_of_one(past_training)
    client.force_login(staff)
    client.post(changelist(Enrollment), {"action": "issue_certificates", "_selected_action": [eligible.pk]})
    certificate = Certificate.objects.get()

    page = client.get(change_page(certificate)).content.decode()

    assert certificate.number in page and "Valid" in page
    assert 'name="name_on_certificate"' not in page
    assert client.get(reverse("admin:certification_certificate_add")).status_code == 403
    delete = reverse("admin:certification_certificate_delete", args=[certificate.pk])
    assert client.get(delete).status_code == 403
