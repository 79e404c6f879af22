"""The outbox: every email is a row written in the caller's transaction, delivered after commit.

Delivery claims its row with a conditional update and commits before talking to SMTP, so no lock or
transaction is ever held across the network (docs/domain.md, Emails: the outbox). A deferred email is
written as a render spec and rendered by the worker that claimed it, before it is sent
(queue_deferred_email); many emails that differ only by recipient are rendered once and stored in bulk
(queue_prepared_emails).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from celery import current_app
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import F, Min
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from notifications.models import EmailAttachment, Heartbeat, OutgoingEmail

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.core.mail.backends.base import BaseEmailBackend

logger = logging.getLogger(__name__)

BEAT_HEARTBEAT = "beat"
SWEEP_BATCH = 500
# Rows handed to a worker in one task (deliver_emails): one publish and one SMTP connection for the lot,
# few enough that a batch stays well inside the task time limit.
DELIVERY_BATCH = 50
INSERT_BATCH = 500


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    content_type: str


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class EmailContent:
    """What a deferred email's renderer returns: the template context, the files, the credentials."""

    context: dict[str, Any]
    attachments: Sequence[Attachment] = ()
    secrets: Sequence[str] = ()


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


class DeliveryOutcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"
    NOT_CLAIMED = "not-claimed"


# Stored bodies hold this in place of each credential (a sign-in, reset or offer link, its token, a code).
SECRET_PLACEHOLDER = "[[secret:{}]]"
SECRET_PLACEHOLDER_PATTERN = re.compile(r"\[\[secret:(\d+)\]\]")
SECRET_MASK = _("[hidden: a one-time link or code ••••••]")

# A per-recipient value (a first name) left open when one rendering serves many recipients.
BLANK_PLACEHOLDER = "[[blank:{}]]"
BLANK_PLACEHOLDER_PATTERN = re.compile(r"\[\[blank:(\w+)\]\]")


@dataclass(frozen=True)
class Blank:
    """A template value that differs by recipient, rendered as a placeholder and filled in per copy.

    Put it where the template prints a value as it is (``{{ name }}``, a blocktranslate argument): a
    filter applied to it (``|upper``, ``|truncatechars``) would act on the placeholder, not the value.
    """

    name: str

    def __str__(self) -> str:
        return BLANK_PLACEHOLDER.format(self.name)


def fill_blanks(rendered: RenderedEmail, values: Mapping[str, str]) -> RenderedEmail:
    """One recipient's copy: each Blank replaced by its value, HTML-escaped in the HTML part.

    One pass, so a value that looks like a placeholder is printed as it is, never filled in again.
    """

    def fill(text: str, *, html: bool = False, one_line: bool = False) -> str:
        def value(match: re.Match) -> str:
            if match.group(1) not in values:
                return match.group(0)
            filled = values[match.group(1)]
            if one_line:
                filled = " ".join(filled.split())
            return str(escape(filled)) if html else filled

        return BLANK_PLACEHOLDER_PATTERN.sub(value, text)

    return RenderedEmail(
        subject=fill(rendered.subject, one_line=True),
        text=fill(rendered.text),
        html=fill(rendered.html, html=True),
    )


def _render_plain(template_name: str, context: dict[str, Any]) -> str:
    """Render a plain-text template without HTML escaping: "O'Brien" stays "O'Brien" in a text email."""
    return get_template(template_name).template.render(Context(context, autoescape=False))


def render_email(template: str, context: dict[str, Any], *, language: str) -> RenderedEmail:
    """Render templates/emails/<template>.{subject.txt,txt,html} in the given language."""
    full_context = {"site_url": settings.SITE_URL, **context}
    with translation.override(language):
        subject = _render_plain(f"emails/{template}.subject.txt", full_context)
        text = _render_plain(f"emails/{template}.txt", full_context)
        html = render_to_string(f"emails/{template}.html", full_context)
    return RenderedEmail(subject=" ".join(subject.split()), text=text.strip() + "\n", html=html)


def language_for(user: AbstractBaseUser | None) -> str:
    return getattr(user, "preferred_language", None) or settings.LANGUAGE_CODE


def queue_email(
    *,
    to_email: str,
    template: str,
    context: dict[str, Any],
    key: str,
    user: AbstractBaseUser | None = None,
    language: str | None = None,
    attachments: Sequence[Attachment] = (),
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
    attachments: Sequence[Attachment] = (),
    secrets: Sequence[str] = (),
) -> OutgoingEmail:
    """Store an already rendered email in the outbox (see queue_email); a known key changes nothing."""
    existing = OutgoingEmail.objects.filter(key=key).first()
    if existing is not None:
        return existing
    rendered, stored_secrets = hide_secrets(rendered, secrets)
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
            for attachment in attachments:
                stored = EmailAttachment(
                    email=email, filename=attachment.filename, content_type=attachment.content_type
                )
                stored.file.save(attachment.filename, ContentFile(attachment.content), save=True)
            transaction.on_commit(lambda: enqueue_delivery(email.pk), robust=True)
    except IntegrityError:
        return OutgoingEmail.objects.get(key=key)
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
    # ignore_conflicts: a key stored by a racing transaction is skipped rather than failing the batch.
    OutgoingEmail.objects.bulk_create(rows, ignore_conflicts=True, batch_size=INSERT_BATCH)
    email_ids = list(
        OutgoingEmail.objects.filter(key__in=[row.key for row in rows]).values_list("pk", flat=True)
    )
    transaction.on_commit(lambda: enqueue_deliveries(email_ids), robust=True)
    return email_ids


