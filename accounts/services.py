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


def anonymise_user(user: User) -> User:
    """Turn an account into an anonymous, inactive shell: no name, no usable address or password, no
    email addresses with allauth. Rows that others rely on keep pointing at it."""
    from allauth.account.models import EmailAddress

    with transaction.atomic():
        EmailAddress.objects.filter(user=user).delete()
        user.email = f"deleted-{user.pk}@deleted.invalid"
        user.full_name = ""
        user.is_active = False
        user.set_unusable_password()
        user.save(update_fields=["email", "full_name", "is_active", "password"])
    return user
