"""Attachment files in the private storage. Storage work stays out of transactions: a file is written before
the transaction whose row lists it (no lock is held while shared storage, S3, is written to), and deleted
only once the change that stops listing it has committed (a rollback cannot bring a deleted file back)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction

from notifications.models import EmailAttachment, OutgoingEmail
from notifications.services.rendering import Attachment
from notifications.storage import private_storage

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredAttachment:
    """An attachment whose file is in the private storage already, for an outbox row to list."""

    filename: str
    content_type: str
    name: str


def store_attachments(
    attachments: Iterable[Attachment], *, email: OutgoingEmail | None = None
) -> list[StoredAttachment]:
    """Write each file to the private storage, in the email's folder when the row exists already, else in
    a folder of its own. Call it before the transaction that stores the rows listing the files."""
    storage = private_storage()
    stored = []
    for attachment in attachments:
        folder = f"outbox/{email.pk}" if email is not None else f"outbox/{uuid.uuid4().hex}"
        # generate_filename makes the name safe for the storage, as a FileField's upload would.
        name = storage.save(
            storage.generate_filename(f"{folder}/{attachment.filename}"), ContentFile(attachment.content)
        )
        stored.append(StoredAttachment(attachment.filename, attachment.content_type, name))
    return stored


def attachment_rows(email: OutgoingEmail, stored: Sequence[StoredAttachment]) -> list[EmailAttachment]:
    return [
        EmailAttachment(email=email, filename=file.filename, content_type=file.content_type, file=file.name)
        for file in stored
    ]


def discard_attachments(stored: Sequence[StoredAttachment]) -> None:
    """Delete files that no row lists: written for a row that was never stored."""
    storage = private_storage()
    for file in stored:
        storage.delete(file.name)


@contextmanager
def stored_attachments(attachments: Sequence[Attachment]) -> Iterator[list[StoredAttachment]]:
    """The files written before the block, for queue_email(attachments=…) inside the block's transaction;
    once the block ends, those no committed row lists are deleted (it raised or rolled back, or the
    email's key was queued before), as an instructor's photo is by instructors.services.save_profile.

    Wrap the transaction, do not sit inside one: the rows are looked up when the block ends, and a row an
    enclosing transaction could still roll back keeps its file.
    """
    stored = store_attachments(attachments)
    try:
        yield stored
    finally:
        _discard_unlisted(stored)


def _discard_unlisted(stored: Sequence[StoredAttachment]) -> None:
    if not stored:
        return
    names = [file.name for file in stored]
    try:
        listed = set(EmailAttachment.objects.filter(file__in=names).values_list("file", flat=True))
    except DatabaseError:
        # A file left behind costs some bytes; a file deleted under a row that lists it loses an email's
        # attachment. Unsure which, keep it.
        logger.warning(
            "Could not tell which attachment files an outbox row lists; kept them all.", exc_info=True
        )
        return
    discard_attachments([file for file in stored if file.name not in listed])


def delete_files_after_commit(names: Iterable[str]) -> None:
    """Delete these files from the private storage once the current transaction commits; a rollback
    leaves them in place with the rows that still list them."""
    names = [name for name in names if name]
    if not names:
        return
    storage = private_storage()

    def delete() -> None:
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete, robust=True)