def hide_secrets(rendered: RenderedEmail, secrets: Sequence[str]) -> tuple[RenderedEmail, list[str]]:
    """Replace every credential in subject, text and HTML with a numbered placeholder.

    Staff read the outbox in admin to answer "did my email go out?"; a password-reset or offer link
    shown there would let them act as the recipient. The longest secret is matched first, so a link is
    hidden whole rather than around its token. The HTML-escaped spelling is matched too (a secret with
    an "&" appears as "&amp;" in HTML). Returns the masked email and the secrets, indexed as numbered.
    """
    values = sorted({secret for secret in secrets if secret}, key=len, reverse=True)
    if not values:
        return rendered, []
    index_of: dict[str, int] = {}
    for index, value in enumerate(values):
        index_of.setdefault(value, index)
        index_of.setdefault(str(escape(value)), index)
    # One pass with longest alternatives first: text already replaced is never matched again.
    pattern = re.compile("|".join(re.escape(form) for form in sorted(index_of, key=len, reverse=True)))

    def hide(text: str) -> str:
        return pattern.sub(lambda match: SECRET_PLACEHOLDER.format(index_of[match.group(0)]), text)

    masked = RenderedEmail(subject=hide(rendered.subject), text=hide(rendered.text), html=hide(rendered.html))
    return masked, values


def reveal_secrets(text: str, secrets: Sequence[str], *, html: bool = False) -> str:
    """Put the stored credentials back in place of their placeholders, for delivery only."""

    def reveal(match: re.Match) -> str:
        index = int(match.group(1))
        if index >= len(secrets):
            return match.group(0)
        return str(escape(secrets[index])) if html else secrets[index]

    return SECRET_PLACEHOLDER_PATTERN.sub(reveal, text)


def mask_secrets(text: str) -> str:
    """The stored text as a person reads it in admin or in an export: each credential a visible mask."""
    return SECRET_PLACEHOLDER_PATTERN.sub(lambda match: str(SECRET_MASK), text)


# notifications.tasks wraps this module's services; its tasks are found by name, never imported here.
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


def claim_email(email_id: int) -> bool:
    """Move a due row from queued to sending; True when this caller got it (one row updated)."""
    now = timezone.now()
    updated = OutgoingEmail.objects.filter(
        pk=email_id, status=OutgoingEmail.Status.QUEUED, next_attempt_at__lte=now
    ).update(status=OutgoingEmail.Status.SENDING, attempts=F("attempts") + 1, claimed_at=now)
    return updated == 1


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


def _render_from_spec(email: OutgoingEmail) -> tuple[str, RenderedEmail, EmailContent]:
    """A deferred email rendered by its renderer in its recipient's language of now; nothing is stored."""
    language = language_for(email.user) if email.user_id else email.language
    with translation.override(language):
        content: EmailContent = import_string(email.renderer)(**email.render_args)
    rendered = render_email(email.template, {"recipient": email.user, **content.context}, language=language)
    return language, rendered, content


def render_deferred_email(email: OutgoingEmail) -> OutgoingEmail:
    """Render a deferred email and store it; returns the row as stored (as it was, if not deferred).

    Runs outside any transaction: the renderer reads what it needs and attachments are written to the
    private storage first; then a short transaction stores subject, bodies, credentials (hidden, as
    queue_email does) and attachment rows, on condition that nobody rendered the row meanwhile. When
    somebody did, this rendering's files are deleted and theirs is kept. Raises what the renderer raises
    (delivery records that as a failed attempt and retries).
    """
    if not email.awaits_rendering:
        return email
    language, rendered, content = _render_from_spec(email)
    rendered, stored_secrets = hide_secrets(rendered, content.secrets)
    attachments = _store_attachment_files(email, content.attachments)
    with transaction.atomic():
        # Unless rendered meanwhile, or its spec erased (forget_recipient) while this rendering ran.
        stored = OutgoingEmail.objects.filter(
            pk=email.pk, rendered_at__isnull=True, renderer=email.renderer
        ).update(
            language=language,
            subject=rendered.subject[:255],
            body_text=rendered.text,
            body_html=rendered.html,
            secrets=stored_secrets,
            rendered_at=timezone.now(),
        )
        if stored:
            EmailAttachment.objects.bulk_create(attachments)
    if not stored:
        for attachment in attachments:
            attachment.file.delete(save=False)
    return OutgoingEmail.objects.select_related("user").get(pk=email.pk)


