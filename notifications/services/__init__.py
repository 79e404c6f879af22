"""The outbox: every email is a row written in the caller's transaction, delivered after commit.

Delivery claims its row with a conditional update and commits before talking to SMTP, so no lock or
transaction is ever held across the network (docs/domain.md, Emails: the outbox). A deferred email is
written as a render spec and rendered by the worker that claimed it, before it is sent
(queue_deferred_email); many emails that differ only by recipient are rendered once and stored in bulk
(queue_prepared_emails). Callers import from here (`from notifications.services import queue_email`).
"""

from __future__ import annotations

from notifications.services.attachments import StoredAttachment, stored_attachments
from notifications.services.credentials import (
    SECRET_MASK,
    SECRET_PLACEHOLDER,
    SECRET_PLACEHOLDER_PATTERN,
    hide_secrets,
    mask_secrets,
    reveal_secrets,
)
from notifications.services.deferred import preview_email, render_deferred_email
from notifications.services.delivery import (
    SWEEP_BATCH,
    DeliveryOutcome,
    build_message,
    claim_email,
    claim_emails,
    deliver_email,
    deliver_emails,
    requeue_stuck_emails,
    retry_delay_seconds,
    retry_email,
)
from notifications.services.health import (
    BEAT_HEARTBEAT,
    heartbeat_age_seconds,
    oldest_queued_email_age_seconds,
    record_heartbeat,
)
from notifications.services.queueing import (
    DELIVER_EMAIL_TASK,
    DELIVER_EMAILS_TASK,
    DELIVERY_BATCH,
    INSERT_BATCH,
    PreparedEmail,
    enqueue_deliveries,
    enqueue_delivery,
    queue_deferred_email,
    queue_email,
    queue_prepared_emails,
    queue_rendered_email,
)
from notifications.services.rendering import (
    BLANK_PLACEHOLDER,
    BLANK_PLACEHOLDER_PATTERN,
    Attachment,
    Blank,
    EmailContent,
    RenderedEmail,
    fill_blanks,
    language_for,
    render_email,
)
from notifications.services.retention import emails_sent_to, forget_recipient, purge_sent_email_bodies

__all__ = [
    "BEAT_HEARTBEAT",
    "BLANK_PLACEHOLDER",
    "BLANK_PLACEHOLDER_PATTERN",
    "DELIVERY_BATCH",
    "DELIVER_EMAILS_TASK",
    "DELIVER_EMAIL_TASK",
    "INSERT_BATCH",
    "SECRET_MASK",
    "SECRET_PLACEHOLDER",
    "SECRET_PLACEHOLDER_PATTERN",
    "SWEEP_BATCH",
    "Attachment",
    "Blank",
    "DeliveryOutcome",
    "EmailContent",
    "PreparedEmail",
    "RenderedEmail",
    "StoredAttachment",
    "build_message",
    "claim_email",
    "claim_emails",
    "deliver_email",
    "deliver_emails",
    "emails_sent_to",
    "enqueue_deliveries",
    "enqueue_delivery",
    "fill_blanks",
    "forget_recipient",
    "heartbeat_age_seconds",
    "hide_secrets",
    "language_for",
    "mask_secrets",
    "oldest_queued_email_age_seconds",
    "preview_email",
    "purge_sent_email_bodies",
    "queue_deferred_email",
    "queue_email",
    "queue_prepared_emails",
    "queue_rendered_email",
    "record_heartbeat",
    "render_deferred_email",
    "render_email",
    "requeue_stuck_emails",
    "retry_delay_seconds",
    "retry_email",
    "reveal_secrets",
    "stored_attachments",
]
