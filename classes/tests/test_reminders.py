from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import close_old_connections, connection
from django.utils import timezone

from classes.calendar import course_calendar
from classes.models import Booking, Session
from classes.services import (
    SessionPlan,
    book_course,
    create_course,
    create_venue,
    mark_course_published,
    queue_home_practice_guides,
    queue_session_reminders,
)
from classes.tests.factories import BabyFactory
from notifications.models import OutgoingEmail

MADRID = ZoneInfo("Europe/Madrid")


def published_course(instructor, first_local: datetime, weeks: int = 5):
    venue = create_venue(
        instructor,
        name="Casa Nido",
        address="Calle Mayor 3",
        city="Madrid",
        country="ES",
        time_zone="Europe/Madrid",
    )
    course = create_course(
        instructor,
        title="Masaje infantil",
        plan=SessionPlan(first_local=first_local, weeks=weeks),
        time_zone="Europe/Madrid",
        venue=venue,
        capacity=6,
        min_age_weeks=0,
        max_age_weeks=52,
    )
    return mark_course_published(course, actor=course.instructor)


def book(course, parent=None):
    baby = BabyFactory(
        date_of_birth=timezone.localdate() - timedelta(weeks=6), **({"parent": parent} if parent else {})
    )
    return book_course(course, parent=baby.parent, baby=baby)


def reminder_keys() -> list[str]:
    return sorted(OutgoingEmail.objects.filter(key__startswith="reminder:").values_list("key", flat=True))


@pytest.mark.django_db
class TestReminders:
    def test_reminder_goes_out_the_day_before_each_session_once(self, instructor):
        course = published_course(instructor, datetime.now(MADRID).replace(tzinfo=None) + timedelta(days=3))
        booking = book(course)
        sessions = list(course.sessions.order_by("starts_at"))
        for session in sessions[:2]:
            with time_machine.travel(session.starts_at - timedelta(hours=23)):
                assert queue_session_reminders() == 1
                assert queue_session_reminders() == 0
        assert reminder_keys() == sorted(
            f"reminder:{booking.pk}:{s.pk}:{s.starts_at.isoformat()}" for s in sessions[:2]
        )

    def test_no_reminder_for_a_booking_made_two_hours_before_a_session(self, instructor):
        course = published_course(instructor, datetime.now(MADRID).replace(tzinfo=None) + timedelta(days=2))
        first = course.sessions.order_by("starts_at").first()
        with time_machine.travel(first.starts_at - timedelta(hours=2)):
            book(course)
            assert queue_session_reminders() == 0
        assert reminder_keys() == []

    def test_a_moved_session_gets_a_new_reminder(self, instructor):
        course = published_course(instructor, datetime.now(MADRID).replace(tzinfo=None) + timedelta(days=3))
        book(course)
        first = course.sessions.order_by("starts_at").first()
        with time_machine.travel(first.starts_at - timedelta(hours=20)):
            assert queue_session_reminders() == 1
        Session.objects.filter(pk=first.pk).update(starts_at=first.starts_at + timedelta(hours=2))
        with time_machine.travel(first.starts_at - timedelta(hours=19)):
            assert queue_session_reminders() == 1
        assert len(reminder_keys()) == 2

    def test_no_reminder_for_a_cancelled_session(self, instructor):
        course = published_course(instructor, datetime.now(MADRID).replace(tzinfo=None) + timedelta(days=3))
        book(course)
        first = course.sessions.order_by("starts_at").first()
        Session.objects.filter(pk=first.pk).update(status=Session.Status.CANCELLED)
        with time_machine.travel(first.starts_at - timedelta(hours=20)):
            assert queue_session_reminders() == 0

    def test_home_practice_guide_after_the_session_lists_that_weeks_strokes(self, instructor):
        course = published_course(instructor, datetime.now(MADRID).replace(tzinfo=None) + timedelta(days=3))
        booking = book(course)
        second = course.sessions.order_by("starts_at")[1]
        with time_machine.travel(second.ends_at + timedelta(minutes=5)):
            # Week 1 ended a week ago, beyond the two-day look-back: only this week's guide goes out.
            assert queue_home_practice_guides() == 1
            assert queue_home_practice_guides() == 0
        guide = OutgoingEmail.objects.get(key=f"guide:{booking.pk}:{second.pk}")
        assert "Water wheel" in guide.body_text
        assert "Sun moon" in guide.body_text


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_then_a_third_send_one_reminder_per_booking_and_session(instructor):
    course = published_course(instructor, datetime.now(MADRID).replace(tzinfo=None) + timedelta(days=3))
    bookings = [book(course) for _ in range(4)]
    first = course.sessions.order_by("starts_at").first()
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def sweep():
        try:
            barrier.wait(timeout=30)
            queue_session_reminders()
        except BaseException as error:  # collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    with time_machine.travel(first.starts_at - timedelta(hours=20), tick=True):
        threads = [threading.Thread(target=sweep) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        close_old_connections()
        assert queue_session_reminders() == 0

    assert errors == []
    assert reminder_keys() == sorted(
        f"reminder:{b.pk}:{first.pk}:{first.starts_at.isoformat()}" for b in bookings
    )


@pytest.mark.django_db
def test_sessions_across_a_daylight_saving_change_keep_their_local_time(instructor, client):
    # Spain moves its clocks forward on 28 March 2027: 18:00 stays 18:00 on the wall, not in UTC.
    course = published_course(instructor, datetime(2027, 3, 16, 18, 0))
    sessions = list(course.sessions.order_by("starts_at"))
    assert [s.starts_at.astimezone(MADRID).strftime("%H:%M") for s in sessions] == ["18:00"] * 5
    assert sessions[0].starts_at.astimezone(ZoneInfo("UTC")).hour == 17
    assert sessions[-1].starts_at.astimezone(ZoneInfo("UTC")).hour == 16

    page = client.get(course.get_absolute_url()).content.decode()
    assert page.count("6:00 p.m.") + page.count("18:00") >= 5

    ics = course_calendar(course, sessions, include_link=False).decode()
    assert "DTSTART;TZID=Europe/Madrid:20270316T180000" in ics
    assert "DTSTART;TZID=Europe/Madrid:20270413T180000" in ics
    assert "BEGIN:VTIMEZONE" in ics

    booking = book(course)
    after_change = sessions[2]
    with time_machine.travel(after_change.starts_at - timedelta(hours=20)):
        queue_session_reminders()
    reminder = OutgoingEmail.objects.get(key__startswith=f"reminder:{booking.pk}:{after_change.pk}:")
    assert "18:00" in reminder.body_text
    assert booking.status == Booking.Status.CONFIRMED
