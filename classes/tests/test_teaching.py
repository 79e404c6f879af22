"""The instructor's changes to their courses: details within the rules of docs/domain.md, sessions moved or
cancelled, the course cancelled, the register, the paid mark and messages — and every family hearing of it
once."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from classes.models import Attendance, Booking, Course, CourseMessage, Session
from classes.services import (
    CourseError,
    SessionPlan,
    book_course,
    cancel_course,
    cancel_session,
    create_course,
    create_venue,
    edit_session_topic,
    mark_attendance,
    mark_course_published,
    message_families,
    move_session,
    queue_session_reminders,
    set_paid,
    take_register,
    update_course,
)
from classes.tests.factories import BabyFactory, BookingFactory, CourseFactory, SessionFactory
from notifications.models import OutgoingEmail

pytestmark = pytest.mark.django_db

MADRID = ZoneInfo("Europe/Madrid")


def course_of(
    instructor, *, capacity: int = 3, weeks: int = 5, days_ahead: int = 10, price: Decimal = Decimal("0")
) -> Course:
    """A published course at the instructor's venue in Madrid, first session `days_ahead` days from now
    at 18:00 local time, through the services."""
    venue = create_venue(
        instructor,
        name="Casa Nido",
        address="Calle Mayor 3",
        city="Madrid",
        country="ES",
        time_zone="Europe/Madrid",
    )
    first = datetime.combine(timezone.localdate() + timedelta(days=days_ahead), datetime.min.time()).replace(
        hour=18
    )
    course = create_course(
        instructor,
        title="Masaje infantil",
        plan=SessionPlan(first_local=first, weeks=weeks, duration_minutes=75),
        time_zone="Europe/Madrid",
        venue=venue,
        capacity=capacity,
        min_age_weeks=0,
        max_age_weeks=52,
        price=price,
    )
    return mark_course_published(course, actor=course.instructor)


def book(course, first_name: str = "Oliver") -> Booking:
    baby = BabyFactory(first_name=first_name, date_of_birth=timezone.localdate() - timedelta(weeks=6))
    return book_course(course, parent=baby.parent, baby=baby)


def families_of_every_kind(course) -> dict[str, Booking]:
    """On a course of three places: two confirmed families, one offered a place, one waiting."""
    confirmed = [book(course, "Oliver"), book(course, "Mia")]
    offered = BookingFactory(course=course, offered=True)
    waiting = book(course, "Leo")
    assert waiting.status == Booking.Status.WAITLISTED
    return {"confirmed": confirmed[0], "confirmed_2": confirmed[1], "offered": offered, "waitlisted": waiting}


def emails(template: str) -> list[OutgoingEmail]:
    return list(OutgoingEmail.objects.filter(template=template).order_by("to_email"))


def first_session(course) -> Session:
    return course.sessions.order_by("starts_at").first()


class TestSessionsFromThePlan:
    def test_generated_sessions_keep_local_start_times_across_a_daylight_saving_change(self, instructor):
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
            title="Spring course",
            plan=SessionPlan(first_local=datetime(2027, 3, 16, 18, 0), weeks=5, duration_minutes=75),
            time_zone="Europe/Madrid",
            venue=venue,
        )

        starts = [s.starts_at for s in course.sessions.order_by("starts_at")]
        local = [start.astimezone(MADRID) for start in starts]
        assert [moment.strftime("%Y-%m-%d %H:%M") for moment in local] == [
            "2027-03-16 18:00",
            "2027-03-23 18:00",
            "2027-03-30 18:00",
            "2027-04-06 18:00",
            "2027-04-13 18:00",
        ]
        # Summer time starts on 28 March 2027: the same wall-clock time is an hour earlier in UTC.
        assert [start.astimezone(ZoneInfo("UTC")).hour for start in starts] == [17, 17, 16, 16, 16]


class TestMoveSession:
    def test_moving_a_session_emails_every_family_holding_a_place_once(self, instructor):
        course = course_of(instructor)
        families = families_of_every_kind(course)
        session = first_session(course)
        new_start = session.starts_at + timedelta(days=1)

        move_session(session, actor=instructor, starts_at=new_start)
        move_session(session, actor=instructor, starts_at=new_start)

        moved = emails("session_moved")
        expected = {families[kind].parent.email for kind in ("confirmed", "confirmed_2", "offered")}
        assert {email.to_email for email in moved} == expected
        assert len(moved) == 3
        session.refresh_from_db()
        assert session.starts_at == new_start
        assert all(email.key.endswith(new_start.isoformat()) for email in moved)

    def test_a_second_move_is_a_new_email(self, instructor):
        course = course_of(instructor)
        book(course)
        session = first_session(course)

        move_session(session, actor=instructor, starts_at=session.starts_at + timedelta(days=1))
        move_session(session, actor=instructor, starts_at=session.starts_at + timedelta(days=2))

        assert len(emails("session_moved")) == 2

    def test_moving_a_session_re_times_its_reminders(self, instructor):
        course = course_of(instructor)
        booking = book(course)
        session = first_session(course)
        old_start = session.starts_at
        new_start = old_start + timedelta(days=2, hours=1)

        move_session(session, actor=instructor, starts_at=new_start)

        assert queue_session_reminders(now=old_start - timedelta(hours=23)) == 0
        assert queue_session_reminders(now=new_start - timedelta(hours=23)) == 1
        keys = list(OutgoingEmail.objects.filter(template="session_reminder").values_list("key", flat=True))
        assert keys == [f"reminder:{booking.pk}:{session.pk}:{new_start.isoformat()}"]

    def test_the_email_names_both_times_in_the_course_time_zone(self, instructor):
        course = course_of(instructor)
        book(course, "D'Arcy")
        session = first_session(course)
        before = session.starts_at.astimezone(MADRID)
        after = before + timedelta(days=1, hours=1)

        move_session(session, actor=instructor, starts_at=after)

        email = OutgoingEmail.objects.get(template="session_moved")
        assert f"{before:%H:%M} (Europe/Madrid)" in email.body_text
        assert f"{after:%H:%M} (Europe/Madrid)" in email.body_text
        assert "D'Arcy" in email.body_text
        assert email.attachments.get().filename.endswith(".ics")

    def test_a_move_onto_another_course_of_the_instructor_is_refused_and_changes_nothing(self, instructor):
        course = course_of(instructor)
        other = course_of(instructor, days_ahead=12)
        book(course)
        session = first_session(course)
        before = session.starts_at

        with pytest.raises(CourseError, match="overlap with “Masaje infantil”"):
            move_session(
                session, actor=instructor, starts_at=first_session(other).starts_at + timedelta(minutes=30)
            )

        session.refresh_from_db()
        assert session.starts_at == before
        assert not emails("session_moved")

    def test_a_move_onto_another_week_of_the_same_course_is_refused(self, instructor):
        course = course_of(instructor)
        first, second = course.sessions.order_by("starts_at")[:2]

        with pytest.raises(CourseError, match="overlaps week 2"):
            move_session(first, actor=instructor, starts_at=second.starts_at)

    def test_a_session_cannot_move_into_the_past(self, instructor):
        course = course_of(instructor)

        with pytest.raises(CourseError, match="past"):
            move_session(
                first_session(course), actor=instructor, starts_at=timezone.now() - timedelta(hours=1)
            )

    def test_someone_else_cannot_move_a_session(self, instructor, other_instructor):
        course = course_of(instructor)
        session = first_session(course)

        with pytest.raises(CourseError, match="Only the course's instructor"):
            move_session(session, actor=other_instructor, starts_at=session.starts_at + timedelta(days=1))


class TestCancelSession:
    def test_cancelling_a_session_emails_every_family_holding_a_place_once(self, instructor):
        course = course_of(instructor)
        families = families_of_every_kind(course)
        session = first_session(course)

        cancel_session(session, actor=instructor)
        with pytest.raises(CourseError, match="already cancelled"):
            cancel_session(session, actor=instructor)

        cancelled = emails("session_cancelled")
        assert {email.to_email for email in cancelled} == {
            families[kind].parent.email for kind in ("confirmed", "confirmed_2", "offered")
        }
        assert len(cancelled) == 3
        session.refresh_from_db()
        assert session.status == Session.Status.CANCELLED

    def test_a_cancelled_session_gets_no_reminder(self, instructor):
        course = course_of(instructor)
        book(course)
        session = first_session(course)

        cancel_session(session, actor=instructor)

        assert queue_session_reminders(now=session.starts_at - timedelta(hours=23)) == 0

    def test_the_last_session_is_not_cancelled_alone(self, instructor):
        course = course_of(instructor, weeks=1)

        with pytest.raises(CourseError, match="cancel the whole course instead"):
            cancel_session(first_session(course), actor=instructor)


class TestCancelCourse:
    def test_cancelling_a_course_cancels_every_booking_and_emails_each_family_once(self, instructor):
        course = course_of(instructor)
        families = families_of_every_kind(course)

        cancel_course(course, actor=instructor)
        with pytest.raises(CourseError, match="already cancelled"):
            cancel_course(course, actor=instructor)

        for booking in families.values():
            booking.refresh_from_db()
            assert booking.status == Booking.Status.CANCELLED
            assert booking.cancel_reason == Booking.CancelReason.COURSE_CANCELLED
        cancelled = emails("course_cancelled")
        assert sorted(email.to_email for email in cancelled) == sorted(
            b.parent.email for b in families.values()
        )
        course.refresh_from_db()
        assert course.status == Course.Status.CANCELLED
        assert not course.sessions.filter(status=Session.Status.SCHEDULED).exists()

    def test_the_email_says_what_happens_next(self, instructor):
        course = course_of(instructor, price=Decimal("90"))
        families = families_of_every_kind(course)
        set_paid(families["confirmed"], actor=instructor, paid=True)

        cancel_course(course, actor=instructor)

        paid = OutgoingEmail.objects.get(
            template="course_cancelled", to_email=families["confirmed"].parent.email
        )
        assert "will refund you in full" in paid.body_text
        assert paid.attachments.count() == 1
        waiting = OutgoingEmail.objects.get(
            template="course_cancelled", to_email=families["waitlisted"].parent.email
        )
        assert "waitlist has ended" in waiting.body_text
        assert waiting.attachments.count() == 0

    def test_no_reminder_for_a_cancelled_course(self, instructor):
        course = course_of(instructor)
        book(course)
        cancel_course(course, actor=instructor)

        assert queue_session_reminders(now=first_session(course).starts_at - timedelta(hours=23)) == 0


class TestUpdateCourse:
    def test_capacity_below_the_places_taken_is_refused_and_changes_nothing(self, instructor):
        course = course_of(instructor, capacity=3)
        book(course, "Oliver")
        book(course, "Mia")

        with pytest.raises(CourseError, match="2 places are taken"):
            update_course(course, actor=instructor, capacity=1, title="Renamed")

        course.refresh_from_db()
        assert (course.capacity, course.title) == (3, "Masaje infantil")

    def test_more_places_go_to_the_waitlist_at_once(self, instructor):
        course = course_of(instructor, capacity=1)
        book(course, "Oliver")
        waiting = book(course, "Mia")

        update_course(course, actor=instructor, capacity=2)

        waiting.refresh_from_db()
        assert waiting.status == Booking.Status.OFFERED
        assert OutgoingEmail.objects.filter(template="place_offered", to_email=waiting.parent.email).exists()

    def test_price_age_range_and_format_are_fixed_once_families_have_booked(self, instructor):
        course = course_of(instructor)
        book(course)

        with pytest.raises(CourseError, match=r"can no longer change: .*price"):
            update_course(course, actor=instructor, price=10, title="Renamed")
        with pytest.raises(CourseError, match="youngest baby"):
            update_course(course, actor=instructor, min_age_weeks=8)
        with pytest.raises(CourseError, match="format"):
            update_course(course, actor=instructor, format=Course.Format.ONLINE)

        course.refresh_from_db()
        assert course.title == "Masaje infantil"

    def test_title_description_and_payment_notes_change_after_booking(self, instructor):
        course = course_of(instructor)
        book(course)

        update_course(course, actor=instructor, title="Baby massage", description="New", payment_notes="Cash")

        course.refresh_from_db()
        assert (course.title, course.description, course.payment_notes) == ("Baby massage", "New", "Cash")

    def test_without_bookings_an_online_course_in_another_zone_keeps_its_local_times(self, instructor):
        course = course_of(instructor)
        before = [s.starts_at.astimezone(MADRID).time() for s in course.sessions.order_by("starts_at")]

        update_course(course, actor=instructor, format=Course.Format.ONLINE, time_zone="Europe/London")

        course.refresh_from_db()
        assert course.venue is None
        london = ZoneInfo("Europe/London")
        assert [
            s.starts_at.astimezone(london).time() for s in course.sessions.order_by("starts_at")
        ] == before

    def test_someone_elses_venue_is_refused(self, instructor, other_instructor):
        course = course_of(instructor)
        theirs = create_venue(
            other_instructor,
            name="Theirs",
            address="1 Road",
            city="Leeds",
            country="GB",
            time_zone="Europe/London",
        )

        with pytest.raises(CourseError, match="your own venues"):
            update_course(course, actor=instructor, venue=theirs)


class TestTopicsRegisterPaidMessages:
    def test_an_empty_topic_goes_back_to_the_curriculum(self, instructor):
        course = course_of(instructor)
        session = first_session(course)

        edit_session_topic(session, actor=instructor, topic="  Legs,   feet and a song ")
        assert Session.objects.get(pk=session.pk).week_topic == "Legs, feet and a song"
        edit_session_topic(session, actor=instructor, topic="")
        assert Session.objects.get(pk=session.pk).week_topic == "Asking permission; legs and feet"

    def test_the_register_records_present_and_absent_and_can_be_corrected(self, instructor):
        course = course_of(instructor)
        oliver, mia = book(course, "Oliver"), book(course, "Mia")
        session = first_session(course)

        with time_machine.travel(session.starts_at + timedelta(minutes=5)):
            take_register(session, actor=instructor, marks={oliver.pk: "present", mia.pk: "absent"})
            take_register(session, actor=instructor, marks={mia.pk: "present"})

        marks = dict(Attendance.objects.filter(session=session).values_list("booking_id", "status"))
        assert marks == {oliver.pk: "present", mia.pk: "present"}
        assert Attendance.objects.get(booking=oliver, session=session).marked_by == instructor

    def test_only_confirmed_families_of_this_course_are_on_the_register(self, instructor):
        course = course_of(instructor, capacity=1)
        book(course, "Oliver")
        waiting = book(course, "Mia")
        elsewhere = BookingFactory(course=CourseFactory(instructor=instructor))
        session = first_session(course)

        with time_machine.travel(session.starts_at + timedelta(minutes=5)):
            with pytest.raises(CourseError, match="confirmed place"):
                mark_attendance(waiting, session, actor=instructor, status="present")
            with pytest.raises(CourseError, match="not booked on this course"):
                take_register(session, actor=instructor, marks={elsewhere.pk: "present"})
        assert not Attendance.objects.exists()

    def test_the_register_opens_when_the_session_starts_and_says_when_in_the_courses_time(self, instructor):
        course = course_of(instructor)
        oliver = book(course, "Oliver")
        session = first_session(course)
        opens_at = r"The register opens when the session starts, on .*, 6 p\.m\. \(Europe/Madrid time\)\.$"

        with time_machine.travel(session.starts_at - timedelta(minutes=1)):
            with pytest.raises(CourseError, match=opens_at):
                take_register(session, actor=instructor, marks={oliver.pk: "present"})
            with pytest.raises(CourseError, match=opens_at):
                mark_attendance(oliver, session, actor=instructor, status="present")
        assert not Attendance.objects.exists()

        with time_machine.travel(session.starts_at):
            take_register(session, actor=instructor, marks={oliver.pk: "present"})
        assert Attendance.objects.get(session=session).status == Attendance.Status.PRESENT

    def test_a_cancelled_session_has_no_register_even_after_its_time(self, instructor):
        course = course_of(instructor)
        oliver = book(course, "Oliver")
        session = course.sessions.order_by("starts_at")[1]
        cancel_session(session, actor=instructor)
        session.refresh_from_db()

        with (
            time_machine.travel(session.starts_at + timedelta(minutes=5)),
            pytest.raises(CourseError, match="cancelled; there is no register"),
        ):
            take_register(session, actor=instructor, marks={oliver.pk: "present"})
        assert not Attendance.objects.exists()

    def test_the_paid_mark_is_set_and_cleared(self, instructor, other_instructor):
        course = course_of(instructor, price=Decimal("90"))
        booking = book(course)

        assert set_paid(booking, actor=instructor, paid=True).is_paid
        assert not set_paid(booking, actor=instructor, paid=False).is_paid
        with pytest.raises(CourseError):
            set_paid(booking, actor=other_instructor, paid=True)

    def test_a_message_reaches_every_confirmed_family_once_and_is_kept(self, instructor):
        course = course_of(instructor)
        families = families_of_every_kind(course)

        message = message_families(
            course, actor=instructor, subject="Bring a towel", body="Hello all,\nbring a towel & oil."
        )

        assert message.recipients == 2
        assert CourseMessage.objects.get() == message
        sent = emails("instructor_message")
        assert {email.to_email for email in sent} == {
            families["confirmed"].parent.email,
            families["confirmed_2"].parent.email,
        }
        assert "bring a towel & oil." in sent[0].body_text
        assert sent[0].subject == "Bring a towel (Masaje infantil)"

    def test_no_message_without_confirmed_families(self, instructor):
        course = CourseFactory(instructor=instructor)
        SessionFactory(course=course)

        with pytest.raises(CourseError, match="No family has a confirmed place"):
            message_families(course, actor=instructor, subject="Hi", body="Hello")
        assert not CourseMessage.objects.exists()
