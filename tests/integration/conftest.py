"""Real processes for the integration tests: a Celery worker on Redis and an in-process aiosmtpd server.

The worker runs tests.integration.worker_settings against the database pytest-django created, so its
tests are `transaction=True`: rows must be committed for another process to see them.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
import redis
from aiosmtpd.controller import Controller
from celery import Celery

from config.celery import app as celery_app

PROJECT_DIR = Path(__file__).resolve().parents[2]
# A Redis database set aside for these tests. The server is shared, so nothing here flushes it: each run
# works under its own key prefix and deletes only those keys.
BROKER_URL = "redis://127.0.0.1:6379/9"
# Celery reads these before its configuration; left in the environment they would beat broker_url.
CELERY_BROKER_ENV = ("CELERY_BROKER_URL", "CELERY_BROKER_READ_URL", "CELERY_BROKER_WRITE_URL")
WORKER_READY_SECONDS = 30


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


def _forget_broker_pools(app: Celery, *, close: bool) -> None:
    # Celery 5.7 builds its connection and producer pools on the first publish and keeps them, so a new
    # broker_url alone is ignored. Its only reset is the after-fork hook, which clears these two attributes.
    if close:
        for pool in (app.amqp._producer_pool, app._pool):
            if pool is not None:
                pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture(scope="module")
def redis_broker() -> Iterator[RedisBroker]:
    broker = RedisBroker(url=BROKER_URL, key_prefix=f"nt-integration-{uuid.uuid4().hex[:12]}:")
    client = redis.Redis.from_url(broker.url)
    client.ping()
    try:
        yield broker
    finally:
        # This run's queue, unacked messages and bindings only; a fresh prefix has nothing to purge before.
        keys = list(client.scan_iter(match=f"{broker.key_prefix}*"))
        if keys:
            client.delete(*keys)
        client.close()


@pytest.fixture(scope="module")
def celery_app_on_redis(redis_broker: RedisBroker) -> Iterator[Celery]:
    """Point this process's Celery app at the worker's broker, so on_commit publishes reach the worker."""
    with pytest.MonkeyPatch.context() as patch:
        for name in CELERY_BROKER_ENV:
            patch.delenv(name, raising=False)
        original = {
            "broker_url": celery_app.conf.broker_url,
            "broker_transport_options": celery_app.conf.broker_transport_options,
        }
        celery_app.conf.update(
            broker_url=redis_broker.url,
            broker_transport_options={"global_keyprefix": redis_broker.key_prefix},
        )
        _forget_broker_pools(celery_app, close=False)
        try:
            yield celery_app
        finally:
            _forget_broker_pools(celery_app, close=True)
            celery_app.conf.update(original)


@pytest.fixture(scope="module")
def smtp_port() -> int:
    """The port the worker sends to; a test without the smtp_server fixture finds nothing listening on it."""
    return free_port()


@pytest.fixture
def smtp_server(smtp_port: int) -> Iterator[CollectingHandler]:
    handler = CollectingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def outbox_worker(
    django_db_setup, redis_broker: RedisBroker, smtp_port: int, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WorkerProcess]:
    """One real worker for the module, stopped with its process group before the test database is dropped."""
    from django.db import connection

    env = {name: value for name, value in os.environ.items() if name not in CELERY_BROKER_ENV}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.integration.worker_settings",
        PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT_DIR), os.environ.get("PYTHONPATH")])),
        PYTHONUNBUFFERED="1",
        TEST_CELERY_BROKER_URL=redis_broker.url,
        TEST_CELERY_KEY_PREFIX=redis_broker.key_prefix,
        TEST_DB_NAME=connection.settings_dict["NAME"],
        TEST_EMAIL_HOST="127.0.0.1",
        TEST_EMAIL_PORT=str(smtp_port),
        # A failed delivery waits an hour for its retry, so the worker records it once instead of spinning.
        OUTBOX_RETRY_BASE_SECONDS="3600",
        OUTBOX_MAX_ATTEMPTS="3",
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
        f"--hostname={redis_broker.key_prefix.rstrip(':')}@%h",
    ]
    log_path = tmp_path_factory.mktemp("celery-worker") / "worker.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    worker = WorkerProcess(process=process, log_path=log_path)
    try:
        deadline = time.monotonic() + WORKER_READY_SECONDS
        while " ready." not in worker.output():
            if process.poll() is not None:
                pytest.fail(f"The Celery worker exited with {process.returncode}:\n{worker.output()}")
            if time.monotonic() > deadline:
                pytest.fail(
                    f"The Celery worker was not ready after {WORKER_READY_SECONDS}s:\n{worker.output()}"
                )
            time.sleep(0.2)
        yield worker
    finally:
        stop_process_group(process)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    worker = getattr(item, "funcargs", {}).get("outbox_worker")
    if report.failed and isinstance(worker, WorkerProcess):
        report.sections.append(("Celery worker output", worker.output()))
    return report
