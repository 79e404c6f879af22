"""Issuing: one certificate per enrollment however admins click, and the PDF emailed exactly once after
commit however often the task runs."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.utils import timezone

from certification import services, tasks
from certification.models import Certificate, CertificateEvent, Enrollment
from certification.services import CertificationError, issue_certificate
from certification.services.certificates import EmailOutcome
from certification.tests.factories import eligible_enrollment
from notifications.models import OutgoingEmail


@pytest.fixture
def run_tasks_inline(monkeypatch):
    """No worker runs in these tests: queueing the certificate task runs it at once (after commit)."""
    monkeypatch.setattr(
        tasks.queue_certificate_email,
        "apply_async",
        lambda args, **options: tasks.queue_certificate_email(*args),
    )


@pytest.mark.django_db
def test_issuing_creates_a_numbered_certificate_valid_for_the_set_months(staff, settings):
    settings.CERTIFICATION_VALIDITY_MONTHS = 24
    enrollment = eligible_enrollment()

    certificate = issue_certificate(enrollment, actor=staff)

    assert re.fullmatch(rf"IMC-{certificate.issued_at.year}-\d{{5}}", certificate.number)
    assert len(certificate.token) == 32
    assert certificate.name_on_certificate == enrollment.trainee.full_name
    assert certificate.valid_until == certificate.issued_at + relativedelta(months=24)
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.CERTIFIED
    event = certificate.events.get()
    assert (event.kind, event.actor) == (CertificateEvent.Kind.ISSUED, staff)


@pytest.mark.django_db
def test_numbers_follow_each_other_within_a_year(staff):
    first = issue_certificate(eligible_enrollment(), actor=staff)
    second = issue_certificate(eligible_enrollment(), actor=staff)

    assert int(second.number.rsplit("-", 1)[1]) == int(first.number.rsplit("-", 1)[1]) + 1


@pytest.mark.django_db
def test_issuing_twice_is_refused_and_leaves_one_certificate(staff):
    enrollment = eligible_enrollment()
    issue_certificate(enrollment, actor=staff)

    with pytest.raises(CertificationError, match="already issued"):
        issue_certificate(enrollment, actor=staff)

    assert Certificate.objects.filter(enrollment=enrollment).count() == 1


@pytest.mark.django_db
def test_an_ineligible_enrollment_gets_no_certificate_and_hears_why(staff):
    enrollment = eligible_enrollment(fee_paid=False)

    with pytest.raises(CertificationError, match=r"The training fee \(€450\.00\) is not paid\."):
        issue_certificate(enrollment, actor=staff)

    assert not Certificate.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_admins_issuing_at_the_same_moment_make_one_certificate():
    enrollment = eligible_enrollment()
    admins = [enrollment.training.trainer, enrollment.trainee]
    barrier = threading.Barrier(len(admins))
    outcomes: list[str] = []

    def issue(actor) -> None:
        try:
            barrier.wait(timeout=10)
            issue_certificate(enrollment, actor=actor)
            outcomes.append("issued")
        except CertificationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(admin,)) for admin in admins]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["issued", "refused"]
    assert Certificate.objects.filter(enrollment=enrollment).count() == 1
    assert CertificateEvent.objects.filter(kind=CertificateEvent.Kind.ISSUED).count() == 1


@pytest.mark.django_db
def test_issuing_emails_the_pdf_only_after_commit(
    staff, run_tasks_inline, django_capture_on_commit_callbacks
):
    enrollment = eligible_enrollment()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        certificate = issue_certificate(enrollment, actor=staff)
    assert not OutgoingEmail.objects.filter(template="certificate_issued").exists()
    for callback in callbacks:
        callback()

    email = OutgoingEmail.objects.get(template="certificate_issued")
    assert email.key == f"certificate-issued:{certificate.pk}:1"
    assert email.to_email == enrollment.trainee.email
    assert [attachment.filename for attachment in email.attachments.all()] == [f"{certificate.number}.pdf"]


@pytest.mark.django_db
def test_email_task_run_twice_sends_one_email_with_the_pdf(staff):
    certificate = issue_certificate(eligible_enrollment(), actor=staff)

    first = tasks.queue_certificate_email(certificate.pk, 1)
    second = tasks.queue_certificate_email(certificate.pk, 1)

    assert (first, second) == (EmailOutcome.QUEUED, EmailOutcome.ALREADY_QUEUED)
    email = OutgoingEmail.objects.get(key=f"certificate-issued:{certificate.pk}:1")
    attachment = email.attachments.get()
    assert attachment.content_type == "application/pdf"
    with attachment.file.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"
    certificate.refresh_from_db()
    assert certificate.pdf.name.endswith(".pdf") and certificate.pdf_revision == certificate.revision
    assert certificate.emailed_version == 1 and certificate.email_requested_at is None
    emailed = certificate.events.filter(kind=CertificateEvent.Kind.EMAILED)
    assert emailed.count() == 1
    assert emailed.get().actor == staff


@pytest.mark.django_db(transaction=True)
def test_email_task_run_twice_at_the_same_moment_sends_one_email():
    certificate = issue_certificate(eligible_enrollment(), actor=None)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            outcomes.append(services.queue_certificate_email(certificate.pk, version=1))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == [EmailOutcome.ALREADY_QUEUED, EmailOutcome.QUEUED]
    assert OutgoingEmail.objects.filter(template="certificate_issued").count() == 1
    assert CertificateEvent.objects.filter(kind=CertificateEvent.Kind.EMAILED).count() == 1


@pytest.mark.django_db
def test_an_older_email_request_gives_way_to_the_newer_one(staff):
    certificate = issue_certificate(eligible_enrollment(), actor=staff)
    services.resend_certificate(certificate, actor=staff)

    assert services.queue_certificate_email(certificate.pk, version=1) == EmailOutcome.SUPERSEDED
    assert services.queue_certificate_email(certificate.pk, version=2) == EmailOutcome.QUEUED
    assert list(
        OutgoingEmail.objects.values_list("key", flat=True).filter(template="certificate_issued")
    ) == [f"certificate-issued:{certificate.pk}:2"]


@pytest.mark.django_db
def test_a_certificate_revoked_before_its_email_went_out_is_not_emailed(staff):
    certificate = issue_certificate(eligible_enrollment(), actor=staff)
    services.revoke_certificate(
        certificate, actor=staff, reason="Fraudulent exam.", public_statement="Revoked."
    )

    assert services.queue_certificate_email(certificate.pk, version=1) == EmailOutcome.NOT_VALID
    assert not OutgoingEmail.objects.filter(template="certificate_issued").exists()


@pytest.mark.django_db
def test_sweep_queues_again_a_certificate_email_whose_task_was_lost(staff, run_tasks_inline):
    certificate = issue_certificate(eligible_enrollment(), actor=staff)

    assert services.requeue_pending_certificate_emails() == 0
    queued = services.requeue_pending_certificate_emails(now=timezone.now() + timedelta(minutes=3))

    assert queued == 1
    assert OutgoingEmail.objects.filter(key=f"certificate-issued:{certificate.pk}:1").exists()
    assert services.requeue_pending_certificate_emails(now=timezone.now() + timedelta(minutes=3)) == 0
