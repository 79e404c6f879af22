"""The directory and the dashboard read a constant number of queries, whatever the data.

Each measure builds a data set inside a savepoint, requests the page once to warm per-process caches,
counts the queries of a second request, then rolls the data set back. Small and large data sets differ
in instructors (2 vs 8), courses per instructor (1 vs 4), sessions per course (2 vs 6), bookings per
course (1 vs 4, with a waitlist in the large one), backgrounds and languages per profile and messages
sent, so an N+1 on any of them shows as a difference.
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import UserFactory
from certification.tests.factories import CertificateFactory
from classes.models import CourseMessage
from classes.tests.factories import BookingFactory, CourseFactory, SessionFactory
from instructors.models import Background
from instructors.tests.factories import (
    InstructorBackgroundFactory,
    InstructorLanguageFactory,
    InstructorProfileFactory,
)

pytestmark = pytest.mark.django_db

SMALL = {"instructors": 2, "courses": 1, "sessions": 2, "bookings": 1, "extras": 1}
LARGE = {"instructors": 8, "courses": 4, "sessions": 6, "bookings": 4, "extras": 3}
BACKGROUNDS = [Background.MIDWIFE, Background.NURSE, Background.DOULA]
LANGUAGES = ["es", "en", "fr"]


def build(me, *, instructors: int, courses: int, sessions: int, bookings: int, extras: int) -> None:
    """`instructors` certified instructors with public profiles (`me` first), each with `courses` courses
    (published, one a draft when there are several, online and at venues), their sessions and bookings,
    and the messages they sent."""
    people = [me, *(UserFactory() for _ in range(instructors - 1))]
    for number, person in enumerate(people):
        CertificateFactory(holder=person)
        profile = InstructorProfileFactory(user=person, city="Madrid" if number % 2 else "Sevilla")
        for index in range(extras):
            InstructorBackgroundFactory(profile=profile, background=BACKGROUNDS[index])
            InstructorLanguageFactory(profile=profile, language=LANGUAGES[index])
        for index in range(courses):
            extra = {"online": True} if index % 2 else {}
            if index == 3:
                extra["draft"] = True
            course = CourseFactory(instructor=person, capacity=3, **extra)
            for _ in range(sessions):
                SessionFactory(course=course)
            for booking in range(bookings):
                BookingFactory(course=course, **({"waitlisted": True} if booking >= 3 else {}))
            for _ in range(extras):
                CourseMessage.objects.create(
                    course=course, sender=person, subject="Hello", body="Hi", recipients=1
                )


def count_queries(client, url: str, build_data, check) -> int:
    with transaction.atomic():
        build_data()
        assert client.get(url).status_code == 200
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        check(response)
        transaction.set_rollback(True)
    return len(queries)


def small_and_large(client, me, url: str, check) -> tuple[int, int]:
    return tuple(
        count_queries(
            client,
            url,
            lambda size=size: build(me, **size),
            lambda response, size=size: check(response, size),
        )
        for size in (SMALL, LARGE)
    )


def test_the_directory_reads_the_same_number_of_queries_at_any_size(client, instructor):
    def every_instructor_listed(response, size):
        assert response.context["page"].paginator.count == size["instructors"]

    small, large = small_and_large(
        client, instructor, reverse("instructors:directory"), every_instructor_listed
    )

    print(f"\ndirectory queries: small={small} large={large}")
    assert small == large


def test_the_filtered_directory_reads_the_same_number_of_queries_at_any_size(client, instructor):
    def some_listed(response, size):
        assert response.context["page"].paginator.count == size["instructors"] // 2

    url = reverse("instructors:directory") + "?country=ES&city=Madrid&language=es&background=midwife&q=a"
    small, large = small_and_large(client, instructor, url, some_listed)

    print(f"\nfiltered directory queries: small={small} large={large}")
    assert small == large


def test_the_dashboard_reads_the_same_number_of_queries_at_any_size(client, instructor):
    client.force_login(instructor)

    def my_courses_listed(response, size):
        board = response.context["board"]
        assert len(board.upcoming) + len(board.drafts) == size["courses"]

    small, large = small_and_large(client, instructor, reverse("instructors:dashboard"), my_courses_listed)

    print(f"\ndashboard queries: small={small} large={large}")
    assert small == large


@pytest.mark.parametrize("page", ["roster", "register_print", "roster_csv"])
def test_the_roster_reads_the_same_number_of_queries_at_any_size(client, instructor, page):
    """Families on one course: 1 vs 4 bookings (a waitlist in the large set), 2 vs 6 sessions."""
    client.force_login(instructor)
    counts = []
    for size in (SMALL, LARGE):
        with transaction.atomic():
            build(instructor, **size)
            course = instructor.courses.order_by("pk").first()
            url = reverse(f"instructors:{page}", kwargs={"pk": course.pk})
            assert client.get(url).status_code == 200
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            transaction.set_rollback(True)
        counts.append(len(queries))

    print(f"\n{page} queries: small={counts[0]} large={counts[1]}")
    assert counts[0] == counts[1]
