"""Attachment files and transactions: a file is written before the transaction whose row lists it, a rolled
back change leaves no stray file behind, and a file is deleted only once the change that drops its row has
committed, so a rollback never leaves a row listing a file that is gone. On Postgres, committing for real."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from notifications.models import EmailAttachment, OutgoingEmail
from notifications.services import (
    Attachment,
    forget_recipient,
    purge_sent_email_bodies,
    queue_email,
    render_deferred_email,
    stored_attachments,
)
from notifications.storage import private_storage
from notifications.tests.factories import EmailAttachmentFactory
from notifications.tests.renderers import GREETING

pytestmark = pytest.mark.django_db(transaction=True)

CALENDAR = Attachment("course.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")


class ChangeFailed(Exception):
    pass


@pytest.fixture
def writes(monkeypatch) -> list[tuple[str, bool]]:
    """Each file the private storage writes, with whether a transaction was open at that moment."""
    storage = private_storage()
    written: list[tuple[str, bool]] = []
    save = storage._save

    def recording_save(name, content):
        written.append((name, connection.in_atomic_block))
        return save(name, content)

    monkeypatch.setattr(storage, "_save", recording_save)
    return written


def outbox_files() -> set[str]:
    storage = private_storage()

    def walk(folder: str) -> set[str]:
        if not storage.exists(folder):
            return set()
        folders, files = storage.listdir(folder)
        return {f"{folder}/{name}" for name in files}.union(*(walk(f"{folder}/{sub}") for sub in folders))

    return walk("outbox")


def queue_calendar(user, *, key: str = "test:calendar", attachments=(CALENDAR,)) -> OutgoingEmail:
    return queue_email(
        to_email=user.email,
        user=user,
        template="outbox_test",
        context={"name": user.full_name},
        key=key,
        attachments=list(attachments),
    )


def test_the_file_is_written_before_the_transaction_and_is_there_before_the_row_commits(
    parent, writes, enqueued
):
    with stored_attachments([CALENDAR]) as files, transaction.atomic():
        email = queue_calendar(parent, attachments=files)
        assert private_storage().exists(files[0].name)

    assert writes == [(files[0].name, False)]
    assert email.attachments.get().file.name == files[0].name
    with private_storage().open(files[0].name) as handle:
        assert handle.read() == CALENDAR.content


def test_a_rolled_back_change_leaves_no_orphan_file(parent, enqueued):
    before = outbox_files()

    with pytest.raises(ChangeFailed), stored_attachments([CALENDAR]) as files, transaction.atomic():
        queue_calendar(parent, attachments=files)
        raise ChangeFailed

    assert not OutgoingEmail.objects.exists()
    assert outbox_files() == before


def test_an_email_queued_before_keeps_its_file_and_the_second_copy_is_removed(parent, enqueued):
    with stored_attachments([CALENDAR]) as first, transaction.atomic():
        email = queue_calendar(parent, attachments=first)
    before = outbox_files()

    with stored_attachments([CALENDAR]) as second, transaction.atomic():
        assert queue_calendar(parent, attachments=second) == email

    assert outbox_files() == before
    assert private_storage().exists(email.attachments.get().file.name)


def test_a_file_given_as_bytes_is_written_outside_the_rows_transaction(parent, writes, enqueued):
    email = queue_calendar(parent)

    [(name, in_transaction)] = writes
    assert not in_transaction
    assert email.attachments.get().file.name == name


def test_a_row_that_cannot_be_stored_leaves_no_file_written_for_it(parent, enqueued):
    before = outbox_files()

    with pytest.raises(DatabaseError):
        queue_email(
            to_email="a" * 300 + "@example.org",
            template="outbox_test",
            context={"name": "Alice"},
            key="test:too-long",
            attachments=[CALENDAR],
        )

    assert outbox_files() == before


def test_a_rendering_the_database_refuses_leaves_none_of_its_files(parent, monkeypatch, enqueued):
    email = OutgoingEmail.objects.create(
        key="test:deferred",
        to_email=parent.email,
        user=parent,
        template="outbox_test",
        language="en",
        renderer=GREETING,
        render_args={"name": "Alice", "calendar": "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"},
    )
    before = outbox_files()

    def refused(*args, **kwargs):
        raise DatabaseError("could not extend file")

    monkeypatch.setattr(EmailAttachment.objects, "bulk_create", refused)
    with pytest.raises(DatabaseError):
        render_deferred_email(email)

    assert outbox_files() == before
    assert OutgoingEmail.objects.get(pk=email.pk).awaits_rendering


def test_forgetting_a_recipient_that_rolls_back_deletes_no_file(parent, enqueued):
    email = queue_calendar(parent)
    name = email.attachments.get().file.name

    with pytest.raises(ChangeFailed), transaction.atomic():
        forget_recipient(parent)
        raise ChangeFailed

    assert EmailAttachment.objects.get(email=email).file.name == name
    assert private_storage().exists(name)


def test_forgetting_a_recipient_deletes_the_files_once_committed(parent, enqueued):
    email = queue_calendar(parent)
    name = email.attachments.get().file.name

    with transaction.atomic():
        forget_recipient(parent)
        assert private_storage().exists(name)

    assert not EmailAttachment.objects.filter(email=email).exists()
    assert not private_storage().exists(name)


def test_a_purge_that_rolls_back_deletes_no_file_and_a_committed_one_does(settings):
    attachment = EmailAttachmentFactory(
        email__sent=True, email__sent_at=timezone.now() - timedelta(days=settings.OUTBOX_RETENTION_DAYS + 1)
    )
    name = attachment.file.name

    with pytest.raises(ChangeFailed), transaction.atomic():
        assert purge_sent_email_bodies() == 1
        raise ChangeFailed

    assert EmailAttachment.objects.filter(pk=attachment.pk).exists()
    assert private_storage().exists(name)

    assert purge_sent_email_bodies() == 1

    assert not EmailAttachment.objects.filter(pk=attachment.pk).exists()
    assert not private_storage().exists(name)
