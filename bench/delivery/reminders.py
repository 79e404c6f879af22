"""P4: reminders due, one sweep with the workers delivering, then two sweeps racing (bench.delivery)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.utils import timezone

from accounts.models import User
from bench.bulk import insert
from bench.delivery.processes import (
    PROJECT_DIR,
    CountingHandler,
    every,
    stop_process,
    wait_until,
    worker_profiles,
    workers,
)
from bench.profiling import StackSampler
from bench.seed import email, sessions_for, set_first_session_at
from classes.models import Baby, Booking, Course, Session, Venue
from classes.tasks import queue_session_reminders
from notifications.models import OutgoingEmail
from notifications.tasks import requeue_stuck_emails

FAMILIES_PER_COURSE = 8
SWEEP_CAP_SECONDS = 90
DELIVERY_CAP_SECONDS = 150
REQUEUE_EVERY_SECONDS = 2


def seed_due_reminders(label: str, count: int) -> str:
    """`count` reminders due: courses of eight confirmed families, new accounts named remind-<label>-<n>,
    booked three days ago, each course's first session within the next 23 hours. Returns the recipients'
    address prefix."""

    now = timezone.now()
    password = make_password(None)
    born = now.date() - timedelta(weeks=10)
    instructors = list(User.objects.filter(email__startswith="instructor").order_by("pk")[:50])
    venues = {venue.owner_id: venue for venue in Venue.objects.filter(owner__in=instructors)}
    courses = insert(
        Course,
        (
            Course(
                instructor=instructors[n % len(instructors)],
                title=f"Reminder bench course {label}{n}",
                slug=f"reminder-bench-course-{label}{n}",
                venue=venues[instructors[n % len(instructors)].pk],
                time_zone="UTC",
                capacity=FAMILIES_PER_COURSE,
                status=Course.Status.PUBLISHED,
                published_at=now - timedelta(days=10),
            )
            for n in range(count // FAMILIES_PER_COURSE)
        ),
    )
    insert(
        Session,
        (
            session
            for n, course in enumerate(courses)
            for session in sessions_for(
                course,
                [now + timedelta(hours=1, minutes=n % (22 * 60), weeks=week) for week in range(5)],
            )
        ),
    )
    set_first_session_at([course.pk for course in courses])
    parents = insert(
        User,
        (
            User(email=email(f"remind-{label}-{n}"), full_name=f"Reminded Parent {n}", password=password)
            for n in range(len(courses) * FAMILIES_PER_COURSE)
        ),
    )
    babies = insert(
        Baby,
        (Baby(parent=parent, first_name="Noa", date_of_birth=born) for parent in parents),
    )
    insert(
        Booking,
        (
            Booking(
                course=courses[n // FAMILIES_PER_COURSE],
                baby=baby,
                parent_id=baby.parent_id,
                status=Booking.Status.CONFIRMED,
                created_at=now - timedelta(days=3),
                confirmed_at=now - timedelta(days=3),
            )
            for n, baby in enumerate(babies)
        ),
    )

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return f"remind-{label}-"


def rows_in_outbox(prefix: str) -> int:

    return OutgoingEmail.objects.filter(to_email__startswith=prefix).count()


def sweep(out: str, start_at: str) -> dict:
    """One reminder sweep, the task beat runs, started at an agreed moment (a phase of its own, so that two
    run side by side), sampled while it runs."""

    time.sleep(max(float(start_at) - time.time(), 0))
    sampler = StackSampler().start()
    started = time.perf_counter()
    returned = queue_session_reminders()
    seconds = time.perf_counter() - started
    return {"returned": returned, "seconds": seconds, "profile": sampler.stop()}


def start_sweeps(out_dir: Path, name: str, count: int) -> tuple[list[subprocess.Popen], list[Path], float]:
    start_at = time.time() + 3  # every process has imported Django by then
    outputs = [out_dir / f"{name}-sweep-{n}.json" for n in range(count)]
    for output in outputs:
        output.unlink(missing_ok=True)
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "bench.phase", "delivery:sweep", str(output), str(start_at)],
            cwd=PROJECT_DIR,
            start_new_session=True,
        )
        for output in outputs
    ]
    return processes, outputs, start_at


def finish_sweeps(processes, outputs, *, cap_at: float, while_waiting=lambda: None) -> list[dict]:
    """Wait for the sweeps until `cap_at` (perf_counter), calling `while_waiting` as they run; a sweep
    still running then is stopped and reported as {"stopped": True}."""
    while any(process.poll() is None for process in processes) and time.perf_counter() < cap_at:
        time.sleep(0.1)
        while_waiting()
    results = []
    for process, output in zip(processes, outputs, strict=True):
        if process.poll() is None:
            stop_process(process)
            results.append({"stopped": True})
        elif process.returncode != 0 or not output.exists():
            results.append({"failed": process.returncode})
        else:
            results.append(json.loads(output.read_text()))
    return results


def reminder_bench(handler: CountingHandler, smtp_port: int, out_dir: Path, count: int) -> dict:

    alone = seed_due_reminders("a", count)
    with workers(smtp_port, out_dir, "p4") as profiles:
        processes, outputs, start_at = start_sweeps(out_dir, "p4-alone", 1)
        started = time.perf_counter() + max(start_at - time.time(), 0)
        (sweep_alone,) = finish_sweeps(processes, outputs, cap_at=started + SWEEP_CAP_SECONDS)
        queued = None
        if "seconds" in sweep_alone:
            # The sweep's own time when its rows are all there as it returns (its process's exit is not
            # the app's time); otherwise until they are, for a sweep that hands the work on.
            queued = sweep_alone["seconds"]
            if rows_in_outbox(alone) < count:
                queued = wait_until(
                    lambda: rows_in_outbox(alone) >= count, cap=SWEEP_CAP_SECONDS, started=started
                )
        delivered = wait_until(
            lambda: handler.count(alone)[1] >= count, cap=DELIVERY_CAP_SECONDS, started=started
        )
        alone_at_smtp = handler.count(alone)

        raced = seed_due_reminders("b", count)
        requeued = []
        requeue = every(REQUEUE_EVERY_SECONDS, lambda: requeued.append(requeue_stuck_emails()))
        processes, outputs, start_at = start_sweeps(out_dir, "p4-race", 2)
        started = time.perf_counter() + max(start_at - time.time(), 0)
        sweeps_raced = finish_sweeps(
            processes, outputs, cap_at=started + SWEEP_CAP_SECONDS, while_waiting=requeue
        )

        def race_delivered_all() -> bool:
            requeue()
            return handler.count(raced)[1] >= count

        race_delivered = wait_until(race_delivered_all, cap=DELIVERY_CAP_SECONDS, started=started)
        # Tasks handed out again may still be in the workers' queue: let them run, then count. A row is
        # marked sent only after SMTP took it, so a late task finds nothing left to claim.
        time.sleep(3)
    race_at_smtp = handler.count(raced)
    alone_final = handler.count(alone)
    return {
        "due": count,
        "alone": {
            "sweep": sweep_alone,
            "queued_seconds": queued,
            "delivered_seconds": delivered,
            "at_smtp_when_done": alone_at_smtp[1],
            "messages": alone_final[0],
            "recipients": alone_final[1],
            "recipients_twice": alone_final[2],
        },
        "race": {
            "sweeps": sweeps_raced,
            "delivered_seconds": race_delivered,
            "requeue_calls": len(requeued),
            "rows_handed_out_again": sum(requeued),
            "messages": race_at_smtp[0],
            "recipients": race_at_smtp[1],
            "recipients_twice": race_at_smtp[2],
        },
        "worker_profiles": worker_profiles(profiles),
        "caps": {"sweep": SWEEP_CAP_SECONDS, "delivery": DELIVERY_CAP_SECONDS},
        "requeue": {
            "every_seconds": REQUEUE_EVERY_SECONDS,
            "threshold_seconds": settings.OUTBOX_QUEUED_STUCK_SECONDS,
        },
    }
