"""Real processes for the integration tests: a Celery worker on Redis and an in-process aiosmtpd server.

The worker runs tests.integration.worker_settings against the database pytest-django created, so its
tests are `transaction=True`: rows must be committed for another process to see them. The helpers live
in tests/support.py, shared with the fault tests.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis
from aiosmtpd.controller import Controller
from celery import Celery

from config.celery import app as celery_app
from tests.support import (
    CollectingHandler,
    RedisBroker,
    WorkerProcess,
    celery_app_on,
    delete_keys,
    free_port,
    start_worker,
    stop_process_group,
)

# A Redis database set aside for these tests. The server is shared, so nothing here flushes it: each run
# works under its own key prefix and deletes only those keys.
BROKER_URL = "redis://127.0.0.1:6379/9"


@pytest.fixture(scope="module")
def redis_broker() -> Iterator[RedisBroker]:
    broker = RedisBroker(url=BROKER_URL, key_prefix=f"nt-integration-{uuid.uuid4().hex[:12]}:")
    client = redis.Redis.from_url(broker.url)
    client.ping()
    client.close()
    try:
        yield broker
    finally:
        # This run's queue, unacked messages and bindings only; a fresh prefix has nothing to purge before.
        delete_keys(broker.url, broker.key_prefix)


@pytest.fixture(scope="module")
def celery_app_on_redis(redis_broker: RedisBroker) -> Iterator[Celery]:
    """Point this process's Celery app at the worker's broker, so on_commit publishes reach the worker."""
    with celery_app_on(celery_app, redis_broker) as app:
        yield app


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

    worker = start_worker(
        broker=redis_broker,
        database=connection.settings_dict["NAME"],
        smtp_port=smtp_port,
        log_path=tmp_path_factory.mktemp("celery-worker") / "worker.log",
        # A failed delivery waits an hour for its retry, so the worker records it once instead of spinning.
        OUTBOX_RETRY_BASE_SECONDS="3600",
        OUTBOX_MAX_ATTEMPTS="3",
    )
    try:
        yield worker
    finally:
        stop_process_group(worker.process)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    worker = getattr(item, "funcargs", {}).get("outbox_worker")
    if report.failed and isinstance(worker, WorkerProcess):
        report.sections.append(("Celery worker output", worker.output()))
    return report
