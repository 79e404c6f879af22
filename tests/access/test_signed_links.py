"""Links in emails that act without a password — a waitlist offer, an email confirmation, a password
reset — work as sent, and refuse a token that was tampered with, has expired or was superseded.

Each test starts with the untouched link doing its job (the control), so a refusal means the token was
checked, not that the page is broken.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from allauth.account import app_settings as allauth_settings
from allauth.account.models import EmailAddress
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from classes.emails import OFFER_SALT, offer_token
from classes.models import Booking
from notifications.models import OutgoingEmail
from notifications.services import build_message
from tests.access.snapshot import changes, database_snapshot

pytestmark = pytest.mark.django_db

NEW_PASSWORD = {"password1": "a-brand-new-passphrase", "password2": "a-brand-new-passphrase"}


def tampered(token: str) -> str:
    """The same token with one character of its signature changed."""
    last = token[-1]
    return token[:-1] + ("A" if last != "A" else "B")


def offer_url(token: str) -> str:
    return reverse("classes:offer_respond", kwargs={"token": token})


def link_in(email: OutgoingEmail, pattern: str) -> str:
    # The stored body hides credentials from staff; the message delivery builds carries the real link.
    body = build_message(email).body
    match = re.search(rf"https?://[^/\s]+({pattern}\S*)", body)
    assert match, body
    return match.group(1)


class TestWaitlistOffer:
    def test_the_offer_link_accepts_the_place(self, client, world):
        assert client.post(offer_url(offer_token(world.offered)), {"choice": "accept"}).status_code == 302

        world.offered.refresh_from_db()
        assert world.offered.status == Booking.Status.CONFIRMED

    @pytest.mark.parametrize("choice", [None, "", "yes", "<script>alert(1)</script>"])
    def test_a_post_without_either_answer_changes_nothing(self, client, world, choice):
        before = database_snapshot()

        data = {} if choice is None else {"choice": choice}
        response = client.post(offer_url(offer_token(world.offered)), data, follow=True)

        assert "Choose whether to accept or decline the place." in response.content.decode()
        assert not changes(before, database_snapshot())

    @pytest.mark.parametrize("method", ["get", "post"])
    def test_a_tampered_token_is_a_404_and_changes_nothing(self, client, world, method):
        before = database_snapshot()

        response = getattr(client, method)(
            offer_url(tampered(offer_token(world.offered))), {"choice": "accept"}
        )

        assert response.status_code == 404
        assert not changes(before, database_snapshot())

    def test_a_token_signed_for_something_else_is_a_404(self, client, world):
        forged = signing.dumps({"booking": world.offered.pk, "offer": ""}, salt="another.purpose")
        unsalted = signing.dumps({"booking": world.offered.pk, "offer": ""})

        assert client.get(offer_url(forged)).status_code == 404
        assert client.get(offer_url(unsalted)).status_code == 404
        assert client.get(offer_url(signing.dumps(["not", "a", "dict"], salt=OFFER_SALT))).status_code == 404

    def test_an_expired_token_is_a_404_and_accepts_nothing(self, client, world):
        token = offer_token(world.offered)
        before = database_snapshot()

        with time_machine.travel(timezone.now() + timedelta(hours=26)):
            assert client.get(offer_url(token)).status_code == 404
            assert client.post(offer_url(token), {"choice": "accept"}).status_code == 404

        assert not changes(before, database_snapshot())

    def test_an_offer_past_its_expiry_cannot_be_accepted_before_the_sweep_runs(self, client, world):
        token = offer_token(world.offered)

        with time_machine.travel(world.offered.offer_expires_at + timedelta(minutes=5)):
            page = client.get(offer_url(token))
            response = client.post(offer_url(token), {"choice": "accept"}, follow=True)

        assert page.status_code == 200
        assert "Accept the place" not in page.content.decode()
        assert "This offer is no longer open." in response.content.decode()
        world.offered.refresh_from_db()
        assert world.offered.status == Booking.Status.OFFERED

    def test_the_link_of_a_superseded_offer_accepts_nothing(self, client, world):
        token = offer_token(world.offered)
        # The offer is made again later (a new expiry): the first email's link names the old one.
        Booking.objects.filter(pk=world.offered.pk).update(
            offer_expires_at=world.offered.offer_expires_at + timedelta(hours=1)
        )

        response = client.post(offer_url(token), {"choice": "accept"}, follow=True)

        assert "This offer is no longer open." in response.content.decode()
        world.offered.refresh_from_db()
        assert world.offered.status == Booking.Status.OFFERED


@pytest.fixture
def confirmation_link(client) -> str:
    """The link of the confirmation email a new parent gets on signing up."""
    client.post(
        reverse("account_signup"),
        {
            "full_name": "Nora Quinn",
            "email": "nora@example.org",
            "password1": "a-long-gentle-passphrase",
            "password2": "a-long-gentle-passphrase",
        },
    )
    email = OutgoingEmail.objects.get(to_email="nora@example.org", key__startswith="account:")
    return link_in(email, "/accounts/confirm-email/")


def is_verified() -> bool:
    return EmailAddress.objects.get(email="nora@example.org").verified


class TestEmailConfirmation:
    def test_the_link_confirms_the_address(self, confirmation_link):
        Client().post(confirmation_link)

        assert is_verified()

    def test_a_tampered_key_confirms_nothing(self, confirmation_link):
        url = confirmation_link.rstrip("/")
        url = tampered(url) + "/"

        page = Client().get(url)
        Client().post(url)

        assert "This confirmation link has expired or is not valid." in page.content.decode()
        assert not is_verified()

    def test_an_expired_key_confirms_nothing(self, confirmation_link):
        with time_machine.travel(
            timezone.now() + timedelta(days=allauth_settings.EMAIL_CONFIRMATION_EXPIRE_DAYS + 1)
        ):
            page = Client().get(confirmation_link)
            Client().post(confirmation_link)

        assert "This confirmation link has expired or is not valid." in page.content.decode()
        assert not is_verified()


@pytest.fixture
def reset_link(parent) -> str:
    Client().post(reverse("account_reset_password"), {"email": parent.email})
    email = OutgoingEmail.objects.get(to_email=parent.email, key__startswith="account:")
    return link_in(email, "/accounts/password/reset/key/")


def reset_with(link: str) -> Client:
    """Open the link and post a new password to wherever it leads, as the browser would."""
    client = Client()
    page = client.get(link, follow=True)
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else link
    client.post(form_url, NEW_PASSWORD)
    return client


class TestPasswordReset:
    def test_the_link_sets_a_new_password(self, reset_link, parent):
        reset_with(reset_link)

        parent.refresh_from_db()
        assert parent.check_password(NEW_PASSWORD["password1"])

    def test_a_tampered_key_sets_nothing(self, reset_link, parent, password):
        page = Client().get(tampered(reset_link.rstrip("/")) + "/", follow=True)
        reset_with(tampered(reset_link.rstrip("/")) + "/")

        assert b"password1" not in page.content
        parent.refresh_from_db()
        assert parent.check_password(password)

    def test_an_expired_key_sets_nothing(self, reset_link, parent, password, settings):
        with time_machine.travel(timezone.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)):
            page = Client().get(reset_link, follow=True)
            reset_with(reset_link)

        assert b"password1" not in page.content
        parent.refresh_from_db()
        assert parent.check_password(password)
