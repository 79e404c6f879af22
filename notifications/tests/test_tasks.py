"""The Celery tasks as a worker runs them: each calls its service for real and owns its retry policy. What a
task hands back to the broker is read from this process's own broker (memory://, config.settings_test), as
Celery published it: the task, its arguments and when it is due."""

from __future__ import annotations

import queue
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from config.celery import app as celery_app
from notifications import tasks
from notifications.models import Heartbeat, OutgoingEmail
from notifications.services import BEAT_HEARTBEAT
from notifications.tests.factories import HeartbeatFactory, OutgoingEmailFactory

FAILING_SMTP = "notifications.tests.test_services.FailingBackend"


@dataclass(frozen=True)
class Published:
    task: str
    args: list
    eta: datetime | None


@pytest.fixture
def published() -> Iterator[Callable[[], list[Published]]]:
    """Read back, in order, every message published to the default queue since the test began."""
    with celery_app.connection_for_write() as connection:
        broker_queue = connection.SimpleQueue(celery_app.conf.task_default_queue)
        broker_queue.clear()

        def read() -> list[Published]:
            messages = []
            while True:
                try:
                    message = broker_queue.get_nowait()
                except queue.Empty:
                    return messages
                message.ack()
                eta = message.headers.get("eta")
                messages.append(
                    Published(
                        task=message.headers["task"],
                        args=message.payload[0],
                        eta=datetime.fromisoformat(eta) if eta else None,
                    )
                )

        try:
            yield read
        finally:
            broker_queue.clear()
            broker_queue.close()


def run(task, *args):
    """The task as a worker runs it (Celery's own tracing), its return value or its exception."""
    return task.apply(args=args).get()


@pytest.mark.django_db(transaction=True)
def test_a_failed_delivery_is_published_again_for_when_its_retry_is_due(settings, published):
    settings.EMAIL_BACKEND = FAILING_SMTP
    now = timezone.now().replace(microsecond=0)
    email = OutgoingEmailFactory(next_attempt_at=now)

    with time_machine.travel(now, tick=False):
        assert run(tasks.deliver_email, email.pk) == "retry"

    assert published() == [
        Published(
            "notifications.tasks.deliver_email",
            [email.pk],
            now + timedelta(seconds=settings.OUTBOX_RETRY_BASE_SECONDS),
        )
    ]
    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutgoingEmail.Status.QUEUED, 1)


@pytest.mark.django_db(transaction=True)
def test_each_failure_puts_the_next_attempt_twice_as_far_away(settings, published):
    settings.EMAIL_BACKEND = FAILING_SMTP
    settings.OUTBOX_MAX_ATTEMPTS = 5
    now = timezone.now().replace(microsecond=0)
    email = OutgoingEmailFactory(next_attempt_at=now)
    delays = []

    for _attempt in range(3):
        with time_machine.travel(now, tick=False):
            assert run(tasks.deliver_email, email.pk) == "retry"
        [retry] = published()
        delays.append(retry.eta - now)
        now = retry.eta

    base = settings.OUTBOX_RETRY_BASE_SECONDS
    assert delays == [timedelta(seconds=base), timedelta(seconds=2 * base), timedelta(seconds=4 * base)]


@pytest.mark.django_db(transaction=True)
def test_a_sent_email_publishes_nothing(published):
    email = OutgoingEmailFactory()

    assert run(tasks.deliver_email, email.pk) == "sent"

    assert [message.to for message in mail.outbox] == [[email.to_email]]
    assert published() == []


@pytest.mark.django_db(transaction=True)
def test_the_last_failure_marks_the_email_failed_and_publishes_nothing(settings, published):
    settings.EMAIL_BACKEND = FAILING_SMTP
    settings.OUTBOX_MAX_ATTEMPTS = 1
    email = OutgoingEmailFactory()

    assert run(tasks.deliver_email, email.pk) == "failed"

    assert published() == []
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.FAILED


@pytest.mark.django_db(transaction=True)
def test_an_email_another_worker_claimed_is_neither_sent_nor_published(published):
    email = OutgoingEmailFactory(status=OutgoingEmail.Status.SENDING, claimed_at=timezone.now())

    assert run(tasks.deliver_email, email.pk) == "not-claimed"

    assert mail.outbox == []
    assert published() == []


@pytest.mark.django_db(transaction=True)
def test_a_batch_publishes_the_retry_of_the_row_that_failed_and_hands_back_the_rest_as_one_batch(
    settings, published
):
    settings.EMAIL_BACKEND = FAILING_SMTP
    now = timezone.now().replace(microsecond=0)
    first, second, third = OutgoingEmailFactory.create_batch(3, next_attempt_at=now)

    with time_machine.travel(now, tick=False):
        assert run(tasks.deliver_emails, [first.pk, second.pk, third.pk]) == {"retry": 1}

    assert published() == [
        Published(
            "notifications.tasks.deliver_email",
            [first.pk],
            now + timedelta(seconds=settings.OUTBOX_RETRY_BASE_SECONDS),
        ),
        Published("notifications.tasks.deliver_emails", [[second.pk, third.pk]], None),
    ]


@pytest.mark.django_db(transaction=True)
def test_the_sweeper_hands_a_lost_email_back_to_the_workers(settings, published):
    lost = OutgoingEmailFactory(
        next_attempt_at=timezone.now() - timedelta(seconds=settings.OUTBOX_QUEUED_STUCK_SECONDS + 1)
    )
    OutgoingEmailFactory()

    assert run(tasks.requeue_stuck_emails) == 1

    assert published() == [Published("notifications.tasks.deliver_emails", [[lost.pk]], None)]


@pytest.mark.django_db(transaction=True)
def test_the_purge_blanks_old_sent_emails_and_keeps_recent_ones(settings):
    old = OutgoingEmailFactory(
        sent=True, sent_at=timezone.now() - timedelta(days=settings.OUTBOX_RETENTION_DAYS + 1)
    )
    recent = OutgoingEmailFactory(sent=True)

    assert run(tasks.purge_sent_email_bodies) == 1

    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.body_text, old.body_html, old.body_purged_at is not None) == ("", "", True)
    assert recent.body_text and recent.body_purged_at is None


@pytest.mark.django_db
def test_the_heartbeat_task_records_the_first_beat():
    moment = timezone.now().replace(microsecond=0)

    with time_machine.travel(moment, tick=False):
        run(tasks.record_heartbeat)

    assert Heartbeat.objects.get(name=BEAT_HEARTBEAT).at == moment


@pytest.mark.django_db
def test_the_heartbeat_task_moves_the_existing_beat_forward():
    earlier = timezone.now().replace(microsecond=0) - timedelta(minutes=10)
    HeartbeatFactory(name=BEAT_HEARTBEAT, at=earlier)

    with time_machine.travel(earlier + timedelta(minutes=10), tick=False):
        run(tasks.record_heartbeat)

    assert Heartbeat.objects.get(name=BEAT_HEARTBEAT).at == earlier + timedelta(minutes=10)
    assert Heartbeat.objects.count() == 1
