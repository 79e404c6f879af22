"""A pseudo-locale that shows where translation stops: every message reads ⟦its English source⟧.

Built at test time from the committed Spanish catalogue and from the Spanish catalogues of the packages
whose strings our pages show (Django and its contrib apps, allauth, django-countries), and served as
Esperanto ("eo"), a language Django knows. Text outside the markers that is not data (a name, a place, a
date, a number) escaped translation.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import allauth
import django
import django_countries

from tests.i18n.catalogue import SPANISH_PO, Entry, compile_mo, messages, write

PSEUDO = "eo"
OPEN, CLOSE = "⟦", "⟧"
INNERMOST = re.compile(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}")
NOT_WORDS = re.compile(r"https?://\S+|\S+@\S+|\d+|[^\w\s]", re.UNICODE)
# Language names in the switcher are in their own language on purpose; the brand is a name; Esperanto's
# date format spells a word of its own ("20-a de ⟦September⟧ 2026"); course times name their zone.
ALWAYS_DATA = ["Nurturing Touch", "English", "Español", "Esperanto", "-a de ", "Europe/Madrid", "EUR"]


def package_catalogues() -> list[Path]:
    django_dir = Path(django.__file__).parent
    return [
        django_dir / "conf" / "locale" / "es" / "LC_MESSAGES" / "django.po",
        *sorted(django_dir.glob("contrib/*/locale/es/LC_MESSAGES/django.po")),
        Path(allauth.__file__).parent / "locale" / "es" / "LC_MESSAGES" / "django.po",
        Path(django_countries.__file__).parent / "locale" / "es" / "LC_MESSAGES" / "django.po",
    ]


def _wrap(text: str) -> str:
    # gettext wants a translation to start and end with a newline exactly when its source does.
    core = text.strip("\n")
    start, end = text[: len(text) - len(text.lstrip("\n"))], text[len(text.rstrip("\n")) :]
    return f"{start}{OPEN}{core}{CLOSE}{end}"


def build_catalogue(directory: Path) -> Path:
    """Write and compile <directory>/eo/LC_MESSAGES/django.{po,mo}; returns the .mo."""
    entries: dict = {}
    for catalogue in [SPANISH_PO, *package_catalogues()]:
        for entry in messages(catalogue):
            forms = [entry.msgid] if entry.msgid_plural is None else [entry.msgid, entry.msgid_plural]
            entries.setdefault(
                entry.key,
                Entry(
                    msgid=entry.msgid,
                    msgctxt=entry.msgctxt,
                    msgid_plural=entry.msgid_plural,
                    msgstr={index: _wrap(text) for index, text in enumerate(forms)},
                ),
            )
    po = directory / PSEUDO / "LC_MESSAGES" / "django.po"
    write(po, list(entries.values()), language=PSEUDO)
    return compile_mo(po)


def serve(settings, directory: Path) -> str:
    """Offer "eo" from a pseudo catalogue built in `directory`, through pytest-django's `settings`:
    Django's setting_changed receivers drop the catalogues and language caches it has loaded, and do so
    again when the test ends."""
    build_catalogue(directory)
    settings.LOCALE_PATHS = [directory, *settings.LOCALE_PATHS]
    settings.LANGUAGES = [*settings.LANGUAGES, (PSEUDO, "Pseudo")]
    return PSEUDO


def escaped(text: str, data: list[str]) -> list[str]:
    """The lines of `text` with words neither inside ⟦markers⟧ nor data; what is left of each such line
    is returned, so the untranslated words stand out."""
    while INNERMOST.search(text):
        text = INNERMOST.sub(" ", text)
    found = []
    for line in text.splitlines():
        rest = line
        for value in sorted([*ALWAYS_DATA, *data], key=len, reverse=True):
            rest = rest.replace(value, " ")
        if re.search(r"[^\W\d_]", NOT_WORDS.sub(" ", rest)):
            found.append(" ".join(line.split()))
    return found


class _Text(HTMLParser):
    """Text nodes (the title and a mail's preview line included) and the labels held in attributes."""

    LABELS = ("aria-label", "title", "placeholder", "alt")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = False

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        self.skipping = tag in ("script", "style")
        labels = [values[name] for name in self.LABELS if values.get(name)]
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            labels.append(values["value"])
        self.parts.extend(f"\n{label}\n" for label in labels)
        self.parts.append("\n")

    def handle_endtag(self, tag):
        self.skipping = False
        self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def html_text(html: str) -> str:
    """Roughly what a reader of a page or an HTML email sees or hears."""
    parser = _Text()
    parser.feed(html)
    return "".join(parser.parts)
