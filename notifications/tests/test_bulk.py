"""Emails in bulk: one rendering filled in per recipient and stored in one insert, handed to workers in
batches, each batch sent over one SMTP connection with every row still claimed on its own."""

from __future__ import annotations

import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import transaction

from notifications import tasks
from notifications.models import OutgoingEmail
from notifications.services import (
    DELIVERY_BATCH,
    Blank,
    DeliveryOutcome,
    PreparedEmail,
    RenderedEmail,
    deliver_emails,
    enqueue_deliveries,
    fill_blanks,
    queue_prepared_emails,
    render_email,
)
from notifications.tests.factories import OutgoingEmailFactory


class CountingBackend(LocmemBackend):
    """The test outbox, counting the connections opened (an SMTP backend's open() is one each)."""

    opened = 0

    def open(self):
        if not getattr(self, "is_open", False):
            type(self).opened += 1
            self.is_open = True
        return True

    def close(self):
        self.is_open = False


class FailSecondBackend(LocmemBackend):
    """Accepts the first message it is given, then hangs up on every other one."""

    sent = 0

    def send_messages(self, messages):
        if type(self).sent >= 1:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        type(self).sent += 1
        return super().send_messages(messages)


def greeting_for_everyone(language: str = "en") -> RenderedEmail:
    return render_email("outbox_test", {"name": Blank("name")}, language=language)


def copy_for(user, rendered: RenderedEmail, *, key: str) -> PreparedEmail:
    return PreparedEmail(
        key=key,
        to_email=user.email,
        user=user,
        template="outbox_test",
        language="en",
        rendered=rendered,
        blanks={"name": user.full_name},
    )


def test_a_blank_is_filled_per_copy_escaped_in_html_and_on_one_line_in_the_subject():
    rendered = greeting_for_everyone()

    filled = fill_blanks(rendered, {"name": "D'Arcy <& Co>\nLtd"})

    assert filled.subject == "Hello D'Arcy <& Co> Ltd"
    assert "Hello D'Arcy <& Co>\nLtd," in filled.text
    assert "Hello D&#x27;Arcy &lt;&amp; Co&gt;\nLtd," in filled.html
    assert filled.html == render_email("outbox_test", {"name": "D'Arcy <& Co>\nLtd"}, language="en").html


def test_a_value_that_looks_like_a_blank_is_printed_as_it_is():
    filled = fill_blanks(greeting_for_everyone(), {"name": "[[blank:name]]"})

    assert filled.subject == "Hello [[blank:name]]"


@pytest.mark.django_db
def test_prepared_emails_are_stored_once_per_key_and_delivered_after_commit_in_batches(
    parent, other_parent, enqueued, django_capture_on_commit_callbacks
):
    rendered = greeting_for_everyone()
    OutgoingEmailFactory(key="reminder:known")

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        email_ids = queue_prepared_emails(
            [
                copy_for(parent, rendered, key="reminder:alice"),
                copy_for(other_parent, rendered, key="reminder:bob"),
                copy_for(other_parent, rendered, key="reminder:known"),
            ]
        )
        assert enqueued == []

    stored = OutgoingEmail.objects.filter(pk__in=email_ids).order_by("key")
    assert [(email.key, email.subject, email.to_email) for email in stored] == [
        ("reminder:alice", "Hello Alice Alvarez", "alice@example.org"),
        ("reminder:bob", "Hello Bob Baker", "bob@example.org"),
    ]
    assert sorted(email_id for email_id, _ in enqueued) == sorted(email_ids)
    assert queue_prepared_emails([copy_for(parent, rendered, key="reminder:alice")]) == []


def test_deliveries_are_published_a_batch_to_a_task(monkeypatch):
    published: list[list[int]] = []
    monkeypatch.setattr(tasks.deliver_emails, "apply_async", lambda args: published.append(args[0]))

    enqueue_deliveries(list(range(DELIVERY_BATCH * 2 + 1)))

    assert [len(batch) for batch in published] == [DELIVERY_BATCH, DELIVERY_BATCH, 1]


@pytest.mark.django_db(transaction=True)
def test_a_batch_goes_out_over_one_connection_and_a_row_claimed_elsewhere_is_left_alone(settings):
    settings.EMAIL_BACKEND = "notifications.tests.test_bulk.CountingBackend"
    CountingBackend.opened = 0
    emails = [OutgoingEmailFactory() for _ in range(3)]
    OutgoingEmail.objects.filter(pk=emails[1].pk).update(status=OutgoingEmail.Status.SENDING)

    attempted, unattempted = deliver_emails([email.pk for email in emails])

    assert [outcome for _, outcome, _ in attempted] == [
        DeliveryOutcome.SENT,
        DeliveryOutcome.NOT_CLAIMED,
        DeliveryOutcome.SENT,
    ]
    assert unattempted == []
    assert CountingBackend.opened == 1
    assert sorted(message.extra_headers["X-Outbox-Key"] for message in mail.outbox) == sorted(
        [emails[0].key, emails[2].key]
    )
    assert OutgoingEmail.objects.filter(status="sent", attempts=1).count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_failure_ends_the_batch_and_the_task_hands_back_the_rest_and_schedules_the_retry(
    settings, enqueued
):
    settings.EMAIL_BACKEND = "notifications.tests.test_bulk.FailSecondBackend"
    FailSecondBackend.sent = 0
    emails = [OutgoingEmailFactory() for _ in range(4)]

    assert tasks.deliver_emails([email.pk for email in emails]) == {"sent": 1, "retry": 1}

    statuses = [OutgoingEmail.objects.get(pk=email.pk) for email in emails]
    assert [(email.status, email.attempts) for email in statuses] == [
        ("sent", 1),
        ("queued", 1),
        ("queued", 0),
        ("queued", 0),
    ]
    assert statuses[1].last_error.startswith("SMTPServerDisconnected")
    assert enqueued == [
        (emails[1].pk, settings.OUTBOX_RETRY_BASE_SECONDS),
        (emails[2].pk, None),
        (emails[3].pk, None),
    ]
