"""P4 and P5: what goes through the outbox in bulk, delivered by real Celery workers to a real SMTP server.

P4, the reminder sweep: 10,000 reminders due within the lead time. One sweep alone is timed; its rows are
then removed and two sweeps are started at the same moment in two processes, with two workers
delivering as they go and every waiting row handed to the workers again every two seconds (as the beat
sweeper does with rows it finds waiting): each reminder must reach SMTP exactly once.

P5, certificates: the PDF timed per certificate in this process; then 500 eligible trainees are
issued their certificate one after another, as an admin would in bulk, and the clock runs until the
workers have rendered every PDF and SMTP has every certificate email.
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import contextmanager, suppress
from datetime import datetime, timedelta
from datetime import time as clock
from email.parser import BytesHeaderParser
from pathlib import Path
from zoneinfo import ZoneInfo

import redis
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection
from django.utils import timezone

from bench.rush import percentile
from bench.seed import email
from classes.curriculum import curriculum_for_week, topic_title
from classes.models import Attendance, Baby, Booking, Course, Session, Venue
from classes.services import queue_session_reminders
from notifications.models import OutgoingEmail
from notifications.services import enqueue_delivery

PROJECT_DIR = Path(__file__).resolve().parent.parent
REMINDER_COURSES = 1250
FAMILIES_PER_COURSE = 8
WORKERS = 2
DELIVERY_DEADLINE_SECONDS = 400
CERTIFICATES = 500
PDF_SAMPLES = 60


class CountingHandler:
    """Accepts every message and counts it by its outbox key (the X-Outbox-Key header)."""

    def __init__(self) -> None:
        self.keys: Counter[str] = Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        headers = BytesHeaderParser().parsebytes(envelope.original_content or envelope.content)
        with self.lock:
            self.keys[headers.get("X-Outbox-Key", "")] += 1
        return "250 Message accepted for delivery"

    def count(self, prefix: str) -> tuple[int, int, int]:
        """(messages, distinct keys, keys received more than once) among keys starting with prefix."""
        with self.lock:
            mine = {key: n for key, n in self.keys.items() if key.startswith(prefix)}
        return sum(mine.values()), len(mine), sum(1 for n in mine.values() if n > 1)


@contextmanager
def workers(smtp_port: int, log_dir: Path):
    env = {**os.environ, "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp_port), "PYTHONUNBUFFERED": "1"}
    env.pop("EMAIL_BACKEND", None)
    processes = []
    try:
        for number in range(WORKERS):
            log = log_dir / f"worker-{number}.log"
            with log.open("wb") as output:
                processes.append(
                    (
                        subprocess.Popen(
                            [
                                str(PROJECT_DIR / ".venv" / "bin" / "celery"),
                                "-A",
                                "config",
                                "worker",
                                "--pool=solo",
                                "--without-gossip",
                                "--without-mingle",
                                "--without-heartbeat",
                                "--loglevel=INFO",
                                f"--hostname=bench-{number}-{os.getpid()}@%h",
                            ],
                            cwd=PROJECT_DIR,
                            env=env,
                            stdout=output,
                            stderr=subprocess.STDOUT,
                            start_new_session=True,
                        ),
                        log,
                    )
                )
        deadline = time.monotonic() + 60
        for process, log in processes:
            while " ready." not in log.read_text(errors="replace"):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"Celery worker did not start:\n{log.read_text(errors='replace')}")
                time.sleep(0.2)
        yield
    finally:
        for process, _log in processes:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process, _log in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def wait_until(done, *, what: str, deadline_seconds: float = DELIVERY_DEADLINE_SECONDS) -> float:
    """Poll `done()` (real processes are working: there is nothing else to wait on); seconds taken."""
    started = time.monotonic()
    while not done():
        if time.monotonic() - started > deadline_seconds:
            raise RuntimeError(f"Not done after {deadline_seconds}s: {what}")
        time.sleep(0.25)
    return time.monotonic() - started


def drop_broker_queue() -> None:
    prefix = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("global_keyprefix", "")
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    try:
        client.delete(f"{prefix}celery")
    finally:
        client.close()


# P4 ----------------------------------------------------------------------------------------------


def seed_due_reminders() -> int:
    """1,250 courses of eight confirmed families, each course's first session within the next 24 hours
    (the families booked three days ago): 10,000 reminders due. The large seed's families are reused."""
    from accounts.models import User

    now = timezone.now()
    instructors = list(User.objects.filter(email__startswith="instructor").order_by("pk")[:50])
    venues = {venue.owner_id: venue for venue in Venue.objects.filter(owner__in=instructors)}
    courses = Course.objects.bulk_create(
        Course(
            instructor=instructors[n % len(instructors)],
            title=f"Reminder bench course {n}",
            slug=f"reminder-bench-course-{n}",
            venue=venues[instructors[n % len(instructors)].pk],
            time_zone="UTC",
            capacity=FAMILIES_PER_COURSE,
            status=Course.Status.PUBLISHED,
            published_at=now - timedelta(days=10),
        )
        for n in range(REMINDER_COURSES)
    )
    Session.objects.bulk_create(
        (
            Session(
                course=course,
                starts_at=now + timedelta(hours=1, minutes=n % (22 * 60)) + timedelta(weeks=week - 1),
                week_number=week,
                curriculum=curriculum_for_week(5, week),
                topic=topic_title(curriculum_for_week(5, week)),
            )
            for n, course in enumerate(courses)
            for week in range(1, 6)
        ),
        batch_size=5000,
    )
    babies = list(
        Baby.objects.filter(parent__email__startswith="family").order_by("pk").values_list("pk", "parent_id")
    )
    Booking.objects.bulk_create(
        (
            Booking(
                course=course,
                baby_id=babies[(n * FAMILIES_PER_COURSE + k) % len(babies)][0],
                parent_id=babies[(n * FAMILIES_PER_COURSE + k) % len(babies)][1],
                status=Booking.Status.CONFIRMED,
                created_at=now - timedelta(days=3),
                confirmed_at=now - timedelta(days=3),
            )
            for n, course in enumerate(courses)
            for k in range(FAMILIES_PER_COURSE)
        ),
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return REMINDER_COURSES * FAMILIES_PER_COURSE


def reminders() -> OutgoingEmail:
    return OutgoingEmail.objects.filter(key__startswith="reminder:")


def sweep(out: str, start_at: str) -> dict:
    """One reminder sweep, started at an agreed moment (a phase of its own, so two run side by side)."""
    time.sleep(max(float(start_at) - time.time(), 0))
    started = time.perf_counter()
    queued = queue_session_reminders()
    return {"queued": queued, "seconds": time.perf_counter() - started}


def hand_out_queued_again() -> int:
    """Give the workers a second task for every reminder still waiting, as the beat sweeper does with rows
    it finds queued: two tasks for one row race to claim it."""
    email_ids = list(reminders().filter(status=OutgoingEmail.Status.QUEUED).values_list("pk", flat=True))
    for email_id in email_ids:
        enqueue_delivery(email_id)
    return len(email_ids)


def two_sweeps_at_once(out_dir: Path) -> tuple[list[dict], int]:
    """Two sweep processes released at the same instant; while they run, every waiting row is handed to
    the workers again every two seconds. Returns what each sweep reported and the extra tasks sent."""
    start_at = time.time() + 3  # both processes have imported Django by then
    outputs = [out_dir / f"p4-sweep-{n}.json" for n in range(2)]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "bench.phase", "delivery:sweep", str(output), str(start_at)],
            cwd=PROJECT_DIR,
        )
        for output in outputs
    ]
    handed_again = 0
    while any(process.poll() is None for process in processes):
        time.sleep(2)
        handed_again += hand_out_queued_again()
    if any(process.returncode != 0 for process in processes):
        raise RuntimeError("A reminder sweep failed.")
    handed_again += hand_out_queued_again()
    return [json.loads(output.read_text()) for output in outputs], handed_again


