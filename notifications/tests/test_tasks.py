"""The Celery wrappers: each calls one service and owns its retry policy."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from notifications import services, tasks
from notifications.models import Heartbeat, OutgoingEmail
from notifications.tests.factories import HeartbeatFactory, OutgoingEmailFactory


@pytest.fixture
def enqueued(monkeypatch) -> list[tuple[int, int | None]]:
    calls: list[tuple[int, int | None]] = []
    monkeypatch.setattr(
        services, "enqueue_delivery", lambda email_id, *, countdown=None: calls.append((email_id, countdown))
    )
    monkeypatch.setattr(
        services,
        "enqueue_deliveries",
        lambda email_ids: calls.extend((email_id, None) for email_id in email_ids),
    )
    return calls


@pytest.mark.django_db(transaction=True)
def test_failed_delivery_schedules_the_retry_with_its_delay(settings, enqueued):
    settings.EMAIL_BACKEND = "notifications.tests.test_services.FailingBackend"
    email = OutgoingEmailFactory()

    assert tasks.deliver_email(email.pk) == "retry"

    assert enqueued == [(email.pk, settings.OUTBOX_RETRY_BASE_SECONDS)]


def test_retry_outcome_from_the_service_is_queued_with_its_countdown(monkeypatch, enqueued):
    monkeypatch.setattr(services, "deliver_email", lambda email_id: (services.DeliveryOutcome.RETRY, 120))

    assert tasks.deliver_email(7) == "retry"

    assert enqueued == [(7, 120)]


@pytest.mark.django_db(transaction=True)
def test_sent_delivery_schedules_nothing(enqueued):
    email = OutgoingEmailFactory()

    assert tasks.deliver_email(email.pk) == "sent"

    assert len(mail.outbox) == 1
    assert enqueued == []


@pytest.mark.django_db(transaction=True)
def test_final_failure_schedules_nothing(settings, enqueued):
    settings.EMAIL_BACKEND = "notifications.tests.test_services.FailingBackend"
    settings.OUTBOX_MAX_ATTEMPTS = 1
    email = OutgoingEmailFactory()

    assert tasks.deliver_email(email.pk) == "failed"

    assert enqueued == []
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.FAILED


@pytest.mark.django_db(transaction=True)
def test_delivery_already_claimed_elsewhere_schedules_nothing(enqueued):
    email = OutgoingEmailFactory(status=OutgoingEmail.Status.SENDING, claimed_at=timezone.now())

    assert tasks.deliver_email(email.pk) == "not-claimed"

    assert mail.outbox == []
    assert enqueued == []


@pytest.mark.django_db
def test_heartbeat_task_records_the_first_beat():
    moment = timezone.now().replace(microsecond=0)

    with time_machine.travel(moment, tick=False):
        tasks.record_heartbeat()

    assert Heartbeat.objects.get(name=services.BEAT_HEARTBEAT).at == moment


@pytest.mark.django_db
def test_heartbeat_task_moves_the_existing_beat_forward():
    earlier = timezone.now().replace(microsecond=0) - timedelta(minutes=10)
    HeartbeatFactory(name=services.BEAT_HEARTBEAT, at=earlier)

    with time_machine.travel(earlier + timedelta(minutes=10), tick=False):
        tasks.record_heartbeat()

    assert Heartbeat.objects.get(name=services.BEAT_HEARTBEAT).at == earlier + timedelta(minutes=10)
    assert Heartbeat.objects.count() == 1


@pytest.mark.django_db
def test_sweeper_task_returns_how_many_emails_it_requeued(settings, enqueued):
    OutgoingEmailFactory(
        next_attempt_at=timezone.now() - timedelta(seconds=settings.OUTBOX_QUEUED_STUCK_SECONDS + 1)
    )

    assert tasks.requeue_stuck_emails() == 1


@pytest.mark.django_db
def test_purge_task_returns_how_many_bodies_it_blanked(settings):
    OutgoingEmailFactory(
        sent=True, sent_at=timezone.now() - timedelta(days=settings.OUTBOX_RETENTION_DAYS + 1)
    )

    assert tasks.purge_sent_email_bodies() == 1
