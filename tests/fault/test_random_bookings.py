"""R1: a thousand random bookings, cancellations, answers to offers and offer-expiry sweeps from twenty
threads at once, each on its own database connection, on three small courses; then the rules are checked
in SQL.

The operations go through the services, as the views and beat call them; a refusal (BookingError: already
booked, offer no longer open…) is an answer, anything else raised is a failure. Offers last a quarter of a
second here, so the clock runs past them during the run and the sweeps find real work.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from accounts.tests.factories import UserFactory
from classes.emails import offer_version
from classes.models import Booking, Course
from classes.selectors import with_waitlist_position
from classes.services import BookingError, book_course, cancel_booking, expire_offers, respond_to_offer
from classes.tests.factories import BabyFactory, CourseFactory, SessionFactory

pytestmark = [pytest.mark.fault, pytest.mark.django_db(transaction=True)]

THREADS = 20
OPERATIONS = 1000
FAMILIES = 30
CAPACITIES = (2, 3, 4)
OFFER_SECONDS = 0.25

# Places held (confirmed or offered) never exceed capacity.
OVERBOOKED = """
    SELECT c.id, c.capacity, COUNT(b.id) AS held
    FROM classes_course c
    JOIN classes_booking b ON b.course_id = c.id AND b.status IN ('confirmed', 'offered')
    WHERE c.id = ANY(%(courses)s)
    GROUP BY c.id, c.capacity
    HAVING COUNT(b.id) > c.capacity
"""
# Waitlist positions, first come first served (ties by id), are 1..n on each course, each exactly once.
WAITLIST_POSITIONS = """
    SELECT id, course_id,
           ROW_NUMBER() OVER (PARTITION BY course_id ORDER BY waitlisted_at, id) AS position
    FROM classes_booking
    WHERE status = 'waitlisted' AND course_id = ANY(%(courses)s)
"""
POSITIONS_NOT_ONE_TO_N = (
    """
    SELECT course_id, COUNT(*), COUNT(DISTINCT position), MAX(position)
    FROM ("""
    + WAITLIST_POSITIONS
    + """) AS positions
    GROUP BY course_id
    HAVING COUNT(*) <> COUNT(DISTINCT position) OR COUNT(*) <> MAX(position)
"""
)
# A baby has at most one live booking per course.
BOOKED_TWICE = """
    SELECT course_id, baby_id, COUNT(*)
    FROM classes_booking
    WHERE status <> 'cancelled' AND course_id = ANY(%(courses)s)
    GROUP BY course_id, baby_id
    HAVING COUNT(*) > 1
"""
# No place stays free while a family waits: every freed place was offered at once.
IDLE_PLACE_WITH_FAMILIES_WAITING = """
    SELECT c.id
    FROM classes_course c
    WHERE c.id = ANY(%(courses)s)
      AND (SELECT COUNT(*) FROM classes_booking b
           WHERE b.course_id = c.id AND b.status IN ('confirmed', 'offered')) < c.capacity
      AND EXISTS (SELECT 1 FROM classes_booking w WHERE w.course_id = c.id AND w.status = 'waitlisted')
"""
# Every confirmed place has its confirmation in the outbox, and every open offer its offer email.
MISSING_EMAILS = """
    SELECT b.id, b.status
    FROM classes_booking b
    WHERE b.course_id = ANY(%(courses)s)
      AND (
        (b.status = 'confirmed' AND NOT EXISTS (
            SELECT 1 FROM notifications_outgoingemail e WHERE e.key = 'booking-confirmed:' || b.id))
        OR (b.status = 'offered' AND NOT EXISTS (
            SELECT 1 FROM notifications_outgoingemail e
            WHERE e.key = 'place-offered:' || b.id || ':'
                          || FLOOR(EXTRACT(EPOCH FROM b.offer_expires_at))::bigint))
      )
"""


# An offer either ended in a confirmed place or expired, never both: not both emails for one booking.
CONFIRMED_AND_EXPIRED = """
    SELECT b.id
    FROM classes_booking b
    WHERE b.course_id = ANY(%(courses)s)
      AND EXISTS (SELECT 1 FROM notifications_outgoingemail e WHERE e.key = 'booking-confirmed:' || b.id)
      AND EXISTS (
        SELECT 1 FROM notifications_outgoingemail e WHERE e.key LIKE 'offer-expired:' || b.id || ':%%')
"""
# Every expired offer told its family once.
EXPIRED_NOT_TOLD_ONCE = """
    SELECT b.id, COUNT(e.id)
    FROM classes_booking b
    LEFT JOIN notifications_outgoingemail e ON e.key LIKE 'offer-expired:' || b.id || ':%%'
    WHERE b.course_id = ANY(%(courses)s) AND b.cancel_reason = 'offer_expired'
    GROUP BY b.id
    HAVING COUNT(e.id) <> 1
