"""A course's default cancellation cutoff is read from the settings (an env var) when the course is
created; the migrations never hold its value, so a deployment that sets
BOOKING_DEFAULT_CANCELLATION_CUTOFF_HOURS has no pending migration."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from classes.models import Course

REPO_ROOT = Path(__file__).resolve().parents[2]

DEFAULT_THEN_MIGRATIONS = """
import django
django.setup()
from django.core.management import call_command
from classes.models import Course
print(Course._meta.get_field("cancellation_cutoff_hours").get_default())
call_command("makemigrations", check=True, dry_run=True)
"""


def test_another_cutoff_in_the_environment_leaves_no_migration_to_make(tmp_path):
    # A fresh interpreter with only what settings need: settings are read once per process.
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "true",
        "BOOKING_DEFAULT_CANCELLATION_CUTOFF_HOURS": "72",
    }

    result = subprocess.run(
        [sys.executable, "-c", DEFAULT_THEN_MIGRATIONS],
        env=environment,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == ["72", "No changes detected"]


def test_a_new_course_takes_the_cutoff_the_settings_hold_when_it_is_created(settings):
    settings.BOOKING_DEFAULT_CANCELLATION_CUTOFF_HOURS = 72
    assert Course().cancellation_cutoff_hours == 72

    settings.BOOKING_DEFAULT_CANCELLATION_CUTOFF_HOURS = 12
    assert Course().cancellation_cutoff_hours == 12
