"""Credentials an email carries (a sign-in, reset or offer link, its token, a code), kept out of what staff
read: the stored bodies hold a numbered placeholder, delivery puts the credential back."""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from notifications.services.rendering import RenderedEmail

# Stored bodies hold this in place of each credential (a sign-in, reset or offer link, its token, a code).
SECRET_PLACEHOLDER = "[[secret:{}]]"
SECRET_PLACEHOLDER_PATTERN = re.compile(r"\[\[secret:(\d+)\]\]")
SECRET_MASK = _("[hidden: a one-time link or code ••••••]")


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
