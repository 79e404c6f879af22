"""Every row of our apps, to show that a refused request or an invalid form changed nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.apps import apps
from django.db import transaction

# Our apps, and allauth's email addresses (confirming one is a change people care about).
APPS = (
    "accounts",
    "notifications",
    "payments",
    "classes",
    "instructors",
    "certification",
    "privacy",
    "account",
)
# Written by signing in, which the tests do before they take a snapshot.
IGNORED_FIELDS = {"last_login"}


def database_snapshot() -> dict[str, list[dict]]:
    snapshot = {}
    for app_config in apps.get_app_configs():
        if app_config.label not in APPS:
            continue
        for model in app_config.get_models():
            rows = model._default_manager.order_by("pk").values()
            snapshot[model._meta.label] = [
                {name: value for name, value in row.items() if name not in IGNORED_FIELDS} for row in rows
            ]
    return snapshot


def changes(before: dict[str, list[dict]], after: dict[str, list[dict]]) -> list[str]:
    """The tables whose rows differ, for an assertion message."""
    return [label for label in before if before[label] != after.get(label)]


@contextmanager
def rolled_back() -> Iterator[None]:
    """Whatever happens inside is undone after, so the next request meets the same rows."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)
