"""Cancelling asks once more: the confirmation names the baby and the course and says whether the place
goes to a family waiting; only its button cancels."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from classes.models import Booking, Course
from classes.services import book_course
from classes.tests.factories import BabyFactory, BookingFactory, CourseFactory, SessionFactory

pytestmark = pytest.mark.django_db


def course_with_sessions(capacity: int = 1, **extra) -> Course:
    course = CourseFactory(capacity=capacity, title="Baby massage in Chamberí", **extra)
    for _ in range(4):
        SessionFactory(course=course)
    return course


def family_books(course: Course, name: str, parent=None) -> Booking:
    extra = {"parent": parent} if parent is not None else {}
    baby = BabyFactory(first_name=name, date_of_birth=timezone.localdate() - timedelta(weeks=8), **extra)
    return book_course(course, parent=baby.parent, baby=baby)


def confirm_url(booking: Booking) -> str:
    return reverse("classes:booking_cancel", kwargs={"pk": booking.pk})


def test_the_confirmation_names_the_baby_and_the_course_and_says_a_waiting_family_gets_the_place(
    client, parent
):
    course = course_with_sessions(capacity=1)
    booking = family_books(course, "Ivy", parent=parent)
    family_books(course, "Hugo")  # waits
    client.force_login(parent)

    page = client.get(confirm_url(booking)).content.decode()

    assert "Cancel Ivy’s place?" in page
    assert "“Baby massage in Chamberí”" in page
    assert "A family is waiting for a place: yours will be offered to them." in page
    assert "Yes, cancel the place" in page
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_without_anyone_waiting_the_confirmation_says_the_place_becomes_free(client, parent):
    booking = family_books(course_with_sessions(capacity=3), "Ivy", parent=parent)
    client.force_login(parent)

    page = client.get(confirm_url(booking)).content.decode()

    assert "No family is waiting: the place becomes free for anyone to book." in page


def test_when_the_waitlist_has_closed_the_confirmation_says_the_place_stays_free(client, parent):
    course = course_with_sessions(capacity=1, cancellation_cutoff_hours=0)
    booking = family_books(course, "Ivy", parent=parent)
    family_books(course, "Hugo")
    first = course.sessions.order_by("starts_at").first()
    client.force_login(parent)

    with time_machine.travel(first.starts_at - timedelta(hours=1)):
        page = client.get(confirm_url(booking)).content.decode()

    assert "The course starts too soon for the place to be offered to the families waiting" in page


def test_leaving_the_waitlist_is_asked_once_more_too(client, parent):
    course = course_with_sessions(capacity=1)
    family_books(course, "Hugo")
    waiting = family_books(course, "Ivy", parent=parent)
    client.force_login(parent)

    page = client.get(confirm_url(waiting)).content.decode()

    assert "Take Ivy off the waitlist?" in page
    assert "family is waiting" not in page


def test_past_the_cutoff_the_confirmation_offers_no_button_but_whom_to_contact(client, parent):
    course = course_with_sessions(capacity=2, cancellation_cutoff_hours=48)
    booking = family_books(course, "Ivy", parent=parent)
    first = course.sessions.order_by("starts_at").first()
    client.force_login(parent)

    with time_machine.travel(first.starts_at - timedelta(hours=5)):
        page = client.get(confirm_url(booking)).content.decode()

    assert "too late to cancel online" in page
    assert "Yes, cancel the place" not in page


def test_the_button_on_the_confirmation_cancels(client, parent):
    booking = family_books(course_with_sessions(capacity=2), "Ivy", parent=parent)
    client.force_login(parent)

    response = client.post(confirm_url(booking))

    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED


def test_a_cancelled_booking_has_nothing_left_to_confirm(client, parent):
    booking = BookingFactory(parent=parent, course=course_with_sessions(), cancelled=True)
    client.force_login(parent)

    response = client.get(confirm_url(booking), follow=True)

    assert response.redirect_chain[-1][0] == reverse("classes:my_bookings")


def test_someone_elses_booking_has_no_confirmation_page(client, parent, other_parent):
    theirs = family_books(course_with_sessions(capacity=2), "Leo", parent=other_parent)
    client.force_login(parent)

    assert client.get(confirm_url(theirs)).status_code == 404
    # The control: Bob opens his own.
    client.force_login(other_parent)
    assert client.get(confirm_url(theirs)).status_code == 200
