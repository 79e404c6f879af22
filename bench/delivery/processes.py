"""The real processes P4 and P5 drive: an SMTP server counting messages by recipient, two Celery workers
(each sampled while it runs tasks), and the waits on them, each with a cap."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import contextmanager, suppress
from email import message_from_bytes
from pathlib import Path

from aiosmtpd.controller import Controller

PROJECT_DIR = Path(__file__).resolve().parent.parent.parent
WORKERS = 2


class CountingHandler:
    """Accepts every message and counts it by recipient; remembers which certificate emails had a PDF."""

    def __init__(self) -> None:
        self.received: Counter[str] = Counter()
        self.with_pdf: set[str] = set()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        recipients = [address.lower() for address in envelope.rcpt_tos]
        pdf = False
        if any(address.startswith("certified-") for address in recipients):
            message = message_from_bytes(envelope.original_content or envelope.content)
            pdf = any(part.get_content_type() == "application/pdf" for part in message.walk())
        with self.lock:
            for address in recipients:
                self.received[address] += 1
                if pdf:
                    self.with_pdf.add(address)
        return "250 Message accepted for delivery"

    def count(self, prefix: str) -> tuple[int, int, int]:
        """(messages, distinct recipients, recipients who got more than one) among addresses with prefix."""
        with self.lock:
            mine = [n for address, n in self.received.items() if address.startswith(prefix)]
        return sum(mine), len(mine), sum(1 for n in mine if n > 1)


@contextmanager
def smtp_server():
    handler = CountingHandler()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def stop_process(process: subprocess.Popen) -> None:
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextmanager
def workers(smtp_port: int, out_dir: Path, name: str):
    """Two Celery workers (solo pool), each sampled (bench/sampled.py) while it runs tasks; yields the
    files their profiles are written to when they stop."""
    env = {**os.environ, "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp_port), "PYTHONUNBUFFERED": "1"}
    env.pop("EMAIL_BACKEND", None)
    processes, profiles = [], []
    try:
        for number in range(WORKERS):
            log = out_dir / f"{name}-worker-{number}.log"
            profile = out_dir / f"{name}-worker-{number}-profile.json"
            profile.unlink(missing_ok=True)
            with log.open("wb") as output:
                process = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "bench.sampled",
                        str(profile),
                        "celery/app/trace.py",
                        "celery",
                        "-A",
                        "config",
                        "worker",
                        "--pool=solo",
                        "--without-gossip",
                        "--without-mingle",
                        "--without-heartbeat",
                        "--loglevel=INFO",
                        f"--hostname=bench-{name}-{number}-{os.getpid()}@%h",
                    ],
                    cwd=PROJECT_DIR,
                    env=env,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            processes.append((process, log))
            profiles.append(profile)
        deadline = time.monotonic() + 60
        for process, log in processes:
            while " ready." not in log.read_text(errors="replace"):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"Celery worker did not start:\n{log.read_text(errors='replace')}")
                time.sleep(0.2)
        yield profiles
    finally:
        for process, _log in processes:
            stop_process(process)


def worker_profiles(files: list[Path]) -> list[dict]:
    return [json.loads(file.read_text()) for file in files if file.exists()]


def wait_until(done, *, cap: float, started: float) -> float | None:
    """Poll `done()` until it holds (real processes are working: there is nothing else to wait on);
    seconds since `started`, or None when `cap` seconds passed first."""
    while not done():
        if time.perf_counter() - started > cap:
            return None
        time.sleep(0.25)
    return time.perf_counter() - started


def every(seconds: float, action):
    """A callable that runs `action` when at least `seconds` have passed since it last did."""
    last = [time.perf_counter()]

    def maybe() -> None:
        if time.perf_counter() - last[0] >= seconds:
            action()
            last[0] = time.perf_counter()

    return maybe
