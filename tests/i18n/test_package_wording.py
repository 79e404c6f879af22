"""Django's and allauth's own Spanish speaks formally (usted); locale/_packages re-words what our people
see so that sign-up, sign-in and their emails speak as "tú" like the rest of the site."""

from __future__ import annotations

import re
import subprocess

import pytest

from notifications.models import OutgoingEmail
from tests.i18n.catalogue import PROJECT_DIR, SPANISH_PO, messages
from tests.i18n.pseudo import html_text, package_catalogues

PACKAGES_PO = PROJECT_DIR / "locale" / "_packages" / "es" / "LC_MESSAGES" / "django.po"
FORMAL = re.compile(
    r"\b(usted|ustedes|su contraseña|su cuenta|su dirección|introduzca|asegúrese|escoja|"
    r"ha indicado|inténtelo|confirme|ha iniciado sesión|ha cerrado sesión|vete a)\b",
    re.IGNORECASE,
)


def test_every_reworded_message_is_still_one_the_packages_say():
    theirs = {}
    for catalogue in package_catalogues():
        for entry in messages(catalogue):
            theirs.setdefault(entry.key, entry)
    ours = {entry.key for entry in messages(SPANISH_PO)}
    reworded = messages(PACKAGES_PO)

    gone = [entry.msgid for entry in reworded if entry.key not in theirs]
    changed = [
        entry.msgid
        for entry in reworded
        if entry.key in theirs and theirs[entry.key].msgid_plural != entry.msgid_plural
    ]
    shadowed = [entry.msgid for entry in reworded if entry.key in ours]
    assert not gone, f"No package says these any more: {gone}"
    assert not changed, f"Plural forms differ from the package's: {changed}"
    assert not shadowed, f"Our own catalogue already words these: {shadowed}"


def test_the_reworded_catalogue_is_complete_and_checks_clean(tmp_path):
    reworded = messages(PACKAGES_PO)
    completed = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", str(tmp_path / "django.mo"), str(PACKAGES_PO)],
        capture_output=True,
        text=True,
    )

    assert completed.returncode == 0, completed.stderr
    assert completed.stderr == f"{len(reworded)} translated messages.\n"
    assert not [entry.msgid for entry in reworded if FORMAL.search(" ".join(entry.translations))]


@pytest.mark.django_db
def test_signing_up_and_in_speaks_as_tu_in_spanish(client, parent):
    signup = client.post(
        "/accounts/signup/",
        {"full_name": "", "email": "not-an-address", "password1": "123", "password2": "1234"},
        HTTP_ACCEPT_LANGUAGE="es",
    )
    sign_in = client.post(
        "/accounts/login/", {"login": parent.email, "password": "wrong"}, HTTP_ACCEPT_LANGUAGE="es"
    )
    pages = html_text(signup.content.decode()) + html_text(sign_in.content.decode())

    assert "Escribe una dirección de correo electrónico válida." in pages
    assert "Tu contraseña tiene que tener al menos 8 caracteres." in pages
    assert "Esta contraseña es demasiado corta: tiene que tener al menos 8 caracteres." in pages
    assert "El correo electrónico o la contraseña no son correctos." in pages
    assert not FORMAL.findall(pages)


@pytest.mark.django_db
def test_account_emails_in_spanish_speak_as_tu(client, parent):
    parent.preferred_language = "es"
    parent.save(update_fields=["preferred_language"])
    client.post(
        "/accounts/signup/",
        {
            "full_name": "Nora Quinn",
            "email": "nora@example.org",
            "password1": "a-long-gentle-passphrase",
            "password2": "a-long-gentle-passphrase",
        },
        HTTP_ACCEPT_LANGUAGE="es",
    )
    client.post("/accounts/password/reset/", {"email": parent.email}, HTTP_ACCEPT_LANGUAGE="es")
    client.post("/accounts/password/reset/", {"email": "nobody@example.org"}, HTTP_ACCEPT_LANGUAGE="es")

    emails = {email.template.rsplit("/", 1)[-1]: email for email in OutgoingEmail.objects.all()}
    assert set(emails) == {"email_confirmation_signup", "password_reset_key", "unknown_account"}
    assert emails["email_confirmation_signup"].subject.endswith("Confirma tu dirección de correo electrónico")
    assert "Para confirmarlo, abre este enlace: " in emails["email_confirmation_signup"].body_text
    assert "ha pedido restablecer la contraseña de tu cuenta" in emails["password_reset_key"].body_text
    assert "Si has sido tú, puedes crear una cuenta" in emails["unknown_account"].body_text
    for email in emails.values():
        assert email.language == "es"
        assert not FORMAL.findall(email.subject + email.body_text), email.template
