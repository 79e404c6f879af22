"""The outbox when a part fails: the broker goes away while a parent books, a worker is killed with SIGKILL
on either side of the SMTP conversation. Real Redis, real Celery workers, a real SMTP server.

Delivery claims a row and commits before talking to SMTP (docs/domain.md, Emails: the outbox), so the only
duplicate the outbox can cause is a worker dying after the server accepted a message and before the row was
marked sent, and only after the stuck-row timeout; the row's attempt count shows it.

A booking's emails are deferred: the booking commits a render spec, and the worker renders it after
claiming the row. Whatever dies between the commit and the rendering (the task lost with the broker, the
worker killed while it renders) leaves a row the sweeper hands out again, rendered and sent once.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from classes.models import Booking
from classes.services import book_course
from classes.tests.factories import BabyFactory, CourseFactory, SessionFactory
from notifications.models import OutgoingEmail
from notifications.services import requeue_stuck_emails
from tests.support import queue_check_email, wait_until

pytestmark = [pytest.mark.fault, pytest.mark.django_db(transaction=True)]

PAUSE_AFTER_SEND = "tests.fault.email_backends.PauseAfterSendBackend"


def row(email: OutgoingEmail) -> OutgoingEmail:
    return OutgoingEmail.objects.get(pk=email.pk)


def sent(email: OutgoingEmail) -> bool:
    return row(email).status == OutgoingEmail.Status.SENT


def stuck_timeout_passed(email: OutgoingEmail):
    """True once the worker's own clock (the real one) is past the row's stuck-in-sending timeout."""
    claimed_at = row(email).claimed_at
    return lambda: timezone.now() > claimed_at + timedelta(seconds=settings.OUTBOX_SENDING_STUCK_SECONDS)


def test_a_parent_books_while_the_broker_is_down_and_the_email_goes_out_once_it_is_back(
    client, parent, redis_server, celery_on_broker, smtp, start_outbox_worker
):
    worker = start_outbox_worker()
    course = CourseFactory(capacity=8)
    for _ in range(2):
        SessionFactory(course=course)
    baby = BabyFactory(parent=parent)
    client.force_login(parent)
    redis_server.stop()

    response = client.post(
        reverse("classes:book", kwargs={"pk": course.pk}), {"baby": baby.pk, "expected": "book"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("classes:my_bookings")
    booking = Booking.objects.get(course=course, baby=baby)
    assert booking.status == Booking.Status.CONFIRMED
    email = OutgoingEmail.objects.get(key=f"booking-confirmed:{booking.pk}")
    assert (email.status, email.attempts) == (OutgoingEmail.Status.QUEUED, 0)
    # The booking committed a render spec only: the worker renders it, calendar and all, before sending.
    assert email.awaits_rendering

    redis_server.start()
    # The worker reconnects by itself; publishing before it has declared its queue again would drop the task.
    wait_until(lambda: worker.output().count("Connected to redis://") >= 2, what="worker reconnected")
    with time_machine.travel(email.created_at + timedelta(seconds=settings.OUTBOX_QUEUED_STUCK_SECONDS + 1)):
        assert requeue_stuck_emails() == 1

    wait_until(lambda: sent(email), what="sent after the broker came back")
    assert smtp.keys == [email.key]
    assert row(email).attempts == 1
    delivered = row(email)
    assert delivered.subject.startswith("Your place is booked")
    assert [attachment.filename for attachment in delivered.attachments.all()] == [f"{course.slug}.ics"]


def test_a_worker_killed_before_smtp_took_the_message_leaves_it_to_be_sent_exactly_once(
    celery_on_broker, smtp, start_outbox_worker
):
    worker = start_outbox_worker()
    smtp.hold_at_rcpt()
    email = queue_check_email()
    assert smtp.reached_rcpt.wait(timeout=30), "the worker never reached the SMTP server"
    claimed = row(email)
    assert (claimed.status, claimed.attempts) == (OutgoingEmail.Status.SENDING, 1)

    worker.kill()
    smtp.release.set()
    start_outbox_worker()
    with time_machine.travel(claimed.claimed_at + timedelta(seconds=1), tick=False):
        assert requeue_stuck_emails() == 0, "a row in sending is left alone until its timeout"
    wait_until(stuck_timeout_passed(email), what="past the stuck-row timeout", seconds=10)
    assert requeue_stuck_emails() == 1

    wait_until(lambda: sent(email), what="sent by the restarted worker")
    assert smtp.keys == [email.key]
    assert row(email).attempts == 2


def test_a_worker_killed_after_smtp_accepted_causes_one_duplicate_after_the_timeout_and_the_row_shows_it(
    celery_on_broker, smtp, start_outbox_worker
):
    stalled = start_outbox_worker(TEST_EMAIL_BACKEND=PAUSE_AFTER_SEND)
    email = queue_check_email()
    wait_until(lambda: smtp.keys == [email.key], what="accepted by the SMTP server")

    stalled.kill()
    claimed = row(email)
    assert (claimed.status, claimed.attempts, claimed.sent_at) == (OutgoingEmail.Status.SENDING, 1, None)
    start_outbox_worker()
    with time_machine.travel(claimed.claimed_at + timedelta(seconds=1), tick=False):
        assert requeue_stuck_emails() == 0
    assert smtp.keys == [email.key], "no second copy before the stuck-row timeout"
    wait_until(stuck_timeout_passed(email), what="past the stuck-row timeout", seconds=10)
    assert requeue_stuck_emails() == 1

    wait_until(lambda: sent(email), what="sent again by the restarted worker")
    assert smtp.keys == [email.key, email.key], "exactly one duplicate"
    assert row(email).attempts == 2
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        assert requeue_stuck_emails() == 0, "a sent row is never handed out again"


def test_a_worker_killed_while_rendering_a_booking_email_leaves_it_to_be_rendered_and_sent_exactly_once(
    parent, celery_on_broker, smtp, start_outbox_worker
):
    course = CourseFactory(capacity=8)
    for _ in range(2):
        SessionFactory(course=course)
    booking = book_course(course, parent=parent, baby=BabyFactory(parent=parent))
    email = OutgoingEmail.objects.get(key=f"booking-confirmed:{booking.pk}")
    assert email.awaits_rendering
    # Another connection keeps the sessions table locked, so the worker stops inside the renderer (it
    # reads the course's sessions for the summary and the calendar) after claiming the row.
    holder = connection.get_new_connection(connection.get_connection_params())
    try:
        holder.execute("LOCK TABLE classes_session IN ACCESS EXCLUSIVE MODE")
        rendering = start_outbox_worker()
        wait_until(lambda: waiting_on_a_lock("classes_session"), what="the worker blocked while rendering")
        claimed = row(email)
        assert (claimed.status, claimed.attempts, claimed.rendered_at) == (
            OutgoingEmail.Status.SENDING,
            1,
            None,
        )
        rendering.kill()
    finally:
        holder.rollback()
        holder.close()
    assert row(email).awaits_rendering and smtp.keys == []

    start_outbox_worker()
    wait_until(stuck_timeout_passed(email), what="past the stuck-row timeout", seconds=10)
    assert requeue_stuck_emails() == 1

    wait_until(lambda: sent(email), what="rendered and sent by the restarted worker")
    assert smtp.keys == [email.key]
    delivered = row(email)
    assert delivered.attempts == 2
    assert delivered.subject.startswith("Your place is booked")
    assert delivered.attachments.count() == 1


def waiting_on_a_lock(table: str) -> bool:
    """True when another backend on this database waits for a lock while running a query on ``table``."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock' AND query LIKE %s",
            [f"%{table}%"],
        )
        return cursor.fetchone()[0] > 0