def _store_attachment_files(email: OutgoingEmail, attachments: Sequence[Attachment]) -> list[EmailAttachment]:
    """Write each file to the private storage; no transaction or row lock is held while it is written."""
    stored = []
    for attachment in attachments:
        row = EmailAttachment(email=email, filename=attachment.filename, content_type=attachment.content_type)
        row.file.save(attachment.filename, ContentFile(attachment.content), save=False)
        stored.append(row)
    return stored


def preview_email(email: OutgoingEmail) -> RenderedEmail:
    """The email as a person reads it, credentials masked; a deferred one not rendered yet is rendered
    for the reading and not stored (and reads as empty if it cannot be rendered any more)."""
    if email.awaits_rendering:
        try:
            _language, rendered, content = _render_from_spec(email)
        except Exception:
            logger.warning("Could not render email %s for reading.", email.pk, exc_info=True)
            return RenderedEmail(subject="", text="", html="")
        rendered, _secrets = hide_secrets(rendered, content.secrets)
    else:
        rendered = RenderedEmail(subject=email.subject, text=email.body_text, html=email.body_html)
    return RenderedEmail(
        subject=mask_secrets(rendered.subject),
        text=mask_secrets(rendered.text),
        html=mask_secrets(rendered.html),
    )


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
    # The credentials did their job once delivered: the row keeps the masked bodies and nothing usable.
    OutgoingEmail.objects.filter(pk=email.pk, status=OutgoingEmail.Status.SENDING).update(
        status=OutgoingEmail.Status.SENT, sent_at=timezone.now(), last_error="", secrets=[]
    )
    return DeliveryOutcome.SENT, None


def deliver_emails(
    email_ids: Sequence[int],
) -> tuple[list[tuple[int, DeliveryOutcome, int | None]], list[int]]:
    """Send several outbox rows over one SMTP connection, each claimed, rendered and recorded as
    deliver_email does.

    Stops at the first row that fails: a server that is down or never answers would otherwise hold the
    whole batch for a timeout per row. Returns each attempted row's (id, outcome, retry delay) and the
    ids not attempted, for the caller to hand out again.
    """
    results = []
    # Two queries for the whole batch instead of two a row; each row is still claimed on its own.
    loaded = OutgoingEmail.objects.select_related("user").prefetch_related("attachments").in_bulk(email_ids)
    connection = get_connection(fail_silently=False)
    try:
        for position, email_id in enumerate(email_ids):
            outcome, retry_in = deliver_email(email_id, connection=connection, loaded=loaded.get(email_id))
            results.append((email_id, outcome, retry_in))
            if outcome in (DeliveryOutcome.RETRY, DeliveryOutcome.FAILED):
                return results, list(email_ids[position + 1 :])
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


def purge_sent_email_bodies() -> int:
    """Blank the bodies and delete the attachments of emails sent longer ago than the retention period."""
    cutoff = timezone.now() - timedelta(days=settings.OUTBOX_RETENTION_DAYS)
    expired = OutgoingEmail.objects.filter(
        status=OutgoingEmail.Status.SENT, sent_at__lt=cutoff, body_purged_at__isnull=True
    )
    email_ids = list(expired.values_list("pk", flat=True)[:5000])
    for attachment in EmailAttachment.objects.filter(email_id__in=email_ids):
        attachment.file.delete(save=False)
    EmailAttachment.objects.filter(email_id__in=email_ids).delete()
    return OutgoingEmail.objects.filter(pk__in=email_ids).update(
        body_text="", body_html="", body_purged_at=timezone.now()
    )


def record_heartbeat(name: str = BEAT_HEARTBEAT) -> None:
    Heartbeat.objects.update_or_create(name=name, defaults={"at": timezone.now()})


def heartbeat_age_seconds(name: str = BEAT_HEARTBEAT) -> float | None:
    beat = Heartbeat.objects.filter(name=name).first()
    return None if beat is None else (timezone.now() - beat.at).total_seconds()


def oldest_queued_email_age_seconds() -> float | None:
    oldest = OutgoingEmail.objects.filter(status=OutgoingEmail.Status.QUEUED).aggregate(at=Min("created_at"))[
        "at"
    ]
    return None if oldest is None else (timezone.now() - oldest).total_seconds()


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
    (when, which template, delivered or not) with the address replaced. Returns rows changed."""
    with transaction.atomic():
        emails = OutgoingEmail.objects.filter(user=user)
        for attachment in EmailAttachment.objects.filter(email__in=emails):
            attachment.file.delete(save=False)
        EmailAttachment.objects.filter(email__in=emails).delete()
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
