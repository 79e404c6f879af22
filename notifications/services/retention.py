"""What the outbox keeps and for how long: bodies purged after the retention period, a person's emails for
their data export, and forgetting a person who deleted their account."""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from notifications.models import EmailAttachment, OutgoingEmail
from notifications.services.attachments import delete_files_after_commit
from notifications.services.deferred import preview_email


def purge_sent_email_bodies() -> int:
    """Blank the bodies and delete the attachments of emails sent longer ago than the retention period;
    the files go once the change has committed. Returns emails purged."""
    cutoff = timezone.now() - timedelta(days=settings.OUTBOX_RETENTION_DAYS)
    expired = OutgoingEmail.objects.filter(
        status=OutgoingEmail.Status.SENT, sent_at__lt=cutoff, body_purged_at__isnull=True
    )
    email_ids = list(expired.values_list("pk", flat=True)[:5000])
    with transaction.atomic():
        attachments = EmailAttachment.objects.filter(email_id__in=email_ids)
        delete_files_after_commit(attachments.values_list("file", flat=True))
        attachments.delete()
        return OutgoingEmail.objects.filter(pk__in=email_ids).update(
            body_text="", body_html="", body_purged_at=timezone.now()
        )


def emails_sent_to(user, *, withhold_text_of: Collection[str] = (), withheld_note: str = "") -> list[dict]:
    """The emails the outbox holds for a person, for their data export; credentials stay masked, since
    an export file is kept and shared in ways a one-time link should not be. The text of emails made
    from the templates in ``withhold_text_of`` is left out (None), with ``withheld_note`` saying why."""
    exported = []
    for email in OutgoingEmail.objects.filter(user=user).select_related("user").order_by("pk"):
        # A deferred email not sent yet is exported as it will read.
        shown = preview_email(email)
        row = {
            "to": email.to_email,
            "subject": shown.subject,
            "status": email.status,
            "created_at": email.created_at.isoformat(),
            "sent_at": email.sent_at.isoformat() if email.sent_at else None,
            "text": shown.text,
        }
        if email.template in withhold_text_of:
            row["text"] = None
            row["text_withheld"] = withheld_note
        exported.append(row)
    return exported


def forget_recipient(user) -> int:
    """Blank the bodies of every email to a person who deleted their account; the rows' metadata stays
    (when, which template, delivered or not) with the address replaced. The attachment files go once the
    caller's transaction commits (an account is deleted in one). Returns rows changed."""
    with transaction.atomic():
        emails = OutgoingEmail.objects.filter(user=user)
        attachments = EmailAttachment.objects.filter(email__in=emails)
        delete_files_after_commit(attachments.values_list("file", flat=True))
        attachments.delete()
        return emails.update(
            to_email=f"deleted-{user.pk}@deleted.invalid",
            subject="",
            body_text="",
            body_html="",
            secrets=[],
            # A deferred email not rendered yet is never rendered for a person who asked to be forgotten.
            renderer="",
            render_args={},
            body_purged_at=timezone.now(),
            user=None,
        )
