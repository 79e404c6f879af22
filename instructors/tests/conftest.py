"""What the instructors tests build on: certified instructors, a trainee in the practicum stage, and
courses made through the services, as an instructor would make them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from certification.tests.factories import CertificateFactory, EnrollmentFactory, TrainingCourseFactory
from classes.models import Booking, Course
from classes.services import SessionPlan, book_course, create_course, create_venue, mark_course_published
from classes.tests.factories import BabyFactory

# The fake Stripe server the payments tests run (localstripe), for places paid and refunded online.
from payments.tests.conftest import _stripe_process, stripe_server  # noqa: F401


@pytest.fixture
def certified(instructor):
    """Carol, with an active certificate."""
    CertificateFactory(holder=instructor)
    return instructor


@pytest.fixture
def other_certified(other_instructor):
    """Dave, another certified instructor."""
    CertificateFactory(holder=other_instructor)
    return other_instructor


@pytest.fixture
def practicum_trainee(trainee):
    """Erin, whose training ended a month ago: she may publish practicum courses until her deadline."""
    today = timezone.localdate()
    training = TrainingCourseFactory(starts_on=today - timedelta(days=34), ends_on=today - timedelta(days=31))
    EnrollmentFactory(
        trainee=trainee,
        training=training,
        accepted=True,
        training_attended=True,
        deadline=today + timedelta(days=150),
    )
    return trainee


def _make_course(
    instructor,
    *,
    title: str = "Baby massage in Chamberí",
    capacity: int = 4,
    weeks: int = 5,
    days_ahead: int = 10,
    hour: int = 18,
    publish: bool = True,
    is_practicum: bool = False,
    price: Decimal = Decimal("0"),
) -> Course:
    venue = instructor.venues.first() or create_venue(
        instructor,
        name="Casa Nido",
        address="Calle Mayor 3",
        city="Madrid",
        country="ES",
        time_zone="Europe/Madrid",
    )
    first = datetime.combine(timezone.localdate() + timedelta(days=days_ahead), datetime.min.time()).replace(
        hour=hour
    )
    course = create_course(
        instructor,
        title=title,
        plan=SessionPlan(first_local=first, weeks=weeks, duration_minutes=75),
        time_zone="Europe/Madrid",
        venue=venue,
        capacity=capacity,
        min_age_weeks=0,
        max_age_weeks=52,
        is_practicum=is_practicum,
        price=price,
    )
    return mark_course_published(course, actor=course.instructor) if publish else course


@pytest.fixture
def make_course(db) -> Callable[..., Course]:
    """make_course(instructor, capacity=4, weeks=5, days_ahead=10, publish=True, price=0): a course at the
    instructor's venue in Madrid, sessions at 18:00 local time, made and published through the services."""
    return _make_course


def _book(course: Course, first_name: str = "Oliver", *, parent=None, weeks_old: int = 6) -> Booking:
    extra = {"parent": parent} if parent is not None else {}
    baby = BabyFactory(
        first_name=first_name, date_of_birth=timezone.localdate() - timedelta(weeks=weeks_old), **extra
    )
    return book_course(course, parent=baby.parent, baby=baby)


@pytest.fixture
def book(db) -> Callable[..., Booking]:
    """book(course, "Oliver", parent=None, weeks_old=6): a family booked through book_course."""
    return _book
