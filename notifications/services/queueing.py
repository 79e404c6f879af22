"""Putting emails in the outbox, in the caller's transaction, and handing them to the workers after commit."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from celery import current_app
from django.db import IntegrityError, transaction

from notifications.models import EmailAttachment, OutgoingEmail
from notifications.services.attachments import (
    StoredAttachment,
    attachment_rows,
    discard_attachments,
    store_attachments,
)
from notifications.services.credentials import hide_secrets
from notifications.services.rendering import (
    Attachment,
    RenderedEmail,
    fill_blanks,
    language_for,
    render_email,
)

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

logger = logging.getLogger(__name__)


# Rows handed to a worker in one task (deliver_emails): one publish and one SMTP connection for the lot,
# few enough that a batch stays well inside the task time limit.
DELIVERY_BATCH = 50
INSERT_BATCH = 500


@dataclass(frozen=True)
class PreparedEmail:
    """One recipient's copy of an email rendered once for many (see Blank), ready to be stored."""

    key: str
    to_email: str
    template: str
    language: str
    rendered: RenderedEmail
    user: AbstractBaseUser | None = None
    blanks: Mapping[str, str] = field(default_factory=dict)


def queue_email(
    *,
    to_email: str,
    template: str,
    context: dict[str, Any],
    key: str,
    user: AbstractBaseUser | None = None,
    language: str | None = None,
    attachments: Sequence[Attachment | StoredAttachment] = (),
    secrets: Sequence[str] = (),
) -> OutgoingEmail:
    """Render an email now, in the recipient's language, and store it in the outbox.

    Call it inside the transaction of the change that causes the email: the row commits or rolls back
    with it, and delivery is queued only after commit. Queueing a key that exists already is a no-op
    that returns the existing row. ``secrets`` are the credentials the email carries (a signed link,
    its token): they are stored apart from the bodies and never shown to staff (see hide_secrets).
    """
    language = language or language_for(user)
    rendered = render_email(template, {"recipient": user, **context}, language=language)
    return queue_rendered_email(
        to_email=to_email,
        rendered=rendered,
        key=key,
        template=template,
        user=user,
        language=language,
        attachments=attachments,
        secrets=secrets,
    )


def queue_rendered_email(
    *,
    to_email: str,
    rendered: RenderedEmail,
    key: str,
    template: str,
    user: AbstractBaseUser | None = None,
    language: str | None = None,
    attachments: Sequence[Attachment | StoredAttachment] = (),
    secrets: Sequence[str] = (),
) -> OutgoingEmail:
    """Store an already rendered email in the outbox (see queue_email); a known key changes nothing.

    Attachments stored already (stored_attachments, before the caller's transaction) are listed as they
    are. Those given as bytes are written here, before the row is inserted, and deleted again when no row
    is stored; inside the caller's transaction, though, so a caller holding a lock stores them first.
    """
    existing = OutgoingEmail.objects.filter(key=key).first()
    if existing is not None:
        return existing
    rendered, stored_secrets = hide_secrets(rendered, secrets)
    files: list[StoredAttachment] = []
    written_here: list[StoredAttachment] = []
    for file in attachments:
        if isinstance(file, Attachment):
            [file] = store_attachments([file])
            written_here.append(file)
        files.append(file)
    try:
        # A savepoint, so that losing a race on the unique key leaves the caller's transaction usable.
        with transaction.atomic():
            email = OutgoingEmail.objects.create(
                key=key,
                to_email=to_email,
                user=user,
                template=template,
                language=language or language_for(user),
                subject=rendered.subject[:255],
                body_text=rendered.text,
                body_html=rendered.html,
                secrets=stored_secrets,
            )
            EmailAttachment.objects.bulk_create(attachment_rows(email, files))
    except IntegrityError:
        discard_attachments(written_here)
        return OutgoingEmail.objects.get(key=key)
    except BaseException:
        discard_attachments(written_here)
        raise
    transaction.on_commit(lambda: enqueue_delivery(email.pk), robust=True)
    return email


