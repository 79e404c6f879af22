"""The `make run` path on embedded defaults: SQLite, the filesystem broker, runserver, a worker and beat.

Everything runs in subprocesses with the environment a newcomer has (no DATABASE_URL, no broker URL,
DEBUG on) and a VAR_DIR of its own, so it touches neither the suite's Postgres nor the repository's var/.
"""

from __future__ import annotations

import html
import os
import re
import signal
import socket
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager, suppress
from pathlib import Path
from typing import TypeVar

import pytest
import requests

pytestmark = pytest.mark.smoke

PROJECT_DIR = Path(__file__).resolve().parents[2]
BIN = PROJECT_DIR / ".venv" / "bin"
# Celery beat first runs an interval task one interval after it starts, so the smoke shortens the heartbeat.
HEARTBEAT_INTERVAL_SECONDS = 3
COMMAND_SECONDS = 120
T = TypeVar("T")


def make_run_env(var_dir: Path) -> dict[str, str]:
    # Only what a fresh shell has: the suite's own DATABASE_URL, SECRET_KEY and DEBUG=false must not leak in.
    env = {
        name: os.environ[name] for name in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR") if name in os.environ
    }
    env.update(
        DEBUG="true",
        VAR_DIR=str(var_dir),
        DJANGO_SETTINGS_MODULE="config.settings",
        PYTHONUNBUFFERED="1",
        BEAT_HEARTBEAT_SECONDS=str(HEARTBEAT_INTERVAL_SECONDS),
    )
    return env


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def manage(env: dict[str, str], *args: str) -> str:
    completed = subprocess.run(
        [str(BIN / "python"), "manage.py", *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=COMMAND_SECONDS,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, f"manage.py {' '.join(args)} exited {completed.returncode}:\n{output}"
    return output


class Services:
    """Long-running processes of one `make run`, each in its own process group with its output in a file."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = env
        self.log_dir = log_dir
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self, name: str, *command: str) -> subprocess.Popen:
        with (self.log_dir / f"{name}.log").open("wb") as log:
            process = subprocess.Popen(
                command,
                cwd=PROJECT_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes[name] = process
        return process

    def output(self, name: str) -> str:
        return (self.log_dir / f"{name}.log").read_text(errors="replace")

    def assert_running(self) -> None:
        for name, process in self.processes.items():
            assert process.poll() is None, f"{name} exited with {process.returncode}:\n{self.output(name)}"

    def stop_all(self) -> None:
        for process in self.processes.values():
            _signal_group(process, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait()


def _signal_group(process: subprocess.Popen, sig: signal.Signals) -> None:
    with suppress(ProcessLookupError):
        os.killpg(process.pid, sig)


@contextmanager
def running_services(env: dict[str, str], log_dir: Path) -> Iterator[Services]:
    services = Services(env, log_dir)
    try:
        yield services
    finally:
        services.stop_all()
        # Captured by pytest and shown only when the test failed.
        for name in services.processes:
            print(f"----- {name} -----\n{services.output(name)}")


def wait_for(probe: Callable[[], T | None], *, seconds: float, what: str, services: Services) -> T:
    deadline = time.monotonic() + seconds
    while True:
        services.assert_running()
        result = probe()
        if result is not None:
            return result
        assert time.monotonic() < deadline, f"Gave up after {seconds}s waiting for {what}."
        # Real processes on their own clocks (beat's 30-second interval): polling is all there is.
        time.sleep(0.5)


def query(database: Path, sql: str, *params: object) -> list[tuple]:
    with closing(sqlite3.connect(database, timeout=20)) as connection:
        return connection.execute(sql, params).fetchall()


def row_counts(database: Path) -> dict[str, int]:
    tables = ("accounts_user", "classes_course", "classes_session", "classes_baby", "classes_booking")
    return {table: query(database, f"SELECT COUNT(*) FROM {table}")[0][0] for table in tables}


def test_make_run_serves_pages_and_delivers_email_through_embedded_broker(tmp_path):
    env = make_run_env(tmp_path)
    database = tmp_path / "db.sqlite3"

    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo")
    seeded = row_counts(database)
    manage(env, "seed_demo")
    assert row_counts(database) == seeded, "seed_demo must be safe to run on every `make run`"
    assert seeded["classes_course"] > 0
    assert seeded["classes_baby"] > 0

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    with running_services(env, tmp_path) as services, requests.Session() as browser:
        services.start(
            "web", str(BIN / "python"), "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"
        )
        services.start(
            "worker",
            *(str(BIN / "celery"), "-A", "config", "worker", "--pool=solo", "--concurrency=1"),
            *("--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO"),
        )
        services.start(
            "beat",
            *(str(BIN / "celery"), "-A", "config", "beat", "--loglevel=INFO"),
            *("--schedule", str(tmp_path / "beat-schedule")),
        )

        def health() -> dict | None:
            try:
                response = browser.get(f"{base_url}/healthz", timeout=5)
            except requests.ConnectionError:
                return None
            assert response.status_code == 200, response.text
            return response.json()

        status = wait_for(health, seconds=30, what="runserver to answer /healthz", services=services)
        assert (status["database"], status["broker"]) == ("ok", "ok")

        home = browser.get(f"{base_url}/", timeout=10)
        assert home.status_code == 200
        linked_ids = re.findall(r'href="/classes/(\d+)-[-\w]+/"', home.text)
        assert linked_ids, "the home page links to no course"
        [(title,)] = query(database, "SELECT title FROM classes_course WHERE id = ?", int(linked_ids[0]))
        assert html.escape(title) in home.text
        for path in ("/classes/", "/admin/login/"):
            assert browser.get(f"{base_url}{path}", timeout=10).status_code == 200, path

        [(parent_email,)] = query(
            database,
            "SELECT email FROM accounts_user WHERE id IN (SELECT parent_id FROM classes_baby)"
            " ORDER BY id LIMIT 1",
        )
        form = browser.get(f"{base_url}/accounts/password/reset/", timeout=10)
        assert form.status_code == 200
        csrf_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        reset = browser.post(
            f"{base_url}/accounts/password/reset/",
            data={"csrfmiddlewaretoken": csrf_token, "email": parent_email},
            allow_redirects=False,
            timeout=10,
        )
        assert reset.status_code == 302, reset.text

        def reset_email_sent() -> str | None:
            rows = query(
                database,
                "SELECT status, key FROM notifications_outgoingemail WHERE to_email = ? AND key LIKE ?",
                parent_email,
                "account:password_reset%",
            )
            assert len(rows) <= 1, rows
            return rows[0][1] if rows and rows[0][0] == "sent" else None

        key = wait_for(
            reset_email_sent, seconds=30, what="the worker to send the reset email", services=services
        )
        # The console backend prints the whole message (X-Outbox-Key folded or not) in the worker's output.
        assert key in services.output("worker")

        def heartbeat_age() -> float | None:
            status = health()
            return None if status is None else status["beat_heartbeat_age_seconds"]

        age = wait_for(heartbeat_age, seconds=20, what="beat's first heartbeat", services=services)
        assert age < 10, "/healthz reports a stale heartbeat"
