"""Deferred emails: a render spec written in the caller's transaction, rendered by the worker that delivers
it, in the recipient's language of that moment, with its attachments and credentials handled as for an
email rendered when queued."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from notifications import tasks
from notifications.models import EmailAttachment, OutgoingEmail
from notifications.services import (
    SECRET_MASK,
    DeliveryOutcome,
    deliver_email,
    emails_sent_to,
    forget_recipient,
    queue_deferred_email,
    render_deferred_email,
    requeue_stuck_emails,
)
from notifications.storage import private_storage
from notifications.tests.renderers import BROKEN, GREETING

LINK = "https://nurturing-touch.example/classes/offers/eyJib29raW5nIjo3fQ:1uAbCd:s1gnatureXYZ/"
CALENDAR = "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"


@pytest.fixture
def enqueued(monkeypatch) -> list[int]:
    """Rows handed to the broker, one entry a row whether handed alone or in a batch."""
    calls: list[int] = []
    monkeypatch.setattr(tasks.deliver_email, "apply_async", lambda args, **options: calls.append(args[0]))
    monkeypatch.setattr(tasks.deliver_emails, "apply_async", lambda args, **options: calls.extend(args[0]))
    return calls


def defer(user, *, key: str = "test:deferred", renderer: str = GREETING, **args) -> OutgoingEmail:
    return queue_deferred_email(
        key=key,
        user=user,
        to_email=user.email,
        template="outbox_test",
        renderer=renderer,
        args={"name": user.get_short_name(), **args},
    )


@pytest.mark.django_db
def test_a_deferred_email_is_one_unrendered_row_in_the_callers_transaction_delivered_after_commit(
    parent, enqueued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        email = defer(parent)
        assert enqueued == []

    assert enqueued == [email.pk]
    email.refresh_from_db()
    assert email.awaits_rendering
    assert (email.status, email.subject, email.body_text, email.body_html) == ("queued", "", "", "")
    assert (email.renderer, email.render_args) == (GREETING, {"name": "Alice"})
    assert not email.attachments.exists()


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_leaves_no_deferred_email(parent, enqueued):
    with pytest.raises(RuntimeError, match="booking failed"), transaction.atomic():
        defer(parent)
        raise RuntimeError("booking failed")

    assert not OutgoingEmail.objects.exists()
    assert enqueued == []


@pytest.mark.django_db
def test_deferring_a_known_key_again_keeps_the_one_row(parent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        first = defer(parent)
        second = defer(parent, name="Someone else")

    assert second.pk == first.pk
    assert OutgoingEmail.objects.get().render_args == {"name": "Alice"}
    assert len(callbacks) == 1


@pytest.mark.django_db(transaction=True)
def test_delivery_renders_in_the_recipients_language_at_that_moment_then_sends(parent, enqueued):
    with transaction.atomic():
        email = defer(parent, calendar=CALENDAR)
    parent.preferred_language = "es"
    parent.save(update_fields=["preferred_language"])

    assert deliver_email(email.pk) == (DeliveryOutcome.SENT, None)

    [sent] = mail.outbox
    assert sent.subject == "Hello Alice (es)"
    assert "LANG=es" in sent.body
    assert [tuple(attachment) for attachment in sent.attachments] == [
        ("course.ics", CALENDAR, "text/calendar")
    ]
    email.refresh_from_db()
    assert (email.status, email.attempts, email.language) == ("sent", 1, "es")
    assert email.rendered_at is not None and not email.awaits_rendering
    assert email.subject == "Hello Alice (es)"
    stored = email.attachments.get()
    assert stored.file.name.startswith(f"outbox/{email.pk}/")
    with private_storage().open(stored.file.name) as handle:
        assert handle.read() == CALENDAR.encode()


@pytest.mark.django_db(transaction=True)
def test_a_deferred_emails_credentials_are_hidden_when_rendered_and_erased_once_sent(parent, staff, enqueued):
    with transaction.atomic():
        email = defer(parent, link=LINK)
    render_deferred_email(OutgoingEmail.objects.get(pk=email.pk))
    rendered = OutgoingEmail.objects.get(pk=email.pk)
    assert LINK not in rendered.subject + rendered.body_text + rendered.body_html
    assert "[[secret:0]]" in rendered.body_text
    assert rendered.secrets == [LINK]
    admin_page = _admin_page(staff, email)
    assert LINK not in admin_page
    assert str(SECRET_MASK) in admin_page

    assert deliver_email(email.pk) == (DeliveryOutcome.SENT, None)

    assert f"open {LINK}" in mail.outbox[0].body
    assert OutgoingEmail.objects.get(pk=email.pk).secrets == []


@pytest.mark.django_db(transaction=True)
def test_a_renderer_that_fails_is_a_failed_attempt_retried_later_with_the_row_still_unrendered(
    parent, enqueued
):
    with transaction.atomic():
        email = defer(parent, renderer=BROKEN)

    outcome, delay = deliver_email(email.pk)

    assert outcome is DeliveryOutcome.RETRY and delay > 0
    assert mail.outbox == []
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("queued", 1)
    assert email.last_error == "LookupError: What this email reports is gone."
    assert email.awaits_rendering


@pytest.mark.django_db
def test_two_renderings_of_one_row_keep_one_set_of_attachments_and_no_stray_file(parent):
    email = defer(parent, calendar=CALENDAR)
    first_copy = OutgoingEmail.objects.get(pk=email.pk)
    second_copy = OutgoingEmail.objects.get(pk=email.pk)
    files_before = _files_in(f"outbox/{email.pk}")

    render_deferred_email(first_copy)
    render_deferred_email(second_copy)

    kept = EmailAttachment.objects.get(email=email)
    assert _files_in(f"outbox/{email.pk}") - files_before == {kept.file.name}


@pytest.mark.django_db(transaction=True)
def test_a_row_whose_task_was_lost_after_commit_is_found_by_the_sweeper_then_rendered_and_sent_once(
    settings, parent, enqueued
):
    with transaction.atomic():
        email = defer(parent, calendar=CALENDAR)
    # The process died after commit: the task it handed to the broker never reached a worker.
    enqueued.clear()

    with time_machine.travel(timezone.now() + timedelta(seconds=settings.OUTBOX_QUEUED_STUCK_SECONDS + 1)):
        assert requeue_stuck_emails() == 1
        assert enqueued == [email.pk]
        tasks.deliver_emails(enqueued)
        tasks.deliver_emails(enqueued)

    assert [message.subject for message in mail.outbox] == ["Hello Alice (en)"]
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("sent", 1)
    assert email.attachments.count() == 1


@pytest.mark.django_db
def test_admin_says_a_deferred_email_is_not_rendered_yet_and_shows_it_once_it_is(parent, staff):
    email = defer(parent)

    page = _admin_page(staff, email)
    listing = _client(staff).get(reverse("admin:notifications_outgoingemail_changelist")).content.decode()

    assert "Not rendered yet" in page
    assert "(not rendered yet)" in listing
    render_deferred_email(email)
    assert "Hello Alice (en)" in _admin_page(staff, email)


@pytest.mark.django_db
def test_the_data_export_shows_a_deferred_email_as_it_will_read_without_storing_it(parent):
    email = defer(parent, link=LINK)

    [exported] = emails_sent_to(parent)

    assert exported["subject"] == "Hello Alice (en) open " + str(SECRET_MASK)
    assert LINK not in exported["text"]
    assert OutgoingEmail.objects.get(pk=email.pk).awaits_rendering


@pytest.mark.django_db
def test_a_forgotten_recipients_deferred_email_is_never_rendered(parent):
    email = defer(parent, calendar=CALENDAR)
    rendering_meanwhile = OutgoingEmail.objects.get(pk=email.pk)
    files_before = _files_in(f"outbox/{email.pk}")

    forget_recipient(parent)
    render_deferred_email(rendering_meanwhile)

    email.refresh_from_db()
    assert not email.awaits_rendering
    assert (email.renderer, email.render_args, email.user, email.subject, email.body_text) == (
        "",
        {},
        None,
        "",
        "",
    )
    assert not email.attachments.exists()
    assert _files_in(f"outbox/{email.pk}") == files_before


def _files_in(folder: str) -> set[str]:
    storage = private_storage()
    if not storage.exists(folder):
        return set()
    return {f"{folder}/{name}" for name in storage.listdir(folder)[1]}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _admin_page(user, email: OutgoingEmail) -> str:
    if not user.is_superuser:
        user.user_permissions.add(Permission.objects.get(codename="view_outgoingemail"))
    return (
        _client(user)
        .get(reverse("admin:notifications_outgoingemail_change", args=[email.pk]))
        .content.decode()
    )
