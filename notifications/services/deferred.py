"""Deferred emails: written as a render spec with the event, rendered by the worker that claims them."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone, translation
from django.utils.module_loading import import_string

from notifications.models import EmailAttachment, OutgoingEmail
from notifications.services.attachments import attachment_rows, discard_attachments, store_attachments
from notifications.services.credentials import hide_secrets, mask_secrets
from notifications.services.rendering import EmailContent, RenderedEmail, language_for, render_email

logger = logging.getLogger(__name__)


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
    somebody did, or the transaction fails, this rendering's files are deleted (no row lists them) and
    theirs are kept. Raises what the renderer raises (delivery records that as a failed attempt and retries).
    """
    if not email.awaits_rendering:
        return email
    language, rendered, content = _render_from_spec(email)
    rendered, stored_secrets = hide_secrets(rendered, content.secrets)
    files = store_attachments(content.attachments, email=email)
    try:
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
                EmailAttachment.objects.bulk_create(attachment_rows(email, files))
    except BaseException:
        discard_attachments(files)
        raise
    if not stored:
        # No row lists this rendering's files: the one that got there first keeps its own.
        discard_attachments(files)
    return OutgoingEmail.objects.select_related("user").get(pk=email.pk)


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
