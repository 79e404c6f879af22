"""Production posture: headers, cookies, rate limits, session rotation, single-use reset links."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from importlib import import_module
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from certification.credentials.keys import new_private_jwk
from notifications.models import OutgoingEmail
from notifications.services import build_message

ROOT = Path(__file__).resolve().parents[2]


def test_check_deploy_with_production_settings_reports_nothing():
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "booking.example.org",
        "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        # Production signs credentials with configured keys (certification.W001 otherwise).
        "CREDENTIAL_SIGNING_KEYS": json.dumps({"keys": [new_private_jwk("production-key")]}),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.fixture
def production(settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    return settings


@pytest.mark.django_db
def test_pages_carry_the_security_headers(client, production):
    response = client.get("/", secure=True)
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]*)", policy).group(1)
    assert "'unsafe-inline'" not in script_src
    assert "'unsafe-eval'" not in script_src
    assert "frame-ancestors 'none'" in policy
    assert "default-src 'self'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


@pytest.mark.django_db
def test_pages_load_nothing_from_another_site(client):
    page = client.get("/").content.decode()
    assert not re.search(r"""(src|href)=["']https?://(?!127\.0\.0\.1|localhost|testserver)""", page)


@pytest.mark.django_db
def test_session_cookie_is_secure_and_http_only_and_rotates_on_login(client, production, parent, password):
    # A visitor's session from before signing in (anything kept for a signed-out visitor starts one): an
    # attacker who planted or read its key must not be signed in along with the victim.
    anonymous = client.session
    anonymous["visited_before_signing_in"] = True
    anonymous.save()
    before = anonymous.session_key
    session_store = import_module(django_settings.SESSION_ENGINE).SessionStore

    response = client.post(
        "/accounts/login/", {"login": parent.email, "password": password}, secure=True, follow=False
    )

    assert response.status_code == 302
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    assert cookie["secure"] and cookie["httponly"]
    assert cookie.value != before
    assert not session_store().exists(before)
    assert session_store(cookie.value)["_auth_user_id"] == str(parent.pk)
    assert client.cookies[django_settings.CSRF_COOKIE_NAME]["secure"]


TOO_MANY_FAILURES = "Too many failed login attempts"
PROXY = "10.0.0.2"


def failed_login(client, email: str, **extra) -> str:
    return client.post(
        "/accounts/login/", {"login": email, "password": "wrong-guess"}, **extra
    ).content.decode()


@pytest.fixture
def behind_one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1


@pytest.mark.django_db
def test_repeated_failed_logins_for_one_account_are_rate_limited(redis_cache, client, parent, password):
    pages = [failed_login(client, parent.email) for _ in range(6)]
    assert not any(TOO_MANY_FAILURES in page for page in pages[:5])
    assert TOO_MANY_FAILURES in pages[5]
    # Even the right password is refused while the limit holds.
    response = client.post("/accounts/login/", {"login": parent.email, "password": password})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def failed_logins_for_many_accounts(client, times: int, **extra) -> list[str]:
    """Failures for a different address each time, so that only the per-client limit (10 a minute) counts."""
    return [failed_login(client, f"guess{number}@example.org", **extra) for number in range(times)]


@pytest.mark.django_db
def test_behind_a_proxy_failed_logins_are_limited_per_client(redis_cache, behind_one_proxy, client):
    client_a = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "203.0.113.5"}
    client_b = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.7"}

    pages = failed_logins_for_many_accounts(client, 11, **client_a)

    assert not any(TOO_MANY_FAILURES in page for page in pages[:10])
    assert TOO_MANY_FAILURES in pages[10]
    assert TOO_MANY_FAILURES not in failed_login(client, "someone@example.org", **client_b)


@pytest.mark.django_db
def test_an_address_forged_ahead_of_the_proxys_does_not_lift_the_login_limit(
    redis_cache, behind_one_proxy, client
):
    failed_logins_for_many_accounts(client, 10, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.5")

    # The client sent "198.51.100.7"; the proxy appended the address the client really came from.
    forged = failed_login(
        client, "someone@example.org", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.5"
    )

    assert TOO_MANY_FAILURES in forged


@pytest.mark.django_db
def test_without_a_trusted_proxy_rotating_forwarded_for_does_not_lift_the_login_limit(redis_cache, client):
    pages = [
        failed_login(
            client,
            f"guess{number}@example.org",
            REMOTE_ADDR="192.0.2.44",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{number}",
        )
        for number in range(11)
    ]

    assert not any(TOO_MANY_FAILURES in page for page in pages[:10])
    assert TOO_MANY_FAILURES in pages[10]
    assert TOO_MANY_FAILURES not in failed_login(client, "someone@example.org", REMOTE_ADDR="192.0.2.45")


@pytest.mark.django_db
def test_signups_from_one_address_are_rate_limited(redis_cache, client):
    statuses = []
    for number in range(22):
        response = client.post(
            "/accounts/signup/",
            {
                "full_name": "Rate Limited",
                "email": f"parent{number}@example.org",
                "password1": "a-long-gentle-passphrase",
                "password2": "a-long-gentle-passphrase",
            },
        )
        statuses.append(response.status_code)
    assert statuses[0] == 302
    assert statuses[-1] == 429


@pytest.mark.django_db
def test_password_reset_requests_for_one_address_are_rate_limited(redis_cache, client, parent):
    statuses = [
        client.post("/accounts/password/reset/", {"email": parent.email}).status_code for _ in range(7)
    ]
    assert statuses[0] == 302
    assert 429 in statuses


@pytest.mark.django_db
def test_a_password_reset_link_works_once(client, parent):
    client.post("/accounts/password/reset/", {"email": parent.email})
    email = OutgoingEmail.objects.get(to_email=parent.email, key__startswith="account:")
    # The stored body holds a placeholder for the link; it is put back only in the message delivered.
    delivered = build_message(email).body
    path = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", delivered).group(1)
    form_page = client.get(path, follow=True)
    set_password_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else path
    new = {"password1": "another-long-passphrase", "password2": "another-long-passphrase"}
    assert client.post(set_password_url, new).status_code == 302

    client.logout()
    second = client.get(path, follow=True)
    assert b"password1" not in second.content
    assert "invalid" in second.content.decode().lower() or "expired" in second.content.decode().lower()
