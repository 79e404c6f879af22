"""The Spanish catalogue is complete: nothing in the code escapes it, nothing in it is left in English.

`makemessages` runs on a copy of the source tree (the repository's own catalogue is never rewritten by a
test), with the options of `make makemessages`; its result must hold exactly the committed messages, all
translated. A failure names the strings, and the fix is `make makemessages`, translate, `make messages`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

from tests.i18n.catalogue import PROJECT_DIR, SPANISH_PO, Entry, messages, parse

# What `make makemessages` ignores; everything else in the repository is scanned, a new app included.
NOT_SCANNED = {"locale", "bench", "tests", "test-artifacts", "var", "node_modules", "media", "staticfiles"}
MAKEMESSAGES = [
    "makemessages",
    "-l",
    "es",
    "--add-location=file",
    "--no-obsolete",
    *(f"--ignore={name}" for name in (".venv", *sorted(NOT_SCANNED))),
]
# The same in Spanish: names, codes and words Spanish borrows as they are.
SAME_IN_SPANISH = {
    "Nurturing Touch",
    "OK",
    "PDF",
    "IMC",
    "LinkedIn",
    "Open Badges",
    "Doula",
    "slug",
    "no",
    "EUR",
    "GBP",
    "USD",
}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%")
TAG = re.compile(r"</?[a-z][^>]*>")


def describe(entries: list[Entry]) -> str:
    return "\n".join(f"  {entry.label()}" for entry in entries)


@pytest.fixture(scope="module")
def committed() -> dict:
    return {entry.key: entry for entry in messages(SPANISH_PO)}


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> dict:
    """makemessages on a copy of the tree, merging into a copy of the committed catalogue."""
    tree = tmp_path_factory.mktemp("source")
    for item in PROJECT_DIR.iterdir():
        if item.name.startswith(".") or item.name in NOT_SCANNED:
            continue
        if item.is_dir():
            shutil.copytree(item, tree / item.name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif item.suffix == ".py":
            shutil.copy2(item, tree / item.name)
    target = tree / "locale" / "es" / "LC_MESSAGES" / "django.po"
    target.parent.mkdir(parents=True)
    shutil.copy2(SPANISH_PO, target)
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG", "LC_ALL") if name in os.environ}
    env.update(DEBUG="true", DJANGO_SETTINGS_MODULE="config.settings", VAR_DIR=str(tree / "var"))
    subprocess.run(
        [sys.executable, "manage.py", *MAKEMESSAGES],
        cwd=tree,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return {entry.key: entry for entry in messages(target)}


def test_every_string_in_the_code_is_in_the_spanish_catalogue(committed, regenerated):
    new = [entry for key, entry in regenerated.items() if key not in committed]

    assert not new, f"Not in locale/es/LC_MESSAGES/django.po yet (run make makemessages):\n{describe(new)}"


def test_the_catalogue_holds_no_string_the_code_no_longer_uses(committed, regenerated):
    stale = [entry for key, entry in committed.items() if key not in regenerated]

    assert not stale, f"No longer in the code (run make makemessages):\n{describe(stale)}"


def test_makemessages_leaves_nothing_fuzzy_or_untranslated(regenerated):
    unfinished = [
        entry
        for entry in regenerated.values()
        if "fuzzy" in entry.flags or not all(text.strip() for text in entry.translations)
    ]

    assert not unfinished, f"Fuzzy or untranslated after makemessages:\n{describe(unfinished)}"


def test_no_committed_entry_is_empty_fuzzy_or_obsolete():
    entries = parse(SPANISH_PO)
    header, rest = entries[0], entries[1:]
    empty = [entry for entry in rest if not all(text.strip() for text in entry.translations)]
    fuzzy = [entry for entry in entries if "fuzzy" in entry.flags]
    obsolete = [entry for entry in rest if entry.obsolete]

    assert header.msgid == ""
    assert not empty, f"Empty translations:\n{describe(empty)}"
    assert not fuzzy, f"Fuzzy entries:\n{describe(fuzzy)}"
    assert not obsolete, f"Obsolete entries:\n{describe(obsolete)}"


def test_msgfmt_check_passes_on_the_committed_catalogue(tmp_path):
    completed = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", str(tmp_path / "django.mo"), str(SPANISH_PO)],
        capture_output=True,
        text=True,
    )

    assert completed.returncode == 0, completed.stderr
    assert re.fullmatch(r"\d+ translated messages\.\n", completed.stderr), completed.stderr


def test_the_header_names_spanish_and_its_two_plural_forms():
    header = parse(SPANISH_PO)[0].msgstr[0]

    assert "Language: es\n" in header
    assert "Plural-Forms: nplurals=2; plural=(n != 1);\n" in header
    assert "charset=UTF-8" in header


def test_every_translation_keeps_the_placeholders_and_markup_of_its_source(committed):
    broken = []
    for entry in committed.values():
        sources = [entry.msgid] if entry.msgid_plural is None else [entry.msgid, entry.msgid_plural]
        for index, text in enumerate(entry.translations):
            source = sources[min(index, len(sources) - 1)]
            for pattern in (PLACEHOLDER, TAG):
                if sorted(pattern.findall(source)) != sorted(pattern.findall(text)):
                    broken.append(entry)

    assert not broken, f"Placeholders or HTML differ from the source:\n{describe(broken)}"


def test_no_spanish_entry_is_left_in_english(committed):
    def has_words(text: str) -> bool:
        return bool(re.search(r"[A-Za-z]", PLACEHOLDER.sub("", TAG.sub("", text))))

    untouched = [
        entry
        for entry in committed.values()
        if entry.msgid in entry.translations and entry.msgid not in SAME_IN_SPANISH and has_words(entry.msgid)
    ]

    assert not untouched, f"Same as the English source:\n{describe(untouched)}"


def test_spanish_speaks_to_the_parent_as_tu(committed):
    formal = re.compile(r"\b(usted|ustedes|su bebé)\b", re.IGNORECASE)
    offending = [
        entry for entry in committed.values() if any(formal.search(text) for text in entry.translations)
    ]

    assert not offending, f"Formal address where the product says “tú”:\n{describe(offending)}"
