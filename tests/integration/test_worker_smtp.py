"""Email delivery end to end: a committed outbox row, a real Celery worker on Redis, a real SMTP server."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from notifications.models import OutgoingEmail
from notifications.services import queue_email

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("celery_app_on_redis", "outbox_worker"),
]

DELIVERY_SECONDS = 30


def queue_check_email(*, to_email: str, name: str) -> OutgoingEmail:
    with transaction.atomic():
        return queue_email(
            to_email=to_email,
            template="outbox_test",
            context={"name": name},
            key=f"integration:{uuid.uuid4().hex}",
            language="en",
        )


def wait_for_row(email: OutgoingEmail, done: Callable[[OutgoingEmail], bool], *, what: str) -> OutgoingEmail:
    deadline = time.monotonic() + DELIVERY_SECONDS
    while True:
        row = OutgoingEmail.objects.get(pk=email.pk)
        if done(row):
            return row
        if time.monotonic() > deadline:
            pytest.fail(
                f"Email {row.pk} was not {what} after {DELIVERY_SECONDS}s: status={row.status}, "
                f"attempts={row.attempts}, last_error={row.last_error!r}"
            )
        # The worker is another process: the committed row is the only thing there is to wait on.
        time.sleep(0.1)


def test_worker_sends_committed_email_once_through_smtp(smtp_server):
    email = queue_check_email(to_email="parent@example.com", name="Integration Parent")

    sent = wait_for_row(email, lambda row: row.status == OutgoingEmail.Status.SENT, what="sent")

    assert (sent.attempts, sent.last_error) == (1, "")
    assert len(smtp_server.received) == 1
    received = smtp_server.received[0]
    assert received.rcpt_tos == ["parent@example.com"]
    assert received.message["Subject"] == "Hello Integration Parent"
    assert received.message["X-Outbox-Key"] == email.key


def test_worker_schedules_retry_when_smtp_server_is_down():
    queued_at = timezone.now()
    email = queue_check_email(to_email="parent@example.com", name="Integration Parent")

    retried = wait_for_row(
        email,
        lambda row: row.status == OutgoingEmail.Status.QUEUED and row.attempts == 1,
        what="put back in the queue after a failed attempt",
    )

    assert retried.last_error.startswith("ConnectionRefusedError")
    assert retried.sent_at is None
    # OUTBOX_RETRY_BASE_SECONDS is an hour in the worker's environment.
    assert retried.next_attempt_at >= queued_at + timedelta(hours=1)