def queue_deferred_email(
    *,
    key: str,
    user: AbstractBaseUser | None,
    to_email: str,
    template: str,
    renderer: str,
    args: dict[str, Any],
    language: str | None = None,
) -> OutgoingEmail:
    """Store an email to be rendered later, by the worker that delivers it; a known key changes nothing.

    For a change made under a lock others wait on: the caller's transaction gets one cheap insert and the
    rendering (templates, attachments) happens after commit. ``renderer`` is the dotted path of a function
    ``renderer(**args) -> EmailContent``, called in the recipient's language as it is at rendering time;
    ``args`` (JSON) must pin what the email reports as it was when it happened (a waitlist position, a
    status), since everything else is read when the email is rendered. The row is written in the caller's
    transaction and its delivery queued after commit; a row whose task was lost is found by the sweeper
    like any other queued row (requeue_stuck_emails), so the email cannot be lost once the change commits.
    """
    try:
        # A savepoint, so that losing a race on the unique key leaves the caller's transaction usable.
        with transaction.atomic():
            email = OutgoingEmail.objects.create(
                key=key,
                to_email=to_email,
                user=user,
                template=template,
                language=language or language_for(user),
                renderer=renderer,
                render_args=args,
            )
    except IntegrityError:
        return OutgoingEmail.objects.get(key=key)
    transaction.on_commit(lambda: enqueue_delivery(email.pk), robust=True)
    return email


def queue_prepared_emails(emails: Iterable[PreparedEmail]) -> list[int]:
    """Store many emails rendered once for many recipients (their Blanks filled per copy), in bulk.

    Keys already in the outbox are skipped, so a repeated sweep stores nothing. Call it inside the
    caller's transaction; delivery is queued after commit, in batches. Returns the ids of the rows stored.
    A row another transaction stored with the same key at the same moment is returned too: a caller that
    needs an exact count holds a lock on what its keys name (the reminder sweep locks its sessions).
    """
    fresh: dict[str, PreparedEmail] = {email.key: email for email in emails}
    existing = set(OutgoingEmail.objects.filter(key__in=fresh).values_list("key", flat=True))
    rows = []
    for email in fresh.values():
        if email.key in existing:
            continue
        copy = fill_blanks(email.rendered, email.blanks)
        rows.append(
            OutgoingEmail(
                key=email.key,
                to_email=email.to_email,
                user=email.user,
                template=email.template,
                language=email.language,
                subject=copy.subject[:255],
                body_text=copy.text,
                body_html=copy.html,
            )
        )
    if not rows:
        return []
    try:
        # A savepoint: the insert returns the new ids, unless a racing transaction stored one of the keys
        # meanwhile (callers lock what their keys name, so this is rare).
        with transaction.atomic():
            email_ids = [row.pk for row in OutgoingEmail.objects.bulk_create(rows, batch_size=INSERT_BATCH)]
    except IntegrityError:
        for row in rows:
            row.pk = None
        # ignore_conflicts: a key stored by the racing transaction is skipped rather than failing the batch.
        OutgoingEmail.objects.bulk_create(rows, ignore_conflicts=True, batch_size=INSERT_BATCH)
        email_ids = list(
            OutgoingEmail.objects.filter(key__in=[row.key for row in rows]).values_list("pk", flat=True)
        )
    transaction.on_commit(lambda: enqueue_deliveries(email_ids), robust=True)
    return email_ids


# notifications.tasks wraps the outbox services; its tasks are found by name, never imported here.
DELIVER_EMAIL_TASK = "notifications.tasks.deliver_email"
DELIVER_EMAILS_TASK = "notifications.tasks.deliver_emails"


def enqueue_delivery(email_id: int, *, countdown: int | None = None) -> None:
    """Hand a row to the worker. A broker that is down is logged, not raised: the sweeper retries later."""
    try:
        current_app.tasks[DELIVER_EMAIL_TASK].apply_async((email_id,), countdown=countdown)
    except Exception:
        logger.warning(
            "Could not queue delivery of email %s; the sweeper will pick it up.", email_id, exc_info=True
        )


def enqueue_deliveries(email_ids: Sequence[int]) -> None:
    """Hand many rows to the workers, DELIVERY_BATCH to a task: publishing a task per row costs the
    broker a round trip each. A broker that is down is logged, not raised: the sweeper retries later."""
    for start in range(0, len(email_ids), DELIVERY_BATCH):
        batch = list(email_ids[start : start + DELIVERY_BATCH])
        try:
            current_app.tasks[DELIVER_EMAILS_TASK].apply_async((batch,))
        except Exception:
            logger.warning(
                "Could not queue delivery of %s emails; the sweeper will pick them up.",
                len(email_ids) - start,
                exc_info=True,
            )
            return
