"""P3: a hundred signed-in parents press Book on a ten-place course at the same moment, over HTTP.

The course is built and published through the instructors' services, as the course builder does. Each
parent is a real account with a verified address, a baby of the right age and a signed-in session
(written with Django's session store, as logging in would). One thread per parent prepares its request,
waits at a barrier, and POSTs the booking form to the running server; the server's answers and the rows
left in the database are what count.
"""

from __future__ import annotations

import math
import secrets
import statistics
import threading
import time
from datetime import datetime, timedelta
from datetime import time as clock
from decimal import Decimal

import requests
from allauth.account.models import EmailAddress
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from bench.seed import PASSWORD, email
from classes.models import Baby, Booking, Course
from classes.selectors import with_waitlist_position
from classes.services.courses import SessionPlan
from instructors.services import build_course, publish_course

PARENTS = 100
CAPACITY = 10
TIMEOUT_SECONDS = 30


def ten_place_course() -> Course:
    """A five-week course of ten places, two weeks from now, built and published by an instructor who
    teaches nothing else yet (so no session of theirs overlaps): each call takes another."""
    instructor = (
        User.objects.filter(instructor_profile__isnull=False, courses__isnull=True, venues__isnull=False)
        .distinct()
        .order_by("-pk")
        .first()
    )
    course = build_course(
        instructor,
        plan=SessionPlan(first_local=datetime.combine(timezone.localdate() + timedelta(days=14), clock(10))),
        title="Baby massage: the popular one",
        venue=instructor.venues.first(),
        capacity=CAPACITY,
        price=Decimal("80"),
    )
    return publish_course(course, actor=instructor)


def signed_in_parents(count: int) -> list[tuple[str, int]]:
    """(session key, baby id) for `count` new parents, each with a verified address and a baby of 8 weeks."""
    run = secrets.token_hex(3)
    password = make_password(PASSWORD)
    parents = User.objects.bulk_create(
        User(email=email(f"rush-{run}-{n}"), full_name=f"Rushing Parent {n}", password=password)
        for n in range(count)
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=parent, email=parent.email, verified=True, primary=True) for parent in parents
    )
    babies = Baby.objects.bulk_create(
        Baby(parent=parent, first_name="Noa", date_of_birth=timezone.localdate() - timedelta(weeks=8))
        for parent in parents
    )
    sessions = []
    for parent in parents:
        session = SessionStore()
        session[SESSION_KEY] = str(parent.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = parent.get_session_auth_hash()
        session.create()
        sessions.append(session.session_key)
    return [(key, baby.pk) for key, baby in zip(sessions, babies, strict=True)]


def server_ms(header: str) -> float | None:
    """The app time of a `Server-Timing: app;dur=<ms>, …` header (config/bench_urls.py), None without."""
    for metric in header.split(","):
        name, _semicolon, duration = metric.strip().partition(";dur=")
        if name == "app" and duration:
            return float(duration)
    return None


def percentile(values: list[float], percent: float) -> float:
    """Nearest-rank percentile of a sorted list."""
    return values[max(math.ceil(percent / 100 * len(values)) - 1, 0)]


def _positions_are_one_to_n(bookings) -> str:
    waiting = with_waitlist_position(bookings.filter(status=Booking.Status.WAITLISTED))
    positions = sorted(waiting.values_list("position_on_waitlist", flat=True))
    return (
        f"1…{len(positions)}, each once" if positions == list(range(1, len(positions) + 1)) else "DUPLICATES"
    )


def main(out: str, base_url: str) -> dict:
    course = ten_place_course()
    parents = signed_in_parents(PARENTS)
    book_url = base_url + reverse("classes:book", kwargs={"pk": course.pk})
    barrier = threading.Barrier(PARENTS)
    answers: list[dict] = [{} for _ in parents]

    def press_book(index: int, session_key: str, baby_id: int) -> None:
        # A 32-character CSRF secret is a valid token for both the cookie and the form field.
        csrf = secrets.token_hex(16)
        http = requests.Session()
        request = http.prepare_request(
            requests.Request(
                "POST",
                book_url,
                data={"baby": baby_id, "expected": "book", "csrfmiddlewaretoken": csrf},
                headers={"Cookie": f"sessionid={session_key}; csrftoken={csrf}"},
            )
        )
        barrier.wait()
        started = time.perf_counter()
        try:
            response = http.send(request, allow_redirects=False, timeout=TIMEOUT_SECONDS)
        except requests.RequestException as error:
            answers[index] = {
                "error": f"{type(error).__name__}: {error}",
                "seconds": time.perf_counter() - started,
            }
            return
        answers[index] = {
            "status": response.status_code,
            "location": response.headers.get("Location", ""),
            "seconds": time.perf_counter() - started,
            "server_ms": server_ms(response.headers.get("Server-Timing", "")),
        }

    threads = [
        threading.Thread(target=press_book, args=(index, key, baby))
        for index, (key, baby) in enumerate(parents)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    my_bookings = reverse("classes:my_bookings")
    # A booking ends on My bookings (booked or waitlisted); anything else is an error for this parent.
    errors = [
        answer for answer in answers if answer.get("status") != 302 or answer["location"] != my_bookings
    ]
    seconds = sorted(answer["seconds"] for answer in answers)
    server = sorted(answer["server_ms"] for answer in answers if answer.get("server_ms") is not None)
    bookings = Booking.objects.filter(course=course)
    return {
        "parents": PARENTS,
        "capacity": CAPACITY,
        "confirmed": bookings.filter(status=Booking.Status.CONFIRMED).count(),
        "waitlisted": bookings.filter(status=Booking.Status.WAITLISTED).count(),
        "other_bookings": bookings.exclude(
            status__in=[Booking.Status.CONFIRMED, Booking.Status.WAITLISTED]
        ).count(),
        "waitlist_positions": _positions_are_one_to_n(bookings),
        "errors": len(errors),
        "error_samples": errors[:3],
        "p50_seconds": statistics.median(seconds),
        "p95_seconds": percentile(seconds, 95),
        "max_seconds": seconds[-1],
        # Time in Django per booking (Server-Timing), waiting for the course lock included: the rest of
        # an answer's time is spent queued for a free worker.
        "server_ms_p50": statistics.median(server) if server else None,
        "server_ms_sum": sum(server),
    }
