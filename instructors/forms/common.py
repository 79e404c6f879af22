"""Small pieces the instructors' forms share."""

from __future__ import annotations

from django import forms
from django.conf import global_settings
from django.utils.translation import gettext_lazy as _


def language_choices() -> list[tuple[str, str]]:
    """Every language Django knows, in the reader's language, alphabetically."""
    return sorted(
        ((code, str(_(name))) for code, name in global_settings.LANGUAGES), key=lambda pair: pair[1]
    )


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs) -> None:
        super().__init__(format="%H:%M", **kwargs)
