from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from accounts.tests.factories import UserFactory
from classes import emails
from classes.calendar import course_calendar
from classes.models import Booking, Session, Venue
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
from notifications import tasks
from notifications.models import OutgoingEmail
from notifications.services import render_email

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
    counted: list[int] = []

    def sweep():
        try:
            barrier.wait(timeout=30)
            counted.append(queue_session_reminders())
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
    # Each sweep counts the reminders it queued, no more: together, one a booking.
    assert sum(counted) == len(bookings)


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


@pytest.mark.django_db
def test_a_reminder_rendered_once_for_a_session_reads_as_if_written_for_each_family(instructor, parent):
    course = published_course(instructor, datetime.now(MADRID).replace(tzinfo=None) + timedelta(days=3))
    parent.preferred_language = "es"
    parent.full_name = "D'Arcy <Núñez> & Co"
    parent.save(update_fields=["preferred_language", "full_name"])
    families = [
        book(course, parent),
        book(course),
        booking_for_baby_named(course, "Zoë <b>& Léa</b>"),
    ]
    first = course.sessions.order_by("starts_at").first()

    with time_machine.travel(first.starts_at - timedelta(hours=20)):
        assert queue_session_reminders() == 3

    for booking in families:
        stored = OutgoingEmail.objects.get(key__startswith=f"reminder:{booking.pk}:")
        booking = Booking.objects.select_related("parent", "baby").get(pk=booking.pk)
        one_by_one = render_email(
            "session_reminder",
            {"recipient": booking.parent, "booking": booking, "course": course, "session": first},
            language=booking.parent.preferred_language,
        )
        assert (stored.subject, stored.body_text, stored.body_html) == (
            one_by_one.subject,
            one_by_one.text,
            one_by_one.html,
        )
        assert stored.language == booking.parent.preferred_language


@pytest.mark.django_db
def test_a_sweep_renders_each_session_once_per_language_however_many_families(monkeypatch):
    renderings: list[tuple[str, str]] = []

    def counted(template, context, *, language):
        renderings.append((context["session"].pk, language))
        return render_email(template, context, language=language)

    monkeypatch.setattr(emails, "render_email", counted)
    start = datetime.now(MADRID).replace(tzinfo=None) + timedelta(days=3)
    courses = [published_course(UserFactory(), start) for _ in range(2)]
    for course in courses:
        for language in ("es", "en", "en"):
            baby = BabyFactory(
                date_of_birth=timezone.localdate() - timedelta(weeks=6), parent__preferred_language=language
            )
            book_course(course, parent=baby.parent, baby=baby)
    first = courses[0].sessions.order_by("starts_at").first()

    with time_machine.travel(first.starts_at - timedelta(hours=20)):
        assert queue_session_reminders() == 6

    assert sorted(renderings) == sorted(
        (course.sessions.order_by("starts_at").first().pk, language)
        for course in courses
        for language in ("es", "en")
    )


@pytest.mark.django_db
def test_a_reminder_once_queued_stays_as_written_when_the_course_changes_later(instructor):
    course = published_course(instructor, datetime.now(MADRID).replace(tzinfo=None) + timedelta(days=3))
    book(course)
    first = course.sessions.order_by("starts_at").first()
    with time_machine.travel(first.starts_at - timedelta(hours=20)):
        queue_session_reminders()
    reminder = OutgoingEmail.objects.get(key__startswith="reminder:")

    Venue.objects.filter(pk=course.venue_id).update(name="Somewhere else")

    assert "Casa Nido" in OutgoingEmail.objects.get(pk=reminder.pk).body_text


@pytest.mark.parametrize("courses, families", [(1, 1), (3, 4)])
@pytest.mark.django_db
def test_a_sweeps_queries_do_not_grow_with_sessions_or_families(courses, families, django_assert_num_queries):
    start = datetime.now(MADRID).replace(tzinfo=None) + timedelta(days=3)
    published = [published_course(UserFactory(), start + timedelta(hours=n)) for n in range(courses)]
    for course in published:
        for _ in range(families):
            book(course)
    first = published[0].sessions.order_by("starts_at").first()

    # The due sessions; then one transaction (a savepoint inside the test's own, two statements): lock
    # them, their families, the keys queued before (checked by the sweep before rendering, then by the
    # outbox), and the insert returning its ids, in a savepoint of its own (two statements more).
    with time_machine.travel(first.starts_at - timedelta(hours=20)), django_assert_num_queries(10):
        assert queue_session_reminders() == courses * families


@pytest.mark.django_db(transaction=True)
def test_a_session_another_sweep_holds_is_left_to_it_and_queued_by_the_next_sweep(instructor):
    start = datetime.now(MADRID).replace(tzinfo=None) + timedelta(days=3)
    held_course, free_course = published_course(instructor, start), published_course(UserFactory(), start)
    book(held_course), book(free_course)
    held = held_course.sessions.order_by("starts_at").first()
    free = free_course.sessions.order_by("starts_at").first()
    locked, release = threading.Event(), threading.Event()

    def hold_the_session():
        try:
            with transaction.atomic():
                Session.objects.select_for_update().get(pk=held.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_session)
    holder.start()
    try:
        assert locked.wait(timeout=30)
        with time_machine.travel(held.starts_at - timedelta(hours=20)):
            assert queue_session_reminders() == 1
        assert [key.split(":")[2] for key in reminder_keys()] == [str(free.pk)]
    finally:
        release.set()
        holder.join()
    close_old_connections()

    with time_machine.travel(held.starts_at - timedelta(hours=20)):
        assert queue_session_reminders() == 1
    assert len(reminder_keys()) == 2


@pytest.mark.django_db(transaction=True)
def test_a_sweeps_reminders_are_handed_to_the_workers_in_batches_after_commit(instructor, monkeypatch):
    handed: list[list[int]] = []
    monkeypatch.setattr(tasks.deliver_emails, "apply_async", lambda args, **options: handed.append(args[0]))
    course = published_course(instructor, datetime.now(MADRID).replace(tzinfo=None) + timedelta(days=3))
    for _ in range(3):
        book(course)
    first = course.sessions.order_by("starts_at").first()

    with time_machine.travel(first.starts_at - timedelta(hours=20)):
        queue_session_reminders()

    assert [sorted(batch) for batch in handed] == [
        sorted(OutgoingEmail.objects.filter(key__startswith="reminder:").values_list("pk", flat=True))
    ]


def booking_for_baby_named(course, name: str) -> Booking:
    baby = BabyFactory(first_name=name, date_of_birth=timezone.localdate() - timedelta(weeks=6))
    return book_course(course, parent=baby.parent, baby=baby)
