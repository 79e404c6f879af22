"""SMTP refusing a message or never answering: each attempt is recorded and retried later with backoff;
after OUTBOX_MAX_ATTEMPTS the row is failed with the server's words, and staff can see it and put it back
in line from admin.

Delivery runs here in the test's process (notifications.services.deliver_email, what the worker's task
calls) against a real SMTP server, with time moved forward to each retry instead of waited for.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from notifications.models import OutgoingEmail
from notifications.services import DeliveryOutcome, deliver_email
from tests.support import queue_check_email

pytestmark = [pytest.mark.fault, pytest.mark.django_db(transaction=True)]

BASE_SECONDS = 60
MAX_ATTEMPTS = 3


@pytest.fixture
def smtp_settings(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_TIMEOUT = 1
    settings.OUTBOX_MAX_ATTEMPTS = MAX_ATTEMPTS
    settings.OUTBOX_RETRY_BASE_SECONDS = BASE_SECONDS
    return settings


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts connections (the kernel completes them from the backlog) and never says a word."""
    with socket.create_server(("127.0.0.1", 0), backlog=16) as server:
        yield server.getsockname()[1]


def deliver_until_final(email: OutgoingEmail) -> list[tuple[DeliveryOutcome, int | None]]:
    """Attempt delivery at each moment the row is due, as the worker's retries would, until it is sent or
    failed; returns every attempt's outcome and retry delay."""
    outcomes = []
    while True:
        due = OutgoingEmail.objects.get(pk=email.pk).next_attempt_at
        with time_machine.travel(due + timedelta(seconds=1), tick=False):
            outcome, delay = deliver_email(email.pk)
        outcomes.append((outcome, delay))
        if outcome is not DeliveryOutcome.RETRY:
            return outcomes


def assert_failed_after_backoff(email: OutgoingEmail, outcomes, *, error: str) -> OutgoingEmail:
    assert outcomes == [
        (DeliveryOutcome.RETRY, BASE_SECONDS),
        (DeliveryOutcome.RETRY, 2 * BASE_SECONDS),
        (DeliveryOutcome.FAILED, None),
    ]
    failed = OutgoingEmail.objects.get(pk=email.pk)
    assert (failed.status, failed.attempts, failed.sent_at) == (
        OutgoingEmail.Status.FAILED,
        MAX_ATTEMPTS,
        None,
    )
    assert error in failed.last_error
    return failed


def assert_staff_see_it_and_put_it_back_in_line(client, staff, email: OutgoingEmail, error: str) -> None:
    client.force_login(staff)
    changelist = reverse("admin:notifications_outgoingemail_changelist")

    listed = client.get(changelist, {"status__exact": "failed"}).content.decode()
    page = client.get(reverse("admin:notifications_outgoingemail_change", args=[email.pk])).content.decode()
    response = client.post(
        changelist, {"action": "retry_sending", "_selected_action": [email.pk]}, follow=True
    )

    assert email.to_email in listed
    assert error in page
    assert response.status_code == 200
    assert "1 email re-queued." in response.content.decode()
    retried = OutgoingEmail.objects.get(pk=email.pk)
    assert (retried.status, retried.attempts) == (OutgoingEmail.Status.QUEUED, 0)


@pytest.mark.parametrize(
    "reply",
    ["550 5.1.1 Mailbox unavailable", "421 4.3.2 Service not available, closing channel"],
    ids=["refused-for-good-550", "refused-for-now-421"],
)
def test_a_refusing_smtp_server_gets_retries_with_backoff_then_a_failed_row_staff_can_retry(
    smtp_settings, smtp, client, staff, reply
):
    smtp_settings.EMAIL_PORT = smtp.port
    smtp.refuse_with = reply
    email = queue_check_email()

    outcomes = deliver_until_final(email)

    assert_failed_after_backoff(email, outcomes, error=reply.split()[0])
    assert smtp.keys == []
    assert_staff_see_it_and_put_it_back_in_line(client, staff, email, reply.split()[0])
    smtp.refuse_with = None
    assert deliver_until_final(email) == [(DeliveryOutcome.SENT, None)]
    assert smtp.keys == [email.key]


def test_an_smtp_server_that_never_answers_times_out_each_attempt_and_the_row_ends_failed(
    smtp_settings, silent_server, client, staff
):
    smtp_settings.EMAIL_PORT = silent_server
    email = queue_check_email()

    outcomes = deliver_until_final(email)

    assert_failed_after_backoff(email, outcomes, error="timed out")
    assert_staff_see_it_and_put_it_back_in_line(client, staff, email, "timed out")
