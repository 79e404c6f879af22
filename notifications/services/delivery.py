"""Delivery: claim a row and commit, talk to SMTP outside any transaction, record the result; the sweeper
that hands out again rows whose task was lost."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from notifications.models import OutgoingEmail
from notifications.services.credentials import reveal_secrets
from notifications.services.deferred import render_deferred_email
from notifications.services.queueing import enqueue_deliveries, enqueue_delivery

if TYPE_CHECKING:
    from django.core.mail.backends.base import BaseEmailBackend

logger = logging.getLogger(__name__)


SWEEP_BATCH = 500


class DeliveryOutcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"
    NOT_CLAIMED = "not-claimed"


def claim_email(email_id: int) -> bool:
    """Move a due row from queued to sending; True when this caller got it (one row updated)."""
    now = timezone.now()
    updated = OutgoingEmail.objects.filter(
        pk=email_id, status=OutgoingEmail.Status.QUEUED, next_attempt_at__lte=now
    ).update(status=OutgoingEmail.Status.SENDING, attempts=F("attempts") + 1, claimed_at=now)
    return updated == 1


def claim_emails(email_ids: Sequence[int]) -> set[int]:
    """Move the due rows among these from queued to sending in one short transaction; the ids this caller
    got. Rows another worker holds are skipped, not waited for (it is claiming or sending them)."""
    now = timezone.now()
    with transaction.atomic():
        due = OutgoingEmail.objects.filter(
            pk__in=email_ids, status=OutgoingEmail.Status.QUEUED, next_attempt_at__lte=now
        )
        claimed = list(due.select_for_update(skip_locked=True).values_list("pk", flat=True))
        OutgoingEmail.objects.filter(pk__in=claimed).update(
            status=OutgoingEmail.Status.SENDING, attempts=F("attempts") + 1, claimed_at=now
        )
    return set(claimed)


def release_emails(email_ids: Sequence[int]) -> None:
    """Hand back rows claimed by claim_emails that were never attempted: queued again, the attempt the
    claim counted taken back."""
    OutgoingEmail.objects.filter(pk__in=email_ids, status=OutgoingEmail.Status.SENDING).update(
        status=OutgoingEmail.Status.QUEUED, attempts=F("attempts") - 1
    )


def build_message(email: OutgoingEmail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=reveal_secrets(email.subject, email.secrets),
        body=reveal_secrets(email.body_text, email.secrets),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to_email],
        headers={"X-Outbox-Key": email.key, "X-Outbox-Id": str(email.pk)},
    )
    if email.body_html:
        message.attach_alternative(reveal_secrets(email.body_html, email.secrets, html=True), "text/html")
    for attachment in email.attachments.all():
        with attachment.file.open("rb") as handle:
            message.attach(attachment.filename, handle.read(), attachment.content_type)
    return message


def retry_delay_seconds(attempts: int) -> int:
    return settings.OUTBOX_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)


def deliver_email(
    email_id: int, *, connection: BaseEmailBackend | None = None, loaded: OutgoingEmail | None = None
) -> tuple[DeliveryOutcome, int | None]:
    """Send one outbox row: claim and commit, render it if it was deferred, talk to SMTP outside any
    transaction, record the result.

    Returns the outcome and, for a retry, the delay in seconds before the next attempt. Safe to run
    twice or concurrently: only the caller whose conditional update claimed the row renders and sends
    it. A batch (deliver_emails) passes an SMTP ``connection`` it shares, closed after a failure so the
    next row starts on a fresh one, and the row ``loaded`` with the others before the claims: what an
    email says does not change once it is queued, and the attempt count is read again on failure.
    """
    if transaction.get_connection().in_atomic_block:
        raise RuntimeError("deliver_email must not run inside a transaction: it talks to SMTP.")
    if not claim_email(email_id):
        return DeliveryOutcome.NOT_CLAIMED, None
    return _send_claimed(email_id, connection=connection, loaded=loaded)


def _send_claimed(
    email_id: int, *, connection: BaseEmailBackend | None, loaded: OutgoingEmail | None
) -> tuple[DeliveryOutcome, int | None]:
    """Render (if deferred), send and record a row this caller has claimed."""
    email = loaded or OutgoingEmail.objects.select_related("user").get(pk=email_id)
    try:
        email = render_deferred_email(email)
        message = build_message(email)
        if connection is None:
            message.send(fail_silently=False)
        else:
            connection.open()
            connection.send_messages([message])
    except Exception as exc:
        if connection is not None:
            connection.close()
        return _record_failure(email, exc)
    _record_sent(email.pk)
    return DeliveryOutcome.SENT, None


def _record_sent(email_id: int) -> None:
    """Mark a row sent at once, so a worker dying later re-sends nothing it has sent.

    On Postgres this commit does not wait for the write-ahead log to reach the disk (synchronous_commit
    off, for this transaction only): a commit each email was most of a delivery worker's time. Lost
    only if the database server itself crashes within a fraction of a second, when the row stays
    "sending" and is re-sent after the stuck-row timeout, the one duplicate the outbox accepts
    (docs/domain.md, Emails: the outbox).
    """
    with transaction.atomic():
        connection = transaction.get_connection()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        # The credentials did their job once delivered: the row keeps the masked bodies and nothing usable.
        OutgoingEmail.objects.filter(pk=email_id, status=OutgoingEmail.Status.SENDING).update(
            status=OutgoingEmail.Status.SENT, sent_at=timezone.now(), last_error="", secrets=[]
        )


def deliver_emails(
    email_ids: Sequence[int],
) -> tuple[list[tuple[int, DeliveryOutcome, int | None]], list[int]]:
    """Send several outbox rows over one SMTP connection: all claimed in one transaction, then each
    rendered, sent and recorded as deliver_email does.

    Stops at the first row that fails: a server that is down or never answers would otherwise hold the
    whole batch for a timeout per row; the claimed rows not attempted are handed back (queued again).
    Returns each attempted row's (id, outcome, retry delay) and the ids not attempted, for the caller
    to hand out again.
    """
    if transaction.get_connection().in_atomic_block:
        raise RuntimeError("deliver_emails must not run inside a transaction: it talks to SMTP.")
    claimed = claim_emails(email_ids)
    # Two queries for the whole batch instead of two a row.
    loaded = OutgoingEmail.objects.select_related("user").prefetch_related("attachments").in_bulk(claimed)
    results = []
    connection = get_connection(fail_silently=False)
    try:
        for position, email_id in enumerate(email_ids):
            if email_id not in claimed:
                results.append((email_id, DeliveryOutcome.NOT_CLAIMED, None))
                continue
            outcome, retry_in = _send_claimed(email_id, connection=connection, loaded=loaded.get(email_id))
            results.append((email_id, outcome, retry_in))
            if outcome in (DeliveryOutcome.RETRY, DeliveryOutcome.FAILED):
                unattempted = [later for later in email_ids[position + 1 :] if later in claimed]
                release_emails(unattempted)
                return results, unattempted
    finally:
        connection.close()
    return results, []


def _record_failure(email: OutgoingEmail, exc: Exception) -> tuple[DeliveryOutcome, int | None]:
    error = f"{type(exc).__name__}: {exc}"[:2000]
    # The count as this attempt's claim left it (the row may have been read before the claim).
    email.refresh_from_db(fields=["attempts"])
    sending = OutgoingEmail.objects.filter(pk=email.pk, status=OutgoingEmail.Status.SENDING)
    if email.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        sending.update(status=OutgoingEmail.Status.FAILED, last_error=error)
        logger.error("Email %s failed for good after %s attempts: %s", email.pk, email.attempts, error)
        return DeliveryOutcome.FAILED, None
    delay = retry_delay_seconds(email.attempts)
    sending.update(
        status=OutgoingEmail.Status.QUEUED,
        last_error=error,
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
    )
    logger.warning(
        "Email %s attempt %s failed (%s); retrying in %ss.", email.pk, email.attempts, error, delay
    )
    return DeliveryOutcome.RETRY, delay


def retry_email(email: OutgoingEmail) -> bool:
    """Put a failed (or queued) row back in line now, as the admin "retry" action does.

    Returns False for a row that is sending or sent, which is left alone.
    """
    updated = OutgoingEmail.objects.filter(
        pk=email.pk, status__in=[OutgoingEmail.Status.FAILED, OutgoingEmail.Status.QUEUED]
    ).update(status=OutgoingEmail.Status.QUEUED, next_attempt_at=timezone.now(), attempts=0)
    if updated:
        transaction.on_commit(lambda: enqueue_delivery(email.pk), robust=True)
    return bool(updated)


def requeue_stuck_emails() -> int:
    """Hand out again rows whose delivery task was lost: queued and overdue, or sending for too long.

    A row stuck in sending may have reached SMTP before its worker died; re-sending it is the one
    duplicate the outbox accepts (docs/domain.md, Emails: the outbox), and the row's attempt count shows it.
    Returns rows re-queued.
    """
    now = timezone.now()
    sending_cutoff = now - timedelta(seconds=settings.OUTBOX_SENDING_STUCK_SECONDS)
    stuck = OutgoingEmail.objects.filter(status=OutgoingEmail.Status.SENDING, claimed_at__lt=sending_cutoff)
    stuck.filter(attempts__gte=settings.OUTBOX_MAX_ATTEMPTS).update(
        status=OutgoingEmail.Status.FAILED, last_error="Gave up: the worker stopped while sending."
    )
    recovered = list(stuck.values_list("pk", flat=True)[:SWEEP_BATCH])
    OutgoingEmail.objects.filter(pk__in=recovered, status=OutgoingEmail.Status.SENDING).update(
        status=OutgoingEmail.Status.QUEUED,
        next_attempt_at=now,
        last_error="Worker stopped while sending.",
    )
    queued_cutoff = now - timedelta(seconds=settings.OUTBOX_QUEUED_STUCK_SECONDS)
    overdue = list(
        OutgoingEmail.objects.filter(status=OutgoingEmail.Status.QUEUED, next_attempt_at__lte=queued_cutoff)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    email_ids = list(dict.fromkeys([*recovered, *overdue]))
    enqueue_deliveries(email_ids)
    return len(email_ids)
