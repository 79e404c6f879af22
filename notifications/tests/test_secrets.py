"""Credentials an email carries are stored apart from its bodies: staff reading the outbox see a mask,
the recipient gets the working link, and the row forgets it once the email is delivered."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse

from notifications.models import OutgoingEmail
from notifications.services import (
    SECRET_MASK,
    DeliveryOutcome,
    RenderedEmail,
    deliver_email,
    emails_sent_to,
    forget_recipient,
    queue_email,
    queue_rendered_email,
)

TOKEN = "eyJib29raW5nIjo3fQ:1uAbCd:s1gnatureXYZ"
LINK = f"https://nurturing-touch.example/classes/offers/{TOKEN}/"


def _queue_with_link(user, *, link: str = LINK, secrets=(LINK, TOKEN)) -> OutgoingEmail:
    """outbox_test puts ``name`` in the subject, the text and the (autoescaped) HTML."""
    return queue_email(
        to_email=user.email,
        user=user,
        template="outbox_test",
        context={"name": f"open {link}"},
        key="test:offer",
        secrets=secrets,
    )


@pytest.mark.django_db
def test_the_stored_email_holds_placeholders_and_the_secrets_apart(parent):
    email = _queue_with_link(parent)

    stored = email.subject + email.body_text + email.body_html
    assert TOKEN not in stored
    assert "[[secret:0]]" in email.subject
    assert "[[secret:0]]" in email.body_text
    assert "[[secret:0]]" in email.body_html
    assert email.secrets == [LINK, TOKEN]


@pytest.mark.django_db
def test_a_link_is_hidden_whole_before_its_token_is_looked_for(parent):
    email = _queue_with_link(parent, secrets=(TOKEN, LINK))

    assert "open [[secret:0]]" in email.body_text
    assert "nurturing-touch.example" not in email.body_text
    assert email.secrets == [LINK, TOKEN]


@pytest.mark.django_db
def test_a_token_shown_on_its_own_is_hidden_too(parent):
    email = queue_rendered_email(
        to_email=parent.email,
        user=parent,
        template="outbox_test",
        key="test:code",
        rendered=RenderedEmail(subject="Your code", text=f"Link: {LINK}\nOr paste: {TOKEN}\n", html=""),
        secrets=[LINK, TOKEN],
    )

    assert email.body_text == "Link: [[secret:0]]\nOr paste: [[secret:1]]\n"


@pytest.mark.django_db(transaction=True)
def test_a_secret_the_html_escapes_is_hidden_there_and_delivered_escaped(parent):
    link = "https://nurturing-touch.example/confirm/?user=7&key=k3y-s3cr3t"
    email = _queue_with_link(parent, link=link, secrets=[link])
    assert "k3y-s3cr3t" not in email.body_text + email.body_html

    deliver_email(email.pk)

    [sent] = mail.outbox
    assert f"open {link}" in sent.body
    assert "/confirm/?user=7&amp;key=k3y-s3cr3t" in sent.alternatives[0][0]


@pytest.mark.django_db(transaction=True)
def test_delivery_puts_the_secrets_back_and_then_forgets_them(parent):
    email = _queue_with_link(parent)

    assert deliver_email(email.pk) == (DeliveryOutcome.SENT, None)

    [sent] = mail.outbox
    assert sent.subject == f"Hello open {LINK}"
    assert f"open {LINK}" in sent.body
    assert f"open {LINK}" in sent.alternatives[0][0]
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT
    assert email.secrets == []
    assert TOKEN not in email.body_text + email.body_html


@pytest.mark.django_db(transaction=True)
def test_a_failed_delivery_keeps_the_secrets_for_the_retry(parent, settings):
    settings.EMAIL_BACKEND = "notifications.tests.test_services.FailingBackend"
    email = _queue_with_link(parent)

    assert deliver_email(email.pk)[0] == DeliveryOutcome.RETRY

    email.refresh_from_db()
    assert email.secrets == [LINK, TOKEN]


@pytest.mark.django_db
def test_staff_reading_the_outbox_see_a_mask_where_the_link_was(client, parent, user_factory):
    email = _queue_with_link(parent)
    reader = user_factory(email="olga@example.org", is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_outgoingemail"))
    client.force_login(reader)

    change_page = client.get(reverse("admin:notifications_outgoingemail_change", args=[email.pk]))
    list_page = client.get(reverse("admin:notifications_outgoingemail_changelist"))

    for page in (change_page, list_page):
        assert page.status_code == 200
        html = page.content.decode()
        assert TOKEN not in html
        assert str(SECRET_MASK) in html


@pytest.mark.django_db
def test_the_recipients_export_shows_the_mask(parent):
    _queue_with_link(parent)

    [exported] = emails_sent_to(parent)

    assert TOKEN not in exported["subject"] + exported["text"]
    assert f"open {SECRET_MASK}" in exported["text"]


@pytest.mark.django_db
def test_forgetting_a_recipient_forgets_the_secrets_of_their_queued_emails(parent):
    email = _queue_with_link(parent)

    forget_recipient(parent)

    email.refresh_from_db()
    assert email.secrets == []
