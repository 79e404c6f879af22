"""A delivery batch claims its rows in one short transaction, skipping rows another worker holds, so two
workers handed the same rows (a sweeper re-queueing a batch still being sent) send each email once."""

from __future__ import annotations

import threading

import pytest
from django.core import mail
from django.db import connection

from notifications.models import OutgoingEmail
from notifications.services import DeliveryOutcome, claim_emails, deliver_emails
from notifications.tests.factories import OutgoingEmailFactory


@pytest.mark.django_db(transaction=True)
def test_two_workers_given_the_same_batch_at_once_send_each_email_once(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    email_ids = [OutgoingEmailFactory().pk for _ in range(20)]
    barrier = threading.Barrier(2)
    outcomes: list[list] = []

    def worker() -> None:
        try:
            barrier.wait()
            attempted, _unattempted = deliver_emails(email_ids)
            outcomes.append(attempted)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    sent = [email_id for attempted in outcomes for email_id, outcome, _ in attempted if outcome == "sent"]
    assert sorted(sent) == sorted(email_ids)
    assert sorted(message.extra_headers["X-Outbox-Id"] for message in mail.outbox) == sorted(
        str(email_id) for email_id in email_ids
    )
    assert set(OutgoingEmail.objects.values_list("status", "attempts")) == {("sent", 1)}


@pytest.mark.django_db(transaction=True)
def test_a_claim_takes_only_due_queued_rows_and_counts_the_attempt():
    due = OutgoingEmailFactory()
    sending = OutgoingEmailFactory(status=OutgoingEmail.Status.SENDING)
    failed = OutgoingEmailFactory(status=OutgoingEmail.Status.FAILED)

    assert claim_emails([due.pk, sending.pk, failed.pk]) == {due.pk}
    assert claim_emails([due.pk]) == set()
    due.refresh_from_db()
    assert (due.status, due.attempts) == ("sending", 1)


@pytest.mark.django_db(transaction=True)
def test_a_row_not_yet_due_is_left_for_its_time(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    later = OutgoingEmailFactory(next_attempt_at=OutgoingEmailFactory().created_at.replace(year=2999))

    attempted, unattempted = deliver_emails([later.pk])

    assert attempted == [(later.pk, DeliveryOutcome.NOT_CLAIMED, None)]
    assert unattempted == []
    assert mail.outbox == []