def reminder_bench(handler: CountingHandler, smtp_port: int, out_dir: Path) -> dict:
    due = seed_due_reminders()
    started = time.perf_counter()
    queued_alone = queue_session_reminders()
    alone_seconds = time.perf_counter() - started
    # The timed sweep's rows and tasks go; the concurrent sweeps below queue every reminder again.
    reminders().delete()
    drop_broker_queue()
    with workers(smtp_port, out_dir):
        started = time.perf_counter()
        sweeps, handed_again = two_sweeps_at_once(out_dir)
        wait_until(
            lambda: not reminders().exclude(status=OutgoingEmail.Status.SENT).exists(), what="reminders sent"
        )
        delivered_seconds = time.perf_counter() - started
    # Every row is sent, and a row is marked sent only after SMTP took it: a task left over could only send
    # a reminder again by claiming a queued row, so what SMTP has now is final. The leftover tasks go.
    drop_broker_queue()
    messages, distinct, repeated = handler.count("reminder:")
    rows = reminders()
    return {
        "due": due,
        "queued_by_one_sweep": queued_alone,
        "one_sweep_seconds": alone_seconds,
        "two_sweeps": sweeps,
        "tasks_handed_out_again": handed_again,
        "rows": rows.count(),
        "rows_sent": rows.filter(status=OutgoingEmail.Status.SENT).count(),
        "rows_with_more_than_one_attempt": rows.filter(attempts__gt=1).count(),
        "smtp_messages": messages,
        "smtp_distinct_keys": distinct,
        "smtp_keys_received_twice": repeated,
        "deliver_seconds": delivered_seconds,
    }


# P5 ----------------------------------------------------------------------------------------------


