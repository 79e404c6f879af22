"""Families' evaluations: the request after the last session, the signed link, the form and its one answer
(docs/domain.md, Evaluations)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.db import IntegrityError
from django.urls import reverse

from classes.evaluations import evaluation_token
from classes.models import Attendance, Booking, Course, Evaluation, Session
from classes.services.evaluations import (
    EvaluationError,
    evaluation_request_key,
    queue_evaluation_requests,
    submit_evaluation,
)
from classes.tests.factories import (
    AttendanceFactory,
    BookingFactory,
    EvaluationFactory,
    course_with_sessions,
)
from notifications.models import OutgoingEmail
from notifications.services import build_message

pytestmark = pytest.mark.django_db

ANSWERS = {
    "teaching_rating": "5",
    "confidence_rating": "4",
    "group_rating": "3",
    "recommend_rating": "5",
    "home_practice": "weekly",
    "gained": "She loves the tummy strokes.",
    "to_improve": "A warmer room.",
}
RATINGS = {"teaching_rating": 5, "confidence_rating": 4, "group_rating": 3, "recommend_rating": 5}


def after(session: Session, **delta):
    return time_machine.travel(session.ends_at + timedelta(**(delta or {"minutes": 1})), tick=False)


def link_path(email: OutgoingEmail) -> str:
    """The path of the evaluation link as delivery sends it (the stored body hides it from staff)."""
    match = re.search(r"https?://[^/\s]+(/classes/evaluations/\S+/)", build_message(email).body)
    assert match, build_message(email).body
    return match.group(1)


def evaluation_url(booking: Booking) -> str:
    return reverse("classes:evaluation_by_link", kwargs={"token": evaluation_token(booking)})


@pytest.fixture
def finished(parent, other_parent):
    """A three-week course with Alice's and Bob's confirmed places; tests travel past its last session."""
    course, sessions = course_with_sessions(weeks=3)
    return (
        course,
        sessions,
        BookingFactory(course=course, parent=parent),
        BookingFactory(course=course, parent=other_parent),
    )


class TestTheRequestSweep:
    def test_each_family_gets_one_email_once_however_often_the_sweep_runs(self, finished):
        _course, sessions, alice, bob = finished

        with after(sessions[-1]):
            first = queue_evaluation_requests()
            again = queue_evaluation_requests()

        assert (first, again) == (2, 0)
        emails = OutgoingEmail.objects.filter(template="evaluation_request")
        assert sorted(emails.values_list("key", flat=True)) == sorted(
            [evaluation_request_key(alice), evaluation_request_key(bob)]
        )
        assert {email.to_email for email in emails} == {alice.parent.email, bob.parent.email}

    def test_nobody_is_asked_before_the_last_session_has_ended(self, finished):
        _course, sessions, _alice, _bob = finished

        with time_machine.travel(sessions[-1].ends_at - timedelta(minutes=1), tick=False):
            assert queue_evaluation_requests() == 0
        assert not OutgoingEmail.objects.filter(template="evaluation_request").exists()

    def test_a_cancelled_course_asks_nobody(self, finished):
        course, sessions, _alice, _bob = finished
        Course.objects.filter(pk=course.pk).update(status=Course.Status.CANCELLED)

        with after(sessions[-1]):
            assert queue_evaluation_requests() == 0

    def test_a_cancelled_last_session_makes_the_one_before_the_last(self, finished):
        _course, sessions, _alice, _bob = finished
        Session.objects.filter(pk=sessions[-1].pk).update(status=Session.Status.CANCELLED)

        with after(sessions[-2]):
            assert queue_evaluation_requests() == 2

    def test_only_confirmed_families_who_came_are_asked(self, finished, other_instructor):
        course, sessions, alice, bob = finished
        BookingFactory(course=course, cancelled=True)
        BookingFactory(course=course, waitlisted=True)
        # The register shows Bob absent every time it was taken; Alice was there once.
        for session in sessions[:2]:
            AttendanceFactory(booking=bob, session=session, status=Attendance.Status.ABSENT)
        AttendanceFactory(booking=alice, session=sessions[0], status=Attendance.Status.ABSENT)
        AttendanceFactory(booking=alice, session=sessions[1])

        with after(sessions[-1]):
            assert queue_evaluation_requests() == 1

        assert OutgoingEmail.objects.get(template="evaluation_request").key == evaluation_request_key(alice)

    def test_a_family_that_answered_already_is_not_asked(self, finished):
        _course, sessions, alice, _bob = finished
        EvaluationFactory(booking=alice)

        with after(sessions[-1]):
            assert queue_evaluation_requests() == 1

    def test_a_course_that_ended_long_ago_is_left_alone(self, finished, settings):
        _course, sessions, _alice, _bob = finished

        with after(sessions[-1], days=settings.EVALUATION_REQUEST_WITHIN_DAYS + 1):
            assert queue_evaluation_requests() == 0

    def test_the_email_is_in_the_parents_language_and_hides_its_link_from_staff(self, finished):
        _course, sessions, alice, _bob = finished
        alice.parent.preferred_language = "es"
        alice.parent.save()

        with after(sessions[-1]):
            queue_evaluation_requests()

        email = OutgoingEmail.objects.get(key=evaluation_request_key(alice))
        assert email.language == "es"
        assert "/classes/evaluations/" not in email.body_text + email.body_html
        assert link_path(email).startswith("/classes/evaluations/")


class TestTheLink:
    def test_the_emailed_link_shows_the_form_signed_out_and_a_get_stores_nothing(self, client, finished):
        _course, sessions, alice, _bob = finished
        with after(sessions[-1]):
            queue_evaluation_requests()
            response = client.get(link_path(OutgoingEmail.objects.get(key=evaluation_request_key(alice))))

        assert response.status_code == 200
        assert "Send my evaluation" in response.content.decode()
        assert not Evaluation.objects.exists()

    def test_a_post_stores_the_answers_once(self, client, finished):
        _course, sessions, alice, _bob = finished
        url = evaluation_url(alice)

        with after(sessions[-1]):
            first = client.post(url, ANSWERS, follow=True)
            second = client.post(url, {**ANSWERS, "teaching_rating": "1"}, follow=True)

        assert "Thank you! Your evaluation is received." in first.content.decode()
        assert "We already have your evaluation of this course. Thank you!" in second.content.decode()
        evaluation = Evaluation.objects.get()
        assert (evaluation.booking, evaluation.teaching_rating, evaluation.home_practice) == (
            alice,
            5,
            "weekly",
        )
        assert (evaluation.gained, evaluation.to_improve, evaluation.language) == (
            "She loves the tummy strokes.",
            "A warmer room.",
            "en",
        )

    def test_a_missing_answer_is_named_and_nothing_is_stored(self, client, finished):
        _course, sessions, alice, _bob = finished

        with after(sessions[-1]):
            answers = {name: value for name, value in ANSWERS.items() if name != "confidence_rating"}
            response = client.post(evaluation_url(alice), answers)

        assert response.status_code == 200
        assert "Choose a number from 1 to 5." in response.content.decode()
        assert not Evaluation.objects.exists()

    def test_a_token_answers_for_its_own_booking_only(self, client, finished):
        _course, sessions, alice, bob = finished

        with after(sessions[-1]):
            client.post(evaluation_url(alice), {**ANSWERS, "booking": bob.pk, "pk": bob.pk})

        assert list(Evaluation.objects.values_list("booking", flat=True)) == [alice.pk]

    def test_a_tampered_token_gets_a_clear_page_and_changes_nothing(self, client, finished):
        _course, sessions, alice, _bob = finished
        token = evaluation_token(alice)
        tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
        forged = signing.dumps({"booking": alice.pk}, salt="another.purpose")

        with after(sessions[-1]):
            responses = [
                client.post(reverse("classes:evaluation_by_link", kwargs={"token": bad}), ANSWERS)
                for bad in (tampered, forged)
            ]

        assert [response.status_code for response in responses] == [404, 404]
        assert all("Please copy the whole link from the email." in r.content.decode() for r in responses)
        assert not Evaluation.objects.exists()

    def test_an_expired_link_says_so_and_points_to_my_bookings(self, client, finished, settings):
        _course, sessions, alice, _bob = finished
        with after(sessions[-1]):
            url = evaluation_url(alice)

        with after(sessions[-1], days=settings.EVALUATION_LINK_DAYS + 1):
            response = client.post(url, ANSWERS)

        assert response.status_code == 410
        assert "has expired" in response.content.decode()
        assert reverse("classes:my_bookings") in response.content.decode()
        assert not Evaluation.objects.exists()

    def test_before_the_last_session_ends_the_page_says_it_is_not_open(self, client, finished):
        _course, sessions, alice, _bob = finished

        with time_machine.travel(sessions[-1].starts_at, tick=False):
            page = client.get(evaluation_url(alice))
            client.post(evaluation_url(alice), ANSWERS)

        assert "Evaluations open once the course" in page.content.decode()
        assert "Send my evaluation" not in page.content.decode()
        assert not Evaluation.objects.exists()

    def test_the_page_speaks_the_parents_language_unless_they_chose_another(self, client, finished):
        _course, sessions, alice, _bob = finished
        alice.parent.preferred_language = "es"
        alice.parent.save()

        with after(sessions[-1]):
            page = client.get(evaluation_url(alice))

        assert '<html lang="es"' in page.content.decode()


class TestMyBookings:
    def test_a_past_booking_offers_the_evaluation_and_then_thanks(self, client, finished, parent):
        _course, sessions, alice, _bob = finished
        mine = reverse("classes:evaluation_mine", kwargs={"pk": alice.pk})

        with after(sessions[-1]):
            client.force_login(parent)
            before = client.get(reverse("classes:my_bookings")).content.decode()
            client.post(mine, ANSWERS)
            after_answer = client.get(reverse("classes:my_bookings")).content.decode()

        assert "Tell us how it went" in before and mine in before
        assert "Thank you for your evaluation of this course." in after_answer
        assert "Tell us how it went" not in after_answer
        assert Evaluation.objects.get().booking == alice

    def test_another_parents_booking_is_a_404(self, client, finished, other_parent):
        _course, sessions, alice, _bob = finished
        with after(sessions[-1]):
            client.force_login(other_parent)
            responses = [
                client.get(reverse("classes:evaluation_mine", kwargs={"pk": alice.pk})),
                client.post(reverse("classes:evaluation_mine", kwargs={"pk": alice.pk}), ANSWERS),
            ]

        assert [response.status_code for response in responses] == [404, 404]
        assert not Evaluation.objects.exists()


class TestTheService:
    def test_a_second_evaluation_of_one_booking_is_refused(self, finished):
        _course, sessions, alice, _bob = finished
        with after(sessions[-1]):
            submit_evaluation(alice, home_practice="daily", ratings=RATINGS, language="en")
            with pytest.raises(EvaluationError, match="already have your evaluation"):
                submit_evaluation(alice, home_practice="daily", ratings=RATINGS, language="en")

        assert Evaluation.objects.count() == 1

    def test_ratings_outside_one_to_five_are_refused(self, finished):
        _course, sessions, alice, _bob = finished
        with after(sessions[-1]), pytest.raises(EvaluationError):
            submit_evaluation(
                alice, home_practice="daily", ratings={**RATINGS, "group_rating": 6}, language="en"
            )

    def test_the_database_refuses_a_rating_of_zero(self, finished):
        _course, _sessions, alice, _bob = finished
        with pytest.raises(IntegrityError):
            EvaluationFactory(booking=alice, teaching_rating=0)

    def test_a_family_without_an_account_cannot_evaluate(self, finished):
        _course, sessions, alice, _bob = finished
        Booking.objects.filter(pk=alice.pk).update(parent=None, baby=None)
        alice.refresh_from_db()

        with after(sessions[-1]), pytest.raises(EvaluationError):
            submit_evaluation(alice, home_practice="daily", ratings=RATINGS, language="en")
