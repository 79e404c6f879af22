"""Run it again: an instructor's course as a new draft with new dates, weekly at the same local time."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from certification.tests.factories import CertificateFactory
from classes.models import Course
from classes.services import CourseError, SessionPlan, create_course, edit_session_topics
from classes.tests.factories import VenueFactory
from instructors.forms import RepeatCourseForm
from instructors.services import repeat_course

pytestmark = pytest.mark.django_db

MADRID = ZoneInfo("Europe/Madrid")


def repeat_url(course) -> str:
    return reverse("instructors:course_repeat", kwargs={"pk": course.pk})


def local_starts(course) -> list[datetime]:
    return [session.starts_at.astimezone(course.zone) for session in course.sessions.order_by("week_number")]


class TestTheService:
    def test_the_new_draft_has_the_same_details_and_weekly_sessions_at_the_same_local_time(
        self, certified, make_course
    ):
        course = make_course(certified, title="Baby massage in Chamberí", capacity=6, weeks=4, hour=18)
        first_date = timezone.localdate() + timedelta(days=70)

        repeated = repeat_course(course, actor=certified, first_date=first_date)

        assert repeated.pk != course.pk
        assert repeated.status == Course.Status.DRAFT
        assert repeated.instructor == certified
        for field in ("title", "description", "capacity", "price", "currency", "min_age_weeks",
                      "max_age_weeks", "venue_id", "format", "time_zone", "language"):  # fmt: skip
            assert getattr(repeated, field) == getattr(course, field), field
        starts = local_starts(repeated)
        assert [start.date() for start in starts] == [first_date + timedelta(weeks=week) for week in range(4)]
        assert {start.time() for start in starts} == {time(18, 0)}
        assert {session.duration_minutes for session in repeated.sessions.all()} == {75}
        assert course.sessions.count() == 4  # the original is untouched

    def test_sessions_keep_their_wall_clock_time_across_the_change_to_summer_time(self, certified):
        # Tuesdays at 18:00 in Madrid through the end of March 2027, when clocks go forward (28 March).
        with time_machine.travel(datetime(2027, 1, 4, 9, tzinfo=MADRID), tick=False):
            venue = VenueFactory(owner=certified, time_zone="Europe/Madrid")
            course = create_course(
                certified,
                title="Winter course",
                plan=SessionPlan(first_local=datetime(2027, 1, 12, 18, 0), weeks=5, duration_minutes=60),
                time_zone="Europe/Madrid",
                venue=venue,
            )
            repeated = repeat_course(course, actor=certified, first_date=date(2027, 3, 16))

        starts = local_starts(repeated)
        assert [start.date() for start in starts] == [
            date(2027, 3, 16),
            date(2027, 3, 23),
            date(2027, 3, 30),
            date(2027, 4, 6),
            date(2027, 4, 13),
        ]
        assert {start.time() for start in starts} == {time(18, 0)}
        utc_hours = [
            session.starts_at.astimezone(ZoneInfo("UTC")).hour for session in repeated.sessions.all()
        ]
        assert sorted(set(utc_hours)) == [16, 17]

    def test_the_instructors_own_week_topics_come_along(self, certified, make_course):
        course = make_course(certified, weeks=3)
        week_two = course.sessions.get(week_number=2)
        edit_session_topics(
            course, actor=certified, topics={week_two.pk: "Tummy, and the colic routine twice"}
        )

        repeated = repeat_course(
            course, actor=certified, first_date=timezone.localdate() + timedelta(days=60)
        )

        assert repeated.sessions.get(week_number=2).topic == "Tummy, and the colic routine twice"
        assert repeated.sessions.get(week_number=1).topic == ""

    def test_a_first_date_in_the_past_is_refused_and_nothing_is_made(self, certified, make_course):
        course = make_course(certified)

        with pytest.raises(CourseError, match="past"):
            repeat_course(course, actor=certified, first_date=timezone.localdate() - timedelta(days=7))

        assert Course.objects.count() == 1

    def test_a_first_date_at_the_calendars_end_is_refused_and_nothing_is_made(self, certified, make_course):
        course = make_course(certified)

        with pytest.raises(CourseError, match="three years ahead"):
            repeat_course(course, actor=certified, first_date=date(9999, 12, 31))

        assert Course.objects.count() == 1

    def test_dates_that_overlap_the_course_itself_are_refused(self, certified, make_course):
        course = make_course(certified, days_ahead=10)
        first = course.sessions.order_by("starts_at").first().starts_at.astimezone(course.zone).date()

        with pytest.raises(CourseError, match="overlap"):
            repeat_course(course, actor=certified, first_date=first)

    def test_someone_else_cannot_run_a_course_again(self, certified, other_certified, make_course):
        course = make_course(certified)

        with pytest.raises(CourseError):
            repeat_course(course, actor=other_certified, first_date=timezone.localdate() + timedelta(days=60))

    def test_a_practicum_course_is_repeated_as_a_regular_course_once_certified(
        self, practicum_trainee, make_course
    ):
        course = make_course(practicum_trainee, is_practicum=True)
        first_date = timezone.localdate() + timedelta(days=60)

        assert repeat_course(course, actor=practicum_trainee, first_date=first_date).is_practicum is True
        CertificateFactory(holder=practicum_trainee)
        later = first_date + timedelta(weeks=8)
        assert repeat_course(course, actor=practicum_trainee, first_date=later).is_practicum is False


class TestTheForm:
    def test_the_first_date_is_a_week_after_the_last_session_on_the_same_weekday(
        self, certified, make_course
    ):
        course = make_course(certified, weeks=5, days_ahead=10)
        sessions = list(course.sessions.order_by("week_number"))

        initial = RepeatCourseForm.initial_for(sessions, zone=course.zone, today=timezone.localdate())

        last = sessions[-1].starts_at.astimezone(course.zone).date()
        assert initial["first_date"] == last + timedelta(weeks=1)

    def test_a_course_from_long_ago_is_offered_again_from_next_week(self, certified, make_course):
        course = make_course(certified, weeks=2, days_ahead=3)
        sessions = list(course.sessions.order_by("week_number"))
        weekday = sessions[0].starts_at.astimezone(course.zone).weekday()
        today = timezone.localdate() + timedelta(days=400)

        initial = RepeatCourseForm.initial_for(sessions, zone=course.zone, today=today)

        assert initial["first_date"].weekday() == weekday
        assert today < initial["first_date"] <= today + timedelta(days=7)


class TestThePages:
    def test_two_clicks_from_the_course_page_to_a_new_draft(self, client, certified, make_course):
        course = make_course(certified, weeks=5)
        client.force_login(certified)

        page = client.get(reverse("instructors:course_manage", kwargs={"pk": course.pk})).content.decode()
        assert repeat_url(course) in page
        form = client.get(repeat_url(course))
        first_date = form.context["form"].initial["first_date"]
        response = client.post(repeat_url(course), {"first_date": first_date.isoformat()})

        repeated = Course.objects.exclude(pk=course.pk).get()
        assert response.status_code == 302
        assert response["Location"] == reverse("instructors:course_manage", kwargs={"pk": repeated.pk})
        assert repeated.status == Course.Status.DRAFT
        assert repeated.sessions.count() == 5

    def test_a_refused_date_is_said_next_to_the_field(self, client, certified, make_course):
        course = make_course(certified)
        client.force_login(certified)

        response = client.post(repeat_url(course), {"first_date": "2001-01-01"})

        assert response.status_code == 200
        assert "Sessions cannot start in the past." in str(response.context["form"].errors["first_date"])
        assert Course.objects.count() == 1

    def test_another_instructors_course_is_not_found(self, client, certified, other_certified, make_course):
        course = make_course(certified)
        client.force_login(other_certified)

        assert client.get(repeat_url(course)).status_code == 404
        assert client.post(repeat_url(course), {"first_date": "2030-01-01"}).status_code == 404
        assert Course.objects.count() == 1
        # The control: Carol opens the same address.
        client.force_login(certified)
        assert client.get(repeat_url(course)).status_code == 200