def eligible_enrollments(count: int) -> list:
    """Trainees who have done everything: training attended 60 days ago, exam passed, fee paid, and a
    practicum course of five families present at all five sessions."""
    from accounts.models import User
    from certification.models import Enrollment, TrainingCourse

    now = timezone.now()
    today = timezone.localdate()
    trainer = User.objects.get(email=email("trainer"))
    training = TrainingCourse.objects.create(
        trainer=trainer,
        title="Instructor training (certificate bench)",
        starts_on=today - timedelta(days=63),
        ends_on=today - timedelta(days=60),
        time_zone="Europe/Madrid",
        is_published=False,
    )
    trainees = User.objects.bulk_create(
        User(email=email(f"certified-{n}"), full_name=f"Lucía García Márquez {n}", password="!")
        for n in range(count)
    )
    enrollments = Enrollment.objects.bulk_create(
        Enrollment(
            trainee=trainee,
            training=training,
            status=Enrollment.Status.ACCEPTED,
            training_attended=True,
            exam_score=92,
            fee_paid=True,
            deadline=today + timedelta(days=120),
            decided_at=now - timedelta(days=90),
        )
        for trainee in trainees
    )
    venue = trainer.venues.first() or Course.objects.filter(venue__isnull=False).first().venue
    courses = Course.objects.bulk_create(
        Course(
            instructor=trainee,
            title="Practicum course",
            slug="practicum-course",
            venue=venue,
            time_zone="Europe/Madrid",
            capacity=6,
            status=Course.Status.PUBLISHED,
            is_practicum=True,
            published_at=now - timedelta(days=60),
        )
        for trainee in trainees
    )
    first = today - timedelta(days=50)
    sessions = Session.objects.bulk_create(
        Session(
            course=course,
            starts_at=datetime.combine(
                first + timedelta(weeks=week - 1), clock(10), ZoneInfo("Europe/Madrid")
            ),
            week_number=week,
            curriculum=curriculum_for_week(5, week),
            topic=topic_title(curriculum_for_week(5, week)),
        )
        for course in courses
        for week in range(1, 6)
    )
    babies = list(
        Baby.objects.filter(parent__email__startswith="family").order_by("pk").values_list("pk", "parent_id")
    )
    bookings = Booking.objects.bulk_create(
        Booking(
            course=course,
            baby_id=babies[(n * 5 + k) % len(babies)][0],
            parent_id=babies[(n * 5 + k) % len(babies)][1],
            status=Booking.Status.CONFIRMED,
            confirmed_at=now - timedelta(days=55),
        )
        for n, course in enumerate(courses)
        for k in range(5)
    )
    sessions_of = {}
    for session in sessions:
        sessions_of.setdefault(session.course_id, []).append(session)
    Attendance.objects.bulk_create(
        (
            Attendance(booking=booking, session=session, status=Attendance.Status.PRESENT)
            for booking in bookings
            for session in sessions_of[booking.course_id]
        ),
        batch_size=5000,
    )
    return enrollments


def certificate_bench(handler: CountingHandler, smtp_port: int, out_dir: Path) -> dict:
    try:
        from certification.models import Certificate
        from certification.pdf import render_certificate_pdf
        from certification.services import issue_certificate
    except ImportError as error:
        return {"pending": f"certification PDFs not importable: {error}"}

    samples = list(Certificate.objects.select_related("holder").order_by("pk")[:PDF_SAMPLES])
    render_certificate_pdf(samples[0])  # fonts are registered once per process
    seconds = []
    for certificate in samples:
        started = time.perf_counter()
        pdf = render_certificate_pdf(certificate)
        seconds.append(time.perf_counter() - started)
    seconds.sort()
    enrollments = eligible_enrollments(CERTIFICATES)
    with workers(smtp_port, out_dir):
        started = time.perf_counter()
        for enrollment in enrollments:
            issue_certificate(enrollment, actor=None)
        issued_seconds = time.perf_counter() - started
        end_to_end = issued_seconds + wait_until(
            lambda: handler.count("certificate-issued:")[1] >= CERTIFICATES, what="certificate emails at SMTP"
        )
    messages, distinct, repeated = handler.count("certificate-issued:")
    return {
        "pdf_samples": len(seconds),
        "pdf_bytes": len(pdf),
        "pdf_median_seconds": statistics.median(seconds),
        "pdf_p95_seconds": percentile(seconds, 95),
        "certificates": CERTIFICATES,
        "issue_seconds": issued_seconds,
        "end_to_end_seconds": end_to_end,
        "smtp_messages": messages,
        "smtp_distinct_keys": distinct,
        "smtp_keys_received_twice": repeated,
        "stored_pdfs": Certificate.objects.filter(holder__email__startswith="certified-")
        .exclude(pdf="")
        .count(),
    }


def main(out: str) -> dict:
    out_dir = Path(out).parent
    handler = CountingHandler()
    port = int(os.environ.get("BENCH_SMTP_PORT", "0")) or _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        p4 = reminder_bench(handler, port, out_dir)
        p5 = certificate_bench(handler, port, out_dir)
    finally:
        controller.stop()
    return {"p4": p4, "p5": p5}


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
