"""Django for a bench phase run as its own process (`python -m bench.<phase>`): the bench settings,
whatever database the orchestrator passed in DATABASE_URL."""

from __future__ import annotations

import os


def setup() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_bench")
    django.setup()
