"""Calendar subscriptions: an instructor's teaching calendar and a parent's "all my sessions" calendar at
a secret address, read by two independent iCalendar parsers (icalendar and vobject)."""

from __future__ import annotations

import itertools
from datetime import timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from classes.calendar_feeds import calendar_feed_of
from classes.models import Booking, CalendarFeed
from classes.services import cancel_booking, cancel_session, move_session
from classes.services.calendars import renew_calendar_feed
from classes.tests.factories import BabyFactory, BookingFactory, CourseFactory, SessionFactory
from privacy.services import delete_account

pytestmark = pytest.mark.django_db

MADRID = ZoneInfo("Europe/Madrid")


HOURS = itertools.count()


def course_of(instructor, *, sessions: int = 3, title: str = "Baby massage in Chamberí"):
    """A published course of weekly sessions, each course a few hours after the last one made, so no
    two courses share a start time."""
    course = CourseFactory(instructor=instructor, title=title)
    first = timezone.now().replace(microsecond=0) + timedelta(days=2, hours=5 * next(HOURS))
    for week in range(sessions):
        SessionFactory(course=course, week_number=week + 1, starts_at=first + timedelta(weeks=week))
    return course


def feed_url(feed: CalendarFeed) -> str:
    return reverse("classes:calendar_feed", kwargs={"token": feed.token})


def fetch(client, feed: CalendarFeed) -> str:
    response = client.get(feed_url(feed))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return response.content.decode()


def events_by_icalendar(text: str) -> dict[str, dict]:
    calendar = icalendar.Calendar.from_ical(text)
    assert calendar.walk("VTIMEZONE"), "each zone is described for the calendar app"
    return {
        str(event["UID"]): {
            "start": event.decoded("DTSTART"),
            "tzid": event["DTSTART"].params.get("TZID"),
            "sequence": int(event["SEQUENCE"]),
            "status": str(event["STATUS"]),
            "location": str(event.get("LOCATION", "")),
        }
        for event in calendar.walk("VEVENT")
    }


def events_by_vobject(text: str) -> dict[str, dict]:
    calendar = vobject.readOne(text)
    return {
        event.uid.value: {
            "start": event.dtstart.value,
            "sequence": int(event.sequence.value),
            "status": event.status.value,
        }
        for event in calendar.vevent_list
    }


def both_parsers(text: str) -> dict[str, dict]:
    """What both parsers read, checked to agree on every event."""
    first, second = events_by_icalendar(text), events_by_vobject(text)
    assert first.keys() == second.keys()
    for uid, event in first.items():
        assert event["start"] == second[uid]["start"]
        assert event["sequence"] == second[uid]["sequence"]
        assert event["status"] == second[uid]["status"]
    return first


class TestTheTeachingCalendar:
    def test_it_holds_every_session_of_the_instructors_published_courses_in_their_zone(
        self, client, instructor, other_instructor
    ):
        mine = course_of(instructor, sessions=3)
        draft = CourseFactory(instructor=instructor, draft=True)
        SessionFactory(course=draft)
        course_of(other_instructor, sessions=4)
        feed = renew_calendar_feed(instructor, kind=CalendarFeed.Kind.TEACHING)

        events = both_parsers(fetch(client, feed))

        assert len(events) == 3
        assert {event["tzid"] for event in events.values()} == {"Europe/Madrid"}
        assert {event["start"] for event in events.values()} == {
            session.starts_at for session in mine.sessions.all()
        }
        assert {event["status"] for event in events.values()} == {"CONFIRMED"}

    def test_a_moved_session_keeps_its_uid_with_the_new_time_and_a_higher_sequence(self, client, instructor):
        course = course_of(instructor, sessions=2)
        session = course.sessions.order_by("starts_at").first()
        feed = renew_calendar_feed(instructor, kind=CalendarFeed.Kind.TEACHING)
        before = both_parsers(fetch(client, feed))
        (uid,) = [uid for uid, event in before.items() if event["start"] == session.starts_at]

        moved_to = session.starts_at + timedelta(days=1, hours=2)
        move_session(session, actor=instructor, starts_at=moved_to)
        after = both_parsers(fetch(client, feed))

        assert after.keys() == before.keys()
        assert after[uid]["start"] == moved_to
        assert after[uid]["start"].astimezone(MADRID) == moved_to.astimezone(MADRID)
        assert after[uid]["sequence"] > before[uid]["sequence"]

    def test_a_cancelled_session_stays_in_the_feed_as_cancelled_with_a_higher_sequence(
        self, client, instructor
    ):
        course = course_of(instructor, sessions=2)
        session = course.sessions.order_by("starts_at").last()
        feed = renew_calendar_feed(instructor, kind=CalendarFeed.Kind.TEACHING)
        before = both_parsers(fetch(client, feed))

        cancel_session(session, actor=instructor)
        after = both_parsers(fetch(client, feed))

        uid = next(uid for uid, event in after.items() if event["start"] == session.starts_at)
        assert after[uid]["status"] == "CANCELLED"
        assert after[uid]["sequence"] == before[uid]["sequence"] + 1