"""
# After a sweep, no offer is still open past its time.
OPEN_PAST_EXPIRY = """
    SELECT b.id, b.offer_expires_at
    FROM classes_booking b
    WHERE b.course_id = ANY(%(courses)s) AND b.status = 'offered' AND b.offer_expires_at <= %(now)s
"""


RULES = {
    "overbooked": OVERBOOKED,
    "waitlist positions not 1..n": POSITIONS_NOT_ONE_TO_N,
    "booked twice": BOOKED_TWICE,
    "idle place with families waiting": IDLE_PLACE_WITH_FAMILIES_WAITING,
    "missing emails": MISSING_EMAILS,
    "confirmed and expired": CONFIRMED_AND_EXPIRED,
    "expired offer not told once": EXPIRED_NOT_TOLD_ONCE,
}


def rows(sql: str, courses: list[int], **params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, {"courses": courses, **params})
        return cursor.fetchall()


def broken_rules(courses: list[int]) -> dict[str, list[tuple]]:
    """Each rule the courses break, with the rows that break it; empty when every rule holds."""
    return {name: found for name, sql in RULES.items() if (found := rows(sql, courses))}


class Operations:
    """What one thread does: a seeded random sequence of book / cancel / accept / decline / sweep."""

    def __init__(self, courses: list[Course], families: list, counts: Counter, errors: list, lock) -> None:
        self.courses, self.families = courses, families
        self.counts, self.errors, self.lock = counts, errors, lock

    def one(self, rng: random.Random) -> str:
        kind = rng.choice(["book", "book", "cancel", "answer", "expire"])
        if kind == "expire":
            expired = expire_offers()
            with self.lock:
                self.counts["offers expired"] += expired
            return kind
        if kind == "book":
            parent, baby = rng.choice(self.families)
            book_course(rng.choice(self.courses), parent=parent, baby=baby)
            return kind
        live = Booking.objects.live().filter(course__in=self.courses).select_related("parent")
        if kind == "cancel":
            booking = live.order_by("?").first()
            if booking is None:
                return "nothing to cancel"
            cancel_booking(booking, by=booking.parent)
            return kind
        offered = live.filter(status=Booking.Status.OFFERED).order_by("?").first()
        if offered is None:
            return "no offer open"
        accept = rng.random() < 0.5
        respond_to_offer(offered, accept=accept, offer_version=offer_version(offered))
        return "accept" if accept else "decline"

    def run(self, seed: int, barrier: threading.Barrier) -> None:
        rng = random.Random(seed)
        try:
            barrier.wait()
            for _ in range(OPERATIONS // THREADS):
                try:
                    outcome = self.one(rng)
                except BookingError:
                    outcome = "refused"
                except Exception as error:  # anything but a refusal is what this test looks for
                    outcome = "error"
                    with self.lock:
                        self.errors.append(f"{type(error).__name__}: {error}")
                with self.lock:
                    self.counts[outcome] += 1
        finally:
            connection.close()


def test_a_thousand_random_operations_from_twenty_threads_keep_every_booking_rule(settings):
    settings.WAITLIST_OFFER_HOURS = OFFER_SECONDS / 3600
    courses = []
    for capacity in CAPACITIES:
        course = CourseFactory(capacity=capacity)
        for _ in range(2):
            SessionFactory(course=course)
        courses.append(course)
    families = []
    for _ in range(FAMILIES):
        parent = UserFactory()
        families.append((parent, BabyFactory(parent=parent)))
    counts, errors, lock = Counter(), [], threading.Lock()
    operations = Operations(courses, families, counts, errors, lock)
    barrier = threading.Barrier(THREADS)

    threads = [threading.Thread(target=operations.run, args=(seed, barrier)) for seed in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    print(f"R1 outcomes: {dict(counts)}")
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    expired_during_run = counts.pop("offers expired", 0)
    assert sum(counts.values()) == OPERATIONS
    for kind in ("book", "cancel", "accept", "decline", "expire", "refused"):
        assert counts[kind] > 0, f"the random mix never produced {kind!r}: {dict(counts)}"

    ids = [course.pk for course in courses]
    assert broken_rules(ids) == {}
    # Beat's next sweep, a minute later: every offer still open has run out by then, and the rules hold.
    later = timezone.now() + timedelta(minutes=1)
    with time_machine.travel(later):
        expired_after_run = expire_offers()
    assert expired_during_run + expired_after_run > 0
    assert rows(OPEN_PAST_EXPIRY, ids, now=later) == []
    assert broken_rules(ids) == {}
    # The app's own waitlist positions (classes.selectors) agree with SQL's.
    by_sql = {booking_id: position for booking_id, _course, position in rows(WAITLIST_POSITIONS, ids)}
    by_app = dict(
        with_waitlist_position(
            Booking.objects.filter(course__in=ids, status=Booking.Status.WAITLISTED)
        ).values_list("pk", "position_on_waitlist")
    )
    assert by_app == by_sql
