"""Renderers for deferred emails in the outbox tests, named by dotted path as an app's would be."""

from __future__ import annotations

from django.utils import translation

from notifications.services import Attachment, EmailContent

GREETING = "notifications.tests.renderers.greeting"
BROKEN = "notifications.tests.renderers.broken"


def greeting(*, name: str, link: str = "", calendar: str = "") -> EmailContent:
    """outbox_test's context; the name says which language the renderer was called in, the link (a
    credential) and the calendar (an attachment) are there when asked for."""
    shown = f"{name} ({translation.get_language()})" + (f" open {link}" if link else "")
    return EmailContent(
        context={"name": shown},
        attachments=[Attachment("course.ics", calendar.encode(), "text/calendar")] if calendar else [],
        secrets=[link] if link else [],
    )


def broken(**args) -> EmailContent:
    raise LookupError("What this email reports is gone.")