class TestAllMySessions:
    def test_it_holds_the_sessions_of_confirmed_places_only_with_the_meeting_link(
        self, client, parent, instructor
    ):
        booked = course_of(instructor, sessions=3)
        BookingFactory(course=booked, parent=parent)
        waiting = course_of(instructor, sessions=2, title="Full course")
        BookingFactory(course=waiting, parent=parent, waitlisted=True)
        feed = renew_calendar_feed(parent, kind=CalendarFeed.Kind.BOOKINGS)

        events = both_parsers(fetch(client, feed))

        assert {event["start"] for event in events.values()} == {
            session.starts_at for session in booked.sessions.all()
        }

    def test_twins_on_one_course_make_one_event_per_session(self, client, parent, instructor):
        course = course_of(instructor, sessions=2)
        for name in ("Rosa", "Lola"):
            BookingFactory(course=course, parent=parent, baby=BabyFactory(parent=parent, first_name=name))
        feed = renew_calendar_feed(parent, kind=CalendarFeed.Kind.BOOKINGS)

        text = fetch(client, feed)

        assert len(both_parsers(text)) == 2
        assert "Rosa" not in text  # the feed names no baby: its address could be passed on

    def test_a_cancelled_place_turns_its_sessions_cancelled_and_a_moved_one_follows(
        self, client, parent, instructor
    ):
        kept = course_of(instructor, sessions=2)
        BookingFactory(course=kept, parent=parent)
        left = course_of(instructor, sessions=2, title="Second course")
        booking = BookingFactory(course=left, parent=parent)
        feed = renew_calendar_feed(parent, kind=CalendarFeed.Kind.BOOKINGS)
        before = both_parsers(fetch(client, feed))

        cancel_booking(Booking.objects.get(pk=booking.pk), by=parent)
        session = kept.sessions.order_by("starts_at").first()
        move_session(session, actor=instructor, starts_at=session.starts_at + timedelta(hours=3))
        after = both_parsers(fetch(client, feed))

        assert after.keys() == before.keys()
        for left_session in left.sessions.all():
            uid = next(uid for uid, event in before.items() if event["start"] == left_session.starts_at)
            assert after[uid]["status"] == "CANCELLED"
            assert after[uid]["sequence"] > before[uid]["sequence"]
        moved = next(uid for uid, event in before.items() if event["start"] == session.starts_at)
        assert after[moved]["start"] == session.starts_at + timedelta(hours=3)
        assert after[moved]["status"] == "CONFIRMED"


class TestTheSecretAddress:
    def test_a_new_address_ends_the_old_one(self, client, parent, instructor):
        BookingFactory(course=course_of(instructor), parent=parent)
        feed = renew_calendar_feed(parent, kind=CalendarFeed.Kind.BOOKINGS)
        old_url = feed_url(feed)
        assert client.get(old_url).status_code == 200

        client.force_login(parent)
        response = client.post(reverse("classes:bookings_feed_renew"))

        assert response.status_code == 302
        assert client.get(old_url).status_code == 404
        assert (
            client.get(feed_url(calendar_feed_of(parent, kind=CalendarFeed.Kind.BOOKINGS))).status_code == 200
        )

    def test_an_unknown_token_is_not_found(self, client):
        assert client.get(reverse("classes:calendar_feed", kwargs={"token": "guess"})).status_code == 404

    def test_the_first_post_creates_the_address_shown_as_webcal_and_https_links(
        self, client, parent, instructor
    ):
        BookingFactory(course=course_of(instructor), parent=parent)
        client.force_login(parent)
        assert "webcal://" not in client.get(reverse("classes:my_bookings")).content.decode()

        client.post(reverse("classes:bookings_feed_renew"))
        page = client.get(reverse("classes:my_bookings")).content.decode()

        feed = calendar_feed_of(parent, kind=CalendarFeed.Kind.BOOKINGS)
        assert 'href="webcal://' in page
        assert feed_url(feed) in page

    def test_the_instructor_gets_the_teaching_address_on_teach(self, client, instructor):
        course_of(instructor)
        client.force_login(instructor)

        response = client.post(reverse("instructors:teaching_feed_renew"))

        assert response.status_code == 302
        feed = calendar_feed_of(instructor, kind=CalendarFeed.Kind.TEACHING)
        page = client.get(reverse("instructors:dashboard")).content.decode()
        assert feed_url(feed) in page
        assert "webcal://" in page

    def test_a_parent_cannot_get_a_teaching_calendar(self, client, parent):
        client.force_login(parent)

        assert client.post(reverse("instructors:teaching_feed_renew")).status_code == 403
        assert not CalendarFeed.objects.exists()


@pytest.mark.parametrize("kind", [CalendarFeed.Kind.TEACHING, CalendarFeed.Kind.BOOKINGS])
def test_a_feed_costs_the_same_queries_with_more_courses_sessions_and_bookings(
    client, parent, instructor, kind
):
    owner = instructor if kind == CalendarFeed.Kind.TEACHING else parent
    feed = renew_calendar_feed(owner, kind=kind)

    def grow(courses: int, sessions: int, families: int) -> None:
        for _ in range(courses):
            course = course_of(instructor, sessions=sessions)
            BookingFactory(course=course, parent=parent)
            for _family in range(families):
                BookingFactory(course=course)

    grow(courses=1, sessions=1, families=1)
    with CaptureQueriesContext(connection) as small:
        fetch(client, feed)
    grow(courses=3, sessions=4, families=3)
    with CaptureQueriesContext(connection) as large:
        text = fetch(client, feed)

    assert len(both_parsers(text)) == 13
    assert len(large) == len(small)


def test_a_deleted_parents_calendar_address_stops_working(client, parent, instructor):
    BookingFactory(course=course_of(instructor), parent=parent)
    feed = renew_calendar_feed(parent, kind=CalendarFeed.Kind.BOOKINGS)

    delete_account(parent)

    assert client.get(feed_url(feed)).status_code == 404
