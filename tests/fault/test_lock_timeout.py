"""A course row locked longer than the database waits (lock_timeout): the parent is asked to try again,
nothing is booked, and no error page is shown. Another connection holds the lock, as a slow booking on
the same course would."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from django.db import connection, transaction
from django.urls import reverse

from classes.models import Booking, Course
from classes.tests.factories import BabyFactory, BookingFactory, CourseFactory, SessionFactory

pytestmark = [pytest.mark.fault, pytest.mark.django_db(transaction=True)]

BUSY = "Many parents are booking right now — please try again."


@pytest.fixture
def short_lock_timeout() -> Iterator[None]:
    """This test's connection (the one the test client's requests use) waits 300 ms for a lock, not the
    configured DB_LOCK_TIMEOUT_MS."""
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '300ms'")
    yield
    with connection.cursor() as cursor:
        cursor.execute("RESET lock_timeout")


@pytest.fixture
def lock_course() -> Iterator:
    """Lock a course row from another connection (a thread with a transaction open); returns the function
    that lets go. Whatever is still locked is let go when the test ends."""
    release = threading.Event()
    threads = []

    def unlock() -> None:
        release.set()
        for thread in threads:
            thread.join(timeout=30)

    def lock(course: Course):
        locked = threading.Event()

        def hold() -> None:
            try:
                with transaction.atomic():
                    Course.objects.select_for_update().get(pk=course.pk)
                    locked.set()
                    release.wait(timeout=30)
            finally:
                connection.close()

        thread = threading.Thread(target=hold)
        thread.start()
        threads.append(thread)
        assert locked.wait(timeout=10), "the other connection could not lock the course"
        return unlock

    yield lock
    unlock()


def course_with_sessions() -> Course:
    course = CourseFactory(capacity=4)
    for _ in range(3):
        SessionFactory(course=course)
    return course


def test_booking_a_course_locked_by_another_booking_asks_the_parent_to_try_again_and_trying_again_works(
    client, parent, short_lock_timeout, lock_course
):
    course = course_with_sessions()
    baby = BabyFactory(parent=parent)
    client.force_login(parent)
    book = reverse("classes:book", kwargs={"pk": course.pk})
    unlock = lock_course(course)

    response = client.post(book, {"baby": baby.pk, "expected": "book"}, follow=True)

    assert response.status_code == 200
    assert response.redirect_chain == [(course.get_absolute_url(), 302)]
    assert BUSY in response.content.decode()
    assert not Booking.objects.filter(course=course).exists()
    unlock()
    again = client.post(book, {"baby": baby.pk, "expected": "book"})
    assert again["Location"] == reverse("classes:my_bookings")
    assert Booking.objects.get(course=course, baby=baby).status == Booking.Status.CONFIRMED


def test_cancelling_while_the_course_is_locked_asks_to_try_again_and_keeps_the_place(
    client, parent, short_lock_timeout, lock_course
):
    course = course_with_sessions()
    booking = BookingFactory(course=course, parent=parent)
    client.force_login(parent)
    lock_course(course)

    response = client.post(reverse("classes:booking_cancel", kwargs={"pk": booking.pk}), follow=True)

    assert response.status_code == 200
    assert BUSY in response.content.decode()
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CONFIRMED
