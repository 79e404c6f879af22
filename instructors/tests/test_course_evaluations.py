"""What an instructor sees of families' evaluations: counts always, anonymous aggregates only from
EVALUATION_MIN_ANSWERS answers, and never one family's answers with its name."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from classes.models import Evaluation
from classes.tests.factories import BookingFactory, EvaluationFactory, course_with_sessions

pytestmark = pytest.mark.django_db


def evaluations_url(course) -> str:
    return reverse("instructors:course_evaluations", kwargs={"pk": course.pk})


@pytest.fixture
def course_over(instructor):
    """Carol's three-week course with four families, seen once its last session has ended."""
    course, sessions = course_with_sessions(instructor=instructor, weeks=3)
    bookings = [BookingFactory(course=course) for _family in range(4)]
    with time_machine.travel(sessions[-1].ends_at + timedelta(days=1), tick=False):
        yield course, bookings


def answer(booking, **answers) -> Evaluation:
    return EvaluationFactory(booking=booking, **answers)


def page(client, user, course) -> str:
    client.force_login(user)
    response = client.get(evaluations_url(course))
    assert response.status_code == 200
    return response.content.decode()


def test_below_the_threshold_only_the_count_shows(client, instructor, course_over):
    course, bookings = course_over
    answer(bookings[0], gained="Bath time is calm now.", teaching_rating=2)
    answer(bookings[1], to_improve="Louder please.")

    shown = page(client, instructor, course)

    assert "2 of 4 families answered." in shown
    assert "Results show from 3 answers" in shown
    assert "Bath time is calm now." not in shown
    assert "Louder please." not in shown
    assert "out of 5" not in shown


def test_from_the_third_answer_the_aggregates_show_without_names(client, instructor, course_over):
    course, bookings = course_over
    answer(bookings[0], gained="Bath time is calm now.", teaching_rating=5, home_practice="daily")
    answer(bookings[1], to_improve="Louder please.", teaching_rating=4, home_practice="daily")
    answer(bookings[2], gained="", teaching_rating=3, home_practice="not_yet")

    shown = page(client, instructor, course)

    assert "3 of 4 families answered." in shown
    assert "4.0 out of 5" in shown
    assert "2 families (67 %)" in shown and "1 family (33 %)" in shown
    assert "Bath time is calm now." in shown and "Louder please." in shown
    for booking in bookings:
        assert booking.parent.full_name not in shown
        assert booking.parent.email not in shown
        assert booking.baby.first_name not in shown


def test_the_threshold_is_a_setting(client, instructor, course_over, settings):
    settings.EVALUATION_MIN_ANSWERS = 2
    course, bookings = course_over
    answer(bookings[0])
    answer(bookings[1])

    assert "out of 5" in page(client, instructor, course)


def test_another_instructor_gets_404_and_a_parent_is_refused(client, course_over, other_instructor, parent):
    course, bookings = course_over
    for booking in bookings[:3]:
        answer(booking)
    assert "out of 5" in page(client, course.instructor, course)

    course_with_sessions(instructor=other_instructor)
    client.force_login(other_instructor)
    assert client.get(evaluations_url(course)).status_code == 404
    client.force_login(parent)
    assert client.get(evaluations_url(course)).status_code == 403
