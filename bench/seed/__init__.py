"""Bench data, bulk-inserted: instructors with certificates, courses (upcoming, past, drafts), sessions,
families and their bookings, in the states the services would leave them in.

Booking 100,000 families through `classes.services` would take far longer than the whole bench (each
booking locks its course and renders emails), so the rows are written with Postgres COPY (bench/bulk.py);
what is measured (P3 bookings, P4 reminder sweeps, P5 certificates) goes through the services.

Two sizes: "1k" (1,000 published courses) and "10k" (10,000), each in a database of its own, with the same
cast at both, owning more at the larger size, so a page is measured for the same person on both and any
query that grows with what a person owns shows as a difference (P2): a parent (bookings in every state,
past ones too), an instructor (instructor 0, whose courses, families and weeks grow), a trainee in the
practicum stage and a staff member.
"""

from __future__ import annotations

import time

from django.db import connection
from django.utils import timezone

from accounts.models import User
from bench.seed.catalog import Seeder
from bench.seed.shapes import (
    DOMAIN,
    PASSWORD,
    Cast,
    email,
    has_field,
    sessions_for,
    set_first_session_at,
    sizes,
    weekly,
)
from classes.models import Booking, Course, Session
from instructors.models import InstructorProfile

__all__ = [
    "DOMAIN",
    "PASSWORD",
    "Cast",
    "cast",
    "counts",
    "email",
    "main",
    "sessions_for",
    "set_first_session_at",
    "weekly",
]


def cast() -> Cast:
    """The cast of an already seeded database."""
    by_email = {
        user.email: user for user in User.objects.filter(email__in=[email(local) for local in _CAST.values()])
    }
    return Cast(**{role: by_email[email(local)] for role, local in _CAST.items()})


_CAST = {"parent": "parent", "instructor": "instructor0", "trainee": "trainee", "staff": "staff"}


def counts() -> dict[str, int]:
    """What the database holds, counted (the report's data set figures come from here, not from Size)."""
    now = timezone.now()
    live = Course.objects.filter(
        status=Course.Status.PUBLISHED,
        sessions__status=Session.Status.SCHEDULED,
        sessions__starts_at__gt=now,
    ).distinct()
    live_ids = live.values("pk")
    ended = (
        Course.objects.filter(status=Course.Status.PUBLISHED)
        .exclude(pk__in=live_ids)
        .exclude(sessions__starts_at__gt=now)
    )
    return {
        "courses": live.count(),
        "sessions": Session.objects.filter(course__in=live_ids).count(),
        "bookings": Booking.objects.filter(course__in=live_ids).count(),
        "cancelled_bookings": Booking.objects.filter(
            course__in=live_ids, status=Booking.Status.CANCELLED
        ).count(),
        "instructors": InstructorProfile.objects.count(),
        "past_courses": ended.count(),
        "past_sessions": Session.objects.filter(course__in=ended.values("pk")).count(),
        "past_bookings": Booking.objects.filter(course__in=ended.values("pk")).count(),
        "draft_courses": Course.objects.filter(status=Course.Status.DRAFT).count(),
        "all_sessions": Session.objects.count(),
        "all_bookings": Booking.objects.count(),
        "users": User.objects.count(),
        "first_session_at_maintained": int(has_field(Course, "first_session_at")),
    }


def main(out: str, name: str, factor: str = "1") -> dict:
    size = sizes(float(factor))[name]
    seeder = Seeder(size)
    started = time.perf_counter()
    seeder.run()
    inserted = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cursor:
        # Fresh statistics, or the planner guesses at tables it has never seen full; and the vacuum that
        # autovacuum would otherwise start on the new rows in the middle of the measurements.
        cursor.execute("VACUUM ANALYZE")
    analyzed = time.perf_counter() - started
    return {
        "size": size.name,
        "counts": counts(),
        "insert_seconds": inserted,
        "analyze_seconds": analyzed,
        "parts_seconds": seeder.seconds,
    }
