from __future__ import annotations

from django.db import transaction

from accounts.models import User


def update_account_settings(user: User, *, full_name: str, preferred_language: str, time_zone: str) -> User:
    """Change a person's name, language and time zone."""
    with transaction.atomic():
        user.full_name = full_name
        user.preferred_language = preferred_language
        user.time_zone = time_zone
        user.save(update_fields=["full_name", "preferred_language", "time_zone"])
    return user


def set_preferred_language(user: User, *, language: str) -> User:
    """Remember the language a signed-in person picked in the switcher."""
    with transaction.atomic():
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])
    return user
