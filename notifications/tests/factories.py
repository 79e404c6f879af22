from __future__ import annotations

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from notifications.models import EmailAttachment, Heartbeat, OutgoingEmail


class OutgoingEmailFactory(DjangoModelFactory):
    """A queued, due, already rendered email; the `sent` trait makes it one that went out."""

    class Meta:
        model = OutgoingEmail

    class Params:
        sent = factory.Trait(
            status=OutgoingEmail.Status.SENT, attempts=1, sent_at=factory.LazyFunction(timezone.now)
        )

    key = factory.Sequence(lambda n: f"test:{n}")
    to_email = factory.Sequence(lambda n: f"recipient{n}@example.org")
    template = "outbox_test"
    language = "en"
    subject = "Hello"
    body_text = "Hello, this is the plain text.\n"
    body_html = "<p>Hello, this is the <strong>HTML</strong>.</p>"
    status = OutgoingEmail.Status.QUEUED


class EmailAttachmentFactory(DjangoModelFactory):
    class Meta:
        model = EmailAttachment

    email = factory.SubFactory(OutgoingEmailFactory)
    filename = "home-practice.pdf"
    content_type = "application/pdf"
    file = factory.django.FileField(filename="home-practice.pdf", data=b"%PDF-1.4 test attachment")


class HeartbeatFactory(DjangoModelFactory):
    class Meta:
        model = Heartbeat
        django_get_or_create = ("name",)

    name = "beat"
    at = factory.LazyFunction(timezone.now)
