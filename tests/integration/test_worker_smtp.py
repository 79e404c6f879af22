"""Email delivery end to end: a committed outbox row, a real Celery worker on Redis, a real SMTP server.

Also a booking's deferred confirmation, rendered by the worker, and a reminder sweep's rows, handed to the
worker in batches."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from classes.models import Session
from classes.services import book_course, queue_session_reminders
from classes.tests.factories import BabyFactory, CourseFactory, SessionFactory
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


def test_worker_renders_a_booking_confirmation_then_sends_it_with_its_calendar(smtp_server, parent):
    course = CourseFactory(title="Baby massage on Tuesdays")
    for _ in range(5):
        SessionFactory(course=course)
    booking = book_course(course, parent=parent, baby=BabyFactory(parent=parent))
    email = OutgoingEmail.objects.get(key=f"booking-confirmed:{booking.pk}")

    sent = wait_for_row(email, lambda row: row.status == OutgoingEmail.Status.SENT, what="sent")

    assert sent.rendered_at is not None
    [received] = smtp_server.received
    assert received.message["Subject"] == "Your place is booked: Baby massage on Tuesdays"
    [calendar] = list(received.message.iter_attachments())
    assert calendar.get_content_type() == "text/calendar"
    assert calendar.get_content().count("BEGIN:VEVENT") == 5


def test_a_reminder_sweep_reaches_smtp_through_batches_once_per_family(smtp_server):
    course = CourseFactory(capacity=8)
    first = Session.objects.get(pk=SessionFactory(course=course).pk)
    families = [BabyFactory(date_of_birth=timezone.localdate() - timedelta(weeks=8)) for _ in range(5)]
    bookings = [book_course(course, parent=baby.parent, baby=baby) for baby in families]
    wait_for_all_sent()

    assert queue_session_reminders(now=first.starts_at - timedelta(hours=20)) == 5

    wait_for_all_sent()
    received = smtp_server.keys()
    assert sorted(key for key in received if key.startswith("reminder:")) == sorted(
        f"reminder:{booking.pk}:{first.pk}:{first.starts_at.isoformat()}" for booking in bookings
    )


def wait_for_all_sent() -> None:
    deadline = time.monotonic() + DELIVERY_SECONDS
    while OutgoingEmail.objects.exclude(status=OutgoingEmail.Status.SENT).exists():
        if time.monotonic() > deadline:
            pytest.fail(f"Not every email was sent after {DELIVERY_SECONDS}s.")
        # The worker is another process: the committed rows are the only thing there is to wait on.
        time.sleep(0.1)
