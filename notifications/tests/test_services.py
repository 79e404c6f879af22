"""The outbox: rows written with the change that causes them, delivered once, outside any transaction."""

from __future__ import annotations

import smtplib
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from notifications import tasks
from notifications.models import EmailAttachment, OutgoingEmail
from notifications.services import (
    Attachment,
    DeliveryOutcome,
    build_message,
    deliver_email,
    enqueue_delivery,
    purge_sent_email_bodies,
    queue_email,
    requeue_stuck_emails,
    retry_email,
)
from notifications.tests.factories import EmailAttachmentFactory, OutgoingEmailFactory


class FailingBackend(BaseEmailBackend):
    """An SMTP server that hangs up on every message."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class TransactionRecordingBackend(BaseEmailBackend):
    """Remembers whether a transaction was open on this thread's connection while "SMTP" ran."""

    in_atomic_block: list[bool] = []

    def send_messages(self, email_messages):
        self.in_atomic_block.append(connection.in_atomic_block)
        return len(email_messages)


def _queue(user, key: str = "test:greeting", **extra) -> OutgoingEmail:
    return queue_email(
        to_email=user.email,
        template="outbox_test",
        context={"name": user.full_name},
        key=key,
        user=user,
        **extra,
    )


@pytest.mark.django_db
def test_queued_email_is_written_in_the_callers_transaction_and_delivered_after_commit(
    django_capture_on_commit_callbacks, parent, enqueued
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        email = _queue(parent)
        assert OutgoingEmail.objects.filter(pk=email.pk, status=OutgoingEmail.Status.QUEUED).exists()
        assert enqueued == []

    assert len(callbacks) == 1
    assert enqueued == [(email.pk, None)]


@pytest.mark.django_db(transaction=True)
def test_rolled_back_change_leaves_no_email_and_queues_no_delivery(parent, enqueued):
    with pytest.raises(RuntimeError, match="booking failed"), transaction.atomic():
        _queue(parent)
        raise RuntimeError("booking failed")

    assert not OutgoingEmail.objects.exists()
    assert enqueued == []


@pytest.mark.django_db(transaction=True)
def test_committed_email_is_handed_to_the_worker(parent, enqueued):
    with transaction.atomic():
        email = _queue(parent)

    assert enqueued == [(email.pk, None)]


@pytest.mark.django_db
def test_queueing_the_same_key_twice_keeps_one_row(parent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        first = _queue(parent, key="reminder:1:2:2026-05-04T10:00")
        second = _queue(parent, key="reminder:1:2:2026-05-04T10:00")

    assert second.pk == first.pk
    assert OutgoingEmail.objects.count() == 1
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_email_is_rendered_in_the_recipients_language_when_queued(parent):
    parent.preferred_language = "es"
    parent.save(update_fields=["preferred_language"])

    email = _queue(parent)

    assert email.language == "es"
    assert email.template == "outbox_test"
    assert email.subject == "Hello Alice Alvarez"
    assert "LANG=es" in email.body_text
    assert "LANG=es" in email.body_html
    assert email.body_html.startswith("<!doctype html>")


@pytest.mark.django_db
def test_email_to_an_english_speaker_is_rendered_in_english(other_parent):
    email = _queue(other_parent)

    assert email.language == "en"
    assert "LANG=en" in email.body_text


@pytest.mark.django_db
def test_explicit_language_overrides_the_recipients(parent):
    email = _queue(parent, language="es")

    assert email.language == "es"
    assert "LANG=es" in email.body_text


@pytest.mark.django_db
def test_attachments_are_stored_as_files_and_attached_when_sent(parent):
    guide = Attachment(
        filename="home-practice.pdf", content=b"%PDF-1.4 strokes", content_type="application/pdf"
    )

    email = _queue(parent, attachments=[guide])

    stored = EmailAttachment.objects.get(email=email)
    assert stored.filename == "home-practice.pdf"
    assert Path(stored.file.path).read_bytes() == b"%PDF-1.4 strokes"
    message = build_message(email)
    assert [tuple(attachment) for attachment in message.attachments] == [
        ("home-practice.pdf", b"%PDF-1.4 strokes", "application/pdf")
    ]


@pytest.mark.django_db(transaction=True)
def test_delivery_sends_once_and_marks_the_row_sent():
    email = OutgoingEmailFactory(to_email="alice@example.org", subject="Your booking", key="booking:7")

    outcome = deliver_email(email.pk)

    assert outcome == (DeliveryOutcome.SENT, None)
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["alice@example.org"]
    assert sent.subject == "Your booking"
    assert sent.extra_headers["X-Outbox-Key"] == "booking:7"
    assert sent.alternatives[0].mimetype == "text/html"
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT
    assert email.sent_at is not None
    assert email.attempts == 1
    assert email.last_error == ""


@pytest.mark.django_db(transaction=True)
def test_delivering_a_sent_email_again_does_nothing():
    email = OutgoingEmailFactory()
    deliver_email(email.pk)

    outcome = deliver_email(email.pk)

    assert outcome == (DeliveryOutcome.NOT_CLAIMED, None)
    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.attempts == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_delivering_one_email_at_once_send_it_once():
    email = OutgoingEmailFactory()
    barrier = threading.Barrier(2)
    outcomes: list[DeliveryOutcome] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait(timeout=10)
            outcomes.append(deliver_email(email.pk)[0])
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sorted(outcomes) == sorted([DeliveryOutcome.SENT, DeliveryOutcome.NOT_CLAIMED])
    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.attempts == 1
    assert email.status == OutgoingEmail.Status.SENT


@pytest.mark.django_db(transaction=True)
def test_smtp_failure_schedules_a_retry_then_gives_up_after_the_last_attempt(settings, enqueued):
    settings.EMAIL_BACKEND = "notifications.tests.test_services.FailingBackend"
    settings.OUTBOX_MAX_ATTEMPTS = 2
    email = OutgoingEmailFactory()

    outcome, delay = deliver_email(email.pk)

    assert outcome == DeliveryOutcome.RETRY
    assert delay == settings.OUTBOX_RETRY_BASE_SECONDS
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.QUEUED
    assert email.attempts == 1
    assert email.next_attempt_at > timezone.now()
    assert "SMTPServerDisconnected" in email.last_error
    assert deliver_email(email.pk) == (DeliveryOutcome.NOT_CLAIMED, None)

    with time_machine.travel(email.next_attempt_at + timedelta(seconds=1), tick=False):
        outcome, delay = deliver_email(email.pk)

    assert (outcome, delay) == (DeliveryOutcome.FAILED, None)
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.FAILED
    assert email.attempts == 2
    assert "SMTPServerDisconnected" in email.last_error
    assert mail.outbox == []

    assert retry_email(email) is True

    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.QUEUED
    assert email.attempts == 0
    assert enqueued == [(email.pk, None)]


@pytest.mark.django_db(transaction=True)
def test_retry_waits_longer_after_each_failure(settings):
    settings.EMAIL_BACKEND = "notifications.tests.test_services.FailingBackend"
    email = OutgoingEmailFactory()
    delays = []

    for _ in range(3):
        email.refresh_from_db()
        with time_machine.travel(email.next_attempt_at, tick=False):
            delays.append(deliver_email(email.pk)[1])

    base = settings.OUTBOX_RETRY_BASE_SECONDS
    assert delays == [base, 2 * base, 4 * base]


@pytest.mark.django_db
def test_retry_leaves_a_sent_email_alone(enqueued):
    email = OutgoingEmailFactory(sent=True)

    assert retry_email(email) is False

    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT
    assert enqueued == []


@pytest.mark.django_db(transaction=True)
def test_no_transaction_is_open_while_smtp_is_called(settings):
    settings.EMAIL_BACKEND = "notifications.tests.test_services.TransactionRecordingBackend"
    TransactionRecordingBackend.in_atomic_block.clear()
    email = OutgoingEmailFactory()

    assert deliver_email(email.pk) == (DeliveryOutcome.SENT, None)

    assert TransactionRecordingBackend.in_atomic_block == [False]


@pytest.mark.django_db(transaction=True)
def test_delivery_inside_a_transaction_is_refused():
    email = OutgoingEmailFactory()

    with transaction.atomic(), pytest.raises(RuntimeError, match="inside a transaction"):
        deliver_email(email.pk)

    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.QUEUED
    assert email.attempts == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_sweeper_requeues_an_email_stuck_in_sending(settings, enqueued):
    now = timezone.now()
    stuck = OutgoingEmailFactory(
        status=OutgoingEmail.Status.SENDING,
        attempts=1,
        claimed_at=now - timedelta(seconds=settings.OUTBOX_SENDING_STUCK_SECONDS + 1),
    )
    busy = OutgoingEmailFactory(status=OutgoingEmail.Status.SENDING, attempts=1, claimed_at=now)

    assert requeue_stuck_emails() == 1

    stuck.refresh_from_db()
    busy.refresh_from_db()
    assert stuck.status == OutgoingEmail.Status.QUEUED
    assert stuck.next_attempt_at <= timezone.now()
    assert stuck.last_error
    assert busy.status == OutgoingEmail.Status.SENDING
    assert enqueued == [(stuck.pk, None)]


@pytest.mark.django_db
def test_sweeper_gives_up_on_an_email_stuck_in_sending_after_the_last_attempt(settings, enqueued):
    stuck = OutgoingEmailFactory(
        status=OutgoingEmail.Status.SENDING,
        attempts=settings.OUTBOX_MAX_ATTEMPTS,
        claimed_at=timezone.now() - timedelta(seconds=settings.OUTBOX_SENDING_STUCK_SECONDS + 1),
    )

    assert requeue_stuck_emails() == 0

    stuck.refresh_from_db()
    assert stuck.status == OutgoingEmail.Status.FAILED
    assert enqueued == []


@pytest.mark.django_db
def test_sweeper_requeues_an_overdue_queued_email_but_not_a_fresh_one(settings, enqueued):
    now = timezone.now()
    overdue = OutgoingEmailFactory(
        next_attempt_at=now - timedelta(seconds=settings.OUTBOX_QUEUED_STUCK_SECONDS + 1)
    )
    fresh = OutgoingEmailFactory(next_attempt_at=now)
    waiting_for_retry = OutgoingEmailFactory(next_attempt_at=now + timedelta(minutes=5), attempts=1)

    assert requeue_stuck_emails() == 1

    assert enqueued == [(overdue.pk, None)]
    assert {fresh.pk, waiting_for_retry.pk}.isdisjoint(email_id for email_id, _ in enqueued)


@pytest.mark.django_db
def test_purge_blanks_old_sent_bodies_and_keeps_the_metadata(settings):
    now = timezone.now()
    retention = timedelta(days=settings.OUTBOX_RETENTION_DAYS)
    old = OutgoingEmailFactory(
        sent=True, sent_at=now - retention - timedelta(days=1), subject="Your certificate"
    )
    recent = OutgoingEmailFactory(sent=True, sent_at=now - retention + timedelta(days=1))
    old_but_queued = OutgoingEmailFactory(created_at=now - retention - timedelta(days=5))

    assert purge_sent_email_bodies() == 1

    purged = OutgoingEmail.objects.get(pk=old.pk)
    assert (purged.body_text, purged.body_html) == ("", "")
    assert purged.body_purged_at is not None
    assert (purged.key, purged.to_email, purged.subject, purged.status, purged.sent_at) == (
        old.key,
        old.to_email,
        "Your certificate",
        OutgoingEmail.Status.SENT,
        old.sent_at,
    )
    for untouched in (recent, old_but_queued):
        kept = OutgoingEmail.objects.get(pk=untouched.pk)
        assert (kept.body_text, kept.body_html) == (untouched.body_text, untouched.body_html)
        assert kept.body_purged_at is None


@pytest.mark.django_db
def test_purge_deletes_the_attachments_of_old_sent_emails(settings, django_capture_on_commit_callbacks):
    attachment = EmailAttachmentFactory(
        email__sent=True, email__sent_at=timezone.now() - timedelta(days=settings.OUTBOX_RETENTION_DAYS + 1)
    )
    stored_file = Path(attachment.file.path)
    assert stored_file.exists()

    with django_capture_on_commit_callbacks(execute=True):
        purge_sent_email_bodies()

    assert not EmailAttachment.objects.exists()
    assert not stored_file.exists()


@pytest.mark.django_db
def test_enqueue_delivery_survives_a_broker_that_is_down(monkeypatch, caplog):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.deliver_email, "apply_async", broker_down)

    assert enqueue_delivery(42) is None

    assert "Could not queue delivery of email 42" in caplog.text
