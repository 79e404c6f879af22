"""Parts that fail for real: a broker of the test's own that it stops, workers it kills with SIGKILL, SMTP
servers that refuse, stall or never answer, and a course row another connection keeps locked.

The shared Redis server is never touched here: the broker these tests stop is a redis-server started on
a free port for this module (tests/support.py).
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from celery import Celery

from config.celery import app as celery_app
from tests.support import (
    RedisBroker,
    RedisServer,
    WorkerProcess,
    celery_app_on,
    free_port,
    start_worker,
    stop_process_group,
)

WORKER_SETTINGS = "tests.fault.worker_settings"


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def broker(redis_server: RedisServer) -> Iterator[RedisBroker]:
    """The module's own broker, running at the start of every test (a test may have stopped it)."""
    if redis_server.process is None:
        redis_server.start()
    yield RedisBroker(url=redis_server.url, key_prefix=f"nt-fault-{uuid.uuid4().hex[:8]}:")


@pytest.fixture
def celery_on_broker(broker: RedisBroker) -> Iterator[Celery]:
    with celery_app_on(celery_app, broker) as app:
        yield app


@dataclass
class ScriptedSMTP:
    """An SMTP server whose answers the test decides: accept (the default), hold a message at RCPT until
    released, or refuse it at DATA with a given reply (550, 421…). It keeps the outbox key of every
    message it accepted."""

    port: int
    refuse_with: str | None = None
    release: threading.Event = field(default_factory=threading.Event)
    reached_rcpt: threading.Event = field(default_factory=threading.Event)
    keys: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.release.set()

    def hold_at_rcpt(self) -> None:
        self.release.clear()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        self.reached_rcpt.set()
        # asyncio's loop serves every session: wait without blocking it.
        while not self.release.is_set():
            await asyncio.sleep(0.02)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.refuse_with:
            return self.refuse_with
        content = (envelope.original_content or envelope.content).decode(errors="replace")
        key = next(
            (
                line.split(":", 1)[1].strip()
                for line in content.splitlines()
                if line.startswith("X-Outbox-Key:")
            ),
            "",
        )
        self.keys.append(key)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp() -> Iterator[ScriptedSMTP]:
    handler = ScriptedSMTP(port=free_port())
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    try:
        yield handler
    finally:
        handler.release.set()
        controller.stop()


@pytest.fixture
def start_outbox_worker(
    broker: RedisBroker, smtp: ScriptedSMTP, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[..., WorkerProcess]]:
    """Start real workers on this test's broker and SMTP server; all of them are stopped afterwards."""
    from django.db import connection

    started: list[WorkerProcess] = []
    request.node.fault_workers = started

    def start(**env: str) -> WorkerProcess:
        worker = start_worker(
            broker=broker,
            database=connection.settings_dict["NAME"],
            smtp_port=smtp.port,
            log_path=tmp_path / f"worker-{len(started)}.log",
            settings_module=WORKER_SETTINGS,
            **env,
        )
        started.append(worker)
        return worker

    yield start
    for worker in started:
        stop_process_group(worker.process, timeout=5)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if report.failed:
        for number, worker in enumerate(getattr(item, "fault_workers", [])):
            report.sections.append((f"Celery worker {number} output", worker.output()))
    return report
