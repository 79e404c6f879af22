"""The catalog, course page and My bookings read a constant number of queries, whatever the data.

Each measure builds a data set inside a savepoint, requests the page once to warm per-process caches,
counts the queries of a second request, then rolls the data set back; small and large data sets differ
in courses (2 vs 15), sessions per course (2 vs 8), bookings per course (1 vs 6) and the parent's babies
and bookings, so an N+1 on any of them shows as a difference.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from classes.models import Booking, Course
from classes.tests.factories import BabyFactory, BookingFactory, CourseFactory, SessionFactory, VenueFactory

pytestmark = pytest.mark.django_db

SMALL = {"courses": 2, "sessions": 2, "bookings": 1}
LARGE = {"courses": 15, "sessions": 8, "bookings": 6}
# The catalog reads its page in SQL: the count, the page's ids, the cards, the languages, and what a
# signed-in page reads of its person (session, user, navigation, babies).
MOST_CATALOG_QUERIES = 12


@dataclass
class DataSet:
    courses: list[Course]
    parents_course: Course


def build(parent, profile_factory, *, courses: int, sessions: int, bookings: int) -> DataSet:
    """Courses at venues and online, by instructors with and without a public profile, each with its
    sessions and other families' bookings; the parent has a place on one and a baby per course size."""
    made = []
    for number in range(courses):
        extra = {"online": True} if number % 2 else {"venue": VenueFactory(city="Madrid")}
        course = CourseFactory(capacity=10, language="en", **extra)
        if number % 3 == 0:
            profile_factory(user=course.instructor)
        for _ in range(sessions):
            SessionFactory(course=course)
        for _ in range(bookings):
            BookingFactory(course=course)
        made.append(course)
    parents_course = made[-1]
    for _ in range(1 if courses == SMALL["courses"] else 3):
        BabyFactory(parent=parent)
    BookingFactory(course=parents_course, parent=parent)
    return DataSet(courses=made, parents_course=parents_course)


def count_queries(client, url_of, build_data, *, shows=None) -> int:
    """Queries of the page's second request; `shows(data, response)` checks the page shows the data set."""
    with transaction.atomic():
        data = build_data()
        url = url_of(data)
        assert client.get(url).status_code == 200
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        if shows is not None:
            shows(data, response)
        transaction.set_rollback(True)
    return len(queries)


def small_and_large(client, parent, profile_factory, url_of, shows=None) -> tuple[int, int]:
    return tuple(
        count_queries(client, url_of, lambda size=size: build(parent, profile_factory, **size), shows=shows)
        for size in (SMALL, LARGE)
    )


def every_course_listed(data: DataSet, response) -> None:
    assert response.context["page"].paginator.count == len(data.courses)


def catalog_filters() -> str:
    born = (timezone.localdate() - timedelta(weeks=6)).isoformat()
    return f"?city=Madrid&language=en&baby_born={born}&starts_from={timezone.localdate().isoformat()}"


@pytest.mark.parametrize("signed_in", [False, True], ids=["signed-out", "signed-in"])
@pytest.mark.parametrize("filtered", [False, True], ids=["all", "filtered"])
def test_the_catalog_reads_the_same_number_of_queries_for_2_or_15_courses(
    client, parent, instructor_profile_factory, signed_in, filtered
):
    if signed_in:
        client.force_login(parent)
    url = reverse("classes:catalog") + (catalog_filters() if filtered else "")

    small, large = small_and_large(
        client, parent, instructor_profile_factory, lambda data: url, shows=every_course_listed
    )

    who = "signed in" if signed_in else "signed out"
    print(f"catalog ({who}, filtered={filtered}): {small} vs {large} queries")
    assert small == large
    assert large <= MOST_CATALOG_QUERIES


@pytest.mark.parametrize("signed_in", [False, True], ids=["signed-out", "signed-in"])
def test_the_home_page_reads_the_same_number_of_queries_for_2_or_15_courses(
    client, parent, instructor_profile_factory, signed_in
):
    if signed_in:
        client.force_login(parent)

    def soonest_listed(data: DataSet, response) -> None:
        assert len(response.context["courses"]) == min(len(data.courses), 6)

    small, large = small_and_large(
        client, parent, instructor_profile_factory, lambda data: reverse("home"), shows=soonest_listed
    )

    print(f"home ({'signed in' if signed_in else 'signed out'}): {small} vs {large} queries")
    assert small == large


@pytest.mark.parametrize("signed_in", [False, True], ids=["signed-out", "parent-with-a-booking"])
def test_the_course_page_reads_the_same_number_of_queries_for_small_and_large_courses(
    client, parent, instructor_profile_factory, signed_in
):
    if signed_in:
        client.force_login(parent)

    small, large = small_and_large(
        client, parent, instructor_profile_factory, lambda data: data.parents_course.get_absolute_url()
    )

    print(
        f"course page ({'parent with a booking' if signed_in else 'signed out'}): {small} vs {large} queries"
    )
    assert small == large


def test_my_bookings_reads_the_same_number_of_queries_for_one_booking_or_six(client, parent):
    client.force_login(parent)

    def one_booking():
        course = CourseFactory()
        for _ in range(2):
            SessionFactory(course=course)
        BookingFactory(course=course, parent=parent)

    def six_bookings_in_every_state():
        for status in ("confirmed", "confirmed", "waitlisted", "waitlisted", "offered", "cancelled"):
            course = CourseFactory(capacity=1)
            for _ in range(8):
                SessionFactory(course=course)
            if status in ("waitlisted", "offered"):
                BookingFactory(course=course)
                BookingFactory(course=course, waitlisted=True)
            BookingFactory(
                course=course, parent=parent, **({status: True} if status != Booking.Status.CONFIRMED else {})
            )

    url = reverse("classes:my_bookings")
    small = count_queries(client, lambda data: url, one_booking)
    large = count_queries(client, lambda data: url, six_bookings_in_every_state)

    print(f"my bookings: {small} vs {large} queries")
    assert small == large
