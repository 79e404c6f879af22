"""Signing up, confirming the address, signing in, resetting a password and personal settings,
all through the pages a person uses. allauth's emails must go through the outbox."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib import auth
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import PASSWORD, UserFactory
from notifications.models import OutgoingEmail
from notifications.services import build_message

pytestmark = pytest.mark.django_db

CONFIRM_LINK = re.compile(r"https?://testserver(/accounts/confirm-email/[^/\s]+/)")
RESET_LINK = re.compile(r"https?://testserver(/accounts/password/reset/key/[^/\s]+/)")


def _signed_in_user(client) -> User | None:
    user = auth.get_user(client)
    return user if user.is_authenticated else None


def _sign_up(client, email: str = "fiona@example.org"):
    return client.post(
        reverse("account_signup"),
        {"full_name": "Fiona Flores", "email": email, "password1": PASSWORD, "password2": PASSWORD},
    )


def _link_in_outbox(pattern: re.Pattern, to_email: str, template: str) -> str:
    """The link as it will be delivered: the stored body holds only a placeholder for it."""
    delivered = build_message(OutgoingEmail.objects.get(to_email=to_email, template=template)).body
    match = pattern.search(delivered)
    assert match, delivered
    return match.group(1)


def test_signup_page_shows_the_form(client):
    response = client.get(reverse("account_signup"))

    assert response.status_code == 200
    assert b'name="full_name"' in response.content


def test_signup_sends_the_confirmation_through_the_outbox(client):
    response = _sign_up(client)

    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    user = User.objects.get(email="fiona@example.org")
    assert user.full_name == "Fiona Flores"
    assert not EmailAddress.objects.get(user=user).verified
    email = OutgoingEmail.objects.get(to_email="fiona@example.org")
    assert email.template == "account/email/email_confirmation_signup"
    assert email.user == user
    assert email.status == OutgoingEmail.Status.QUEUED
    assert email.key.startswith("account:email_confirmation_signup:")
    assert not CONFIRM_LINK.search(email.body_text)
    assert CONFIRM_LINK.search(build_message(email).body)
    assert _signed_in_user(client) is None


def test_confirmation_link_shows_a_page_and_confirming_signs_the_person_in(client):
    _sign_up(client)
    confirm_url = _link_in_outbox(
        CONFIRM_LINK, "fiona@example.org", "account/email/email_confirmation_signup"
    )

    page = client.get(confirm_url)
    assert page.status_code == 200
    assert not EmailAddress.objects.get(email="fiona@example.org").verified

    response = client.post(confirm_url)

    assert response.status_code == 302
    assert EmailAddress.objects.get(email="fiona@example.org").verified
    assert _signed_in_user(client) == User.objects.get(email="fiona@example.org")


def test_unverified_account_cannot_sign_in(client):
    user = UserFactory(email="gina@example.org")
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)

    response = client.post(reverse("account_login"), {"login": "gina@example.org", "password": PASSWORD})

    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert _signed_in_user(client) is None


def test_verified_person_signs_in_with_email_and_password(client, parent):
    response = client.post(reverse("account_login"), {"login": "Alice@Example.org", "password": PASSWORD})

    assert response.status_code == 302
    assert response.url == reverse("home")
    assert _signed_in_user(client) == parent


def test_wrong_password_does_not_sign_in(client, parent):
    response = client.post(
        reverse("account_login"), {"login": parent.email, "password": "wrong-horse-battery"}
    )

    assert response.status_code == 200
    assert _signed_in_user(client) is None


def test_password_reset_link_goes_through_the_outbox_and_sets_a_new_password(client, parent):
    response = client.post(reverse("account_reset_password"), {"email": parent.email})

    assert response.status_code == 302
    assert response.url == reverse("account_reset_password_done")
    reset_url = _link_in_outbox(RESET_LINK, parent.email, "account/email/password_reset_key")

    form_page = client.get(reset_url, follow=True)
    assert form_page.status_code == 200
    set_password_url = form_page.redirect_chain[-1][0]
    response = client.post(
        set_password_url, {"password1": "a-new-long-passphrase", "password2": "a-new-long-passphrase"}
    )

    assert response.status_code == 302
    parent.refresh_from_db()
    assert parent.check_password("a-new-long-passphrase")


def test_account_settings_require_signing_in(client):
    response = client.get(reverse("accounts:settings"))

    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next={reverse('accounts:settings')}"


def test_account_settings_change_name_language_and_time_zone(client, parent):
    client.force_login(parent)

    response = client.post(
        reverse("accounts:settings"),
        {"full_name": "Alice Alvarez Ruiz", "preferred_language": "es", "time_zone": "America/Mexico_City"},
    )

    assert response.status_code == 302
    assert response.url == reverse("accounts:settings")
    assert response.cookies["django_language"].value == "es"
    parent.refresh_from_db()
    assert (parent.full_name, parent.preferred_language, parent.time_zone) == (
        "Alice Alvarez Ruiz",
        "es",
        "America/Mexico_City",
    )


def test_account_settings_reject_an_unknown_time_zone(client, parent):
    client.force_login(parent)

    client.post(
        reverse("accounts:settings"),
        {"full_name": "Alice Alvarez", "preferred_language": "es", "time_zone": "Europe/Atlantis"},
    )

    parent.refresh_from_db()
    assert (parent.preferred_language, parent.time_zone) == ("en", "Europe/Madrid")


def test_language_switch_is_remembered_on_the_profile(client, parent):
    client.force_login(parent)

    response = client.post(reverse("accounts:set_language"), {"language": "es"})

    assert response.status_code == 302
    parent.refresh_from_db()
    assert parent.preferred_language == "es"


def test_language_switch_ignores_an_unknown_language(client, parent):
    client.force_login(parent)

    client.post(reverse("accounts:set_language"), {"language": "xx"})

    parent.refresh_from_db()
    assert parent.preferred_language == "en"


def test_language_switch_works_for_visitors_with_a_cookie(client):
    response = client.post(reverse("accounts:set_language"), {"language": "es"})

    assert response.status_code == 302
    assert response.cookies["django_language"].value == "es"


def test_language_switch_refuses_get(client, parent):
    client.force_login(parent)

    response = client.get(reverse("accounts:set_language"), {"language": "es"})

    assert response.status_code == 405
    parent.refresh_from_db()
    assert parent.preferred_language == "en"
