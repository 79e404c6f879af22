"""Real processes for tests that need them: Celery workers, a Redis server of their own, SMTP servers.

Shared by tests/integration (a worker on the shared Redis) and tests/fault (which stops and kills things).
A worker runs a settings module that reads the broker, the test database and the SMTP address from its
environment (tests/integration/worker_settings.py), so tests using one are `transaction=True`: rows must
be committed for another process to see them.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
import redis
from celery import Celery

from config.cache import RedisCache

PROJECT_DIR = Path(__file__).resolve().parents[1]
# Celery reads these before its configuration; left in the environment they would beat broker_url.
CELERY_BROKER_ENV = ("CELERY_BROKER_URL", "CELERY_BROKER_READ_URL", "CELERY_BROKER_WRITE_URL")
WORKER_READY_SECONDS = 30
REDIS_READY_SECONDS = 10


@dataclass(frozen=True)
class RedisBroker:
    url: str
    key_prefix: str


@dataclass(frozen=True)
class WorkerProcess:
    process: subprocess.Popen
    log_path: Path

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL, as the kernel's OOM killer or a pulled plug would: no warm shutdown, no acks."""
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@dataclass(frozen=True)
class ReceivedEmail:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class CollectingHandler:
    """An aiosmtpd handler that accepts every message and keeps it for the test to read."""

    received: list[ReceivedEmail] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        self.received.append(ReceivedEmail(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def keys(self) -> list[str]:
        return [email.message["X-Outbox-Key"] for email in self.received]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop_process_group(process: subprocess.Popen, *, timeout: float = 10) -> None:
    """SIGTERM the process group (Celery's warm shutdown), then SIGKILL it if it outlives the timeout."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=timeout)
            return
        except subprocess.TimeoutExpired:
            continue


def forget_broker_pools(app: Celery, *, close: bool) -> None:
    # Celery 5.7 builds its connection and producer pools on the first publish and keeps them, so a new
    # broker_url alone is ignored. Its only reset is the after-fork hook, which clears these two attributes.
    if close:
        for pool in (app.amqp._producer_pool, app._pool):
            if pool is not None:
                pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def celery_app_on(app: Celery, broker: RedisBroker) -> Iterator[Celery]:
    """Point this process's Celery app at a worker's broker, so on_commit publishes reach the worker."""
    with pytest.MonkeyPatch.context() as patch:
        for name in CELERY_BROKER_ENV:
            patch.delenv(name, raising=False)
        original = {
            "broker_url": app.conf.broker_url,
            "broker_transport_options": app.conf.broker_transport_options,
        }
        app.conf.update(
            broker_url=broker.url, broker_transport_options={"global_keyprefix": broker.key_prefix}
        )
        forget_broker_pools(app, close=False)
        try:
            yield app
        finally:
            forget_broker_pools(app, close=True)
            app.conf.update(original)


def delete_keys(url: str, prefix: str) -> None:
    """Delete this run's keys only: the server may be shared, so nothing is ever flushed."""
    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def start_worker(
    *,
    broker: RedisBroker,
    database: str,
    smtp_port: int,
    log_path: Path,
    settings_module: str = "tests.integration.worker_settings",
    **env: str,
) -> WorkerProcess:
    """A real Celery worker (solo pool, one task at a time) for the test database, ready to take tasks.

    Its process group is its own, so kill() and stop_process_group() reach it and nothing else.
    """
    environment = {name: value for name, value in os.environ.items() if name not in CELERY_BROKER_ENV}
    environment.update(
        DJANGO_SETTINGS_MODULE=settings_module,
        PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT_DIR), os.environ.get("PYTHONPATH")])),
        PYTHONUNBUFFERED="1",
        TEST_CELERY_BROKER_URL=broker.url,
        TEST_CELERY_KEY_PREFIX=broker.key_prefix,
        TEST_DB_NAME=database,
        TEST_EMAIL_HOST="127.0.0.1",
        TEST_EMAIL_PORT=str(smtp_port),
        **env,
    )
    command = [
        str(PROJECT_DIR / ".venv" / "bin" / "celery"),
        "-A",
        "config",
        "worker",
        "--pool=solo",
        "--concurrency=1",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-Q",
        "celery",
        "--loglevel=INFO",
        f"--hostname={broker.key_prefix.rstrip(':')}-{log_path.stem}@%h",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=PROJECT_DIR,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    worker = WorkerProcess(process=process, log_path=log_path)
    deadline = time.monotonic() + WORKER_READY_SECONDS
    while " ready." not in worker.output():
        if process.poll() is not None:
            pytest.fail(f"The Celery worker exited with {process.returncode}:\n{worker.output()}")
        if time.monotonic() > deadline:
            stop_process_group(process)
            pytest.fail(f"The Celery worker was not ready after {WORKER_READY_SECONDS}s:\n{worker.output()}")
        # The worker is another process: its log is the only thing there is to wait on.
        time.sleep(0.1)
    return worker


class RedisServer:
    """A redis-server of the test's own on a free port, which the test may stop and start again.

    The shared server is never stopped: a test that needs the broker to go away uses one of these.
    Nothing is written to disk, so a restart comes back empty, as a broker that lost its memory would.
    """

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail(
                "redis-server is not installed (make test installs it: scripts/ensure_system_packages.sh)"
            )
        log = (self.directory / "redis.log").open("ab")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.directory,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + REDIS_READY_SECONDS
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        try:
            while True:
                with suppress(redis.ConnectionError):
                    if client.ping():
                        return
                if self.process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"redis-server did not start on port {self.port}")
                time.sleep(0.05)
        finally:
            client.close()

    def stop(self) -> None:
        if self.process is not None:
            stop_process_group(self.process, timeout=5)
            self.process = None


def wait_until(check: Callable[[], object], *, what: str, seconds: float = 30) -> None:
    """Poll `check` until it is true: for work another process does, whose committed rows or log are the
    only thing there is to wait on. Fails the test with `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"Not {what} after {seconds}s.")
        time.sleep(0.05)


def queue_check_email(*, to_email: str = "parent@example.com", name: str = "Fault Parent"):
    """One committed outbox row (tests/templates/emails/outbox_test.*), delivery queued on commit."""
    from django.db import transaction

    from notifications.services import queue_email

    with transaction.atomic():
        return queue_email(
            to_email=to_email,
            template="outbox_test",
            context={"name": name},
            key=f"fault:{uuid.uuid4().hex}",
            language="en",
        )


def redis_cache_settings(location: str, key_prefix: str) -> dict:
    """CACHES for a test that needs the shared cache production has (Redis), under a prefix of its own."""
    return {
        "default": {
            "BACKEND": "tests.support.PrefixOnlyRedisCache",
            "LOCATION": location,
            "KEY_PREFIX": key_prefix,
        }
    }


class PrefixOnlyRedisCache(RedisCache):
    """Django's Redis cache whose clear() deletes this test's keys only: the root conftest clears the cache
    around every test, and the server is shared, so FLUSHDB is never an option."""

    def clear(self) -> None:
        delete_keys(self._servers[0], f"{self.key_prefix}:")
