"""Rendering an email: its templates in the recipient's language, and Blanks left open when one rendering
serves many recipients (filled per copy by fill_blanks)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import translation
from django.utils.html import escape

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    content_type: str


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class EmailContent:
    """What a deferred email's renderer returns: the template context, the files, the credentials."""

    context: dict[str, Any]
    attachments: Sequence[Attachment] = ()
    secrets: Sequence[str] = ()


# A per-recipient value (a first name) left open when one rendering serves many recipients.
BLANK_PLACEHOLDER = "[[blank:{}]]"
BLANK_PLACEHOLDER_PATTERN = re.compile(r"\[\[blank:(\w+)\]\]")


@dataclass(frozen=True)
class Blank:
    """A template value that differs by recipient, rendered as a placeholder and filled in per copy.

    Put it where the template prints a value as it is (``{{ name }}``, a blocktranslate argument): a
    filter applied to it (``|upper``, ``|truncatechars``) would act on the placeholder, not the value.
    """

    name: str

    def __str__(self) -> str:
        return BLANK_PLACEHOLDER.format(self.name)


def fill_blanks(rendered: RenderedEmail, values: Mapping[str, str]) -> RenderedEmail:
    """One recipient's copy: each Blank replaced by its value, HTML-escaped in the HTML part.

    One pass, so a value that looks like a placeholder is printed as it is, never filled in again.
    """

    def fill(text: str, *, html: bool = False, one_line: bool = False) -> str:
        def value(match: re.Match) -> str:
            if match.group(1) not in values:
                return match.group(0)
            filled = values[match.group(1)]
            if one_line:
                filled = " ".join(filled.split())
            return str(escape(filled)) if html else filled

        return BLANK_PLACEHOLDER_PATTERN.sub(value, text)

    return RenderedEmail(
        subject=fill(rendered.subject, one_line=True),
        text=fill(rendered.text),
        html=fill(rendered.html, html=True),
    )


def _render_plain(template_name: str, context: dict[str, Any]) -> str:
    """Render a plain-text template without HTML escaping: "O'Brien" stays "O'Brien" in a text email."""
    return get_template(template_name).template.render(Context(context, autoescape=False))


def render_email(template: str, context: dict[str, Any], *, language: str) -> RenderedEmail:
    """Render templates/emails/<template>.{subject.txt,txt,html} in the given language."""
    full_context = {"site_url": settings.SITE_URL, **context}
    with translation.override(language):
        subject = _render_plain(f"emails/{template}.subject.txt", full_context)
        text = _render_plain(f"emails/{template}.txt", full_context)
        html = render_to_string(f"emails/{template}.html", full_context)
    return RenderedEmail(subject=" ".join(subject.split()), text=text.strip() + "\n", html=html)


def language_for(user: AbstractBaseUser | None) -> str:
    return getattr(user, "preferred_language", None) or settings.LANGUAGE_CODE
