"""Reading and writing gettext catalogues for the language tests, with nothing but the standard library
and GNU gettext's msgfmt (a system package the suite needs anyway, scripts/ensure_system_packages.sh).

Only what Django's makemessages and msgmerge write is understood: entries with msgctxt, msgid,
msgid_plural and msgstr/msgstr[n], each string on one or more quoted lines, flags on a `#,` line and
obsolete entries behind `#~`.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
SPANISH_PO = PROJECT_DIR / "locale" / "es" / "LC_MESSAGES" / "django.po"

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+"(.*)"$')


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self) -> tuple[str | None, str]:
        return self.msgctxt, self.msgid

    @property
    def translations(self) -> list[str]:
        return [self.msgstr.get(index, "") for index in range(max(len(self.msgstr), 1))]

    def label(self) -> str:
        return f"[{self.msgctxt}] {self.msgid!r}" if self.msgctxt else repr(self.msgid)


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda match: _ESCAPES.get(match.group(1), match.group(0)), text)


def _quote(text: str) -> str:
    return (
        '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'
    )


def parse(path: Path) -> list[Entry]:
    """Every entry of a .po file, the header (msgid "") included, in file order."""
    entries: list[Entry] = []
    entry, target = Entry(), None
    started = False

    def finish() -> None:
        nonlocal entry, target, started
        if started:
            entries.append(entry)
        entry, target, started = Entry(), None, False

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            entry.obsolete = True
            line = line[2:].strip()
            if not line or line.startswith("|"):
                continue
        elif line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        elif line.startswith("#"):
            continue
        match = _KEYWORD.match(line)
        if match:
            keyword, text = match.groups()
            if keyword == "msgid" and started and target not in ("msgctxt", None):
                finish()
            started = True
            target = keyword
            value = _unquote(text)
            if keyword == "msgctxt":
                entry.msgctxt = value
            elif keyword == "msgid":
                entry.msgid = value
            elif keyword == "msgid_plural":
                entry.msgid_plural = value
            else:
                index = int(keyword[7:-1]) if "[" in keyword else 0
                entry.msgstr[index] = value
                target = f"msgstr{index}"
        elif line.startswith('"') and line.endswith('"') and target:
            value = _unquote(line[1:-1])
            if target == "msgctxt":
                entry.msgctxt = (entry.msgctxt or "") + value
            elif target == "msgid":
                entry.msgid += value
            elif target == "msgid_plural":
                entry.msgid_plural = (entry.msgid_plural or "") + value
            else:
                index = int(target[6:])
                entry.msgstr[index] += value
        else:
            raise ValueError(f"{path}: cannot read line {raw!r}")
    finish()
    return entries


def messages(path: Path) -> list[Entry]:
    """The translatable entries of a .po file: no header, no obsolete entries."""
    return [entry for entry in parse(path) if entry.msgid and not entry.obsolete]


def write(path: Path, entries: list[Entry], *, language: str) -> None:
    """A UTF-8 catalogue with two plural forms, as msgfmt reads it."""
    header = (
        "Project-Id-Version: Nurturing Touch\\n"
        "PO-Revision-Date: 2026-01-01 00:00+0000\\n"
        "Last-Translator: tests\\n"
        "Language-Team: tests\\n"
        f"Language: {language}\\n"
        "MIME-Version: 1.0\\n"
        "Content-Type: text/plain; charset=UTF-8\\n"
        "Content-Transfer-Encoding: 8bit\\n"
        "Plural-Forms: nplurals=2; plural=(n != 1);\\n"
    )
    lines = ['msgid ""', f'msgstr "{header}"', ""]
    for entry in entries:
        if entry.msgctxt is not None:
            lines.append(f"msgctxt {_quote(entry.msgctxt)}")
        lines.append(f"msgid {_quote(entry.msgid)}")
        if entry.msgid_plural is not None:
            lines.append(f"msgid_plural {_quote(entry.msgid_plural)}")
            lines.extend(f"msgstr[{index}] {_quote(text)}" for index, text in sorted(entry.msgstr.items()))
        else:
            lines.append(f"msgstr {_quote(entry.msgstr.get(0, ''))}")
        lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")


def check_spanish_is_compiled() -> None:
    """Django reads the compiled catalogue: a missing or stale one would fail the language tests for no
    reason a reader could see. `make test` and `make run` compile it (`make messages`)."""
    compiled = SPANISH_PO.with_suffix(".mo")
    if not compiled.exists() or compiled.stat().st_mtime < SPANISH_PO.stat().st_mtime:
        raise AssertionError(f"{compiled} is missing or older than its .po: run `make messages`.")


def compile_mo(po: Path) -> Path:
    """msgfmt --check: placeholders of python-format entries, plural forms and the header are checked."""
    mo = po.with_suffix(".mo")
    subprocess.run(["msgfmt", "--check", "-o", str(mo), str(po)], check=True, capture_output=True, text=True)
    return mo
