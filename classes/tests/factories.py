from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.tests.factories import UserFactory
from classes.curriculum import curriculum_for_week, topic_title
from classes.models import Attendance, Baby, Booking, Course, Evaluation, Session, Venue
from classes.services.courses import refresh_first_session


class VenueFactory(DjangoModelFactory):
    class Meta:
        model = Venue

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Family Centre {n}")
    address = "Calle de Alcalá 1"
    city = "Madrid"
    country = "ES"
    time_zone = "Europe/Madrid"


class CourseFactory(DjangoModelFactory):
    """A published five-week course at a venue of its instructor; `draft` and `online` traits change that."""

    class Meta:
        model = Course

    class Params:
        draft = factory.Trait(status=Course.Status.DRAFT, published_at=None)
        online = factory.Trait(
            format=Course.Format.ONLINE, venue=None, online_link="https://meet.example.org/nurturing-touch"
        )

    instructor = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Baby massage course {n}")
    description = "Five weekly sessions for parents and babies from four weeks old."
    format = Course.Format.VENUE
    venue = factory.SubFactory(VenueFactory, owner=factory.SelfAttribute("..instructor"))
    time_zone = factory.LazyAttribute(
        lambda course: course.venue.time_zone if course.venue else "Europe/Madrid"
    )
    language = "en"
    capacity = 8
    price = Decimal("90.00")
    currency = "EUR"
    min_age_weeks = 4
    max_age_weeks = 30
    status = Course.Status.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)


def _next_week_number(session) -> int:
    return session.course.sessions.count() + 1 if session.course.pk else 1


def _week_start(session) -> datetime:
    """10:00 in the course's own time zone, `week_number` weeks from today: always in the future."""
    day = timezone.localdate() + timedelta(weeks=session.week_number)
    return datetime.combine(day, time(10, 0), tzinfo=ZoneInfo(session.course.time_zone))


class SessionFactory(DjangoModelFactory):
    """A session of a course, whose ``first_session_at`` follows as the services keep it."""

    class Meta:
        model = Session

    course = factory.SubFactory(CourseFactory)
    week_number = factory.LazyAttribute(_next_week_number)
    starts_at = factory.LazyAttribute(_week_start)
    duration_minutes = 60
    curriculum = factory.LazyAttribute(lambda session: curriculum_for_week(5, session.week_number))
    topic = factory.LazyAttribute(lambda session: topic_title(session.curriculum))
    status = Session.Status.SCHEDULED

    @classmethod
    def _create(cls, model_class, *args, **kwargs) -> Session:
        session = super()._create(model_class, *args, **kwargs)
        refresh_first_session(session.course)
        return session


class BabyFactory(DjangoModelFactory):
    class Meta:
        model = Baby

    parent = factory.SubFactory(UserFactory)
    first_name = factory.Faker("first_name")
    date_of_birth = factory.LazyFunction(lambda: timezone.localdate() - timedelta(weeks=8))
    notes = ""
    notes_consent = False


class BookingFactory(DjangoModelFactory):
    """A confirmed booking of the parent's own baby; traits for the waitlist, an offer and a cancellation."""

    class Meta:
        model = Booking

    class Params:
        waitlisted = factory.Trait(
            status=Booking.Status.WAITLISTED,
            waitlisted_at=factory.LazyFunction(timezone.now),
            confirmed_at=None,
        )
        offered = factory.Trait(
            status=Booking.Status.OFFERED,
            waitlisted_at=factory.LazyFunction(timezone.now),
            offer_expires_at=factory.LazyFunction(lambda: timezone.now() + timedelta(hours=24)),
            confirmed_at=None,
        )
        cancelled = factory.Trait(
            status=Booking.Status.CANCELLED,
            cancel_reason=Booking.CancelReason.BY_PARENT,
            cancelled_at=factory.LazyFunction(timezone.now),
        )

    course = factory.SubFactory(CourseFactory)
    parent = factory.SubFactory(UserFactory)
    baby = factory.SubFactory(BabyFactory, parent=factory.SelfAttribute("..parent"))
    status = Booking.Status.CONFIRMED
    confirmed_at = factory.LazyFunction(timezone.now)


class AttendanceFactory(DjangoModelFactory):
    class Meta:
        model = Attendance

    booking = factory.SubFactory(BookingFactory)
    session = factory.SubFactory(SessionFactory, course=factory.SelfAttribute("..booking.course"))
    status = Attendance.Status.PRESENT
    marked_by = factory.SelfAttribute("booking.course.instructor")


class EvaluationFactory(DjangoModelFactory):
    """A family's evaluation of the course it booked, written as submit_evaluation would store it."""

    class Meta:
        model = Evaluation

    booking = factory.SubFactory(BookingFactory)
    gained = "We both relax at bath time now."
    to_improve = ""
    home_practice = Evaluation.HomePractice.DAILY
    teaching_rating = 5
    confidence_rating = 4
    group_rating = 4
    recommend_rating = 5
    language = "en"
    submitted_at = factory.LazyFunction(timezone.now)


def course_with_sessions(*, weeks: int = 3, **fields) -> tuple[Course, list[Session]]:
    """A published course and its `weeks` weekly sessions, the first a week from today (tests that need
    them over travel in time past the last one's end)."""
    course = CourseFactory(**fields)
    return course, [SessionFactory(course=course, week_number=week) for week in range(1, weeks + 1)]
