"""The `make run` database, SQLite, where every write waits for the one write lock: a booking that waits
too long is refused with the same "please try again" as on Postgres, and two parents taking the last
place at once end up one booked, one on the waitlist.

Each scenario runs in a process of its own (tests/fault/sqlite_scenarios.py) with DATABASE_URL empty and
a VAR_DIR of its own holding a copy of a database migrated once for this module, so it touches neither
the suite's Postgres nor the repository's var/.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import pytest

from tests.fault.sqlite_scenarios import RACE_ROUNDS, RESULT_PREFIX

pytestmark = pytest.mark.fault

PROJECT_DIR = Path(__file__).resolve().parents[2]
PYTHON = PROJECT_DIR / ".venv" / "bin" / "python"
COMMAND_SECONDS = 180
BUSY = "Many people are changing this right now — please try again."


def sqlite_env(var_dir: Path) -> dict[str, str]:
    # Only what a fresh shell has: the suite's DATABASE_URL, SECRET_KEY and DEBUG=false must not leak in.
    env = {
        name: os.environ[name] for name in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR") if name in os.environ
    }
    env.update(
        DATABASE_URL="",
        DEBUG="true",
        VAR_DIR=str(var_dir),
        DJANGO_SETTINGS_MODULE="config.settings",
        PYTHONUNBUFFERED="1",
    )
    return env


def run(var_dir: Path, *args: str) -> str:
    completed = subprocess.run(
        [str(PYTHON), *args],
        cwd=PROJECT_DIR,
        env=sqlite_env(var_dir),
        capture_output=True,
        text=True,
        timeout=COMMAND_SECONDS,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, f"{' '.join(args)} exited {completed.returncode}:\n{output}"
    return completed.stdout


@pytest.fixture(scope="module")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    var_dir = tmp_path_factory.mktemp("sqlite-migrated")
    run(var_dir, "manage.py", "migrate", "--noinput")
    return var_dir / "db.sqlite3"


@pytest.fixture
def var_dir(tmp_path: Path, migrated_database: Path) -> Path:
    """A VAR_DIR of this test's own, with a copy of the migrated database."""
    with (
        closing(sqlite3.connect(migrated_database)) as source,
        closing(sqlite3.connect(tmp_path / "db.sqlite3")) as copy,
    ):
        source.backup(copy)
    return tmp_path


def scenario(var_dir: Path, name: str) -> dict:
    stdout = run(var_dir, "-m", "tests.fault.sqlite_scenarios", name)
    [result] = [line for line in stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    return json.loads(result.removeprefix(RESULT_PREFIX))


def test_booking_while_another_connection_holds_the_sqlite_write_lock_asks_to_try_again(var_dir):
    result = scenario(var_dir, "busy")

    assert (result["error"], result["message"]) == ("BookingError", BUSY)
    assert result["bookings_while_locked"] == 0
    assert result["status_after"] == "confirmed"


def test_two_parents_taking_the_last_place_on_sqlite_get_one_place_and_one_waitlist_spot(var_dir):
    result = scenario(var_dir, "last-place")

    assert len(result["rounds"]) == RACE_ROUNDS
    for race in result["rounds"]:
        assert race == {"statuses": ["confirmed", "waitlisted"], "errors": [], "alive": 0}
