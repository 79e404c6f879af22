"""The instructor's dashboard at /teach/: their own courses grouped as running, upcoming, drafts and past,
with places taken and left and the waitlist, what they may publish, and the messages they sent."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from classes.services import cancel_course, message_families

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("instructors:dashboard")


def titles(courses) -> list[str]:
    return [course.title for course in courses]


def test_courses_are_grouped_with_places_and_waitlist(client, certified, other_certified, make_course, book):
    full = make_course(certified, title="Full course", capacity=1, days_ahead=5)
    book(full, "Oliver")
    book(full, "Mia")
    make_course(certified, title="Draft course", days_ahead=60, publish=False)
    cancelled = make_course(certified, title="Cancelled course", days_ahead=30)
    cancel_course(cancelled, actor=certified)
    make_course(other_certified, title="Dave's course")
    client.force_login(certified)

    board = client.get(DASHBOARD).context["board"]

    assert titles(board.upcoming) == ["Full course"]
    assert titles(board.drafts) == ["Draft course"]
    assert titles(board.past) == ["Cancelled course"]
    course = board.upcoming[0]
    assert (course.places_taken, course.places_left, course.waitlist_length) == (1, 0, 1)


def test_a_course_is_running_between_its_first_and_last_session(client, certified, make_course):
    course = make_course(certified, title="Five weeks", days_ahead=3)
    sessions = list(course.sessions.order_by("starts_at"))
    client.force_login(certified)

    with time_machine.travel(sessions[1].starts_at):
        board = client.get(DASHBOARD).context["board"]
        assert titles(board.running) == ["Five weeks"]
        assert board.running[0].sessions_held == 2
    with time_machine.travel(sessions[-1].ends_at):
        client.force_login(certified)  # five weeks on, the first sign-in has expired
        assert titles(client.get(DASHBOARD).context["board"].past) == ["Five weeks"]


def test_the_page_shows_numbers_and_links(client, certified, make_course, book):
    course = make_course(certified, capacity=4)
    book(course)
    client.force_login(certified)

    page = client.get(DASHBOARD).content.decode()

    assert "1 of 4" in page
    assert reverse("instructors:roster", kwargs={"pk": course.pk}) in page


def test_the_dashboard_lists_the_messages_sent(client, certified, make_course, book):
    course = make_course(certified)
    book(course)
    message_families(course, actor=certified, subject="Parking tips", body="Round the back.")
    client.force_login(certified)

    response = client.get(DASHBOARD)

    assert [message.subject for message in response.context["board"].messages] == ["Parking tips"]
    assert "1 family" in response.content.decode()


def test_an_instructor_without_a_certificate_is_told_what_publishing_needs(client, instructor, make_course):
    make_course(instructor, publish=False)
    client.force_login(instructor)

    page = client.get(DASHBOARD).content.decode()

    assert "An active instructor certificate is needed to publish courses." in page


def test_a_trainee_is_told_about_practicum_courses(client, practicum_trainee):
    client.force_login(practicum_trainee)

    page = client.get(DASHBOARD).content.decode()

    assert "practicum courses" in page
