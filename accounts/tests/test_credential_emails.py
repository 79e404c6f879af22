"""allauth's emails that act for their recipient — the address confirmation and the password reset —
reach the recipient with a working link, while staff reading the outbox in admin see only a mask."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Permission
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import PASSWORD
from notifications.models import OutgoingEmail
from notifications.services import SECRET_MASK, DeliveryOutcome, deliver_email

pytestmark = pytest.mark.django_db(transaction=True)

CONFIRM_LINK = re.compile(r"https?://testserver/accounts/confirm-email/(?P<key>[^/\s]+)/")
RESET_LINK = re.compile(r"https?://testserver/accounts/password/reset/key/(?P<key>[^/\s]+)/")
NEW_PASSWORD = {"password1": "a-brand-new-passphrase", "password2": "a-brand-new-passphrase"}


@pytest.fixture
def outbox_reader(user_factory) -> Client:
    """Staff who may read the outbox and nothing more: not a superuser."""
    reader = user_factory(email="olga@example.org", is_staff=True, is_superuser=False)
    reader.user_permissions.add(Permission.objects.get(codename="view_outgoingemail"))
    client = Client()
    client.force_login(reader)
    return client


def admin_page(reader: Client, email: OutgoingEmail) -> str:
    response = reader.get(reverse("admin:notifications_outgoingemail_change", args=[email.pk]))
    assert response.status_code == 200
    return response.content.decode()


def deliver(email: OutgoingEmail) -> str:
    """Send the row as the worker does and return the text the recipient got."""
    assert deliver_email(email.pk) == (DeliveryOutcome.SENT, None)
    [sent] = mail.outbox
    return sent.body


def test_the_password_reset_link_is_masked_in_admin_and_works_as_delivered(client, parent, outbox_reader):
    client.post(reverse("account_reset_password"), {"email": parent.email})
    email = OutgoingEmail.objects.get(template="account/email/password_reset_key")
    page_before_delivery = admin_page(outbox_reader, email)

    delivered = deliver(email)

    link = RESET_LINK.search(delivered)
    assert link, delivered
    token = link["key"].split("-", 1)[1]
    for page in (page_before_delivery, admin_page(outbox_reader, email)):
        assert link["key"] not in page and token not in page
        assert str(SECRET_MASK) in page
    email.refresh_from_db()
    assert email.secrets == []

    visitor = Client()
    form_page = visitor.get(urlparse(link[0]).path, follow=True)
    assert form_page.status_code == 200
    assert visitor.post(form_page.redirect_chain[-1][0], NEW_PASSWORD).status_code == 302
    parent.refresh_from_db()
    assert parent.check_password(NEW_PASSWORD["password1"])


def test_the_confirmation_link_is_masked_in_admin_and_confirms_as_delivered(client, outbox_reader):
    client.post(
        reverse("account_signup"),
        {
            "full_name": "Nora Quinn",
            "email": "nora@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    email = OutgoingEmail.objects.get(template="account/email/email_confirmation_signup")
    page_before_delivery = admin_page(outbox_reader, email)

    delivered = deliver(email)

    link = CONFIRM_LINK.search(delivered)
    assert link, delivered
    for page in (page_before_delivery, admin_page(outbox_reader, email)):
        assert link["key"] not in page
        assert str(SECRET_MASK) in page
    email.refresh_from_db()
    assert email.secrets == []

    Client().post(urlparse(link[0]).path)
    assert EmailAddress.objects.get(email="nora@example.org").verified


def test_an_html_only_email_has_its_credential_masked_in_the_text_made_from_it(parent, settings):
    # An allauth email overridden with only an HTML template: the adapter makes the text part itself.
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "DIRS": [Path(__file__).parent / "templates", *settings.TEMPLATES[0]["DIRS"]],
        }
    ]
    reset_url = "http://testserver/accounts/password/reset/key/7-c8x9ab-0123456789abcdef/"

    get_adapter().send_mail(
        "accounts_tests/html_only_reset",
        parent.email,
        {"password_reset_url": reset_url, "uid": "7", "key": "c8x9ab-0123456789abcdef"},
    )

    email = OutgoingEmail.objects.get(template="accounts_tests/html_only_reset")
    assert "<a href=" in email.body_html
    assert "Reset it here:" in email.body_text
    assert "0123456789abcdef" not in email.subject + email.body_text + email.body_html
    delivered = deliver(email)
    assert f"Reset it here: {reset_url}" in delivered
    assert f'<a href="{reset_url}">' in mail.outbox[0].alternatives[0][0]
